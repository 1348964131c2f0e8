"""What `install()` adds to a main window: training, the Models manager, Preferences, the
user's word lists and "Never suggest", kept in step with the suggestions.

`UserFeatures` wires the user's models (editor/core/models.py), preferences and word lists
(editor/core/userwords.py) into the window; the training dialog itself is editor/ui/training_ui.py.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence, QTextCursor
from PySide6.QtWidgets import QDialog, QMenu

from editor.core.models import ModelRegistry
from editor.core.paths import data_dir, models_dir, userwords_path
from editor.core.resources import bundled_model_path
from editor.core.safefs import UnsafeFolderError, ensure_private_folder
from editor.core.trainer import find_trainer
from editor.core.userwords import BEFORE_CHARS, MAX_INSERT, TypedWords, UserWords, finishes_a_word
from editor.ui.training_ui import TrainDialog

if TYPE_CHECKING:
    from editor.ui.settings import Settings
    from editor.ui.suggestions.controller import SuggestionController
    from editor.ui.window import MainWindow


LEARN_IDLE_MS = 4000  # learn typed words after this pause, not on every key
BLOCK_GHOST_KEYS = "Ctrl+Shift+Delete"


@functools.cache
def _block_ghost_combination() -> object:
    # Made once: the event filter sees every key of the text, and two QKeySequences a key
    # were most of its cost.
    return QKeySequence(BLOCK_GHOST_KEYS)[0]


class UserFeatures(QObject):
    """Everything `install` adds to one window; found with window.findChild(UserFeatures)."""

    def __init__(self, window: MainWindow, controller: SuggestionController,
                 settings: Settings) -> None:
        super().__init__(window)
        self.setObjectName("userFeatures")
        self.window_ = window
        self.controller = controller
        self.settings = settings
        try:
            # Word lists, trained models and training copies of the document hold the
            # user's text: the folder is theirs alone (0700), or refused and said so.
            ensure_private_folder(data_dir())
        except (OSError, UnsafeFolderError) as exc:
            window.show_status(self.tr("Your data folder is not private: {0}").format(exc))
        self.registry = ModelRegistry(models_dir(), bundled_model_path(), settings)
        self.registry.clean_stale_temp()
        self.userwords = UserWords(userwords_path(),
                                   dictionary_enabled=settings.get("user_dictionary"),
                                   on_problem=window.show_status)
        self.typed = TypedWords()
        self.known_words: frozenset[str] = frozenset()
        self.train_dialog: TrainDialog | None = None
        self.models_dialog: QDialog | None = None
        self.preferences_dialog: QDialog | None = None

        self._learn_timer = QTimer(self)
        self._learn_timer.setSingleShot(True)
        self._learn_timer.setInterval(LEARN_IDLE_MS)
        self._learn_timer.timeout.connect(self.learn_typed)
        # A child timer, not QTimer.singleShot(callable): it dies with the window.
        self._close_timer = QTimer(self)
        self._close_timer.setSingleShot(True)
        self._close_timer.setInterval(0)
        self._close_timer.timeout.connect(self._after_close)

        self._create_actions()
        self.userwords.subscribe(self.push_words)
        controller.strip.block_requested.connect(self.block)
        controller.model_status.connect(self._on_model_status)
        settings.changed.connect(self._on_setting)
        window.document_saved.connect(self._on_document_saved)
        window.editor.document().contentsChange.connect(self._on_contents_change)
        window.editor.installEventFilter(self)
        window.installEventFilter(self)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._shutdown)
        self.push_words()

    def _action(self, text: str, slot: Any, keys: Sequence[Any] = (), tip: str = "") -> QAction:
        action = QAction(text, self.window_)
        sequences: list[QKeySequence] = []
        for key in keys:
            found = (QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey)
                     else [QKeySequence(key)])
            # The same sequence twice makes Qt call the shortcut ambiguous and trigger nothing.
            sequences += [s for s in found if not s.isEmpty() and s not in sequences]
        action.setShortcuts(sequences)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.window_.addAction(action)  # shortcuts work wherever the focus is in the window
        return action

    def _create_actions(self) -> None:
        w = self.window_
        self.train_action = self._action(self.tr("&Train on Documents…"), self.open_training,
                                         tip=self.tr("Train a model on your own writing"))
        self.models_action = self._action(self.tr("&Models…"), self.open_models,
                                          tip=self.tr("Installed models: choose, rename, delete"))
        self.preferences_action = self._action(self.tr("Pr&eferences…"), self.open_preferences,
                                               [QKeySequence.StandardKey.Preferences, "Ctrl+,"])
        self.block_ghost_action = self._action(
            self.tr("Never Suggest &Ghost Word"), self.block_ghost, [BLOCK_GHOST_KEYS],
            tip=self.tr("Block the first word of the ghost text"))
        w.model_menu.addSeparator()
        w.model_menu.addAction(self.train_action)
        w.model_menu.addAction(self.models_action)
        menu = self._menu_holding(w.undo_action) or w.menuBar().addMenu(self.tr("&Tools"))
        menu.addSeparator()
        menu.addAction(self.block_ghost_action)
        menu.addAction(self.preferences_action)

    def _menu_holding(self, action: QAction) -> QMenu | None:
        for top in self.window_.menuBar().actions():
            menu = top.menu()
            if isinstance(menu, QMenu) and action in menu.actions():
                return menu
        return None

    # -- dialogs -----------------------------------------------------------------------------
    def open_training(self) -> TrainDialog:
        dialog = self.train_dialog
        if dialog is None or not (dialog.isVisible() or (dialog.run and dialog.run.is_running())):
            if dialog is not None:
                dialog.deleteLater()
            dialog = TrainDialog(self.window_, self.registry, find_trainer())
            self.train_dialog = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def open_models(self) -> QDialog:
        from editor.ui.models_dialog import ModelsDialog

        if self.models_dialog is None:
            self.models_dialog = ModelsDialog(self.window_, self.registry,
                                              open_training=self.open_training)
        self.models_dialog.refresh()
        self.models_dialog.show()
        self.models_dialog.raise_()
        return self.models_dialog

    def open_preferences(self) -> QDialog:
        from editor.ui.preferences import PreferencesDialog

        if self.preferences_dialog is None:
            self.preferences_dialog = PreferencesDialog(
                self.settings, self.registry, self.userwords,
                choose_model=lambda path: self.window_.load_model(path, remember=True),
                parent=self.window_)
        self.preferences_dialog.refresh()
        self.preferences_dialog.show()
        self.preferences_dialog.raise_()
        return self.preferences_dialog

    # -- never suggest -----------------------------------------------------------------------
    def block(self, word: str) -> None:
        norm = self.userwords.block(word)
        if norm is not None:
            self.window_.show_status(
                self.tr("“{0}” will not be suggested again (Preferences lists it).").format(word))

    def block_ghost(self) -> bool:
        """Block the ghost text's first word, the best candidate it was made from."""
        c = self.controller
        if not c.ghost_visible() or not c.current.candidates:
            self.window_.show_status(self.tr("No ghost text to block."))
            return False
        self.block(c.current.candidates[0].text)
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        etype = event.type()
        if watched is self.window_.editor and etype == QEvent.Type.KeyPress:
            # Key events that do not go through the shortcut map (input methods, tests).
            if event.keyCombination() == _block_ghost_combination():
                return self.block_ghost()
        elif watched is self.window_ and etype == QEvent.Type.Close:
            self.learn_typed()
            # Whether the window really closes is decided after us (unsaved changes).
            self._close_timer.start()
        return False

    def _after_close(self) -> None:
        if not self.window_.isVisible():
            self._shutdown()

    def _shutdown(self) -> None:
        self._learn_timer.stop()
        dialog = self.train_dialog
        if dialog is not None and dialog.run is not None and dialog.run.is_running():
            dialog.run.abort_now()

    # -- word lists --------------------------------------------------------------------------
    def _on_document_saved(self, _path: object) -> None:
        self.learn_typed()

    def _on_contents_change(self, position: int, _removed: int, added: int) -> None:
        editor = self.window_.editor
        # Files opened or reloaded and undo/redo are not typing; big pastes are not read.
        if (added == 0 or added > MAX_INSERT or editor.is_replacing
                or not self.userwords.dictionary_enabled):
            return
        self._learn_timer.start()
        document = editor.document()
        cursor = QTextCursor(document)
        cursor.setPosition(position)
        cursor.setPosition(min(position + added, document.characterCount() - 1),
                           QTextCursor.MoveMode.KeepAnchor)
        # selectedText() writes line breaks as U+2029.
        inserted = cursor.selectedText().replace("\u2029", "\n")
        if not finishes_a_word(inserted):
            return  # most keys: a letter finishes nothing, and reading back costs ~0.2 ms
        cursor.setPosition(max(document.findBlock(position).position(), position - BEFORE_CHARS))
        cursor.setPosition(position, QTextCursor.MoveMode.KeepAnchor)
        self.typed.typed(cursor.selectedText(), inserted)

    def learn_typed(self) -> None:
        self._learn_timer.stop()
        words = self.typed.take()
        if words:
            self.userwords.learn(words)

    def push_words(self) -> None:
        service = self.controller.service
        service.set_blocked(self.userwords.blocked)
        service.set_extra_words(self.userwords.suggestion_words(self.known_words))
        self.controller.refresh()

    def _on_model_status(self, status: Any) -> None:
        model = status.model if status.ok else None
        self.known_words = frozenset(model.ids) if model is not None else frozenset()
        self.controller.service.set_extra_words(self.userwords.suggestion_words(self.known_words))

    def _on_setting(self, key: str, value: object) -> None:
        if key == "user_dictionary":
            self.userwords.set_dictionary_enabled(bool(value))
            self.typed.clear()  # only what is typed from now on
        elif key == "panel_visible" and self.window_.panel is not None:
            self.window_.panel.setVisible(bool(value))


def install(window: MainWindow, controller: SuggestionController,
            settings: Settings) -> UserFeatures:
    """Add training, the Models manager, Preferences and Never suggest to `window`."""
    return UserFeatures(window, controller, settings)
