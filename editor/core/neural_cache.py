"""The continuous cache: what followed a similar state earlier in the document (Qt-free).

Grave, Joulin & Usunier, "Improving Neural Language Models with a Continuous Cache" (ICLR
2017): keep, for each earlier position i of the document, the LSTM's hidden state h_i and the
token x_{i+1} that followed it. At the cursor, with state h_t,

    P_cache(w) ∝ Σ_{i : x_{i+1} = w} exp(θ · h_t · h_i)

and the suggestion engine mixes P = (1 − λ)·P_model + λ·P_cache (editor/core/suggest.py). A word
that followed a context like the current one pages earlier comes back, names and terms the
model has never seen included: the cache stores words as text, not as vocabulary ids.

The cache is keyed by document position (the position of the word x_{i+1}), so it spans the
whole document while the LSTM reads a bounded window: the engine adds the window's positions
as it reads them, and `edit` keeps the positions right as the text changes elsewhere. It holds
at most `size` entries in preallocated arrays; past that the least recently written go.
Only entries before the cursor are used, as in the paper.
"""

from __future__ import annotations

import json
import math
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from editor.core.modelfile import NEURAL_CACHE_KEY

METADATA_KEY = NEURAL_CACHE_KEY  # the model file's tuned θ and λ (docs/MODEL_FORMAT.md)
DEFAULT_SIZE = 10_000  # entries: about 60 pages of text, 10 MB of float32 keys at H = 256
# For model files without tuned values (such as the bundled poem model): what tuning chose on
# the long-document benchmark's validation pages, rounded (docs/BENCHMARKS.md).
DEFAULT_THETA = 0.3
DEFAULT_WEIGHT = 0.1
# The cache's weight grows with the entries it holds before the cursor, λ·min(1, n / ramp): a
# cache of a few entries is a distribution over a handful of words, mostly noise, and at full
# weight it cost the short fortunes-br documents (≈ 20 words) a point of top-3. For files
# without the value (tuned before it existed) this one; tuning picks it (docs/BENCHMARKS.md).
DEFAULT_RAMP = 200
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class CacheParams:
    """θ (how sharply the current state picks similar earlier states) and λ (the mix weight)."""

    theta: float = DEFAULT_THETA
    weight: float = DEFAULT_WEIGHT
    size: int = DEFAULT_SIZE
    tuned: bool = False  # read from the model file (else the defaults)
    ramp: int = DEFAULT_RAMP  # entries before the cursor at which λ reaches its full value

    def to_text(self) -> str:
        """The metadata value: a JSON object."""
        return json.dumps({"theta": self.theta, "lambda": self.weight, "size": self.size,
                           "ramp": self.ramp})

    def weight_at(self, entries: int, weight: float | None = None) -> float:
        """λ with `entries` entries before the cursor: `weight` (else λ) · min(1, n / ramp)."""
        w = self.weight if weight is None else weight
        if self.ramp > 0 and entries < self.ramp:
            return w * entries / self.ramp
        return w

    @classmethod
    def from_metadata(cls, meta: Mapping[str, str]) -> CacheParams:
        """The file's values, or the defaults when the key is missing or unusable: the cache is
        an optional extra, never a reason to refuse a model."""
        text = meta.get(METADATA_KEY)
        if not text:
            return cls()
        try:
            data = json.loads(text)
            theta, weight = float(data["theta"]), float(data["lambda"])
            size = int(data.get("size", DEFAULT_SIZE))
            ramp = int(data.get("ramp", DEFAULT_RAMP))
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls()
        if not (math.isfinite(theta) and theta >= 0 and 0 <= weight < 1 and 0 < size <= 10**6
                and 0 <= ramp <= 10**6):
            return cls()
        return cls(theta, weight, size, tuned=True, ramp=ramp)


