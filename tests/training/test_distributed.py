"""`caminho-train train` under `torchrun --nproc_per_node 2` (gloo on CPU): the same command,
one model, written by process 0 alone, as good as a single process's."""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from training.checkpoint import load_checkpoint
from training.distributed import Distributed, choose_device
from training.errors import TrainError
from training.evaluate import OnnxModel, compare, recite

ROOT = Path(__file__).resolve().parents[2]
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]


def run(args, *, torchrun: bool, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8", OMP_NUM_THREADS="1")
    cmd = (TORCHRUN if torchrun else [sys.executable]) + ["-m", "training", "train", *map(str, args)]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def small_corpus(tmp_path: Path) -> Path:
    """About 4 000 tokens in 40 documents: a validation split and eight parallel streams."""
    rng = random.Random(7)
    words = "o a de que e pedra caminho meio tinha uma vida nunca me esquecerei".split()
    docs = ["\n".join(" ".join(rng.choice(words) for _ in range(9)) + "." for _ in range(9))
            for _ in range(40)]
    path = tmp_path / "small.txt"
    path.write_text("\n%\n".join(docs) + "\n", encoding="utf-8")
    return path


SMALL_ARGS = ["--doc-separator", "%", "--embedding", "16", "--hidden", "32", "--batch-size", "8",
              "--bptt", "20", "--no-ngram", "--no-check", "--quiet", "--progress-json"]


@pytest.mark.slow
def test_poem_under_torchrun_is_the_single_process_model(poem_path, tmp_path):
    """The poem is one stream: both processes read all of it, and averaging two equal
    gradients is the gradient, so the run is the single-process run, epoch for epoch."""
    solo, ddp = tmp_path / "solo.onnx", tmp_path / "ddp.onnx"
    run([poem_path, "--out", solo, "--quiet"], torchrun=False)
    result = run([poem_path, "--out", ddp], torchrun=True)
    assert "wrote" in result.stderr and result.stderr.count("wrote ") == 1  # process 0 only
    a, b = OnnxModel.load(solo), OnnxModel.load(ddp)
    text = poem_path.read_text(encoding="utf-8")
    assert compare(b, [text]).to_dict()["top1"] == 1.0  # every next token of the poem
    assert recite(b, "No", max_tokens=200).text == text
    assert json.loads(a.meta["training"])["epochs"] == json.loads(b.meta["training"])["epochs"]
    ids = [1] + [b.ids[w] for w in ("no", "meio", "do", "caminho")]
    h, c = a.zero_state()
    la, _, _ = a.run(ids, h, c)
    lb, _, _ = b.run(ids, h, c)
    np.testing.assert_allclose(la, lb, atol=1e-5)


@pytest.mark.slow
def test_sharded_run_matches_single_process_quality_and_resumes(tmp_path):
    """Each process reads half of the eight streams; validation is shared out and added up.
    The model matches the single-process one's validation perplexity, and a run stopped
    after 3 epochs and resumed (still under torchrun) ends where an uninterrupted one does."""
    corpus = small_corpus(tmp_path)
    solo = json.loads(run([corpus, "--out", tmp_path / "solo.onnx", "--epochs", "8",
                           *SMALL_ARGS], torchrun=False).stdout.splitlines()[-1])
    whole = run([corpus, "--out", tmp_path / "ddp.onnx", "--epochs", "8", *SMALL_ARGS],
                torchrun=True)
    lines = [json.loads(line) for line in whole.stdout.splitlines()]
    # Printed once, by the first process (the {"checkpoint": ...} line aside).
    assert [line["epoch"] for line in lines if "epoch" in line] == list(range(1, 9))
    ddp = lines[-1]
    assert ddp["metrics"]["val_perplexity"] == pytest.approx(
        solo["metrics"]["val_perplexity"], rel=0.05)
    model = OnnxModel.load(tmp_path / "ddp.onnx")  # a valid model file, loaded as the editor does
    assert len(model.vocab) > 10

    ck = tmp_path / "run.ckpt"
    run([corpus, "--out", tmp_path / "first.onnx", "--epochs", "3", "--checkpoint", ck,
         *SMALL_ARGS], torchrun=True)
    assert load_checkpoint(ck)["epoch"] == 3
    resumed = run([corpus, "--out", tmp_path / "resumed.onnx", "--epochs", "8", "--resume", ck,
                   "--checkpoint", ck, *SMALL_ARGS], torchrun=True)
    last = json.loads(resumed.stdout.splitlines()[-1])
    assert last["epochs_run"] == 8 and load_checkpoint(ck)["epoch"] == 8
    assert last["metrics"]["val_loss"] == pytest.approx(ddp["metrics"]["val_loss"], abs=1e-5)


def test_device_choice():
    assert choose_device("cpu").type == "cpu"
    if not __import__("torch").cuda.is_available():
        assert choose_device("auto").type == "cpu"
        with pytest.raises(TrainError, match="--device cuda: this PyTorch sees no CUDA GPU"):
            choose_device("cuda")


def test_streams_are_shared_out_evenly():
    two = [Distributed(rank=r, world=2) for r in (0, 1)]
    assert two[0].streams(32) == 32 and two[0].streams(7) == 6
    assert [d.rows(32) for d in two] == [slice(0, 16), slice(16, 32)]
    # A corpus shorter than one stream per process: every process reads all of it.
    assert two[1].streams(1) == 1 and two[1].rows(1) == slice(0, 1)
