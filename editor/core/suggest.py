"""Suggestion ranking: next word, completion of the word being typed, and ghost text.

Qt-free. The strip and the ghost text in the editor, the evaluator's keystroke-savings
simulation and the insight panel all read the same `Suggestions` made here.

The word distribution mixes the LSTM with a cache of the document's own words (a unigram
"cache model", Kuhn & De Mori 1990): P(w) = (1 - λ)·P_model(w) + λ·P_doc(w). Words the model
does not know get a share of the model's <unk> mass by their count in the document, so names
and new words become completable once typed.

Words the model does not know also come from a word list of the language (editor/core/lexicon.py,
editor/core/completion.py): they share what is left of <unk>'s mass by their frequency in general
text. A typed prefix matches accent-blind ("nao" → "não"), and a long one with no good
completion finds words one typo away.

P_model is the LSTM, or, when the model file carries an n-gram model (metadata `ngram`, written
by `caminho-train train` for corpora large enough to tune it), the interpolation
β·P_lstm + (1 - β)·P_kn with an interpolated Kneser-Ney trigram (Chen & Goodman 1998) and β
tuned on held-out text. On small corpora the trigram's exact counts rank frequent phrases
better than the LSTM, and the mixture beats both (docs/BENCHMARKS.md).

On top of that mixture comes the continuous cache over the LSTM's own states for the whole
document (editor/core/neural_cache.py, Grave et al. 2017): P ← (1 − λ_c)·P + λ_c·P_cache,
with θ and λ_c from the model file, λ_c growing with the entries the cache holds before the
cursor (full past the file's `ramp`: a cache of a few entries is mostly noise). A word the
cache put in the strip records the earlier place it recalls.
The two extras compose in that order: the cache mixes over the model's whole distribution (the
document words it lacks included, and the unknown-word mass scaled by 1 − λ_c), then the word
list shares out what is left of that unknown-word mass, so neither can push out a word the
other ranks well.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from editor.core.completion import VocabIndex, complete, next_words
from editor.core.context import WINDOW, ContextTracker, trim_window
from editor.core.lexicon import BoundLexicon, Lexicon
from editor.core.lm import LanguageModel, rare_entries
from editor.core.modelfile import NgramModel
from editor.core.neural_cache import CacheParams, Lookup, NeuralCache, mix, utf16_offsets
from editor.core.tokenizer import (
    DOC,
    NEWLINE,
    Token,
    extend_tokens,
    is_sentence_start,
    is_word_norm,
    match_case,
    needs_space,
    normalize,
    split_partial,
    tokenize,
)
from editor.core.topk import top_sorted

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
    # The continuous cache over the LSTM's states (with `learn_document`); its θ and λ_c come
    # from the model file unless given here.
    neural_cache: bool = True
    neural_weight: float | None = None
    neural_theta: float | None = None
    panel_tokens: int = 30  # recent tokens whose states the panel shows
    # Compute the gates the panel draws. The window turns it off while the panel is hidden:
    # a typed token is then one step of the fused LSTM where the model file has it (its gates
    # are computed when the panel is shown again).
    internals: bool = True
    # The word list against the model's words, once `lexicon_min_letters` letters of a word are
    # typed: its words rank as if they had `lexicon_weight` times their share of the unknown-word
    # mass (their probability stays that share); the first `lexicon_keep` places (the first is
    # the ghost's word) are ranked without the weight. 1: off. On a development split of the
    # training fortunes (training/studies/lexicon_ranking.py) 16 from 3 letters added 0.7 points
    # of strip savings, but on the held-out fortunes it cost 0.4 (and 0.7 of ghost savings):
    # the model is surer of text it was trained on, and on new text the boosted words push out
    # right model words (docs/BENCHMARKS.md "Word lists"). Kept at 1 until a better-founded
    # prior beats it.
    lexicon_weight: float = 1.0
    lexicon_min_letters: int = 3
    lexicon_keep: int = 0
    # The context prior among the list's words (BoundLexicon.context): a word the model does
    # not know is as much likelier here as the model's own words with its ending are;
    # `lexicon_context` is the ratio's exponent (0: by frequency alone), `lexicon_smoothing`
    # pulls it towards 1 for classes the model rarely predicts. Picked on the development
    # split (strip savings 51.8 -> 52.1%, ghost 35.8 -> 36.0%), confirmed once on the held-out
    # fortunes: 39.5 -> 39.7% strip, unknown words offered early 50.0 -> 52.6%
    # (docs/BENCHMARKS.md "Word lists").
    lexicon_context: float = 1.0
    lexicon_smoothing: float = 0.1
    # The model's rare entries (words its training saw too seldom, learnt as <unk>: the network
    # gives them all the same probability) share their network mass by the word list's
    # frequencies to this power instead (0: evenly; a word the list lacks counts as its
    # rarest). Held-out fortunes: +0.3 points of strip savings, top-3 unchanged
    # (docs/BENCHMARKS.md "Word lists").
    rare_by_list: float = 1.0


@dataclass(frozen=True)
class Candidate:
    text: str  # what gets inserted for the whole word, capitalisation applied
    norm: str  # the model-side form
    prob: float  # mixed probability (not renormalised by the prefix)
    source: str  # "model", "document" or "lexicon"
    typo: bool = False  # one edit away from what is typed: accepting replaces those letters
    # Document position of the earlier place the neural cache recalls, when the cache gave
    # this word most of its probability; None otherwise.
    recall: int | None = None


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
    cursor: int | None = None  # document position of the cursor, for the neural cache


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


class Suggester:
    """Keeps the LSTM context for one document and ranks what comes next."""

    def __init__(self, model: LanguageModel, config: SuggestConfig | None = None) -> None:
        self.model = model
        self.config = config or SuggestConfig()
        self.tracker = ContextTracker(model)
        vocab = model.info.vocab
        self.is_word = np.array([is_word_norm(t) for t in vocab], dtype=bool)
        self.vocab_index = VocabIndex(vocab, self.is_word)  # accent-folded, for prefixes
        self.lexicon: BoundLexicon | None = None  # the language's word list, once loaded
        self._rare_ids: np.ndarray | None = None  # rare_entries(model), when first needed
        self._rare: tuple[np.ndarray, np.ndarray] | None = None  # their ids, their shares
        self.blocked: set[str] = set()  # norms never to suggest
        self.extra_words: Counter[str] = Counter()  # e.g. the user dictionary (replace, never mutate)
        self._surface = model.info.surface
        self._context_surfaces: list[str] = []
        # The panel's arrays for a tracker version: typing inside a word feeds no token, so
        # every keystroke would copy the same rows again, and the panel could not tell they
        # are the same (it redraws only what changed, by identity).
        self._panel_rows: tuple[tuple[int, int], tuple[np.ndarray, ...]] | None = None
        self._softmax_of: tuple[np.ndarray, np.ndarray] | None = None  # (logits, softmax)
        self._extension_memo: tuple[tuple[Any, ...], list[str]] | None = None
        self._panel_next: tuple[np.ndarray, list[tuple[str, float]], float] | None = None
        # A file's n-gram that cannot be used leaves the LSTM alone; the window says why.
        self.ngram, self.ngram_problem = NgramModel.read_from(model)
        self.cache_params = _cache_params(model, self.config)
        self.cache = NeuralCache(model.info.hidden, self.cache_params, model.ids)
        self._hit: Lookup | None = None  # P_cache at the cursor of the current request
        self._cursor: int | None = None  # document position of the cursor, when known
        self._cache_seen = -1  # cache version when the window was last added
        self._tokens_memo: tuple[str | None, list[Token]] = (None, [])
        self._tally = _Tally()  # the window's words, counted as it grows
        self._words_memo: tuple[tuple[Any, ...], tuple[Counter[str], dict[str, str]]] = (
            (None, None, None), (Counter(), {}))

    def set_lexicon(self, lexicon: Lexicon | BoundLexicon | None) -> None:
        """Complete from this word list too (None: the model and the document alone)."""
        unigram = None if self.ngram is None else self.ngram.unigram
        if isinstance(lexicon, Lexicon):
            lexicon = lexicon.bind(self.model.ids, unigram)
        elif lexicon is not None and lexicon.vocab_ids is not self.model.ids:
            lexicon = lexicon.lexicon.bind(self.model.ids, unigram)  # bound to another model
        self.lexicon = lexicon
        self._rare = None
        if lexicon is not None and self.config.rare_by_list > 0:
            if self._rare_ids is None:
                self._rare_ids = rare_entries(self.model)
            if len(self._rare_ids):
                vocab, words = self.model.info.vocab, lexicon.lexicon
                f = np.array([words.frequency(vocab[i]) for i in self._rare_ids])
                w = (f + float(words.freq.min())) ** self.config.rare_by_list
                self._rare = (self._rare_ids, w / w.sum())

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
        if self._rare is not None:
            # Only the network's share: the n-gram's says which rare words this corpus used
            # where (re-dividing the mixture's cost 0.4 points of top-3 on a development split).
            rare, share = self._rare
            p = p.copy()
            p[rare] = float(p[rare].sum()) * share
        beta = self.ngram_weight
        if self.ngram is None or beta >= 1.0:
            return p
        return beta * p + (1.0 - beta) * self.ngram.next_distribution(ids)

    # -- the public entry point -------------------------------------------------------------
    def suggest(self, text_before: str, *, at_doc_start: bool = True, text_after: str = "",
                extend: bool = True, window_start: int | None = None) -> Suggestions:
        """Rank what follows `text_before` (the window of text before the cursor).

        `window_start`: the document position (UTF-16 units, as Qt counts) where
        `text_before` starts; 0 by default at a document's start. Without it, mid-document, the
        neural cache is left out. With `extend=False` the ghost text stops at the end of the
        current word; call `extend_ghost` to run it on.
        """
        context, prefix = split_partial(text_before)
        tokens = self._tokenize(context)
        ids = ([self.model.doc_id] if at_doc_start else []) + self.model.encode([t.norm for t in tokens])
        if not ids:  # a window that starts mid-document with nothing in it yet
            ids = [self.model.doc_id]
            surfaces = [DOC]
        else:
            surfaces = ([DOC] if at_doc_start else []) + [t.text for t in tokens]
        self.tracker.internals = self.config.internals
        logits = self.tracker.update(ids)
        self._remember(text_before, tokens, at_doc_start, window_start)
        if self._softmax_of is None or self._softmax_of[0] is not logits:
            self._softmax_of = (logits, softmax(logits))  # the same logits: typing in a word
        p_lstm = self._softmax_of[1]
        doc_counts, doc_surface = self._counted(tokens)

        out = Suggestions(prefix=prefix)
        self._fill_panel(out, p_lstm, surfaces)  # the panel shows the LSTM itself
        if text_after[:1].isalnum():
            return out  # the cursor is inside a word: nothing sensible to add
        case = _CaseRule(tokens, prefix)
        p_model = self.model_distribution(ids, logits, p_lstm)
        out.candidates, out.confidence = self._rank(p_model, prefix, doc_counts, doc_surface, case)
        out.candidates = self._mark_recalled(out.candidates)
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
    def _tokenize(self, context: str) -> list[Token]:
        """The window's tokens; the same list again while only the word being typed changes."""
        old, tokens = self._tokens_memo
        if context != old:
            # Typing on: the window grew at its end, and only its tail is read again.
            self._tokens_memo = (context, tokenize(context) if old is None
                                 else extend_tokens(old, tokens, context))
        return self._tokens_memo[1]

    def _counted(self, tokens: list[Token]) -> tuple[Counter[str], dict[str, str]]:
        """`_document_words`, counted once while the window stays the same (typing a word)."""
        key, counted = self._words_memo
        if (key[0] is not tokens or key[1] is not self.extra_words
                or key[2] != self.config.learn_document):
            counted = self._document_words(tokens)
            self._words_memo = ((tokens, self.extra_words, self.config.learn_document), counted)
        return counted

    def _document_words(self, tokens: list[Token]) -> tuple[Counter[str], dict[str, str]]:
        counts: Counter[str] = Counter()
        surface: dict[str, str] = {}
        if not self.config.learn_document:
            return counts, surface
        tally = self._tally
        # Typing on: the window's tokens begin with the ones counted last time (extend_tokens
        # keeps them), so only the new ones are counted.
        n = tally.n
        if not (0 < n <= len(tokens) and tokens[n - 1] is tally.last):
            tally = self._tally = _Tally()
        tally.feed(tokens)
        counts.update(tally.counts)
        counts.update(self.extra_words)
        return counts, dict(tally.surface)

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
        p, unknown, p_unk = self._with_cache(*self._mixed(p_model, doc_counts))
        k = self.config.strip_size
        confidence = 0.0
        if prefix:
            pool = complete(normalize(prefix), p=p, vocab=self.vocab_index, unknown=unknown,
                            p_left=p_unk, lexicon=self.lexicon, blocked=self.blocked, k=k,
                            lexicon_weight=self._lexicon_weight(prefix),
                            keep_places=self.config.lexicon_keep,
                            context=self._lexicon_context(p))
            best = pool.ranked
            if best and not best[0].typo:
                confidence = prefix_confidence(best[0].prob, pool.p_prefix, pool.p_unknown,
                                               pool.unknown_share)
        else:
            best = next_words(p=p, is_word=self.is_word, vocab=self.model.info.vocab,
                              unknown=unknown, p_left=p_unk, lexicon=self.lexicon,
                              blocked=self.blocked, k=k)
            if best:  # over every next token
                confidence = prefix_confidence(best[0].prob, 1.0, 0.0, 0.0)
        cands = [
            Candidate(case.apply(self._written(r.norm, doc_surface)), r.norm, r.prob, r.source,
                      r.typo)
            for r in best
        ]
        return cands, confidence

    def _lexicon_context(self, p: np.ndarray) -> np.ndarray | None:
        if self.lexicon is None:
            return None
        return self.lexicon.context(p, self.config.lexicon_context,
                                    self.config.lexicon_smoothing)

    def _lexicon_weight(self, prefix: str) -> float:
        if len(prefix) < self.config.lexicon_min_letters:
            return 1.0
        return self.config.lexicon_weight

    def _written(self, norm: str, doc_surface: dict[str, str]) -> str:
        """How a word is written when nothing forces its case: as the user or the corpus wrote it."""
        if norm in doc_surface:
            return doc_surface[norm]
        i = self.model.ids.get(norm)
        if i is not None and normalize(self._surface[i]) == norm:
            return self._surface[i]
        if self.lexicon is not None:
            return self.lexicon.lexicon.surface.get(norm, norm)
        return norm

    # -- the neural cache ------------------------------------------------------------------
    @property
    def neural_weight(self) -> float:
        """λ_c, the neural cache's share (0: off)."""
        if not (self.config.neural_cache and self.config.learn_document):
            return 0.0
        w = self.config.neural_weight
        return self.cache_params.weight if w is None else w

    def _remember(self, text_before: str, tokens: list[Token], at_doc_start: bool,
                  window_start: int | None) -> None:
        """Add the window's new (or better) states to the neural cache; look it up at the cursor.

        Entry for token t: the state after the token before it, and t's document span. Only
        positions the tracker has just run (or, after an edit changed the cache, the whole
        window) are offered: the cache keeps the state that has read the most text.
        """
        self._hit = self._cursor = None
        if window_start is None and at_doc_start:
            window_start = 0
        if window_start is None or self.neural_weight <= 0:
            return
        units = utf16_offsets(text_before)

        def at(i: int) -> int:
            return window_start + (i if units is None else int(units[i]))

        self._cursor = at(len(text_before))
        lead = int(at_doc_start)  # ids[0] is <doc>, whose state precedes the first token
        first = 1 - lead  # mid-document, the window's first token has no state before it
        if self.cache.version == self._cache_seen:
            first = max(first, len(self.tracker.ids) - self.tracker.stats.computed - lead)
        if first < len(tokens):
            new = tokens[first:]
            starts = np.array([at(t.start) for t in new], np.int64)
            rows = np.arange(first, len(tokens)) + lead - 1
            # A state run from the document's start has read everything before it.
            context = starts - window_start + (1 << 40 if at_doc_start else 0)
            self.cache.add(starts, [at(t.end) for t in new], [t.norm for t in new],
                           self.tracker.h_seq.view()[rows, -1], context)
        self._cache_seen = self.cache.version
        self._hit = self.cache.lookup(self.tracker.h_seq.view()[-1, -1], self._cursor)

    def weight_of(self, hit: Lookup | None) -> float:
        """λ_c for a lookup: the full weight only once the cache holds `ramp` entries before
        the cursor (CacheParams.weight_at)."""
        if hit is None:
            return 0.0
        return self.cache_params.weight_at(hit.entries, self.neural_weight)

    def _with_cache(self, p: np.ndarray, unknown: dict[str, float], p_unk: float
                    ) -> tuple[np.ndarray, dict[str, float], float]:
        """P ← (1 − λ_c)·P + λ_c·P_cache, with the cache's lookup for this request."""
        return mix(p, unknown, p_unk, self._hit, self.weight_of(self._hit))

    def _mark_recalled(self, candidates: list[Candidate]) -> list[Candidate]:
        """Candidates the neural cache gave most of their probability name the earlier place."""
        hit = self._hit
        lam = self.weight_of(hit)
        if hit is None or lam <= 0:
            return candidates
        share = hit.as_dict()
        return [replace(c, recall=hit.recall(c.norm))
                if lam * share.get(c.norm, 0.0) > 0.5 * c.prob else c for c in candidates]

    def index(self, text: str, start: int, *, at_doc_start: bool,
              chunk: int = 128, piece: int = 4000) -> Iterator[int]:
        """Read `text`, the document from position `start` on, into the neural cache (a
        document opened or pasted: text the window never passed over). A generator: each step
        tokenizes about `piece` characters or runs `chunk` tokens, so the caller can serve
        keystrokes in between (and the GUI thread gets the GIL back); yields the entries
        written so far."""
        if self.neural_weight <= 0:
            return
        if not at_doc_start:
            text, start = trim_window(text, start)
        h, c = self.model.zero_state()
        before: np.ndarray | None = None  # top-layer state after the last token run
        if at_doc_start:
            out = self.model.run([self.model.doc_id], h, c, last_only=True, internals=False)
            h, c, before = out.h, out.c, out.h_seq[-1, -1]
        written = 0
        base = start  # document position of the piece
        for off, end in _pieces(text, piece):
            part = text[off:end]
            tokens = tokenize(part)
            units = utf16_offsets(part)

            def at(i: int, base: int = base, units: np.ndarray | None = units) -> int:
                return base + (i if units is None else int(units[i]))

            yield written
            for a in range(0, len(tokens), chunk):
                batch = tokens[a : a + chunk]
                # Only the states are read: no scores, no gates, no per-step c.
                out = self.model.run(self.model.encode([t.norm for t in batch]), h, c,
                                     last_only=True, internals=False)
                h, c = out.h, out.c
                # Token k of the batch follows the state after token k - 1.
                keys = out.h_seq[:-1, -1]
                if before is not None:
                    keys = np.concatenate([before[None], keys])
                else:  # the very first token read: no state before it
                    batch = batch[1:]
                before = out.h_seq[-1, -1]
                if batch:
                    starts = np.array([at(t.start) for t in batch], np.int64)
                    context = starts - start + (1 << 40 if at_doc_start else 0)
                    written += self.cache.add(starts, [at(t.end) for t in batch],
                                              [t.norm for t in batch], keys, context)
                yield written
            base = at(len(part))

    def note_edit(self, pos: int, removed: int, added: int) -> None:
        """The document changed at `pos` (UTF-16 units): keep the cache's positions right."""
        self.cache.edit(pos, removed, added, reach=WINDOW)

    def reset_document(self) -> None:
        """Forget the document (another one starts): its states and its cache."""
        self.cache.clear()
        self.tracker.reset()

    def next_token_distribution(self, text_before: str, *, at_doc_start: bool = True,
                                window_start: int | None = None) -> np.ndarray:
        """P(next token) after `text_before` as the strip ranks it (model, document words,
        neural cache) over the vocabulary, the words the model lacks folded into `<unk>`:
        what perplexity is measured on. `text_before` should end between two tokens."""
        context, _ = split_partial(text_before)
        tokens = self._tokenize(context)
        ids = ([self.model.doc_id] if at_doc_start else []) + self.model.encode([t.norm for t in tokens])
        self.tracker.internals = self.config.internals
        logits = self.tracker.update(ids or [self.model.doc_id])
        self._remember(text_before, tokens, at_doc_start, window_start)
        doc_counts, _ = self._counted(tokens)
        p, unknown, p_unk = self._with_cache(*self._mixed(self.model_distribution(ids, logits),
                                                          doc_counts))
        p = p.copy()
        p[self.model.unk_id] = p_unk + sum(unknown.values())
        return p

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
        if best.source == "lexicon":
            # The model has never seen this word: what it expects after <unk> says little
            # about what follows this one, so the ghost completes the word and stops.
            return [first], None
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
            cache_ids=cache_ids, cache_p=cache_p, cursor=self._cursor,
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
            out = self.model.run([next_id], h, c, internals=False)  # the panel never shows these
            h, c = out.h, out.c
            p = (1.0 - cont.lam) * self.model_distribution(cont.ids, out.logits[-1])
            p[cont.cache_ids] += cont.cache_p
            if cont.cursor is not None:  # the neural cache, at the ghost's new state
                hit = self.cache.lookup(out.h[-1, 0], cont.cursor)
                p = mix(p, {}, 0.0, hit, self.weight_of(hit))[0]
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
        capitals and spaces look no further back than the best word. The neural cache's
        share is named as its lookup names it: the entries ending before the cursor, which stay
        the same while the cursor moves inside a word."""
        cfg = self.config
        cache = None
        if cont.cursor is not None:
            seen = int(np.count_nonzero(self.cache.valid & (self.cache.end <= cont.cursor)))
            cache = (self.cache.version, seen, self.neural_weight)
        return (cont.state_key, cont.next_id, cont.surfaces[-1],
                tuple(cont.ids), cont.shouting, cont.lam, cont.cache_ids.tobytes(),
                cont.cache_p.tobytes(), frozenset(self.blocked), cfg.ghost_threshold,
                cfg.ghost_max_words, self.ngram_weight, cache)

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


class _Tally:
    """The window's words counted so far, and how their written forms look (see
    `Suggester._document_words`), carried from keystroke to keystroke."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.surface: dict[str, str] = {}
        self.prev: list[str] = []  # the last few tokens' texts: is the next one a sentence start?
        self.n = 0  # tokens counted
        self.last: Token | None = None  # the last of them, to know the list it came from

    def feed(self, tokens: list[Token]) -> None:
        prev, counts, surface = self.prev, self.counts, self.surface
        for t in tokens[self.n:]:
            if t.kind == "word":
                counts[t.norm] += 1
                # A capital at a sentence start says nothing about the word's own case.
                if not is_sentence_start(prev) or t.norm not in surface:
                    surface[t.norm] = t.text if not is_sentence_start(prev) else t.norm
            prev.append(t.text)
            if len(prev) > 4:
                del prev[0]
        self.n = len(tokens)
        self.last = tokens[-1] if tokens else None


def _frozen(rows: np.ndarray) -> np.ndarray:
    """A read-only copy: one set of panel rows is shared by every result until a token is fed."""
    copy = rows.copy()
    copy.flags.writeable = False
    return copy


def _pieces(text: str, size: int) -> Iterator[tuple[int, int]]:
    """(start, end) of consecutive pieces of about `size` characters, each ending after a space
    or a line break, so no token is cut in two."""
    pos = 0
    while pos < len(text):
        end = min(len(text), pos + size)
        if end < len(text):
            cut = max(text.rfind(" ", pos, end), text.rfind("\n", pos, end))
            end = cut + 1 if cut >= pos else end
        yield pos, end
        pos = end


def _cache_params(model: LanguageModel, config: SuggestConfig) -> CacheParams:
    """θ and λ_c from the model file (defaults when it has none), θ overridden by `config`."""
    try:
        params = CacheParams.from_metadata(model.session.get_modelmeta().custom_metadata_map)
    except Exception:  # an optional extra must not cost the suggestions
        params = CacheParams()
    if config.neural_theta is not None:
        params = replace(params, theta=config.neural_theta)
    return params


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
