"""Evaluate and recite with an exported model through onnxruntime only (no torch).

This is how the editor runs the model, so these numbers are the editor's numbers. The small
runner here is a stand-in to be replaced by the editor's `editor.lm.LanguageModel`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from editor.tokenizer import (
    DOC,
    NEWLINE,
    TOKENIZER_VERSION,
    UNK,
    detokenize,
    is_sentence_start,
    match_case,
    tokenize,
)
from training.errors import ModelFileError

OUTPUTS = ("logits", "h", "c")
CHUNK = 512  # tokens per run when scoring long texts: bounds the per-step outputs' memory


@dataclass
class OnnxModel:
    """An onnxruntime session plus the vocabulary from the file's metadata."""

    session: Any
    vocab: list[str]
    surface: list[str]
    layers: int
    hidden: int
    meta: dict[str, Any]

    @classmethod
    def load(cls, path: str | Path) -> OnnxModel:
        path = Path(path)
        if not path.is_file():
            raise ModelFileError(f"model file not found: {path}")
        if path.stat().st_size == 0:
            raise ModelFileError(f"{path} is empty (0 bytes)")
        import onnxruntime as ort

        opts = ort.SessionOptions()
        # One thread and no spinning, as in the editor (docs: the pool burns CPU on 2 cores).
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            session = ort.InferenceSession(str(path), sess_options=opts,
                                           providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises private exception types
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise ModelFileError(f"{path} is not a usable ONNX model ({first})") from None
        raw = dict(session.get_modelmeta().custom_metadata_map)
        try:
            if int(str(raw["caminho_format"]).split(".")[0]) != 1:
                raise ModelFileError(f"{path}: unsupported model format {raw['caminho_format']}")
            vocab = json.loads(raw["vocab"])
            surface = json.loads(raw.get("surface", raw["vocab"]))
            sizes = json.loads(raw["sizes"])
            tokenizer = json.loads(raw["tokenizer"])
        except (KeyError, ValueError) as exc:
            raise ModelFileError(f"{path} is not a Caminho model (metadata: {exc})") from None
        if tokenizer.get("version") != TOKENIZER_VERSION:
            raise ModelFileError(
                f"{path} uses tokenizer version {tokenizer.get('version')}, "
                f"this caminho-train has {TOKENIZER_VERSION}"
            )
        if vocab[:2] != [UNK, DOC] or len(surface) != len(vocab):
            raise ModelFileError(f"{path}: malformed vocabulary in the metadata")
        meta = {k: v for k, v in raw.items() if k not in ("vocab", "surface")}
        return cls(session, vocab, surface, int(sizes["layers"]), int(sizes["hidden"]), meta)

    @cached_property
    def ids(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.vocab)}

    def zero_state(self, batch: int = 1) -> tuple[np.ndarray, np.ndarray]:
        shape = (self.layers, batch, self.hidden)
        return np.zeros(shape, np.float32), np.zeros(shape, np.float32)

    def run(self, ids: Sequence[int], h: np.ndarray, c: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """logits [T, V] after each of `ids`, and the state after the last."""
        tokens = np.asarray(ids, dtype=np.int64).reshape(1, -1)
        logits, h1, c1 = self.session.run(list(OUTPUTS), {"tokens": tokens, "h0": h, "c0": c})
        return logits[0], h1, c1


@dataclass
class Evaluation:
    """Next-token prediction over a text fed from `<doc>` with the state carried."""

    tokens: int  # scored targets: every token of the text plus the closing <doc>
    top1: float  # next-token accuracy
    top3: float
    words: int  # targets that are words or numbers
    word_top1: float  # next-word accuracy (what the suggestion strip offers)
    word_top3: float
    perplexity: float  # exp(mean cross-entropy) over all targets
    unknown: int  # targets outside the vocabulary (scored as <unk>)

    def to_dict(self) -> dict[str, Any]:
        # NaN (no word targets at all) is not JSON: it becomes null.
        return {k: None if isinstance(v, float) and math.isnan(v) else v
                for k, v in asdict(self).items()}


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def evaluate_text(model: OnnxModel, text: str) -> Evaluation:
    toks = tokenize(text)
    ids = model.ids
    doc = ids[DOC]
    inputs = [doc] + [ids.get(t.norm, 0) for t in toks]
    targets = inputs[1:] + [doc]
    is_word = np.array([t.is_word for t in toks] + [False])
    h, c = model.zero_state()
    parts = []
    for start in range(0, len(inputs), CHUNK):
        logits, h, c = model.run(inputs[start : start + CHUNK], h, c)
        parts.append(logits)
    logits = np.concatenate(parts).astype(np.float64)
    target = np.array(targets)
    logp = log_softmax(logits)
    nll = -logp[np.arange(len(target)), target]
    # Rank of the target: how many entries score strictly higher (ties favour the target).
    target_score = logits[np.arange(len(target)), target][:, None]
    rank = (logits > target_score).sum(axis=1)
    top1, top3 = rank == 0, rank < 3
    n_words = int(is_word.sum())

    def share(hits: np.ndarray, mask: np.ndarray | None = None) -> float:
        sel = hits if mask is None else hits[mask]
        return float(sel.mean()) if sel.size else float("nan")

    return Evaluation(
        tokens=len(target),
        top1=share(top1),
        top3=share(top3),
        words=n_words,
        word_top1=share(top1, is_word),
        word_top3=share(top3, is_word),
        perplexity=float(math.exp(nll.mean())),
        unknown=int(sum(1 for t in toks if t.norm not in ids)),
    )


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
