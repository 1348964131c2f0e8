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

import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from editor.core.context import ContextTracker
from editor.core.lm import LanguageModel
from editor.core.modelfile import NgramModel
from editor.core.tokenizer import (
    DOC,
    NEWLINE,
    Token,
    is_sentence_start,
    is_word_norm,
    match_case,
    needs_space,
    normalize,
    split_partial,
    tokenize,
)

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
        self._sorted = sorted((t, i) for i, t in enumerate(vocab) if self.is_word[i])
        self._sorted_keys = [t for t, _ in self._sorted]
        self.blocked: set[str] = set()  # norms never to suggest
        self.extra_words: Counter[str] = Counter()  # e.g. the user dictionary
        self._surface = model.info.surface
        self._context_surfaces: list[str] = []
        # A file's n-gram that cannot be used leaves the LSTM alone; the window says why.
        self.ngram, self.ngram_problem = NgramModel.read_from(model)

    @property
    def ngram_weight(self) -> float:
        """β, the LSTM's share in the model distribution (1: the LSTM alone)."""
        if self.ngram is None:
            return 1.0
        w = self.config.ngram_weight
        return self.ngram.weight if w is None else w

    def model_distribution(self, ids: Sequence[int], logits: np.ndarray) -> np.ndarray:
        """P(next token) after `ids`, given the LSTM's `logits` there: what the ranking uses
        before the document cache (the LSTM, mixed with the n-gram when the file has one)."""
        p = softmax(logits)
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
        tokens = tokenize(context)
        ids = ([self.model.doc_id] if at_doc_start else []) + self.model.encode([t.norm for t in tokens])
        if not ids:  # a window that starts mid-document with nothing in it yet
            ids = [self.model.doc_id]
            surfaces = [DOC]
        else:
            surfaces = ([DOC] if at_doc_start else []) + [t.text for t in tokens]
        logits = self.tracker.update(ids)
        p_lstm = softmax(logits)
        doc_counts, doc_surface = self._document_words(tokens)

        out = Suggestions(prefix=prefix)
        self._fill_panel(out, p_lstm, surfaces)  # the panel shows the LSTM itself
        if text_after[:1].isalnum():
            return out  # the cursor is inside a word: nothing sensible to add
        case = _CaseRule(tokens, prefix)
        p_model = self.model_distribution(ids, logits)
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
            pool += [(float(p[i]), t, "model") for t, i in self._sorted[lo:hi]]
            pool += [(q, w, "document") for w, q in unknown.items() if w.startswith(key)]
            p_prefix = sum(q for q, _, _ in pool)
            unknown_prefix_share = (hi - lo) / max(1, len(self._sorted_keys))
        else:
            masked = np.where(self.is_word, p, -1.0)
            n = min(len(masked), k + len(blocked) + 1)
            top = np.argpartition(-masked, n - 1)[:n] if n < len(masked) else np.arange(len(masked))
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
        return added

    # -- panel ---------------------------------------------------------------------------------
    def _fill_panel(self, out: Suggestions, p_lstm: np.ndarray, surfaces: list[str]) -> None:
        n = min(self.config.panel_tokens, len(self.tracker.ids))
        out.context_tokens = surfaces[-n:] if n else []
        out.h_seq = self.tracker.h_seq.view()[-n:].copy()
        out.c_seq = self.tracker.c_seq.view()[-n:].copy()
        out.gates = self.tracker.gates.view()[-n:].copy()
        top = np.argsort(-p_lstm)[:10]
        vocab = self.model.info.vocab
        out.top_tokens = [(vocab[i], float(p_lstm[i])) for i in top]
        nz = p_lstm[p_lstm > 0]
        out.entropy = float(-(nz * np.log2(nz)).sum())


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
