"""Training at scale: throughput, data parallelism, memory and a time-budgeted run.

    .venv/bin/python benchmarks/train_scale.py corpus                 # build the corpus
    .venv/bin/python benchmarks/train_scale.py throughput [--rounds 3] [--seconds 20]
    .venv/bin/python benchmarks/train_scale.py ddp [--seconds 30]
    .venv/bin/python benchmarks/train_scale.py rss [--sizes 10 100 1000] [--train-budget 2m]
    .venv/bin/python benchmarks/train_scale.py budget [--budget 10m]

Corpus: the Brazilian Portuguese GIMP manual, Debian package gimp-help-pt-br (685 HTML pages,
about 2 MB and 395 000 tokens once the markup is stripped). The script installs the package
with apt-get when it is missing, strips the HTML (navigation bars dropped, one line per
paragraph, title and list item) and writes one document per page, separated by lines holding
"%", to --out (build/ is not committed: the corpus never is).

- throughput: tokens per second of training, "before" (plain softmax, 32 streams, OpenMP
  threads spinning while they wait: how caminho-train trained before) against today's
  defaults, each in a fresh process, taking turns, medians of --rounds; the same threads.
- ddp: the same measurement in one process and under `torchrun --nproc_per_node 2` (gloo),
  the machine's cores shared out between the processes.
- rss: peak resident memory of the data stage (read and tokenize, vocabulary, split, one pass
  over every training batch) for corpora of the given sizes in MB, made by repeating the
  manual; with --train-budget also of a whole `caminho-train train --time-budget` run.
- budget: `caminho-train train CORPUS --time-budget 10m`, wall time and validation perplexity.

Timings depend on the machine and on what else runs on it (2 shared cores here).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as caminho-train sets it (training/cli.py)

HELP_DIR = Path("/usr/share/gimp/2.0/help/pt_BR")
SEPARATOR = "%"
DEFAULT_OUT = ROOT / "build" / "scale"


# --- the corpus --------------------------------------------------------------------------------

BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br", "pre", "dt", "dd",
          "title", "table", "td", "th", "blockquote", "hr"}


class _Text(HTMLParser):
    """Visible text of a DocBook HTML page, one line per block; navigation bars left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.parts: list[str] = []
        self.skip = 0
        self.divs: list[bool] = []

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.parts)).strip()
        if text:
            self.lines.append(text)
        self.parts = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div":
            nav = dict(attrs).get("class") in ("navheader", "navfooter")
            self.divs.append(nav)
            self.skip += nav
        elif tag in ("script", "style", "head"):
            self.skip += 1
        if tag in BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.divs:
            self.skip -= self.divs.pop()
        elif tag in ("script", "style", "head"):
            self.skip -= 1
        if tag in BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def build_corpus(out: Path) -> Path:
    """The manual as text, one page per document; installs gimp-help-pt-br if needed."""
    path = out / "gimp-help-pt-br.txt"
    if path.is_file():
        return path
    if not HELP_DIR.is_dir() and shutil.which("apt-get"):
        print("gimp-help-pt-br not found: installing it with apt-get ...", file=sys.stderr)
        for cmd in (["apt-get", "install", "-y", "gimp-help-pt-br"], ["apt-get", "update"],
                    ["apt-get", "install", "-y", "gimp-help-pt-br"]):
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            if HELP_DIR.is_dir():
                break
    if not HELP_DIR.is_dir():
        sys.exit(f"train_scale.py: {HELP_DIR} not found and apt-get install -y gimp-help-pt-br "
                 "failed (no root, no network?); install the Debian package gimp-help-pt-br")
    pages = []
    for page in sorted(HELP_DIR.glob("*.html")):
        parser = _Text()
        parser.feed(page.read_text(encoding="utf-8"))
        parser._flush()
        if parser.lines:
            pages.append("\n".join(parser.lines))
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(f"\n{SEPARATOR}\n".join(pages) + "\n", encoding="utf-8")
    print(f"corpus: {len(pages)} pages, {path.stat().st_size / 1e6:.1f} MB -> {path}",
          file=sys.stderr)
    return path


