"""Every cell kind in the editor's engine, two models on one text, and the unit that matters
most (issue 19), without a window: onnxruntime and numpy only."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core import insight
from editor.core.compare import Comparer, window_before
from editor.core.context import WINDOW
from editor.core.lm import LanguageModel
from editor.core.resources import bundled_cell_model_path, poem_corpus_path
from editor.core.suggest import Suggester, softmax

POEM = poem_corpus_path().read_text(encoding="utf-8")
# Up to the second "Nunca me esquecerei ": "que" follows here, "desse" the first time.
SECOND = POEM[: POEM.rindex("Nunca me esquecerei") + len("Nunca me esquecerei ")]
CELLS = ("lstm", "gru", "rnn")


@pytest.fixture(scope="module")
def models() -> dict[str, LanguageModel]:
    return {cell: LanguageModel.load(bundled_cell_model_path(cell)) for cell in CELLS}


@pytest.mark.parametrize("cell", CELLS)
def test_each_cell_drives_the_strip_and_the_state(models, cell):
    """The strip's ranking runs on any cell; the arrays the panel draws have the cell's shape
    (a GRU has no c, an RNN neither c nor gates), and typing on runs one token, not all."""
    model = models[cell]
    s = Suggester(model)
    out = s.suggest("No meio do ")
    assert out.words[0] == "caminho" and out.ghost_text.startswith("caminho")
    n, hidden = len(out.context_tokens), model.info.hidden
    assert out.h_seq.shape == (n, 1, hidden)
    assert out.c_seq.shape == (n, 1, hidden if cell == "lstm" else 0)
    assert out.gates.shape == (n, 1, {"lstm": 4, "gru": 3, "rnn": 0}[cell], hidden)
    s.suggest("No meio do caminho ")
    assert s.tracker.stats.computed == 1  # incremental for every cell
    assert s.suggest(SECOND).words[0] == "que"


def test_an_old_model_file_still_loads(models, format1_poem):
    """A format 1 file has no `cell` key: it loads as an LSTM. (The poem LSTM as bundled until
    issue 18 rebuilt it, kept in tests/fixtures as the witness.)"""
    lstm = LanguageModel.load(format1_poem)
    assert lstm.info.format_version == 1 and lstm.info.cell == "lstm"
    assert lstm.info.vocab == models["lstm"].info.vocab
    assert models["gru"].info.format_version == models["rnn"].info.format_version == 2


def test_kinds_follow_the_cell(models):
    assert list(insight.kinds_for(models["lstm"].info)) == list(insight.KINDS)
    assert list(insight.kinds_for(models["gru"].info)) == ["h", "reset", "update", "candidate"]
    assert list(insight.kinds_for(models["rnn"].info)) == ["h"]
    out = Suggester(models["gru"]).suggest("No meio do ")
    m = insight.state_matrix(out.h_seq, out.c_seq, out.gates, "update", 0,
                             models["gru"].info.gate_names)
    assert np.array_equal(m, out.gates[:, 0, 1, :].T)
    # Asking a GRU for its cell or an RNN for a gate says what is missing, in words.
    with pytest.raises(ValueError, match="no cell state"):
        insight.state_matrix(out.h_seq, out.c_seq, out.gates, "c", 0, ("reset", "update"))
    rnn = Suggester(models["rnn"]).suggest("No meio do ")
    with pytest.raises(ValueError, match="no forget gate"):
        insight.state_matrix(rnn.h_seq, rnn.c_seq, rnn.gates, "forget", 0, ())


def test_window_before_matches_the_request():
    text = "palavra " * (WINDOW // 4)
    before, at_start = window_before(text, len(text))
    assert not at_start and text.endswith(before) and len(before) <= WINDOW
    assert before[:1] != "a"  # cut at whitespace, never inside a word
    assert window_before("No meio", 3) == ("No ", True)


@pytest.mark.parametrize("other", ["rnn", "gru"])
def test_comparer_runs_the_second_model_as_its_strip_would(models, other):
    main = models["lstm"]
    main_sug = Suggester(main).suggest(SECOND)
    comparison = Comparer(models[other]).compare(SECOND, True, main, main_sug)
    a, b = comparison.sides
    assert (a.cell, b.cell) == ("lstm", other)
    assert a.top_tokens == main_sug.top_tokens  # the run that ranked the main strip
    alone = Suggester(models[other]).suggest(SECOND)
    assert b.top_tokens == alone.top_tokens and b.strip == [c.norm for c in alone.candidates]
    assert a.tokens == b.tokens  # the same text, the same tokens
    for side in (a, b):
        assert side.memory is not None and side.memory.target == side.top
        assert len(side.memory.importance) == len(side.tokens)
    assert comparison.agree == (a.top == b.top)


@pytest.mark.parametrize("cell", CELLS)
def test_key_unit_is_the_unit_whose_memory_moves_the_prediction_most(models, cell):
    """Checked against a plain loop: zero one unit of the state before the last token, run
    that token, see P(top) move. The chosen unit must be the one that moves it most."""
    model = models[cell]
    sug = Suggester(model).suggest(SECOND)
    key = insight.key_unit(model, sug)
    assert key is not None and key.target == sug.top_tokens[0][0] == "que"
    tid = model.ids["que"]
    last = model.ids[insight.norm_of_surface(sug.context_tokens[-1])]
    h_prev, c_prev = sug.h_seq[-2][:, None, :], sug.c_seq[-2][:, None, :]
    changes = []
    for u in range(model.info.hidden):
        h, c = h_prev.copy(), c_prev.copy()
        h[0, 0, u] = 0.0
        if c.shape[-1]:
            c[0, 0, u] = 0.0
        p = softmax(model.run([last], h, c).logits[-1])[tid]
        changes.append(abs(p - key.base_prob))
    assert key.unit == int(np.argmax(changes))
    assert abs(key.change) == pytest.approx(max(changes), abs=1e-6)
    assert key.base_prob == pytest.approx(sug.top_tokens[0][1], abs=1e-6)
    reason = key.reason()
    assert f"Unit {key.unit}" in reason and "'que'" in reason and "esquecerei" in reason
    assert ("h and c" in reason) == (cell == "lstm")


def test_key_unit_needs_a_step_to_take_memory_from(models):
    sug = Suggester(models["lstm"]).suggest("")
    assert insight.key_unit(models["lstm"], sug) is None  # only <doc>: no state before it
