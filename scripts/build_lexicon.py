"""Build the bundled word lists (resources/lexicon/*.tsv.gz) from the wordfreq package.

wordfreq is needed only here, never by the editor: install it in a venv of its own.

    python3 -m venv build/lexicon-venv
    build/lexicon-venv/bin/pip install wordfreq==3.1.1 numpy
    build/lexicon-venv/bin/python scripts/build_lexicon.py [--languages pt en] [--max-words 250000]

(`make lexicon` does all three.) The output is deterministic for the same wordfreq version.
wordfreq's code is Apache-2.0 and its data CC BY-SA 4.0: the lists written here are derived
data under CC BY-SA 4.0, credited in resources/lexicon/LICENSE.txt.

What is kept of wordfreq's "large" list, and why (docs in resources/lexicon/README.md):
- words the editor's tokenizer reads as one word, as they are (no digits, no dots, no emoji,
  Latin letters with hyphens or apostrophes inside);
- single letters only when they are words of the language ("a", "é", "I"), not initials;
- not a spelling with fewer or other accents than one at least ten times as frequent ("nao" and
  "nâo" next to "não", "voce" next to "você"): accent-blind completion already turns "nao"
  into "não", and offering both would waste a slot on the misspelling. A rarer spelling with
  more accents is a word of its own and stays ("pôr" next to "por", "pôde" next to "pode"),
  unless it is a thousand times rarer ("voçê" next to "você");
- at most --max-words words, the most frequent.
"""

from __future__ import annotations

import argparse
import gzip
import io
import math
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from editor.core.atomic import write_bytes  # noqa: E402
from editor.core.lexicon import FILE_SUFFIX, LEXICON_DIR, WRITTEN_PREFIX, fold  # noqa: E402
from editor.core.tokenizer import normalize, tokenize  # noqa: E402

WORDFREQ_VERSION = "3.1.1"
SINGLE_LETTERS = {"pt": {"a", "à", "e", "é", "o", "ó"}, "en": {"a", "i"}}
ACCENT_RATIO = 10.0  # an accent-less spelling this much rarer than the accented one is dropped
RARE_RATIO = 1000.0  # any spelling this much rarer than another with the same letters is dropped
MAX_LENGTH = 30


def written_form(language: str, word: str) -> str:
    """How a word is written when nothing else capitalises it (wordfreq lowercases all)."""
    if language == "en" and (word == "i" or word.startswith("i'")):
        return "I" + word[1:]
    return word


def is_latin_word(word: str) -> bool:
    tokens = tokenize(word)
    if len(tokens) != 1 or tokens[0].kind != "word" or tokens[0].norm != word:
        return False
    for ch in word:
        if ch in "-'":
            continue
        if not ch.isalpha() or not unicodedata.name(ch, "").startswith("LATIN"):
            return False
    return True


def marks(word: str) -> int:
    return sum(1 for a, b in zip(word, fold(word), strict=True) if a != b)


def select(language: str, freqs: dict[str, float], max_words: int) -> list[tuple[str, float]]:
    kept: dict[str, float] = {}
    for raw, f in freqs.items():
        word = normalize(raw)
        if word != raw or len(word) > MAX_LENGTH or f <= 0:
            continue
        if len(word) == 1 and word not in SINGLE_LETTERS[language]:
            continue
        if is_latin_word(word):
            kept[word] = f
    groups: dict[str, list[tuple[str, float]]] = {}  # folded key -> its spellings
    for word, f in kept.items():
        groups.setdefault(fold(word), []).append((word, f))
    out = [(w, f) for group in groups.values() for w, f in group
           if not misspelt(w, f, group)]
    out.sort(key=lambda wf: (-wf[1], wf[0]))
    return out[:max_words]


def misspelt(word: str, f: float, spellings: list[tuple[str, float]]) -> bool:
    """Whether `word` looks like a misspelling of another spelling with the same letters: one at
    least ACCENT_RATIO times as frequent that has as many accents or more ("nao" and "nâo" next
    to "não"). A rarer spelling with more accents is a word of its own ("pôr" next to "por"),
    unless it is RARE_RATIO times rarer ("voçê" next to "você")."""
    return any(g >= ACCENT_RATIO * f and marks(other) >= marks(word) or g >= RARE_RATIO * f
               for other, g in spellings if other != word)


def zipf_centi(f: float) -> int:
    """Frequency as a Zipf value (log10 of occurrences per billion words) times 100."""
    return round(100 * (math.log10(f) + 9))


def render(language: str, words: list[tuple[str, float]]) -> bytes:
    written = sorted(s for s in (written_form(language, w) for w, _ in words)
                     if s != normalize(s))
    lines = [
        f"# Caminho word list '{language}': {len(words)} words, derived from wordfreq "
        f"{WORDFREQ_VERSION} (Robyn Speer), data CC BY-SA 4.0; see LICENSE.txt beside this file.",
        "# One line per word: word<TAB>Zipf frequency x 100 (log10 of uses per billion words).",
    ]
    if written:
        lines.append("# Written forms of words that are not written in lower case:")
        lines.append(WRITTEN_PREFIX + " ".join(written))
    # Sorted as the editor's index sorts (by folded key): loading needs no real sort, and
    # neighbours share prefixes, which compresses well.
    for word, f in sorted(words, key=lambda wf: (fold(wf[0]), wf[0])):
        lines.append(f"{word}\t{zipf_centi(f)}")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(("\n".join(lines) + "\n").encode("utf-8"))
    return buf.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", nargs="+", default=["pt", "en"])
    parser.add_argument("--max-words", type=int, default=250_000)
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / LEXICON_DIR)
    args = parser.parse_args()
    try:
        from importlib.metadata import version

        import wordfreq
    except ImportError:
        sys.exit("build_lexicon.py needs wordfreq: see the usage at the top of this script")
    if version("wordfreq") != WORDFREQ_VERSION:
        print(f"note: wordfreq {version('wordfreq')} installed, the lists were made with "
              f"{WORDFREQ_VERSION}", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    for language in args.languages:
        if language not in SINGLE_LETTERS:
            sys.exit(f"no rules for language {language!r} (known: {', '.join(SINGLE_LETTERS)})")
        freqs = wordfreq.get_frequency_dict(language, wordlist="large")
        words = select(language, freqs, args.max_words)
        data = render(language, words)
        path = args.out / f"{language}{FILE_SUFFIX}"
        write_bytes(path, data)  # a rebuild that fails midway leaves the old list whole
        covered = sum(f for _, f in words)
        print(f"{path.relative_to(ROOT)}: {len(words)} of {len(freqs)} entries, "
              f"{covered:.1%} of wordfreq's frequency mass, {len(data) / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
