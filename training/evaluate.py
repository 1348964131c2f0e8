"""`caminho-train evaluate`: a model's predictions measured through the editor's own engine.

The model file is loaded with `editor.core.lm.LanguageModel` and suggestions come from
`editor.core.suggest.Suggester`, so what is measured is exactly what a writer gets in the editor
(strip, ghost text, in-document learning, capitalisation rules), with onnxruntime and no torch.

Per document (a file, or the parts between `--doc-separator` lines), from its start:

- keystroke savings (training/ksr.py) for a writer using the strip (top-3) and one using the
  ghost text (top-1), with the in-document learning on and off;
- next-word accuracy: at the start of every word (word or number token), is it the strip's
  first candidate (top-1) or among its candidates (top-3)? Only words are ranked (no
  punctuation, line break, `<unk>` or `<doc>`); a word outside the vocabulary counts as a miss
  unless the document-word cache offers it;
- perplexity over every token (words, numbers, punctuation, line breaks and the closing
  `<doc>`; anything outside the vocabulary is the token `<unk>`), and word perplexity over the
  words that are in the vocabulary, each model's distribution renormalised over the
  vocabulary's words. Both score the model's distribution before the document cache (which
  only reorders candidates): for Caminho the LSTM, mixed with the trigram stored in the model
  file when there is one, exactly as `Suggester.model_distribution` computes it.

With `--train`, the same run trains and measures a baseline on the training text, over the
same vocabulary: an interpolated Kneser-Ney trigram (training/kneser_ney.py). The seed's
per-line LSTM, a baseline for the studies in docs/BENCHMARKS.md, is measured by
`python -m training.studies.evaluate` (training/studies/seed_baseline.py, not shipped).
"""

from __future__ import annotations

import json
import math
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from editor.core.lm import LanguageModel, ModelError
from editor.core.suggest import SuggestConfig, Suggester
from editor.core.tokenizer import (
    DOC,
    NEWLINE,
    UNK,
    Token,
    detokenize,
    is_sentence_start,
    is_word_norm,
    match_case,
    tokenize,
)
from training.errors import ModelFileError
from training.ksr import DocumentRun, Offer, Predictor, RankedPredictor, run_document

CHUNK = 512  # tokens per model run when scoring long texts: bounds the per-step outputs' memory
# The most probabilities (positions x vocabulary) held at once when scoring: a long document
# is scored a block of rows at a time (4M float64: 32 MB; a whole 200k-token document over a
# 20k vocabulary would be 32 GB).
SCORE_BLOCK = 1 << 22

# P(next token) for a run of positions: (index of the first row, [rows, V]), in order.
Blocks = Iterator[tuple[int, np.ndarray]]


