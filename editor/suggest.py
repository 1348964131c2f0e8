"""Suggestion ranking: next word, completion of the word being typed, and ghost text.

Qt-free. The strip and the ghost text in the editor, the evaluator's keystroke-savings
simulation and the insight panel all read the same `Suggestions` made here.

The word distribution mixes the LSTM with a cache of the document's own words (a unigram
"cache model", Kuhn & De Mori 1990): P(w) = (1 - λ)·P_model(w) + λ·P_doc(w). Words the model
does not know get a share of the model's <unk> mass by their count in the document, so names
and new words become completable once typed.

P_model is the LSTM, or, when the model file carries an n-gram model (metadata `ngram`, written
by `caminho-train train` for corpora large enough to tune it), the interpolation
β·P_lstm + (1 - β)·P_kn with an interpolated Kneser-Ney trigram (Chen & Goodman 1998) and β
tuned on held-out text. On small corpora the trigram's exact counts rank frequent phrases
better than the LSTM, and the mixture beats both (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import io
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from editor.context import ContextTracker
from editor.lm import LanguageModel
from editor.npz import ArchiveError, Member, read_npz
from editor.tokenizer import (
    DOC,
    NEWLINE,
    UNK,
    Token,
    is_sentence_start,
    is_word_norm,
    match_case,
    needs_space,
    normalize,
    split_partial,
    tokenize,
)
from editor.topk import best_indices, top_sorted

SENTENCE_END = frozenset({".", "!", "?", "...", "…"})


@dataclass
class SuggestConfig:
    """Knobs of the ranking; the editor's preferences and the quality study set them."""

    strip_size: int = 3  # candidates in the strip
    ghost_threshold: float = 0.35  # show ghost text only when P(top | typed prefix) reaches this
    ghost_max_words: int = 4  # how far the ghost text may run
    ghost_enabled: bool = True
    # A next word as ghost text only when the model knows at least this share of the last few
    # words before the cursor (and there is at least one): on text it has never seen (another
    # language, an empty page) its confident guesses are its own training text, pushed into any
    # writing. The rest of a word the writer has started is still completed, but not run on.
    # (Completions kept the ghost's keystroke savings; silencing them too cost 2 points,
    # docs/BENCHMARKS.md.)
    ghost_known_words: int = 3
    ghost_min_known: float = 0.6
    # λ: weight of the document-word cache in the mixture. Small: a unigram cache adds words
    # the model already ranks well, so a large weight costs next-word accuracy; 0.02 kept it
    # and added keystroke savings on the study's validation text (docs/BENCHMARKS.md).
    cache_weight: float = 0.02
    learn_document: bool = True  # mix in the document's words at all
    # Share of the model's <unk> mass that goes to unknown words already in the document: most
    # unknown words are new ones; in fortunes-br only ~5% repeat an unknown word of their text.
    unknown_repeat: float = 0.05
    # β: the LSTM's weight against the model file's n-gram; None: the weight stored with it.
    ngram_weight: float | None = None
    panel_tokens: int = 30  # recent tokens whose states the panel shows


@dataclass(frozen=True)
class Candidate:
    text: str  # what gets inserted for the whole word, capitalisation applied
    norm: str  # the model-side form
    prob: float  # mixed probability (not renormalised by the prefix)
    source: str  # "model" or "document"


@dataclass
class Suggestions:
    prefix: str = ""  # the part of the current word already typed
    candidates: list[Candidate] = field(default_factory=list)  # best first
    ghost: list[str] = field(default_factory=list)  # pieces: rest of the word, then " word", "\n"...
    confidence: float = 0.0  # P(best | prefix)
    # What the panel draws, from the same run that ranked the words.
    context_tokens: list[str] = field(default_factory=list)  # surfaces of the fed tokens, recent last
    top_tokens: list[tuple[str, float]] = field(default_factory=list)  # LSTM's top-10 next tokens
    entropy: float = 0.0  # of the LSTM's next-token distribution, in bits
    h_seq: np.ndarray | None = None  # [N, L, H] for the last N fed tokens
    c_seq: np.ndarray | None = None
    gates: np.ndarray | None = None  # [N, L, 4, H]
    _continuation: _Continuation | None = field(default=None, repr=False)

    @property
    def ghost_text(self) -> str:
        return "".join(self.ghost)

    @property
    def words(self) -> list[str]:
        return [c.text for c in self.candidates]


