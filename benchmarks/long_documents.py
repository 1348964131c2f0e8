"""Long documents: the neural cache against the unigram cache and no cache, on long pages.

    .venv/bin/python benchmarks/long_documents.py [--held-out 10] [--epochs 4] [--markdown]
                                                  [--out build/long] [--retrain] [--reexport]
                                                  [--arms ...] [--limit N] [--ksr-documents N]
                                                  [--sweep [--thetas ...] [--lambdas ...]]
    .venv/bin/python benchmarks/long_documents.py --model M.onnx --text HELD.txt
                                                  --doc-separator % [--markdown]

Corpus: the GIMP manual in Brazilian Portuguese (Debian package gimp-help-pt-br, 685 HTML
pages under /usr/share/gimp/2.0/help/pt_BR). The script installs the package with apt-get
when it is missing and stops with a clear message if it cannot. Each page becomes one plain
text document: the markup, the navigation bars and scripts are dropped, every block element
(paragraph, heading, list item, table cell...) is one line. Nothing of it is committed: the
text goes under --out (build/ is ignored).

Split by page: of the pages with at least 1,000 words, --held-out (shuffled with a fixed seed)
are held out; every other page is training text. `caminho-train train` trains on those with a
small model so that it trains in about 10-15 minutes on 2 shared cores (vocabulary 8,000,
256/256 LSTM, --epochs epochs); the cache's relative gain is what this measures. The model
(and its checkpoint) is kept under --out and reused unless --retrain is given; re-exporting the
checkpoint re-runs the post-training steps (the trigram and the cache tuning) in seconds.

Each held-out page is typed from its first word through the editor's engine as the editor
drives it: the text before the cursor in the editor's bounded window (editor.core.context), the
window's place in the document given, so the neural cache covers the whole page while the
LSTM sees the window. Measured per engine setting (no cache, the unigram cache of the
document's words, the neural cache, both): strip and ghost keystroke savings
(training/ksr.py), top-1/top-3 next-word accuracy, perplexity over every token of the engine's
mixed distribution (unknown words as <unk>), and top-3 and perplexity by position in the page
(first 200 words, words 200-1,000, after 1,000).
"""

from __future__ import annotations

import argparse
import html.parser
import json
import math
import os
import random
import resource
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PACKAGE = "gimp-help-pt-br"
PAGES = Path("/usr/share/gimp/2.0/help/pt_BR")
SPLIT_SEED = 1928
LONG_WORDS = 1000  # a held-out page has at least this many words
# Blocks that end a line of text; inline elements (links, emphasis, GUI names) run on.
BLOCKS = frozenset({
    "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "tr", "td", "th",
    "pre", "table", "ul", "ol", "dl", "blockquote", "title", "caption", "hr", "section",
})
SKIP = frozenset({"script", "style", "head"})
NAVIGATION = ("navheader", "navfooter")  # the same links on every page: not the page's text


# -- the corpus ------------------------------------------------------------------------------------


def find_pages(install: bool) -> list[Path]:
    """The manual's HTML pages, installing the package if allowed; exits with a message if not."""
    if not any(PAGES.glob("*.html")) and install and shutil.which("apt-get"):
        print(f"{PACKAGE} not found: installing it with apt-get ...", file=sys.stderr)
        for cmd in (["apt-get", "install", "-y", PACKAGE], ["apt-get", "update"],
                    ["apt-get", "install", "-y", PACKAGE]):
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            if any(PAGES.glob("*.html")):
                break
    pages = sorted(PAGES.glob("*.html"))
    if not pages:
        sys.exit(f"long_documents.py: no HTML pages under {PAGES}"
                 + (f" and could not install {PACKAGE} (apt-get failed: no root, no network "
                    "or no apt?)" if install else "")
                 + f". Install the Debian package {PACKAGE}.")
    return pages


