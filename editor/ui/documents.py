"""The main window's document life cycle: new, open, reload, save, save as, the recent files,
and watching the file on disk for changes made by other programs.

A mixin of `MainWindow` (editor/ui/window.py), kept apart so the window module holds the
menus, the panels and the status bar and this one what happens to the file. Every question
goes through the window's `ask_user` and `choose_*` seams, as everywhere else.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtGui import QTextCursor

from editor.core import fileio
from editor.core.fileio import DEFAULT_FORMAT, FileError, FileFormat, display_name
from editor.core.longlines import (
    AS_IS_MAX_CHARS,
    PIECE_CHARS,
    LongLines,
    break_long_lines,
    find_long_lines,
)
from editor.ui.textedit import insert_text

log = logging.getLogger(__name__)

# Programs that save in several steps fire several change events; look once they settle.
DISK_CHECK_DELAY_MS = 150

DiskStamp = tuple[int, int, int]


def _disk_stamp(path: Path) -> DiskStamp | None:
    """What identifies one version of a file on disk; None when it is gone."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


class DocumentLifecycle:
    """New, open, reload and save for `MainWindow`, with the recent files and the disk watch."""

    def _set_document(self, path: Path | None, text: str, fmt: FileFormat) -> None:
        self.editor.set_text(text)
        self._path = path.absolute() if path is not None else None
        self._format = fmt
        self._watch()
        self._show_format()
        self._update_title()
        self._update_position()
        self.document_loaded.emit(self._path)

    def _watch(self) -> None:
        """Watch the current file (and its folder) and remember the version on disk."""
        watched = self._watcher.files() + self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)
        self._disk_stamp = None
        if self._path is None:
            return
        self._disk_stamp = _disk_stamp(self._path)
        if self._disk_stamp is not None:
            self._watcher.addPath(str(self._path))
        # The link's folder and the target's: a replaced target shows up only in its own.
        folders = {self._path.parent, Path(os.path.realpath(self._path)).parent}
        self._watcher.addPaths([str(folder) for folder in folders if folder.is_dir()])

    # --- files -------------------------------------------------------------------------

    def maybe_save(self, action: str = "closing") -> bool:
        """Ask to save unsaved changes; False means the user wants to stay (Cancel)."""
        if not self.is_modified():
            return True
        answer = self.ask_user(
            self.tr("Unsaved changes"),
            self.tr("Save the changes to “{0}” before {1}?").format(self.display_name(), action),
            [("save", ""), ("discard", self.tr("Don't Save")), ("cancel", "")],
            default="save",
            informative=self.tr("Your changes will be lost if you don't save them."),
        )
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_file(self) -> bool:
        if not self.maybe_save(self.tr("starting a new file")):
            return False
        self._set_document(None, "", DEFAULT_FORMAT)
        return True

    def open_file(self, path: Path | str | None = None) -> bool:
        """Open `path`, or ask for one; the current text is replaced only on success."""
        if path is None:
            if not self.maybe_save(self.tr("opening another file")):
                return False
            path = self.choose_open_path()
            if path is None:
                return False
            return self._load(Path(path), ask=False)
        return self._load(Path(path), ask=True)

    def open_or_create(self, path: Path | str) -> bool:
        """Open `path`; if there is no such file, start an empty buffer that saves there."""
        path = Path(path)
        if os.path.lexists(path):
            return self.open_file(path)
        if not self.maybe_save(self.tr("starting a new file")):
            return False
        self._set_document(path, "", DEFAULT_FORMAT)
        self.show_status(self.tr("New file: {0}").format(display_name(path)))
        return True

    def _load(self, path: Path, *, ask: bool) -> bool:
        try:
            text, fmt = fileio.read_text(path)
        except FileError as exc:
            if exc.kind == "not_found":
                self.settings.remove_recent_file(path)
            self.show_error(
                self.tr("Could not open {0}").format(display_name(path)),
                f"{exc.reason[:1].upper()}{exc.reason[1:]}.",
            )
            return False
        long_lines = find_long_lines(text)
        answer = self._ask_long_lines(path, long_lines) if long_lines else "as_is"
        if answer == "cancel":
            return False
        if ask and not self.maybe_save(self.tr("opening another file")):
            return False
        if answer == "copy":
            # Not tied to the file: saving it cannot replace the file with the broken lines.
            self._set_document(None, break_long_lines(text), fmt)
            self.show_status(self.tr("Opened a copy of {0} with its long lines broken; the file "
                                     "is unchanged.").format(path.name))
            return True
        self._set_document(path, text, fmt)
        self._remember_recent(path)
        notices = self._format_notices(fmt)
        self.show_status(" ".join(notices) if notices else self.tr("Opened {0}").format(display_name(path)))
        return True

    def _ask_long_lines(self, path: Path, found: LongLines) -> str:
        """A line Qt would lay out for a minute (issue 13 item 7): "copy", "as_is" or "cancel"."""
        where = (self.tr("line {0}").format(found.first) if found.count == 1 else
                 self.tr("{0} lines, the first line {1}").format(found.count, found.first))
        choices = [("copy", self.tr("Open a Copy with Lines Broken"))]
        if found.longest <= AS_IS_MAX_CHARS:
            choices.append(("as_is", self.tr("Open As Is")))
        choices.append(("cancel", ""))
        return self.ask_user(
            self.tr("Very long line"),
            self.tr("“{0}” has a line of {1:,} characters ({2}).").format(
                path.name, found.longest, where),
            choices,
            default="copy",
            informative=self.tr(
                "Caminho lays out a line as a whole: a line this long would freeze the window "
                "for about a second per million characters, and every key typed on it would "
                "be slow. The copy breaks long lines into lines of at most {0:,} characters, "
                "at spaces where it can; it is a new document, and the file stays as it is."
            ).format(PIECE_CHARS),
        )

    def _format_notices(self, fmt: FileFormat) -> list[str]:
        notices = []
        if fmt.encoding != "utf-8":
            notices.append(
                self.tr("Opened as {0} (not UTF-8); it will be saved as {0}.").format(fmt.label)
            )
        if fmt.mixed_newlines:
            notices.append(
                self.tr("The file mixes line endings; saving will use {0} throughout.").format(
                    fmt.newline_label
                )
            )
        return notices

    def reload(self) -> bool:
        """Read the file again, as one undoable edit so the previous text is not lost."""
        if self._path is None:
            return False
        try:
            text, fmt = fileio.read_text(self._path)
        except FileError as exc:
            self.show_error(self.tr("Could not reload {0}").format(self.display_name()), exc.reason)
            return False
        if find_long_lines(text):
            # Reloading would freeze the window; the buffer stays and a save asks first.
            self.show_error(self.tr("Could not reload {0}").format(self._path.name), self.tr(
                "it now has a very long line; open it again to get a copy with lines broken"))
            return False
        position = self.editor.textCursor().position()
        cursor = QTextCursor(self.editor.document())
        # The document reports the change when the edit block ends: keep `replacing` till then.
        with self.editor.replacing():
            cursor.beginEditBlock()
            cursor.select(QTextCursor.SelectionType.Document)
            insert_text(cursor, text)
            cursor.endEditBlock()
        cursor.setPosition(min(position, len(text)))
        self.editor.setTextCursor(cursor)
        self.editor.document().setModified(False)
        self._format = fmt
        self._watch()
        self._show_format()
        self.document_loaded.emit(self._path)
        return True

    def save(self) -> bool:
        if self._path is None:
            return self.save_as()
        return self._save_to(self._path)

    def save_as(self, path: Path | str | None = None) -> bool:
        if path is None:
            path = self.choose_save_path()
            if path is None:
                return False
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        path = path.absolute()
        if path == self._path and self._changed_on_disk():
            answer = self.ask_user(
                self.tr("File changed on disk"),
                self.tr("“{0}” was changed by another program since you opened it.").format(
                    display_name(path)
                ),
                [("overwrite", self.tr("Overwrite")), ("cancel", "")],
                default="cancel",
                informative=self.tr("Saving now replaces those changes with your text."),
            )
            if answer != "overwrite":
                return False
        fmt = self._format
        text = self.editor.text()
        try:
            fileio.write_text(path, text, fmt)
        except FileError as exc:
            if exc.kind != "encode":
                return self._save_failed(path, exc)
            answer = self.ask_user(
                self.tr("Can't save as {0}").format(fmt.label),
                self.tr("Your text can't be stored in {0}: {1}.").format(fmt.label, exc.reason),
                [("utf8", self.tr("Save as UTF-8")), ("cancel", "")],
                default="utf8",
            )
            if answer != "utf8":
                return False
            fmt = fmt.with_encoding("utf-8")
            try:
                fileio.write_text(path, text, fmt)
            except FileError as exc2:
                return self._save_failed(path, exc2)
        self._path = path
        self._format = fmt
        self.editor.document().setModified(False)
        self._watch()
        self._remember_recent(path)
        self._show_format()
        self._update_title()
        self.show_status(self.tr("Saved {0}").format(display_name(path)))
        self.document_saved.emit(path)
        return True

    def _save_failed(self, path: Path, exc: FileError) -> bool:
        # The text stays in the buffer, still marked unsaved; the old file is untouched.
        message = self.tr("Could not save “{0}”: {1}.").format(display_name(path), exc.reason)
        log.error("%s", message)
        self.last_error = (self.tr("Could not save"), message)
        self.show_status(message)
        self.error_shown.emit(self.tr("Could not save"), message)
        answer = self.ask_user(
            self.tr("Could not save"),
            message,
            [("save_as", self.tr("Save As…")), ("cancel", "")],
            default="save_as",
            informative=self.tr("Your text is still here, unsaved. Save it somewhere else?"),
        )
        if answer == "save_as":
            return self.save_as()
        return False

    def _changed_on_disk(self) -> bool:
        if self._path is None or self._disk_stamp is None:
            return False
        stamp = _disk_stamp(self._path)
        return stamp is not None and stamp != self._disk_stamp

    def check_disk(self) -> None:
        """React to another program changing (or deleting) the open file."""
        if self._path is None:
            return
        stamp = _disk_stamp(self._path)
        if str(self._path) not in self._watcher.files() and stamp is not None:
            self._watcher.addPath(str(self._path))
        if stamp == self._disk_stamp:
            return  # our own save, or a change that was already handled
        if stamp is None:
            # Keep the text and mark it unsaved, so closing asks instead of losing it.
            self._disk_stamp = None
            self.editor.document().setModified(True)
            self.show_status(
                self.tr("“{0}” was deleted on disk; saving will create it again.").format(
                    self.display_name()
                )
            )
            return
        if not self.is_modified():
            if self.reload():
                self.show_status(
                    self.tr("Reloaded “{0}”: it was changed by another program.").format(
                        self.display_name()
                    )
                )
            return
        # Remember this version first: the question must not be asked again for it.
        self._disk_stamp = stamp
        answer = self.ask_user(
            self.tr("File changed on disk"),
            self.tr("“{0}” was changed by another program.").format(self.display_name()),
            [("reload", self.tr("Reload")), ("keep", self.tr("Keep My Version"))],
            default="keep",
            informative=self.tr(
                "Reload loses your unsaved changes (Undo brings them back). "
                "Keep My Version overwrites the other program's changes when you save."
            ),
        )
        if answer == "reload":
            self.reload()

    # --- recent files ------------------------------------------------------------------

    def _remember_recent(self, path: Path) -> None:
        self.settings.add_recent_file(path)

    def _on_setting_changed(self, key: str, value: object) -> None:
        if key == "recent_files":
            # Only the enabled state now: rebuilding deletes the actions, and this may run
            # inside the triggered() of one of them. The menu is rebuilt when it opens.
            self.recent_menu.setEnabled(bool(value))

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.get("recent_files")
        for index, name in enumerate(recent, start=1):
            label = f"&{index % 10} {display_name(name)}"
            action = self.recent_menu.addAction(label)
            action.setData(name)
            action.setToolTip(display_name(name, whole=True))
            action.setStatusTip(display_name(name, whole=True))
            action.triggered.connect(lambda _checked=False, name=name: self.open_file(name))
        if recent:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction(self.tr("&Clear Menu"), self._clear_recent)
        self.recent_menu.setEnabled(bool(recent))

    def _clear_recent(self) -> None:
        self.settings.set("recent_files", [])

    # --- crash recovery (editor/ui/recovery.py) -------------------------------------------

    def restore_document(self, path: Path | None, text: str, fmt: FileFormat) -> None:
        """Show text recovered after a crash: it belongs to `path`, but is unsaved until the
        writer saves it, so closing asks instead of losing it again."""
        self._set_document(path, text, fmt)
        self.editor.document().setModified(True)
        self.show_status(self.tr("Recovered unsaved text of {0}; save it to keep it.").format(
            self.display_name()))