@dataclass
class _Continuation:
    """Where the ghost text's greedy run picks up after its first word."""

    surfaces: list[str]
    ids: list[int]  # the last token ids, the best word's last (the n-gram's context)
    h: np.ndarray
    c: np.ndarray
    next_id: int
    shouting: bool
    lam: float
    cache_ids: np.ndarray  # vocabulary ids of the document's known words
    cache_p: np.ndarray  # their λ-weighted cache probabilities
    state_key: tuple[int, int] = (-1, -1)  # the tracker's (version, length) h and c came from


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64) - float(np.max(logits))
    e = np.exp(z)
    return e / e.sum()


def prefix_confidence(p_best: float, p_prefix_words: float, p_unknown: float,
                      unknown_prefix_share: float) -> float:
    """P(best | what is typed so far), the ghost text's test.

    The typed prefix may also start a word the model does not know: of the unknown-word mass
    `p_unknown`, only the share that starts with the prefix counts, estimated by the share of
    vocabulary words that do (`unknown_prefix_share`).
    """
    denom = p_prefix_words + p_unknown * unknown_prefix_share
    return min(1.0, p_best / denom) if denom > 0 else 0.0


NGRAM_KEY = "ngram"  # metadata key of the n-gram model in the model file


@dataclass
class NgramRows:
    """One order of an n-gram model: rows of next-word probabilities, one per seen context."""

    keys: np.ndarray  # sorted int64 context keys (bigram: w; trigram: u * V + w)
    offsets: np.ndarray  # row r spans words[offsets[r]:offsets[r + 1]]
    words: np.ndarray  # next-token ids
    mass: np.ndarray  # their discounted probabilities
    gamma: np.ndarray  # per row: the probability handed down to the lower order

    def apply(self, key: int, lower: np.ndarray) -> np.ndarray:
        """This order's distribution for `key` on top of the lower order's (never modified)."""
        r = int(np.searchsorted(self.keys, key))
        if r == len(self.keys) or self.keys[r] != key:
            return lower  # an unseen context: the lower order alone
        lo, hi = self.offsets[r], self.offsets[r + 1]
        p = self.gamma[r] * lower  # a new array
        p[self.words[lo:hi]] += self.mass[lo:hi]
        return p


