"""How far back can each cell remember? A recall task for the plain RNN, the GRU and the LSTM.

    .venv/bin/python benchmarks/memory_span.py [--seeds 0 1 2] [--steps 1500]
        [--regimes long short] [--distances 2 4 8 16 32 64 128]
        [--plot docs/images/memory-span.png] [--json FILE] [--export DIR]

Each sequence is `<doc> w… guarde KEY w1 … wN lembra`: up to four words, the mark "guarde"
("keep"), the key, N more words and the query "lembra" ("remember"), after which the model must
predict the key. Every word is drawn from the same eight, so the words after the key cannot
simply be ignored: the key must be written when it follows "guarde" and kept while words of its
own kind keep arriving, which is what gates are for. Chance is 1/8.

The three cells get the same number of parameters (the GRU's and the RNN's hidden sizes are
chosen to match the LSTM's count as closely as possible), the same optimiser, learning rate,
batch size and number of steps (the training budget), and the same sequences. Two regimes:

- `long`: trained on distances 1..64 (log-uniform: as many batches at 1-8 as at 8-64): can the
  cell learn to bridge long gaps at all within the budget?
- `short`: trained on distances 1..8 only: how far does the memory it learnt carry beyond that?

Each model is scored on 1,000 fresh sequences at every distance (200 per prefix length). Several seeds; the table gives
mean ± standard deviation, the plot each seed (thin) and the mean (thick).

Uses `training.model.LanguageModel`, the network `caminho-train` trains, with torch on one
thread (times depend on the machine and its load, the accuracies on the seeds). `--export DIR`
also writes the first seed's `long` models as Caminho model files (with the parity check), so
the task can be typed in the editor ("guarde pedra rio casa … lembra") with Model → Compare
With. Needs matplotlib for the plot (the `bench` extra); without it the plot is drawn with Qt.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = ("pedra", "caminho", "vida", "retinas", "rio", "casa", "estrela", "pássaro")
MARK, QUERY = "guarde", "lembra"  # "keep" the next word ... "remember" it
VOCAB = ("<unk>", "<doc>", *WORDS, MARK, QUERY)
PREFIX = 4  # up to this many words before the mark, so the key's position varies
EMBEDDING = 16
LSTM_HIDDEN = 48  # the LSTM's size; the others are sized to its parameter count
CELLS = ("rnn", "gru", "lstm")
TITLES = {"rnn": "plain RNN", "gru": "GRU", "lstm": "LSTM"}
COLOURS = {"rnn": "#b2182b", "gru": "#7b3294", "lstm": "#2166ac"}


REGIMES = {"long": 64, "short": 8}  # regime -> the longest distance trained on
REGIME_TITLES = {"long": "trained on distances 1-64: can it learn long gaps?",
                 "short": "trained on distances 1-8: how far does its memory carry?"}


@dataclass
class Run:
    regime: str
    cell: str
    seed: int
    hidden: int
    parameters: int
    seconds: float
    accuracy: dict[int, float]  # distance -> share of queries answered with the right key


def make_config(cell: str, hidden: int):
    from training.config import ModelConfig

    return ModelConfig(vocab_size=len(VOCAB), embedding=EMBEDDING, hidden=hidden, cell=cell)


def matched_hidden(cell: str) -> tuple[int, int]:
    """The hidden size whose parameter count is closest to the LSTM's, and that count."""
    from training.model import LanguageModel, count_parameters

    target = count_parameters(LanguageModel(make_config("lstm", LSTM_HIDDEN)))
    best = min(range(8, 400), key=lambda h: abs(
        count_parameters(LanguageModel(make_config(cell, h))) - target))
    return best, count_parameters(LanguageModel(make_config(cell, best)))


