"""Edit → Preferences…: every control goes through Settings, live, and persists."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from editor.core.paths import models_dir
from editor.core.resources import bundled_model_path
from editor.ui.preferences import PreferencesDialog
from editor.ui.settings import Settings
from editor.ui.user_features import UserFeatures
from editor.ui.window import MainWindow


@pytest.fixture
def win(app_window) -> MainWindow:
    return app_window()


def open_preferences(w: MainWindow) -> PreferencesDialog:
    f = w.findChild(UserFeatures)
    f.preferences_action.trigger()
    assert isinstance(f.preferences_dialog, PreferencesDialog)
    assert f.preferences_dialog.isVisible() and not f.preferences_dialog.isModal()
    return f.preferences_dialog


def test_changes_apply_at_once_and_persist(qtbot, win, settings):
    dialog = open_preferences(win)
    assert dialog.accept_combo.currentData() == "Tab"
    assert dialog.threshold_spin.value() == 35

    dialog.accept_combo.setCurrentIndex(dialog.accept_combo.findData("End"))
    dialog.ghost_check.setChecked(False)
    dialog.threshold_spin.setValue(60)
    dialog.words_spin.setValue(2)
    dialog.panel_check.setChecked(False)
    dialog.dictionary_check.setChecked(False)

    controller = win.suggestions
    assert controller.accept_keys == {Qt.Key.Key_End}  # the controller follows live
    assert controller.service.config.ghost_enabled is False
    assert controller.service.config.ghost_threshold == pytest.approx(0.6)
    assert controller.service.config.ghost_max_words == 2
    assert not win.panel.isVisible()
    assert not win.findChild(UserFeatures).userwords.dictionary_enabled

    settings.sync()
    again = Settings()  # what the next start reads
    assert again.get("accept_key") == "End"
    assert again.get("ghost_enabled") is False
    assert again.get("ghost_threshold") == pytest.approx(0.6)
    assert again.get("ghost_max_words") == 2
    assert again.get("panel_visible") is False
    assert again.get("user_dictionary") is False

    # Changes made elsewhere (F8, the Model menu) show in the open dialog.
    win.panel.toggleViewAction().trigger()
    assert dialog.panel_check.isChecked()


def test_model_choice(qtbot, win, settings):
    folder = models_dir()
    folder.mkdir(parents=True)
    mine = shutil.copy(bundled_model_path(), folder / "mine.onnx")
    dialog = open_preferences(win)
    labels = [dialog.model_combo.itemText(i) for i in range(dialog.model_combo.count())]
    assert labels == ["no-meio-do-caminho (bundled)", "mine"]
    assert dialog.model_combo.currentIndex() == 0
    dialog.model_combo.setCurrentIndex(1)
    dialog.model_combo.activated.emit(1)  # what a click on the item sends
    qtbot.waitUntil(lambda: win.suggestions.model_name == "mine.onnx", timeout=10000)
    # Kept as the choice once it has loaded (a file that fails to load changes nothing).
    assert settings.get("model_path") == str(mine)


def test_blocked_words_are_listed_and_can_be_unblocked(qtbot, win):
    words = win.findChild(UserFeatures).userwords
    words.block("Pedra")
    words.block("meio")
    dialog = open_preferences(win)
    assert dialog.blocked_words() == ["meio", "pedra"]
    assert not dialog.unblock_button.isEnabled()
    words.block("caminho")  # blocked from the strip while the dialog is open
    assert dialog.blocked_words() == ["caminho", "meio", "pedra"]
    dialog.blocked_list.item(2).setSelected(True)
    dialog.unblock_button.click()
    assert dialog.blocked_words() == ["caminho", "meio"]
    assert words.blocked == {"caminho", "meio"}


def test_user_dictionary_clear(qtbot, win):
    words = win.findChild(UserFeatures).userwords
    words.learn(["itabira", "itabira", "drummond"])
    dialog = open_preferences(win)
    assert dialog.dictionary_label.text() == "1 word"
    assert dialog.clear_button.isEnabled()
    dialog.clear_button.click()
    assert not words.counts and dialog.dictionary_label.text() == "0 words"
    assert not dialog.clear_button.isEnabled()
