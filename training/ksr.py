"""Keystroke savings: a simulated writer who takes a suggestion the moment it is right.

Keystroke savings rate as Presage defines it (the Presage project's simulator, ideas only):

    KSR = 1 - (keys typed + keys to accept) / characters of the text

where the characters are every character of the text (letters, spaces, punctuation, line
breaks) and the keys are what a writer presses with suggestions on. Before each keystroke the
simulated writer looks at what is offered for the text typed so far (always a prefix of the
true text) and, when the word being typed is offered, accepts it with one key; otherwise they
type the next character.

Details, decided here and documented in docs/BENCHMARKS.md:

- Only inside a word (from its first letter to its last) is anything accepted. A "word" is a
  word or number token of `editor.core.tokenizer`; punctuation and line breaks are always typed.
- Matching is case-insensitive: the offered word's norm (NFC, case-folded) must equal the
  target's. The editor already capitalises at sentence starts and after a capital prefix.
- "strip": the target is among the strip's candidates (3 by default).
  "ghost": the ghost text (the top candidate, shown only above the editor's confidence
  threshold) completes the target word. One key (Tab) accepts either.
- Accepting inserts the word plus a space, as the editor does. If the text goes on with a
  space, that space is saved too. If it goes on with `.,;:!?)` the editor removes its own
  space when that is typed, so nothing extra. Anything else (a line break, a quote, the end of
  the text) needs one Backspace to take the space back: the text typed must equal the original.
- The writer accepts only when that saves keys (accepting one last letter before a line break
  would cost two keys instead of one).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from editor.core.tokenizer import Token, is_word_norm, normalize, split_partial, tokenize

# Typed right after an accepted word's automatic space, these replace it
# (editor/ui/suggestions/controller.py).
HUGGING_LEFT = frozenset(".,;:!?)")

Mode = Literal["strip", "ghost"]


@dataclass(frozen=True)
class Offer:
    """What the writer sees for one prefix of the text."""

    words: tuple[str, ...]  # strip candidates, best first (norms)
    ghost: str | None = None  # norm of the word the ghost text would complete, if shown


class Predictor(Protocol):
    """Anything the simulator can type with: the editor's engine or a baseline."""

    name: str

    def offer(self, text_before: str) -> Offer:
        """What is offered with the cursor after `text_before`, a document's start."""
        ...


@dataclass(frozen=True)
class WordSpan:
    start: int
    end: int
    norm: str


def word_spans(text: str) -> list[WordSpan]:
    return [WordSpan(t.start, t.end, t.norm) for t in tokenize(text) if t.is_word]


@dataclass
class Keystrokes:
    """One simulated writer's count over some text."""

    characters: int = 0
    keys: int = 0  # every key pressed: typed characters, accepts and Backspaces
    accepts: int = 0
    backspaces: int = 0

    @property
    def ksr(self) -> float:
        return 1.0 - self.keys / self.characters if self.characters else float("nan")

    def add(self, other: Keystrokes) -> None:
        self.characters += other.characters
        self.keys += other.keys
        self.accepts += other.accepts
        self.backspaces += other.backspaces

    def to_dict(self) -> dict[str, float | int]:
        return {"ksr": self.ksr, "characters": self.characters, "keys": self.keys,
                "accepts": self.accepts, "backspaces": self.backspaces}


def offered(offer: Offer, norm: str, mode: Mode, strip_size: int) -> bool:
    if mode == "ghost":
        return offer.ghost == norm
    return norm in offer.words[:strip_size]


def simulate(text: str, offer_at: Callable[[int], Offer], mode: Mode, *,
             strip_size: int = 3, spans: list[WordSpan] | None = None) -> Keystrokes:
    """Type `text` with suggestions; `offer_at(pos)` is what is offered after `text[:pos]`."""
    spans = word_spans(text) if spans is None else spans
    inside: dict[int, WordSpan] = {p: s for s in spans for p in range(s.start, s.end)}
    count = Keystrokes(characters=len(text))
    pos = 0
    while pos < len(text):
        span = inside.get(pos)
        if span is not None and offered(offer_at(pos), span.norm, mode, strip_size):
            after = text[span.end : span.end + 1]
            space_saved = after == " "
            backspace = not space_saved and after not in HUGGING_LEFT  # "" (the end) too
            cost = 1 + int(backspace)
            if cost < span.end - pos + int(space_saved):
                count.keys += cost
                count.accepts += 1
                count.backspaces += int(backspace)
                pos = span.end + int(space_saved)
                continue
        count.keys += 1
        pos += 1
    return count


@dataclass
class WordHits:
    """Next-word accuracy at word starts: is the word offered before its first letter?"""

    words: int = 0
    top1: int = 0
    top3: int = 0

    def add(self, other: WordHits) -> None:
        self.words += other.words
        self.top1 += other.top1
        self.top3 += other.top3


