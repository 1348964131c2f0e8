"""Which word list completes words: View → Word List, a status-bar button, and the loading.

The choice (editor/core/lexicon.py `choose_language`): the document's own (View → Word List or the
status-bar button, reset when another document is opened), else Preferences, else the model's
language (its file's `language` key, or guessed from its vocabulary), else the system's. The
list loads in the background (editor/core/service.py); if it cannot be read, the status bar says
so and suggestions go on from the model alone.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QToolButton

from editor.core import lexicon
from editor.core.language import model_language
from editor.core.lexicon import LANGUAGES, LanguageChoice, choose_language, system_language
from editor.core.service import LexiconStatus, ModelStatus
from editor.ui.settings import Settings
from editor.ui.suggestions.controller import SuggestionController
from editor.ui.window import MainWindow

SETTING = "lexicon_language"
FAILED_TIMEOUT_MS = 15000  # a failure stays longer in the status bar than routine news


class LexiconChooser(QObject):
    """Decides the window's word list and asks the suggestion service to load it."""

    changed = Signal()  # the choice or the loaded list changed
    _from_loader = Signal(object)  # LexiconStatus, emitted on the loader thread

    def __init__(self, window: MainWindow, controller: SuggestionController,
                 settings: Settings) -> None:
        super().__init__(window)
        self.setObjectName("lexiconChooser")
        self.window_ = window
        self.controller = controller
        self.settings = settings
        self.document_choice: str | None = None  # "pt", "en", "off"; None: as Preferences
        self.model_language: str | None = None
        self.choice = LanguageChoice(None, "none")
        self.status: LexiconStatus | None = None  # of the last load

        self._from_loader.connect(self._on_loaded)
        controller.service.on_lexicon = self._from_loader.emit
        controller.model_status.connect(self._on_model)
        settings.changed.connect(self._on_setting)
        window.document_loaded.connect(self._on_document)
        self._build_menu()
        self.update_choice()

    # -- the menu and the status-bar button ---------------------------------------------------
    def _build_menu(self) -> None:
        w = self.window_
        self.menu = QMenu(self.tr("&Word List"), w)
        self.menu.setToolTipsVisible(True)
        self.group = QActionGroup(self.menu)
        self.actions: dict[str, QAction] = {}
        for value in ("auto", *LANGUAGES, "off"):
            action = QAction(self.menu)
            action.setCheckable(True)
            action.setData(value)
            action.triggered.connect(lambda _on=False, v=value: self.set_document_choice(v))
            self.group.addAction(action)
            self.menu.addAction(action)
            self.actions[value] = action
        w.view_menu.addSeparator()
        w.view_menu.addMenu(self.menu)
        self.button = QToolButton(w)
        self.button.setObjectName("wordListButton")
        self.button.setAutoRaise(True)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setMenu(self.menu)
        w.statusBar().addPermanentWidget(self.button)

    def _refresh_ui(self) -> None:
        auto = self.tr("&Automatic")
        following = self._choice_without_document()
        if following.language is not None:
            auto += f" ({LANGUAGES[following.language]})"
        self.actions["auto"].setText(auto)
        for code, name in LANGUAGES.items():
            self.actions[code].setText(f"&{name}")  # each language's initial: P, E
        self.actions["off"].setText(self.tr("&None"))
        self.actions[self.document_choice or "auto"].setChecked(True)
        lang = self.choice.language
        failed = self.status is not None and not self.status.ok and self.status.language == lang
        self.button.setText("—" if lang is None or failed else lang.upper())
        if failed:
            tip = self.tr("Word list not loaded: {0}").format(self.status.message)
        elif lang is None:
            tip = self.tr("No word list: only the model's and the document's words are completed")
        else:
            tip = self.tr("Completing words from the {0} word list ({1})").format(
                LANGUAGES[lang], self._reason_text(self.choice.reason))
        self.button.setToolTip(tip)

    def _reason_text(self, reason: str) -> str:
        return {"document": self.tr("chosen for this document"),
                "preferences": self.tr("chosen in Preferences"),
                "model": self.tr("the model's language"),
                "locale": self.tr("the system's language")}.get(reason, reason)

    # -- deciding -----------------------------------------------------------------------------
    def _choice_without_document(self) -> LanguageChoice:
        return choose_language(document=None, preference=self.settings.get(SETTING),
                               model=self.model_language, locale=system_language())

    def update_choice(self) -> None:
        """Work the choice out again and load that list if it is another one."""
        self.choice = choose_language(document=self.document_choice,
                                      preference=self.settings.get(SETTING),
                                      model=self.model_language, locale=system_language())
        lang = self.choice.language
        # Looked up through the module, so tests and CAMINHO_LEXICON_DIR can point elsewhere.
        self.controller.service.set_lexicon(lang, lexicon.lexicon_path(lang) if lang else None)
        self._refresh_ui()
        self.changed.emit()

    def set_document_choice(self, value: str | None) -> None:
        """This document's word list: a language code, "off", or "auto"/None (Preferences)."""
        self.document_choice = None if value in (None, "auto") else value
        self.update_choice()

    def settled(self) -> bool:
        """Whether the chosen list is loaded or has failed (nothing in flight)."""
        return not self.controller.service.lexicon_loading

    @property
    def loaded_language(self) -> str | None:
        """The language whose list completes words now (None: none)."""
        st = self.status
        if st is None or not st.ok or st.language != self.choice.language or not self.settled():
            return None
        return st.language

    # -- events -------------------------------------------------------------------------------
    def _on_model(self, status: ModelStatus) -> None:
        model = status.model if status.ok else None
        self.model_language = (model_language(model.info.language, model.info.vocab)
                               if model is not None else None)
        self.update_choice()

    def _on_setting(self, key: str, _value: object) -> None:
        if key == SETTING:
            self.update_choice()

    def _on_document(self, _path: object) -> None:
        if self.document_choice is not None:
            self.document_choice = None  # a choice made for one document ends with it
            self.update_choice()

    def _on_loaded(self, status: LexiconStatus) -> None:
        if status.language != self.choice.language:
            return  # for a list asked for before the last change
        self.status = status
        if not status.ok:
            self.window_.show_status(
                self.tr("Word list not loaded: {0}. Suggestions come from the model alone.")
                .format(status.message), FAILED_TIMEOUT_MS)
        self._refresh_ui()
        self.changed.emit()
        self.controller.refresh()  # rank the text as it is now with (or without) the list


def install(window: MainWindow, controller: SuggestionController,
            settings: Settings) -> LexiconChooser:
    """Add the word list choice to `window`; found later with `find_chooser`."""
    return LexiconChooser(window, controller, settings)


def find_chooser(window: MainWindow) -> LexiconChooser | None:
    return window.findChild(LexiconChooser, "lexiconChooser")
