"""Edit → Preferences… (Ctrl+,): every control writes through Settings at once.

The suggestion controller and the window already follow `Settings.changed`, so a change shows
while the dialog is still open and there is no OK/Apply to forget. Word lists live in
`UserWords` (editor/core/userwords.py), not in the settings file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSignalBlocker
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from editor.core.models import ModelRegistry
from editor.core.userwords import UserWords
from editor.ui.i18n import LANGUAGE_NAMES, LANGUAGES
from editor.ui.settings import Settings

# Labels marked for lupdate here and translated where the combo boxes are filled.
ACCEPT_KEYS = (("Tab", QT_TRANSLATE_NOOP("PreferencesDialog", "Tab")),
               ("Right", QT_TRANSLATE_NOOP("PreferencesDialog", "Right arrow")),
               ("End", QT_TRANSLATE_NOOP("PreferencesDialog", "End")))
THEMES = (("system", QT_TRANSLATE_NOOP("PreferencesDialog", "System")),
          ("light", QT_TRANSLATE_NOOP("PreferencesDialog", "Light")),
          ("dark", QT_TRANSLATE_NOOP("PreferencesDialog", "Dark")))
WORD_LISTS = (("auto", QT_TRANSLATE_NOOP("PreferencesDialog", "Automatic (the model's language)")),
              ("pt", "Português (Brasil)"), ("en", "English"),
              ("off", QT_TRANSLATE_NOOP("PreferencesDialog", "None")))


class PreferencesDialog(QDialog):
    """Draws the settings and forwards every edit to `settings` (or `userwords`)."""

    def __init__(self, settings: Settings, registry: ModelRegistry, userwords: UserWords,
                 choose_model: Callable[[Path | None], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Preferences"))
        self.settings = settings
        self.registry = registry
        self.userwords = userwords
        self.choose_model = choose_model

        layout = QVBoxLayout(self)
        suggestions = QGroupBox(self.tr("Suggestions"), self)
        form = QFormLayout(suggestions)
        self.ghost_check = QCheckBox(self.tr("Show ghost text after the cursor"), self)
        self.ghost_check.toggled.connect(lambda on: settings.set("ghost_enabled", on))
        form.addRow(self.ghost_check)
        self.accept_combo = QComboBox(self)
        for key, label in ACCEPT_KEYS:
            self.accept_combo.addItem(self.tr(label), key)
        self.accept_combo.currentIndexChanged.connect(
            lambda i: settings.set("accept_key", self.accept_combo.itemData(i)))
        form.addRow(self.tr("Accept ghost text with:"), self.accept_combo)
        self.threshold_spin = QSpinBox(self)
        self.threshold_spin.setRange(5, 95)
        self.threshold_spin.setSingleStep(5)
        self.threshold_spin.setSuffix(" %")
        self.threshold_spin.setToolTip(self.tr(
            "Ghost text appears only when the model is at least this sure of the next word"))
        self.threshold_spin.valueChanged.connect(
            lambda v: settings.set("ghost_threshold", round(v / 100, 2)))
        form.addRow(self.tr("Confidence for ghost text:"), self.threshold_spin)
        self.words_spin = QSpinBox(self)
        self.words_spin.setRange(1, 12)
        self.words_spin.valueChanged.connect(lambda v: settings.set("ghost_max_words", v))
        form.addRow(self.tr("Ghost text words at most:"), self.words_spin)
        self.panel_check = QCheckBox(self.tr("Show the insight panel"), self)
        self.panel_check.toggled.connect(lambda on: settings.set("panel_visible", on))
        form.addRow(self.panel_check)
        self.model_combo = QComboBox(self)
        self.model_combo.activated.connect(self._on_model_chosen)
        form.addRow(self.tr("Model:"), self.model_combo)
        self.word_list_combo = QComboBox(self)
        for key, label in WORD_LISTS:
            self.word_list_combo.addItem(self.tr(label), key)
        self.word_list_combo.setToolTip(self.tr(
            "Complete any word of this language, not only the model's (View → Word List "
            "overrides it for one document)"))
        self.word_list_combo.currentIndexChanged.connect(
            lambda i: settings.set("lexicon_language", self.word_list_combo.itemData(i)))
        form.addRow(self.tr("Word list:"), self.word_list_combo)
        layout.addWidget(suggestions)

        words = QGroupBox(self.tr("Your words"), self)
        words_layout = QVBoxLayout(words)
        words_layout.addWidget(QLabel(self.tr("Never suggested (right-click a suggestion, or "
                                              "Ctrl+Shift+Delete on ghost text, to add):"), self))
        row = QHBoxLayout()
        self.blocked_list = QListWidget(self)
        self.blocked_list.setMaximumHeight(120)
        self.blocked_list.itemSelectionChanged.connect(self._update_buttons)
        row.addWidget(self.blocked_list, 1)
        self.unblock_button = QPushButton(self.tr("Unblock"), self)
        self.unblock_button.clicked.connect(self.unblock_selected)
        row.addWidget(self.unblock_button)
        words_layout.addLayout(row)
        row = QHBoxLayout()
        self.dictionary_check = QCheckBox(
            self.tr("Remember words I type often and suggest them"), self)
        self.dictionary_check.toggled.connect(lambda on: settings.set("user_dictionary", on))
        row.addWidget(self.dictionary_check, 1)
        self.dictionary_label = QLabel(self)
        row.addWidget(self.dictionary_label)
        self.clear_button = QPushButton(self.tr("Clear"), self)
        self.clear_button.setToolTip(self.tr("Forget every word learnt so far"))
        self.clear_button.clicked.connect(userwords.clear_dictionary)
        row.addWidget(self.clear_button)
        words_layout.addLayout(row)
        layout.addWidget(words)

        interface = QGroupBox(self.tr("Interface"), self)
        interface_form = QFormLayout(interface)
        self.theme_combo = QComboBox(self)
        for key, label in THEMES:
            self.theme_combo.addItem(self.tr(label), key)
        self.theme_combo.currentIndexChanged.connect(
            lambda i: settings.set("theme", self.theme_combo.itemData(i)))
        interface_form.addRow(self.tr("&Theme:"), self.theme_combo)
        self.language_combo = QComboBox(self)
        for key in LANGUAGES:
            # A language is named in itself, so a reader of it finds it in any interface.
            self.language_combo.addItem(
                self.tr("System (the computer's language)") if not key else LANGUAGE_NAMES[key],
                key)
        self.language_combo.currentIndexChanged.connect(
            lambda i: settings.set("language", self.language_combo.itemData(i)))
        interface_form.addRow(self.tr("&Language:"), self.language_combo)
        self.language_note = QLabel(self.tr("The language changes the next time Caminho starts."),
                                    self)
        self.language_note.setWordWrap(True)
        interface_form.addRow(self.language_note)
        layout.addWidget(interface)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        close = QPushButton(self.tr("Close"), self)
        close.setDefault(True)
        close.clicked.connect(self.close)
        buttons.addWidget(close)
        layout.addLayout(buttons)

        settings.changed.connect(self._on_setting)
        unsubscribe = userwords.subscribe(self._refresh_words)
        self.destroyed.connect(lambda *_: unsubscribe())
        self.refresh()

    _SHOWN_KEYS = frozenset({"ghost_enabled", "accept_key", "ghost_threshold", "ghost_max_words",
                             "panel_visible", "user_dictionary", "model_path",
                             "lexicon_language", "theme", "language"})

    def _on_setting(self, key: str, _value: object) -> None:
        # Settings may also change from menus and shortcuts (the F8 panel toggle, Model menu).
        if key in self._SHOWN_KEYS:
            self.refresh()

    def refresh(self) -> None:
        """Show the stored values."""
        s = self.settings
        blockers = [QSignalBlocker(w) for w in (
            self.ghost_check, self.accept_combo, self.threshold_spin, self.words_spin,
            self.panel_check, self.model_combo, self.dictionary_check, self.word_list_combo,
            self.theme_combo, self.language_combo)]
        self.ghost_check.setChecked(s.get("ghost_enabled"))
        index = self.accept_combo.findData(s.get("accept_key"))
        self.accept_combo.setCurrentIndex(max(index, 0))
        self.threshold_spin.setValue(round(s.get("ghost_threshold") * 100))
        self.words_spin.setValue(s.get("ghost_max_words"))
        self.panel_check.setChecked(s.get("panel_visible"))
        self.dictionary_check.setChecked(s.get("user_dictionary"))
        self.word_list_combo.setCurrentIndex(
            max(self.word_list_combo.findData(s.get("lexicon_language")), 0))
        self.theme_combo.setCurrentIndex(max(self.theme_combo.findData(s.get("theme")), 0))
        self.language_combo.setCurrentIndex(
            max(self.language_combo.findData(s.get("language")), 0))
        self._fill_models()
        del blockers
        self._refresh_words()

    def _fill_models(self) -> None:
        self.model_combo.clear()
        current = -1
        for entry in self.registry.entries():
            if entry.error:
                continue
            label = entry.name + (self.tr(" (bundled)") if entry.kind == "bundled" else "")
            self.model_combo.addItem(label, None if entry.kind == "bundled" else str(entry.path))
            if self.registry.is_default(entry):
                current = self.model_combo.count() - 1
        self.model_combo.setCurrentIndex(current)

    def _on_model_chosen(self, index: int) -> None:
        data = self.model_combo.itemData(index)
        self.choose_model(Path(data) if data else None)

    def _refresh_words(self) -> None:
        selected = {item.text() for item in self.blocked_list.selectedItems()}
        self.blocked_list.clear()
        for word in sorted(self.userwords.blocked):
            self.blocked_list.addItem(word)
            if word in selected:
                self.blocked_list.item(self.blocked_list.count() - 1).setSelected(True)
        count = self.userwords.dictionary_size()
        self.dictionary_label.setText(
            (self.tr("{0} word") if count == 1 else self.tr("{0} words")).format(count))
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.unblock_button.setEnabled(bool(self.blocked_list.selectedItems()))
        self.clear_button.setEnabled(bool(self.userwords.counts))

    def blocked_words(self) -> list[str]:
        return [self.blocked_list.item(i).text() for i in range(self.blocked_list.count())]

    def unblock_selected(self) -> None:
        for item in self.blocked_list.selectedItems():
            self.userwords.unblock(item.text())
