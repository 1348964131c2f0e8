"""The words that may complete a typed prefix, from the model, the document and the lexicon.

Qt-free; `editor.core.suggest.Suggester` ranks with it. Matching is accent-blind (editor/core/lexicon.py:
"nao" finds "não", an accent typed narrows), and for prefixes of TYPO_MIN_LETTERS letters or
more that have fewer exact completions than the strip has slots, words one edit away fill
the rest, always after the exact ones.

Probabilities: a model word has its mixed probability; a document word the model lacks has
its cache share; a lexicon word the model lacks gets the model's unknown-word probability
left after the document's words, `p_left`, times its share of the frequency of all the
lexicon's words the model lacks. So the lexicon only splits up mass the model already gives
to "some word I do not know": a word the model ranks well keeps its place, and when the
model knows no word with the prefix, the lexicon's words fill the strip by frequency.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from editor.core.lexicon import (
    TYPO_MIN_LETTERS,
    BoundLexicon,
    WordIndex,
    accent_match,
    fold,
    typo_match,
)
from editor.core.topk import best_indices


@dataclass(frozen=True)
class Ranked:
    prob: float
    norm: str
    source: str  # "model", "document" or "lexicon"
    typo: bool = False  # one edit away from the prefix, not a completion of it


class VocabIndex:
    """A model's words (ids flagged in `is_word`) sorted by folded key."""

    def __init__(self, vocab: Sequence[str], is_word: np.ndarray) -> None:
        ids = [i for i in range(len(vocab)) if is_word[i]]
        self.index = WordIndex([vocab[i] for i in ids])
        order = self.index.order
        self.ids = np.asarray(ids, dtype=np.int64)
        if order is not None:
            self.ids = self.ids[order]

    def __len__(self) -> int:
        return len(self.index)


@dataclass
class Pool:
    """What `complete` found: candidates best first, and the masses the ghost's confidence
    test needs (editor.core.suggest.prefix_confidence)."""

    ranked: list[Ranked]
    p_prefix: float  # probability of the model's and the document's words with the prefix
    p_unknown: float  # unknown-word probability not given to any document word
    unknown_share: float  # the share of that which starts with the prefix


def complete(prefix: str, *, p: np.ndarray, vocab: VocabIndex, unknown: Mapping[str, float],
             p_left: float, lexicon: BoundLexicon | None, blocked: Collection[str],
             k: int, lexicon_weight: float = 1.0, keep_places: int = 1,
             context: np.ndarray | None = None) -> Pool:
    """Up to `k` words completing `prefix` (the model-side form of what is typed), best first.

    `p`: mixed probabilities of the vocabulary; `unknown`: document words the model lacks
    with their probabilities; `p_left`: the unknown-word probability left for other words.
    `lexicon_weight`: the lexicon's words are ranked as if they had this many times their
    probability (SuggestConfig.lexicon_weight), except for the `keep_places` first places (the first
    is the ghost text's word), which stay the most probable ones. `context`: the lexicon's
    per-class context weights (`BoundLexicon.context`), None to share by frequency alone.
    """
    key = fold(prefix)
    narrow = key != prefix  # the writer typed an accent: only words with it match

    def fits(word: str) -> bool:
        return not narrow or accent_match(word, prefix, key)

    found: dict[str, Ranked] = {}
    p_prefix = 0.0

    # The model's words: all of them count for the confidence; the best few are candidates.
    lo, hi = vocab.index.range(key)
    ids = vocab.ids[lo:hi]
    probs = p[ids]
    words = vocab.index.words
    if narrow:
        keep = np.fromiter((fits(words[j]) for j in range(lo, hi)), dtype=bool, count=hi - lo)
        probs = np.where(keep, probs, -1.0)
    p_prefix += float(probs[probs > 0].sum())
    for j in _best_first(probs, k + len(blocked)):
        word = words[lo + j]
        if word not in blocked:
            found[word] = Ranked(float(probs[j]), word, "model")

    # Document words the model lacks (names, new words): few, so each is looked at.
    for word, q in unknown.items():
        if accent_match(word, prefix, key):
            p_prefix += q
            if word not in blocked:
                found[word] = Ranked(q, word, "document")

    # The lexicon's words the model lacks share what is left of the unknown-word mass.
    share = (hi - lo) / max(1, len(vocab))  # without a lexicon: guessed from the vocabulary
    if lexicon is not None:
        index = lexicon.lexicon.index
        llo, lhi = index.range(key)
        share = lexicon.mass(llo, lhi)
        if narrow:  # the accented words are spread over the folded range: pick them first
            words_l = index.words
            _merge(found, lexicon, lexicon.best_of(index.accented(prefix, key), k + 3,
                                                   lambda i: words_l[i] not in blocked,
                                                   context),
                   p_left, context, typo=False)
        else:
            _add_lexicon(found, lexicon, [(llo, lhi)], p_left, blocked, k, fits, context,
                         typo=False)

    ranked = _order(list(found.values()), lexicon_weight, keep_places)[:k]
    if len(ranked) < k and len(prefix) >= TYPO_MIN_LETTERS:
        ranked += _typos(prefix, key, p=p, vocab=vocab, unknown=unknown, p_left=p_left,
                         lexicon=lexicon, blocked=blocked, exclude=set(found),
                         k=k - len(ranked), context=context)
    return Pool(ranked, p_prefix, p_left, share)


