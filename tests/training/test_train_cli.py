"""Training runs, checkpoints and resume, and the `caminho-train` command line."""

import errno
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from training.checkpoint import load_checkpoint
from training.config import ModelConfig, TrainConfig
from training.errors import CheckpointError
from training.export import export_checkpoint, session
from training.progress import EpochReport
from training.train import train

SMALL = ModelConfig(embedding=8, hidden=16)
ROOT = Path(__file__).resolve().parents[2]

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
        ("one-line.txt", b"pedra " * 200_000 + b"\ncaminho\n",
         "one-line.txt: line 1 is 1,200,000 characters long"),
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


@pytest.mark.parametrize(("content", "code", "params"), [
    (b"", "corpus.empty", {}),
    ("caminho não".encode("latin-1"), "corpus.not_utf8", {"byte": "0xe3", "offset": 9}),
    (b"  \n\n \n", "corpus.only_whitespace", {}),
])
def test_progress_json_reports_errors_as_code_and_values(cli, tmp_path, content, code, params):
    # The editor's training dialog reads this line to say the error in its user's language.
    corpus = write(tmp_path / "carta.txt", content)
    result = cli("train", corpus, "--out", tmp_path / "m.onnx", "--progress-json")
    assert result.returncode == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 1, result.stdout
    error = lines[0]["error"]
    assert error["code"] == code
    assert error["params"] == {"path": str(corpus), **params}
    # The same English words as the command line's, which stay as they were.
    assert result.stderr == f"caminho-train: error: {error['message']}\n"
    plain = cli("train", corpus, "--out", tmp_path / "m.onnx")
    assert plain.stdout == "" and plain.stderr == result.stderr


def test_progress_json_reports_a_bad_output_path(cli, tmp_path, poem_path):
    blocker = write(tmp_path / "file", b"")
    result = cli("train", poem_path, "--out", blocker / "m.onnx", "--progress-json")
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "outputs.unreadable"
    assert error["params"] == {"option": "--out", "path": str(blocker / "m.onnx"),
                               "reason": os.strerror(errno.ENOTDIR)}
    assert error["message"] in result.stderr


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
        "epoch", "epochs", "loss", "accuracy", "val_loss", "val_accuracy", "seconds", "eta",
        "stopped", "stale", "patience"}
    # Only the last report says why training ends there (the training dialog shows it).
    assert reports[-1].stopped == result.stopped and not any(r.stopped for r in reports[:-1])
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
    # The reports count the epochs without improvement up to the stop (the dialog shows it).
    last = result.history[-1]
    assert last["stopped"] == result.stopped and last["stale"] == last["patience"] == 1


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
    # Between the epochs and "done", the line that says where the trained network is saved.
    assert [line["epoch"] for line in lines[:-2]] == [3, 4]
    assert lines[-2] == {"checkpoint": str(ck)}
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


# Saves every epoch, and is SIGKILLed halfway through writing the third checkpoint.
_DIES_WRITING = """
import os, signal, sys, torch
import training.loop as train_module
real_save, saves = torch.save, []
def dying_save(obj, f):
    saves.append(f)
    real_save(obj, f)
    if len(saves) == 3:
        with open(f, "r+b") as half:
            half.truncate(os.path.getsize(f) // 2)
        os.kill(os.getpid(), signal.SIGKILL)
torch.save = dying_save
init = train_module.Trainer.__init__
def every_epoch(self, *args, **kwargs):
    init(self, *args, **dict(kwargs, checkpoint_every=0.0))
train_module.Trainer.__init__ = every_epoch
from training.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_killed_while_writing_a_checkpoint(cli, poem_path, tmp_path):
    ck = tmp_path / "run.ckpt"
    out = tmp_path / "poem.onnx"
    args = [poem_path, "--checkpoint", ck, "--out", out, "--epochs", "5", "--embedding", "8",
            "--hidden", "16", "--quiet", "--no-check"]
    killed = subprocess.run([sys.executable, "-c", _DIES_WRITING, "train", *map(str, args)],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            capture_output=True, text=True, timeout=180)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert [p.name.startswith(".run.ckpt.") for p in tmp_path.iterdir()].count(True) == 1
    assert load_checkpoint(ck)["epoch"] == 2  # the last complete one, untouched
    assert not out.exists()

    resumed = cli("train", *args[:-2], "--resume", ck, "--progress-json")
    assert resumed.returncode == 0, resumed.stderr
    epochs = [json.loads(line).get("epoch") for line in resumed.stdout.splitlines()]
    assert epochs[:3] == [3, 4, 5]
    assert load_checkpoint(ck)["epoch"] == 5 and out.is_file()
    # The killed run's half-written file is cleaned up by the next successful write.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["poem.onnx", "run.ckpt"]


@pytest.mark.slow
def test_export_with_the_corpus_adds_rare_words_and_the_trigram(cli, tmp_path):
    # A checkpoint holds the network as it learns: rare words as <unk>, no trigram. `train`
    # adds both at the end; `export --corpus` must give the same model file.
    rng = random.Random(3)
    words = "o a de que e pedra caminho meio tinha uma vida retinas".split()
    lines = [" ".join(rng.choice(words) for _ in range(10)) + "." for _ in range(230)]
    lines += [f"raro{k} apareceu" for k in range(12)]  # words seen once
    corpus = write(tmp_path / "c.txt", "\n".join(lines).encode())
    ck, trained = tmp_path / "run.ckpt", tmp_path / "trained.onnx"
    opts = ["--embedding", "8", "--hidden", "16", "--epochs", "2", "--quiet", "--no-check"]
    result = cli("train", corpus, "--checkpoint", ck, "--out", trained, *opts)
    assert result.returncode == 0, result.stderr

    def meta(path):
        return dict(session(path).get_modelmeta().custom_metadata_map)

    learnt = load_checkpoint(ck)["vocab"]
    want = meta(trained)
    assert "raro3" in json.loads(want["vocab"]) and "raro3" not in learnt
    assert "ngram" in want

    alone = cli("export", ck, "--out", tmp_path / "alone.onnx", "--no-check")
    assert alone.returncode == 0 and "give --corpus" in alone.stderr
    assert json.loads(meta(tmp_path / "alone.onnx")["vocab"]) == learnt

    full = cli("export", ck, "--corpus", corpus, "--out", tmp_path / "full.onnx")
    assert full.returncode == 0, full.stderr
    got = meta(tmp_path / "full.onnx")
    assert got["vocab"] == want["vocab"] and got["ngram"] == want["ngram"]
