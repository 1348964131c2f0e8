"""The word lists: load time, memory, and lookup latency (prefix, accent-blind, typo).

    .venv/bin/python benchmarks/lexicon.py [--lookups 5000] [--languages pt en]

For each bundled list: the time to read it and the resident memory it adds (RSS measured
before and after, in this process), then the latency of the lookups the strip makes on a
keystroke, for prefixes cut from random words of the list (seed 1928):
- prefix: the most frequent words the model lacks among those starting with the prefix
  (accent-folded range + top-3 by frequency), 1 to 8 letters;
- accented: the same for a prefix typed with its accents (the narrowing path);
- typo: the words one edit away from a prefix with a wrong last letter (4 to 9 letters),
  also with the remembered one- and two-letter heads forgotten before each call (as before);
- suggest(): the whole ranking of `Suggester.suggest` with the poem model, without and with
  the list, for the same prefixes after a fixed context (the LSTM state is reused, as when
  typing inside a word).
Each row gives the median and p99 of the wall time, and the p99 of the thread's CPU time:
on a machine shared with other work the wall time's tail is the scheduler's.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from editor.core.lexicon import Lexicon, fold, lexicon_path  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def row(name: str, times: tuple[list[float], list[float]]) -> str:
    wall, cpu = (np.asarray(t) * 1e3 for t in times)  # ms
    if not len(wall):
        return f"| {name:<40} | — | — | — | — | 0 |"
    return (f"| {name:<40} | {statistics.median(wall):7.3f} | {np.percentile(cpu, 99):7.3f} | "
            f"{np.percentile(wall, 99):7.3f} | {wall.max():7.3f} | {len(wall):5d} |")


def header(title: str) -> None:
    print(f"\n{title}\n")
    print(f"| {'lookup':<40} | {'median':>7} | {'p99 CPU':>7} | {'p99':>7} | {'max':>7} | "
          f"{'n':>5} |")
    print(f"|{'-' * 42}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 7}|")


def timed(fn, args_list: list) -> tuple[list[float], list[float]]:
    """Wall and thread-CPU seconds per call. On a shared machine the wall time's tail is the
    scheduler's (a preempted call waits milliseconds); the CPU time is the lookup's own."""
    gc.collect()
    wall, cpu = [], []
    for args in args_list:
        c = time.thread_time()
        t = time.perf_counter()
        fn(*args)
        wall.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    return wall, cpu


def lookup(bound, key: str) -> None:
    """What the strip asks of the list on a keystroke: the range, then its best three."""
    lo, hi = bound.lexicon.index.range(key)
    bound.best(lo, hi, 3, lambda i: True)


def narrow(bound, prefix: str, key: str) -> None:
    """The same for a prefix typed with an accent."""
    bound.best_of(bound.lexicon.index.accented(prefix, key), 3, lambda i: True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=5000)
    parser.add_argument("--languages", nargs="+", default=["pt", "en"])
    args = parser.parse_args()
    rng = random.Random(1928)

    print("| list | words | file MB | load s | RSS added MB |")
    print("|---|---|---|---|---|")
    lexicons = {}
    for lang in args.languages:
        path = lexicon_path(lang)
        gc.collect()
        before = rss_mb()
        t = time.perf_counter()
        lex = Lexicon.load(path)
        seconds = time.perf_counter() - t
        gc.collect()
        lexicons[lang] = lex
        print(f"| {lang} | {len(lex)} | {path.stat().st_size / 1e6:.2f} | {seconds:.2f} | "
              f"{rss_mb() - before:.1f} |")

    from editor.core.lm import LanguageModel
    from editor.core.resources import bundled_model_path
    from editor.core.suggest import Suggester

    model = LanguageModel.load(bundled_model_path())
    for lang, lex in lexicons.items():
        bound = lex.bind(model.ids)
        index = lex.index
        # Prefixes from words drawn by frequency, as a writer meets them.
        drawn = rng.choices(range(len(lex)), weights=lex.freq, k=args.lookups)
        words = [lex.words[i] for i in drawn]
        header(f"Lookups in the {lang} list ({len(lex)} words), ms")
        for n in (1, 2, 3, 4, 6, 8):
            prefixes = [(bound, fold(w[:n])) for w in words if len(w) >= n]
            print(row(f"prefix, {n} letter{'s' if n > 1 else ''}", timed(lookup, prefixes)))
        accented = [(bound, w[:k], fold(w[:k])) for w in words
                    for k in [next((j + 1 for j, ch in enumerate(w) if ch != fold(ch)), 0)]
                    if k]
        print(row("prefix typed with its accent", timed(narrow, accented)))
        def cold(key: str, index=index) -> None:
            index._letters.clear()  # as before short heads were remembered (issue 15)
            index.typo_ranges(key)

        for n in (4, 6, 9):
            typos = [(fold(w[: n - 1]) + "q",) for w in words if len(w) >= n][:1000]
            print(row(f"typo, {n} letters, nothing remembered", timed(cold, typos)))
            print(row(f"typo, {n} letters", timed(index.typo_ranges, typos)))

        contexts = "Eu gosto de comer " if lang == "pt" else "I really like the "
        plain = Suggester(model)
        with_list = Suggester(model)
        with_list.set_lexicon(bound)
        samples = [(contexts + w[:n],) for w in words[:1000] for n in (1, 3, 5) if len(w) > n]
        for s in (plain, with_list):
            s.suggest(contexts)  # the LSTM state for the context, computed once
        print(row("suggest(), poem model alone", timed(plain.suggest, samples)))
        print(row(f"suggest(), poem model + {lang} list", timed(with_list.suggest, samples)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