def repeated_corpus(source: Path, megabytes: float, out: Path) -> Path:
    """`source` repeated (each copy's pages are new documents) up to `megabytes` MB."""
    path = out / f"repeated-{megabytes:g}MB.txt"
    want = int(megabytes * 1e6)
    if path.is_file() and path.stat().st_size >= want:
        return path
    text = source.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    with path.open("w", encoding="utf-8") as f:
        written = 0
        while written < want:
            f.write(text + f"{SEPARATOR}\n")
            written += len(text.encode("utf-8")) + 2
    return path


# --- tokens per second ---------------------------------------------------------------------------


def tokens_per_second(corpus: Path, *, softmax: str, batch: int | None, threads: int,
                      seconds: float, dist: object = None) -> tuple[float, float]:
    """Training tokens per second of this process's share over `seconds` of steps, after one
    warm-up step, with the defaults for this corpus except the given settings: per second of
    wall-clock time and per second of this process's CPU time (all its threads). On shared
    cores the second is the steadier measure of how much work a token takes."""
    from dataclasses import replace

    from training.config import ModelConfig, TrainConfig, fit_to_corpus
    from training.corpus import load_corpus
    from training.loop import Trainer
    from training.stream import read_corpus

    store = read_corpus([corpus], separator=SEPARATOR)
    model, train = fit_to_corpus(store.tokens, ModelConfig(softmax=softmax),
                                 TrainConfig(doc_separator=SEPARATOR, threads=threads))
    if batch:
        train = replace(train, batch_size=batch)
    data = load_corpus([corpus], train, None, store)
    trainer = Trainer(data, model, train, dist=dist)  # type: ignore[arg-type]
    total = len(data.split.train)
    seen: dict[str, float] = {}

    class Done(Exception):
        pass

    def on_batch(epoch: int, fraction: float) -> None:
        now = time.perf_counter()
        if "t0" not in seen:
            seen["t0"], seen["c0"], seen["f0"] = now, time.process_time(), fraction
        seen["f1"], seen["t1"], seen["c1"] = fraction, now, time.process_time()
        if now - seen["t0"] >= seconds:
            raise Done

    try:
        trainer.train_epoch(1, on_batch)
    except Done:
        pass
    share = total / getattr(dist, "world", 1)  # the streams this process read
    done = (seen["f1"] - seen["f0"]) * share
    return done / (seen["t1"] - seen["t0"]), done / max(1e-9, seen["c1"] - seen["c0"])


# name -> (--softmax, --batch-size or None for the default, OMP_WAIT_POLICY)
SETUPS = {
    "before: full softmax, threads spinning": ("full", 32, "ACTIVE"),
    "full softmax, threads sleeping": ("full", 32, "PASSIVE"),
    "after: defaults (adaptive softmax, threads sleeping)": ("auto", None, "PASSIVE"),
}


def cmd_throughput(args: argparse.Namespace) -> None:
    """Each setup in a fresh process (OpenMP reads its wait policy once), taking turns."""
    corpus = build_corpus(args.out)
    rates: dict[str, list[tuple[float, float]]] = {name: [] for name in SETUPS}
    for _ in range(args.rounds):
        for name, (softmax, batch, policy) in SETUPS.items():
            cmd = [sys.executable, str(Path(__file__)), "rate-child", "--corpus", str(corpus),
                   "--seconds", str(args.seconds), "--threads", str(args.threads),
                   "--softmax", softmax] + (["--batch", str(batch)] if batch else [])
            env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_WAIT_POLICY=policy)
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
            line = next(x.split() for x in out.stdout.splitlines() if x.startswith("rate "))
            rates[name].append((float(line[1]), float(line[3])))
            print(f"  {name}: {line[1]} tokens/s, {line[3]} per CPU-second", file=sys.stderr,
                  flush=True)
    first = next(iter(rates))
    before = [statistics.median(v[k] for v in rates[first]) for k in (0, 1)]
    print(f"\n{args.threads} thread(s), {args.rounds} rounds of {args.seconds:g} s, medians:\n")
    print("| setup | tokens/s (wall) | speed-up | tokens per CPU-second | speed-up |")
    print("|---|---|---|---|---|")
    for name, values in rates.items():
        wall, cpu = (statistics.median(v[k] for v in values) for k in (0, 1))
        print(f"| {name} | {wall:.0f} | {wall / before[0]:.2f}x | {cpu:.0f} | "
              f"{cpu / before[1]:.2f}x |")


