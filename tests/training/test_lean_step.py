"""`internals`: fed false, the exported graph runs ONNX's fused LSTM without the per-step internals
the panel draws. Logits and states are those of the whole graph; the editor uses it while the
panel is hidden and computes the gates again from the same weights once it is shown."""

import numpy as np
import onnx
import pytest

from editor.core.context import ContextTracker
from editor.core.lm import LanguageModel
from editor.core.modelfile import LEAN_INPUT, OUTPUTS
from editor.core.suggest import SuggestConfig, Suggester
from training.export import export_random_model, session
from training.lean_step import add_lean_input, remove_lean_input
from training.quantize import quantize_file


@pytest.fixture(scope="module")
def two_layers(tmp_path_factory):
    path = tmp_path_factory.mktemp("lean") / "m.onnx"
    return export_random_model(path, 300, embedding=8, hidden=12, layers=2, seed=5, check=True)


@pytest.mark.parametrize("length", [1, 5, 37])
def test_lean_branch_gives_the_whole_graphs_logits_and_states(two_layers, length):
    sess = session(two_layers)
    rng = np.random.default_rng(length)
    feed = {"tokens": rng.integers(0, 300, (2, length)),
            "h0": (rng.standard_normal((2, 2, 12)) * 0.5).astype(np.float32),
            "c0": (rng.standard_normal((2, 2, 12)) * 0.5).astype(np.float32)}
    whole = sess.run(list(OUTPUTS), feed)
    lean = sess.run(list(OUTPUTS), {**feed, LEAN_INPUT: np.array(False)})
    for name, a, b in zip(OUTPUTS[:4], lean[:4], whole[:4], strict=True):  # logits h c h_seq
        assert a.shape == b.shape, name
        assert np.abs(a - b).max() <= 1e-5, name
    assert lean[4].size == 0 and lean[5].size == 0  # c_seq and gates: not computed
    default = sess.run(list(OUTPUTS), {**feed, LEAN_INPUT: np.array(True)})
    for a, b in zip(default, whole, strict=True):
        assert np.array_equal(a, b)


def test_the_editor_checks_it_and_steps_lean(two_layers):
    model = LanguageModel.load(two_layers)
    assert model.lean
    h, c = model.zero_state()
    whole = model.run([7], h, c)
    lean = model.run([7], h, c, internals=False)
    assert whole.internals and not lean.internals
    assert np.abs(lean.c_seq - whole.c_seq).max() <= 1e-5  # one token: c_seq is c
    assert lean.gates.shape == whole.gates.shape and not lean.gates.any()


def test_gates_after_a_hidden_panel_are_those_of_a_whole_run(two_layers):
    """Typing with the panel hidden steps lean; when it is shown, the rows it draws are
    computed again and match a tracker that ran whole all along (the issue's 1e-5)."""
    model = LanguageModel.load(two_layers)
    lean, whole = ContextTracker(model), ContextTracker(model)
    lean.internals = False
    ids = [1, 5]
    lean.update(ids)
    whole.update(ids)
    for token in [9, 12, 40, 7, 8, 100, 3]:
        ids = [*ids, token]
        lean.update(ids)
        whole.update(ids)
        assert lean.stats.computed == 1  # one lean step per token
        assert np.abs(lean.logits - whole.logits).max() <= 1e-5
    assert not lean.gates.view()[2:].any()  # no gates while hidden
    lean.internals = True  # the panel is shown
    lean.update(ids)
    assert lean.stats.computed == len(ids) - 2  # read again from the first lean step on
    for a, b in ((lean.h_seq, whole.h_seq), (lean.c_seq, whole.c_seq), (lean.gates, whole.gates)):
        assert np.abs(a.view() - b.view()).max() <= 1e-5
    lean.update([*ids, 4])
    assert lean.stats.computed == 1  # and whole steps from then on


def test_moving_back_over_lean_rows_still_reads_them_again(two_layers):
    # Rows stepped lean past the cursor stay marked: the cursor moves back, the panel is
    # shown, the cursor moves forward over them again: their gates are computed then.
    model = LanguageModel.load(two_layers)
    tracker, whole = ContextTracker(model), ContextTracker(model)
    tracker.internals = False
    ids = [1, 5, 9, 12, 40]
    for n in range(2, len(ids) + 1):
        tracker.update(ids[:n])
    tracker.internals = True
    tracker.update(ids[:2])  # back: every state is stored
    tracker.update(ids)
    whole.update(ids)
    assert np.abs(tracker.gates.view() - whole.gates.view()).max() <= 1e-5


def test_suggestions_follow_the_setting(two_layers):
    model = LanguageModel.load(two_layers)
    shown, hidden = Suggester(model), Suggester(model, SuggestConfig(internals=False))
    for text in ("palavra1 ", "palavra1 palavra2 ", "palavra1 palavra2 palavra3 pal",
                 "palavra1 palavra2 palavra3 de "):  # a token at a time, as typed
        a, b = shown.suggest(text), hidden.suggest(text)
        assert a.words == b.words and a.ghost == b.ghost
    assert shown.tracker.gates.view().any() and not hidden.tracker.gates.view()[-1].any()


def test_old_readers_and_int8_files(two_layers, tmp_path):
    sess = session(two_layers)
    assert [i.name for i in sess.get_inputs()] == ["tokens", "h0", "c0"]
    # int8: onnxruntime's quantizer cannot follow renamed names into a branch, so the file
    # is quantized without it and steps whole.
    int8 = tmp_path / "int8.onnx"
    quantize_file(two_layers, int8)
    model = LanguageModel.load(int8)
    assert not model.lean
    assert LEAN_INPUT not in {i.name for i in onnx.load(str(int8)).graph.input}
    assert model.run([1, 2], *model.zero_state(), internals=False).internals  # whole


def test_adding_and_removing_it_round_trips(two_layers):
    proto = onnx.load(str(two_layers))
    again = onnx.ModelProto()
    again.CopyFrom(proto)
    add_lean_input(again, [])  # already there: nothing added twice
    assert again.SerializeToString() == proto.SerializeToString()
    plain = remove_lean_input(again)
    assert LEAN_INPUT not in {i.name for i in plain.graph.input}
    assert not any(n.op_type in ("If", "LSTM") for n in plain.graph.node)
    sess_a = session(two_layers)
    plain_path = two_layers.parent / "plain.onnx"
    onnx.save(plain, str(plain_path))
    sess_b = session(plain_path)
    feed = {"tokens": np.array([[3, 4, 5]]), "h0": np.zeros((2, 1, 12), np.float32),
            "c0": np.zeros((2, 1, 12), np.float32)}
    # The same graph; onnxruntime fuses a little differently inside a branch (within 1e-6).
    for a, b in zip(sess_a.run(list(OUTPUTS), feed), sess_b.run(list(OUTPUTS), feed), strict=True):
        assert np.abs(a - b).max() <= 1e-6


def test_gru_files_have_no_lean_branch(tmp_path):
    path = export_random_model(tmp_path / "gru.onnx", 50, embedding=8, hidden=12, cell="gru")
    assert LEAN_INPUT not in {i.name for i in onnx.load(str(path)).graph.input}
    assert not LanguageModel.load(path).lean
