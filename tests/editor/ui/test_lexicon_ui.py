"""The word list in the real window: completing any word, accents, typos, the language menu,
and what a missing or damaged list does. Built as `caminho` builds it, with the poem model."""

from __future__ import annotations

import gzip
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from ui_waits import type_and_wait, wait_fresh

from editor.core import service as service_module
from editor.core.lexicon import LEXICON_DIR_ENV, Lexicon
from editor.ui.lexicon_ui import LexiconChooser, find_chooser
from editor.ui.preferences import PreferencesDialog
from editor.ui.user_features import UserFeatures
from editor.ui.window import MainWindow


def chooser(w: MainWindow) -> LexiconChooser:
    found = find_chooser(w)
    assert found is not None
    return found


def wait_for_list(qtbot, w: MainWindow, language: str | None) -> None:
    c = chooser(w)
    qtbot.waitUntil(lambda: c.settled() and c.loaded_language == language, timeout=20000)
    wait_fresh(qtbot, w)


@pytest.fixture
def win(app_window, qtbot) -> MainWindow:
    w = app_window(wait_for_model=True)
    wait_for_list(qtbot, w, "pt")  # the poem model is Portuguese (guessed from its words)
    return w


def accept(qtbot, w: MainWindow, word: str) -> None:
    rank = w.strip.words().index(word)
    qtbot.keyClick(w.editor, Qt.Key.Key_1 + rank, Qt.KeyboardModifier.AltModifier)


def test_any_portuguese_word_is_completed(qtbot, win):
    type_and_wait(qtbot, win, "Eu gosto de comer ban")
    words = win.strip.words()
    assert len(words) == 3 and all(w.startswith("ban") for w in words)
    assert chooser(win).button.text() == "PT"


def test_accent_blind_completion_writes_the_accents(qtbot, win):
    type_and_wait(qtbot, win, "nao")
    assert "Não" in win.strip.words()
    accept(qtbot, win, "Não")
    assert win.editor.text() == "Não "
    win.editor.clear()
    type_and_wait(qtbot, win, "Obrigado pela sua atencao")
    assert "atenção" in win.strip.words()
    accept(qtbot, win, "atenção")
    # The typed "atencao" is replaced, not followed: accepting writes the accented word.
    assert win.editor.text() == "Obrigado pela sua atenção "
    win.editor.undo()
    assert win.editor.text() == "Obrigado pela sua atencao"


def test_a_typo_is_corrected_on_accept(qtbot, win):
    type_and_wait(qtbot, win, "Um bom exemplp")
    assert win.strip.words()[0] == "exemplo"
    assert win.suggestions.ghost.text() == ""  # ghost text never rewrites typed letters
    qtbot.keyClick(win.editor, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert win.editor.text() == "Um bom exemplo "


def test_english_for_this_document_from_the_view_menu(qtbot, win):
    c = chooser(win)
    assert c.menu in [a.menu() for a in win.view_menu.actions()]
    c.actions["en"].trigger()
    wait_for_list(qtbot, win, "en")
    assert c.button.text() == "EN" and c.choice.reason == "document"
    type_and_wait(qtbot, win, "It was beautif")
    assert win.strip.words()[0] == "beautiful"
    # The choice belongs to that document: a new one goes back to the model's language.
    win.editor.document().setModified(False)
    win.new_file()
    wait_for_list(qtbot, win, "pt")
    assert c.actions["auto"].isChecked()


def test_preferences_set_the_list_for_every_document(qtbot, win, settings):
    features = win.findChild(UserFeatures)
    features.preferences_action.trigger()
    dialog = features.preferences_dialog
    assert isinstance(dialog, PreferencesDialog)
    combo = dialog.word_list_combo
    assert combo.currentData() == "auto"
    combo.setCurrentIndex(combo.findData("off"))
    assert settings.get("lexicon_language") == "off"
    wait_for_list(qtbot, win, None)
    type_and_wait(qtbot, win, "Eu gosto de comer ban")
    assert win.strip.words() == []  # the poem model alone knows no "ban" word
    assert chooser(win).button.text() == "—"
    dialog.close()


def test_never_suggest_applies_to_list_words(qtbot, win):
    type_and_wait(qtbot, win, "Eu gosto de comer ban")
    first = win.strip.words()[0]
    # Right-click → Never suggest, as a writer blocks a word.
    win.strip.block_requested.emit(first)
    qtbot.waitUntil(lambda: first not in win.strip.words() and len(win.strip.words()) == 3,
                    timeout=5000)
    assert first in win.findChild(UserFeatures).userwords.blocked


@pytest.mark.parametrize("damage", ["missing", "damaged"])
def test_a_bad_list_is_reported_and_the_model_still_suggests(qtbot, app_window, monkeypatch,
                                                             tmp_path: Path, damage: str):
    folder = tmp_path / "lists"
    folder.mkdir()
    if damage == "damaged":
        (folder / "pt.tsv.gz").write_bytes(gzip.compress(b"palavra\t5oo\n")[:-4])
    monkeypatch.setenv(LEXICON_DIR_ENV, str(folder))
    w = app_window(wait_for_model=True)
    c = chooser(w)
    qtbot.waitUntil(lambda: c.status is not None and c.status.language == "pt", timeout=20000)
    message = w.statusBar().currentMessage()
    assert "Word list not loaded" in message and damage in message
    assert "model alone" in message
    assert c.button.text() == "—" and damage in c.button.toolTip()
    type_and_wait(qtbot, w, "No meio do cam")
    assert w.strip.words() == ["caminho"]


def test_typing_works_while_the_list_loads(qtbot, app_window, monkeypatch):
    release = threading.Event()
    real_load = Lexicon.load

    def slow_load(path, language=None):
        release.wait(20)
        return real_load(path, language)

    monkeypatch.setattr(service_module.Lexicon, "load", staticmethod(slow_load))
    w = app_window(wait_for_model=True)
    try:
        assert not chooser(w).settled()
        # Bug guarded: the first suggestion must not wait for the list.
        type_and_wait(qtbot, w, "No meio do cam")
        assert w.strip.words() == ["caminho"]
    finally:
        release.set()
    # Once the list is in, the strip is ranked again without another key.
    wait_for_list(qtbot, w, "pt")
    qtbot.waitUntil(lambda: len(w.strip.words()) == 3, timeout=5000)
    assert w.strip.words()[0] == "caminho"