@dataclass
class NgramModel:
    """An interpolated trigram over the model's vocabulary, stored in the model file.

    `training/kneser_ney.py` estimates it; the editor only looks it up, with numpy.
    """

    unigram: np.ndarray  # [V], sums to 1
    bigram: NgramRows
    trigram: NgramRows
    weight: float = 1.0  # β, the LSTM's share when the engine mixes the two
    doc_id: int = 1
    _cache: OrderedDict[tuple[int, int], np.ndarray] = field(
        default_factory=OrderedDict, repr=False, compare=False)

    FIELDS = ("keys", "offsets", "words", "mass", "gamma")

    @property
    def vocab_size(self) -> int:
        return len(self.unigram)

    def next_distribution(self, context: Sequence[int]) -> np.ndarray:
        """P(next token | the last two ids of `context`), read-only. A document starts after
        two `<doc>`s of history, as in training."""
        u, w = ([self.doc_id, self.doc_id] + [int(i) for i in context[-2:]])[-2:]
        if w == self.doc_id:
            u = w  # nothing before a document's start counts
        key = (u, w)
        hit = self._cache.get(key)
        if hit is None:
            p = self.trigram.apply(u * self.vocab_size + w, self.bigram.apply(w, self.unigram))
            p.flags.writeable = False
            hit = self._cache[key] = p
            if len(self._cache) > 256:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return hit

    def to_text(self) -> str:
        """The metadata value: a compressed numpy archive in base64."""
        arrays: dict[str, Any] = {"unigram": self.unigram.astype(np.float64),
                                  "weight": np.array(float(self.weight)),
                                  "doc_id": np.array(int(self.doc_id), dtype=np.int64)}
        for name, rows in (("bi", self.bigram), ("tri", self.trigram)):
            for f in self.FIELDS:
                arrays[f"{name}_{f}"] = getattr(rows, f)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        return base64.b64encode(buf.getvalue()).decode("ascii")

    @classmethod
    def from_text(cls, text: str, vocab_size: int | None = None) -> NgramModel:
        """Read the metadata value; `NgramError` says in plain words why one cannot be used.

        Every size is checked against the vocabulary before anything is unpacked, and what
        is unpacked is capped (editor/npz.py): the value comes from a file someone sent.
        """
        try:
            blob = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise NgramError("is not base64 text") from exc
        try:
            data = read_npz(blob, _NGRAM_KINDS, check=lambda m: _check_ngram_shapes(m, vocab_size))
        except ArchiveError as exc:
            raise NgramError(str(exc)) from exc
        _check_ngram_values(data)
        levels = [NgramRows(*(data[f"{name}_{f}"] for f in cls.FIELDS)) for name in ("bi", "tri")]
        return cls(data["unigram"], levels[0], levels[1], float(data["weight"]),
                   int(data["doc_id"]))

    @classmethod
    def from_model(cls, model: LanguageModel) -> NgramModel | None:
        """The model file's n-gram, if it has a usable one (else the LSTM works alone)."""
        return cls.read_from(model)[0]

    @classmethod
    def read_from(cls, model: LanguageModel) -> tuple[NgramModel | None, str]:
        """The model file's n-gram or None, and why a file that has one cannot use it ("" when
        it can or has none). A damaged optional extra must not cost the suggestions."""
        try:
            text = model.session.get_modelmeta().custom_metadata_map.get(NGRAM_KEY)
        except Exception:  # onnxruntime raises private exception types
            return None, ""
        if not text:
            return None, ""
        try:
            return cls.from_text(text, model.info.vocab_size), ""
        except NgramError as exc:
            reason = str(exc)
        except Exception as exc:  # anything else a crafted archive finds is damage too
            reason = f"is damaged ({type(exc).__name__})"
        return None, f"The n-gram table in {model.info.name} {reason}; the LSTM suggests alone."


# The archive's arrays and their dtypes (what `to_text` writes).
_NGRAM_KINDS = {"unigram": "<f8", "weight": "<f8", "doc_id": "<i8",
                **{f"{name}_{f}": "<f8" if f in ("mass", "gamma") else "<i8"
                   for name in ("bi", "tri") for f in NgramModel.FIELDS}}


class NgramError(ValueError):
    """The `ngram` metadata cannot be used; the message completes "The n-gram table …"."""


def _check_ngram_shapes(members: dict[str, Member], vocab_size: int | None) -> None:
    """Before unpacking: every declared shape must fit the vocabulary."""
    def shape(name: str) -> tuple[int, ...]:
        return members[name].shape

    if len(shape("unigram")) != 1 or shape("unigram")[0] < 1:
        raise NgramError("has no unigram row")
    v = shape("unigram")[0]
    if vocab_size is not None and v != vocab_size:
        raise NgramError(f"covers {v:,} words but the vocabulary has {vocab_size:,}")
    if shape("weight") != () or shape("doc_id") != ():
        raise NgramError("has a weight or <doc> id that is not a single number")
    for name, max_keys in (("bi", v), ("tri", v * v)):
        keys, offsets, words, mass, gamma = (shape(f"{name}_{f}") for f in NgramModel.FIELDS)
        if any(len(s) != 1 for s in (keys, offsets, words, mass, gamma)):
            raise NgramError(f"has {name}gram tables that are not lists")
        rows = keys[0]
        if rows > max_keys or offsets[0] != rows + 1 or gamma[0] != rows:
            raise NgramError(f"declares {name}gram rows that do not fit a {v:,}-word vocabulary")
        if words[0] != mass[0] or words[0] > rows * v:
            raise NgramError(f"declares more {name}gram entries than {rows:,} rows can hold")


