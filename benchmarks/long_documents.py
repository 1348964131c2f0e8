"""Long documents: the neural cache against the unigram cache and no cache, on long pages.

    .venv/bin/python benchmarks/long_documents.py [--held-out 10] [--epochs 4] [--markdown]
                                                  [--out build/long] [--retrain]

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
drives it: the text before the cursor in the editor's bounded window (editor.context), the
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
    from editor.tokenizer import tokenize

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
    shown = [c if not c.startswith(str(out / "pages")) else "…" for c in cmd[1:]]
    print("$ " + " ".join(shlex.quote(c) for c in dict.fromkeys(shown)), file=sys.stderr,
          flush=True)
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
        else:
            print(f"  epoch {data['epoch']}: loss {data['loss']:.3f}, validation "
                  f"{data['val_loss']}, {data['seconds']:.0f} s", file=sys.stderr, flush=True)
    if proc.wait() != 0:
        sys.exit(f"long_documents.py: training failed (exit status {proc.returncode})")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "command": " ".join(cmd[1:3]),
        "wall_seconds": round(time.monotonic() - started, 1),
        "cpu_seconds": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
                             1),
        "epochs": done.get("epochs_run"),
        "stopped": done.get("stopped"),
        "metrics": done.get("metrics", {}),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "long")
    parser.add_argument("--held-out", type=int, default=10, help="long pages held out")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--retrain", action="store_true", help="train even if a model is there")
    parser.add_argument("--no-install", action="store_true", help="never run apt-get")
    parser.add_argument("--prepare-only", action="store_true", help="write the corpus and stop")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    split = build_corpus(args.out, args.held_out, not args.no_install)
    held_words = sum(split.words[p.name] for p in split.held)
    train_words = sum(split.words[p.name] for p in split.train)
    print(f"corpus: {len(split.train) + len(split.held)} pages, {train_words + held_words} "
          f"words; training {len(split.train)} pages ({train_words} words), held out "
          f"{len(split.held)} long pages ({held_words} words)", file=sys.stderr)
    if args.prepare_only:
        return 0
    model = args.out / "model.onnx"
    if args.retrain or not model.is_file() or not (args.out / "model.ckpt").is_file():
        info = train_model(split, args.out, args.epochs, True)
        (args.out / "training.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    print(math.nan)
    return 0


if __name__ == "__main__":
    sys.exit(main())
