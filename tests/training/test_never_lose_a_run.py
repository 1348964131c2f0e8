"""Never lose a run: the trained network is saved before anything that follows training, so a
failure there (memory, a full disk, a kill) leaves a file `caminho-train export` makes the
model from, and the message gives the command."""

import errno
import json
import os
import random
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from training.checkpoint import load_checkpoint
from training.config import ModelConfig, TrainConfig
from training.errors import CheckpointError
from training.export import session

ROOT = Path(__file__).resolve().parents[2]
OPTS = ["--embedding", "8", "--hidden", "16", "--epochs", "2", "--no-check"]

# Runs `caminho-train` with one step after training replaced by a failure.
_FAILS_AFTER_TRAINING = """
import errno, os, signal, sys
import training.export, training.loop
how = sys.argv[1]
def fail(*args, **kwargs):
    if how == "memory":
        raise MemoryError()  # numpy's way
    if how == "torch-memory":
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: "
                           "can't allocate memory: you tried to allocate 6400000000 bytes.")
    if how == "disk":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), kwargs.get("path", "m.onnx"))
    os.kill(os.getpid(), signal.SIGKILL)
if how.endswith("memory"):
    training.loop.fit_ngram = fail  # the trigram's fit, where 1 MB corpora ran out of memory
else:
    training.export.to_onnx = fail  # the export itself
from training.cli import main
sys.exit(main(sys.argv[2:]))
"""


def corpus_with_rare_words(folder: Path) -> Path:
    """Over 2000 tokens (so a validation split, rare words and the trigram), some words once."""
    rng = random.Random(3)
    words = "o a de que e pedra caminho meio tinha uma vida retinas".split()
    lines = [" ".join(rng.choice(words) for _ in range(10)) + "." for _ in range(230)]
    lines += [f"raro{k} apareceu" for k in range(12)]
    path = folder / "diário.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def failing_train(how: str, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _FAILS_AFTER_TRAINING, how, "train", *map(str, args)],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8"),
        capture_output=True, text=True, timeout=300)


def run_printed_command(cli, stderr: str) -> subprocess.CompletedProcess:
    """Run the `caminho-train export ...` line the message gives, exactly as printed."""
    line = next(x for x in stderr.splitlines() if x.strip().startswith("caminho-train export"))
    command = shlex.split(line)
    return cli(*command[1:])


def check_model(path: Path) -> dict:
    meta = dict(session(path).get_modelmeta().custom_metadata_map)
    assert "raro3" in json.loads(meta["vocab"])  # the rare words were put back
    assert "ngram" in meta  # and the trigram fitted
    return meta


@pytest.mark.slow
@pytest.mark.parametrize(("how", "message", "code"), [
    ("memory", "caminho-train: error: out of memory after training", "memory.after_training"),
    ("torch-memory", "caminho-train: error: out of memory after training",
     "memory.after_training"),
    ("disk", "caminho-train: error: No space left on device", "system.file_error"),
])
def test_a_failure_after_training_leaves_a_model_to_export(cli, tmp_path, how, message, code):
    # Bug: a 1 MB corpus was killed for memory in the trigram's fit and the whole run was lost.
    corpus = corpus_with_rare_words(tmp_path)
    out = tmp_path / "diário.onnx"
    failed = failing_train(how, corpus, "--out", out, *OPTS, "--progress-json")
    assert failed.returncode == 2, failed.stderr
    assert "Traceback" not in failed.stderr
    assert message in failed.stderr
    # The editor's training dialog gets the same as a code it can translate.
    error = json.loads(failed.stdout.splitlines()[-1])["error"]
    assert error["code"] == code
    assert f"caminho-train: error: {error['message']}\n" in failed.stderr
    saved = tmp_path / "diário.onnx.ckpt"
    assert f"the trained network is saved in {saved}" in failed.stderr
    assert not out.exists()
    assert load_checkpoint(saved)["epoch"] == 2
    exported = run_printed_command(cli, failed.stderr)
    assert exported.returncode == 0, exported.stderr
    check_model(out)


@pytest.mark.slow
def test_killed_during_export_leaves_the_checkpoint(cli, tmp_path):
    # A kill (the kernel's OOM killer, a closed laptop) can print nothing: the file is there.
    corpus = corpus_with_rare_words(tmp_path)
    out = tmp_path / "m.onnx"
    killed = failing_train("kill", corpus, "--out", out, *OPTS)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    saved = tmp_path / "m.onnx.ckpt"
    # Said before export started, so even a killed run told the user where its work is.
    assert f"the trained network is saved in {saved}" in killed.stderr
    assert not out.exists() and load_checkpoint(saved)["epoch"] == 2
    # A new run does not silently replace the work it left.
    again = cli("train", corpus, "--out", out, *OPTS)
    assert again.returncode == 2 and "never made into a model" in again.stderr
    assert f"--resume {saved}" in again.stderr and "--force" in again.stderr
    exported = cli("export", saved, "--corpus", corpus, "--out", out)
    assert exported.returncode == 0, exported.stderr
    check_model(out)


