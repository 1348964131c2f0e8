"""Every way a model file can be wrong gives a clear ModelError, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from editor.core.lm import LanguageModel, ModelError
from editor.core.modelfile import FORMAT_VERSION
from editor.core.resources import bundled_model_path

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
    # Rebuilt by issue 18 (format 2, both fast-path inputs); the format 1 file it replaced is
    # tests/fixtures/poem-format1.onnx (tests/editor/core/test_compare.py loads it).
    assert model.info.format_version == FORMAT_VERSION
    assert model.info.cell == "lstm" and model.info.has_cell
    assert model.scores_last_only and model.lean
    assert model.info.vocab[:2] == ["<unk>", "<doc>"]
    assert "caminho" in model.ids and "\n" in model.ids
    assert model.info.training.get("corpus")
    # 1.4 MB: the recurrent weights three times over (the Scan graph, the fused branch and the
    # one-token step graph, docs/MODEL_FORMAT.md `step_graph`); still a small file to ship.
    assert model.step is not None
    assert BUNDLED.stat().st_size < 1_500_000


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


def test_cell_kinds_the_editor_does_not_know_or_that_do_not_fit_the_graph(tmp_path):
    """Format 2 names the cell (issue 19). A cell the editor does not know, or a file whose
    graph is not the one its cell has (an LSTM graph labelled GRU), is refused in words."""
    msg = load_error(with_metadata(tmp_path, "t.onnx", caminho_format="2", cell="transformer"))
    assert "recurrent cell this editor does not know ('transformer')" in msg
    msg = load_error(with_metadata(tmp_path, "g.onnx", caminho_format="2", cell="gru"))
    assert "expected ['tokens', 'h0'] for its cell (GRU)" in msg
    # Format 2 with the cell named lstm is the bundled graph, as format 1 without the key.
    model = LanguageModel.load(with_metadata(tmp_path, "l.onnx", caminho_format="2", cell="lstm"))
    assert model.info.cell == "lstm" and model.info.format_version == 2


def test_unknown_tokenizer_version(tmp_path):
    p = with_metadata(tmp_path, "tok.onnx", tokenizer=json.dumps({"version": 99}))
    assert "tokenizer version 99" in load_error(p)


def test_missing_and_malformed_metadata(tmp_path):
    assert "lacks vocab" in load_error(with_metadata(tmp_path, "a.onnx", vocab=None))
    assert "not valid JSON" in load_error(with_metadata(tmp_path, "b.onnx", vocab="[oops"))
    assert "not a number" in load_error(with_metadata(tmp_path, "c.onnx", caminho_format="x"))


def bundled_sizes() -> dict:
    return json.loads({p.key: p.value for p in onnx.load(str(BUNDLED)).metadata_props}["sizes"])


@pytest.mark.parametrize("value, shown", [
    ("Infinity", "Infinity"), ("NaN", "NaN"), ("1e999", "Infinity"), ("127.5", "127.5"),
    ('"128"', '"128"'), ("true", "true"), ("null", "null")])
def test_sizes_that_are_not_whole_numbers(tmp_path, value, shown):
    # Issue 13 item 13: Infinity ended in "cannot convert float infinity to integer", and
    # 127.5 or "128" were silently rounded or parsed.
    sizes = json.dumps(bundled_sizes()).replace('"hidden": 128', f'"hidden": {value}')
    msg = load_error(with_metadata(tmp_path, "inf.onnx", sizes=sizes))
    assert f"the model file's sizes are not whole numbers (hidden: {shown})" in msg
    assert "convert" not in msg and "int()" not in msg


def test_sizes_that_are_negative_huge_or_not_an_object(tmp_path):
    sizes = bundled_sizes()
    msg = load_error(with_metadata(tmp_path, "neg.onnx", sizes=json.dumps({**sizes, "layers": 0})))
    assert "sizes must be positive (layers: 0)" in msg
    # A huge hidden size must be refused before a state of that size is allocated.
    msg = load_error(with_metadata(tmp_path, "huge.onnx",
                                   sizes=json.dumps({**sizes, "hidden": 10**12})))
    assert "far larger than any model" in msg
    msg = load_error(with_metadata(tmp_path, "big.onnx",
                                   sizes=json.dumps({**sizes, "hidden": 4096})))
    assert "the graph's state is [1, 'B', 128]" in msg and "1 layer(s) of 4096" in msg
    msg = load_error(with_metadata(tmp_path, "list.onnx", sizes="[24, 64, 128, 1]"))
    assert "sizes are not a JSON object" in msg and "list indices" not in msg
    del sizes["hidden"]
    assert "sizes lack hidden" in load_error(
        with_metadata(tmp_path, "lack.onnx", sizes=json.dumps(sizes)))


def test_a_deeply_nested_vocabulary(tmp_path):
    # Issue 13 item 13: the message was Python's "maximum recursion depth exceeded".
    deep = "[" * 100_000 + "]" * 100_000
    msg = load_error(with_metadata(tmp_path, "deep.onnx", vocab=deep))
    assert msg.startswith("deep.onnx: the vocabulary is not a list of words")
    assert "recursion" not in msg
    msg = load_error(with_metadata(tmp_path, "deep2.onnx", tokenizer='{"a":' * 100_000 + "1"
                                   + "}" * 100_000))
    assert "the tokenizer description nests lists or objects too deeply" in msg
    assert "a list of words" in load_error(with_metadata(tmp_path, "ints.onnx", vocab="[1, 2]"))


# --- external data: weights in other files, which onnxruntime reads relative to the model -----


def external_model(folder: Path, location: str, name: str) -> Path:
    """A plain ONNX graph whose only weight lives in an external file at `location`."""
    weight = TensorProto()
    weight.name, weight.data_type = "w", TensorProto.FLOAT
    weight.dims.extend([4])
    weight.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "16")):
        entry = weight.external_data.add()
        entry.key, entry.value = key, value
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])
    graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "g", [x], [y],
                              initializer=[weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    # Caminho's metadata, so that only the external data can be what is refused.
    for key, value in {p.key: p.value for p in onnx.load(str(BUNDLED)).metadata_props}.items():
        model.metadata_props.add(key=key, value=value)
    path = folder / name
    path.write_bytes(model.SerializeToString())  # onnx.save would check the location itself
    return path


@pytest.fixture
def models_folder(tmp_path: Path) -> Path:
    """models/ with a weight file inside it, and a 'secret' beside it, outside models/."""
    folder = tmp_path / "models"
    folder.mkdir()
    secret = np.arange(4, dtype=np.float32).tobytes()
    (tmp_path / "secret.bin").write_bytes(secret)
    (folder / "inside.bin").write_bytes(secret)
    return folder


def test_onnxruntime_meets_the_version_pyproject_requires():
    # The refusals below are onnxruntime's; pyproject.toml requires the version that was
    # checked to make them. An older one may read the files outside the model's folder.
    import re

    import onnxruntime

    pyproject = (Path(__file__).resolve().parents[3] / "pyproject.toml").read_text("utf-8")
    floor = re.search(r'"onnxruntime>=([\d.]+)"', pyproject).group(1)
    as_tuple = [tuple(int(p) for p in v.split(".")[:2]) for v in (onnxruntime.__version__, floor)]
    assert as_tuple[0] >= as_tuple[1] >= (1, 32)


def test_external_data_inside_the_folder_is_read(models_folder):
    # The control: onnxruntime does read external data beside the model, so the refusals
    # below come from where the data is, not from external data as such.
    path = external_model(models_folder, "inside.bin", "inside.onnx")
    msg = load_error(path)
    assert "inputs" in msg  # it got as far as Caminho's own checks of the graph


def test_external_data_outside_the_folder_is_refused(models_folder, tmp_path):
    # Issue 13: these were refused as "damaged, truncated or another format".
    msg = load_error(external_model(models_folder, "../secret.bin", "dotdot.onnx"))
    assert msg.startswith("dotdot.onnx refers to data outside its folder (../secret.bin, that is ")
    assert "which is refused" in msg and "damaged" not in msg

    msg = load_error(external_model(models_folder, str(tmp_path / "secret.bin"), "abs.onnx"))
    assert msg.startswith("abs.onnx refers to data by an absolute path, outside its folder")
    assert "which is refused" in msg

    msg = load_error(external_model(models_folder, "nowhere.bin", "missing.onnx"))
    assert msg == ("missing.onnx keeps its weights in another file, nowhere.bin, which is not "
                   "in its folder.")


def test_external_data_through_a_symlink_out_of_the_folder_is_refused(models_folder, tmp_path):
    link = models_folder / "link.bin"
    try:
        link.symlink_to(tmp_path / "secret.bin")
    except OSError:
        pytest.skip("symbolic links are not allowed here")
    msg = load_error(external_model(models_folder, "link.bin", "link.onnx"))
    assert msg.startswith("link.onnx refers to data outside its folder (link.bin, that is ")
    assert str(tmp_path / "secret.bin") in msg and "which is refused" in msg
