"""The main window: menus, files, the find bar and the status bar around the text area.

Collaborators come in through the constructor (the settings now, the suggestion service
later), so tests drive a real window with settings in a temporary folder. Every question
to the user goes through `ask_user` and every file dialog through a `choose_*` method:
tests replace those few methods instead of clicking modal dialogs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QFileSystemWatcher, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from editor.core.fileio import DEFAULT_FORMAT, FileFormat, display_name
from editor.core.resources import bundled_model_path
from editor.core.service import ModelStatus
from editor.ui.documents import DISK_CHECK_DELAY_MS, DiskStamp, DocumentLifecycle
from editor.ui.find import FindBar, find_text
from editor.ui.settings import Settings
from editor.ui.statusbar import ElidingLabel, ElidingStatusBar, SteadyLabel
from editor.ui.suggestions.controller import SuggestionController
from editor.ui.suggestions.strip import SuggestionStrip
from editor.ui.textedit import CaminhoTextEdit
from editor.ui.theme import THEMES, apply_theme

log = logging.getLogger(__name__)

APP_NAME = "Caminho"
UNTITLED = "Untitled"
STATUS_TIMEOUT_MS = 8000
PANEL_SHARE = 1 / 3  # of the window's width, for the insight panel until the writer moves it
# The text area's width the panel gives way to in a narrow window (a line of about 35
# characters), down to the panel's own minimum; the writer's split comes back when it widens.
TEXT_MIN_WIDTH = 280

_STANDARD_BUTTONS = {
    "save": QMessageBox.StandardButton.Save,
    "discard": QMessageBox.StandardButton.Discard,
    "cancel": QMessageBox.StandardButton.Cancel,
    "ok": QMessageBox.StandardButton.Ok,
    "yes": QMessageBox.StandardButton.Yes,
    "no": QMessageBox.StandardButton.No,
}


def _key_sequences(
    keys: Sequence[QKeySequence | QKeySequence.StandardKey | str],
) -> list[QKeySequence]:
    """Platform bindings plus our extras, each once: an action holding the same sequence
    twice makes Qt report an ambiguous shortcut and trigger neither."""
    sequences: list[QKeySequence] = []
    for key in keys:
        if isinstance(key, QKeySequence.StandardKey):
            candidates = QKeySequence.keyBindings(key)
        else:
            candidates = [QKeySequence(key)]
        for sequence in candidates:
            if not sequence.isEmpty() and sequence not in sequences:
                sequences.append(sequence)
    return sequences


def _dropped_files(event: QDropEvent | QDragEnterEvent) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class MainWindow(DocumentLifecycle, QMainWindow):
    """One document in one window."""

    # Path of the model to load, or None for the bundled one. Nothing is loaded here: the
    # suggestion engine listens and calls `set_model_name` once the model is ready.
    model_requested = Signal(object)
    document_loaded = Signal(object)  # Path | None: opened, reloaded, created or new
    document_saved = Signal(object)  # Path
    error_shown = Signal(str, str)  # title, message
    closed = Signal()  # the window closed, its text saved or knowingly discarded

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._path: Path | None = None
        self._format: FileFormat = DEFAULT_FORMAT
        self._disk_stamp: DiskStamp | None = None
        self._requested_model: Path | None = None
        self._active_model: Path | None = None  # as requested: None is the bundled one
        # (path, remember, fallback) of the model load in flight; see load_model.
        self._load_request: tuple[Path | None, bool, bool] | None = None
        self._fallback_from: str | None = None  # the remembered model that failed at start
        self._shown_once = False
        self.last_error: tuple[str, str] | None = None
        self._message_box: QMessageBox | None = None

        self.editor = CaminhoTextEdit(self)
        self.editor.setAccessibleName(self.tr("Text"))
        self.strip = SuggestionStrip(self)
        self.suggestions: SuggestionController | None = None
        self.panel: QDockWidget | None = None
        self._panel_wanted: int | None = None  # the split the writer chose (None: a third)
        self._panel_target: int | None = None  # the width last asked of the dock
        self._sized_for = QSize()  # the window size the panel was last fitted to
        self.find_bar = FindBar(self)
        self.find_bar.hide()
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.strip)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.find_bar)
        self.setCentralWidget(central)

        self._watcher = QFileSystemWatcher(self)
        self._disk_timer = QTimer(self)
        self._disk_timer.setSingleShot(True)
        self._disk_timer.setInterval(DISK_CHECK_DELAY_MS)

        self._create_actions()
        self._create_menus()
        self._create_status_bar()
        self._connect()

        self.setAcceptDrops(True)
        self.apply_theme(self.settings.get("theme"))
        self.editor.set_zoom(self.settings.get("zoom"))
        geometry = self.settings.get("window_geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(900, 650)
        self._show_format()
        self._update_title()
        self._update_position()
        self.editor.setFocus()

    # --- construction ------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot,
        shortcuts: Sequence[QKeySequence | QKeySequence.StandardKey | str] = (),
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcuts:
            action.setShortcuts(_key_sequences(shortcuts))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        # Actions live on the window, so shortcuts work while the find field has focus.
        self.addAction(action)
        return action

    def _create_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.new_action = self._action(self.tr("&New"), self.new_file, [key.New])
        self.open_action = self._action(self.tr("&Open…"), lambda: self.open_file(), [key.Open])
        self.save_action = self._action(self.tr("&Save"), self.save, [key.Save])
        self.save_as_action = self._action(
            self.tr("Save &As…"), lambda: self.save_as(), [key.SaveAs, "Ctrl+Shift+S"]
        )
        self.quit_action = self._action(self.tr("&Quit"), self.close, [key.Quit, "Ctrl+Q"])

        # Lambdas: PySide6 would connect a bound undo/redo straight to the C++ slot, skipping
        # CaminhoTextEdit's overrides (which tell the dictionary nobody typed this).
        self.undo_action = self._action(self.tr("&Undo"), lambda: self.editor.undo(), [key.Undo])
        self.redo_action = self._action(self.tr("&Redo"), lambda: self.editor.redo(), [key.Redo])
        self.cut_action = self._action(self.tr("Cu&t"), self.editor.cut, [key.Cut])
        self.copy_action = self._action(self.tr("&Copy"), self.editor.copy, [key.Copy])
        self.paste_action = self._action(self.tr("&Paste"), self.editor.paste, [key.Paste])
        self.select_all_action = self._action(
            self.tr("Select &All"), self.editor.selectAll, [key.SelectAll]
        )
        self.find_action = self._action(self.tr("&Find…"), self.show_find_bar, [key.Find])
        self.find_next_action = self._action(
            self.tr("Find &Next"), lambda: self.find_next(), [key.FindNext, "F3"]
        )
        self.find_previous_action = self._action(
            self.tr("Find Pre&vious"),
            lambda: self.find_next(backward=True),
            [key.FindPrevious, "Shift+F3"],
        )
        for action in (self.undo_action, self.redo_action, self.cut_action, self.copy_action):
            action.setEnabled(False)

        # Ctrl+= as well: on most layouts "+" needs Shift, and people press Ctrl and "=".
        self.zoom_in_action = self._action(
            self.tr("Zoom &In"), self.editor.zoom_in, [key.ZoomIn, "Ctrl+="]
        )
        self.zoom_out_action = self._action(
            self.tr("Zoom &Out"), self.editor.zoom_out, [key.ZoomOut, "Ctrl+-"]
        )
        self.zoom_reset_action = self._action(
            self.tr("&Reset Zoom"), self.editor.reset_zoom, ["Ctrl+0"]
        )
        # Keyboard-only use: F6 walks text → suggestion strip → insight panel → text (the
        # key browsers and many editors use to move between panes); Esc in the strip returns.
        self.next_pane_action = self._action(
            self.tr("Next &Pane"), lambda: self.focus_next_pane(), ["F6"],
            tip=self.tr("Move the keyboard focus to the suggestions, the insight panel, "
                        "then back to the text"))
        self.previous_pane_action = self._action(
            self.tr("Previous Pan&e"), lambda: self.focus_next_pane(backward=True),
            ["Shift+F6"])
        self.theme_actions: dict[str, QAction] = {}
        self._theme_group = QActionGroup(self)
        theme_labels = {"system": self.tr("&System"), "light": self.tr("&Light"),
                        "dark": self.tr("&Dark")}
        for theme in THEMES:
            action = QAction(theme_labels[theme], self)
            action.setCheckable(True)
            action.setData(theme)
            action.triggered.connect(lambda _=False, t=theme: self.settings.set("theme", t))
            self._theme_group.addAction(action)
            self.theme_actions[theme] = action

        self.load_model_action = self._action(
            self.tr("&Load Model…"),
            self._choose_and_load_model,
            tip=self.tr("Suggest with a model file (.onnx) of your own"),
        )
        self.bundled_model_action = self._action(
            self.tr("Use &Bundled Model"),
            lambda: self.load_model(None),
            tip=self.tr("Suggest with the model that comes with Caminho"),
        )

    def _create_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = QMenu(self.tr("Open &Recent"), self)
        self.recent_menu.aboutToShow.connect(self._rebuild_recent_menu)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu(self.tr("&Edit"))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.cut_action)
        edit_menu.addAction(self.copy_action)
        edit_menu.addAction(self.paste_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.select_all_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)
        edit_menu.addAction(self.find_next_action)
        edit_menu.addAction(self.find_previous_action)

        self.view_menu = bar.addMenu(self.tr("&View"))
        self.view_menu.addAction(self.zoom_in_action)
        self.view_menu.addAction(self.zoom_out_action)
        self.view_menu.addAction(self.zoom_reset_action)
        self.view_menu.addSeparator()
        self.theme_menu = self.view_menu.addMenu(self.tr("T&heme"))
        for action in self.theme_actions.values():
            self.theme_menu.addAction(action)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.next_pane_action)
        self.view_menu.addAction(self.previous_pane_action)

        self.model_menu = bar.addMenu(self.tr("&Model"))
        self.model_menu.addAction(self.load_model_action)
        self.model_menu.addAction(self.bundled_model_action)
        self._rebuild_recent_menu()

    def _create_status_bar(self) -> None:
        # Long messages end at a word boundary, whole in the tooltip (issue 12, item 8).
        self.setStatusBar(ElidingStatusBar(self))
        status = self.statusBar()
        # These two change on every key: fixed sizes keep the bar from laying itself out again.
        self.latency_label = SteadyLabel(
            self.tr("suggested in {0:.1f} ms").format(999.9), self)
        self.latency_label.setToolTip(self.tr("How long the last suggestion took"))
        self.position_label = SteadyLabel(
            self.tr("Ln {0}, Col {1}").format(9999, 999), self)
        self.encoding_label = QLabel(self)
        self.encoding_label.setToolTip(self.tr("Encoding and line endings used when saving"))
        self.model_label = ElidingLabel(self.tr("No model"), self)
        for label in (
            self.latency_label,
            self.position_label,
            self.encoding_label,
            self.model_label,
        ):
            label.setContentsMargins(6, 0, 6, 0)
            status.addPermanentWidget(label)
        status.set_droppable([self.latency_label, self.encoding_label, self.position_label])
        # A narrow window keeps the model's name (elided) and drops these, least useful first.
        status.set_squeezable([self.latency_label, self.encoding_label, self.position_label])

    def _connect(self) -> None:
        document = self.editor.document()
        document.modificationChanged.connect(self.setWindowModified)
        self.editor.undoAvailable.connect(self.undo_action.setEnabled)
        self.editor.redoAvailable.connect(self.redo_action.setEnabled)
        self.editor.copyAvailable.connect(self.cut_action.setEnabled)
        self.editor.copyAvailable.connect(self.copy_action.setEnabled)
        self.editor.cursorPositionChanged.connect(self._update_position)
        self.editor.zoom_changed.connect(lambda steps: self.settings.set("zoom", steps))
        self.editor.files_dropped.connect(self._open_dropped)
        self.find_bar.find_requested.connect(self._on_find_requested)
        self.find_bar.closed.connect(self.editor.setFocus)
        self.strip.left.connect(self.editor.setFocus)
        # A word chosen from the keyboard in the strip: typing goes on in the text.
        self.strip.chosen.connect(lambda _rank: self.editor.setFocus())
        self._watcher.fileChanged.connect(self._disk_timer.start)
        # The folder too: a program that saves by replacing the file (or deleting and
        # re-creating it) makes Qt drop the watch on the file itself.
        self._watcher.directoryChanged.connect(self._disk_timer.start)
        self._disk_timer.timeout.connect(self.check_disk)
        self.settings.changed.connect(self._on_setting_changed)
        self.settings.changed.connect(self._on_theme_setting)

    # --- theme and keyboard focus ------------------------------------------------------

    def apply_theme(self, theme: str) -> None:
        """Make `theme` the application's look now and tick it in View → Theme."""
        applied = apply_theme(theme)
        self.theme_actions[applied].setChecked(True)

    def _on_theme_setting(self, key: str, value: object) -> None:
        if key == "theme":
            self.apply_theme(str(value))  # live, from the menu or Preferences

    def panes(self) -> list[QWidget]:
        """The parts F6 moves between, in order: the text, the strip when it offers a word,
        the insight panel when it is shown."""
        panes: list[QWidget] = [self.editor]
        if any(b.isEnabled() for b in self.strip.buttons):
            panes.append(self.strip)
        if self.panel is not None and self.panel.isVisible():
            panes.append(self.panel)
        return panes

    def current_pane(self) -> QWidget:
        focus = self.focusWidget()
        for pane in self.panes():
            if focus is not None and (focus is pane or pane.isAncestorOf(focus)):
                return pane
        return self.editor

    def focus_next_pane(self, *, backward: bool = False) -> QWidget:
        """Move the keyboard focus to the next (or previous) pane; returns the one focused."""
        panes = self.panes()
        index = panes.index(self.current_pane())
        target = panes[(index + (-1 if backward else 1)) % len(panes)]
        if target is self.strip:
            self.strip.focus_best()
        elif target is self.panel:
            tabs = getattr(self.panel, "tabs", None)
            (tabs.tabBar() if tabs is not None else self.panel).setFocus(
                Qt.FocusReason.ShortcutFocusReason)
        else:
            self.editor.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return target

    # --- document state ----------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The file this buffer belongs to (as the user named it, symlinks not resolved)."""
        return self._path

    @property
    def file_format(self) -> FileFormat:
        return self._format

    def is_modified(self) -> bool:
        return self.editor.document().isModified()

    def display_name(self) -> str:
        return display_name(self._path) if self._path is not None else self.tr(UNTITLED)

    def _update_title(self) -> None:
        # "[*]" is where Qt draws the unsaved-changes mark (setWindowModified).
        self.setWindowTitle(f"{self.display_name()}[*] — {APP_NAME}")
        self.setWindowFilePath(display_name(self._path, whole=True) if self._path else "")

    def _update_position(self) -> None:
        line, column = self.editor.cursor_line_column()
        self.position_label.setText(self.tr("Ln {0}, Col {1}").format(line, column))

    def _show_format(self) -> None:
        self.encoding_label.setText(f"{self._format.label} · {self._format.newline_label}")

    # --- questions and messages (the seams tests replace) ------------------------------

    def ask_user(
        self,
        title: str,
        text: str,
        choices: Sequence[tuple[str, str]],
        *,
        default: str | None = None,
        informative: str = "",
    ) -> str:
        """Ask a modal question; returns the key of the chosen (key, label) pair.

        Keys "save", "discard", "cancel", "ok", "yes" and "no" get the platform's standard
        buttons (with the label, if any, as text). Escape and closing the box answer
        "cancel" when that is a choice.
        """
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(title)
        box.setText(text)
        if informative:
            box.setInformativeText(informative)
        buttons = {}
        for key, label in choices:
            if key in _STANDARD_BUTTONS:
                button = box.addButton(_STANDARD_BUTTONS[key])
                if label:
                    button.setText(label)
            else:
                button = box.addButton(label, QMessageBox.ButtonRole.AcceptRole)
            buttons[button] = key
            if key == default:
                box.setDefaultButton(button)
        box.exec()
        return buttons.get(box.clickedButton(), "cancel")

    def choose_open_path(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Open"),
            str(self._dialog_folder()),
            self.tr("Text files (*.txt *.md *.text);;All files (*)"),
        )
        return Path(name) if name else None

    def choose_save_path(self) -> Path | None:
        start = self._dialog_folder() / (self._path.name if self._path else "untitled.txt")
        name, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Save As"),
            str(start),
            self.tr("Text files (*.txt *.md *.text);;All files (*)"),
        )
        return Path(name) if name else None

    def choose_model_path(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Load Model"),
            str(self._dialog_folder()),
            self.tr("ONNX models (*.onnx);;All files (*)"),
        )
        return Path(name) if name else None

    def _dialog_folder(self) -> Path:
        if self._path is not None:
            return self._path.parent
        recent = self.settings.get("recent_files")
        return Path(recent[0]).parent if recent else Path.home()

    def show_error(self, title: str, message: str, *, informative: str = "",
                   details: str = "") -> None:
        """Tell the user something failed without blocking (tests, autosaves, timers).
        `informative` says what to do; `details` (technical text) sits behind "Show Details"."""
        log.error("%s: %s", title, message)
        self.last_error = (title, message)
        self.statusBar().showMessage(f"{title}: {message}", STATUS_TIMEOUT_MS)
        if self._message_box is not None:
            self._message_box.close()
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self
        )
        if informative:
            box.setInformativeText(informative)
        if details:
            box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(self._forget_message_box)
        self._message_box = box
        box.open()  # window-modal sheet, returns at once
        self.error_shown.emit(title, message)

    @property
    def message_box(self) -> QMessageBox | None:
        """The error box on screen, if any (tests read its texts)."""
        return self._message_box

    def _forget_message_box(self) -> None:
        self._message_box = None

    def show_status(self, message: str, timeout_ms: int = STATUS_TIMEOUT_MS) -> None:
        self.statusBar().showMessage(message, timeout_ms)

    def set_model_name(self, name: str | None) -> None:
        """Show which model suggests (None: none loaded)."""
        self.model_label.setText(name or self.tr("No model"))

    def set_latency_ms(self, latency_ms: float | None) -> None:
        """Show how long the last suggestion took (None clears it)."""
        self.latency_label.setText(
            "" if latency_ms is None else self.tr("suggested in {0:.1f} ms").format(latency_ms))

    # --- find --------------------------------------------------------------------------

    def show_find_bar(self) -> None:
        selected = self.editor.textCursor().selectedText()
        # A selection across paragraphs contains U+2029 and can't be a search term.
        self.find_bar.open_bar(selected if "\u2029" not in selected else "")

    def find_next(self, *, backward: bool = False) -> bool:
        if not self.find_bar.text():
            self.show_find_bar()
            return False
        return self._on_find_requested(
            self.find_bar.text(), backward, self.find_bar.case_sensitive(), False
        )

    def _on_find_requested(
        self, text: str, backward: bool, case_sensitive: bool, incremental: bool
    ) -> bool:
        found = find_text(
            self.editor,
            text,
            backward=backward,
            case_sensitive=case_sensitive,
            from_start_of_selection=incremental,
        )
        self.find_bar.show_result(found)
        return found

    # --- model -------------------------------------------------------------------------

    @property
    def requested_model(self) -> Path | None:
        return self._requested_model

    def load_model(self, path: Path | str | None, *, remember: bool = True,
                   fallback: bool = False) -> None:
        """Ask for the model at `path` (None: the bundled one). Listeners of `model_requested`
        do the loading; once it has loaded, and only then, a `remember`ed choice is kept for
        the next start. With `fallback` (the choice remembered from last time), a model that
        fails to load gives way to the bundled one."""
        self._requested_model = Path(path) if path is not None else None
        self._load_request = (self._requested_model, remember, fallback)
        self.model_requested.emit(self._requested_model)

    def attach_suggestions(self, controller: SuggestionController) -> None:
        """Wire the suggestion engine in: model requests out, model status and latency back."""
        self.suggestions = controller
        self.model_requested.connect(
            lambda path: controller.load_model(path if path is not None else bundled_model_path())
        )
        controller.model_status.connect(self._on_model_status)
        controller.model_load_failed.connect(self._on_model_load_failed)
        controller.shown.connect(lambda _s: self.set_latency_ms(controller.last_latency_ms))
        self._follow_panel()

    def attach_panel(self, panel: QDockWidget) -> None:
        """Dock the insight panel on the right, toggled from View (F8); remember if it is shown."""
        self.panel = panel
        self._panel_wanted = self.settings.get("panel_width") or None
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
        panel.installEventFilter(self)
        self._size_panel()
        toggle = panel.toggleViewAction()
        toggle.setText(self.tr("In&sight Panel"))
        toggle.setShortcut(QKeySequence(Qt.Key.Key_F8))
        self.view_menu.addSeparator()
        self.view_menu.addAction(toggle)
        panel.setVisible(bool(self.settings.get("panel_visible")))
        panel.visibilityChanged.connect(self._panel_visibility_changed)
        self._follow_panel()

    def _follow_panel(self) -> None:
        """The engine skips the panel's gates while nobody can see them."""
        if self.panel is not None and self.suggestions is not None:
            self.suggestions.set_internals(not self.panel.isHidden())

    def _panel_visibility_changed(self, shown: bool) -> None:
        # Closing the window hides the dock too (and unchecks its toggle): only a change while
        # the window is up is the user's (F8, the menu, the panel's close button).
        if self.isVisible():
            self.settings.set("panel_visible", shown)
        self._follow_panel()
        if shown:
            self._size_panel()  # the window may have narrowed while it was hidden

    def _answered_request(self, status: ModelStatus) -> tuple[Path | None, bool, bool] | None:
        """The pending load request `status` answers, taken off; None for an older one."""
        request = self._load_request
        if request is None or status.path is None:
            return None
        wanted = request[0] if request[0] is not None else bundled_model_path()
        if Path(status.path) != Path(wanted):
            return None
        self._load_request = None
        return request

    def _panel_width(self) -> int:
        """The panel's width for this window: a third, or the split the writer chose, but in a
        narrow window no more than leaves the text TEXT_MIN_WIDTH (or the panel's minimum)."""
        wanted = self._panel_wanted or round(self.width() * PANEL_SHARE)
        least = self.panel.minimumSizeHint().width() if self.panel is not None else 0
        return max(least, min(wanted, self.width() - TEXT_MIN_WIDTH))

    def _size_panel(self) -> None:
        # The text comes first: QMainWindow keeps a dock's width and narrows the text instead,
        # which left 170 px of text beside a 300 px panel in a 480 px window.
        self._sized_for = self.size()
        panel = self.panel
        if panel is None or panel.isFloating() or panel.isHidden():
            return
        width = self._panel_width()
        self._panel_target = width
        if abs(panel.width() - width) > 1:
            self.resizeDocks([panel], [width], Qt.Orientation.Horizontal)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        # The panel resized while the window kept its size, and not to the width asked of it:
        # the writer dragged the split, and that width is theirs until they drag it again.
        if (watched is self.panel and event.type() == QEvent.Type.Resize
                and self.isVisible() and self.size() == self._sized_for
                and not self.panel.isFloating()
                and abs(self.panel.width() - (self._panel_target or -9)) > 1):
            self._panel_wanted = self.panel.width()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self._shown_once:
            self._size_panel()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._shown_once:
            # Again at the size the window opens with (--size, or one set after building).
            self._shown_once = True
            self._size_panel()

    def _on_model_status(self, status: ModelStatus) -> None:
        """The model in use changed: loaded, or none (nothing was loaded before a failure)."""
        request = self._answered_request(status)
        self.set_model_name(status.message if status.ok else None)
        if status.ok:
            self._active_model = request[0] if request is not None else Path(status.path)
            if request is not None and request[1]:
                self.settings.set("model_path", str(request[0]) if request[0] else None)
            if self._fallback_from is not None and request is not None and request[0] is None:
                self.show_status(self.tr("Using the bundled model: {0} could not be loaded.")
                                 .format(self._fallback_from))
                self._fallback_from = None
            else:
                loaded = self.tr("Model loaded: {0}").format(status.message)
                if status.note:  # loaded, but part of the file was refused: say which and why
                    log.warning("%s", status.note)
                    loaded = f"{loaded}. {status.note}"
                self.show_status(loaded)
            return
        if status.path is None:
            return  # unloaded on purpose
        name = Path(status.path).name
        if request is not None and request[2] and request[0] is not None:
            # The model chosen last time is broken or gone: start on the bundled one instead,
            # and make that the choice, so the next start does not stumble over it again.
            self._fallback_from = name
            self.settings.set("model_path", None)
            self.show_error(
                self.tr("Your model could not be loaded"), status.message,
                informative=self.tr(
                    "Caminho suggests with its bundled model instead. To use another model, "
                    "choose it again (Model → Models… or Model → Load Model…)."),
                details=status.detail)
            self.load_model(None, remember=False)
            return
        # The editor keeps working without suggestions; say why there are none.
        self.show_error(
            self.tr("Model not loaded"), status.message,
            informative=self.tr(
                "You can keep typing; there are no suggestions until a model loads. "
                "Model → Use Bundled Model brings the bundled one back, Model → Load Model… "
                "takes a .onnx file made by caminho-train."),
            details=status.detail)

    def _on_model_load_failed(self, status: ModelStatus) -> None:
        """A load failed and the model in use stays: nothing changes, the choice included."""
        self._answered_request(status)
        self._requested_model = self._active_model
        name = Path(status.path).name if status.path is not None else self.tr("The model")
        current = (self.suggestions.model_name if self.suggestions is not None else None) or \
            self.model_label.text()
        self.show_error(
            self.tr("Could not load {0}").format(name), status.message,
            informative=self.tr(
                "Nothing changed: {0} still suggests. Load a .onnx file made by "
                "caminho-train, or make one from your own texts (Model → Train on "
                "Documents…).").format(current),
            details=status.detail)

    def _choose_and_load_model(self) -> None:
        path = self.choose_model_path()
        if path is not None:
            self.load_model(path)

    # --- window events -----------------------------------------------------------------

    def _open_dropped(self, paths: list[Path]) -> None:
        if not paths:
            return
        if self.open_file(paths[0]) and len(paths) > 1:
            self.show_status(self.tr("Opened only the first of {0} files.").format(len(paths)))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if _dropped_files(event):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        files = _dropped_files(event)
        if files:
            event.acceptProposedAction()
            self._open_dropped(files)
        else:
            super().dropEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if not self.maybe_save(self.tr("closing")):
            event.ignore()
            return
        self.settings.set("window_geometry", bytes(self.saveGeometry().data()))
        if self.panel is not None and self.panel.isVisible() and not self.panel.isFloating():
            # The writer's split, not the narrower one a small window left the panel.
            self.settings.set("panel_width", self._panel_wanted or self.panel.width())
        self.settings.sync()
        self._disk_timer.stop()
        if self.panel is not None:
            self.panel.shutdown()
        if self.suggestions is not None:
            self.suggestions.shutdown()
        event.accept()
        self.closed.emit()
