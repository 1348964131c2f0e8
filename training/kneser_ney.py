"""An interpolated Kneser-Ney trigram model: the n-gram baseline of `caminho-train evaluate`.

Written here in numpy (no LM toolkit) after Chen & Goodman, "An Empirical Study of Smoothing
Techniques for Language Modeling" (1998): interpolated Kneser-Ney with their "modified" discounts
(D1, D2, D3+ per order, estimated from counts of counts). The highest order uses raw counts, the
lower orders continuation counts (how many distinct words precede an n-gram), and the unigram
level is interpolated with the uniform distribution so every vocabulary entry gets some mass.

It reads the same token stream as the LSTM: every document is `<doc>` + its tokens (words,
numbers, punctuation, line breaks) and closes with `<doc>`, over the same vocabulary (anything
outside it is `<unk>`), so the two models' perplexities count the same tokens.

The estimate is an `editor.core.modelfile.NgramModel`: the editor looks the same tables up when a
model file carries them (`caminho-train train` adds them for corpora with a validation split),
and the evaluator's baseline queries exactly that code. `next_distribution(context)` gives
P(next | two previous tokens) over the whole vocabulary; the keystroke simulator ranks words
from it with `training.ksr.RankedPredictor`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from editor.core.modelfile import NGRAM_FORMAT, NGRAM_FORMAT_KEY, NGRAM_KEY, NgramModel, NgramRows

ORDER = 3


@dataclass(frozen=True)
class Discounts:
    """D1, D2, D3+: what is taken from n-grams seen once, twice, three times or more."""

    d1: float
    d2: float
    d3: float

    @classmethod
    def estimate(cls, counts: np.ndarray) -> Discounts:
        """Chen & Goodman's estimates from the counts of counts n1..n4.

        Tiny corpora (a poem) can lack n-grams seen 2, 3 or 4 times; the estimates are then
        clamped to a sensible range instead of becoming negative or infinite.
        """
        n = [int((counts == k).sum()) for k in (1, 2, 3, 4)]
        if n[0] == 0 or n[1] == 0:
            return cls(0.5, 0.75, 0.9)
        y = n[0] / (n[0] + 2 * n[1])
        d1 = 1 - 2 * y * n[1] / n[0]
        d2 = 2 - 3 * y * n[2] / n[1] if n[1] else 1.0
        d3 = 3 - 4 * y * n[3] / n[2] if n[2] else 1.5
        return cls(float(np.clip(d1, 0.05, 0.95)), float(np.clip(d2, 0.1, 1.95)),
                   float(np.clip(d3, 0.1, 2.95)))

    def of(self, counts: np.ndarray) -> np.ndarray:
        """The discount for each count (all counts are >= 1)."""
        return np.where(counts == 1, self.d1, np.where(counts == 2, self.d2, self.d3))


def _build_rows(keys: np.ndarray, counts: np.ndarray, vocab_size: int,
                discounts: Discounts) -> NgramRows:
    """Rows of discounted probabilities from unique n-gram keys (context * V + word) and counts."""
    context = keys // vocab_size
    word = keys % vocab_size
    order = np.lexsort((word, context))
    context, word, counts = context[order], word[order], counts[order]
    starts = np.flatnonzero(np.r_[True, context[1:] != context[:-1]])
    offsets = np.r_[starts, len(context)].astype(np.int64)
    totals = np.add.reduceat(counts, starts).astype(np.float64)
    row_of = np.repeat(np.arange(len(starts)), np.diff(offsets))
    disc = discounts.of(counts)
    return NgramRows(
        keys=context[starts].astype(np.int64),  # ascending: searchsorted finds a context
        offsets=offsets,
        words=word.astype(np.int64),
        mass=(counts - disc) / totals[row_of],
        gamma=np.add.reduceat(disc, starts) / totals,
    )


def estimate(vocab_size: int, documents: Iterable[Sequence[int]], *, doc_id: int = 1,
             weight: float = 1.0) -> NgramModel:
    """Interpolated Kneser-Ney trigram over token id lists (documents without their `<doc>`)."""
    v = vocab_size
    stream: list[int] = []
    for doc in documents:
        # Two <doc>s of history before the first token, one <doc> to predict after the last,
        # and a break (-1) so that no trigram spans two documents.
        stream += [doc_id, doc_id, *doc, doc_id, -1]
    ids = np.array(stream, dtype=np.int64)
    u, w1, w2 = ids[:-2], ids[1:-1], ids[2:]
    ok = (u >= 0) & (w1 >= 0) & (w2 >= 0)
    tri_keys, tri_counts = np.unique((u[ok] * v + w1[ok]) * v + w2[ok], return_counts=True)
    if len(tri_keys) == 0:
        raise ValueError("no text to count")
    # Continuation counts: distinct left neighbours of each bigram, then of each word.
    bi_keys, bi_counts = np.unique(tri_keys % (v * v), return_counts=True)
    uni_keys, uni_counts = np.unique(bi_keys % v, return_counts=True)
    d1, d2, d3 = (Discounts.estimate(uni_counts), Discounts.estimate(bi_counts),
                  Discounts.estimate(tri_counts))
    total = float(uni_counts.sum())
    unigram = np.zeros(v)
    unigram[uni_keys] = (uni_counts - d1.of(uni_counts)) / total
    # The discounted mass goes to the uniform distribution: every entry keeps some probability.
    unigram += float(d1.of(uni_counts).sum()) / total / v
    return NgramModel(unigram, _build_rows(bi_keys, bi_counts, v, d2),
                      _build_rows(tri_keys, tri_counts, v, d3), weight=weight, doc_id=doc_id)


class KneserNey:
    """The baseline: an interpolated (modified) Kneser-Ney trigram over a vocabulary."""

    def __init__(self, vocab: Sequence[str], documents: Iterable[Sequence[int]], *,
                 doc_id: int = 1) -> None:
        """`documents`: token id lists without `<doc>`; `vocab`: the id -> token table."""
        self.vocab = list(vocab)
        self.model = estimate(len(self.vocab), documents, doc_id=doc_id)

    @property
    def unigram(self) -> np.ndarray:
        return self.model.unigram

    def next_distribution(self, context: Sequence[int]) -> np.ndarray:
        """P(next token | last two ids of `context`) over the vocabulary (a fresh array).

        A context shorter than two tokens is padded with `<doc>`, as at a document's start.
        """
        return self.model.next_distribution(context).copy()


def attach(path: str | Path, ngram: NgramModel) -> None:
    """Store `ngram` in an exported model file (metadata `ngram` and its format version),
    replacing the file atomically.

    The editor reads it with `NgramModel.from_model`; a file without it (or an older editor)
    simply uses the LSTM alone.
    """
    import onnx

    from training.checkpoint import atomic_write

    proto = onnx.load(str(path))
    for entry in list(proto.metadata_props):
        if entry.key in (NGRAM_KEY, NGRAM_FORMAT_KEY):
            proto.metadata_props.remove(entry)
    for key, value in ((NGRAM_KEY, ngram.to_text()), (NGRAM_FORMAT_KEY, str(NGRAM_FORMAT))):
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    blob = proto.SerializeToString()
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(blob))
