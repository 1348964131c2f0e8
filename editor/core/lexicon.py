"""Word lists of a language: accent-blind and typo-tolerant word completion (Qt-free).

A lexicon is a list of a language's words with their frequency in general text (derived from
wordfreq, see resources/lexicon/LICENSE.txt). The suggestion engine (editor/core/suggest.py) gives
the words its model does not know a share of the model's unknown-word probability in
proportion to their frequency, so any word of the language can be completed.

Lookups go through `WordIndex`: words sorted by an accent-folded key ("atenção" → "atencao"),
so a typed prefix finds its words with two binary searches, whether it was typed with accents
or without. Typo tolerance (one substitution, insertion, deletion or swap of neighbours) walks
the same sorted keys: it only tries the letters that really follow each prefix in the list.
"""

from __future__ import annotations

import bisect
import functools
import gzip
import math
import os
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from editor.core.tokenizer import normalize

# Languages with a bundled word list: code -> name shown in menus (in the language itself).
LANGUAGES: dict[str, str] = {"pt": "Português (Brasil)", "en": "English"}
LEXICON_DIR = "lexicon"  # under resources/
FILE_SUFFIX = ".tsv.gz"
# Typo tolerance starts at this many typed letters: shorter prefixes have too many neighbours.
TYPO_MIN_LETTERS = 4
_MAX = "\U0010ffff"
_LETTERS_MEMO_LEN = 2  # WordIndex.next_letters remembers heads this long or shorter
# Words are grouped by their last letters for the context prior (BoundLexicon.context): in
# Portuguese two letters already tell most inflections apart ("-ão", "-ar", "-do", "-os").
SUFFIX_LETTERS = 2
CLASS_TRUST_WORDS = 20  # a class's context ratio counts half when the model knows this many of it

CREDITS = (
    "Word lists: derived from wordfreq 3.1.1 by Robyn Speer (code Apache-2.0, data CC BY-SA 4.0, "
    "https://github.com/rspeer/wordfreq), which draws on Wikipedia, OpenSubtitles 2018, SUBTLEX "
    "(Brysbaert et al., freely available data), NewsCrawl, GlobalVoices, Google Books Ngrams "
    "(http://books.google.com/ngrams), OSCAR, ParaCrawl, the Leeds Internet Corpus, Twitter and "
    "Reddit. Caminho's filtered lists are shared under CC BY-SA 4.0 too: "
    "resources/lexicon/LICENSE.txt says what was changed."
)


def credits_text() -> str:
    """What an About box shows for the bundled word lists (one paragraph, plain text)."""
    return CREDITS


class LexiconError(Exception):
    """A word list that cannot be used; the message says why in plain words."""


# -- accent folding -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """The letter without its accents or cedilla: the first character of its decomposition."""
    decomposed = unicodedata.normalize("NFD", ch)
    base = decomposed[0]
    return base if len(decomposed) > 1 and not unicodedata.combining(base) else ch


_MARKS = re.compile("[\u0300-\u036f]")
# A comment line of a word list that gives written forms other than the word ("I", "I'm").
WRITTEN_PREFIX = "#written\t"


def fold(text: str) -> str:
    """`text` (NFC, lower case) with accents and cedillas removed, one character for one:
    "atenção" → "atencao". Equal length, so position i of the key is position i of the word."""
    if text.isascii():
        return text
    quick = _MARKS.sub("", unicodedata.normalize("NFD", text))
    if len(quick) == len(text):
        return quick
    return "".join(_fold_char(ch) for ch in text)  # a mark with no precomposed letter


def accent_match(word: str, prefix: str, folded_prefix: str | None = None) -> bool:
    """Whether `word` starts with `prefix` when the prefix's plain letters match any accent
    ("nao" starts "não") but an accent typed by the writer must be there ("é" never starts
    "e"). Both in the model-side form (NFC, lower case)."""
    n = len(prefix)
    if len(word) < n:
        return False
    if word.startswith(prefix):
        return True
    fp = fold(prefix) if folded_prefix is None else folded_prefix
    if fold(word[:n]) != fp:
        return False
    return all(p == f or w == p for w, p, f in zip(word, prefix, fp, strict=False))