@dataclass
class Lookup:
    """P_cache at one cursor position: words with their probability, and where each came from."""

    words: list[str]  # norms, each once
    probs: np.ndarray  # float64, sums to 1
    vocab_ids: np.ndarray  # int64 id of each word in the model's vocabulary, -1 if it has none
    _positions: np.ndarray  # document positions of the entries used
    _scores: np.ndarray  # θ·h_t·h_i of those entries
    _entry_word: np.ndarray  # word-table index of each entry
    _table_index: np.ndarray  # word-table index of each of `words`
    entries: int = 0  # entries before the cursor that took part (the weight's ramp)
    _dict: dict[str, float] | None = None
    _unknown: list[tuple[str, float]] | None = None

    def as_dict(self) -> dict[str, float]:
        if self._dict is None:
            self._dict = dict(zip(self.words, self.probs.tolist(), strict=True))
        return self._dict

    def unknown(self) -> list[tuple[str, float]]:
        """(word, probability) of the words outside the model's vocabulary."""
        if self._unknown is None:
            out = np.flatnonzero(self.vocab_ids < 0)
            self._unknown = [(self.words[k], float(self.probs[k])) for k in out]
        return self._unknown

    def recall(self, norm: str) -> int | None:
        """Document position of the earlier occurrence of `norm` whose context is the most
        similar to the cursor's (the entry that gives `norm` the largest share)."""
        try:
            k = self.words.index(norm)
        except ValueError:
            return None
        mine = np.flatnonzero(self._entry_word == self._table_index[k])
        return int(self._positions[mine[np.argmax(self._scores[mine])]])


