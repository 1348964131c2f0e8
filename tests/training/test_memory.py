"""Memory after training stays bounded with a large vocabulary (issue: training on 1 MB of
text was killed for memory at the very end).

The steps after training (scoring the splits, fitting the trigram's weight) and the evaluator
used to hold [positions x vocabulary] arrays, in float64 and then a concatenated second copy:
about 10 GB for a 40k-token validation split over 20k words. They now work a block of scores
at a time. Each stage runs in a fresh process and reports how far its allocated memory
(RssAnon) rose above where it started, sampled every millisecond.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STAGES = r'''
import json, random, sys, threading, time
from dataclasses import replace
from pathlib import Path

def anonymous_mb():
    """Memory the process allocated (not its shared libraries, which the kernel may evict and
    page back in under memory pressure)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024

def growth(run):
    """How far the allocated memory rose above its level at the start, sampled every ms by a
    thread (the arrays that matter are hundreds of MB and live for seconds)."""
    start = anonymous_mb()
    peak = [start]
    done = threading.Event()
    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], anonymous_mb())
            time.sleep(0.001)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        run()
    finally:
        done.set()
        watcher.join()
    return max(peak[0], anonymous_mb()) - start

stage, folder = sys.argv[1], Path(sys.argv[2])
rng = random.Random(5)
if stage == "after-training":
    from training.config import ModelConfig, TrainConfig
    from training.corpus import load_corpus
    from training.loop import Trainer

    # 60 documents of 400 words drawn from 50 000 made-up words: about 20 000 of them occur,
    # every one kept (rare_below 1), and every tenth document is held out (about 2 400 tokens).
    words = [f"w{k}" for k in range(50_000)]
    docs = [" ".join(rng.choice(words) for _ in range(400)) + "." for _ in range(60)]
    corpus_file = folder / "corpus.txt"
    corpus_file.write_text("\n%\n".join(docs) + "\n", encoding="utf-8")
    config = TrainConfig(batch_size=4, doc_separator="%", rare_below=1, ngram=True,
                         val_fraction=0.1)
    corpus = load_corpus([corpus_file], config)
    trainer = Trainer(corpus, ModelConfig(embedding=8, hidden=16), config)
    trainer.epoch, trainer.stopped = 1, "test"
    result = {}
    mb = growth(lambda: result.setdefault("r", trainer.result()))
    r = result["r"]
    assert r.ngram is not None and 0 <= r.metrics["ngram_weight"] <= 1
    print(json.dumps({"growth_mb": mb, "vocab": len(corpus.vocab),
                      "val_positions": len(corpus.split.val), "metrics": r.metrics}))
elif stage == "evaluate":
    from editor.core.suggest import SuggestConfig
    from training.evaluate import OnnxModel, engine_systems, measure
    from training.export import export_random_model
    from training.ksr import Offer

    path = export_random_model(folder / "big.onnx", 20_000, embedding=8, hidden=16)
    model = OnnxModel.load(path)
    vocab = model.vocab
    text = " ".join(rng.choice(vocab[10:]) for _ in range(3000)) + "."

    class Silent:  # offers nothing: only the scoring of the distributions is measured
        name = "silent"
        def offer(self, text_before):
            return Offer(())

    system = replace(engine_systems(model, SuggestConfig(), (False,))[0], predictor=Silent())
    is_word = [True] * len(vocab)
    import numpy as np
    result = {}
    mb = growth(lambda: result.setdefault("r", measure(
        system, [text], np.array(is_word), model.lm.unk_id, model.lm.encode, model.lm.doc_id,
        strip_size=3)))
    r = result["r"]
    assert r.tokens == 3002 and r.scored_words == 3000
    print(json.dumps({"growth_mb": mb, "vocab": len(vocab), "tokens": r.tokens,
                      "perplexity": r.to_dict()["perplexity"]}))
'''


def run_stage(stage: str, folder: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", STAGES, stage, str(folder)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_steps_after_training_stay_within_bounds_with_a_large_vocabulary(tmp_path):
    # Before the fix: about 1.2 GB above the start here (logits of 4 streams x 1024 steps x
    # 20k words while scoring the training split, then [2 400 x 20k] float64 twice in
    # fit_ngram); now a block of 4M scores at a time, well under 250 MB.
    got = run_stage("after-training", tmp_path)
    assert got["vocab"] > 15_000 and got["val_positions"] > 2_000
    assert got["growth_mb"] < 250, got


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_evaluating_a_long_document_stays_within_bounds(tmp_path):
    # Before the fix: the whole document's [3 002 x 20 000] float64 distributions and their
    # softmax temporaries, about 1.5 GB; now a block of rows at a time.
    got = run_stage("evaluate", tmp_path)
    assert got["vocab"] == 20_000 and got["perplexity"] is not None
    assert got["growth_mb"] < 300, got


def test_seed_baseline_computes_only_the_row_it_is_asked_for():
    # The evaluator's seed baseline used to compute [line length + 1, V] to read the last row,
    # and memoised 4096 such rows (650 MB at 20k words); it now asks for the last row alone.
    import numpy as np

    from training.studies.seed_baseline import SeedConfig, SeedModel

    rng = np.random.default_rng(0)
    v, e, h = 300, 6, 7

    def weights(*shape):
        return rng.normal(size=shape).astype(np.float32)

    seed = SeedModel(weights(v, e), weights(4 * h, e), weights(4 * h, h), weights(4 * h),
                     weights(v, h), weights(v), SeedConfig())
    for line in ([], [3], [3, 4, 5, 9, 250]):
        want = seed.line_distributions(line)[-1]
        got = seed.next_distribution(line)
        assert got.shape == (v,) and np.allclose(got, want, rtol=1e-5, atol=1e-9)
