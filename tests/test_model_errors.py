"""Every way a model file can be wrong gives a clear ModelError, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from editor.lm import FORMAT_VERSION, LanguageModel, ModelError
from editor.resources import bundled_model_path

BUNDLED = bundled_model_path()


def with_metadata(tmp_path: Path, name: str, **changes: str | None) -> Path:
    """The bundled model with some metadata entries replaced (None removes one)."""
    model = onnx.load(str(BUNDLED))
    props = {p.key: p.value for p in model.metadata_props}
    for key, value in changes.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    del model.metadata_props[:]
    for key, value in props.items():
        model.metadata_props.add(key=key, value=value)
    path = tmp_path / name
    onnx.save(model, str(path))
    return path


def load_error(path: Path) -> str:
    with pytest.raises(ModelError) as info:
        LanguageModel.load(path)
    return str(info.value)


def test_bundled_model_loads_and_describes_itself():
    model = LanguageModel.load(BUNDLED)
    assert model.info.format_version == FORMAT_VERSION
    assert model.info.vocab[:2] == ["<unk>", "<doc>"]
    assert "caminho" in model.ids and "\n" in model.ids
    assert model.info.training.get("corpus")
    assert BUNDLED.stat().st_size < 1_000_000


def test_missing_file(tmp_path):
    assert "not found" in load_error(tmp_path / "nope.onnx")


def test_zero_bytes(tmp_path):
    p = tmp_path / "empty.onnx"
    p.write_bytes(b"")
    assert "empty" in load_error(p)


def test_truncated(tmp_path):
    p = tmp_path / "cut.onnx"
    p.write_bytes(BUNDLED.read_bytes()[: BUNDLED.stat().st_size // 2])
    assert "not a usable ONNX model" in load_error(p)


def test_random_bytes(tmp_path):
    p = tmp_path / "noise.onnx"
    p.write_bytes(np.random.default_rng(0).bytes(5000))
    msg = load_error(p)
    assert "noise.onnx" in msg and "not a usable ONNX model" in msg


def test_a_directory(tmp_path):
    assert "Not a file" in load_error(tmp_path)


def test_plain_onnx_without_caminho_metadata(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    p = tmp_path / "other.onnx"
    onnx.save(helper.make_model(graph), str(p))
    assert "not a Caminho model" in load_error(p)


def test_valid_onnx_with_wrong_inputs(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    model = helper.make_model(graph)
    src = {p.key: p.value for p in onnx.load(str(BUNDLED)).metadata_props}
    for key, value in src.items():
        model.metadata_props.add(key=key, value=value)
    p = tmp_path / "wrong-io.onnx"
    onnx.save(model, str(p))
    assert "inputs" in load_error(p)


def test_vocab_that_does_not_match_the_output_size(tmp_path):
    vocab = json.loads({p.key: p.value for p in onnx.load(str(BUNDLED)).metadata_props}["vocab"])
    sizes = {p.key: p.value for p in onnx.load(str(BUNDLED)).metadata_props}["sizes"]
    bigger = vocab + ["extra"]
    sizes2 = json.loads(sizes)
    sizes2["vocab"] = len(bigger)
    p = with_metadata(tmp_path, "mismatch.onnx", vocab=json.dumps(bigger),
                      sizes=json.dumps(sizes2), surface=None)
    msg = load_error(p)
    assert str(len(vocab)) in msg and str(len(bigger)) in msg
    p2 = with_metadata(tmp_path, "mismatch2.onnx", vocab=json.dumps(bigger), surface=None)
    assert "sizes.vocab" in load_error(p2)


def test_newer_format_version(tmp_path):
    p = with_metadata(tmp_path, "future.onnx", caminho_format=str(FORMAT_VERSION + 1))
    msg = load_error(p)
    assert "newer Caminho" in msg and f"format {FORMAT_VERSION + 1}" in msg


def test_unknown_tokenizer_version(tmp_path):
    p = with_metadata(tmp_path, "tok.onnx", tokenizer=json.dumps({"version": 99}))
    assert "tokenizer version 99" in load_error(p)


def test_missing_and_malformed_metadata(tmp_path):
    assert "lacks vocab" in load_error(with_metadata(tmp_path, "a.onnx", vocab=None))
    assert "not valid JSON" in load_error(with_metadata(tmp_path, "b.onnx", vocab="[oops"))
    assert "not a number" in load_error(with_metadata(tmp_path, "c.onnx", caminho_format="x"))
