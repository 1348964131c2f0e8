"""The real window repaints only what changed while you type (issue 18).

Letters typed inside a word feed the model no token: the insight panel's state heatmap would
show the same picture, and redrawing it (a 512-unit image on a large model) was most of the
GUI thread's time per key.
"""

from __future__ import annotations

from editor.panel import FRAME_MS
from editor.window import MainWindow


def wait_fresh(qtbot, w: MainWindow) -> None:
    qtbot.waitUntil(lambda: w.suggestions.is_fresh() and not w.suggestions._post_timer.isActive(),
                    timeout=5000)


def test_letters_inside_a_word_do_not_redraw_the_panel(qtbot, app_window):
    w = app_window(wait_for_model=True)
    panel = w.panel
    assert panel is not None and panel.isVisible() and panel.current_view() == "state"
    qtbot.keyClicks(w.editor, "No meio do ca")
    wait_fresh(qtbot, w)
    qtbot.wait(3 * FRAME_MS)
    columns = panel.column_labels()
    before = panel.redraws
    for letter in "minh":
        qtbot.keyClicks(w.editor, letter)
        wait_fresh(qtbot, w)
        qtbot.wait(2 * FRAME_MS)
    assert panel.redraws == before  # the same state: nothing drawn again
    assert panel.column_labels() == columns
    # A finished word is a new token: the heatmap gains its column at once.
    qtbot.keyClicks(w.editor, "o ")
    wait_fresh(qtbot, w)
    qtbot.waitUntil(lambda: panel.redraws > before, timeout=2000)
    assert panel.column_labels() == columns + ["caminho"]


def test_the_next_word_view_still_follows_each_letter(qtbot, app_window):
    # Only the state views are skipped: the Next word view marks the strip's words, which
    # change with the letters typed.
    w = app_window(wait_for_model=True)
    panel = w.panel
    panel.set_view("next")
    qtbot.keyClicks(w.editor, "No meio do caminho tinha uma pedra ")
    wait_fresh(qtbot, w)
    qtbot.wait(3 * FRAME_MS)
    before = panel.redraws
    qtbot.keyClicks(w.editor, "t")
    wait_fresh(qtbot, w)
    qtbot.waitUntil(lambda: panel.redraws > before, timeout=2000)
    assert panel.sug is w.suggestions.current
