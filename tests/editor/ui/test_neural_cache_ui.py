"""The neural cache in the real window: a long document opened, typed in and edited.

Built as `caminho` builds it (app.build_window, bundled poem model), driven with qtbot keys.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from ui_waits import wait_fresh

from editor.core.context import WINDOW
from editor.core.resources import poem_corpus_path

POEM = poem_corpus_path().read_text(encoding="utf-8")
HEAD = "Carlos Drummond de Andrade escreveu:\n"
DOC = HEAD + POEM * 13  # the name is on line 1, far outside the model's window at the end


def cache_of(w):
    return w.suggestions.service._suggester.cache


def go_to(qtbot, w, where: QTextCursor.MoveOperation) -> None:
    w.editor.moveCursor(where)
    wait_fresh(qtbot, w)


def test_a_name_from_line_one_is_recalled_at_the_end_and_the_panel_goes_there(
        qtbot, app_window, tmp_path):
    assert len(DOC) > 2 * WINDOW
    path = tmp_path / "long.txt"
    path.write_text(DOC, encoding="utf-8")
    w = app_window(file=str(path), wait_for_model=True)
    panel = w.panel
    panel.set_view("next")
    go_to(qtbot, w, QTextCursor.MoveOperation.End)
    # Opening the file and jumping to its end reads the text before the cursor into the cache
    # (the model's window only covers the last 2000 characters).
    qtbot.waitUntil(lambda: (0, "carlos") in cache_of(w).entries(), timeout=10000)
    qtbot.keyClicks(w.editor, "Foi Carlos Dru")
    wait_fresh(qtbot, w)
    assert w.strip.words()[0] == "Drummond"
    panel.flush(force=True)
    at = DOC.index("Drummond")
    assert panel.shown["recall"] == [("Drummond", at)]
    assert panel.recall_label.isVisible()
    text = panel.recall_label.text()
    assert "line 1" in text and "Carlos <b>Drummond</b>" in text
    # Clicking the place selects the word there and brings it into view.
    panel.recall_label.linkActivated.emit(str(at))
    cursor = w.editor.textCursor()
    assert (cursor.selectionStart(), cursor.selectedText()) == (at, "Drummond")

    # Editing line 1 moves the cache's positions with the text: the recall still lands on it.
    go_to(qtbot, w, QTextCursor.MoveOperation.Start)
    qtbot.keyClicks(w.editor, "Ah! ")
    wait_fresh(qtbot, w)
    # Typing "A" before "Carlos" changed that word for a moment: its entry went. Once typing
    # pauses, the text around the edit is read again and it is back, at its new place.
    qtbot.waitUntil(lambda: (4, "carlos") in cache_of(w).entries(), timeout=10000)
    assert (DOC.index("Drummond") + 4, "drummond") in cache_of(w).entries()
    go_to(qtbot, w, QTextCursor.MoveOperation.End)
    qtbot.keyClick(w.editor, Qt.Key.Key_Backspace)  # "Dru" -> "Dr": ask again
    qtbot.keyClicks(w.editor, "u")
    wait_fresh(qtbot, w)
    assert w.strip.words()[0] == "Drummond"
    panel.flush(force=True)
    assert panel.shown["recall"] == [("Drummond", at + 4)]
    panel.recall_label.linkActivated.emit(str(at + 4))
    assert w.editor.textCursor().selectedText() == "Drummond"
