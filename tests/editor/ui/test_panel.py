"""The insight dock with qtbot, fed by a real Suggester on the bundled poem model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

from editor.core import insight
from editor.core.lm import LanguageModel
from editor.core.resources import poem_corpus_path
from editor.core.suggest import Suggester, Suggestions
from editor.core.tokenizer import DOC, tokenize
from editor.ui.insight.panel import FRAME_MS, InsightPanel
from editor.ui.insight.tint import apply_tint, clear_tint, tinted, token_spans

POEM = poem_corpus_path().read_text(encoding="utf-8")


def screenshot(path: str | Path, sug: Suggestions, model: LanguageModel | None = None,
               view: str = "state", unit: int | None = None, size: tuple[int, int] = (460, 720),
               sort: str = "index", kind: str = "h", text: str | None = None) -> bool:
    """Render the panel headless to a PNG, as a writer would export it; needs a QApplication.

    `text` (the whole document) lets the Gates view count saturation over all of it.
    """
    panel = InsightPanel()
    panel.resize(*size)
    if model is not None:
        panel.set_model(model)
    if text is not None:
        panel.set_document_provider(lambda: text)
    panel.set_kind(kind)
    panel.set_sort(sort)
    panel.set_view(view)
    panel.show_suggestions(sug)
    if unit is not None:
        panel.select_unit(unit)
    panel.show()
    if model is not None:
        panel.wait_for_analysis()
    panel.flush()
    ok = panel.export_png(path)
    panel.shutdown()
    panel.close()
    panel.deleteLater()
    return ok





@pytest.fixture
def panel(qtbot, model):
    p = InsightPanel()
    qtbot.addWidget(p)
    p.resize(460, 720)
    p.show()
    p.set_model(model)
    yield p
    p.shutdown()


def test_typing_adds_columns_labelled_with_the_words(qtbot, panel, model):
    s = Suggester(model)
    typed = "No meio do caminho tinha uma "
    seen = 0
    for end in range(1, len(typed) + 1):
        panel.show_suggestions(s.suggest(typed[:end]))
        if typed[end - 1] == " ":
            qtbot.wait(FRAME_MS + 10)
            panel.flush()
            labels = panel.column_labels()
            words = typed[:end].split()
            assert labels == [DOC, *words]
            assert panel.heatmap_matrix().shape == (model.info.hidden, len(words) + 1)
            assert len(labels) > seen
            seen = len(labels)


def test_bursts_of_keystrokes_make_one_redraw(qtbot, panel, model):
    s = Suggester(model)
    panel.flush()
    before = panel.redraws
    for end in range(5, 25):
        panel.show_suggestions(s.suggest(POEM[:end]))
    qtbot.waitUntil(lambda: panel.redraws > before, timeout=1000)
    qtbot.wait(3 * FRAME_MS)
    assert panel.redraws == before + 1
    assert panel.heatmap_matrix().shape[1] == len(s.suggest(POEM[:24]).context_tokens)


def test_heatmap_values_are_the_engines_arrays(panel, model):
    s = Suggester(model)
    sug = s.suggest(POEM[:150])
    panel.show_suggestions(sug)
    panel.flush()
    n = len(sug.context_tokens)
    assert np.array_equal(panel.heatmap_matrix(), s.tracker.h_seq.view()[-n:, 0, :].T)
    panel.set_kind("forget")
    panel.flush()
    assert np.array_equal(panel.heatmap_matrix(), s.tracker.gates.view()[-n:, 0, 1, :].T)
    panel.set_kind("c")
    panel.flush()
    assert np.array_equal(panel.heatmap_matrix(), sug.c_seq[:, 0, :].T)
    assert panel.heatmap.scale.lo == -panel.heatmap.scale.hi  # own symmetric scale for raw c


def test_switching_views_changes_what_is_shown(panel, model):
    sug = Suggester(model).suggest("No meio do ")
    panel.show_suggestions(sug)
    panel.flush()
    h = panel.heatmap_matrix().copy()
    panel.set_kind("output")
    panel.flush()
    assert not np.array_equal(panel.heatmap_matrix(), h)
    panel.set_sort("similarity")
    panel.flush()
    assert sorted(panel.heatmap.order.tolist()) == list(range(model.info.hidden))
    panel.set_view("next")
    assert panel.shown["next"] == sug.top_tokens and sug.top_tokens[0][0] == "caminho"
    assert "caminho" in panel.probs.marked  # the strip's first word is marked
    panel.set_view("gates")
    current, low, high = panel.shown["gates"]
    assert np.array_equal(current, sug.gates[-1, 0])
    assert low.shape == high.shape == (4, model.info.hidden)


def test_hover_names_unit_token_and_value(panel, model):
    sug = Suggester(model).suggest("No meio do ")
    panel.show_suggestions(sug)
    panel.flush()
    hm = panel.heatmap
    g = hm._grid()
    col = 2  # "meio"
    x = g.left() + (col + 0.5) * g.width() / 4
    y = hm.row_y(5)
    assert hm.cell_at(QPoint(int(x), int(y))) == (5, col)
    assert hm.tooltip_at(QPoint(int(x), int(y))) == f"unit 5, token 'meio', value {sug.h_seq[col, 0, 5]:.3f}"


def test_clicking_a_unit_row_selects_it_and_tints_the_text(qtbot, panel, model):
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    edit.setPlainText(POEM)
    panel.attach_editor(edit)
    panel.show_suggestions(Suggester(model).suggest(POEM))
    panel.flush()
    unit = 7
    with qtbot.waitSignal(panel.unit_selected) as sig:
        qtbot.mouseClick(panel.heatmap, Qt.MouseButton.LeftButton,
                         pos=QPoint(panel.heatmap.width() // 2, int(panel.heatmap.row_y(unit))))
    assert sig.args == [unit]
    assert panel.wait_for_analysis()
    sels = tinted(edit)
    words = [t for t in tokenize(POEM) if t.is_word]
    assert len(sels) == len(words)
    assert sels[0].cursor.selectedText() == "No" and sels[-1].cursor.selectedText() == "pedra"
    colours = {s.format.background().color().name() for s in sels}
    assert len(colours) > 5  # the colour follows the activation
    # The trace view follows the same unit.
    panel.set_view("unit")
    assert np.array_equal(panel.shown["unit"]["h"], panel.sug.h_seq[:, 0, unit])
    # Unticking "Tint text" removes the tint and nothing else.
    panel.set_tint_enabled(False)
    assert not tinted(edit)


def test_long_documents_are_tinted_where_the_view_is(qtbot, panel, model):
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    edit.resize(400, 300)
    edit.show()
    text = POEM * 30
    edit.setPlainText(text)
    panel.attach_editor(edit)
    panel.show_suggestions(Suggester(model).suggest(POEM))
    panel.select_unit(3)
    assert panel.wait_for_analysis()
    words = sum(t.is_word for t in tokenize(text))
    first = tinted(edit)
    assert 0 < len(first) < words and first[0].cursor.selectionStart() == 0
    bar = edit.verticalScrollBar()
    bar.setValue(bar.maximum())

    def reaches_the_end() -> bool:
        sels = tinted(edit)  # keep the list alive while reading its cursors
        return bool(sels) and sels[-1].cursor.selectionEnd() > len(text) - 10

    qtbot.waitUntil(reaches_the_end, timeout=2000)
    sels = tinted(edit)
    assert sels[0].cursor.selectionStart() > 0


def test_tint_keeps_other_selections_and_counts_utf16(qtbot):
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    text = "um 😀 dois três"
    edit.setPlainText(text)
    other = QTextEdit.ExtraSelection()
    other.cursor = QTextCursor(edit.document())
    other.cursor.setPosition(0)
    other.cursor.setPosition(2, QTextCursor.MoveMode.KeepAnchor)
    fmt = QTextCharFormat()
    fmt.setBackground(QColor("yellow"))
    other.format = fmt
    edit.setExtraSelections([other])
    spans, keep = token_spans(tokenize(text), text)
    assert len(spans) == 3  # the emoji is no word
    apply_tint(edit, spans, np.array([-1.0, 0.0, 1.0]), insight.Scale(-1, 1))
    assert [s.cursor.selectedText() for s in tinted(edit)] == ["um", "dois", "três"]
    assert len(edit.extraSelections()) == 4
    clear_tint(edit)
    assert len(edit.extraSelections()) == 1


def test_memory_view_shows_what_the_prediction_depends_on(qtbot, panel, model):
    second = "Nunca me esquecerei ".join(POEM.split("Nunca me esquecerei ")[:2] + [""])
    sug = Suggester(model).suggest(second)
    panel.show_suggestions(sug)
    with qtbot.waitSignal(panel.analysis_done, timeout=5000):
        panel.set_view("memory")
    panel.flush()
    mem = panel.memory
    assert mem.target == "que" and mem.tokens == sug.context_tokens
    top = int(np.nanargmax(mem.importance))
    assert mem.tokens[top] not in (DOC, "\n") and mem.importance[top] > 0
    assert np.array_equal(panel.shown["memory"], mem.importance, equal_nan=True)


def test_pin_and_compare(panel, model):
    s = Suggester(model)
    panel.show_suggestions(s.suggest("No meio do "))
    assert panel.pin()
    panel.set_view("pin")
    assert panel.shown["pin"].norm_h == 0
    panel.show_suggestions(s.suggest("No meio do caminho tinha "))
    panel.flush()
    delta = panel.shown["pin"]
    assert delta.norm_h > 0 and delta.norm_c > 0
    assert np.allclose(delta.dh, panel.sug.h_seq[-1] - panel.pinned.h)
    panel.unpin()
    panel.flush()
    # The view must stop comparing once unpinned. (This used to assert `pinned is None`, which
    # unpin() sets itself, so it could not fail; what the pin view draws is the real check.)
    assert panel.shown["pin"] is None
    assert panel.pin_button.text() == "Pin"


def test_export_png_and_states_load_back(qtbot, tmp_path, panel, model):
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    edit.setPlainText(POEM[:200])
    panel.attach_editor(edit)
    panel.show_suggestions(Suggester(model).suggest(POEM[:200]))
    png = tmp_path / "panel.png"
    assert panel.export_png(png)
    img = QImage(str(png))
    assert not img.isNull() and img.width() > 100
    n_tokens = 1 + len(tokenize(POEM[:200]))
    for suffix in (".csv", ".npz"):
        path = panel.export_states(tmp_path / f"states{suffix}")
        tokens, h, c, g = insight.load_states(path)
        assert tokens[0] == DOC and len(tokens) == n_tokens
        assert h.shape == (n_tokens, model.info.layers, model.info.hidden)
        assert g.shape == (n_tokens, model.info.layers, 4, model.info.hidden)


def test_headless_screenshot(qtbot, tmp_path, model):
    sug = Suggester(model).suggest(POEM[:300])
    path = tmp_path / "shot.png"
    assert screenshot(path, sug, model, view="memory", unit=3)
    assert not QImage(str(path)).isNull()
