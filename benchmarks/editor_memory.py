"""The editor's memory: resident size after start and while typing 10,000 words.

    .venv/bin/python benchmarks/editor_memory.py [--words 10000] [--every 1000]
                                                 [--model poem|large|PATH ...]

One process per model (the real window, offscreen, with the insight panel shown as by
default). RSS (VmRSS) and its anonymous part (RssAnon: the heap, numpy and onnxruntime arrays,
without the mapped libraries) are read from /proc after the window is up, after the model has
loaded and made its first suggestions, and every --every words while real key events type
--words words of text (fortunes-br when installed, else the poem, repeated). After each word
the events are processed, so the worker ranks as a typist's pauses let it. A bounded editor
grows with the document (its text, layout and undo steps, a few hundred bytes a word) and not
otherwise: the last column is the growth per 1,000 words over the second half of the run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
FORTUNES = Path("/usr/share/games/fortunes/brasil")


def rss() -> tuple[float, float]:
    """(VmRSS, RssAnon) in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["RssAnon"]


def words_to_type(n: int) -> list[str]:
    if FORTUNES.is_file():
        text = FORTUNES.read_text(encoding="utf-8", errors="replace").replace("%\n", "\n")
    else:
        text = (ROOT / "resources" / "corpus" / "no-meio-do-caminho.txt").read_text("utf-8")
    words = text.split()
    return [words[i % len(words)] for i in range(n)]


def measure(model: str, n_words: int, every: int, tree: Path) -> dict:
    sys.path.insert(0, str(tree))
    from PySide6.QtCore import QCoreApplication

    from editor.app import build_parser, build_window, create_application
    from editor.ui.probe import parse_keys, press, wait_for_fresh_suggestions, wait_until
    from editor.ui.settings import Settings

    start = rss()  # Python, Qt, onnxruntime and numpy loaded; no window yet
    create_application()
    args = build_parser().parse_args(["--model", model])
    window = build_window(args, Settings(Path(tempfile.mkdtemp()) / "m.ini"))
    window.show()
    ctl = window.suggestions
    wait_until(lambda: ctl.model_name is not None, 120)
    press(window.editor, *parse_keys("N")[0])
    wait_for_fresh_suggestions(window, 30)
    up = rss()
    samples = [(0, *up)]
    collections: list[tuple[int, float]] = []  # (generation, CPU ms) while typing
    started: dict[int, float] = {}

    def on_gc(phase: str, info: dict) -> None:
        key = threading.get_ident()
        if phase == "start":
            started[key] = time.thread_time()
        elif key in started:
            collections.append((info["generation"], (time.thread_time() - started.pop(key)) * 1e3))

    gc.callbacks.append(on_gc)
    t0 = time.monotonic()
    for k, word in enumerate(words_to_type(n_words), 1):
        for key, mods, ch in parse_keys(word + ("\n" if k % 12 == 0 else " ")):
            press(window.editor, key, mods, ch)
        QCoreApplication.processEvents()
        if k % every == 0:
            wait_for_fresh_suggestions(window, 10)
            samples.append((k, *rss()))
            print(f"  {model}: {k} words, RSS {samples[-1][1]:.0f} MB", file=sys.stderr,
                  flush=True)
    seconds = time.monotonic() - t0
    gc.callbacks.remove(on_gc)
    chars = len(window.editor.text())
    window.editor.document().setModified(False)
    window.close()
    ctl.shutdown()
    return {"model": Path(model).name, "before_window": start, "started": up,
            "samples": samples, "seconds": seconds, "characters": chars,
            "gc": {g: [ms for gen, ms in collections if gen == g] for g in (0, 1, 2)}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=10000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--model", nargs="+", default=["poem", "large"])
    parser.add_argument("--tree", type=Path, default=ROOT,
                        help="the checkout whose editor runs (e.g. an older commit's, for a "
                             "before/after)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.words, args.every, args.tree)))
        return 0
    sys.path.insert(0, str(ROOT))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.model:
            if name == "poem":
                from editor.core.resources import bundled_model_path

                path = bundled_model_path()
            elif name == "large":
                from training.export import export_random_model

                path = export_random_model(Path(tmp) / "large.onnx", 12000, embedding=256,
                                           hidden=512)
            else:
                path = Path(name)
            proc = subprocess.run([sys.executable, __file__, "--child", str(path), "--words",
                                   str(args.words), "--every", str(args.every), "--tree",
                                   str(args.tree)],
                                  capture_output=True, text=True, check=False,
                                  env=dict(os.environ, PYTHONPATH=str(args.tree)))
            sys.stderr.write(proc.stderr)
            if proc.returncode != 0:
                return proc.returncode
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"\nEditor memory (MB): RSS / anonymous part; {args.words} words typed with key events\n")
    print("| model | libraries loaded, no window | window up, model loaded | "
          f"after {args.words // 2} words | after {args.words} words | "
          "growth per 1,000 words, second half | typing time |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        s = r["samples"]
        mid = min(s, key=lambda x: abs(x[0] - args.words // 2))
        end = s[-1]
        per_k = (end[2] - mid[2]) / max(1, (end[0] - mid[0])) * 1000
        print(f"| {r['model']} | {r['before_window'][0]:.0f} / {r['before_window'][1]:.0f} | "
              f"{r['started'][0]:.0f} / {r['started'][1]:.0f} | {mid[1]:.0f} / {mid[2]:.0f} | "
              f"{end[1]:.0f} / {end[2]:.0f} | {per_k:+.2f} (anonymous) | {r['seconds']:.0f} s |")
    print("\nGarbage collections while typing (CPU ms each, any thread)\n")
    print("| model | generation 0: n, median, max | generation 1 | generation 2 (full) |")
    print("|---|---|---|---|")
    for r in rows:
        cells = []
        for g in ("0", "1", "2"):
            ms = sorted(r["gc"][g])
            cells.append(f"{len(ms)}, {ms[len(ms) // 2]:.2f}, {ms[-1]:.2f}" if ms else "0")
        print(f"| {r['model']} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