def _check_ngram_values(data: dict[str, np.ndarray]) -> None:
    """After unpacking: ids, offsets and probabilities must be usable as indices and numbers,
    so a lookup can never fail or read past a table later."""
    v = len(data["unigram"])
    if not 0 <= int(data["doc_id"]) < v or not 0.0 <= float(data["weight"]) <= 1.0:
        raise NgramError("has a weight or <doc> id out of range")
    for name, max_key in (("bi", v), ("tri", v * v)):
        keys, offsets, words = (data[f"{name}_{f}"] for f in ("keys", "offsets", "words"))
        if len(keys) and (keys[0] < 0 or keys[-1] >= max_key or np.any(np.diff(keys) <= 0)):
            raise NgramError(f"has {name}gram contexts out of order or out of range")
        if offsets[0] != 0 or offsets[-1] != len(words) or np.any(np.diff(offsets) < 0):
            raise NgramError(f"has {name}gram rows that do not add up")
        if len(words) and (words.min() < 0 or words.max() >= v):
            raise NgramError(f"has {name}gram words outside the vocabulary")
    for key in ("unigram", "bi_mass", "bi_gamma", "tri_mass", "tri_gamma"):
        if not np.all(np.isfinite(data[key])):
            raise NgramError("has probabilities that are not numbers")


