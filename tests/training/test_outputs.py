"""What `caminho-train` reads and writes: never its own input, never a file it does not own,
never a FIFO or a device, and every refusal a one-line message before any training."""

import json
import os
import pickle
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
import torch

from training.checkpoint import KIND, VERSION, load_checkpoint
from training.config import TrainConfig
from training.errors import CheckpointError, CorpusError
from training.export import export_random_model
from training.outputs import check_output, is_caminho_model
from training.train import train

ROOT = Path(__file__).resolve().parents[2]
QUICK = ["--epochs", "1", "--embedding", "8", "--hidden", "16", "--quiet", "--no-check"]


def refused(result, *expected: str) -> None:
    """A one-line refusal: status 2, no traceback, every expected phrase."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("caminho-train: error: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for phrase in expected:
        assert phrase in result.stderr, result.stderr


@pytest.fixture
def notes(tmp_path, poem_path) -> Path:
    path = tmp_path / "notes.txt"
    shutil.copy(poem_path, path)
    return path


# -- 13.4: the output is never one of the inputs, nor a file that is not a model -----------------


def test_out_that_is_the_corpus_is_refused(cli, notes):
    # Bug: `train notes.txt --out notes.txt` replaced the writing with the model, exit 0.
    before = notes.read_bytes()
    for extra in ([], ["--force"]):  # --force replaces models, never the corpus
        refused(cli("train", notes, "--out", notes, *QUICK, *extra),
                "is one of the input files", "notes.txt")
    assert notes.read_bytes() == before


def test_out_through_a_link_to_the_corpus_is_refused(cli, notes, tmp_path):
    link = tmp_path / "model.onnx"
    link.symlink_to(notes)
    refused(cli("train", notes, "--out", link, *QUICK), "is one of the input files")
    assert notes.read_bytes().startswith(b"No meio do caminho")


def test_existing_files_that_are_not_models_are_left_alone(cli, notes, tmp_path):
    # Bug: --out overwrote any existing file silently.
    for name, data in (("essay.txt", b"Um texto que importa.\n"),
                       ("fake.onnx", b"\x08\x07not really a model"),
                       ("empty.onnx", b"")):
        other = tmp_path / name
        other.write_bytes(data)
        for extra in ([], ["--force"]):
            refused(cli("train", notes, "--out", other, *QUICK, *extra),
                    "already exists and is not a Caminho model", name)
        assert other.read_bytes() == data
    refused(cli("train", notes, "--out", tmp_path, *QUICK), "is a folder")


@pytest.mark.slow
def test_an_existing_model_needs_force(cli, notes, tmp_path):
    out = tmp_path / "notes.onnx"
    export_random_model(out, 30, embedding=4, hidden=4)
    before = out.read_bytes()
    refused(cli("train", notes, "--out", out, *QUICK), "already holds a model", "--force")
    assert out.read_bytes() == before
    result = cli("train", notes, "--out", out, *QUICK, "--force")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() != before and is_caminho_model(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.onnx", "notes.txt"]


def test_export_checks_its_output_too(cli, tmp_path):
    essay = tmp_path / "essay.txt"
    essay.write_text("Um texto que importa.\n", encoding="utf-8")
    refused(cli("export", tmp_path / "run.ckpt", "--out", essay), "is not a Caminho model")
    assert essay.read_text(encoding="utf-8") == "Um texto que importa.\n"


def test_checkpoint_never_replaces_the_corpus_or_the_model(cli, notes, tmp_path):
    refused(cli("train", notes, "--out", tmp_path / "m.onnx", "--checkpoint", notes, *QUICK),
            "is one of the corpus files")
    refused(cli("train", notes, "--out", tmp_path / "m.onnx", "--checkpoint",
                tmp_path / "m.onnx", *QUICK), "is the --out file")
    essay = tmp_path / "essay.txt"
    essay.write_text("texto\n", encoding="utf-8")
    refused(cli("train", notes, "--out", tmp_path / "m.onnx", "--checkpoint", essay, *QUICK),
            "is not a Caminho checkpoint")
    assert essay.read_text(encoding="utf-8") == "texto\n"
    assert not (tmp_path / "m.onnx").exists()


def test_check_output_accepts_a_new_file_in_a_new_folder(tmp_path, notes):
    check_output(tmp_path / "a" / "b" / "m.onnx", [notes], force=False)
    assert not (tmp_path / "a").exists()  # checking creates nothing


# -- 13.11: an unwritable folder is found before training, and named --------------------------


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write in: read-only mode, or /sys when running as root
    (root ignores modes)."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
        return folder
    folder = Path("/sys")
    try:
        (folder / ".caminho-probe").write_bytes(b"")
    except OSError:
        return folder
    pytest.skip("no folder here refuses writes")


def test_unwritable_out_folder_is_refused_before_training(cli, notes, tmp_path):
    # Bug: found only after the whole run, and the message named a hidden temporary file.
    folder = unwritable_folder(tmp_path)
    result = cli("train", notes, "--out", folder / "m.onnx", "--progress-json",
                 *QUICK[:-2])
    refused(result, f"cannot write in the folder {folder}", "choose another --out")
    assert ".tmp" not in result.stderr
    # Not one epoch ran: the one line for the editor is the error itself.
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["error"]["code"] for line in lines] == ["outputs.folder_not_writable"]
    result = cli("train", notes, "--out", tmp_path / "m.onnx", "--checkpoint",
                 folder / "sub" / "run.ckpt", *QUICK)
    refused(result, f"cannot write in the folder (to create it in) {folder}",
            "choose another --checkpoint")


# -- 13.6: FIFOs and devices are refused, not read ----------------------------------------------


def test_fifo_and_devices_are_refused(cli, tmp_path):
    # Bug: `train FIFO` blocked for ever, `train /dev/zero` read until memory ran out.
    fifo = tmp_path / "corpus.fifo"
    os.mkfifo(fifo)
    for source in (fifo, Path("/dev/zero")):
        result = cli("train", source, "--out", tmp_path / "m.onnx", *QUICK, timeout=60)
        refused(result, str(source), "is not a regular file")
        result = cli("evaluate", ROOT / "resources/models/no-meio-do-caminho.onnx", source,
                     timeout=60)
        refused(result, "is not a regular file")


def test_load_documents_refuses_a_fifo_without_opening_it(tmp_path):
    from training.data import load_documents

    fifo = tmp_path / "corpus.fifo"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer for ever
    with pytest.raises(CorpusError, match="not a regular file"):
        load_documents([fifo])


# -- 13.9, 13.12: checkpoints that are not Caminho's ---------------------------------------------


def fake_checkpoint(path: Path, **fields) -> Path:
    data = {"kind": KIND, "version": VERSION, "model_config": {}, "train_config": {},
            "vocab": ["<unk>", "<doc>"], "surface": ["<unk>", "<doc>"], "model": {}, "epoch": 0}
    data.update(fields)
    torch.save(data, path)
    return path


@pytest.mark.parametrize(("fields", "expected"), [
    ({"version": "abc"}, "its version ('abc') is not a whole number"),
    ({"version": None}, "its version (None) is not a whole number"),
    ({"version": [1]}, "is not a whole number"),
    ({"version": 99}, "written by a newer caminho-train (version 99)"),
    ({"epoch": "three"}, "its epoch ('three') is not a whole number"),
    ({"vocab": "abc"}, "its vocab is not a list of words"),
    ({"model_config": [1, 2]}, "its model_config is not a table"),
    ({"train_config": {"epochs": "many"}}, "its train_config is invalid"),
    ({"surface": ["<unk>"]}, "differ in length"),
])
def test_malformed_checkpoints_give_one_line(cli, tmp_path, notes, fields, expected):
    # Bug: a non-numeric version ended in a traceback (int("abc")).
    ck = fake_checkpoint(tmp_path / "run.ckpt", **fields)
    with pytest.raises(CheckpointError, match="run.ckpt"):
        load_checkpoint(ck)
    for args in (["export", ck, "--out", tmp_path / "m.onnx"],
                 ["train", notes, "--resume", ck, "--out", tmp_path / "m.onnx", "--quiet"]):
        refused(cli(*args), expected)


class Planted:
    """Stands for a pickled object a checkpoint never holds (it would run code when loaded)."""

    def __reduce__(self):
        return (os.getcwd, ())


def test_a_pickled_object_is_not_loaded_and_the_unsafe_hint_is_not_repeated(cli, tmp_path):
    # Bug: the refusal repeated PyTorch's hint to rerun with weights_only=False.
    ck = tmp_path / "evil.ckpt"
    torch.save({"kind": KIND, "version": VERSION, "payload": Planted()}, ck)
    with zipfile.ZipFile(ck) as archive:  # the file really holds the pickled call
        assert any(b"getcwd" in archive.read(n) for n in archive.namelist())
    result = cli("export", ck, "--out", tmp_path / "m.onnx")
    refused(result, "evil.ckpt is not a Caminho checkpoint", "were not loaded")
    assert "weights_only" not in result.stderr and "Re-running" not in result.stderr
    assert not (tmp_path / "m.onnx").exists()


def test_damaged_and_foreign_checkpoints(tmp_path):
    for name, data in (("junk.ckpt", b"garbage"), ("half.ckpt", None)):
        path = tmp_path / name
        if data is None:
            fake_checkpoint(path)
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        else:
            path.write_bytes(data)
        with pytest.raises(CheckpointError, match="damaged") as info:
            load_checkpoint(path)
        assert "weights_only" not in str(info.value)
    pickled = tmp_path / "plain.pkl"  # a pickle, but not in torch's format
    pickled.write_bytes(pickle.dumps({"kind": KIND}))
    with pytest.raises(CheckpointError, match="not a Caminho checkpoint, or it is damaged"):
        load_checkpoint(pickled)
    fifo = tmp_path / "run.fifo"
    os.mkfifo(fifo)
    with pytest.raises(CheckpointError, match="not a regular file"):
        load_checkpoint(fifo)


def test_cli_train_api_refuses_a_checkpoint_of_other_settings_in_one_line(cli, notes, tmp_path):
    # Settings read from a checkpoint are checked like the command line's.
    ck = tmp_path / "run.ckpt"
    train([notes], None, TrainConfig(epochs=1), checkpoint=ck)
    data = torch.load(ck, weights_only=True)
    data["model_config"]["hidden"] = 0
    torch.save(data, ck)
    refused(cli("export", ck, "--out", tmp_path / "m.onnx"), "its model_config is invalid")