def within_one_edit(a: str, b: str) -> bool:
    """Whether `a` becomes `b` with at most one substitution, insertion, deletion or swap of
    neighbouring letters (Damerau's four errors)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1:] == b[i + 1:]:
            return True
        return a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:]
    if la > lb:
        return a[i + 1:] == b[i:]
    return a[i:] == b[i + 1:]


def typo_match(word: str, prefix: str) -> bool:
    """Whether some start of `word` is one edit away from `prefix` (accent-blind): what the
    typo-tolerant completion offers for a prefix of TYPO_MIN_LETTERS letters or more."""
    if len(prefix) < TYPO_MIN_LETTERS:
        return False
    fw, fp = fold(word), fold(prefix)
    n = len(fp)
    return any(within_one_edit(fw[:m], fp) for m in (n - 1, n, n + 1) if m <= len(fw))


def completes(word: str, typed: str) -> bool:
    """Whether accepting `word` may replace the letters `typed` (both as written): an
    accent-blind completion, or a typo-tolerant one for long enough prefixes."""
    w, p = normalize(word), normalize(typed)
    return accent_match(w, p) or typo_match(w, p)


# -- the sorted index -----------------------------------------------------------------------------


class WordIndex:
    """Words sorted by folded key, with prefix ranges and one-edit neighbours."""

    def __init__(self, words: Sequence[str], keys: list[str] | None = None) -> None:
        if keys is None:
            keys = [fold(w) for w in words]
        order: list[int] | None = None
        ordered = sorted(keys)
        if ordered != keys:  # the bundled files come sorted: one linear pass, no real sort
            order = sorted(range(len(keys)), key=keys.__getitem__)
            keys = ordered
            words = [words[i] for i in order]
        # One string object for a word and its key when they are equal (most words): the
        # second list then costs only its pointers.
        self.keys: list[str] = keys
        self.words: list[str] = [k if k == w else w for k, w in zip(keys, words, strict=True)]
        # Entry i of the index is entry order[i] of the input (None: the input's own order).
        self.order = None if order is None else np.asarray(order, dtype=np.int64)

        self._exact: tuple[list[str], np.ndarray] | None = None
        self._letters: dict[str, list[tuple[str, int, int]]] = {}  # next_letters of short heads

    def __len__(self) -> int:
        return len(self.keys)

    def build_exact(self) -> None:
        """Also sort the words as written, for prefixes typed with accents (`accented`)."""
        order = sorted(range(len(self.words)), key=self.words.__getitem__)
        self._exact = ([self.words[i] for i in order], np.asarray(order, dtype=np.int32))

    def accented(self, prefix: str, folded: str) -> np.ndarray:
        """Entries (index positions) that `accent_match` the prefix, typed with an accent:
        the words that start with it up to its last accented letter, then accent-blind."""
        cut = max(i for i, (a, b) in enumerate(zip(prefix, folded, strict=True)) if a != b) + 1
        if self._exact is None:
            lo, hi = self.range(folded)
            return np.asarray([i for i in range(lo, hi)
                               if accent_match(self.words[i], prefix, folded)], dtype=np.int64)
        exact, order = self._exact
        head = prefix[:cut]
        lo = bisect.bisect_left(exact, head)
        hi = bisect.bisect_left(exact, head + _MAX, lo)
        keys = self.keys
        return np.asarray([i for i in order[lo:hi].tolist()
                           if keys[i].startswith(folded) and accent_match(
                               self.words[i], prefix, folded)], dtype=np.int64)

    def range(self, folded: str) -> tuple[int, int]:
        """Entries whose key starts with `folded` are [lo, hi)."""
        lo = bisect.bisect_left(self.keys, folded)
        hi = bisect.bisect_left(self.keys, folded + _MAX, lo)
        return lo, hi

    def range_within(self, folded: str, lo: int, hi: int) -> tuple[int, int]:
        """`range(folded)` when it is known to lie inside [lo, hi): shorter searches."""
        lo = bisect.bisect_left(self.keys, folded, lo, hi)
        return lo, bisect.bisect_left(self.keys, folded + _MAX, lo, hi)

    def next_letters(self, folded: str) -> list[tuple[str, int, int]]:
        """The letters that follow `folded` in some key, in order, each with the range of the
        keys that start with `folded` and that letter."""
        if len(folded) <= _LETTERS_MEMO_LEN:
            # Every typo lookup walks the one- and two-letter heads of its prefix, each about
            # 30 bisections in Python: remembered, they cost one dict lookup (a few hundred
            # heads in all): about 15% off a typo lookup (docs/BENCHMARKS.md, "Word lists").
            got = self._letters.get(folded)
            if got is None:
                got = self._letters[folded] = self._next_letters(folded)
            return got
        return self._next_letters(folded)

    def _next_letters(self, folded: str) -> list[tuple[str, int, int]]:
        lo, hi = self.range(folded)
        n = len(folded)
        out: list[tuple[str, int, int]] = []
        keys = self.keys
        while lo < hi:
            if len(keys[lo]) == n:
                lo += 1
                continue
            ch = keys[lo][n]
            end = bisect.bisect_left(keys, folded + ch + _MAX, lo, hi)
            out.append((ch, lo, end))
            lo = end
        return out

    def typo_ranges(self, folded: str) -> list[tuple[int, int]]:
        """Ranges of the keys that start with a one-edit variant of `folded` (the exact range
        left out): the words a writer may have meant when typing `folded`."""
        n = len(folded)
        keys, find = self.keys, bisect.bisect_left
        found: set[tuple[int, int]] = set()
        for i in range(n):
            head, here, tail = folded[:i], folded[i], folded[i + 1:]
            found.add(self.range(head + tail))  # a letter too many
            if i + 1 < n and folded[i + 1] != here:  # two neighbours swapped
                found.add(self.range(head + folded[i + 1] + here + folded[i + 2:]))
            # Only letters that really follow `head` in the list can start a word there, and
            # the words starting head + letter bound the search.
            letters = self.next_letters(head)
            for ch, lo, hi in letters:
                stem = head + ch
                for v in ((stem + tail) if ch != here else None, stem + here + tail):
                    if v is not None:  # a wrong letter, then a letter missing
                        a = find(keys, v, lo, hi)
                        found.add((a, find(keys, v + _MAX, a, hi)))
        exact_lo, exact_hi = self.range(folded)
        return sorted((lo, hi) for lo, hi in found
                      if lo < hi and not (exact_lo <= lo and hi <= exact_hi))


# -- the lexicon ------------------------------------------------------------------------------


@dataclass
class Lexicon:
    """One language's words with their relative frequencies (summing to 1), indexed."""

    language: str
    index: WordIndex
    freq: np.ndarray  # float64 [n], in index order
    surface: dict[str, str] = field(default_factory=dict)  # written forms unlike the word ("I")
    path: Path | None = None

    @property
    def words(self) -> list[str]:
        return self.index.words

    def __len__(self) -> int:
        return len(self.index)

    def frequency(self, word: str) -> float:
        """The word's relative frequency; 0 when the list lacks it."""
        key, keys = fold(word), self.index.keys
        lo = bisect.bisect_left(keys, key)
        for i in range(lo, bisect.bisect_right(keys, key, lo)):
            if self.index.words[i] == word:
                return float(self.freq[i])
        return 0.0

    @classmethod
    def from_words(cls, language: str, entries: Mapping[str, float] | Iterable[tuple[str, float]],
                   surface: Mapping[str, str] | None = None, path: Path | None = None) -> Lexicon:
        pairs = list(entries.items() if isinstance(entries, Mapping) else entries)
        index = WordIndex([w for w, _ in pairs])
        f = np.asarray([f for _, f in pairs], dtype=np.float64)
        return cls._make(language, index, f, surface, path)

    @classmethod
    def _make(cls, language: str, index: WordIndex, f: np.ndarray,
              surface: Mapping[str, str] | None, path: Path | None) -> Lexicon:
        if index.order is not None:
            f = f[index.order]
        total = float(f.sum()) if len(f) else 0.0
        if not len(f) or not math.isfinite(total) or total <= 0 or (f < 0).any():
            raise LexiconError("the word list has no usable frequencies")
        return cls(language, index, f / total, dict(surface or {}), path)

    @classmethod
    def load(cls, path: str | Path, language: str | None = None) -> Lexicon:
        """Read a word list file (resources/lexicon/README.md describes the format)."""
        path = Path(path)
        name = path.name
        language = language or name.split(".")[0]
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise LexiconError(f"the word list {name} is missing ({path})") from None
        except OSError as exc:
            raise LexiconError(f"the word list {name} cannot be read ({exc.strerror})") from None
        try:
            text = (gzip.decompress(raw) if name.endswith(".gz") else raw).decode("utf-8")
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
            raise LexiconError(f"the word list {name} is damaged ({exc})") from None
        # Comment lines (#) first, then one "word<TAB>frequency" line per word; words hold no
        # white space, so one split gives word, frequency, word, frequency ... (C speed: the
        # file is read on a background thread, but it still shares the GIL with typing).
        head_end = 0
        while text.startswith("#", head_end):
            head_end = text.find("\n", head_end) + 1 or len(text)
        surface: dict[str, str] = {}
        for line in text[:head_end].splitlines():
            if line.startswith(WRITTEN_PREFIX):
                surface.update((normalize(w), w) for w in line[len(WRITTEN_PREFIX):].split())
        cells = text[head_end:].split()
        del text
        try:
            if len(cells) % 2:
                raise ValueError("a word without its frequency")
            zipf = np.fromiter(map(int, cells[1::2]), dtype=np.float64, count=len(cells) // 2)
        except ValueError:
            raise LexiconError(f"the word list {name} is damaged (a line is not "
                               "word<TAB>frequency)") from None
        # The split left words and frequencies interleaved in memory; copied out in one go,
        # the words get compact memory and the interleaved blocks go back to the system
        # (~35 MB less resident for 250 000 words).
        blob = "\n".join(cells[0::2])
        del cells
        words = blob.split("\n") if blob else []
        if not words:
            raise LexiconError(f"the word list {name} holds no words")
        keys = [w if w.isascii() else fold(w) for w in words]
        f = np.power(10.0, zipf / 100.0)
        index = WordIndex(words, keys)
        index.build_exact()
        return cls._make(language, index, f, surface, path)

    def bind(self, vocab_ids: Mapping[str, int],
             unigram: np.ndarray | None = None) -> BoundLexicon:
        """This lexicon next to a model's vocabulary: which words the model lacks.

        `unigram`: the model's word frequencies in its training text ([V], the n-gram's
        unigram row), the baseline its context is compared with (`BoundLexicon.context`)."""
        return BoundLexicon(self, vocab_ids, unigram)

    @functools.cached_property
    def endings(self) -> tuple[np.ndarray, dict[str, int]]:
        """Each word's ending class (its last SUFFIX_LETTERS folded letters) and the classes.

        Computed once per list, on first use (about 0.1 s for 250 000 words)."""
        table: dict[str, int] = {}
        classes = np.fromiter((table.setdefault(k[-SUFFIX_LETTERS:], len(table))
                               for k in self.index.keys), dtype=np.int32, count=len(self))
        return classes, table


class BoundLexicon:
    """A lexicon and one model: the words the model does not know and their share of
    frequency, with running sums so the share of any prefix range costs O(1)."""

    TOP = 64  # most frequent unknown words kept for next-word suggestions (no prefix typed)

    def __init__(self, lexicon: Lexicon, vocab_ids: Mapping[str, int],
                 unigram: np.ndarray | None = None) -> None:
        self.lexicon = lexicon
        self.vocab_ids = vocab_ids
        words = lexicon.index.words
        known = np.fromiter((w in vocab_ids for w in words), dtype=bool, count=len(words))
        self.unknown_freq = np.where(known, 0.0, lexicon.freq)
        self.cum = np.concatenate(([0.0], np.cumsum(self.unknown_freq)))
        self.total = float(self.cum[-1])  # share of general text the model has no word for
        n = min(self.TOP, len(words))
        top = np.argpartition(-self.unknown_freq, n - 1)[:n] if n else np.zeros(0, np.int64)
        self.top = top[np.argsort(-self.unknown_freq[top], kind="stable")]

        # The context prior's tables: the model's words by ending class, how often each class
        # comes in the model's training text (its unigram; else the list's frequencies of the
        # model's words) and how much of the unknown words' frequency each class holds.
        self.word_class, table = lexicon.endings
        n_classes = len(table)
        pairs = [(i, table.get(fold(w)[-SUFFIX_LETTERS:], -1)) for w, i in vocab_ids.items()
                 if w[:1].isalpha()]
        pairs = [(i, c) for i, c in pairs if c >= 0]
        self.vocab_word_ids = np.asarray([i for i, _ in pairs], dtype=np.int64)
        self.vocab_class = np.asarray([c for _, c in pairs], dtype=np.int64)
        if unigram is not None and len(unigram) > int(self.vocab_word_ids.max(initial=-1)):
            prior = np.bincount(self.vocab_class, minlength=n_classes,
                                weights=np.asarray(unigram, dtype=np.float64)[self.vocab_word_ids])
        else:
            prior = np.bincount(self.word_class, weights=np.where(known, lexicon.freq, 0.0),
                                minlength=n_classes)
        self.class_prior = prior / prior.sum() if prior.sum() > 0 else prior
        self.class_unknown = np.bincount(self.word_class, weights=self.unknown_freq,
                                         minlength=n_classes)
        # How far a class's ratio is trusted: a class the model has few words of says little
        # (the poem model's one word ending in "-na" would otherwise bury "banana").
        known_in_class = np.bincount(self.vocab_class, minlength=n_classes)
        self.class_trust = known_in_class / (known_in_class + CLASS_TRUST_WORDS)

    def context(self, p: np.ndarray, strength: float, smoothing: float) -> np.ndarray | None:
        """Per ending class, how much likelier the model's context makes it than usual.

        The model says which kind of word comes next ("a " wants a feminine noun, "para " a
        verb's infinitive) through the probability it gives its own words of each ending
        class, against how often that class comes in its training text; a word the model does
        not know takes its class's ratio (`strength` its exponent: 0 ignores the context;
        `smoothing` pulls rare classes towards 1). Scaled so the unknown words' frequency times
        the ratio still sums to `total`: the list only re-divides the unknown-word mass."""
        if strength <= 0 or not len(self.vocab_word_ids) or self.total <= 0:
            return None
        pc = np.bincount(self.vocab_class, weights=p[self.vocab_word_ids],
                         minlength=len(self.class_prior))
        s = pc.sum()
        if s <= 0:
            return None
        prior = self.class_prior
        ratio = np.ones_like(prior)
        seen = prior > 0
        ratio[seen] = ((pc[seen] / s + smoothing * prior[seen])
                       / ((1.0 + smoothing) * prior[seen])) ** (strength * self.class_trust[seen])
        return ratio * (self.total / float(ratio @ self.class_unknown))

    def weighted(self, entries: np.ndarray | slice, weights: np.ndarray | None) -> np.ndarray:
        """The unknown words' frequency, times their class's context weight if given."""
        f = self.unknown_freq[entries]
        return f if weights is None else f * weights[self.word_class[entries]]

    def mass(self, lo: int, hi: int) -> float:
        """Share of the unknown words' frequency in [lo, hi) (0..1)."""
        return float(self.cum[hi] - self.cum[lo]) / self.total if self.total > 0 else 0.0

    def best(self, lo: int, hi: int, k: int, accept: Callable[[int], bool],
             weights: np.ndarray | None = None) -> list[int]:
        """Up to `k` entries of [lo, hi) the model lacks, most frequent first (by `weighted`),
        that `accept` lets through (ties alphabetical)."""
        if k <= 0 or hi <= lo:
            return []
        seg = self.weighted(slice(lo, hi), weights)
        n = hi - lo
        want = 2 * k + 8
        while True:
            m = min(n, want)
            idx = np.argpartition(-seg, m - 1)[:m] if m < n else np.arange(n)
            idx = idx[np.lexsort((idx, -seg[idx]))]
            out: list[int] = []
            for i in idx:
                if seg[i] <= 0.0:
                    return out
                if accept(lo + int(i)):
                    out.append(lo + int(i))
                    if len(out) == k:
                        return out
            if m == n:
                return out
            want *= 4

    def best_of(self, entries: np.ndarray, k: int, accept: Callable[[int], bool],
                weights: np.ndarray | None = None) -> list[int]:
        """Like `best`, over the given entries instead of a range."""
        if k <= 0 or not len(entries):
            return []
        seg = self.weighted(entries, weights)
        order = np.lexsort((entries, -seg))
        out: list[int] = []
        for j in order.tolist():
            if seg[j] <= 0.0:
                break
            if accept(int(entries[j])):
                out.append(int(entries[j]))
                if len(out) == k:
                    break
        return out

    def best_anywhere(self, k: int, accept: Callable[[int], bool]) -> list[int]:
        """The most frequent words the model lacks, for when nothing of the word is typed."""
        out = [int(i) for i in self.top if self.unknown_freq[i] > 0 and accept(int(i))][:k]
        return out if len(out) == k or len(self.top) < self.TOP else \
            self.best(0, len(self.lexicon), k, accept)


# -- which file, which language ---------------------------------------------------------------


# Points the editor at word lists in another folder (tests, trying a list out).
LEXICON_DIR_ENV = "CAMINHO_LEXICON_DIR"


def lexicon_path(language: str) -> Path:
    """Where the word list of `language` is: resources/lexicon/, or $CAMINHO_LEXICON_DIR."""
    folder = os.environ.get(LEXICON_DIR_ENV)
    if folder:
        return Path(folder) / (language + FILE_SUFFIX)
    from editor.core.resources import resource_path

    return resource_path(LEXICON_DIR, language + FILE_SUFFIX)


def system_language(environ: Mapping[str, str] | None = None) -> str | None:
    """The language of the user's locale (LC_ALL, LC_MESSAGES, LANG, LANGUAGE), e.g. "pt" for
    pt_BR.UTF-8; None for C/POSIX or nothing set."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(var, "")
        for part in value.split(":"):
            code = re.split(r"[_.@-]", part.strip(), maxsplit=1)[0].lower()
            if code in ("c", "posix"):
                return None
            if code.isalpha() and 2 <= len(code) <= 3:
                return code
    return None


@dataclass(frozen=True)
class LanguageChoice:
    language: str | None  # a key of LANGUAGES, or None: no word list
    reason: str  # "document", "preferences", "model", "locale", "none"


def choose_language(*, document: str | None, preference: str, model: str | None,
                    locale: str | None) -> LanguageChoice:
    """Which word list to use: the document's choice, else the one set in Preferences, else the
    model's language, else the system's. "off" anywhere along the way means none."""
    for value, reason in ((document, "document"), (preference, "preferences")):
        if value and value != "auto":
            return LanguageChoice(value if value in LANGUAGES else None, reason)
    if model:  # a model in a language without a word list gets none, not the locale's
        return LanguageChoice(model if model in LANGUAGES else None, "model")
    if locale in LANGUAGES:
        return LanguageChoice(locale, "locale")
    return LanguageChoice(None, "none")
