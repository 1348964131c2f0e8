"""The user's word lists: blocked words and the user dictionary, alone and in the window."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from ui_waits import type_and_wait

from editor.core import userwords as uw
from editor.core.paths import userwords_path
from editor.core.userwords import TypedWords, UserWords, word_norms
from editor.ui.settings import Settings
from editor.ui.user_features import UserFeatures
from editor.ui.window import MainWindow

# --- Qt-free ----------------------------------------------------------------------------------


def test_blocked_words_are_norms_and_persist(tmp_path):
    path = tmp_path / "words.json"
    words = UserWords(path)
    assert words.block("Caminho") == "caminho"
    assert words.block("  ") is None
    assert words.block("<unk>") is None
    assert UserWords(path).blocked == {"caminho"}
    assert words.unblock("CAMINHO")
    assert not words.unblock("caminho")
    assert UserWords(path).blocked == set()
    assert [p.name for p in tmp_path.iterdir()] == ["words.json"]  # no temp file left


def test_listeners_hear_changes_until_they_unsubscribe(tmp_path):
    words = UserWords(tmp_path / "words.json")
    heard = []
    unsubscribe = words.subscribe(lambda: heard.append(sorted(words.blocked)))
    words.block("pedra")
    words.block("pedra")  # no change, no news
    unsubscribe()
    words.block("meio")
    assert heard == [["pedra"]]


def test_dictionary_learns_only_frequent_new_unblocked_words(tmp_path):
    path = tmp_path / "words.json"
    words = UserWords(path)
    assert words.learn(word_norms("Itabira, Itabira! Drummond escreveu. A pedra.")) == 5  # "a": too short
    suggested = words.suggestion_words(known={"a", "pedra"})
    assert suggested == Counter({"itabira": 2})  # once is not often; known words need no help
    words.learn(["itabira"] * 20)
    assert words.suggestion_words()["itabira"] == uw.MAX_WEIGHT
    words.block("Itabira")
    assert "itabira" not in words.suggestion_words()
    assert UserWords(path).counts["itabira"] == 22  # remembered across sessions


def test_dictionary_switch_and_clear(tmp_path):
    words = UserWords(tmp_path / "words.json", dictionary_enabled=False)
    assert words.learn(["drummond", "drummond"]) == 0
    words.set_dictionary_enabled(True)
    words.learn(["drummond", "drummond"])
    assert words.dictionary_size() == 1
    words.set_dictionary_enabled(False)
    assert words.suggestion_words() == Counter()
    assert words.counts  # switched off, not forgotten
    words.clear_dictionary()
    assert UserWords(tmp_path / "words.json").counts == Counter()


def test_a_damaged_file_is_ignored_and_replaced(tmp_path):
    path = tmp_path / "words.json"
    path.write_text("{not json", encoding="utf-8")
    words = UserWords(path)
    assert words.blocked == set() and not words.counts
    words.block("pedra")
    assert json.loads(path.read_text(encoding="utf-8"))["blocked"] == ["pedra"]
    path.write_text('{"blocked": "pedra", "dictionary": {"a": "x", "bb": 3, "cc": true}}')
    assert UserWords(path).counts == Counter({"bb": 3})


def test_typed_words_counts_words_as_they_are_finished():
    typed = TypedWords()
    line = ""
    for key in "No meio do caminho, tinha":
        typed.typed(line, key)
        line += key
    assert typed.take() == ["no", "meio", "do", "caminho"]  # "tinha" is still being typed
    assert typed.take() == []
    typed.typed(line, "\n")
    assert typed.take() == ["tinha"]


def test_typed_words_from_inserted_text():
    typed = TypedWords()
    # A paste or an accepted suggestion: its whole words count, a word it completes too,
    # and its last word waits for what the writer types after it.
    typed.typed("cami", "nho de pedra\numa pedra no mei")
    assert sorted(typed.take()) == ["caminho", "de", "no", "pedra", "pedra", "uma"]
    typed.typed("guarda", "-")  # on its way to "guarda-chuva"
    typed.typed("guarda-chuva", " ")
    assert typed.take() == ["guarda-chuva"]
    typed.typed("x" * 500 + " palavra", " ")  # only the end of the line is looked at
    assert typed.take() == ["palavra"]
    typed.typed("", "pedra " * 20_000)  # a file's worth pasted is not writing
    assert typed.take() == []


# --- in the window ----------------------------------------------------------------------------


@pytest.fixture
def app_window(app_window):
    def make() -> MainWindow:
        # A new Settings object reads the same file: what a restart sees.
        return app_window(settings=Settings(), wait_for_model=True)

    return make


def shown(w: MainWindow) -> str:
    return " ".join(w.strip.words()) + " | " + w.suggestions.ghost.text()


def restart(qtbot, w: MainWindow, app_window) -> MainWindow:
    w.editor.document().setModified(False)
    w.close()
    w.suggestions.shutdown()
    return app_window()


def test_a_blocked_word_never_appears_again_even_after_restart(qtbot, app_window):
    w = app_window()
    type_and_wait(qtbot, w, "No meio do ")
    assert w.strip.words()[0] == "caminho"
    w.strip.block_requested.emit("caminho")  # the strip's right-click "Never suggest"
    qtbot.waitUntil(lambda: "caminho" not in shown(w).lower(), timeout=5000)
    type_and_wait(qtbot, w, "cam")
    assert "caminho" not in shown(w).lower()
    assert "caminho" in w.statusBar().currentMessage()

    w2 = restart(qtbot, w, app_window)
    # Not even inside a longer ghost text, where it would be the second word.
    type_and_wait(qtbot, w2, "No meio ")
    assert w2.suggestions.ghost.text().startswith("do")
    assert "caminho" not in shown(w2).lower()
    type_and_wait(qtbot, w2, "do ")
    assert w2.strip.words() and "caminho" not in shown(w2).lower()


def test_ctrl_shift_delete_blocks_the_ghost_text_first_word(qtbot, app_window):
    w = app_window()
    type_and_wait(qtbot, w, "No meio do ")
    assert w.suggestions.ghost.text().startswith("caminho")
    qtbot.keyClick(w.editor, Qt.Key.Key_Delete,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert w.editor.text() == "No meio do "  # the key edits nothing
    qtbot.waitUntil(lambda: "caminho" not in shown(w).lower(), timeout=5000)
    assert w.findChild(UserFeatures).userwords.blocked == {"caminho"}
    # With no ghost text on screen the key blocks nothing.
    w.editor.clear()
    qtbot.keyClick(w.editor, Qt.Key.Key_Delete,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert w.findChild(UserFeatures).userwords.blocked == {"caminho"}


def test_words_typed_often_are_suggested_in_a_later_session(qtbot, app_window):
    w = app_window()
    type_and_wait(qtbot, w, "Escrevi para Zanzibarino. Zanzibarino respondeu. ")
    f = w.findChild(UserFeatures)
    f.learn_typed()  # what the idle timer, saving and closing do
    assert f.userwords.counts["zanzibarino"] == 2
    assert userwords_path().is_file()

    w2 = restart(qtbot, w, app_window)
    type_and_wait(qtbot, w2, "Zanz")
    assert w2.strip.words()[:1] == ["Zanzibarino"]

    w2.settings.set("user_dictionary", False)
    type_and_wait(qtbot, w2, "i")
    assert "Zanzibarino" not in w2.strip.words()


def test_opened_files_do_not_teach_the_dictionary(qtbot, app_window, tmp_path: Path):
    w = app_window()
    path = tmp_path / "old.txt"
    path.write_text("Quixabeira quixabeira quixabeira\n", encoding="utf-8")
    assert w.open_file(path)
    f = w.findChild(UserFeatures)
    f.learn_typed()
    assert "quixabeira" not in f.userwords.counts
    # Nor does a reload, nor undoing and redoing a deletion.
    path.write_text("Quixabeira quixabeira quixabeira jatobá\n", encoding="utf-8")
    assert w.reload()
    w.editor.selectAll()
    qtbot.keyClick(w.editor, Qt.Key.Key_Delete)
    qtbot.keyClick(w.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "jatobá" in w.editor.text()
    w.undo_action.trigger()
    w.redo_action.trigger()
    # The right-click menu's Undo, which Qt wires to its C++ slot.
    w.editor.selectAll()
    qtbot.keyClick(w.editor, Qt.Key.Key_Delete)
    menu = w.editor.createStandardContextMenu()
    undo = next(a for a in menu.actions() if a.objectName() == "edit-undo")
    undo.trigger()
    assert "jatobá" in w.editor.text()
    f.learn_typed()
    assert not f.userwords.counts


def test_learning_never_reads_the_whole_document(qtbot, app_window, monkeypatch):
    # Guards a 21 s freeze: learning used to tokenize the whole document on the GUI thread
    # on every pause, save and close, which a 200k-line file turned into seconds each time.
    w = app_window()
    w.editor.set_text("linha de texto\n" * 1000)

    def whole_text() -> str:
        raise AssertionError("the whole document was read")

    monkeypatch.setattr(w.editor, "text", whole_text)
    w.editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(w.editor, "Zanzibarino e Zanzibarino ")
    w.editor.insertPlainText("colado Zanzibarino ")
    f = w.findChild(UserFeatures)
    f.learn_typed()
    assert f.userwords.counts["zanzibarino"] == 3
    assert f.userwords.counts["colado"] == 1
