"""Training runs, checkpoints and resume, and the `caminho-train` command line."""

import json
import random

import pytest
import torch

from training.checkpoint import load_checkpoint
from training.config import ModelConfig, TrainConfig
from training.errors import CheckpointError
from training.export import export_checkpoint, session
from training.progress import EpochReport
from training.train import train

SMALL = ModelConfig(embedding=8, hidden=16)

# -- errors a user can make: message, exit status 2, no traceback ------------------------------


def write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.txt", None, "corpus file not found: "),
        ("empty.txt", b"", "empty.txt is empty"),
        ("blank.txt", b"\n  \n", "blank.txt holds no text"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.png looks like a binary file"),
        ("latin1.txt", "caminho não".encode("latin-1"), "latin1.txt is not UTF-8 text: byte 0xe3 at offset 9"),
        ("tiny.txt", b"tinha uma pedra", "corpus too small: 3 tokens"),
    ],
)
def test_corpus_errors(cli, tmp_path, name, content, expected):
    corpus = tmp_path / name
    if content is not None:
        corpus.write_bytes(content)
    result = cli("train", corpus, "--out", tmp_path / "m.onnx")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("caminho-train: error: ")
    assert expected in result.stderr and name in result.stderr
    assert not (tmp_path / "m.onnx").exists()


def test_binary_error_names_the_offset(cli, tmp_path):
    corpus = write(tmp_path / "data.bin", b"no meio do caminho\x00tinha")
    result = cli("train", corpus, "--out", tmp_path / "m.onnx")
    assert result.returncode == 2 and "NUL byte at offset 18" in result.stderr


def test_bad_option_and_bad_model(cli, tmp_path, poem_path):
    result = cli("train", poem_path, "--out", tmp_path / "m.onnx", "--hidden", "0")
    assert result.returncode == 2 and "hidden must be at least 1" in result.stderr
    junk = write(tmp_path / "junk.onnx", b"not a model at all")
    for args in (["recite", junk], ["evaluate", junk, poem_path], ["recite", tmp_path / "no.onnx"],
                 ["export", junk, "--out", tmp_path / "x.onnx"]):
        result = cli(*args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr and "caminho-train: error:" in result.stderr


# -- the bundled model through the command line (onnxruntime only) ----------------------------


def test_cli_recite(cli, bundled_model, poem_path):
    result = cli("recite", bundled_model, "--prompt", "No")
    assert result.returncode == 0, result.stderr
    assert result.stdout == poem_path.read_text(encoding="utf-8")


def test_cli_evaluate_json(cli, bundled_model, poem_path):
    result = cli("evaluate", bundled_model, poem_path, "--json")
    assert result.returncode == 0, result.stderr
    numbers = json.loads(result.stdout)
    assert numbers["top1"] == 1.0 and numbers["word_top1"] == 1.0 and numbers["tokens"] == 76


# -- training -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_poem_from_scratch_with_defaults(poem_path):
    reports: list[EpochReport] = []
    result = train([poem_path], progress=reports.append)
    assert result.metrics["train_accuracy"] == 1.0
    assert result.stopped.startswith("solved")
    assert result.solved_at is not None and result.solved_at < result.epochs
    assert [r.epoch for r in reports] == list(range(1, result.epochs + 1))
    assert reports[-1].eta == 0.0 and reports[-1].accuracy == 1.0
    assert set(json.loads(reports[0].to_json())) == {
        "epoch", "epochs", "loss", "accuracy", "val_loss", "val_accuracy", "seconds", "eta"}
    facts = result.facts()
    assert facts["corpus"] == ["no-meio-do-caminho.txt"] and facts["tokens"] == 75
    assert facts["hyperparameters"]["hidden"] == ModelConfig().hidden


def test_same_seed_same_model(poem_path):
    cfg = TrainConfig(epochs=3, seed=5)
    a = train([poem_path], SMALL, cfg).model.state_dict()
    b = train([poem_path], SMALL, cfg).model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_resume_continues_exactly(poem_path, tmp_path):
    ck = tmp_path / "run.ckpt"
    straight = train([poem_path], SMALL, TrainConfig(epochs=6, seed=2))
    first = train([poem_path], SMALL, TrainConfig(epochs=3, seed=2), checkpoint=ck)
    assert first.epochs == 3 and load_checkpoint(ck)["epoch"] == 3
    reports: list[EpochReport] = []
    resumed = train([poem_path], resume=ck, checkpoint=ck, explicit={"epochs": 6},
                    progress=reports.append)
    assert [r.epoch for r in reports] == [4, 5, 6]
    assert resumed.epochs == 6 and load_checkpoint(ck)["epoch"] == 6
    want, got = straight.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(want[k], got[k]) for k in want)


def test_resume_refuses_other_settings(poem_path, tmp_path):
    ck = tmp_path / "run.ckpt"
    train([poem_path], SMALL, TrainConfig(epochs=1), checkpoint=ck)
    with pytest.raises(CheckpointError, match="--hidden 32 differs from the checkpoint's 16"):
        train([poem_path], resume=ck, explicit={"hidden": 32, "epochs": 2})
    with pytest.raises(CheckpointError, match="not a Caminho checkpoint"):
        train([poem_path], resume=write(tmp_path / "bad.ckpt", b"garbage"))


def test_validation_split_and_early_stopping(tmp_path):
    rng = random.Random(0)
    words = "o a de que e pedra caminho meio tinha uma vida".split()
    text = "\n".join(" ".join(rng.choice(words) for _ in range(10)) + "." for _ in range(220))
    corpus = write(tmp_path / "big.txt", text.encode())
    result = train([corpus], SMALL, TrainConfig(epochs=40, patience=1, batch_size=4, bptt=32))
    assert {"val_loss", "val_accuracy", "val_perplexity"} <= set(result.metrics)
    assert result.history[0]["val_loss"] is not None
    assert result.epochs < 40 and result.stopped.startswith("early stopping")


@pytest.mark.slow
def test_cli_train_resume(cli, poem_path, tmp_path):
    ck = tmp_path / "run.ckpt"
    train([poem_path], SMALL, TrainConfig(epochs=2), checkpoint=ck)  # the first leg, in-process
    out = tmp_path / "poem.onnx"
    result = cli("train", poem_path, "--resume", ck, "--checkpoint", ck, "--epochs", "4",
                 "--out", out, "--progress-json", "--quiet", "--no-check")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["epoch"] for line in lines[:-1]] == [3, 4]
    assert lines[0]["epochs"] == 4 and lines[-1]["done"] is True
    assert out.is_file() and load_checkpoint(ck)["epoch"] == 4


@pytest.mark.slow
def test_export_checkpoint(poem_path, tmp_path):
    ck = tmp_path / "run.ckpt"
    train([poem_path], SMALL, TrainConfig(epochs=1), checkpoint=ck)
    report = export_checkpoint(ck, tmp_path / "m.onnx")
    assert report.max_diff <= 1e-4
    meta = dict(session(report.path).get_modelmeta().custom_metadata_map)
    assert json.loads(meta["training"])["epochs"] == 1
    assert json.loads(meta["sizes"])["hidden"] == 16