def block_rows(vocab_size: int) -> int:
    """Positions per block of scores, at most CHUNK."""
    return max(1, min(CHUNK, SCORE_BLOCK // max(1, vocab_size)))


# -- the model file ---------------------------------------------------------------------------------


@dataclass
class OnnxModel:
    """The editor's `LanguageModel`, with the small interface `recite` and the tests use."""

    lm: LanguageModel

    @classmethod
    def load(cls, path: str | Path) -> OnnxModel:
        try:
            return cls(LanguageModel.load(path))
        except ModelError as exc:  # the CLI reports TrainErrors as one line
            raise ModelFileError(str(exc).replace("\n", " "), code="model.unusable",
                                 reason=str(exc).replace("\n", " ")) from None

    @property
    def vocab(self) -> list[str]:
        return self.lm.info.vocab

    @property
    def surface(self) -> list[str]:
        return self.lm.info.surface

    @property
    def layers(self) -> int:
        return self.lm.info.layers

    @property
    def hidden(self) -> int:
        return self.lm.info.hidden

    @property
    def ids(self) -> dict[str, int]:
        return self.lm.ids

    @cached_property
    def meta(self) -> dict[str, str]:
        raw = dict(self.lm.session.get_modelmeta().custom_metadata_map)
        return {k: v for k, v in raw.items() if k not in ("vocab", "surface")}

    def zero_state(self) -> tuple[np.ndarray, np.ndarray]:
        return self.lm.zero_state()

    def run(self, ids: Sequence[int], h: np.ndarray, c: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """logits [T, V] after each of `ids`, and the state after the last."""
        out = self.lm.run(list(ids), h, c)
        return out.logits, out.h, out.c

    def logit_blocks(self, ids: Sequence[int]) -> Iterator[tuple[int, np.ndarray]]:
        """The logits after each of `ids` (fed from a zero state), a block of rows at a time."""
        h, c = self.zero_state()
        step = block_rows(len(self.vocab))
        for start in range(0, len(ids), step):
            logits, h, c = self.run(ids[start : start + step], h, c)
            yield start, logits

    def distributions(self, ids: Sequence[int]) -> Blocks:
        """Softmax after each of `ids` (fed from a zero state), float64, block by block."""
        for start, logits in self.logit_blocks(ids):
            yield start, softmax_rows(logits)


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64)
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


# -- the systems measured ---------------------------------------------------------------------------


class EnginePredictor:
    """The editor's suggestion engine, asked the way the editor asks it."""

    def __init__(self, model: LanguageModel, config: SuggestConfig, name: str,
                 lexicon: Any = None) -> None:
        self.name = name
        self.suggester = Suggester(model, config)
        self.suggester.set_lexicon(lexicon)  # an editor.core.lexicon.Lexicon, or None

    def start_document(self) -> None:
        """Each document is typed from its start: no state or cache from the one before."""
        self.suggester.reset_document()

    def offer(self, text_before: str) -> Offer:
        # extend=False: the ghost's first word is what a writer accepts with one Tab; the
        # editor computes the longer run a moment later.
        s = self.suggester.suggest(text_before, at_doc_start=True, extend=False)
        words = tuple(c.norm for c in s.candidates)
        return Offer(words, words[0] if s.ghost else None)


@dataclass
class System:
    """One row of the comparison: something that offers words and scores tokens."""

    name: str  # "caminho", "kneser-ney", "seed"
    label: str  # for the table
    learning: bool | None  # in-document learning (None: the system has none)
    predictor: Predictor
    # P(next token) after each id of `[<doc>] + document ids`, [n, V] in blocks of rows;
    # None: no perplexity.
    distributions: Callable[[list[int], list[Token]], Blocks] | None
    all_tokens: bool = True  # whether it models every token (else: words only)


@dataclass
class SystemResult:
    name: str
    label: str
    learning: bool | None
    run: DocumentRun = field(default_factory=DocumentRun)
    nll: float = 0.0  # summed over all tokens
    tokens: int = 0
    word_nll: float = 0.0  # summed over in-vocabulary word targets, renormalised over words
    scored_words: int = 0
    token_top1: int = 0  # next-token accuracy over all tokens (the model alone)
    token_top3: int = 0
    has_perplexity: bool = False
    all_tokens: bool = True
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        r = self.run
        words = r.hits.words
        out: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "learning": self.learning,
            "ksr_strip": _num(r.strip.ksr),
            "ksr_ghost": _num(r.ghost.ksr),
            "word_top1": _num(r.hits.top1 / words if words else math.nan),
            "word_top3": _num(r.hits.top3 / words if words else math.nan),
            "perplexity": None,
            "word_perplexity": None,
            "strip": {k: _num(v) for k, v in r.strip.to_dict().items()},
            "ghost": {k: _num(v) for k, v in r.ghost.to_dict().items()},
            "words": words,
            "offers": r.offers,
            "oov_words": r.oov_words,
            "oov_early": _num(r.oov_early / r.oov_words if r.oov_words else math.nan),
            "seconds": round(self.seconds, 2),
        }
        if self.has_perplexity:
            if self.all_tokens and self.tokens:
                out["perplexity"] = _num(math.exp(self.nll / self.tokens))
            if self.scored_words:
                out["word_perplexity"] = _num(math.exp(self.word_nll / self.scored_words))
        return out


def _num(x: float | int) -> float | int | None:
    if isinstance(x, int):
        return x
    return None if not math.isfinite(x) else round(float(x), 6)


def engine_systems(model: OnnxModel, config: SuggestConfig,
                   learning: Sequence[bool] = (True, False), lexicon: Any = None) -> list[System]:
    systems = []
    if lexicon is not None:
        # The editor as it runs: learning on and the word list of the model's language.
        label = f"caminho + word list ({lexicon.language})"
        predictor = EnginePredictor(model.lm, SuggestConfig(**{**asdict(config),
                                                               "learn_document": True}),
                                    label, lexicon)
        systems.append(System("caminho", label, True, predictor, None))
    for on in learning:
        cfg = SuggestConfig(**{**asdict(config), "learn_document": on})
        label = f"caminho ({'learning on' if on else 'learning off'})"
        predictor = EnginePredictor(model.lm, cfg, label)
        # The model distribution is the same with or without the cache: score it once.
        dist = None if on and False in learning else _engine_distributions(model, predictor)
        systems.append(System("caminho", label, on, predictor, dist))
    return systems


def _engine_distributions(model: OnnxModel, predictor: EnginePredictor
                          ) -> Callable[[list[int], list[Token]], Blocks]:
    """What the engine ranks with before its cache: the LSTM, mixed with the file's n-gram."""
    suggester = predictor.suggester

    def dists(ids: list[int], tokens: list[Token]) -> Blocks:
        if suggester.ngram is None:
            yield from model.distributions(ids)
            return
        for start, logits in model.logit_blocks(ids):
            # The n-gram reads the last two ids only: no need to copy the whole prefix.
            yield start, np.stack([
                suggester.model_distribution(ids[max(0, start + k - 1) : start + k + 1],
                                             logits[k])
                for k in range(len(logits))])

    return dists


def kneser_ney_system(model: OnnxModel, train_documents: Sequence[Sequence[Token]],
                      config: SuggestConfig) -> System:
    from training.kneser_ney import KneserNey

    kn = KneserNey(model.vocab, [model.lm.encode([t.norm for t in d]) for d in train_documents],
                   doc_id=model.lm.doc_id)

    def context_dist(tokens: list[Token]) -> np.ndarray:
        ids = [model.lm.doc_id] + model.lm.encode([t.norm for t in tokens[-2:]])
        return kn.model.next_distribution(ids if len(tokens) < 2 else ids[1:])

    def dists(ids: list[int], tokens: list[Token]) -> Blocks:
        step = block_rows(len(model.vocab))
        for start in range(0, len(ids), step):
            yield start, np.stack([kn.model.next_distribution(ids[max(0, k - 1) : k + 1])
                                   for k in range(start, min(len(ids), start + step))])

    pred = RankedPredictor("kneser-ney", model.vocab, context_dist,
                           strip_size=config.strip_size, ghost_threshold=config.ghost_threshold)
    return System("kneser-ney", "Kneser-Ney trigram", None, pred, dists)


# -- the run --------------------------------------------------------------------------------------


@dataclass
class Comparison:
    """Every system measured on the same documents."""

    model: str
    text: str
    documents: int
    characters: int
    words: int  # word and number tokens
    unknown_words: int  # ... outside the model's vocabulary
    tokens: int  # scored tokens: every token plus each document's closing <doc>
    unknown: int  # scored tokens outside the vocabulary
    results: list[SystemResult]
    settings: dict[str, Any]

    def main(self) -> SystemResult:
        """The model with the editor's settings (the first row)."""
        return self.results[0]

    def to_dict(self) -> dict[str, Any]:
        main = self.main()
        first = main.to_dict()
        lstm = next((r for r in self.results if r.name == "caminho" and r.has_perplexity), main)
        out: dict[str, Any] = {
            "model": self.model,
            "text": self.text,
            "documents": self.documents,
            "characters": self.characters,
            "words": self.words,
            "unknown_words": self.unknown_words,
            "tokens": self.tokens,
            "unknown": self.unknown,
            # The model with the editor's settings, at the top level:
            "ksr_strip": first["ksr_strip"],
            "ksr_ghost": first["ksr_ghost"],
            "word_top1": first["word_top1"],
            "word_top3": first["word_top3"],
            # The model's own distribution (no cache): perplexities and next-token accuracy.
            "perplexity": lstm.to_dict()["perplexity"],
            "word_perplexity": lstm.to_dict()["word_perplexity"],
            "top1": _num(lstm.token_top1 / lstm.tokens) if lstm.tokens else None,
            "top3": _num(lstm.token_top3 / lstm.tokens) if lstm.tokens else None,
            "settings": self.settings,
            "results": [r.to_dict() for r in self.results],
        }
        return out


ProgressFn = Callable[[str, int, int, float], None]  # label, documents done, total, seconds


def measure(system: System, documents: Sequence[str], is_word: np.ndarray, unk_id: int,
            encode: Callable[[list[str]], list[int]], doc_id: int, *, strip_size: int,
            progress: ProgressFn | None = None, known: Any = None) -> SystemResult:
    """Type every document with the system and score its distribution on every token."""
    result = SystemResult(system.name, system.label, system.learning,
                          has_perplexity=system.distributions is not None,
                          all_tokens=system.all_tokens)
    started = time.monotonic()
    for k, text in enumerate(documents):
        result.run.add(run_document(text, system.predictor, strip_size, known))
        if system.distributions is not None:
            tokens = tokenize(text)
            ids = [doc_id] + encode([t.norm for t in tokens])
            targets = np.array(ids[1:] + [doc_id])
            word = np.array([t.is_word for t in tokens] + [False], dtype=bool)
            word &= targets != unk_id
            # Block by block: only a few numbers per position are kept, never [n, V].
            for start, p in system.distributions(ids, tokens):
                score(result, p, targets[start : start + len(p)], word[start : start + len(p)],
                      is_word, all_tokens=system.all_tokens)
        if progress is not None:
            progress(system.label, k + 1, len(documents), time.monotonic() - started)
    result.seconds = time.monotonic() - started
    return result


def score(result: SystemResult, p: np.ndarray, targets: np.ndarray, word: np.ndarray,
          is_word: np.ndarray, *, all_tokens: bool) -> None:
    """Add a block of rows to the perplexities and next-token accuracy: `p` [rows, V] are
    the distributions, `targets` what came next, `word` the rows whose target is a word in
    the vocabulary (scored for word perplexity, renormalised over the vocabulary's words)."""
    rows = np.arange(len(targets))
    target_p = p[rows, targets]
    if all_tokens:
        result.nll -= float(np.log(np.maximum(target_p, 1e-300)).sum())
        result.tokens += len(targets)
        rank = (p > target_p[:, None]).sum(axis=1)
        result.token_top1 += int((rank == 0).sum())
        result.token_top3 += int((rank < 3).sum())
    word_rows = np.flatnonzero(word)
    if len(word_rows):
        mass = p[word_rows] @ is_word.astype(p.dtype)
        pw = target_p[word_rows] / mass
        result.word_nll -= float(np.log(np.maximum(pw, 1e-300)).sum())
        result.scored_words += len(word_rows)


def compare(model: OnnxModel, documents: Sequence[str], *, config: SuggestConfig | None = None,
            learning: Sequence[bool] = (True, False),
            train_documents: Sequence[Sequence[Token]] | None = None,
            extra: Sequence[System] = (), model_name: str = "", text_name: str = "",
            progress: ProgressFn | None = None, lexicon: Any = None) -> Comparison:
    """Measure the model (and, given training text, the baselines) on `documents`; with a
    `lexicon` (editor.core.lexicon.Lexicon), also the engine completing from that word list;
    `extra`: more systems to measure last (the studies' seed baseline)."""
    config = config or SuggestConfig()
    documents = [unicodedata.normalize("NFC", d) for d in documents]
    lm = model.lm
    systems = engine_systems(model, config, learning, lexicon)
    if train_documents is not None:
        systems.append(kneser_ney_system(model, train_documents, config))
    systems.extend(extra)
    engine = next((s.predictor for s in systems if isinstance(s.predictor, EnginePredictor)),
                  None)
    is_word = np.array([is_word_norm(t) for t in model.vocab], dtype=bool)
    results = [measure(s, documents, is_word, lm.unk_id, lm.encode, lm.doc_id,
                       strip_size=config.strip_size, progress=progress, known=lm.ids)
               for s in systems]
    all_tokens = [tokenize(d) for d in documents]
    word_tokens = [t for toks in all_tokens for t in toks if t.is_word]
    return Comparison(
        model=model_name, text=text_name, documents=len(documents),
        characters=sum(len(d) for d in documents),
        words=len(word_tokens),
        unknown_words=sum(1 for t in word_tokens if t.norm not in lm.ids),
        tokens=sum(len(t) + 1 for t in all_tokens),
        unknown=sum(1 for toks in all_tokens for t in toks if t.norm not in lm.ids),
        results=results,
        settings={"strip_size": config.strip_size, "ghost_threshold": config.ghost_threshold,
                  "cache_weight": config.cache_weight, "unknown_repeat": config.unknown_repeat,
                  "ngram_weight": engine.suggester.ngram_weight if engine else None,
                  "match": "case-insensitive"},
    )


def format_table(c: Comparison) -> str:
    """The comparison for people."""
    lines = [
        f"text    {c.text}: {c.documents} document{'s' if c.documents != 1 else ''}, "
        f"{c.characters} characters, {c.words} words ({c.unknown_words} not in the vocabulary)",
        "",
        f"{'':28}{'KSR strip':>10}{'KSR ghost':>10}{'top-1':>8}{'top-3':>8}"
        f"{'ppl':>9}{'word ppl':>10}{'time':>8}{'OOV early':>10}",
    ]

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{100 * x:.1f}%"

    def num(x: float | None) -> str:
        return "—" if x is None else f"{x:.1f}"

    for r in c.results:
        d = r.to_dict()
        lines.append(
            f"{r.label:28}{pct(d['ksr_strip']):>10}{pct(d['ksr_ghost']):>10}"
            f"{pct(d['word_top1']):>8}{pct(d['word_top3']):>8}{num(d['perplexity']):>9}"
            f"{num(d['word_perplexity']):>10}{d['seconds']:>7.0f}s"
            f"{pct(d['oov_early']):>10}"
        )
    lines += [
        "",
        "KSR = 1 - keys / characters (strip: the word is among the 3 candidates; ghost: the "
        "ghost text completes it; one key accepts, case ignored). top-1/top-3: the next word is "
        "offered before its first letter. ppl: every token, unknown ones as <unk>; word ppl: "
        "words in the vocabulary, each model renormalised over its words. Perplexities are of "
        "the model (for caminho: the LSTM mixed with the file's trigram), without the "
        "document cache. OOV early: words outside the vocabulary offered in the strip with "
        "two letters or more still to type.",
    ]
    return "\n".join(lines)


class ProgressPrinter:
    """Progress of each system on stderr: rewritten in place on a terminal, else a few lines."""

    def __init__(self, stream: TextIO = sys.stderr, every: float = 1.0) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.every = every if self.tty else 15.0
        self._last = 0.0

    def __call__(self, label: str, done: int, total: int, seconds: float) -> None:
        now = time.monotonic()
        if done < total and now - self._last < self.every:
            return
        self._last = now
        eta = seconds / done * (total - done) if done else 0.0
        left = f", about {eta:.0f} s left" if done < total else ""
        line = f"{label}: {done}/{total} documents, {seconds:.0f} s{left}"
        if self.tty:
            self.stream.write(f"\r{line:<78}" + ("\n" if done == total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


# -- recite ---------------------------------------------------------------------------------------


@dataclass
class Recitation:
    text: str
    tokens: list[str]  # generated vocabulary entries (the prompt's not included)
    stopped_at_doc: bool
    unknown_prompt: list[str]  # prompt words the model does not know


def recite(model: OnnxModel, prompt: str = "", max_tokens: int = 200) -> Recitation:
    """Greedy continuation from `<doc>` + prompt until `<doc>` or `max_tokens` tokens.

    The prompt keeps its own spelling; generated words take their usual written form (`surface`)
    and a capital at sentence starts, as the editor would insert them.
    """
    ids = model.ids
    prompt_tokens = tokenize(prompt)
    surfaces: list[str] = [NEWLINE if t.kind == "newline" else t.text for t in prompt_tokens]
    feed = [ids[DOC]] + [ids.get(t.norm, 0) for t in prompt_tokens]
    unknown = [t.text for t in prompt_tokens if t.norm not in ids]
    h, c = model.zero_state()
    logits, h, c = model.run(feed, h, c)
    scores = logits[-1]
    generated: list[str] = []
    stopped = False
    for _ in range(max_tokens):
        scores = scores.copy()
        scores[ids[UNK]] = -np.inf  # "<unk>" is not something to write
        best = int(np.argmax(scores))
        if best == ids[DOC]:
            stopped = True
            break
        generated.append(model.vocab[best])
        word = model.surface[best]
        if any(ch.isalpha() for ch in word):
            word = match_case(word, sentence_start=is_sentence_start([DOC] + surfaces))
        surfaces.append(word)
        logits, h, c = model.run([best], h, c)
        scores = logits[-1]
    return Recitation(detokenize(surfaces), generated, stopped, unknown)


def dumps(c: Comparison) -> str:
    return json.dumps(c.to_dict(), ensure_ascii=False)