def batch(gen, size: int, distance: int, prefix: int | None = None):
    """[size, prefix + distance + 4] token ids and the [size] keys to recall.

    `<doc> w… guarde KEY w1 … wN lembra`: the words around the key are drawn from the same
    eight as the key, so they cannot simply be ignored: the key must be written when it follows
    "guarde" and kept while words of its own kind keep arriving. The number of words before
    "guarde" (0 to PREFIX) is drawn per batch, so every sequence is exactly what the editor
    reads when it is typed after the document's start.
    """
    import torch

    ids = {w: i for i, w in enumerate(VOCAB)}
    if prefix is None:
        prefix = int(torch.randint(0, PREFIX + 1, (1,), generator=gen))
    words = torch.randint(0, len(WORDS), (size, prefix + 1 + distance), generator=gen)
    words += ids[WORDS[0]]
    keys = words[:, prefix]
    doc = torch.full((size, 1), ids["<doc>"])
    mark = torch.full((size, 1), ids[MARK])
    query = torch.full((size, 1), ids[QUERY])
    return torch.cat([doc, words[:, :prefix], mark, words[:, prefix:], query], dim=1), keys


def train_one(cell: str, seed: int, hidden: int, steps: int, most: int, batch_size: int,
              lr: float) -> tuple:
    import torch

    from training.model import LanguageModel

    torch.manual_seed(seed)
    model = LanguageModel(make_config(cell, hidden))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(1000 + seed)
    started = time.perf_counter()
    model.train()
    for _ in range(steps):
        # Log-uniform over 1..most: as many batches at 1-8 as at 8-64, so a short memory can
        # still learn the short cases (uniform draws left the RNN at chance everywhere).
        distance = int(round(math.exp(float(torch.rand((1,), generator=gen)) * math.log(most))))
        distance = max(1, min(most, distance))
        tokens, keys = batch(gen, batch_size, distance)
        logits, _ = model(tokens, model.zero_state(batch_size))
        loss = torch.nn.functional.cross_entropy(logits[:, -1], keys)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    return model.eval(), time.perf_counter() - started


