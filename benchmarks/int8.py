"""int8 against float: file size, one model step, and quality on held-out fortunes-br.

    .venv/bin/python benchmarks/int8.py [--model build/int8/fortunes.onnx] [--steps 400]
                                        [--limit N] [--out build/int8]

Models: a model trained on fortunes-br with `caminho-train train`'s defaults (the split of
benchmarks/quality.py; trained here unless --model names one, about 2-15 minutes on 2 shared
cores) and a large random-weight model (vocabulary 12k, hidden 512, embedding 256); each
quantized with `training.quantize.quantize_file` (what `caminho-train export --int8` runs).
Step times are taken alternately float/int8 in one loop, one token with the state carried, as
the editor steps; quality is `caminho-train evaluate`'s engine with the editor's defaults
(learning on) on the held-out fortunes, for both files of the trained model.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def step_times(paths: list[Path], steps: int) -> list[list[float]]:
    """Microseconds of CPU per one-token step for each model, measured alternately (onnxruntime
    runs on the calling thread with the editor's options; on a busy machine wall time mostly
    measures the wait for a core)."""
    from editor.core.lm import LanguageModel

    models = [LanguageModel.load(p) for p in paths]
    states = [m.zero_state() for m in models]
    times: list[list[float]] = [[] for _ in models]
    for i in range(steps):
        for k, m in enumerate(models):
            tok = [2 + i % (m.info.vocab_size - 2)]
            t0 = time.thread_time()
            out = m.run(tok, *states[k])
            times[k].append((time.thread_time() - t0) * 1e6)
            states[k] = (out.h, out.c)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None,
                        help="a float model trained on the fortunes' training part")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "int8")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--limit", type=int, default=None, help="only N held-out fortunes")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--train-args", default="",
                        help="extra caminho-train train options (e.g. --threads 1 on a busy machine)")
    args = parser.parse_args()

    from quality import FORTUNES, find_corpus, split, train_model, write

    from training.export import export_random_model
    from training.quantize import quantize_file

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    train_all, held = split(find_corpus(FORTUNES, install=True), out)
    fortunes = args.model or out / "fortunes.onnx"
    if not fortunes.is_file():
        corpus = out / "train-100.txt"
        write(corpus, train_all)
        run = train_model(corpus, fortunes, shlex.split(args.train_args))
        print(f"trained {fortunes}: {run['epochs']} epochs, {run['wall_seconds']:.0f} s wall",
              file=sys.stderr)
    large = out / "large.onnx"
    if not large.is_file():
        export_random_model(large, 12000, embedding=256, hidden=512)
    pairs = []
    for path in (fortunes, large):
        q = out / f"{path.stem}-int8.onnx"
        report = quantize_file(path, q)
        pairs.append((path, q, report))

    from editor.core.lm import LanguageModel

    print(f"\nFile size and one model step (median CPU time of {args.steps} one-token steps, "
          "float and int8 alternately)\n")
    print("| model | float size | int8 size | float step | int8 step | speed-up | "
          "same top token (probe) |")
    print("|---|---|---|---|---|---|---|")
    for path, q, report in pairs:
        info = LanguageModel.load(path).info
        t_float, t_int8 = step_times([path, q], args.steps)
        mf, mq = statistics.median(t_float), statistics.median(t_int8)
        name = f"{path.name} (V={info.vocab_size}, E={info.embedding}, H={info.hidden})"
        print(f"| {name} | {report.bytes_before / 2**20:.1f} MB | {report.bytes_after / 2**20:.1f} MB"
              f" | {mf:.0f} µs | {mq:.0f} µs | {mf / mq:.2f}× | {report.top1_agreement:.0%} |")
    if args.no_quality:
        return 0

    from editor.core.suggest import SuggestConfig
    from training.evaluate import OnnxModel, ProgressPrinter, compare

    docs = held[: args.limit] if args.limit else held
    print(f"\nQuality on {len(docs)} held-out fortunes (the editor's defaults, learning on)\n")
    print("| model | KSR strip | KSR ghost | top-1 | top-3 | perplexity | word perplexity |")
    print("|---|---|---|---|---|---|---|")
    rows = {}
    for label, path in (("float", pairs[0][0]), ("int8", pairs[0][1])):
        c = compare(OnnxModel.load(path), docs, config=SuggestConfig(), learning=(True, False),
                    model_name=path.name, text_name="heldout.txt",
                    progress=ProgressPrinter(sys.stderr))
        on, off = c.to_dict()["results"][:2]
        # Perplexity is a property of the model alone: the learning-off row has it.
        r = rows[label] = {**on, "perplexity": off["perplexity"],
                           "word_perplexity": off["word_perplexity"]}
        print(f"| {path.name} ({label}) | {100 * r['ksr_strip']:.1f}% | {100 * r['ksr_ghost']:.1f}% "
              f"| {100 * r['word_top1']:.1f}% | {100 * r['word_top3']:.1f}% | "
              f"{r['perplexity']:.1f} | {r['word_perplexity']:.1f} |", flush=True)
    drop = 100 * (rows["float"]["word_top3"] - rows["int8"]["word_top3"])
    print(f"\ntop-3 drop with int8: {drop:.2f} points "
          f"({'under' if drop < 0.3 else 'not under'} the 0.3 points that would make it the default)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
