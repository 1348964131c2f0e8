"""Issue 19 in the real window: a GRU or a plain RNN suggests like the LSTM; Model → Compare
With puts a second model beside the main one in the panel's Compare view; the views that need
gates or a cell say so when a model has none; the Unit view opens on the unit that matters most.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit
from ui_waits import wait_fresh

from editor.core import insight
from editor.core.lm import LanguageModel
from editor.core.resources import bundled_cell_model_path, poem_corpus_path
from editor.core.suggest import Suggester
from editor.ui.insight import compare_view
from editor.ui.insight.charts import small_font
from editor.ui.insight.panel import InsightPanel
from editor.ui.insight.tint import tinted
from editor.ui.window import MainWindow

POEM = poem_corpus_path().read_text(encoding="utf-8")
AT = POEM.rindex("Nunca me esquecerei")
HEAD, TAIL = POEM[:AT], "Nunca me esquecerei "


def type_second_nunca(qtbot, w: MainWindow) -> None:
    """The poem up to its second "Nunca me esquecerei ", the last line typed key by key."""
    w.editor.setPlainText(HEAD)
    w.editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(w.editor, TAIL)
    wait_fresh(qtbot, w)


def compare_action(w: MainWindow, label: str):
    return next(a for a in w.compare_menu.actions() if a.text().replace("&", "") == label)


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_a_gru_or_rnn_model_drives_the_strip(qtbot, app_window, cell):
    """Loaded as the main model, each cell suggests in the real window."""
    w = app_window(model=bundled_cell_model_path(cell), wait_for_model=True)
    qtbot.keyClicks(w.editor, "No meio do ")
    wait_fresh(qtbot, w)
    assert w.strip.words()[0] == "caminho"
    assert w.suggestions.ghost.text().startswith("caminho")
    assert w.panel.model.info.cell == cell


def test_views_that_need_gates_or_a_cell_say_the_rnn_has_none(qtbot, app_window):
    w = app_window(model=bundled_cell_model_path("rnn"), wait_for_model=True)
    panel = w.panel
    panel.show()
    qtbot.keyClicks(w.editor, "No meio do ")
    wait_fresh(qtbot, w)
    # The State view offers h alone: the other kinds do not exist in a plain RNN.
    assert [panel.kind_combo.itemData(i) for i in range(panel.kind_combo.count())] == ["h"]
    with pytest.raises(ValueError, match="this model has no 'forget'"):
        panel.set_kind("forget")
    panel.set_view("gates")
    panel.flush(force=True)
    assert not panel.gates_view._strips and "has no gates" in panel.gates_view.empty_text
    assert panel.pin()
    panel.set_view("pin")
    panel.pin_combo.setCurrentIndex(1)  # Δc
    panel.flush(force=True)
    assert "has no cell state c" in panel.pin_summary.text()
    panel.set_view("unit")
    assert panel.wait_for_analysis()
    panel.flush(force=True)
    assert "no gates or cell state" in panel.unit_reason.text()
    assert list(panel.shown["unit"]) == ["h"]


def test_compare_view_shows_two_models_bars_for_the_same_text(qtbot, app_window):
    w = app_window(wait_for_model=True)  # the bundled LSTM suggests
    compare_action(w, "Poem as a Plain RNN").trigger()
    panel = w.panel
    assert panel.isVisible() and panel.current_view() == "compare"
    assert panel.compare_model.info.cell == "rnn"
    type_second_nunca(qtbot, w)
    assert panel.wait_for_analysis()
    panel.flush(force=True)
    comparison = panel.shown["compare"]
    assert comparison is not None
    lstm, rnn = comparison.sides
    # Both sides are for the text on screen: the main one is the strip's own run...
    assert lstm.cell == "lstm" and lstm.top_tokens == panel.sug.top_tokens
    assert lstm.tokens == rnn.tokens == list(panel.sug.context_tokens)
    # ...the other is the RNN's run on the same text, as its own strip would rank it.
    alone = Suggester(panel.compare_model).suggest(HEAD + TAIL)
    assert rnn.cell == "rnn" and rnn.top_tokens == alone.top_tokens
    view = panel.compare_view
    assert view.bars[0].items == lstm.top_tokens[:6] and view.bars[1].items == rnn.top_tokens[:6]
    assert view.headers[0].text() == "<b>LSTM</b>" and view.headers[1].text() == "<b>plain RNN</b>"
    # Each column is half the panel: the percentage after the longest possible bar must stay
    # inside it (the long labels took the room and cut "93.0%" to "93").
    for bars in view.bars:
        fm = QFontMetrics(small_font(bars, 0))
        label_w, bar_w = bars.columns(fm)
        assert label_w + bar_w + 4 + fm.horizontalAdvance(bars.percent(1.0, fm)) <= bars.width()
        # ...and the words have their room: whole, or without the decimal to make room.
        shown = [("★ " if t in bars.marked else "") + insight.display_token(t)
                 for t, _ in bars.items]
        assert all(fm.horizontalAdvance(word) <= label_w - 8 for word in shown) or \
            bars.percent(0.934, fm) == "93%", (shown, label_w, bars.width())
    assert view.memory[0].labels == view.memory[1].labels == lstm.tokens
    assert np.allclose(view.memory[1].values, rnn.memory.importance, equal_nan=True)
    assert "que" in view.summary.text()
    # Bug: the two stacked columns set the panel's minimum height to 625 px, which made the
    # window taller than a small screen and hid the cursor under the bottom edge. The view
    # scrolls instead, and the panel's minimum is what the other views need.
    assert panel.minimumSizeHint().height() < 450
    # The strip keeps the main model.
    assert w.suggestions.model_name == "no-meio-do-caminho.onnx"
    assert w.strip.words()[0] == "que"
    # Typing on updates both sides.
    qtbot.keyClicks(w.editor, "que ")
    wait_fresh(qtbot, w)
    assert panel.wait_for_analysis()
    assert panel.comparison.sides[1].tokens[-1] == "que"
    # Stop Comparing empties the view and says how to compare again.
    compare_action(w, "Stop Comparing").trigger()
    panel.flush(force=True)
    assert panel.compare_model is None and "Compare With" in view.summary.text()


def test_a_file_that_does_not_load_changes_nothing(qtbot, app_window, tmp_path, monkeypatch):
    w = app_window(wait_for_model=True)
    compare_action(w, "Poem as a GRU").trigger()
    assert w.panel.compare_model.info.cell == "gru"
    bad = tmp_path / "photo.onnx"
    bad.write_bytes(b"\x89PNG not a model" * 20)
    monkeypatch.setattr(compare_view, "choose_compare_path", lambda window: bad)
    with qtbot.waitSignal(w.error_shown, timeout=5000):
        compare_action(w, "Model File…").trigger()
    box = w.message_box
    assert "photo.onnx" in box.text() and "ONNXRuntimeError" not in box.text()
    assert "Nothing changed" in box.informativeText()
    assert w.panel.compare_model.info.cell == "gru"  # the comparison in place stays


@pytest.fixture
def lstm() -> LanguageModel:
    return LanguageModel.load(bundled_cell_model_path("lstm"))


def test_unit_view_opens_on_the_unit_that_matters_most(qtbot, lstm):
    panel = InsightPanel()
    qtbot.addWidget(panel)
    panel.resize(460, 720)
    panel.show()
    panel.set_model(lstm)
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    edit.setPlainText(HEAD + TAIL)
    panel.attach_editor(edit)
    sug = Suggester(lstm).suggest(HEAD + TAIL)
    panel.show_suggestions(sug)
    panel.set_view("unit")
    assert panel.wait_for_analysis()
    panel.flush(force=True)
    # Before: an empty page saying "click a row". Now the unit the prediction leans on most.
    key = insight.key_unit(lstm, sug)
    assert panel.unit == key.unit
    assert "matters most for predicting 'que'" in panel.unit_reason.text()
    assert np.array_equal(panel.shown["unit"]["h"], sug.h_seq[:, 0, key.unit])
    assert not tinted(edit)  # a unit the panel chose does not colour the writer's text
    # A click on another row is the writer's choice: it sticks and tints.
    panel.set_view("state")
    panel.flush(force=True)
    other = (key.unit + 1) % lstm.info.hidden
    qtbot.mouseClick(panel.heatmap, Qt.MouseButton.LeftButton,
                     pos=QPoint(panel.heatmap.width() // 2, int(panel.heatmap.row_y(other))))
    panel.set_view("unit")
    assert panel.wait_for_analysis()
    panel.flush(force=True)
    assert panel.unit == other and "as you chose" in panel.unit_reason.text()
    assert tinted(edit)
    panel.shutdown()


def test_compare_screenshot_with_the_probe(tmp_path):
    """`caminho --type … --compare MODEL --panel-view compare --screenshot` (the docs' pictures)."""
    import json
    import os
    import subprocess
    import sys

    shot = tmp_path / "compare.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CAMINHO_CONFIG_DIR=str(tmp_path / "c"))
    proc = subprocess.run(
        [sys.executable, "-m", "editor", "--type", "No meio do ", "--json", "--compare",
         str(bundled_cell_model_path("gru")), "--panel-view", "compare", "--screenshot",
         str(shot)], capture_output=True, text=True, env=env, timeout=120,
        cwd=Path(__file__).resolve().parents[3])  # the repository root
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [s["cell"] for s in report["compare"]] == ["lstm", "gru"]
    assert [s["top"] for s in report["compare"]] == ["caminho", "caminho"]
    assert shot.read_bytes()[:4] == b"\x89PNG"