class _Text(html.parser.HTMLParser):
    """Visible text of a DocBook page: one line per block, navigation and scripts left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipping) of open elements
        self.skipping = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr", "img", "meta", "link", "input", "col", "area"):
            if tag in BLOCKS:
                self._end_line()
            return  # void elements never close
        classes = dict(attrs).get("class") or ""
        skip = self.skipping or tag in SKIP or any(c in NAVIGATION for c in classes.split())
        self.stack.append((tag, self.skipping))
        self.skipping = skip
        if tag in BLOCKS:
            self._end_line()

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self._end_line()
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                self.skipping = self.stack[k][1]
                del self.stack[k:]
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.line.append(data)

    def _end_line(self) -> None:
        line = " ".join("".join(self.line).split())
        if line:
            self.lines.append(line)
        self.line = []

    def text(self) -> str:
        self._end_line()
        return "\n".join(self.lines) + "\n" if self.lines else ""


def page_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return parser.text()


def word_count(text: str) -> int:
    from editor.core.tokenizer import tokenize

    return sum(1 for t in tokenize(text) if t.is_word)


@dataclass
class Split:
    train: list[Path]
    held: list[Path]
    words: dict[str, int] = field(default_factory=dict)


def build_corpus(out: Path, held_out: int, install: bool) -> Split:
    """Every page as text under out/pages; the long held-out pages and the training pages."""
    pages = find_pages(install)
    text_dir = out / "pages"
    text_dir.mkdir(parents=True, exist_ok=True)
    words: dict[str, int] = {}
    paths: list[Path] = []
    for page in pages:
        text = page_text(page.read_text(encoding="utf-8", errors="replace"))
        if not text.strip():
            continue
        path = text_dir / (page.stem + ".txt")
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        words[path.name] = word_count(text)
        paths.append(path)
    long_pages = [p for p in paths if words[p.name] >= LONG_WORDS]
    order = list(long_pages)
    random.Random(SPLIT_SEED).shuffle(order)
    held = sorted(order[:held_out])
    train = [p for p in paths if p not in held]
    return Split(train, held, words)


# -- training -------------------------------------------------------------------------------------


def train_model(split: Split, out: Path, epochs: int, retrain: bool) -> dict[str, Any]:
    """`caminho-train train` on the training pages (or a re-export of its checkpoint)."""
    model, ckpt = out / "model.onnx", out / "model.ckpt"
    listing = out / "train-files.txt"
    listing.write_text("\n".join(str(p) for p in split.train) + "\n", encoding="utf-8")
    if ckpt.is_file() and not retrain:
        cmd = [sys.executable, "-m", "training", "export", str(ckpt), "--out", str(model),
               "--corpus", *map(str, split.train)]
    else:
        cmd = [sys.executable, "-m", "training", "train", *map(str, split.train),
               "--out", str(model), "--checkpoint", str(ckpt), "--max-vocab", "8000",
               "--embedding", "256", "--hidden", "256", "--epochs", str(epochs),
               "--quiet", "--progress-json"]
    shown = [c for k, c in enumerate(cmd[1:]) if not (c.startswith(str(out / "pages"))
                                                       and cmd[k].startswith(str(out / "pages")))]
    print("$ " + " ".join(shlex.quote(c if not c.startswith(str(out / "pages")) else "PAGES")
                          for c in shown), file=sys.stderr, flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    done: dict[str, Any] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if data.get("done"):
            done = data
        elif "epoch" in data:  # other lines (e.g. {"checkpoint": ...}) are not epochs
            print(f"  epoch {data['epoch']}: loss {data['loss']:.3f}, validation "
                  f"{data['val_loss']}, {data['seconds']:.0f} s", file=sys.stderr, flush=True)
    if proc.wait() != 0:
        sys.exit(f"long_documents.py: training failed (exit status {proc.returncode})")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "command": cmd[3],
        "wall_seconds": round(time.monotonic() - started, 1),
        "cpu_seconds": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
                             1),
        "epochs": done.get("epochs_run"),
        "stopped": done.get("stopped"),
        "metrics": done.get("metrics", {}),
    }


# -- typing the held-out pages ----------------------------------------------------------------------

# Engine settings compared (SuggestConfig fields); "both" is the editor's default.
ARMS: dict[str, dict[str, Any]] = {
    "no cache": {"learn_document": False},
    "unigram cache": {"neural_cache": False},
    "neural cache": {"cache_weight": 0.0, "unknown_repeat": 0.0},
    "both": {},
}
BUCKETS = ((0, 200, "words 1-200"), (200, 1000, "words 201-1000"), (1000, 10**9, "after 1000"))


class WindowedEngine:
    """The editor's engine as the editor drives it: the text before the cursor in the bounded
    window of editor.core.context, and the window's place in the document."""

    def __init__(self, model: Any, config: Any, name: str) -> None:
        from editor.core.suggest import Suggester

        self.name = name
        self.suggester = Suggester(model, config)

    def start_document(self) -> None:
        self.suggester.reset_document()

    def _window(self, text_before: str) -> tuple[str, bool, int]:
        from editor.core.context import context_window, trim_window

        start = context_window(len(text_before))
        text, window_start = trim_window(text_before[start:], start)
        return text, start == 0, window_start

    def offer(self, text_before: str) -> Any:
        from training.ksr import Offer

        text, at_start, window_start = self._window(text_before)
        s = self.suggester.suggest(text, at_doc_start=at_start, window_start=window_start,
                                   extend=False)
        words = tuple(c.norm for c in s.candidates)
        return Offer(words, words[0] if s.ghost else None)


