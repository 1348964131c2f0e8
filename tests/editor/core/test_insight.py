"""The panel's numpy side: heatmap data, row sorts, occlusion, gates, pin and export."""

import csv

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from editor.core import insight
from editor.core.resources import poem_corpus_path
from editor.core.suggest import Suggester, softmax
from editor.core.tokenizer import DOC, tokenize

POEM = poem_corpus_path().read_text(encoding="utf-8")
SECOND_NUNCA = "Nunca me esquecerei ".join(POEM.split("Nunca me esquecerei ")[:2] + [""])




def _arrays(n=5, layers=2, hidden=3, seed=0):
    r = np.random.default_rng(seed)
    h = r.uniform(-1, 1, (n, layers, hidden)).astype(np.float32)
    c = r.normal(0, 3, (n, layers, hidden)).astype(np.float32)
    g = r.uniform(0, 1, (n, layers, 4, hidden)).astype(np.float32)
    return h, c, g


# -- heatmap data ------------------------------------------------------------------------------
def test_state_matrix_takes_the_right_slice():
    h, c, g = _arrays()
    assert np.array_equal(insight.state_matrix(h, c, g, "h", 1), h[:, 1, :].T)
    assert np.array_equal(insight.state_matrix(h, c, g, "c", 0), c[:, 0, :].T)
    assert np.allclose(insight.state_matrix(h, c, g, "tanh_c", 0), np.tanh(c[:, 0, :]).T)
    for k, name in enumerate(("input", "forget", "candidate", "output")):
        assert np.array_equal(insight.state_matrix(h, c, g, name, 1), g[:, 1, k, :].T)
    with pytest.raises(ValueError):
        insight.state_matrix(h, c, g, "nope")


def test_scales_are_fixed_except_raw_c():
    assert insight.kind_scale("forget") == insight.Scale(0.0, 1.0)
    assert insight.kind_scale("h") == insight.Scale(-1.0, 1.0)
    s = insight.kind_scale("c", np.array([[-3.0, 2.0]]))
    assert (s.lo, s.hi, s.mid) == (-3.0, 3.0, 0.0)


def test_colours_run_cold_to_warm_through_white():
    rgb = insight.colorize(np.array([-1.0, 0.0, 1.0, np.nan, 5.0]), insight.Scale(-1, 1))[:, 2::-1]
    cold, mid, warm, nan, clipped = rgb.astype(int)
    assert cold[2] > cold[0] and warm[0] > warm[2]  # blue end, red end
    assert min(mid) > 230  # white in the middle
    assert list(nan) == [200, 200, 200]
    assert list(clipped) == list(warm)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float32, st.tuples(st.integers(1, 40), st.integers(1, 12)),
              elements=st.floats(-5, 5, width=32)),
       st.sampled_from(list(insight.ROW_SORTS)))
def test_every_row_sort_is_a_permutation(matrix, mode):
    order = insight.row_order(matrix, mode)
    assert sorted(order.tolist()) == list(range(matrix.shape[0]))


def test_similar_units_end_up_next_to_each_other():
    t = np.linspace(0, 6, 30)
    a, b = np.sin(t), np.sign(np.cos(3 * t))
    r = np.random.default_rng(1)
    # Units 0, 2, 4 follow one pattern, 1, 3, 5 another: interleaved by index.
    m = np.stack([a if u % 2 == 0 else b for u in range(6)]) * r.uniform(0.5, 1, (6, 1))
    m = m + r.normal(0, 0.01, m.shape)
    for mode in ("similarity", "pc1"):
        order = insight.row_order(m, mode).tolist()
        groups = [u % 2 for u in order]
        assert groups in ([0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0]), (mode, order)
    busy = insight.row_order(m * np.arange(1, 7)[:, None], "activity")
    assert busy[0] == 5


def test_principal_directions_match_an_svd():
    r = np.random.default_rng(3)
    t = np.linspace(0, 6, 30)
    m = np.outer(r.normal(size=80), np.sin(t)) + 0.5 * np.outer(r.normal(size=80), np.cos(2 * t))
    m += r.normal(0, 0.05, m.shape)
    scores = insight._principal_scores(m)
    c = m - m.mean(axis=1, keepdims=True)
    u = c / np.linalg.norm(c, axis=1, keepdims=True)
    ref = u @ np.linalg.svd(u, full_matrices=False)[2][:2].T
    for k in range(2):
        assert abs(np.corrcoef(scores[:, k], ref[:, k])[0, 1]) > 0.999


# -- gates and pins ----------------------------------------------------------------------------
def test_gate_saturation_counts_shut_and_open_steps():
    g = np.full((4, 1, 4, 2), 0.5, np.float32)
    g[:3, 0, 1, 0] = 0.95  # forget gate of unit 0 open 3 of 4 steps
    g[:1, 0, 0, 1] = 0.05  # input gate of unit 1 shut once
    low, high = insight.gate_saturation(g)
    assert high[1, 0] == 0.75 and low[1, 0] == 0
    assert low[0, 1] == 0.25 and high[0, 1] == 0
    empty_low, _ = insight.gate_saturation(g[:0])
    assert empty_low.shape == (4, 2)