def word_hits(spans: list[WordSpan], offer_at: Callable[[int], Offer],
              strip_size: int = 3) -> WordHits:
    hits = WordHits()
    for s in spans:
        offer = offer_at(s.start)
        hits.words += 1
        hits.top1 += int(offer.words[:1] == (s.norm,))
        hits.top3 += int(s.norm in offer.words[:strip_size])
    return hits


@dataclass
class DocumentRun:
    """Everything the simulator measures on one document for one predictor."""

    strip: Keystrokes = field(default_factory=Keystrokes)
    ghost: Keystrokes = field(default_factory=Keystrokes)
    hits: WordHits = field(default_factory=WordHits)
    offers: int = 0  # predictor calls (distinct prefixes asked about)
    oov_words: int = 0  # words outside the model's vocabulary (when it was given)
    oov_early: int = 0  # ... offered in the strip with two letters or more still to type

    def add(self, other: DocumentRun) -> None:
        self.strip.add(other.strip)
        self.ghost.add(other.ghost)
        self.hits.add(other.hits)
        self.offers += other.offers
        self.oov_words += other.oov_words
        self.oov_early += other.oov_early


def run_document(text: str, predictor: Predictor, strip_size: int = 3,
                 known: Container[str] | None = None) -> DocumentRun:
    """Both writers (strip and ghost) and the word-start accuracy, for one document.

    The text before the cursor is always a prefix of `text`, so what is offered depends on the
    position alone: each position is asked about once, whichever writer gets there first. The
    positions are visited in increasing order, so an engine with incremental state (the
    editor's ContextTracker) only ever runs the model forward.
    """
    memo: dict[int, Offer] = {}
    spans = word_spans(text)
    start = getattr(predictor, "start_document", None)
    if start is not None:  # an engine with a document cache starts it empty
        start()

    def offer_at(pos: int) -> Offer:
        hit = memo.get(pos)
        if hit is None:
            hit = memo[pos] = predictor.offer(text[:pos])
        return hit

    run = DocumentRun()
    run.hits = word_hits(spans, offer_at, strip_size)
    run.strip = simulate(text, offer_at, "strip", strip_size=strip_size, spans=spans)
    run.ghost = simulate(text, offer_at, "ghost", strip_size=strip_size, spans=spans)
    if known is not None:
        # Words the model cannot know: is each offered before its last two letters?
        for s in spans:
            if s.norm not in known:
                run.oov_words += 1
                run.oov_early += any(s.norm in offer_at(pos).words[:strip_size]
                                     for pos in range(s.start, s.end - 1))
    run.offers = len(memo)
    return run


class RankedPredictor:
    """A baseline's next-token distribution offered the way the editor offers its own.

    The strip holds the `strip_size` most probable vocabulary words that start with the typed
    prefix (case-insensitive; ties alphabetical). The ghost shows the best of them when it is
    sure enough, by the editor's rule: P(best) / P(any word with this prefix, or <unk>) reaches
    `ghost_threshold`, or P(best) itself when nothing is typed yet. No document cache: a
    baseline knows only its training text.
    """

    def __init__(self, name: str, vocab: Sequence[str],
                 distribution: Callable[[list[Token]], np.ndarray], *, strip_size: int = 3,
                 ghost_threshold: float = 0.35, unk_id: int = 0) -> None:
        self.name = name
        self.distribution = distribution  # P(next | the finished tokens before the cursor)
        self.strip_size = strip_size
        self.ghost_threshold = ghost_threshold
        self.unk_id = unk_id
        self.vocab = list(vocab)
        words = sorted((t, i) for i, t in enumerate(self.vocab) if is_word_norm(t))
        self.keys = [t for t, _ in words]
        self.word_ids = np.array([i for _, i in words], dtype=np.int64)
        self._context: str | None = None
        self._p = np.zeros(0)

    def offer(self, text_before: str) -> Offer:
        context, prefix = split_partial(text_before)
        if context != self._context:  # typing inside a word keeps the context: no new run
            self._p = self.distribution(tokenize(context))
            self._context = context
        p = self._p
        key = normalize(prefix)
        lo = bisect.bisect_left(self.keys, key)
        hi = bisect.bisect_left(self.keys, key + "\U0010ffff")
        ids = self.word_ids[lo:hi]
        if len(ids) == 0:
            return Offer(())
        scores = p[ids]
        k = self.strip_size
        best = np.arange(len(ids))
        if len(ids) > 4 * k:  # a short list of the best first, then order only those
            best = np.argpartition(-scores, k)[: k + 1]
        # Best first, ties alphabetical (`ids` is in alphabetical order).
        best = best[np.lexsort((best, -scores[best]))]
        top = ids[best[:k]]
        words = tuple(self.vocab[i] for i in top)
        denom = float(scores.sum() + p[self.unk_id]) if prefix else 1.0
        confidence = float(p[top[0]]) / denom if denom > 0 else 0.0
        ghost = words[0] if confidence >= self.ghost_threshold and words[0] != key else None
        return Offer(words, ghost)