@dataclass
class ArmResult:
    name: str
    strip: Any = None
    ghost: Any = None
    words: int = 0
    top1: int = 0
    top3: int = 0
    nll: float = 0.0
    tokens: int = 0
    bucket_words: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    bucket_top3: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    bucket_nll: list[float] = field(default_factory=lambda: [0.0] * len(BUCKETS))
    bucket_tokens: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    seconds: float = 0.0

    def row(self) -> dict[str, Any]:
        def ratio(a: float, b: float) -> float | None:
            return round(a / b, 6) if b else None

        def ppl(nll: float, n: int) -> float | None:
            return round(math.exp(nll / n), 3) if n else None

        return {
            "name": self.name,
            "ksr_strip": round(self.strip.ksr, 6) if self.strip.characters else None,
            "ksr_ghost": round(self.ghost.ksr, 6) if self.ghost.characters else None,
            "ksr_characters": self.strip.characters,
            "top1": ratio(self.top1, self.words), "top3": ratio(self.top3, self.words),
            "perplexity": ppl(self.nll, self.tokens), "words": self.words,
            "tokens": self.tokens,
            "top3_by_position": [ratio(a, b) for a, b in zip(self.bucket_top3,
                                                              self.bucket_words, strict=True)],
            "perplexity_by_position": [ppl(a, b) for a, b in zip(self.bucket_nll,
                                                                 self.bucket_tokens, strict=True)],
            "words_by_position": self.bucket_words,
            "seconds": round(self.seconds, 1),
        }


def bucket_of(word_index: int) -> int:
    return next(k for k, (lo, hi, _) in enumerate(BUCKETS) if lo <= word_index < hi)


