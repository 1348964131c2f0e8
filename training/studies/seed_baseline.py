"""The seed's approach, as a baseline: per-line prefix examples, embedding 100, LSTM 150, 200 epochs.

The talk Caminho comes from (shared/seed) trained its demo the classic way: every line of the
text is turned into prefix examples ("no meio do" -> "caminho"), only words are kept (the
tokenizer dropped punctuation), and an Embedding(100) -> LSTM(150) -> softmax network reads each
example from an empty state for 200 epochs with Adam. It knows nothing before the current line.

Here the prefixes of one line are trained in one pass over the line: the LSTM's output after k
words is exactly what the prefix example of length k computes, without computing every prefix
again. One difference: a batch is 32 lines (about 250 prefix examples), where the seed's
batches held 32 examples; with 200 epochs that keeps training to about 20 minutes on one core.
The model reads the evaluated model's vocabulary (same words, same `<unk>`), so its figures
compare with the others. At a line's first word it has read nothing: its prediction is then
the decoder's bias, as an all-padding input would give.

`SeedModel` holds the trained weights as numpy arrays: evaluation needs no torch. A study
only (docs/BENCHMARKS.md): `python -m training.studies.evaluate` and benchmarks/quality.py
measure it; the wheel does not ship it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from editor.core.atomic import replace_file
from editor.core.tokenizer import NEWLINE, Token

if TYPE_CHECKING:
    from editor.core.suggest import SuggestConfig
    from training.evaluate import Blocks, OnnxModel, System


@dataclass(frozen=True)
class SeedConfig:
    embedding: int = 100
    hidden: int = 150
    epochs: int = 200
    lr: float = 1e-3  # Adam's usual default, as in the seed's notebook-style training
    batch_lines: int = 32
    seed: int = 1928


def line_words(tokens: Sequence[Token]) -> list[list[str]]:
    """The word norms of each line (the seed's tokenizer kept words only)."""
    lines: list[list[str]] = [[]]
    for t in tokens:
        if t.kind == "newline":
            lines.append([])
        elif t.is_word:
            lines[-1].append(t.norm)
    return lines


def current_line_words(tokens: Sequence[Token]) -> list[str]:
    """Words of the line the cursor is on, the only context the seed's model reads."""
    words: list[str] = []
    for t in reversed(tokens):
        if t.norm == NEWLINE:
            break
        if t.is_word:
            words.append(t.norm)
    return words[::-1]


@dataclass
class SeedModel:
    """Embedding -> one-layer LSTM -> decoder, evaluated in numpy (gate order i, f, g, o)."""

    embed: np.ndarray  # [V, E]
    w_ih: np.ndarray  # [4H, E]
    w_hh: np.ndarray  # [4H, H]
    bias: np.ndarray  # [4H] (both LSTM biases summed)
    dec_w: np.ndarray  # [V, H]
    dec_b: np.ndarray  # [V]
    config: SeedConfig
    seconds: float = 0.0  # training time
    epochs: int = 0
    key: str = ""  # `cache_key` of the lines, vocabulary size and config it was trained on

    def line_distributions(self, ids: Sequence[int]) -> np.ndarray:
        """P(next word) before each word of a line and after the last: [len(ids) + 1, V]."""
        return self._softmax(np.stack(self._states(ids)))

    def next_distribution(self, ids: Sequence[int]) -> np.ndarray:
        """P(next word) after the words `ids` of a line: the last row of `line_distributions`,
        without the others (a line can be thousands of words long)."""
        return self._softmax(self._states(ids)[-1][None, :])[0]

    def _states(self, ids: Sequence[int]) -> list[np.ndarray]:
        hidden = self.w_hh.shape[1]
        h = np.zeros(hidden, np.float32)
        c = np.zeros(hidden, np.float32)
        outs = [h]
        for i in ids:
            z = self.w_ih @ self.embed[i] + self.w_hh @ h + self.bias
            gi, gf, gg, go = np.split(z, 4)
            c = _sigmoid(gf) * c + _sigmoid(gi) * np.tanh(gg)
            h = _sigmoid(go) * np.tanh(c)
            outs.append(h)
        return outs

    def _softmax(self, states: np.ndarray) -> np.ndarray:
        logits = states @ self.dec_w.T + self.dec_b
        logits = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(logits.astype(np.float64))
        return e / e.sum(axis=1, keepdims=True)

    def save(self, path: str | Path) -> None:
        arrays = {k: getattr(self, k) for k in ("embed", "w_ih", "w_hh", "bias", "dec_w", "dec_b")}
        meta = json.dumps({"config": asdict(self.config), "seconds": self.seconds,
                           "epochs": self.epochs, "key": self.key})
        def write(fd: int, _tmp: Path) -> None:
            with open(fd, "wb", closefd=False) as fh:
                np.savez(fh, meta=np.array(meta), **arrays)

        replace_file(path, write)

    @classmethod
    def load(cls, path: str | Path) -> SeedModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {k: data[k] for k in ("embed", "w_ih", "w_hh", "bias", "dec_w", "dec_b")}
        return cls(**arrays, config=SeedConfig(**meta["config"]), seconds=meta["seconds"],
                   epochs=meta["epochs"], key=str(meta.get("key", "")))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def training_lines(documents: Sequence[Sequence[Token]], encode: Callable[[list[str]], list[int]]
                   ) -> list[list[int]]:
    """Every line with at least two words: the ones that make prefix examples."""
    lines = []
    for tokens in documents:
        for words in line_words(tokens):
            if len(words) >= 2:
                lines.append(encode(words))
    return lines


def cache_key(lines: Sequence[Sequence[int]], vocab_size: int, config: SeedConfig) -> str:
    digest = hashlib.sha256(json.dumps([vocab_size, asdict(config), list(map(list, lines))])
                            .encode()).hexdigest()
    return digest[:16]


def train_seed(lines: Sequence[Sequence[int]], vocab_size: int, config: SeedConfig | None = None,
               *, progress: Callable[[int, float, float], None] | None = None,
               threads: int = 1) -> SeedModel:
    """Train the seed's network; `progress(epoch, loss, seconds)` after each epoch."""
    import torch
    from torch import nn

    config = config or SeedConfig()
    torch.manual_seed(config.seed)
    torch.set_num_threads(threads)
    embed = nn.Embedding(vocab_size, config.embedding)
    lstm = nn.LSTM(config.embedding, config.hidden, batch_first=True)
    decoder = nn.Linear(config.hidden, vocab_size)
    params = [*embed.parameters(), *lstm.parameters(), *decoder.parameters()]
    opt = torch.optim.Adam(params, lr=config.lr)
    # Lines of similar length share a batch, so little is padding; the batch order is shuffled.
    order = sorted(range(len(lines)), key=lambda i: len(lines[i]))
    batches = []
    for k in range(0, len(order), config.batch_lines):
        group = [lines[i] for i in order[k : k + config.batch_lines]]
        width = max(len(x) for x in group)
        x = torch.zeros(len(group), width - 1, dtype=torch.long)
        y = torch.full((len(group), width - 1), -100, dtype=torch.long)
        for r, ids in enumerate(group):
            x[r, : len(ids) - 1] = torch.tensor(ids[:-1])
            y[r, : len(ids) - 1] = torch.tensor(ids[1:])
        batches.append((x, y))
    gen = torch.Generator().manual_seed(config.seed)
    started = time.monotonic()
    for epoch in range(1, config.epochs + 1):
        total, count = 0.0, 0
        for b in torch.randperm(len(batches), generator=gen).tolist():
            x, y = batches[b]
            out, _ = lstm(embed(x))
            logits = decoder(out)
            loss = nn.functional.cross_entropy(logits.reshape(-1, vocab_size), y.reshape(-1),
                                               ignore_index=-100)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            n = int((y != -100).sum())
            total += float(loss.detach()) * n
            count += n
        if progress is not None:
            progress(epoch, total / max(1, count), time.monotonic() - started)
    with torch.no_grad():
        return SeedModel(
            embed=embed.weight.numpy().astype(np.float32).copy(),
            w_ih=lstm.weight_ih_l0.numpy().astype(np.float32).copy(),
            w_hh=lstm.weight_hh_l0.numpy().astype(np.float32).copy(),
            bias=(lstm.bias_ih_l0 + lstm.bias_hh_l0).numpy().astype(np.float32).copy(),
            dec_w=decoder.weight.numpy().astype(np.float32).copy(),
            dec_b=decoder.bias.numpy().astype(np.float32).copy(),
            config=config, seconds=time.monotonic() - started, epochs=config.epochs,
        )


def load_or_train(lines: Sequence[Sequence[int]], vocab_size: int, config: SeedConfig,
                  path: Path | None = None, *,
                  progress: Callable[[int, float, float], None] | None = None) -> SeedModel:
    """The seed's network for `lines`: the one saved at `path` when it was trained on them
    with `config` (training takes minutes), else trained now and saved there."""
    key = cache_key(lines, vocab_size, config)
    if path is not None and path.is_file():
        try:
            cached = SeedModel.load(path)
        except (OSError, ValueError, KeyError):
            cached = None
        if cached is not None and cached.key == key:
            return cached
    seed = train_seed(lines, vocab_size, config, progress=progress)
    seed.key = key
    if path is not None:
        seed.save(path)
    return seed


def seed_system(model: OnnxModel, seed_model: SeedModel, config: SuggestConfig) -> System:
    """The seed's network as a system `training.evaluate.compare` measures (its `extra`)."""
    from training.evaluate import SCORE_BLOCK, System, block_rows
    from training.ksr import RankedPredictor

    memo: dict[tuple[int, ...], np.ndarray] = {}

    def context_dist(tokens: list[Token]) -> np.ndarray:
        return context_dist_ids(model.lm.encode(current_line_words(tokens)))

    def dists(ids: list[int], tokens: list[Token]) -> Blocks:
        # Row k predicts tokens[k] (row 0 follows <doc>). The seed predicts words only, from
        # the words of their line so far; the other rows stay 0 and are never scored.
        step = block_rows(len(model.vocab))
        line_ids: list[int] = []
        for start in range(0, len(ids), step):
            out = np.zeros((min(step, len(ids) - start), len(model.vocab)))
            for pos in range(start, min(len(tokens), start + step)):
                t = tokens[pos]
                if t.kind == "newline":
                    line_ids = []
                elif t.is_word:
                    out[pos - start] = context_dist_ids(line_ids)
                    line_ids.append(model.lm.ids.get(t.norm, model.lm.unk_id))
            yield start, out

    # Lines repeat within a document, rarely across documents; the memo holds at most
    # SCORE_BLOCK probabilities (4096 rows of a 20k vocabulary would be 650 MB).
    most = max(16, SCORE_BLOCK // max(1, len(model.vocab)))

    def context_dist_ids(line_ids: list[int]) -> np.ndarray:
        key = tuple(line_ids)
        hit = memo.get(key)
        if hit is None:
            if len(memo) >= most:
                memo.clear()
            hit = memo[key] = seed_model.next_distribution(list(key))
        return hit

    pred = RankedPredictor("seed", model.vocab, context_dist, strip_size=config.strip_size,
                           ghost_threshold=config.ghost_threshold)
    return System("seed", "seed (per-line LSTM)", None, pred, dists, all_tokens=False)
