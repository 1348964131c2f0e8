"""`logits_last_only`: the exported graph scores only the last position when asked, with the
same numbers as a whole run, and every reader that does not ask gets the graph it always got."""

import numpy as np
import onnx
import pytest

from editor.core.context import ContextTracker
from editor.core.lm import LanguageModel
from editor.core.modelfile import LAST_ONLY_INPUT as LAST_ONLY
from editor.core.modelfile import LEAN_INPUT, OUTPUTS
from editor.core.suggest import Suggester
from training.export import export_random_model, session
from training.fastpath import add_last_only_input


def old_style_file(path):
    """The poem model's sizes and a random LSTM, written as files were before issue 18."""
    from training.export import metadata, random_model, random_vocab, to_onnx

    model = random_model(24)
    proto = to_onnx(model)
    vocab = random_vocab(24)
    for key, value in metadata(vocab, vocab, model.config, {"random": True}).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(path))
    return path


@pytest.fixture(scope="module")
def two_layers(tmp_path_factory):
    path = tmp_path_factory.mktemp("fp") / "m.onnx"
    return export_random_model(path, 300, embedding=8, hidden=12, layers=2, seed=3)


@pytest.mark.parametrize("length", [1, 5, 37])
def test_last_only_equals_the_last_row_of_a_whole_run(two_layers, length):
    sess = session(two_layers)
    # Older readers see the three inputs they know; the flags are overridable defaults.
    assert [i.name for i in sess.get_inputs()] == ["tokens", "h0", "c0"]
    assert [i.name for i in sess.get_overridable_initializers()] == [LAST_ONLY, LEAN_INPUT]
    rng = np.random.default_rng(length)
    feed = {"tokens": rng.integers(0, 300, (2, length)),
            "h0": (rng.standard_normal((2, 2, 12)) * 0.5).astype(np.float32),
            "c0": (rng.standard_normal((2, 2, 12)) * 0.5).astype(np.float32)}
    whole = sess.run(list(OUTPUTS), feed)
    last = sess.run(list(OUTPUTS), {**feed, LAST_ONLY: np.array(True)})
    assert whole[0].shape == (2, length, 300) and last[0].shape == (2, 1, 300)
    assert np.abs(last[0] - whole[0][:, -1:]).max() <= 1e-5
    for name, a, b in zip(OUTPUTS[1:], last[1:], whole[1:], strict=True):
        assert np.abs(a - b).max() <= 1e-5, name  # states and gates are untouched
    default = sess.run(list(OUTPUTS), {**feed, LAST_ONLY: np.array(False)})
    assert np.array_equal(default[0], whole[0])


def test_the_editor_uses_it_and_gets_the_same_suggestions(two_layers):
    model = LanguageModel.load(two_layers)
    assert model.scores_last_only
    ids = [1, 5, 9, 12, 40, 7]
    whole = model.run(ids, *model.zero_state())
    last = model.run(ids, *model.zero_state(), last_only=True)
    assert last.logits.shape == (1, 300)
    assert np.abs(last.logits[0] - whole.logits[-1]).max() <= 1e-5
    # The tracker re-reads text with it; the engine's answers are those of a whole run.
    plain = LanguageModel(model.session, model.info, model.ids)  # never asks for it
    a, b = Suggester(model), Suggester(plain)
    for text in ("palavra1 palavra2 ", "palavra1 palavra2 palavra3 pal", "de que o "):
        sa, sb = a.suggest(text), b.suggest(text)
        assert sa.words == sb.words and sa.ghost == sb.ghost
        assert np.abs(a.tracker.logits - b.tracker.logits).max() <= 1e-5


def test_old_files_still_load_and_run_whole(tmp_path):
    # A file exported before the input existed: the exporter's graph as it comes.
    model = LanguageModel.load(old_style_file(tmp_path / "old.onnx"))
    assert not model.scores_last_only and not model.lean
    out = model.run([model.doc_id, 5, 6], *model.zero_state(), last_only=True)
    assert out.logits.shape == (3, model.info.vocab_size)
    tracker = ContextTracker(model)
    assert tracker.update([model.doc_id, 5, 6]).shape == (model.info.vocab_size,)


def test_a_flag_that_computes_something_else_is_not_used(two_layers, tmp_path):
    # A crafted file whose flag scores the wrong position: the load check compares it with a
    # whole run and the editor runs the file whole.
    proto = onnx.load(str(two_layers))
    for init in proto.graph.initializer:
        if init.name == "fp_last":
            init.CopyFrom(onnx.numpy_helper.from_array(np.array([-2], np.int64), "fp_last"))
    bad = tmp_path / "bad.onnx"
    onnx.save(proto, str(bad))
    model = LanguageModel.load(bad)
    assert not model.scores_last_only
    assert model.run([1, 2, 3], *model.zero_state(), last_only=True).logits.shape == (3, 300)


def test_graphs_it_does_not_recognise_are_left_alone(two_layers):
    proto = onnx.load(str(two_layers))
    again = onnx.ModelProto()
    again.CopyFrom(proto)
    add_last_only_input(again)  # already there: nothing added twice
    assert again.SerializeToString() == proto.SerializeToString()
    plain = onnx.helper.make_model(onnx.helper.make_graph(
        [onnx.helper.make_node("Identity", ["x"], ["logits"])], "g",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
        [onnx.helper.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, [1])]))
    before = plain.SerializeToString()
    assert add_last_only_input(plain).SerializeToString() == before  # no h_seq: unchanged