def measure_arm(model: Any, name: str, documents: list[str], perplexity: bool = True,
                ksr_documents: int | None = None) -> ArmResult:
    from editor.core.suggest import SuggestConfig
    from editor.core.tokenizer import tokenize
    from training.ksr import Keystrokes, simulate, word_spans

    engine = WindowedEngine(model, SuggestConfig(**ARMS[name]), name)
    lm = engine.suggester.model
    result = ArmResult(name, Keystrokes(), Keystrokes())
    started = time.monotonic()
    for n, text in enumerate(documents):
        engine.start_document()
        memo: dict[int, Any] = {}

        def offer_at(pos: int, memo: dict[int, Any] = memo, text: str = text) -> Any:
            hit = memo.get(pos)
            if hit is None:
                hit = memo[pos] = engine.offer(text[:pos])
            return hit

        # One pass in document order over every token: the engine's probability of it (for
        # perplexity) and, at each word, what the strip offers before its first letter. Both
        # read the same window, so the second reuses the first's tokens and states.
        words_before = 0
        for t in tokenize(text):
            b = bucket_of(words_before)
            if perplexity:
                before = text[: t.start]
                if before[-1:].isalnum():  # "casa," : the word before is finished
                    before += " "
                window, at_start, window_start = engine._window(before)
                p = engine.suggester.next_token_distribution(
                    window, at_doc_start=at_start, window_start=window_start)
                lp = math.log(max(float(p[lm.ids.get(t.norm, lm.unk_id)]), 1e-300))
                result.nll -= lp
                result.tokens += 1
                result.bucket_nll[b] -= lp
                result.bucket_tokens[b] += 1
            if t.is_word:
                words = offer_at(t.start).words
                hit3 = t.norm in words[:3]
                result.words += 1
                result.top1 += int(words[:1] == (t.norm,))
                result.top3 += int(hit3)
                result.bucket_words[b] += 1
                result.bucket_top3[b] += int(hit3)
                words_before += 1
        if ksr_documents is None or n < ksr_documents:  # the simulated writers: the slow part
            spans = word_spans(text)
            result.strip.add(simulate(text, offer_at, "strip", spans=spans))
            result.ghost.add(simulate(text, offer_at, "ghost", spans=spans))
        print(f"  {name}: page {n + 1}/{len(documents)}, {len(memo)} prefixes, "
              f"{time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    result.seconds = time.monotonic() - started
    return result


def sweep(model_path: Path, documents: list[str], thetas: list[float], lambdas: list[float],
          trigram: Any = None) -> list[dict[str, Any]]:
    """Top-3 and perplexity of the neural cache alone for each (θ, λ): one engine pass per θ,
    the λ mix redone from what was recorded, ramped as the engine ramps it (the file's ramp). The strip's top three under any λ are among the
    model's top three words and the cache's words, which is all that is kept per word start.
    `trigram` replaces the model file's (which has read the validation pages)."""
    import numpy as np

    from editor.core.lm import LanguageModel
    from editor.core.suggest import SuggestConfig
    from editor.core.tokenizer import tokenize

    model = LanguageModel.load(model_path)
    rows = []
    for theta in thetas:
        # λ ≈ 0: the engine computes the cache's lookup and leaves the ranking alone.
        config = SuggestConfig(cache_weight=0.0, unknown_repeat=0.0, neural_weight=1e-12,
                               neural_theta=theta)
        engine = WindowedEngine(model, config, f"θ {theta}")
        sug = engine.suggester
        if trigram is not None:
            trigram.weight = sug.ngram.weight if sug.ngram is not None else 1.0
            sug.ngram = trigram
        is_word = sug.is_word
        tok_p: list[tuple[float, float, int]] = []  # (P_model, P_cache, entries) of every token
        starts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any, int]] = []
        for text in documents:
            engine.start_document()
            words_before = 0
            for t in tokenize(text):
                before = text[: t.start]
                if before[-1:].isalnum():
                    before += " "
                window, at_start, window_start = engine._window(before)
                p = sug.next_token_distribution(window, at_doc_start=at_start,
                                                window_start=window_start)
                hit = sug._hit
                tid = model.ids.get(t.norm, model.unk_id)
                if hit is None:
                    pc = 0.0
                elif tid == model.unk_id:
                    pc = float(hit.probs[hit.vocab_ids < 0].sum())
                else:
                    pc = float(hit.probs[hit.vocab_ids == tid].sum())
                tok_p.append((float(p[tid]), pc, 0 if hit is None else hit.entries))
                if t.is_word:
                    masked = np.where(is_word, p, -1.0)
                    top = np.argpartition(-masked, 3)[:3]
                    cache_ids = hit.vocab_ids if hit is not None else np.zeros(0, np.int64)
                    cache_p = hit.probs if hit is not None else np.zeros(0)
                    base_of_cache = np.where(cache_ids >= 0, p[np.maximum(cache_ids, 0)], 0.0)
                    ok = (cache_ids < 0) | is_word[np.maximum(cache_ids, 0)]
                    names = ([model.info.vocab[i] for i in top],
                             [hit.words[k] for k in np.flatnonzero(ok)] if hit else [])
                    starts.append((p[top], cache_p[ok], base_of_cache[ok], cache_ids[ok],
                                   names, 0 if hit is None else hit.entries))
                    words_before += 1
        targets = [t.norm for text in documents for t in tokenize(text) if t.is_word]
        pm = np.array([a for a, _, _ in tok_p])
        pc = np.array([b for _, b, _ in tok_p])
        ramp = sug.cache_params.ramp
        share = np.array([min(1.0, n / ramp) if ramp else 1.0 for *_, n in tok_p])
        for lam in lambdas:
            w = lam * share
            ppl = math.exp(-np.log(np.maximum((1 - w) * pm + w * pc, 1e-300)).mean())
            hits = 0
            for (top_p, c_p, c_base, _ids, (top_names, c_names), n), target in zip(
                    starts, targets, strict=True):
                lam_n = sug.cache_params.weight_at(n, lam)
                score = {w: (1 - lam_n) * q for w, q in zip(top_names, top_p.tolist(),
                                                            strict=True)}
                for w, q, b in zip(c_names, c_p.tolist(), c_base.tolist(), strict=True):
                    score[w] = (1 - lam_n) * b + lam_n * q
                best = sorted(score.items(), key=lambda x: (-x[1], x[0]))[:3]
                hits += int(target in {w for w, _ in best})
            rows.append({"theta": theta, "lambda": lam, "top3": round(hits / len(targets), 6),
                         "perplexity": round(ppl, 3), "words": len(targets)})
            print(f"θ {theta:<5} λ {lam:<5} top-3 {100 * hits / len(targets):.2f}%  "
                  f"perplexity {ppl:.2f}", file=sys.stderr, flush=True)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    def pct(x: float | None) -> str:
        return "—" if x is None else f"{100 * x:.1f}%"

    def num(x: float | None) -> str:
        return "—" if x is None else f"{x:.1f}"

    heads = ["engine", "KSR strip", "KSR ghost", "top-1", "top-3", "perplexity"]
    heads += [f"top-3 {label}" for *_, label in BUCKETS]
    heads += [f"ppl {label}" for *_, label in BUCKETS]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for r in rows:
        cells = [r["name"], pct(r["ksr_strip"]), pct(r["ksr_ghost"]), pct(r["top1"]),
                 pct(r["top3"]), num(r["perplexity"])]
        cells += [pct(x) for x in r["top3_by_position"]]
        cells += [num(x) for x in r["perplexity_by_position"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def evaluate(model_path: Path, documents: list[str], arms: list[str], perplexity: bool,
             ksr_documents: int | None = None) -> list[dict[str, Any]]:
    from editor.core.lm import LanguageModel

    model = LanguageModel.load(model_path)
    rows = []
    for name in arms:
        rows.append(measure_arm(model, name, documents, perplexity, ksr_documents).row())
        print(table(rows[-1:]), file=sys.stderr, flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "long")
    parser.add_argument("--held-out", type=int, default=10, help="long pages held out")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--retrain", action="store_true", help="train even if a model is there")
    parser.add_argument("--reexport", action="store_true",
                        help="export the kept checkpoint again (the trigram, the cache tuning)")
    parser.add_argument("--markdown", action="store_true",
                        help="also print each engine against the no-cache one (Markdown)")
    parser.add_argument("--no-install", action="store_true", help="never run apt-get")
    parser.add_argument("--prepare-only", action="store_true", help="write the corpus and stop")
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=list(ARMS))
    parser.add_argument("--no-perplexity", action="store_true")
    parser.add_argument("--ksr-documents", type=int, default=None,
                        help="simulate the writers on the first N documents only (all: top-k "
                             "and perplexity)")
    parser.add_argument("--model", type=Path, default=None,
                        help="measure this model file on --text instead (e.g. a fortunes model)")
    parser.add_argument("--text", type=Path, default=None, help="held-out text for --model")
    parser.add_argument("--doc-separator", default=None, help="documents in --text (e.g. %%)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N documents")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--sweep", action="store_true",
                        help="top-3 and perplexity of the neural cache for a grid of θ and λ, "
                             "on the validation pages (never the held-out ones)")
    parser.add_argument("--thetas", type=float, nargs="+", default=[0.1, 0.3, 1.0])
    parser.add_argument("--lambdas", type=float, nargs="+",
                        default=[0.0, 0.1, 0.18, 0.3, 0.5])
    args = parser.parse_args()
    if args.model is not None:  # any model and held-out text, same arms (fortunes-br check)
        from training.data import read_text, split_documents

        docs = split_documents(read_text(args.text), args.doc_separator)[: args.limit]
        rows = evaluate(args.model, docs, args.arms, not args.no_perplexity,
                        args.ksr_documents)
        print(table(rows))
        if args.markdown:
            print()
            print(gains(rows))
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
        return 0
    split = build_corpus(args.out, args.held_out, not args.no_install)
    held_words = sum(split.words[p.name] for p in split.held)
    train_words = sum(split.words[p.name] for p in split.train)
    print(f"corpus: {len(split.train) + len(split.held)} pages, {train_words + held_words} "
          f"words; training {len(split.train)} pages ({train_words} words), held out "
          f"{len(split.held)} long pages ({held_words} words)", file=sys.stderr)
    if args.prepare_only:
        return 0
    if args.sweep:
        # The training run's own validation split: every 10th training page (split_corpus),
        # the longest of them.
        every = 10
        val = [p for k, p in enumerate(split.train) if k % every == every - 1]
        val = sorted(val, key=lambda p: -split.words[p.name])[: args.limit or 8]
        print(f"sweep on {len(val)} validation pages, "
              f"{sum(split.words[p.name] for p in val)} words", file=sys.stderr)
        from training.cache_tune import _training_split_trigram, session_metadata
        from training.config import TrainConfig
        from training.corpus import load_corpus

        hyper = json.loads(session_metadata(args.out / "model.onnx")["training"])
        config = TrainConfig.from_dict(hyper["hyperparameters"])
        # The file's trigram was counted on every page, these included: use one counted on
        # the training split only, as the tuning does.
        trigram = _training_split_trigram(load_corpus(split.train, config), config)
        rows = sweep(args.out / "model.onnx", [p.read_text(encoding="utf-8") for p in val],
                     args.thetas, args.lambdas, trigram)
        (args.json or args.out / "sweep.json").write_text(json.dumps(rows, indent=1),
                                                          encoding="utf-8")
        return 0
    model = args.out / "model.onnx"
    record = args.out / "training.json"
    if args.retrain or args.reexport or not model.is_file():
        info = train_model(split, args.out, args.epochs, args.retrain)
        if info["command"] == "train":
            record.write_text(json.dumps(info, indent=1), encoding="utf-8")
    info = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else {}
    docs = [p.read_text(encoding="utf-8") for p in split.held][: args.limit]
    rows = evaluate(model, docs, args.arms, not args.no_perplexity, args.ksr_documents)
    from editor.core.lm import LanguageModel
    from editor.core.suggest import Suggester

    sug = Suggester(LanguageModel.load(model))
    summary = {"training": info, "held_out_pages": [p.name for p in split.held],
               "held_out_words": held_words, "cache": vars(sug.cache_params),
               "ngram_weight": sug.ngram_weight, "results": rows}
    (args.json or args.out / "results.json").write_text(json.dumps(summary, indent=1),
                                                       encoding="utf-8")
    print(f"model: {model.name}, vocabulary {len(sug.model.info.vocab)}, "
          f"{sug.model.info.hidden} hidden; trained {info.get('epochs')} epochs in "
          f"{info.get('wall_seconds')} s wall; cache θ = {sug.cache_params.theta}, "
          f"λ = {sug.cache_params.weight}")
    print(table(rows))
    if args.markdown:
        print()
        print(gains(rows))
    return 0