def score(model, distances: list[int], per_distance: int, seed: int) -> dict[int, float]:
    import torch

    gen = torch.Generator().manual_seed(99_000 + seed)  # fresh sequences, never trained on
    out = {}
    with torch.no_grad():
        for n in distances:
            right = 0
            share = max(1, per_distance // (PREFIX + 1))  # every prefix length, equally
            for prefix in range(PREFIX + 1):
                tokens, keys = batch(gen, share, n, prefix)
                logits, _ = model(tokens, model.zero_state(share))
                right += int((logits[:, -1].argmax(-1) == keys).sum())
            out[n] = right / (share * (PREFIX + 1))
    return out


def export(model, path: Path, cell: str, run: Run, args: argparse.Namespace) -> None:
    from training.export import export_model

    facts = {"corpus": ["memory_span recall task"], "tokens": 0, "epochs": 0,
             "seconds": round(run.seconds, 2), "seed": run.seed, "created": "",
             "metrics": {f"recall_at_{n}": a for n, a in run.accuracy.items()},
             "hyperparameters": model.config.to_dict(), "steps": args.steps}
    report = export_model(model, path, vocab=list(VOCAB), training=facts)
    print(f"wrote {path} ({report.bytes / 1024:.0f} KiB, parity {report.max_diff:.1e})",
          flush=True)


def table(runs: list[Run], distances: list[int]) -> str:
    head = "| regime | cell | hidden | parameters | " + \
        " | ".join(f"N = {n}" for n in distances) + " | train s / seed |"
    lines = [head, "|" + "---|" * (len(distances) + 5)]
    for regime, cell in [(g, c) for g in REGIMES for c in CELLS]:
        mine = [r for r in runs if r.cell == cell and r.regime == regime]
        if not mine:
            continue
        cells = []
        for n in distances:
            values = [r.accuracy[n] for r in mine]
            spread = f" ± {statistics.stdev(values):.0%}" if len(values) > 1 else ""
            cells.append(f"{statistics.mean(values):.0%}{spread}")
        seconds = statistics.mean(r.seconds for r in mine)
        lines.append(f"| {regime} (1-{REGIMES[regime]}) | {TITLES[cell]} | {mine[0].hidden} | "
                     f"{mine[0].parameters:,} | "
                     + " | ".join(cells) + f" | {seconds:.0f} |")
    return "\n".join(lines)


def plot(runs: list[Run], distances: list[int], path: Path, subtitle: str) -> str:
    """The accuracy curves as a PNG; returns which library drew it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        _plot_qt(runs, distances, path, subtitle)
        return "Qt"
    regimes = [g for g in REGIMES if any(r.regime == g for r in runs)]
    fig, axes = plt.subplots(1, len(regimes), figsize=(5.2 * len(regimes), 4.3), dpi=110,
                             squeeze=False, sharey=True)
    for ax, regime in zip(axes[0], regimes, strict=True):
        for cell in CELLS:
            mine = [r for r in runs if r.cell == cell and r.regime == regime]
            if not mine:
                continue
            for r in mine:
                ax.plot(distances, [r.accuracy[n] for n in distances], color=COLOURS[cell],
                        alpha=0.3, linewidth=1)
            mean = [statistics.mean(r.accuracy[n] for r in mine) for n in distances]
            # The GRU dashed and on top: where it and the LSTM are both at 100% both show.
            ax.plot(distances, mean, color=COLOURS[cell], linewidth=2.4, marker="o",
                    linestyle="--" if cell == "gru" else "-", zorder=3 if cell == "gru" else 2,
                    label=f"{TITLES[cell]} (hidden {mine[0].hidden}, "
                          f"{mine[0].parameters:,} params)")
        ax.axhline(1 / len(WORDS), color="grey", linestyle=":", linewidth=1)
        ax.text(distances[-1], 1 / len(WORDS) + 0.02, "chance", color="grey", ha="right",
                fontsize=8)
        ax.axvspan(distances[0], REGIMES[regime], color="#eeeeee", zorder=0)
        ax.set_xscale("log", base=2)
        ax.set_xticks(distances)
        ax.set_xticklabels([str(n) for n in distances])
        ax.set_ylim(0, 1.03)
        ax.set_xlabel("distance N: words between the key and \"lembra\"")
        ax.set_title(REGIME_TITLES[regime], fontsize=9)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("key recalled (share of fresh sequences)")
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle("Memory span at the same parameter count and training budget "
                 "(grey: distances trained on; thin lines: single seeds)", fontsize=10)
    fig.text(0.5, 0.005, subtitle, ha="center", fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path)
    plt.close(fig)
    return "matplotlib"


def _plot_qt(runs: list[Run], distances: list[int], path: Path, subtitle: str) -> None:
    """The same picture with QPainter offscreen, for machines without matplotlib."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (kept alive)
    regimes = [g for g in REGIMES if any(r.regime == g for r in runs)]
    img = QImage(560 * len(regimes), 470, QImage.Format.Format_ARGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    lo, hi = math.log2(distances[0]), math.log2(distances[-1])
    for k, regime in enumerate(regimes):
        g = QRectF(560 * k + 70, 50, 460, 330)

        def at(n: float, a: float, g: QRectF = g) -> QPointF:
            x = g.left() + (math.log2(n) - lo) / max(hi - lo, 1e-9) * g.width()
            return QPointF(x, g.bottom() - a * g.height())

        trained = min(REGIMES[regime], distances[-1])
        p.fillRect(QRectF(g.left(), g.top(), at(trained, 0).x() - g.left(), g.height()),
                   QColor("#eeeeee"))
        p.setPen(QPen(QColor("#999999")))
        p.drawRect(g)
        for n in distances:
            p.drawText(QRectF(at(n, 0).x() - 20, g.bottom() + 4, 40, 16),
                       Qt.AlignmentFlag.AlignHCenter, str(n))
        for a in (0.0, 0.25, 0.5, 0.75, 1.0):
            p.drawText(QRectF(g.left() - 50, at(distances[0], a).y() - 8, 44, 16),
                       Qt.AlignmentFlag.AlignRight, f"{a:.0%}")
        p.drawText(QRectF(g.left(), 24, g.width(), 20), Qt.AlignmentFlag.AlignHCenter,
                   REGIME_TITLES[regime])
        p.drawText(QRectF(g.left(), g.bottom() + 22, g.width(), 16),
                   Qt.AlignmentFlag.AlignHCenter, "distance N (words between key and \"lembra\")")
        y = 0
        for cell in CELLS:
            mine = [r for r in runs if r.cell == cell and r.regime == regime]
            if not mine:
                continue
            colour = QColor(COLOURS[cell])
            faint = QColor(colour)
            faint.setAlpha(80)
            for r in mine:
                p.setPen(QPen(faint, 1))
                for a, b in zip(distances, distances[1:], strict=False):
                    p.drawLine(at(a, r.accuracy[a]), at(b, r.accuracy[b]))
            p.setPen(QPen(colour, 2.5))
            mean = {n: statistics.mean(r.accuracy[n] for r in mine) for n in distances}
            for a, b in zip(distances, distances[1:], strict=False):
                p.drawLine(at(a, mean[a]), at(b, mean[b]))
            p.drawText(QPointF(g.left() + 10, g.bottom() - 12 - 16 * y),
                       f"{TITLES[cell]} (hidden {mine[0].hidden})")
            y += 1
    p.setPen(QPen(QColor("#555555")))
    p.drawText(QRectF(0, 445, img.width(), 16), Qt.AlignmentFlag.AlignHCenter, subtitle)
    p.end()
    img.save(str(path))


def _subtitle(seeds: int, args: argparse.Namespace) -> str:
    return f"{seeds} seeds · {args.steps} steps of {args.batch_size} · benchmarks/memory_span.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS))
    parser.add_argument("--regimes", nargs="+", choices=list(REGIMES), default=list(REGIMES))
    parser.add_argument("--distances", type=int, nargs="+", default=[2, 4, 8, 16, 32, 64, 128])
    parser.add_argument("--steps", type=int, default=1500, help="optimiser steps per model")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--per-distance", type=int, default=1000,
                        help="fresh sequences scored at each distance")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "images" / "memory-span.png")
    parser.add_argument("--json", type=Path, default=None, help="also write the runs as JSON")
    parser.add_argument("--export", type=Path, default=None, metavar="DIR",
                        help="write the first seed's models as Caminho model files")
    parser.add_argument("--replot", type=Path, default=None, metavar="JSON",
                        help="draw the table and plot from a --json file instead of training")
    args = parser.parse_args()
    distances = sorted(set(args.distances))
    if args.replot is not None:
        runs = [Run(**{**r, "accuracy": {int(k): v for k, v in r["accuracy"].items()}})
                for r in json.loads(args.replot.read_text())]
        distances = sorted(runs[0].accuracy)
        print(table(runs, distances))
        seeds = sorted({r.seed for r in runs})
        print(f"plot: {args.plot} (drawn with "
              f"{plot(runs, distances, args.plot, _subtitle(len(seeds), args))})")
        return 0

    import torch

    torch.set_num_threads(1)
    started = time.perf_counter()
    sizes = {cell: matched_hidden(cell) for cell in args.cells}
    print(f"recall task: {len(WORDS)} words, chance {1 / len(WORDS):.1%}; {args.steps} steps "
          f"of {args.batch_size}, Adam lr {args.lr}, clip 1.0; torch {torch.__version__}, "
          "1 thread", flush=True)
    for cell, (hidden, params) in sizes.items():
        print(f"  {TITLES[cell]}: hidden {hidden}, {params:,} parameters", flush=True)
    runs: list[Run] = []
    for regime in args.regimes:
        for seed in args.seeds:
            for cell in args.cells:
                hidden, params = sizes[cell]
                model, seconds = train_one(cell, seed, hidden, args.steps, REGIMES[regime],
                                           args.batch_size, args.lr)
                acc = score(model, distances, args.per_distance, seed)
                run = Run(regime, cell, seed, hidden, params, seconds, acc)
                runs.append(run)
                shown = "  ".join(f"{n}:{a:.0%}" for n, a in acc.items())
                print(f"{regime:>5} {TITLES[cell]:>9} seed {seed}: {shown}  ({seconds:.0f} s)",
                      flush=True)
                if args.export is not None and seed == args.seeds[0] and regime == "long":
                    args.export.mkdir(parents=True, exist_ok=True)
                    export(model, args.export / f"recall-{cell}.onnx", cell, run, args)
    print()
    print(table(runs, distances))
    drawn = plot(runs, distances, args.plot, _subtitle(len(args.seeds), args))
    print(f"\nplot: {args.plot} (drawn with {drawn}); {time.perf_counter() - started:.0f} s in all")
    if args.json is not None:
        args.json.write_text(json.dumps([r.__dict__ for r in runs], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
