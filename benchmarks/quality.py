"""Prediction quality on real text: Caminho's engine against a Kneser-Ney trigram and the seed.

    .venv/bin/python benchmarks/quality.py [--sizes 0.1 0.3 1.0] [--no-seed] [--markdown]
                                           [--train-args "--hidden 128"] [--out build/quality]
                                           [--word-list pt|en|none] [--reuse-models]

Corpus: fortunes-br (/usr/share/games/fortunes/brasil, fortunes separated by lines holding
"%"). The script finds it, or installs it with apt-get, and stops with a clear message if it
can do neither. The fortunes are split by fortune, 90% for training and 10% held out, with a
fixed seed; the split is written under --out (build/ is not committed: the corpus never is).

For each training size (a share of the training part, nested: the 10% are inside the 30%),
`caminho-train train` runs with its defaults (plus --train-args), timed, and
`caminho-train evaluate`'s engine measures the model on the held-out fortunes with a
Kneser-Ney trigram trained on the same text; the seed's per-line LSTM is trained once, on the
whole training part (it is cached under --out, keyed by its data and settings).
With --word-list (default pt, the corpus's language) the editor's engine is also measured
completing from the bundled word list, beside the same engine without it; every row also
counts the words outside the model's vocabulary offered before their last two letters.
Timings depend on the machine and on what else runs on it (2 shared cores here).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training.data import read_text, split_documents  # noqa: E402

FORTUNES = Path("/usr/share/games/fortunes/brasil")
SEPARATOR = "%"
SPLIT_SEED = 1928
HELD_OUT = 0.1


def find_corpus(path: Path, install: bool) -> Path:
    """The fortune file, installing the Debian package if allowed; exits with a message if not."""
    if path.is_file():
        return path
    if install and path == FORTUNES and shutil.which("apt-get"):
        print("fortunes-br not found: installing it with apt-get ...", file=sys.stderr)
        for cmd in (["apt-get", "install", "-y", "fortunes-br"], ["apt-get", "update"],
                    ["apt-get", "install", "-y", "fortunes-br"]):
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            if path.is_file():
                return path
    sys.exit(
        f"quality.py: cannot find the corpus at {path}"
        + (" and could not install it (apt-get install -y fortunes-br failed: no root, no "
           "network or no apt?)" if install else "")
        + ". Install the Debian package fortunes-br or give --corpus PATH."
    )


def split(corpus: Path, out: Path) -> tuple[list[str], list[str]]:
    """Fortunes shuffled with a fixed seed: the first 10% held out, the rest for training."""
    fortunes = split_documents(read_text(corpus), SEPARATOR)
    order = list(range(len(fortunes)))
    random.Random(SPLIT_SEED).shuffle(order)
    n_held = round(len(fortunes) * HELD_OUT)
    held = sorted(order[:n_held])
    train = order[n_held:]  # still shuffled: a size's share is a random subset
    write(out / "heldout.txt", [fortunes[k] for k in held])
    return [fortunes[k] for k in train], [fortunes[k] for k in held]


def write(path: Path, fortunes: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join((f if f.endswith("\n") else f + "\n") + SEPARATOR + "\n" for f in fortunes)
    path.write_text(text, encoding="utf-8")


def train_model(corpus: Path, model: Path, extra: list[str]) -> dict[str, Any]:
    """`caminho-train train` as a user runs it; wall and CPU seconds of the whole command."""
    cmd = [sys.executable, "-m", "training", "train", str(corpus), "--doc-separator", SEPARATOR,
           "--out", str(model), "--quiet", "--progress-json", *extra]
    print("$ " + " ".join(shlex.quote(c) for c in cmd[1:]), file=sys.stderr, flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    done: dict[str, Any] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        data = json.loads(line)
        if data.get("done"):
            done = data
        elif "epoch" in data and data["epoch"] % 5 == 0:  # not {"checkpoint": ...}
            print(f"  epoch {data['epoch']}: loss {data['loss']:.3f}, validation "
                  f"{data['val_loss'] if data['val_loss'] is None else round(data['val_loss'], 3)}"
                  f", {data['seconds']:.0f} s", file=sys.stderr, flush=True)
    if proc.wait() != 0:
        sys.exit(f"quality.py: training failed (exit status {proc.returncode})")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall_seconds": round(time.monotonic() - started, 1),
        "cpu_seconds": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 1),
        "train_seconds": done.get("seconds"),
        "epochs": done.get("epochs_run"),
        "stopped": done.get("stopped"),
        "metrics": done.get("metrics", {}),
    }


def seed_baseline(model: Any, train_docs: list[str], out: Path, epochs: int | None) -> Any:
    from dataclasses import replace

    from editor.core.tokenizer import tokenize
    from training.studies.seed_baseline import (
        SeedConfig,
        SeedModel,
        cache_key,
        load_or_train,
        training_lines,
    )

    config = SeedConfig() if epochs is None else replace(SeedConfig(), epochs=epochs)
    lines = training_lines([tokenize(d) for d in train_docs], model.lm.encode)
    path = out / f"seed-{cache_key(lines, len(model.vocab), config)}.npz"
    if path.is_file():
        seed = SeedModel.load(path)
        print(f"seed baseline: reusing {path} (trained in {seed.seconds:.0f} s)", file=sys.stderr)
        return seed

    def progress(epoch: int, loss: float, seconds: float) -> None:
        if epoch % 10 == 0 or epoch == config.epochs:
            print(f"  seed epoch {epoch}/{config.epochs}: loss {loss:.3f}, {seconds:.0f} s",
                  file=sys.stderr, flush=True)

    print(f"seed baseline: training {len(lines)} lines for {config.epochs} epochs ...",
          file=sys.stderr, flush=True)
    return load_or_train(lines, len(model.vocab), config, path, progress=progress)


def markdown(rows: list[dict[str, Any]]) -> str:
    def pct(x: float | None) -> str:
        return "—" if x is None else f"{100 * x:.1f}%"

    def num(x: float | None) -> str:
        return "—" if x is None else f"{x:.1f}"

    out = ["| training text | system | KSR strip | KSR ghost | top-1 | top-3 | perplexity | "
           "word perplexity | OOV offered early |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['size']} | {r['label']} | {pct(r['ksr_strip'])} | "
                   f"{pct(r['ksr_ghost'])} | {pct(r['word_top1'])} | {pct(r['word_top3'])} | "
                   f"{num(r['perplexity'])} | {num(r['word_perplexity'])} | "
                   f"{pct(r.get('oov_early'))} |")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=FORTUNES)
    parser.add_argument("--no-install", action="store_true", help="never run apt-get")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "quality")
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.1, 0.3, 1.0],
                        help="shares of the training part to train on")
    parser.add_argument("--train-args", default="", help="extra caminho-train train options")
    parser.add_argument("--no-seed", action="store_true", help="leave out the seed baseline")
    parser.add_argument("--seed-epochs", type=int, default=None)
    parser.add_argument("--limit", type=int, default=None, help="only N held-out fortunes")
    parser.add_argument("--markdown", action="store_true", help="also print markdown tables")
    parser.add_argument("--word-list", default="pt",
                        help="bundled word list to measure the engine with, beside it alone "
                             "(pt, en; none: leave that row out)")
    parser.add_argument("--reuse-models", action="store_true",
                        help="evaluate models already trained under --out instead of training")
    args = parser.parse_args()

    from editor.core.suggest import SuggestConfig
    from editor.core.tokenizer import tokenize
    from training.evaluate import OnnxModel, ProgressPrinter, compare, format_table
    from training.studies.seed_baseline import seed_system

    lexicon = None
    if args.word_list != "none":
        from editor.core.lexicon import Lexicon, lexicon_path

        lexicon = Lexicon.load(lexicon_path(args.word_list), args.word_list)
    corpus = find_corpus(args.corpus, install=not args.no_install)
    out = args.out
    train_all, held = split(corpus, out)
    if args.limit:
        held = held[: args.limit]
    print(f"corpus {corpus}: {len(train_all) + len(held)} fortunes, {len(train_all)} for "
          f"training, {len(held)} held out (seed {SPLIT_SEED})", file=sys.stderr)
    extra = shlex.split(args.train_args)
    rows: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    for size in sorted(args.sizes):
        subset = train_all[: max(1, round(len(train_all) * size))]
        name = f"{round(size * 100)}%"
        corpus_file = out / f"train-{round(size * 100)}.txt"
        write(corpus_file, subset)
        model_file = out / f"caminho-{round(size * 100)}.onnx"
        if args.reuse_models and model_file.is_file():
            print(f"reusing {model_file}", file=sys.stderr)
            run = {"wall_seconds": 0.0, "cpu_seconds": 0.0, "epochs": None,
                   "stopped": "reused", "metrics": {}}
        else:
            run = train_model(corpus_file, model_file, extra)
        model = OnnxModel.load(model_file)
        seed = None
        if size == max(args.sizes) and not args.no_seed:
            seed = seed_baseline(model, subset, out, args.seed_epochs)
        config = SuggestConfig()
        seed_row = [] if seed is None else [seed_system(model, seed, config)]
        c = compare(model, held, config=config,
                    train_documents=[tokenize(d) for d in subset], extra=seed_row,
                    model_name=model_file.name, text_name="heldout.txt",
                    progress=ProgressPrinter(sys.stderr), lexicon=lexicon)
        print(f"\n== training text {name} ({len(subset)} fortunes): trained in "
              f"{run['wall_seconds']:.0f} s wall, {run['cpu_seconds']:.0f} s CPU, "
              f"{run['epochs']} epochs ({run['stopped']})")
        print(format_table(c))
        data = c.to_dict()
        runs.append({"size": size, "fortunes": len(subset), "training": run,
                     "seed_seconds": None if seed is None else round(seed.seconds, 1),
                     "evaluation": data})
        for r in data["results"]:
            rows.append({"size": name, **r})
    (out / "results.json").write_text(json.dumps(runs, indent=1, ensure_ascii=False),
                                      encoding="utf-8")
    if args.markdown:
        print("\n" + markdown(rows))
    print(f"\nresults: {out / 'results.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
