"""`caminho-train export --int8`: a smaller Caminho model the editor runs like the float one."""

import json

import numpy as np
import pytest

from editor.core.lm import LanguageModel
from editor.core.suggest import Suggester, softmax
from training.config import ModelConfig, TrainConfig
from training.errors import ExportError
from training.export import export_random_model
from training.quantize import QUANTIZATION_KEY, quantize_file
from training.train import train


@pytest.fixture(scope="module")
def float_model(tmp_path_factory):
    # Big enough that the weights, not the graph, make most of the file.
    path = tmp_path_factory.mktemp("q") / "float.onnx"
    return export_random_model(path, 3000, embedding=32, hidden=32)


def test_int8_file_is_a_smaller_caminho_model_with_close_predictions(float_model, tmp_path):
    out = tmp_path / "int8.onnx"
    report = quantize_file(float_model, out)
    assert out.stat().st_size == report.bytes_after < 0.4 * float_model.stat().st_size
    a, b = LanguageModel.load(float_model), LanguageModel.load(out)
    # The contract is unchanged: same vocabulary and sizes; the quantization is declared.
    assert b.info.vocab == a.info.vocab and b.info.hidden == a.info.hidden
    meta = dict(b.session.get_modelmeta().custom_metadata_map)
    assert json.loads(meta[QUANTIZATION_KEY])["weights"] == "int8"
    ids = list(np.random.default_rng(1).integers(2, a.info.vocab_size, 40))
    pa = np.stack([softmax(r) for r in a.run(ids, *a.zero_state()).logits])
    pb = np.stack([softmax(r) for r in b.run(ids, *b.zero_state()).logits])
    # A random model's distribution is nearly flat, so its top token is a coin toss between
    # close neighbours; the probabilities themselves must stay close.
    assert np.abs(pa - pb).max() < 0.01 and report.max_prob_diff < 0.01
    # The editor's engine runs it.
    assert Suggester(b).suggest("palavra1 palavra2 ").words


def test_refuses_what_it_cannot_quantize(float_model, tmp_path):
    out = tmp_path / "int8.onnx"
    quantize_file(float_model, out)
    with pytest.raises(ExportError, match="already quantized"):
        quantize_file(out, tmp_path / "twice.onnx")
    assert not (tmp_path / "twice.onnx").exists()
    import onnx

    plain = onnx.load(str(float_model))
    del plain.metadata_props[:]
    onnx.save(plain, str(tmp_path / "plain.onnx"))
    with pytest.raises(ExportError, match="not a Caminho model"):
        quantize_file(tmp_path / "plain.onnx", tmp_path / "p8.onnx")


def test_export_int8_from_the_command_line(cli, poem_path, tmp_path):
    ck = tmp_path / "run.ckpt"
    train([poem_path], ModelConfig(embedding=8, hidden=16), TrainConfig(epochs=1), checkpoint=ck)
    out = tmp_path / "m.onnx"
    result = cli("export", ck, "--out", out, "--int8")
    assert result.returncode == 0, result.stderr
    assert "quantized" in result.stderr and "int8" in result.stderr
    model = LanguageModel.load(out)
    meta = dict(model.session.get_modelmeta().custom_metadata_map)
    assert QUANTIZATION_KEY in meta and "training" in meta


def test_int8_poem_model_suggests_what_the_float_one_does(bundled_model, tmp_path):
    # A trained model (unlike the random one above) has clear favourites: quantizing its
    # weights must not change the editor's first suggestion or the model's top token.
    out = tmp_path / "poem-int8.onnx"
    report = quantize_file(bundled_model, out)
    a, b = LanguageModel.load(bundled_model), LanguageModel.load(out)
    assert report.top1_agreement >= 0.9
    contexts = ["No meio do ", "No meio do caminho tinha uma ", "tinha uma pedra no meio do ",
                "Nunca me esquecerei desse ", "na vida de minhas retinas tão "]
    for text in contexts:
        fa, fb = Suggester(a).suggest(text), Suggester(b).suggest(text)
        assert fa.words and fa.words[0] == fb.words[0], text
        assert fa.top_tokens[0][0] == fb.top_tokens[0][0], text


def test_auto_weights_quantize_large_models_and_keep_small_ones_float(tmp_path, capsys):
    from training.cli import _apply_weights
    from training.quantize import INT8_FROM_WEIGHTS, wants_int8

    # The rule: by the output layer's size; an explicit choice wins.
    assert not wants_int8("auto", 24, 128) and wants_int8("auto", 12000, 512)
    assert wants_int8("int8", 24, 128) and not wants_int8("float", 12000, 512)
    small = export_random_model(tmp_path / "small.onnx", 3000, embedding=16, hidden=32)
    large = export_random_model(tmp_path / "large.onnx", INT8_FROM_WEIGHTS // 256 + 1,
                                embedding=16, hidden=256)
    small_bytes, large_bytes = small.stat().st_size, large.stat().st_size
    for path in (small, large):
        info = LanguageModel.load(path).info
        _apply_weights(path, "auto", info.vocab_size, info.hidden)
    assert small.stat().st_size == small_bytes  # untouched
    assert large.stat().st_size < 0.5 * large_bytes  # the recurrent matrix stays float
    meta = dict(LanguageModel.load(large).session.get_modelmeta().custom_metadata_map)
    assert QUANTIZATION_KEY in meta
    assert "quantized" in capsys.readouterr().err


def test_an_int8_file_that_moves_probabilities_too_far_is_not_written(float_model, tmp_path):
    out = tmp_path / "int8.onnx"
    report = quantize_file(float_model, out, max_prob_shift=0.0)
    assert report.kept_float and not out.exists()


def test_train_keeps_the_poem_model_float_by_default(cli, poem_path, tmp_path):
    out = tmp_path / "poem.onnx"
    result = cli("train", poem_path, "--out", out, "--epochs", "1", "--hidden", "16",
                 "--embedding", "8", "--quiet")
    assert result.returncode == 0, result.stderr
    meta = dict(LanguageModel.load(out).session.get_modelmeta().custom_metadata_map)
    assert QUANTIZATION_KEY not in meta
    out8 = tmp_path / "poem8.onnx"
    result = cli("train", poem_path, "--out", out8, "--epochs", "1", "--hidden", "16",
                 "--embedding", "8", "--quiet", "--weights", "int8")
    assert result.returncode == 0, result.stderr
    meta = dict(LanguageModel.load(out8).session.get_modelmeta().custom_metadata_map)
    assert QUANTIZATION_KEY in meta
