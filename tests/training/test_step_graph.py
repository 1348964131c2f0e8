"""The one-token step graph small model files carry (training/step_graph.py, issue 18)."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import onnx
import pytest

from editor.core.lm import LanguageModel
from editor.core.modelfile import STEP_GRAPH_KEY
from training.export import check_parity, export_random_model, random_model
from training.step_graph import MAX_PARAMETERS, encode_step_graph, step_graph


def _meta(path: Path) -> dict[str, str]:
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


def _rewrite(path: Path, out: Path, key: str, value: str) -> Path:
    proto = onnx.load(str(path))
    for entry in proto.metadata_props:
        if entry.key == key:
            entry.value = value
    onnx.save(proto, str(out))
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("step")
    return {
        "lstm": export_random_model(folder / "lstm.onnx", 40, layers=2, step=True),
        "gru": export_random_model(folder / "gru.onnx", 40, cell="gru", step=True),
        "plain": export_random_model(folder / "plain.onnx", 40, layers=2),
        "other": export_random_model(folder / "other.onnx", 40, layers=2, seed=7, step=True),
    }


@pytest.fixture(scope="module")
def first_kind(files, tmp_path_factory) -> Path:
    """An LSTM file whose step graph outputs the contract's six outputs, as the first step
    graphs did (the bundled model of stop 25): it must keep loading and stepping."""
    proto = step_graph(random_model(40, layers=2), 18, lean=False)
    return _rewrite(files["lstm"], tmp_path_factory.mktemp("first") / "first.onnx",
                    STEP_GRAPH_KEY, encode_step_graph(proto))


@pytest.mark.parametrize("cell", ["lstm", "gru", "first kind"])
def test_keystrokes_step_the_loop_free_graph_with_the_main_graphs_numbers(files, first_kind,
                                                                         cell):
    path = first_kind if cell == "first kind" else files[cell]
    model = LanguageModel.load(path)
    assert model.step is not None
    # A new LSTM file steps the lean graph (fewer outputs); the others the contract's.
    assert model.step_lean == (cell == "lstm")
    main = LanguageModel.load(path)
    main.step = None  # the same file stepped through its Scan graph
    h, c = model.zero_state()
    hm, cm = main.zero_state()
    for token in [1, 5, 9, 39, 2, 5, 5]:
        got, want = model.run([token], h, c), main.run([token], hm, cm)
        for name in ("logits", "h", "c", "h_seq", "c_seq", "gates"):
            a, b = getattr(got, name), getattr(want, name)
            assert a.shape == b.shape, name
            assert np.allclose(a, b, rtol=0, atol=1e-5), name
        # The panel's gates come with it, even when the caller asked for none.
        assert model.run([token], h, c, internals=False).internals
        h, c, hm, cm = got.h, got.c, want.h, want.c
    # Several tokens at once still go through the main graph.
    many = model.run([1, 5, 9], *model.zero_state())
    assert many.logits.shape == (3, model.info.vocab_size)


def test_export_checks_it_against_pytorch(files):
    parity = check_parity(random_model(40, layers=2), files["lstm"], lengths=(1, 4))
    assert "step graph" in parity and parity["step graph"] <= 1e-4


def test_only_small_models_carry_it(files):
    assert STEP_GRAPH_KEY in _meta(files["lstm"])
    assert STEP_GRAPH_KEY not in _meta(files["plain"])  # fixtures leave it out unless asked
    big = random_model(50, embedding=256, hidden=512)  # 2.1M parameters
    assert sum(p.numel() for p in big.parameters()) > MAX_PARAMETERS
    assert step_graph(big, 18) is None


def test_a_damaged_or_foreign_step_graph_is_ignored(files, tmp_path):
    # Garbage, or a step graph of other weights: the file still loads and steps through its
    # main graph, with the same numbers as a file without one.
    plain = LanguageModel.load(files["plain"])
    foreign = _meta(files["other"])[STEP_GRAPH_KEY]
    lstm = _meta(files["lstm"])[STEP_GRAPH_KEY]
    for name, value in (("garbage", "not base64 at all!"),
                        ("truncated", lstm[: len(lstm) // 2]),
                        ("not onnx", base64.b64encode(b"hello").decode()),
                        ("other weights", foreign)):
        path = _rewrite(files["lstm"], tmp_path / f"{name}.onnx", STEP_GRAPH_KEY, value)
        model = LanguageModel.load(path)
        assert model.step is None, name
        got = model.run([5], *model.zero_state())
        assert np.allclose(got.logits, LanguageModel.load(files["lstm"]).run(
            [5], *model.zero_state()).logits, atol=1e-5), name
    assert plain.step is None


def test_a_small_vocabulary_folds_the_first_layer_into_one_table():
    # The poem's shapes (V=24, E=64, H=128): the embedding, the first input matrix and both
    # biases become one [V, 4H] table read by one Gather; the graph's length is the step's
    # price at this size (docs/BENCHMARKS.md, issue 18).
    proto = step_graph(random_model(24), 18)
    ops = [n.op_type for n in proto.graph.node]
    shapes = sorted(tuple(i.dims) for i in proto.graph.initializer if len(i.dims) == 2)
    assert ops.count("Gather") == 1 and ops.count("MatMul") == 2, ops
    assert (24, 512) in shapes and (24, 64) not in shapes, shapes
    assert len(ops) <= 16, ops
    # A vocabulary larger than the pieces it would replace keeps them.
    big = [tuple(i.dims) for i in step_graph(random_model(400), 18).graph.initializer]
    assert (400, 64) in big and (400, 512) not in big


def test_a_keystroke_step_runs_through_the_public_api_when_the_private_one_is_gone(files):
    # The keystroke skips onnxruntime's per-call Python checks through its inner session
    # (editor/core/lm.py _run_checked); an onnxruntime without it must still step, the same.
    model = LanguageModel.load(files["lstm"])

    class Public:  # only what onnxruntime documents
        def __init__(self, session):
            self.session = session

        def run(self, names, feed):
            return self.session.run(names, feed)

    want = model.run([5], *model.zero_state())
    model.step = Public(model.step)
    got = model.run([5], *model.zero_state())
    for name in ("logits", "h", "c", "h_seq", "c_seq", "gates"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
