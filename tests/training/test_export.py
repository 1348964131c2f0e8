"""The ONNX file: graph and metadata as docs/MODEL_FORMAT.md says, numbers as PyTorch computes."""

import json

import numpy as np
import pytest
import torch

from editor.core.modelfile import INPUTS, LAST_ONLY_INPUT, LEAN_INPUT, OUTPUTS
from editor.core.tokenizer import TOKENIZER_VERSION
from training.errors import ExportError
from training.export import (
    check_parity,
    export_random_model,
    random_model,
    session,
)
from training.model import ExportableLSTM, LanguageModel, ModelConfig

pytestmark = pytest.mark.slow  # each export traces the model (seconds)

CONFIG = ModelConfig(vocab_size=40, embedding=12, hidden=16, layers=2, tie=True)  # projected


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """One export for the whole module, through the fixture helper editor tests use."""
    path = tmp_path_factory.mktemp("export") / "model.onnx"
    settings = {"embedding": 12, "hidden": 16, "layers": 2, "seed": 3, "tie": True}
    export_random_model(path, 40, check=True, **settings)  # raises if parity fails
    model = random_model(40, **settings)
    assert model.config == CONFIG
    return model, path


def test_parity_report_and_atomic_write(exported):
    model, path = exported
    parity = check_parity(model, path)
    assert set(parity) == set(OUTPUTS) | {"nn.LSTM", "lean"}  # lean: the fused LSTM branch
    assert max(parity.values()) <= 1e-4
    assert [p.name for p in path.parent.iterdir()] == ["model.onnx"]  # no temporary left over


@pytest.mark.parametrize("length", [1, 5, 37])
def test_parity_whole_and_stepwise(exported, length):
    model, path = exported
    sess = session(path)
    twin = ExportableLSTM(model).eval()
    gen = torch.Generator().manual_seed(length)
    tokens = torch.randint(0, CONFIG.vocab_size, (3, length), generator=gen)
    h0 = torch.randn(CONFIG.layers, 3, CONFIG.hidden, generator=gen)
    c0 = torch.randn(CONFIG.layers, 3, CONFIG.hidden, generator=gen)
    with torch.no_grad():
        want = [t.numpy() for t in twin(tokens, h0, c0)]
        fused_logits, (fused_h, fused_c) = model(tokens, (h0, c0))
    np.testing.assert_allclose(want[0], fused_logits.numpy(), atol=1e-4, rtol=0)
    np.testing.assert_allclose(want[1], fused_h.numpy(), atol=1e-4, rtol=0)
    np.testing.assert_allclose(want[2], fused_c.numpy(), atol=1e-4, rtol=0)

    feed = {"tokens": tokens.numpy(), "h0": h0.numpy(), "c0": c0.numpy()}
    whole = sess.run(list(OUTPUTS), feed)
    for name, got, ref in zip(OUTPUTS, whole, want, strict=True):
        assert got.shape == ref.shape, name
        np.testing.assert_allclose(got, ref, atol=1e-4, rtol=0, err_msg=name)

    h, c = h0.numpy(), c0.numpy()
    steps = []
    for t in range(length):
        out = sess.run(list(OUTPUTS), {"tokens": tokens[:, t : t + 1].numpy(), "h0": h, "c0": c})
        h, c = out[1], out[2]
        steps.append(out)
    np.testing.assert_allclose(h, want[1], atol=1e-4, rtol=0)
    np.testing.assert_allclose(c, want[2], atol=1e-4, rtol=0)
    for k in (0, 3, 4, 5):  # per-step outputs, concatenated over time
        got = np.concatenate([s[k] for s in steps], axis=1)
        np.testing.assert_allclose(got, want[k], atol=1e-4, rtol=0, err_msg=OUTPUTS[k])


def test_graph_inputs_outputs(exported):
    import onnx

    _, path = exported
    proto = onnx.load(str(path))
    assert max(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")) >= 17

    def dims(value):
        return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

    inputs = {i.name: i for i in proto.graph.input}
    outputs = {o.name: o for o in proto.graph.output}
    # Issue 18 added two optional inputs after the three: bool scalars whose initializers make
    # them default to a whole run with every internal, so readers that feed only the three
    # see no change.
    assert list(inputs) == [*INPUTS, LAST_ONLY_INPUT, LEAN_INPUT]
    initializers = {i.name: i for i in proto.graph.initializer}
    for name, whole in ((LAST_ONLY_INPUT, False), (LEAN_INPUT, True)):
        assert inputs[name].type.tensor_type.elem_type == onnx.TensorProto.BOOL
        assert bool(onnx.numpy_helper.to_array(initializers[name])) is whole
    assert list(outputs) == list(OUTPUTS)
    assert inputs["tokens"].type.tensor_type.elem_type == onnx.TensorProto.INT64
    b, t = dims(inputs["tokens"])
    assert isinstance(b, str) and isinstance(t, str)  # dynamic batch and time
    assert dims(inputs["h0"]) == [2, b, 16]
    assert dims(outputs["logits"]) == [b, t, 40]
    assert dims(outputs["h"]) == dims(outputs["c"]) == [2, b, 16]
    assert dims(outputs["h_seq"]) == dims(outputs["c_seq"]) == [b, t, 2, 16]
    assert dims(outputs["gates"]) == [b, t, 2, 4, 16]


def test_metadata(exported):
    _, path = exported
    meta = dict(session(path).get_modelmeta().custom_metadata_map)
    assert set(meta) == {"caminho_format", "cell", "vocab", "surface", "tokenizer", "sizes",
                         "training"}
    assert meta["caminho_format"] == "2" and meta["cell"] == "lstm"  # format 2 names its cell
    vocab = json.loads(meta["vocab"])
    assert vocab[:3] == ["<unk>", "<doc>", "\n"] and len(vocab) == 40
    assert json.loads(meta["surface"]) == vocab
    assert json.loads(meta["tokenizer"]) == {
        "name": "caminho-words", "version": TOKENIZER_VERSION, "lowercase": True,
        "normalization": "NFC", "newline": "\n", "unk": "<unk>", "doc": "<doc>",
    }
    assert json.loads(meta["sizes"]) == {"vocab": 40, "embedding": 12, "hidden": 16, "layers": 2}
    training = json.loads(meta["training"])
    assert {"corpus", "tokens", "epochs", "seconds", "seed", "created", "metrics",
            "hyperparameters"} <= set(training)


def test_editor_accepts_the_file(exported):
    lm = pytest.importorskip("editor.core.lm")
    _, path = exported
    model = lm.LanguageModel.load(path)
    assert model.info.vocab_size == 40 and model.info.layers == 2 and model.info.hidden == 16


def test_parity_check_catches_a_wrong_file(exported):
    model, path = exported
    other = LanguageModel(CONFIG).eval()
    other.load_state_dict(model.state_dict())
    with torch.no_grad():
        other.decoder.bias[5] += 0.01
    with pytest.raises(ExportError, match="logits"):
        check_parity(other, path, lengths=(2,))


def test_random_model_runs(exported):
    _, path = exported
    sess = session(path)
    h = np.zeros((2, 1, 16), np.float32)
    logits, *_ = sess.run(None, {"tokens": np.array([[1, 5, 7]]), "h0": h, "c0": h})
    assert logits.shape == (1, 3, 40) and np.isfinite(logits).all()