class Suggester:
    """Keeps the LSTM context for one document and ranks what comes next."""

    def __init__(self, model: LanguageModel, config: SuggestConfig | None = None) -> None:
        self.model = model
        self.config = config or SuggestConfig()
        self.tracker = ContextTracker(model)
        vocab = model.info.vocab
        self.is_word = np.array([is_word_norm(t) for t in vocab], dtype=bool)
        self._sorted = sorted((t, i) for i, t in enumerate(vocab) if self.is_word[i])
        self._sorted_keys = [t for t, _ in self._sorted]
        self._sorted_ids = np.array([i for _, i in self._sorted], dtype=np.intp)
        self.blocked: set[str] = set()  # norms never to suggest
        self.extra_words: Counter[str] = Counter()  # e.g. the user dictionary
        self._surface = model.info.surface
        self._context_surfaces: list[str] = []
        # The panel's arrays for a tracker version: typing inside a word feeds no token, so
        # every keystroke would copy the same rows again, and the panel could not tell they
        # are the same (it redraws only what changed, by identity).
        self._panel_rows: tuple[tuple[int, int], tuple[np.ndarray, ...]] | None = None
        self._context_memo: tuple[Any, ...] | None = None  # see _read_context
        self._softmax_of: tuple[np.ndarray, np.ndarray] | None = None  # (logits, softmax)
        self._extension_memo: tuple[tuple[Any, ...], list[str]] | None = None
        self._panel_next: tuple[np.ndarray, list[tuple[str, float]], float] | None = None
        # A file's n-gram that cannot be used leaves the LSTM alone; the window says why.
        self.ngram, self.ngram_problem = NgramModel.read_from(model)

    @property
    def ngram_weight(self) -> float:
        """β, the LSTM's share in the model distribution (1: the LSTM alone)."""
        if self.ngram is None:
            return 1.0
        w = self.config.ngram_weight
        return self.ngram.weight if w is None else w

    def model_distribution(self, ids: Sequence[int], logits: np.ndarray,
                           p_lstm: np.ndarray | None = None) -> np.ndarray:
        """P(next token) after `ids`, given the LSTM's `logits` there: what the ranking uses
        before the document cache (the LSTM, mixed with the n-gram when the file has one).
        `p_lstm`: softmax(logits) when the caller has it already."""
        p = softmax(logits) if p_lstm is None else p_lstm
        beta = self.ngram_weight
        if self.ngram is None or beta >= 1.0:
            return p
        return beta * p + (1.0 - beta) * self.ngram.next_distribution(ids)

    # -- the public entry point -------------------------------------------------------------
    def suggest(self, text_before: str, *, at_doc_start: bool = True, text_after: str = "",
                extend: bool = True) -> Suggestions:
        """Rank what follows `text_before` (the window of text before the cursor).

        With `extend=False` the ghost text stops at the end of the current word; call
        `extend_ghost` to run it on.
        """
        context, prefix = split_partial(text_before)
        tokens, ids, surfaces, doc_counts, doc_surface = self._read_context(context, at_doc_start)
        logits = self.tracker.update(ids)
        if self._softmax_of is None or self._softmax_of[0] is not logits:
            self._softmax_of = (logits, softmax(logits))  # the same logits: typing in a word
        p_lstm = self._softmax_of[1]

        out = Suggestions(prefix=prefix)
        self._fill_panel(out, p_lstm, surfaces)  # the panel shows the LSTM itself
        if text_after[:1].isalnum():
            return out  # the cursor is inside a word: nothing sensible to add
        case = _CaseRule(tokens, prefix)
        p_model = self.model_distribution(ids, logits, p_lstm)
        out.candidates, out.confidence = self._rank(p_model, prefix, doc_counts, doc_surface, case)
        familiar = self.knows_context(tokens)
        if (self.config.ghost_enabled and out.candidates and (familiar or prefix)
                and out.confidence >= self.config.ghost_threshold):
            out.ghost, out._continuation = self._ghost(out.candidates[0], prefix, text_before,
                                                       tokens, doc_counts, ids)
            if not familiar:
                out._continuation = None  # the started word only, never a run of its own text
            if extend:
                self.extend_ghost(out)
        return out

    def _read_context(self, context: str, at_doc_start: bool
                      ) -> tuple[list[Token], list[int], list[str], Counter[str], dict[str, str]]:
        """Tokens, ids, surfaces and document words of the text before the current word.

        Remembered for the last context: every letter typed inside a word hands in the same
        one, and reading it again cost a tokenisation and a Python pass over ~400 tokens.
        Nothing returned is modified by the callers.
        """
        key = (context, at_doc_start, id(self.extra_words), self.config.learn_document)
        if self._context_memo is not None and self._context_memo[0] == key:
            return self._context_memo[1]
        tokens = tokenize(context)
        ids = ([self.model.doc_id] if at_doc_start else []) + self.model.encode([t.norm for t in tokens])
        if not ids:  # a window that starts mid-document with nothing in it yet
            ids = [self.model.doc_id]
            surfaces = [DOC]
        else:
            surfaces = ([DOC] if at_doc_start else []) + [t.text for t in tokens]
        read = (tokens, ids, surfaces, *self._document_words(tokens))
        # The key holds extra_words by id: keep the object alive so its id is not reused.
        self._context_memo = (key, read, self.extra_words)
        return read

    def knows_context(self, tokens: Sequence[Token]) -> bool:
        """Whether the model knows enough of the last words before the cursor to offer the
        next ones as ghost text (`ghost_known_words`, `ghost_min_known`); never on an empty
        page."""
        recent = [t.norm for t in tokens if t.is_word][-max(1, self.config.ghost_known_words):]
        if not recent:
            return False
        known = sum(1 for w in recent if w in self.model.ids)
        return known >= self.config.ghost_min_known * len(recent)

    # -- ranking ---------------------------------------------------------------------------
    def _document_words(self, tokens: list[Token]) -> tuple[Counter[str], dict[str, str]]:
        counts: Counter[str] = Counter()
        surface: dict[str, str] = {}
        if not self.config.learn_document:
            return counts, surface
        prev: list[str] = []
        for t in tokens:
            if t.kind == "word":
                counts[t.norm] += 1
                # A capital at a sentence start says nothing about the word's own case.
                if not is_sentence_start(prev) or t.norm not in surface:
                    surface[t.norm] = t.text if not is_sentence_start(prev) else t.norm
            prev.append(t.text)
            if len(prev) > 4:
                del prev[0]
        counts.update(self.extra_words)
        return counts, surface

    def _mixed(self, p_model: np.ndarray, doc_counts: Counter[str]
               ) -> tuple[np.ndarray, dict[str, float], float]:
        """Mixed probabilities for vocabulary ids and for document words the model lacks, and
        the unknown-word mass left for words not in the document."""
        total = sum(doc_counts.values())
        lam = self.config.cache_weight if total else 0.0
        p = (1.0 - lam) * p_model
        unknown: dict[str, float] = {}
        p_unk = (1.0 - lam) * float(p_model[self.model.unk_id])
        if not total:
            return p, unknown, p_unk
        ids = self.model.ids
        unk_counts = {w: n for w, n in doc_counts.items() if w not in ids}
        unk_total = sum(unk_counts.values())
        repeat = self.config.unknown_repeat if unk_total else 0.0
        for w, n in doc_counts.items():
            share = lam * n / total
            if w in ids:
                p[ids[w]] += share
            else:
                unknown[w] = share + repeat * p_unk * n / unk_total
        return p, unknown, (1.0 - repeat) * p_unk

    def _rank(self, p_model: np.ndarray, prefix: str, doc_counts: Counter[str],
              doc_surface: dict[str, str], case: _CaseRule) -> tuple[list[Candidate], float]:
        p, unknown, p_unk = self._mixed(p_model, doc_counts)
        k = self.config.strip_size
        blocked = self.blocked
        pool: list[tuple[float, str, str]] = []  # (prob, norm, source)
        if prefix:
            key = normalize(prefix)
            lo = bisect.bisect_left(self._sorted_keys, key)
            hi = bisect.bisect_left(self._sorted_keys, key + "\U0010ffff")
            sub = p[self._sorted_ids[lo:hi]]
            # Only the best few (and the blocked among them) can reach the strip: no Python
            # loop over the thousand words a one-letter prefix starts (issue 18).
            pool += [(float(sub[j]), self._sorted_keys[lo + j], "model")
                     for j in best_indices(sub, k + len(blocked))]
            docs = [(q, w, "document") for w, q in unknown.items() if w.startswith(key)]
            pool += docs
            p_prefix = float(sub.sum()) + sum(q for q, _, _ in docs)
            unknown_prefix_share = (hi - lo) / max(1, len(self._sorted_keys))
        else:
            masked = np.where(self.is_word, p, -1.0)
            top = best_indices(masked, k + len(blocked) + 1)  # ties at the cut kept: exact
            vocab = self.model.info.vocab
            pool += [(float(p[i]), vocab[i], "model") for i in top if masked[i] >= 0]
            pool += [(q, w, "document") for w, q in unknown.items()]
            p_prefix, p_unk, unknown_prefix_share = 1.0, 0.0, 0.0  # over every next token
        pool = [x for x in pool if x[1] not in blocked]
        pool.sort(key=lambda x: (-x[0], x[1]))
        best = pool[:k]
        confidence = (prefix_confidence(best[0][0], p_prefix, p_unk, unknown_prefix_share)
                      if best else 0.0)
        cands = [
            Candidate(case.apply(self._written(norm, doc_surface)), norm, prob, source)
            for prob, norm, source in best
        ]
        return cands, confidence

    def _written(self, norm: str, doc_surface: dict[str, str]) -> str:
        """How a word is written when nothing forces its case: as the user or the corpus wrote it."""
        if norm in doc_surface:
            return doc_surface[norm]
        i = self.model.ids.get(norm)
        if i is not None and normalize(self._surface[i]) == norm:
            return self._surface[i]
        return norm

    # -- ghost text --------------------------------------------------------------------------
    def _ghost(self, best: Candidate, prefix: str, text_before: str, tokens: list[Token],
               doc_counts: Counter[str], ids: list[int]) -> tuple[list[str], _Continuation | None]:
        """The ghost's first piece (the rest of the current word), and how to run it on."""
        typed = len(prefix)
        if best.norm == normalize(prefix):
            return [], None  # the word is already complete; the writer may still be extending it
        first = best.text[typed:] if normalize(best.text[:typed]) == normalize(prefix) else ""
        if not first:
            return [], None
        if not prefix and text_before and not text_before[-1].isspace():
            last = tokens[-1].text if tokens else ""
            if needs_space(last, best.text):
                first = " " + first
        total = sum(doc_counts.values())
        lam = self.config.cache_weight if total else 0.0
        known = [(self.model.ids[w], n) for w, n in doc_counts.items() if w in self.model.ids]
        cache_ids = np.array([i for i, _ in known], dtype=np.int64)
        cache_p = np.array([lam * n / total for _, n in known], dtype=np.float64)
        h, c = self.tracker.state_at(len(self.tracker.ids))
        next_id = self.model.ids.get(best.norm, self.model.unk_id)
        cont = _Continuation(
            surfaces=[t.text for t in tokens] + [best.text],
            ids=list(ids[-2:]) + [next_id],
            h=h, c=c, next_id=next_id,
            shouting=_CaseRule(tokens, prefix).shouting, lam=lam,
            cache_ids=cache_ids, cache_p=cache_p,
            state_key=(self.tracker.version, len(self.tracker.ids)),
        )
        return [first], cont

    def extend_ghost(self, sug: Suggestions) -> bool:
        """Run the ghost text on past the current word, greedily, while the model is confident.

        Separate from `suggest` so the editor can show the strip first and the longer ghost a
        moment later; returns whether anything was added.
        """
        cont = sug._continuation
        if cont is None or not sug.ghost:
            return False
        sug._continuation = None
        key, start = self._extension_key(cont), len(sug.ghost)
        if self._extension_memo is not None and self._extension_memo[0] == key:
            sug.ghost.extend(self._extension_memo[1])
            return bool(self._extension_memo[1])
        surfaces, h, c, next_id = cont.surfaces, cont.h, cont.c, cont.next_id
        vocab = self.model.info.vocab
        words, added = 1, False
        while surfaces[-1] != NEWLINE and surfaces[-1] not in SENTENCE_END:
            out = self.model.run([next_id], h, c)
            h, c = out.h, out.c
            p = (1.0 - cont.lam) * self.model_distribution(cont.ids, out.logits[-1])
            p[cont.cache_ids] += cont.cache_p
            p[self.model.unk_id] = p[self.model.doc_id] = 0.0
            i = int(np.argmax(p))
            norm = vocab[i]
            if p[i] < self.config.ghost_threshold or norm in self.blocked:
                break
            if is_word_norm(norm) and words >= self.config.ghost_max_words:
                break  # past the word budget only a closing line break or punctuation may follow
            added = True
            if norm == NEWLINE:
                sug.ghost.append("\n")
                break
            word = self._written(norm, {})
            if is_word_norm(norm):
                word = match_case(word, sentence_start=is_sentence_start(surfaces),
                                  shouting=cont.shouting)
                words += 1
            sug.ghost.append((" " if needs_space(surfaces[-1], word) else "") + word)
            surfaces.append(word)
            next_id = i
            cont.ids = cont.ids[-1:] + [i]
        self._extension_memo = (key, sug.ghost[start:])
        return added

    def extension_remembered(self, sug: Suggestions) -> bool:
        """Whether `extend_ghost(sug)` would take no model step (its run-on is remembered)."""
        cont = sug._continuation
        return (cont is not None and self._extension_memo is not None
                and self._extension_memo[0] == self._extension_key(cont))

    def _extension_key(self, cont: _Continuation) -> tuple[Any, ...]:
        """Everything the ghost's run-on depends on. Letters typed inside a word keep the
        context and, mostly, the best word: the same run-on, 3 to 5 model steps a keystroke
        before it was remembered. The state is named by the tracker's version and length;
        capitals and spaces look no further back than the best word."""
        cfg = self.config
        return (cont.state_key, cont.next_id, cont.surfaces[-1],
                tuple(cont.ids), cont.shouting, cont.lam, cont.cache_ids.tobytes(),
                cont.cache_p.tobytes(), frozenset(self.blocked), cfg.ghost_threshold,
                cfg.ghost_max_words, self.ngram_weight)

    # -- panel ---------------------------------------------------------------------------------
    def _fill_panel(self, out: Suggestions, p_lstm: np.ndarray, surfaces: list[str]) -> None:
        n = min(self.config.panel_tokens, len(self.tracker.ids))
        out.context_tokens = surfaces[-n:] if n else []
        tr = self.tracker
        if self._panel_rows is None or self._panel_rows[0] != (tr.version, n):
            rows = tuple(_frozen(buf.view()[-n:]) for buf in (tr.h_seq, tr.c_seq, tr.gates))
            self._panel_rows = ((tr.version, n), rows)
        out.h_seq, out.c_seq, out.gates = self._panel_rows[1]
        if self._panel_next is None or self._panel_next[0] is not p_lstm:
            top = top_sorted(p_lstm, 10)
            vocab = self.model.info.vocab
            nz = p_lstm[p_lstm > 0]
            self._panel_next = (p_lstm, [(vocab[i], float(p_lstm[i])) for i in top],
                                float(-(nz * np.log2(nz)).sum()))
        _, out.top_tokens, out.entropy = self._panel_next