def test_compare_against_a_pinned_state():
    h, c, _g = _arrays(layers=1, hidden=4)
    pinned = insight.PinnedState(h[0], c[0], "x")
    same = insight.compare_states(pinned, h[0], c[0])
    assert same.norm_h == 0 and same.norm_c == 0 and same.cos_h == pytest.approx(1.0)
    moved = insight.compare_states(pinned, h[1], c[1])
    assert np.allclose(moved.dh, h[1] - h[0]) and moved.norm_c > 0


# -- export ------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv", ".npz"])
def test_export_loads_back(tmp_path, suffix):
    h, c, g = _arrays(n=4, layers=2, hidden=3)
    tokens = [DOC, 'a "quoted", token', "\n", "ação"]
    path = insight.export_states(tmp_path / f"states{suffix}", tokens, h, c, g)
    got_tokens, gh, gc, gg = insight.load_states(path)
    assert got_tokens == tokens
    assert np.allclose(gh, h, atol=1e-5) and np.allclose(gc, c, atol=1e-5)
    assert np.allclose(gg, g, atol=1e-5)
    if suffix == ".csv":  # a plain CSV reader sees one header and one row per token
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        assert rows[0][:3] == ["step", "token", "h_l0_u0"] and "forget_l1_u2" in rows[0]
        assert len(rows) == 1 + len(tokens)


def test_export_refuses_bad_input(tmp_path):
    h, c, g = _arrays(n=2)
    with pytest.raises(ValueError):
        insight.export_states(tmp_path / "x.txt", ["a", "b"], h, c, g)
    with pytest.raises(ValueError):
        insight.export_states(tmp_path / "x.npz", ["a"], h, c, g)


def test_token_surfaces_map_back_to_vocabulary_keys():
    assert insight.norm_of_surface(DOC) == DOC
    assert insight.norm_of_surface("\n") == "\n"
    assert insight.norm_of_surface("Nunca") == "nunca"
    assert insight.norm_of_surface("…") == "..."


# -- with the poem model -----------------------------------------------------------------------
def test_batched_occlusion_equals_one_run_per_position(model):
    ids = [model.doc_id, *model.encode([t.norm for t in tokenize(SECOND_NUNCA)])][-12:]
    h0, c0 = model.zero_state()
    target = model.ids["que"]
    positions = [11, 0, 3, 7, 1, 2, 4, 5, 6, 8, 9, 10]  # unsorted, more than one batch
    p_base, p_occ = insight.occlusion(model, ids, h0, c0, target, positions)
    for pos, got in zip(positions, p_occ, strict=True):
        changed = list(ids)
        changed[pos] = model.unk_id
        want = softmax(model.run(changed, h0, c0).logits[-1])[target]
        assert got == pytest.approx(want, abs=1e-5)
    assert p_base == pytest.approx(softmax(model.run(ids, h0, c0).logits[-1])[target], abs=1e-6)


def test_memory_of_the_second_nunca(model):
    """At the second "Nunca me esquecerei" the model says "que"; what came before decides it.

    The three words are the same both times, so the cue must lie before them: on the bundled
    model it is the end of "...retinas tão fatigadas." (a single line break, not the blank line
    that opened the first stanza).
    """
    sug = Suggester(model).suggest(SECOND_NUNCA)
    assert sug.top_tokens[0][0] == "que"
    mem = insight.memory_for(model, sug)
    assert mem.target == "que" and mem.base_prob > 0.5
    # Re-running the window from its first state reproduces the engine's own probability.
    assert mem.base_prob == pytest.approx(sug.top_tokens[0][1], abs=1e-5)
    assert len(mem.importance) == len(sug.context_tokens)
    assert np.isnan(mem.importance[0])  # the window's first token carries the start state
    assert np.nanmax(mem.importance) > 0.05
    top = int(np.nanargmax(mem.importance))
    assert sug.context_tokens[top] not in (DOC, "<unk>")
    # Outside the three repeated words, the text between the two occurrences matters most.
    first = len(sug.context_tokens) - 1 - sug.context_tokens[::-1].index("desse")
    before = mem.importance[: len(sug.context_tokens) - 3]
    where = int(np.nanargmax(before))
    assert before[where] > 0.05 and where > first, (sug.context_tokens[where], before[where])


def test_document_runner_matches_one_fresh_run(model, monkeypatch):
    monkeypatch.setattr(insight, "DOC_CHUNK", 7)  # force several chunks
    runner = insight.DocumentRunner(model)
    doc = runner.run(POEM[:120])
    doc = runner.run(POEM)  # grows from the common prefix
    ids = [model.doc_id, *model.encode([t.norm for t in tokenize(POEM)])]
    full = model.run(ids, *model.zero_state())
    assert doc.ids == ids and doc.surfaces[0] == DOC and len(doc.tokens) == len(ids) - 1
    assert np.allclose(doc.h_seq, full.h_seq, atol=1e-5)
    assert np.allclose(doc.gates, full.gates, atol=1e-5)
    assert np.allclose(doc.token_values(3, "h"), full.h_seq[1:, 0, 3], atol=1e-5)
    edited = runner.run(POEM.replace("pedra", "rocha", 1))
    assert len(edited.tokens) == len(doc.tokens)