def cmd_ddp(args: argparse.Namespace) -> None:
    corpus = build_corpus(args.out)
    cores = os.cpu_count() or 1
    results = []
    for procs in (1, 2):
        cmd = [sys.executable]
        if procs > 1:
            cmd += ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(procs)]
        cmd += [str(Path(__file__)), "rate-child", "--corpus", str(corpus), "--seconds",
                str(args.seconds), "--threads", str(max(1, cores // procs))]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
        lines = [line.split() for line in out.stdout.splitlines() if line.startswith("rate ")]
        # Each process timed its own share over the same seconds: the shares add up, and so
        # do the CPU-seconds each spent per wall-clock second (wall / cpu).
        wall = sum(float(x[1]) for x in lines)
        cpu_per_s = sum(float(x[1]) / float(x[3]) for x in lines)
        results.append((procs, max(1, cores // procs), wall, wall / cpu_per_s))
        print(f"  {procs} process(es): {wall:.0f} tokens/s", file=sys.stderr, flush=True)
    print("\n| processes | threads each | tokens/s (all processes, wall) | tokens per CPU-second |")
    print("|---|---|---|---|")
    for procs, threads, wall, cpu in results:
        print(f"| {procs} | {threads} | {wall:.0f} | {cpu:.0f} |")


def cmd_rate_child(args: argparse.Namespace) -> None:
    from training.distributed import setup

    dist = setup("cpu")
    wall, cpu = tokens_per_second(args.corpus, softmax=args.softmax, batch=args.batch,
                                  threads=args.threads, seconds=args.seconds, dist=dist)
    # "rate WALL cpu CPU": this process's share per second and per CPU-second
    print(f"rate {wall:.1f} cpu {cpu:.1f} rank {dist.rank}", flush=True)
    dist.close()


PEAK_OF_CHILD = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:]); "
                 "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


# --- memory -----------------------------------------------------------------------------------


def cmd_rss_child(args: argparse.Namespace) -> None:
    """The data stage alone, in a fresh process: its peak RSS is this stage's."""
    import numpy as np

    from training.stream import matrix, read_corpus, split_store

    started = time.monotonic()
    store = read_corpus([args.corpus], separator=SEPARATOR)
    vocab = store.vocabulary(max_vocab=20000)
    split = split_store(store, vocab, 0.1)
    read = time.monotonic() - started
    inputs = matrix(np.asarray(split.train.inputs), 32)
    total = 0
    for t in range(0, inputs.shape[1], 35):  # every training batch of an epoch, read once
        total += int(inputs[:, t : t + 35].sum())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"tokens": store.tokens, "vocab": len(vocab), "read_s": round(read, 1),
                      "epoch_read_s": round(time.monotonic() - started - read, 1),
                      "peak_rss_mb": round(peak)}))


def cmd_rss(args: argparse.Namespace) -> None:
    source = build_corpus(args.out)
    rows = []
    for size in args.sizes:
        corpus = repeated_corpus(source, size, args.out)
        out = subprocess.run([sys.executable, str(Path(__file__)), "rss-child", "--corpus",
                              str(corpus)], capture_output=True, text=True, check=True,
                             env=dict(os.environ, PYTHONPATH=str(ROOT)))
        data = json.loads(out.stdout.splitlines()[-1])
        row = {"MB": size, **data}
        if args.train_budget:
            started = time.monotonic()
            # Through a wrapper process: its children's peak is this run's alone.
            train = subprocess.run(
                [sys.executable, "-c", PEAK_OF_CHILD, sys.executable, "-m", "training", "train",
                 str(corpus), "--doc-separator", SEPARATOR, "--out",
                 str(args.out / f"rss-{size:g}.onnx"), "--time-budget", args.train_budget,
                 "--quiet", *args.train_args.split()],
                capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
            row["run_s"] = round(time.monotonic() - started)
            row["run_ok"] = train.returncode == 0
            row["run_peak_rss_mb"] = round(int(train.stdout.split()[-1]) / 1024)
        rows.append(row)
        print(f"  {row}", file=sys.stderr, flush=True)
    print("\n| corpus | tokens | data stage peak RSS | read + tokenize | one pass over the "
          "batches |" + (" whole run peak RSS |" if args.train_budget else ""))
    print("|---|---|---|---|---|" + ("---|" if args.train_budget else ""))
    for r in rows:
        line = (f"| {r['MB']:g} MB | {r['tokens']:,} | {r['peak_rss_mb']} MB | {r['read_s']} s "
                f"| {r['epoch_read_s']} s |")
        if args.train_budget:
            line += f" {r['run_peak_rss_mb']} MB{'' if r['run_ok'] else ' (failed)'} |"
        print(line)


# --- a budgeted run ---------------------------------------------------------------------------


def cmd_budget(args: argparse.Namespace) -> None:
    """One run with a time budget, or (`--budget none`) the full default run it is measured
    against: early stopping, no time limit."""
    corpus = build_corpus(args.out)
    name = "reference" if args.budget == "none" else "budget"
    model = args.out / f"{name}.onnx"
    budget = [] if args.budget == "none" else ["--time-budget", args.budget]
    cmd = [sys.executable, "-m", "training", "train", str(corpus), "--doc-separator", SEPARATOR,
           "--out", str(model), *budget, "--progress-json", "--force", *args.train_args.split()]
    started = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    wall = time.monotonic() - started
    if out.returncode != 0:
        sys.exit(out.stderr[-2000:])
    lines = out.stdout.splitlines()
    (args.out / f"{name}.jsonl").write_text(out.stdout, encoding="utf-8")
    done = json.loads(lines[-1])
    m = done["metrics"]
    epochs = [json.loads(line) for line in lines[:-1] if line.startswith('{"epoch"')]
    best = min((e["val_loss"] for e in epochs if e.get("val_loss") is not None), default=None)
    print(f"{name} {args.budget}: wall {wall:.0f} s, {done['epochs_run']} epochs, "
          f"{done['seconds']:.0f} s of training, stopped: {done['stopped']}")
    if best is not None:
        # What early stopping watches: the network's loss on the validation split, rare words
        # still folded into <unk> (the figure below spreads <unk> over them, so it is higher).
        print(f"best epoch's validation loss {best:.4f} (perplexity {math.exp(best):.2f}, "
              "training vocabulary)")
    print(f"validation perplexity {m['val_perplexity']:.2f} (LSTM alone"
          + (f"; with the trigram {m['val_perplexity_mixed']:.2f}" if "val_perplexity_mixed"
             in m else "") + ")")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("corpus")
    p = sub.add_parser("throughput")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p = sub.add_parser("ddp")
    p.add_argument("--seconds", type=float, default=30.0)
    p = sub.add_parser("rate-child")
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--softmax", default="auto")
    p.add_argument("--batch", type=int, default=None)
    p = sub.add_parser("rss")
    p.add_argument("--sizes", type=float, nargs="+", default=[10, 100, 1000])
    p.add_argument("--train-budget", default=None)
    p.add_argument("--train-args", default="", help="more caminho-train options, one string")
    p = sub.add_parser("rss-child")
    p.add_argument("--corpus", type=Path, required=True)
    p = sub.add_parser("budget")
    p.add_argument("--budget", default="10m", help="a duration, or none: the full default run")
    p.add_argument("--train-args", default="", help="more caminho-train options, one string")
    args = parser.parse_args()
    if args.command == "corpus":
        print(build_corpus(args.out))
    else:
        {"throughput": cmd_throughput, "ddp": cmd_ddp, "rate-child": cmd_rate_child,
         "rss": cmd_rss, "rss-child": cmd_rss_child, "budget": cmd_budget}[args.command](args)


if __name__ == "__main__":
    main()
