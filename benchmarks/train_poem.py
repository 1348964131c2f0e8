"""Train the poem model from scratch with the default settings and print how fast it gets to 100%.

    .venv/bin/python benchmarks/train_poem.py [--seeds 1928 1 2] [--export]

Not a timed test: the numbers depend on the machine (and on what else runs on it). One row per
seed: the epoch at which next-token accuracy over the whole poem (fed from <doc>, state carried)
first reached 100%, the epochs run before stopping, and wall-clock seconds. A last line gives
onnxruntime's one-token latency on the bundled model, as the editor runs it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from editor.core.resources import bundled_model_path, poem_corpus_path  # noqa: E402
from training.config import ModelConfig, TrainConfig  # noqa: E402


def first_perfect_epoch(history: list[dict]) -> int | None:
    return next((h["epoch"] for h in history if h["accuracy"] == 1.0), None)


def one_token_latency(path: Path, runs: int = 2000) -> float:
    """Median seconds for one token through onnxruntime (one thread, state carried)."""
    from training.evaluate import OnnxModel

    model = OnnxModel.load(path)
    h, c = model.zero_state()
    ids = list(range(2, len(model.vocab)))
    times = []
    for k in range(runs + 100):
        started = time.perf_counter()
        _, h, c = model.run([ids[k % len(ids)]], h, c)
        times.append(time.perf_counter() - started)
    return statistics.median(times[100:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[TrainConfig().seed, 1, 2])
    parser.add_argument("--export", action="store_true",
                        help="also export each model to ONNX with the parity check (timed)")
    args = parser.parse_args()

    started = time.perf_counter()
    import torch

    from training.export import export_model
    from training.train import train

    import_seconds = time.perf_counter() - started
    corpus = poem_corpus_path()
    model_config, defaults = ModelConfig(), TrainConfig()
    print(f"poem: {corpus.name}; model: embedding {model_config.embedding}, hidden "
          f"{model_config.hidden}, layers {model_config.layers}; torch {torch.__version__}, "
          f"{defaults.effective_threads(model_config.hidden)} thread(s); "
          f"imports took {import_seconds:.1f} s")
    header = f"{'seed':>6}  {'100% at epoch':>13}  {'epochs run':>10}  {'train s':>8}  {'wall s':>7}"
    if args.export:
        header += f"  {'export s':>8}  {'max diff':>8}"
    print(header)
    print("-" * len(header))
    for seed in args.seeds:
        wall = time.perf_counter()
        result = train([corpus], model_config, TrainConfig(seed=seed))
        wall = time.perf_counter() - wall
        reached = first_perfect_epoch(result.history)
        row = (f"{seed:>6}  {reached if reached else 'never':>13}  {result.epochs:>10}  "
               f"{result.seconds:>8.2f}  {wall:>7.2f}")
        if args.export:
            with tempfile.TemporaryDirectory() as tmp:
                report = export_model(result.model, Path(tmp) / "poem.onnx",
                                      vocab=result.vocab.tokens, surface=result.vocab.surface,
                                      training=result.facts())
            row += f"  {report.seconds:>8.2f}  {report.max_diff:>8.1e}"
        print(row, flush=True)
    bundled = bundled_model_path()
    if bundled.is_file():
        latency = one_token_latency(bundled)
        print(f"\nonnxruntime, one token, bundled model: {latency * 1e6:.0f} µs (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
