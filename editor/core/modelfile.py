"""The model file's contract, shared by the trainer that writes it and the editor that reads it.

One ONNX file (docs/MODEL_FORMAT.md) carries the graph and, in its metadata, everything needed
to use it: the format version, the vocabulary and written forms, the tokenizer, the sizes, a
training summary and, optionally, the corpus language, the neural cache's tuned settings and an
interpolated Kneser-Ney trigram with a version of its own.
`training/export.py` writes the metadata with `metadata_props` and `training/kneser_ney.py` the
n-gram with `NgramModel.to_text`; `editor/core/lm.py` and `Suggester` read them back. Both sides
import this module (Qt-free, torch-free), so the two can never disagree on a key or a version.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.core.npz import ArchiveError, Member, read_npz
from editor.core.tokenizer import DOC, NEWLINE, TOKENIZER_VERSION, UNK

if TYPE_CHECKING:
    from editor.core.lm import LanguageModel

# --- the graph and its metadata ------------------------------------------------------------------

# The newest `caminho_format` this code writes and reads. 2 added the `cell` key: a GRU or a
# plain RNN graph has only the inputs and outputs its cell has. Format 1 files (LSTMs, no `cell`)
# read as before.
FORMAT_VERSION = 2
INPUTS = ("tokens", "h0", "c0")  # the LSTM's graph; CELL_INPUTS has every cell's
OUTPUTS = ("logits", "h", "c", "h_seq", "c_seq", "gates")
GATE_NAMES = ("input", "forget", "candidate", "output")

# The recurrent cell a file holds (`cell`; absent: "lstm") and what its graph takes and gives.
CELL_KEY = "cell"
CELL_INPUTS: dict[str, tuple[str, ...]] = {
    "lstm": INPUTS,
    "gru": ("tokens", "h0"),
    "rnn": ("tokens", "h0"),
}
CELL_OUTPUTS: dict[str, tuple[str, ...]] = {
    "lstm": OUTPUTS,
    "gru": ("logits", "h", "h_seq", "gates"),  # gates [B, T, L, 3, H]: r, z, n
    "rnn": ("logits", "h", "h_seq"),
}
CELL_GATES: dict[str, tuple[str, ...]] = {
    "lstm": GATE_NAMES,
    "gru": ("reset", "update", "candidate"),
    "rnn": (),
}
CELL_TITLES = {"lstm": "LSTM", "gru": "GRU", "rnn": "plain RNN"}

FORMAT_KEY = "caminho_format"
NGRAM_KEY = "ngram"
NGRAM_FORMAT_KEY = "ngram_format"
NGRAM_FORMAT = 1  # the newest n-gram archive layout this code writes and reads
LANGUAGE_KEY = "language"  # optional: the corpus language ("pt"), which picks the word list
NEURAL_CACHE_KEY = "neural_cache"  # optional: the neural cache's tuned θ, λ, size and ramp

# Issue 18 (fast path, int8). An optional graph input: a bool whose default (an initializer of
# the same name) is false; fed true, `logits` scores the last position only. Files without it
# run whole (training/fastpath.py adds it; editor/core/lm.py checks it on load).
LAST_ONLY_INPUT = "logits_last_only"
LEAN_INPUT = "internals"  # optional: fed false, an LSTM graph skips c_seq and the gates
# Optional: base64 of a second ONNX graph, the same model for one token of one sequence with no
# loop (training/step_graph.py); the editor steps keystrokes with it once it agrees on load.
STEP_GRAPH_KEY = "step_graph"
# What an LSTM's step graph outputs since it was made leaner: logits [1, 1, V], h and c [L, 1, H],
# gates [1, 1, L·4H]; h_seq, c_seq and the gates' shape are numpy views of them (lm.py
# `expand_step`). Step graphs of the first kind output CELL_OUTPUTS and still load.
STEP_OUTPUTS: dict[str, tuple[str, ...]] = {"lstm": ("logits", "h", "c", "gates")}
# Optional, descriptive: what `caminho-train export --int8` quantized (training/quantize.py).
QUANTIZATION_KEY = "quantization"

# Every metadata key: (required, JSON-encoded, what it is in a user's words). Values are strings.
METADATA: dict[str, tuple[bool, bool, str]] = {
    FORMAT_KEY: (True, False, "the format version"),
    "vocab": (True, True, "the vocabulary"),
    "tokenizer": (True, True, "the tokenizer description"),
    "sizes": (True, True, "the model file's sizes"),
    CELL_KEY: (False, False, "the recurrent cell"),
    "surface": (False, True, "the list of written forms"),
    "training": (False, True, "the training summary"),
    NGRAM_KEY: (False, False, "the n-gram table"),
    NGRAM_FORMAT_KEY: (False, False, "the n-gram table's format version"),
    LANGUAGE_KEY: (False, False, "the corpus language"),
    NEURAL_CACHE_KEY: (False, True, "the neural cache's settings"),
    QUANTIZATION_KEY: (False, True, "the quantization note"),  # issue 18
    STEP_GRAPH_KEY: (False, False, "the one-token step graph"),  # issue 18
}
REQUIRED_KEYS = tuple(key for key, (required, _, _) in METADATA.items() if required)
ENTRY_NAMES = {key: what for key, (_, _, what) in METADATA.items()}

# The tokenizer the editor implements (editor/core/tokenizer.py), as the file describes it.
TOKENIZER = {
    "name": "caminho-words",
    "version": TOKENIZER_VERSION,
    "lowercase": True,
    "normalization": "NFC",
    "newline": NEWLINE,
    "unk": UNK,
    "doc": DOC,
}


def metadata_props(vocab: Sequence[str], surface: Sequence[str], sizes: dict[str, int],
                   training: dict[str, Any], language: str | None = None,
                   cell: str = "lstm") -> dict[str, str]:
    """The required and descriptive metadata of one model file (the n-gram is attached apart).

    `language`, when known, is the corpus language the editor picks its word list by."""
    if cell not in CELL_INPUTS:
        raise ValueError(f"unknown cell {cell!r}; expected one of {', '.join(CELL_INPUTS)}")

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    meta = {
        FORMAT_KEY: str(FORMAT_VERSION),
        CELL_KEY: cell,
        "vocab": dump(list(vocab)),
        "surface": dump(list(surface)),
        "tokenizer": dump(TOKENIZER),
        "sizes": dump(sizes),
        "training": dump(training),
    }
    if language:
        meta[LANGUAGE_KEY] = language
    return meta


# --- the n-gram table ----------------------------------------------------------------------------


def check_ngram_format(version: str) -> None:
    """NgramError unless this code reads n-gram archives of `version` (absent means 1)."""
    try:
        number = int(str(version).split(".")[0])
    except ValueError:
        raise NgramError(f"has a format version that is not a number ({str(version)[:20]!r})") \
            from None
    if not 1 <= number <= NGRAM_FORMAT:
        raise NgramError(f"uses n-gram format {number}; this editor reads format {NGRAM_FORMAT}")


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
        is unpacked is capped (editor/core/npz.py): the value comes from a file someone sent.
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
            meta = model.session.get_modelmeta().custom_metadata_map
            text, version = meta.get(NGRAM_KEY), meta.get(NGRAM_FORMAT_KEY, "1")
        except Exception:  # onnxruntime raises private exception types
            return None, ""
        if not text:
            return None, ""
        try:
            check_ngram_format(version)
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