def gains(rows: list[dict[str, Any]]) -> str:
    """Each engine against the one without a cache: top-3 in points, perplexity in percent
    (the issue's targets: +3 points, -15%), overall and by position in the page."""
    base = next((r for r in rows if r["name"] == "no cache"), None)
    if base is None:
        return "(no 'no cache' arm measured: nothing to compare with)"

    def points(a: float | None, b: float | None) -> str:
        return "—" if a is None or b is None else f"{100 * (a - b):+.1f}"

    def change(a: float | None, b: float | None) -> str:
        return "—" if a is None or not b else f"{100 * (a / b - 1):+.1f}%"

    heads = ["engine vs no cache", "KSR strip (pts)", "KSR ghost (pts)", "top-3 (pts)",
             "perplexity"]
    heads += [f"top-3 {label} (pts)" for *_, label in BUCKETS]
    heads += [f"ppl {label}" for *_, label in BUCKETS]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for r in rows:
        if r is base:
            continue
        cells = [r["name"], points(r["ksr_strip"], base["ksr_strip"]),
                 points(r["ksr_ghost"], base["ksr_ghost"]), points(r["top3"], base["top3"]),
                 change(r["perplexity"], base["perplexity"])]
        cells += [points(a, b) for a, b in zip(r["top3_by_position"], base["top3_by_position"],
                                               strict=True)]
        cells += [change(a, b) for a, b in zip(r["perplexity_by_position"],
                                               base["perplexity_by_position"], strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
