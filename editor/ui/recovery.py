"""Crash recovery: unsaved text goes to a recovery file, and comes back after a crash.

Each window writes its unsaved buffer to a file of its own in the user's data folder a couple
of seconds after typing stops (and every few seconds while typing goes on), and deletes it
when the text is saved, discarded or closed unchanged. A file whose owner process is gone is
what a crash left behind: the next start offers to recover it.

Reading a 50 MB document out of Qt takes about a second, far too long for the GUI thread, so
the buffer is mirrored in chunks (`DocumentMirror`): an edit marks only the chunks it touched
as stale, they are re-read a few milliseconds per event-loop turn, and encoding, hashing and
writing happen on a background thread.

The files themselves (their format, checksums, the private folder, whose owner is gone) are
the Qt-free store in editor/core/recovery_store.py; this module watches the document, writes
through the store and asks the user what to recover.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QProgressDialog

from editor.core.fileio import MAX_FILE_BYTES, display_name
from editor.core.paths import recovery_dir
from editor.core.recovery_store import (
    Recovered,
    RecoveryError,
    RecoveryInfo,
    RecoveryStore,
    process_identity,
)
from editor.core.safefs import UnsafeFolderError
from editor.ui.window import MainWindow

# Plain functions here have no class to look strings up under: their strings name the context
# "AutoSaver" (this module's class) literally, so lupdate files them where Qt looks them up.
translate = QCoreApplication.translate

log = logging.getLogger(__name__)

IDLE_MS = 2000  # write this long after the last change
MAX_DELAY_MS = 5000  # ... and at least this often while changes keep coming
SLICE_S = 0.004  # GUI time spent re-reading stale chunks per event-loop turn
CHUNK = 1 << 17  # UTF-16 units per mirrored chunk: one read takes ~2 ms
# Text beyond what the editor opens from disk is not put in a window (it would freeze it):
# it is offered as a file to save instead (RecoveryStore.export).
MAX_RECOVER_INTO_WINDOW = MAX_FILE_BYTES
# Files up to this size are checked whole before they are offered (a garbled one is set aside
# unasked); larger ones by their header and size only, and whole when the user recovers them.
CHECK_WHOLE_BYTES = 1 << 20

# --- a cheap snapshot of a big document ------------------------------------------------------


def _read_range(document: QTextDocument, start: int, end: int) -> str:
    cursor = QTextCursor(document)
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    # Same text as textedit.document_text: paragraph separators become "\n", nothing else changes.
    return cursor.selectedText().replace("\u2029", "\n")


class DocumentMirror:
    """The document's text as chunks, kept current by re-reading only what edits touched.

    Positions and lengths count UTF-16 units, like QTextDocument. A stale chunk holds None.
    """

    def __init__(self, document: QTextDocument, chunk: int = CHUNK) -> None:
        self.document = document
        self.chunk = chunk
        self.lens: list[int] = []
        self.texts: list[str | None] = []
        self.resets = 0  # how often the whole text had to be re-read (tests, benchmarks)
        self.reset()
        document.contentsChange.connect(self._on_change)

    def _size(self) -> int:
        return self.document.characterCount() - 1  # less the final paragraph separator

    def reset(self) -> None:
        size = self._size()
        self.lens = [size] if size > 0 else []
        self.texts = [None] * len(self.lens)
        self.resets += 1

    def _on_change(self, pos: int, removed: int, added: int) -> None:
        # Chunks that touch the changed range become one stale chunk; those after it keep
        # their text (it only moved). A boundary touching the edit is never kept, so kept
        # boundaries never fall inside a surrogate pair.
        start, first, last = 0, -1, -1
        for i, n in enumerate(self.lens):
            end = start + n
            if start > pos + removed:
                break
            if end >= pos:
                if first < 0:
                    first = i
                last = i
            start = end
        if first < 0:
            self.reset()
            return
        merged = sum(self.lens[first : last + 1]) - removed + added
        self.lens[first : last + 1] = [merged] if merged > 0 else []
        self.texts[first : last + 1] = [None] if merged > 0 else []
        # Qt's counts sometimes include the final paragraph separator; re-read everything
        # rather than trust a mirror that does not add up.
        if merged < 0 or sum(self.lens) != self._size():
            self.reset()

    def stale(self) -> bool:
        return any(text is None for text in self.texts)

    def refresh(self, budget_s: float | None = SLICE_S) -> bool:
        """Re-read stale chunks until `budget_s` is spent (None: all); True when current."""
        deadline = None if budget_s is None else time.perf_counter() + budget_s
        start = 0
        i = 0
        while i < len(self.lens):
            if self.texts[i] is None:
                if deadline is not None and time.perf_counter() > deadline:
                    return False
                if self.lens[i] > self.chunk + 1:
                    self._split(i, start)
                self.texts[i] = _read_range(self.document, start, start + self.lens[i])
            start += self.lens[i]
            i += 1
        return True

    def _split(self, i: int, start: int) -> None:
        head = self.chunk
        # Never between the two halves of a surrogate pair: Qt gives each half back as nothing.
        if 0xD800 <= ord(self.document.characterAt(start + head - 1) or "\0") <= 0xDBFF:
            head += 1
        self.lens[i : i + 1] = [head, self.lens[i] - head]
        self.texts[i : i + 1] = [None, None]

    def chunks(self) -> list[str]:
        """The text as it stands, in pieces; call `refresh` until it returns True first."""
        return [text or "" for text in self.texts]

    def text(self) -> str:
        self.refresh(None)
        return "".join(self.chunks())


# --- writing in the background ---------------------------------------------------------------


class _Writer:
    """One background thread running the latest job (a write or a delete); a newer job
    replaces one still waiting, so a burst of auto-saves costs one write."""

    def __init__(self, report: Callable[[tuple[str, Any]], None]) -> None:
        self._report = report
        self._cond = threading.Condition()
        self._job: Callable[[], tuple[str, Any]] | None = None
        self._busy = False
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="caminho-recovery", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], tuple[str, Any]]) -> None:
        with self._cond:
            if not self._stop:
                self._job = job
                self._cond.notify_all()
                return
        # Closed already (a window closed twice): nothing is queued to run later.
        try:
            job()
        except (OSError, UnsafeFolderError) as exc:
            log.warning("recovery file: %s", exc)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._job is None and not self._busy, timeout)

    def close(self, timeout: float = 10.0) -> None:
        self.wait_idle(timeout)
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stop or self._job is not None)
                if self._job is None:
                    return
                job, self._job = self._job, None
                self._busy = True
            try:
                outcome = job()
            except Exception as exc:  # an auto-save must never take the editor down
                outcome = ("error", exc)
            try:
                self._report(outcome)
            except RuntimeError:
                pass  # the window is gone; nobody is left to tell
            with self._cond:
                self._busy = False
                self._cond.notify_all()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, UnsafeFolderError):
        return f"the recovery folder {exc.folder} was not used: {exc.reason}"
    if isinstance(exc, OSError):
        from editor.core.fileio import _os_error  # noqa: PLC0415 (one wording for every I/O error)

        return _os_error(Path(exc.filename or "recovery"), exc, "auto-saving").reason
    return str(exc) or type(exc).__name__


class AutoSaver(QObject):
    """Keeps one window's unsaved text in a recovery file (see the module docstring)."""

    written = Signal(object)  # the recovery file, just written
    removed = Signal()  # the recovery file is gone (saved, discarded, closed)
    failed = Signal(str)  # why an auto-save could not be written
    _outcome = Signal(object)  # from the writer thread

    def __init__(self, window: MainWindow, store: RecoveryStore, *, idle_ms: int = IDLE_MS,
                 max_delay_ms: int = MAX_DELAY_MS) -> None:
        super().__init__(window)
        self.window = window
        self.store = store
        self.path = store.new_path()
        self.last_error: str | None = None
        self.last_written: float | None = None  # time.time() of the last good write
        self._identity = process_identity()
        document = window.editor.document()
        self.mirror = DocumentMirror(document)
        self._changes = 0  # edits seen; compared with the count the last write had
        self._written_changes = -1
        self._adopting = False
        self._idle = self._timer(idle_ms, self._start_snapshot)
        self._max = self._timer(max_delay_ms, self._start_snapshot)
        self._slicer = self._timer(0, self._continue_snapshot, single=False)
        self._writer = _Writer(self._outcome.emit)
        self._outcome.connect(self._on_outcome)
        document.contentsChange.connect(self._on_edit)
        document.modificationChanged.connect(self._on_modification)
        window.document_loaded.connect(self._on_new_document)
        window.document_saved.connect(lambda _path: self.discard())
        window.closed.connect(self.close)

    def _timer(self, ms: int, slot: Callable[[], None], single: bool = True) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(single)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    # -- when to write -----------------------------------------------------------------------
    def _on_edit(self, *_args: int) -> None:
        self._changes += 1
        self._idle.start()  # restarted by every change: "after typing stops"
        if not self._max.isActive():
            self._max.start()  # but typing that never stops is saved too

    def _on_modification(self, modified: bool) -> None:
        if self._adopting:
            return
        if modified:
            self._on_edit()  # e.g. the file was deleted on disk: the buffer is the only copy
        else:
            self.discard()  # saved, or undone back to the saved text

    def _on_new_document(self, _path: Path | None) -> None:
        if not self._adopting:
            self.discard()  # the window asked about the old text before replacing it

    def flush(self) -> None:
        """Write now (if there is anything unsaved) instead of waiting for the timers."""
        self._start_snapshot()

    def _start_snapshot(self) -> None:
        self._idle.stop()
        self._max.stop()
        if not self.window.is_modified():
            self.discard()
            return
        if self._changes == self._written_changes:
            return  # this very text is written (or on its way)
        self._slicer.start()

    def _continue_snapshot(self) -> None:
        if not self.window.is_modified():
            self._slicer.stop()
            self.discard()
            return
        if not self.mirror.refresh(SLICE_S):
            return  # more next turn, so typing and painting go on meanwhile
        self._slicer.stop()
        chunks = self.mirror.chunks()
        meta = self._meta()
        self._written_changes = self._changes
        path = self.path
        self._writer.submit(lambda: ("written", (path, meta, self.store.write(path, meta, chunks))))

    def _meta(self) -> dict[str, Any]:
        window = self.window
        doc_path = window.path
        disk = None
        if doc_path is not None:
            with contextlib.suppress(OSError):
                info = os.stat(doc_path)
                disk = [info.st_mtime_ns, info.st_size]
        fmt = window.file_format
        return {
            "path": str(doc_path) if doc_path is not None else None,
            "encoding": fmt.encoding,
            "bom": fmt.bom,
            "newline": fmt.newline,
            "cursor": window.editor.textCursor().position(),
            "disk": disk,
            "pid": os.getpid(),
            "owner": self._identity,
            "time": time.time(),
        }

    # -- removing ----------------------------------------------------------------------------
    def discard(self) -> None:
        """Delete the recovery file: the text is saved, or the writer threw it away."""
        for timer in (self._idle, self._max, self._slicer):
            timer.stop()
        self._written_changes = -1
        path = self.path
        self._writer.submit(lambda: ("removed", self.store.remove(path)))

    def close(self) -> None:
        """The window closed with nothing left to save: delete the file before the process
        may exit, and stop the thread."""
        self.discard()
        self._writer.close()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until the background writer has nothing left to do (tests, adopting)."""
        return self._writer.wait_idle(timeout)

    def _on_outcome(self, outcome: tuple[str, Any]) -> None:
        kind, value = outcome
        if kind == "written":
            path, meta, _size = value
            self.last_error = None
            self.last_written = meta["time"]
            self.written.emit(path)
        elif kind == "removed":
            self.removed.emit()
        else:
            # Say it in the status bar, not in a box: this repeats every few seconds while
            # the writer types, and the text itself is not at risk until a crash.
            message = translate("AutoSaver", "Auto-save for crash recovery failed: {0}.").format(
                _describe(value))
            first = self.last_error is None
            self.last_error = message
            self._written_changes = -1
            if first:
                log.warning("%s (%s)", message, self.path)
            self.window.show_status(message)
            self.failed.emit(message)

    # -- recovering --------------------------------------------------------------------------
    def adopt(self, recovered: Recovered) -> bool:
        """Show `recovered` in this window, unsaved, and make its file ours."""
        self.wait_idle()
        try:
            # Claim it in one atomic step: another Caminho starting at the same moment can't
            # take it too, and a crash from here on still leaves it behind.
            os.replace(recovered.file, self.path)
        except OSError as exc:
            self.window.show_error(translate("AutoSaver", "Could not recover"),
                                   translate("AutoSaver", "The recovery file is gone ({0}).").format(
                                       exc.strerror or exc))
            return False
        self._adopting = True
        try:
            self.window.restore_document(recovered.path, recovered.text, recovered.fmt)
        finally:
            self._adopting = False
        cursor = self.window.editor.textCursor()
        cursor.setPosition(max(0, min(recovered.cursor, self.window.editor.document()
                                      .characterCount() - 1)))
        self.window.editor.setTextCursor(cursor)
        self.flush()  # rewrite it under our own name and pid at once
        return True


def autosaver(window: MainWindow) -> AutoSaver | None:
    return window.findChild(AutoSaver)


def attach_autosave(window: MainWindow, store: RecoveryStore | None = None) -> AutoSaver:
    """Give `window` crash recovery; the store defaults to `recovery_dir()`."""
    return AutoSaver(window, store if store is not None else RecoveryStore(recovery_dir()))


# --- the question after a crash ---------------------------------------------------------------


def _fits(window: MainWindow, recovered: Recovered | RecoveryInfo) -> bool:
    """Whether `window` can show `recovered` without replacing anything the writer opened."""
    if window.is_modified():
        return False
    if window.path is None:
        return window.editor.document().isEmpty()
    return recovered.path is not None and window.path == recovered.path.absolute()


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))


def changed_since(info: RecoveryInfo) -> bool:
    """Whether saving the recovered text would replace a version of its file that the writer
    never saw. A file without the fingerprint of the version on disk (an older Caminho's, or
    one Caminho did not write) counts as changed whenever that file exists."""
    if info.path is None:
        return False
    try:
        now = os.stat(info.path)
    except FileNotFoundError:
        return info.disk is not None  # it was deleted since; saving only creates it again
    except OSError:
        return True
    return info.disk is None or (now.st_mtime_ns, now.st_size) != info.disk


def _amount(window: MainWindow, info: RecoveryInfo) -> str:
    if info.chars is not None:
        return translate("AutoSaver", "{0} characters").format(info.chars)
    return translate("AutoSaver", "{0} KB of text").format(max(1, round(info.length / 1024)))


def _offer_export(window: MainWindow, store: RecoveryStore, info: RecoveryInfo, name: str) -> None:
    """A recovery file holding more text than a window opens: save it to a file, piece by
    piece with a progress bar, so the editor neither freezes nor loses it."""
    answer = window.ask_user(
        translate("AutoSaver", "Recover unsaved text?"),
        translate("AutoSaver", "Caminho closed unexpectedly while {0} had unsaved changes "
                  "(last auto-saved {1}, {2}).").format(name, _when(info.time),
                                                        _amount(window, info)),
        [("save_as", translate("AutoSaver", "Save As…")), ("discard", translate("AutoSaver", "Discard")),
         ("cancel", translate("AutoSaver", "Not Now"))],
        default="save_as",
        informative=translate("AutoSaver",
            "That text ({0} MB) is more than Caminho opens in a window ({1} MB). Save As "
            "writes it to a file of your choice, in UTF-8; Discard deletes it; Not Now asks "
            "again next time.").format(max(1, round(info.length / 2**20)),
                                       MAX_RECOVER_INTO_WINDOW // 2**20),
    )
    if answer == "discard":
        store.remove(info.file)
        return
    if answer != "save_as":
        return
    target = window.choose_save_path()
    if target is None:
        return  # kept: offered again next time
    target = target.absolute()
    progress = QProgressDialog(translate("AutoSaver", "Saving the recovered text…"), translate("AutoSaver", "Cancel"),
                               0, max(1, info.length >> 10), window)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(500)

    def step(done: int) -> bool:
        progress.setValue(done >> 10)
        QCoreApplication.processEvents()
        return not progress.wasCanceled()

    try:
        store.export(info, target, step)
    except InterruptedError:
        window.show_status(translate("AutoSaver", "Cancelled; the recovered text is kept for next time."))
        return
    except OSError as exc:
        from editor.core.fileio import _os_error  # noqa: PLC0415 (one wording for every I/O error)

        window.show_error(translate("AutoSaver", "Could not save"),
                          translate("AutoSaver", "Could not save the recovered text to {0}: {1}.").format(
                              display_name(target), _os_error(target, exc, "saving").reason))
        return
    finally:
        progress.close()
        progress.deleteLater()
    store.remove(info.file)
    window.show_status(translate("AutoSaver", "Saved the recovered text to {0}").format(display_name(target)))


def offer_recovery(window: MainWindow,
                   open_window: Callable[[], MainWindow] | None = None) -> int:
    """Offer each recovery file a crashed Caminho left behind: Recover, Discard, or Not Now
    (also Escape: it is offered again at the next start). Recovered text goes into `window` when it
    holds nothing yet (or the same file), else into a window from `open_window`. Damaged files
    are moved aside with a message. Only headers are read to ask (small files are checked
    whole); the text is read when the user recovers it, and text too large for a window is
    offered as a file to save. Returns how many documents were recovered."""
    saver = autosaver(window)
    if saver is None:
        return 0
    store = saver.store
    damaged: list[str] = []
    recovered_count = 0

    def set_aside(file: Path, exc: RecoveryError) -> None:
        aside = store.move_aside(file)
        log.warning("damaged recovery file %s: %s", file, exc.reason)
        damaged.append(translate("AutoSaver", "{0}: {1}{2}").format(
            file.name, exc.reason, f" (moved to {aside})" if aside else " (deleted)"))

    for file in store.orphans():
        try:
            info = store.peek(file)
            # A small one is checked whole now, so a garbled one is never offered.
            recovered = store.load(info) if info.length <= CHECK_WHOLE_BYTES else None
        except RecoveryError as exc:
            set_aside(file, exc)
            continue
        name = display_name(info.path) if info.path else translate("AutoSaver", "an untitled document")
        if info.length > MAX_RECOVER_INTO_WINDOW:
            _offer_export(window, store, info, name)
            continue
        target = window if _fits(window, info) else None
        if target is None and open_window is None:
            continue  # nowhere to show it now; it is offered again next time
        informative = translate("AutoSaver", "Recover shows that text, unsaved; Discard deletes it; "
                                "Not Now asks again next time.")
        if info.path is not None:
            # The whole path: a recovery file names the file its text is saved into.
            informative += " " + translate("AutoSaver", "Its file: {0}.").format(
                display_name(info.path, whole=True))
        if changed_since(info):
            informative += " " + translate("AutoSaver",
                "The file on disk has changed since; saving recovered text replaces it.")
        answer = window.ask_user(
            translate("AutoSaver", "Recover unsaved text?"),
            translate("AutoSaver", "Caminho closed unexpectedly while {0} had unsaved changes "
                      "(last auto-saved {1}, {2}).").format(
                name, _when(info.time), _amount(window, info)),
            # "cancel" is the standard Cancel button, so Escape keeps the file for next time.
            [("recover", translate("AutoSaver", "Recover")), ("discard", translate("AutoSaver", "Discard")),
             ("cancel", translate("AutoSaver", "Not Now"))],
            default="recover",
            informative=informative,
        )
        if answer == "discard":
            store.remove(file)
            continue
        if answer != "recover":
            continue
        if recovered is None:
            try:
                recovered = store.load(info)
            except RecoveryError as exc:
                set_aside(file, exc)
                continue
        if target is None or not _fits(target, recovered):
            target = open_window() if open_window is not None else None
        target_saver = autosaver(target) if target is not None else None
        if target_saver is not None and target_saver.adopt(recovered):
            recovered_count += 1
    problem = translate("AutoSaver", "Crash recovery: {0}.").format(store.problem) if store.problem else ""
    if damaged:
        window.show_error(translate("AutoSaver", "Damaged recovery files"),
                          translate("AutoSaver", "Some recovery files could not be read and were set aside:\n")
                          + "\n".join(damaged) + (f"\n{problem}" if problem else ""))
    elif problem:
        window.show_status(problem)
    return recovered_count


__all__ = [
    "AutoSaver",
    "DocumentMirror",
    "attach_autosave",
    "autosaver",
    "changed_since",
    "offer_recovery",
]