def _order(found: list[Ranked], weight: float, keep: int) -> list[Ranked]:
    """Best first by probability, the lexicon's words by `weight` times theirs after the
    first `keep` places."""
    plain = sorted(found, key=lambda r: (-r.prob, r.norm))
    if weight == 1.0 or len(plain) <= keep:
        return plain
    return plain[:keep] + sorted(plain[keep:], key=lambda r: (
        -r.prob * (weight if r.source == "lexicon" else 1.0), r.norm))


def next_words(*, p: np.ndarray, is_word: np.ndarray, vocab: Sequence[str],
               unknown: Mapping[str, float], p_left: float, lexicon: BoundLexicon | None,
               blocked: Collection[str], k: int) -> list[Ranked]:
    """The `k` most probable next words when nothing of the word is typed yet."""
    masked = np.where(is_word, p, -1.0)
    found: dict[str, Ranked] = {}
    for i in _best_first(masked, k + len(blocked)):
        if vocab[i] not in blocked:
            found[vocab[i]] = Ranked(float(masked[i]), vocab[i], "model")
    for word, q in unknown.items():
        if word not in blocked:
            found[word] = Ranked(q, word, "document")
    if lexicon is not None and p_left > 0:
        words = lexicon.lexicon.index.words
        top = lexicon.best_anywhere(k + len(unknown),
                                    lambda i: words[i] not in blocked)
        _merge(found, lexicon, top, p_left, None, typo=False)
    return sorted(found.values(), key=lambda r: (-r.prob, r.norm))[:k]


def _best_first(scores: np.ndarray, n: int) -> list[int]:
    """Indices of the `n` highest positive scores, best first (ties: lower index first), and
    every score tied with the n-th: callers sort by (probability, word), and a word tied at the
    cut may come before the ones a cut by index keeps (argpartition alone picks among ties at
    random; issue 18)."""
    idx = best_indices(scores, n)
    idx = idx[np.lexsort((idx, -scores[idx]))]
    return [int(i) for i in idx if scores[i] > 0]


def _add_lexicon(found: dict[str, Ranked], lexicon: BoundLexicon,
                 ranges: Sequence[tuple[int, int]], p_left: float, blocked: Collection[str],
                 k: int, fits: Callable[[str], bool], context: np.ndarray | None, *,
                 typo: bool) -> None:
    words = lexicon.lexicon.index.words

    def accept(i: int) -> bool:
        w = words[i]
        return w not in blocked and fits(w)

    for lo, hi in ranges:
        # k more than needed: some may already be in the pool as document words.
        _merge(found, lexicon, lexicon.best(lo, hi, k + 3, accept, context), p_left, context,
               typo=typo)


def _merge(found: dict[str, Ranked], lexicon: BoundLexicon, entries: Sequence[int],
           p_left: float, context: np.ndarray | None, *, typo: bool) -> None:
    words = lexicon.lexicon.index.words
    for i in entries:
        word = words[i]
        f = float(lexicon.unknown_freq[i])
        if context is not None:
            f *= float(context[lexicon.word_class[i]])
        q = p_left * f / lexicon.total
        had = found.get(word)
        if had is None:
            found[word] = Ranked(q, word, "lexicon", typo)
        elif had.source == "document":  # a new word of this text that the lexicon knows too
            found[word] = Ranked(had.prob + q, word, "document", had.typo)


def _typos(prefix: str, key: str, *, p: np.ndarray, vocab: VocabIndex,
           unknown: Mapping[str, float], p_left: float, lexicon: BoundLexicon | None,
           blocked: Collection[str], exclude: set[str], k: int,
           context: np.ndarray | None = None) -> list[Ranked]:
    """Words one edit away from the prefix (accent-blind), most probable first."""
    found: dict[str, Ranked] = {}
    words = vocab.index.words
    for lo, hi in vocab.index.typo_ranges(key):
        for j in range(lo, hi):
            word = words[j]
            q = float(p[vocab.ids[j]])
            if q > 0 and word not in blocked and word not in exclude:
                if word not in found or found[word].prob < q:
                    found[word] = Ranked(q, word, "model", True)
    for word, q in unknown.items():
        if word not in blocked and word not in exclude and typo_match(word, prefix):
            found[word] = Ranked(q, word, "document", True)
    if lexicon is not None:
        ranges = lexicon.lexicon.index.typo_ranges(key)
        _add_lexicon(found, lexicon, ranges, p_left, blocked, k,
                     lambda w: w not in exclude, context, typo=True)
    return sorted(found.values(), key=lambda r: (-r.prob, r.norm))[:k]