def _frozen(rows: np.ndarray) -> np.ndarray:
    """A read-only copy: one set of panel rows is shared by every result until a token is fed."""
    copy = rows.copy()
    copy.flags.writeable = False
    return copy


class _CaseRule:
    """Capitalisation that follows the user: sentence starts, ALL CAPS, a capitalised prefix."""

    def __init__(self, tokens: list[Token], prefix: str) -> None:
        self.prefix = prefix
        self.sentence_start = is_sentence_start([t.text for t in tokens[-4:]]) if tokens else True
        recent = [t.text for t in tokens if t.kind == "word"][-3:]
        self.shouting = len(recent) >= 2 and all(w.isupper() and len(w) > 1 for w in recent)

    def apply(self, word: str) -> str:
        return match_case(word, sentence_start=self.sentence_start, typed_prefix=self.prefix,
                          shouting=self.shouting)


def split_ghost_word(pieces: Sequence[str]) -> tuple[str, list[str], bool]:
    """Split ghost pieces for accepting one word (Ctrl+Right): the next word with any
    punctuation hugging it, the pieces left, and whether a space came next (it is dropped from
    what is left; the accept puts it after the word).

    A line break is a step of its own: ["pedra", "\\n"] gives "pedra", then "\\n".
    """
    if not pieces:
        return "", [], False
    word, i = pieces[0], 1
    if word.strip():
        while i < len(pieces) and pieces[i][:1] and not pieces[i][0].isspace():
            word += pieces[i]
            i += 1
    rest = list(pieces[i:])
    space = bool(rest) and rest[0].startswith(" ")
    if space:
        rest[0] = rest[0][1:]
        if not rest[0]:
            del rest[0]
    return word, rest, space


def learn_words(counter: Counter[str], words: Iterable[str]) -> None:
    """Add written words to a counter of norms (used for the user dictionary)."""
    for w in words:
        n = normalize(w)
        if is_word_norm(n) and n not in (UNK, DOC):
            counter[n] += 1