@pytest.mark.slow
def test_success_removes_the_default_checkpoint_and_keeps_a_chosen_one(cli, tmp_path, poem_path):
    out, chosen = tmp_path / "poem.onnx", tmp_path / "kept.ckpt"
    result = cli("train", poem_path, "--out", out, *OPTS, "--progress-json", "--quiet")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    # The GUI learns where the trained network is before the steps after training.
    assert {"checkpoint": str(tmp_path / "poem.onnx.ckpt")} in lines
    assert sorted(p.name for p in tmp_path.iterdir()) == ["poem.onnx"]
    result = cli("train", poem_path, "--out", tmp_path / "b.onnx", "--checkpoint", chosen, *OPTS)
    assert result.returncode == 0, result.stderr
    assert load_checkpoint(chosen)["epoch"] == 2


def test_a_default_checkpoint_that_cannot_be_written_does_not_end_the_run(poem_path, tmp_path,
                                                                          monkeypatch):
    import training.loop
    import training.train as train_module

    def full_disk(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(training.loop, "save_checkpoint", full_disk)
    calls = []
    small, cfg = ModelConfig(embedding=8, hidden=16), TrainConfig(epochs=2)
    result = train_module.train([poem_path], small, cfg, checkpoint=tmp_path / "run.ckpt",
                                checkpoint_optional=True,
                                trained=lambda path, problem: calls.append((path, problem)))
    assert result.epochs == 2
    assert calls == [(None, os.strerror(errno.ENOSPC))]
    # One the user asked for must work: a run that cannot save it stops and says so.
    with pytest.raises(OSError, match="No space left"):
        train_module.train([poem_path], small, cfg, checkpoint=tmp_path / "run.ckpt")


def test_trained_is_called_once_the_checkpoint_holds_the_final_network(poem_path, tmp_path):
    from training.train import train

    ck = tmp_path / "run.ckpt"
    seen = []

    def trained(path, problem):
        data = load_checkpoint(path)
        seen.append((data["epoch"], data["stopped"], problem))

    result = train([poem_path], ModelConfig(embedding=8, hidden=16), TrainConfig(epochs=3),
                   checkpoint=ck, trained=trained)
    assert seen == [(3, result.stopped, "")]
    weights = load_checkpoint(ck)["model"]
    got = result.model.state_dict()
    assert all(torch.equal(weights[k], got[k]) for k in got)


def test_a_resumed_run_with_nothing_left_to_do_still_saves(poem_path, tmp_path):
    from training.train import train

    small = ModelConfig(embedding=8, hidden=16)
    first = tmp_path / "first.ckpt"
    train([poem_path], small, TrainConfig(epochs=2), checkpoint=first)
    beside = tmp_path / "m.onnx.ckpt"
    seen = []
    train([poem_path], resume=first, checkpoint=beside, explicit={"epochs": 2},
          trained=lambda path, problem: seen.append(path))
    assert seen == [beside] and load_checkpoint(beside)["epoch"] == 2


def test_an_ensemble_is_saved_merged_before_its_trigram(tmp_path):
    from training.train import finish_checkpoint, train

    rng = random.Random(1)
    words = "o a de que e pedra caminho meio tinha uma vida".split()
    docs = [" ".join(rng.choice(words) for _ in range(rng.randint(8, 20))) + "." for _ in range(60)]
    corpus = tmp_path / "fortunes.txt"
    corpus.write_text("\n%\n".join(docs) + "\n", encoding="utf-8")
    cfg = TrainConfig(epochs=1, seed=7, doc_separator="%", val_fraction=0.1, ngram=True,
                      ensemble=2)
    ck = tmp_path / "run.ckpt"
    before_trigram = []
    result = train([corpus], ModelConfig(embedding=8, hidden=8, tie=True), cfg, checkpoint=ck,
                   trained=lambda path, problem: before_trigram.append(load_checkpoint(path)))
    assert before_trigram[0]["finished"] is True
    assert before_trigram[0]["model_config"]["hidden"] == 16  # the merged network
    # `export --corpus` finishes it into the very model `train` returned.
    finished = finish_checkpoint(ck, [corpus])
    assert finished.ngram.to_text() == result.ngram.to_text()
    want, got = result.model.state_dict(), finished.model.state_dict()
    assert all(torch.equal(want[k], got[k]) for k in want)
    # It holds no optimizer state: resuming it is refused in words.
    with pytest.raises(CheckpointError, match="an ensemble cannot be resumed"):
        train([corpus], resume=ck, explicit={"epochs": 3})