class NeuralCache:
    """Up to `size` (h_i, next word, its document span) entries, in preallocated arrays."""

    def __init__(self, hidden: int, params: CacheParams | None = None,
                 vocab: Mapping[str, int] | None = None) -> None:
        self.params = params or CacheParams()
        size = self.params.size
        self.keys = np.zeros((size, hidden), np.float32)  # h_i
        self.word = np.zeros(size, np.int32)  # index into the word table
        self.start = np.zeros(size, np.int64)  # document span of the word that followed h_i
        self.end = np.zeros(size, np.int64)
        # Characters of text the state h_i had read (in its window); -1: stale, text before it
        # changed since, so any fresh state for that position replaces it.
        self.context = np.zeros(size, np.int64)
        self.stamp = np.zeros(size, np.int64)  # write order: the oldest is evicted first
        self.valid = np.zeros(size, bool)
        self._vocab = vocab or {}
        self._table: list[str] = []  # word table: norms
        self._table_index: dict[str, int] = {}
        self._table_vocab: list[int] = []  # vocabulary id of each table word, -1 if none
        self._clock = 0
        self.version = 0  # changes whenever an entry does
        # Recent lookups by (version, h, entries before the cursor): the strip's state and the
        # ghost text's few states come back keystroke after keystroke while a word is typed.
        self._memo: OrderedDict[tuple[int, bytes, int], Lookup] = OrderedDict()

    def __len__(self) -> int:
        return int(self.valid.sum())

    @property
    def size(self) -> int:
        return len(self.valid)

    def clear(self) -> None:
        self.valid[:] = False
        self._table, self._table_index, self._table_vocab = [], {}, []
        self.version += 1

    # -- writing -------------------------------------------------------------------------------
    def add(self, starts: Sequence[int] | np.ndarray, ends: Sequence[int] | np.ndarray,
            words: Sequence[str], keys: np.ndarray, context: Sequence[int] | np.ndarray) -> int:
        """Store entries: the state `keys[k]` was followed by `words[k]` at `starts[k]:ends[k]`,
        having read `context[k]` characters of text.

        A position already held is rewritten only when the new entry is better: its word
        differs, the old one is stale (text before it was edited), or the new state has read
        more text. Returns how many entries were written.
        """
        starts = np.asarray(starts, np.int64)
        if len(starts) == 0:
            return 0
        ends = np.asarray(ends, np.int64)
        context = np.asarray(context, np.int64)
        ids = np.fromiter((self._word_id(w) for w in words), np.int32, len(words))
        # Each position once (the last wins), then which of them the cache already holds; of a
        # batch larger than the cache, its last positions.
        _, last = np.unique(starts[::-1], return_index=True)
        pick = np.sort(len(starts) - 1 - last)[-self.size :]
        slot = self._slots_of(starts[pick])
        held = slot >= 0
        old = slot[held]
        better = np.ones(len(pick), bool)
        better[held] = ((self.context[old] < 0) | (self.word[old] != ids[pick[held]])
                        | (self.end[old] != ends[pick[held]])
                        | (context[pick[held]] > self.context[old]))
        new = pick[better]
        if len(new) == 0:
            return 0
        target = slot[better]
        fresh = target < 0
        if fresh.any():
            target[fresh] = self._free_slots(int(fresh.sum()), keep=target[~fresh])
        self.keys[target] = keys[new]
        self.word[target] = ids[new]
        self.start[target] = starts[new]
        self.end[target] = ends[new]
        self.context[target] = context[new]
        self.stamp[target] = self._clock + np.arange(len(new))
        self._clock += len(new)
        self.valid[target] = True
        self.version += 1
        if len(self._table) > 4 * self.size + 1024:
            self._compact_table()
        return len(new)

    def edit(self, pos: int, removed: int, added: int, reach: int) -> bool:
        """The document changed at `pos`: `removed` characters replaced by `added`.

        Entries whose word the change touches (or abuts: it may have grown) are dropped, the
        ones after it move, and those within `reach` characters after it, whose state read the
        changed text, are marked stale so the engine's next fresh state for them replaces
        them. Returns whether any entry changed.
        """
        v = self.valid
        touched = v & (self.start <= pos + removed) & (self.end >= pos)
        after = v & ~touched & (self.start >= pos + removed)
        delta = added - removed
        changed = bool(touched.any())
        if changed:
            self.valid[touched] = False
        if delta and after.any():
            self.start[after] += delta
            self.end[after] += delta
            changed = True
        near = v & ~touched & (self.start >= pos) & (self.start < pos + added + reach)
        near &= self.context >= 0
        if near.any():
            self.context[near] = -1
            changed = True
        if changed:
            self.version += 1
        return changed

    def _word_id(self, norm: str) -> int:
        k = self._table_index.get(norm)
        if k is None:
            k = self._table_index[norm] = len(self._table)
            self._table.append(norm)
            self._table_vocab.append(self._vocab.get(norm, -1))
        return k

    def _slots_of(self, starts: np.ndarray) -> np.ndarray:
        """The slot holding each position, or -1."""
        out = np.full(len(starts), -1, np.int64)
        if len(starts) <= 16:  # typing: a token or two; one comparison pass each
            for k, s in enumerate(starts):
                hit = np.flatnonzero((self.start == s) & self.valid)
                if len(hit):
                    out[k] = hit[0]
            return out
        live = np.flatnonzero(self.valid)
        if len(live) == 0:
            return out
        order = np.argsort(self.start[live], kind="stable")
        sorted_starts = self.start[live][order]
        at = np.searchsorted(sorted_starts, starts)
        ok = at < len(live)
        ok[ok] = sorted_starts[at[ok]] == starts[ok]
        out[ok] = live[order[at[ok]]]
        return out

    def _free_slots(self, n: int, keep: np.ndarray) -> np.ndarray:
        """`n` slots to write: empty ones first, then the least recently written."""
        free = np.flatnonzero(~self.valid)[:n]
        if len(free) == n:
            return free
        stamp = np.where(self.valid, self.stamp, -1)
        stamp[free] = np.iinfo(np.int64).max  # already taken
        stamp[keep] = np.iinfo(np.int64).max  # rewritten in this same call
        need = n - len(free)
        oldest = np.argpartition(stamp, need - 1)[:need]
        return np.concatenate([free, oldest])

    def _compact_table(self) -> None:
        used = np.unique(self.word[self.valid])
        remap = np.zeros(len(self._table), np.int32)
        remap[used] = np.arange(len(used), dtype=np.int32)
        self.word[self.valid] = remap[self.word[self.valid]]
        self._table = [self._table[k] for k in used]
        self._table_vocab = [self._table_vocab[k] for k in used]
        self._table_index = {w: k for k, w in enumerate(self._table)}

    # -- reading -------------------------------------------------------------------------------
    def lookup(self, h: np.ndarray, before: int) -> Lookup | None:
        """P_cache for the state `h` (top layer, [H]) at a cursor at `before`: every entry whose
        word ends there or earlier takes part. None when there is none."""
        mask = self.valid & (self.end <= before)
        n = int(np.count_nonzero(mask))
        if n == 0:
            return None
        h = np.ascontiguousarray(h, np.float32).reshape(-1)
        # The entries before the cursor are those whose word ends there or earlier: the same
        # count means the same entries.
        key = (self.version, h.tobytes(), n)
        hit = self._memo.get(key)
        if hit is not None:
            self._memo.move_to_end(key)
            return hit
        sel = np.flatnonzero(mask)
        # einsum, not `@`: where OpenBLAS runs its thread pool (the editor pins it to one
        # thread, other hosts of this engine may not), 10 000 × 128 took 20 ms instead of 1 on
        # two busy cores.
        # Over every row, then the selection: `keys[sel]` copied up to 20 MB of keys before the
        # product whenever some entry lay after the cursor (4.9 ms against 2.4 ms for 10 000 ×
        # 512, docs/BENCHMARKS.md); reading a few unused rows costs less than that copy.
        dots = np.einsum("ij,j->i", self.keys, h)[sel] if n * 4 > len(mask) else \
            np.einsum("ij,j->i", self.keys[sel], h)
        scores = self.params.theta * dots.astype(np.float64)
        # The floor keeps every earlier word completable, however unlike its context.
        weights = np.exp(scores - scores.max()) + 1e-300
        entry_word = self.word[sel]
        mass = np.bincount(entry_word, weights=weights, minlength=len(self._table))
        uniq = np.flatnonzero(mass)
        hit = Lookup(
            words=[self._table[k] for k in uniq],
            probs=mass[uniq] / mass.sum(),
            vocab_ids=np.asarray(self._table_vocab, np.int64)[uniq],
            _positions=self.start[sel], _scores=scores, _entry_word=entry_word,
            _table_index=uniq, entries=n,
        )
        self._memo[key] = hit
        while len(self._memo) > 8:
            self._memo.popitem(last=False)
        return hit

    def entries(self) -> list[tuple[int, str]]:
        """(position, word) of every entry, in document order (for tests and the panel)."""
        live = np.flatnonzero(self.valid)
        live = live[np.argsort(self.start[live], kind="stable")]
        return [(int(self.start[k]), self._table[self.word[k]]) for k in live]

    def key_at(self, start: int) -> np.ndarray | None:
        """The stored state for the entry at `start`, if any."""
        slot = int(self._slots_of(np.array([start], np.int64))[0])
        return None if slot < 0 else self.keys[slot].copy()


def utf16_offsets(text: str) -> np.ndarray | None:
    """Python index -> position in UTF-16 units (Qt's document positions), or None when they
    coincide (no character outside the Basic Multilingual Plane)."""
    if text.isascii() or _ASTRAL.search(text) is None:
        return None
    extra = np.fromiter((ord(ch) > 0xFFFF for ch in text), dtype=np.int64, count=len(text))
    return np.concatenate([[0], np.cumsum(extra + 1)])


def mix(p: np.ndarray, unknown: dict[str, float], p_unk: float, hit: Lookup | None,
        weight: float) -> tuple[np.ndarray, dict[str, float], float]:
    """(1 − λ)·P + λ·P_cache over the vocabulary (`p`), the words the model lacks (`unknown`)
    and the unknown-word mass left for new words (`p_unk`)."""
    if hit is None or weight <= 0:
        return p, unknown, p_unk
    keep = 1.0 - weight
    p = keep * p
    known = hit.vocab_ids >= 0
    np.add.at(p, hit.vocab_ids[known], weight * hit.probs[known])
    out = {w: keep * v for w, v in unknown.items()}
    for w, q in hit.unknown():
        out[w] = out.get(w, 0.0) + weight * q
    return p, out, keep * p_unk
