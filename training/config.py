"""Model and training settings: the one home of every default (CLI, API and GUI read them here).

Kept free of torch so the CLI can show defaults and the onnxruntime-only commands stay light.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

# The defaults the editor's training dialog also needs (it estimates a run's time and length
# without importing this package) have their one home there.
from editor.core.trainer import MAX_EPOCHS, MAX_VOCAB, TINY_TOKENS

SOFTMAX_CHOICES = ("auto", "full", "adaptive")
# From this many learnt entries on, softmax "auto" is the adaptive softmax (training/softmax.py).
AUTO_ADAPTIVE_VOCAB = 5000
DEVICE_CHOICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the network; the defaults are the CLI's defaults."""

    vocab_size: int = 0  # V: set from the corpus' vocabulary (ids 0 <unk>, 1 <doc>)
    embedding: int = 64  # E: size of a word vector
    hidden: int = 128  # H: LSTM units per layer (the state the editor visualises)
    layers: int = 1  # L: stacked LSTM layers
    # One rate for the three places dropout helps a word LSTM: on the embeddings, between
    # layers and on the LSTM output. 0 for tiny corpora such as the poem, which must be memorised.
    dropout: float = 0.0
    # Share the embedding matrix with the decoder (fewer parameters, often better perplexity).
    # When E != H a linear projection H -> E sits before the tied decoder.
    tie: bool = False
    # The output layer: "full" softmax over every word, "adaptive" (frequent words in a head,
    # rarer ones in clusters: training/softmax.py), or "auto": adaptive from
    # AUTO_ADAPTIVE_VOCAB learnt entries on. The exported file is the same either way.
    softmax: str = "auto"
    # The adaptive softmax's cluster boundaries, ending at the learnt vocabulary's size; () for
    # the full softmax. Set by the trainer from `softmax` once the vocabulary is known.
    cutoffs: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for name in ("embedding", "hidden", "layers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.softmax not in SOFTMAX_CHOICES:
            raise ValueError(f"softmax must be one of {', '.join(SOFTMAX_CHOICES)}, "
                             f"got {self.softmax!r}")
        # Checkpoints and JSON give lists back; a tuple keeps the config hashable and equal.
        object.__setattr__(self, "cutoffs", tuple(int(c) for c in self.cutoffs))

    @property
    def projected(self) -> bool:
        return self.tie and self.embedding != self.hidden

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class TrainConfig:
    """How to train; the defaults are the CLI's defaults and memorise the poem."""

    # The most epochs; early stopping or a solved corpus usually ends sooner.
    epochs: int = MAX_EPOCHS
    lr: float = 3e-3  # AdamW learning rate
    weight_decay: float = 0.0  # AdamW decoupled weight decay
    batch_size: int = 32  # parallel contiguous streams (fewer when the corpus is short)
    bptt: int = 128  # tokens per truncated-BPTT chunk
    clip: float = 1.0  # max global gradient norm
    seed: int = 1928  # for weights, dropout and everything else random
    min_count: int = 1  # rarer tokens become <unk>
    max_vocab: int = MAX_VOCAB  # at most this many entries, specials included (0: no limit)
    # Held-out share for early stopping; None: 10% when the corpus has at least
    # `tiny_tokens` tokens, none below (a poem must be learnt whole, not validated).
    val_fraction: float | None = None
    tiny_tokens: int = TINY_TOKENS
    patience: int = 3  # epochs without validation improvement before stopping
    lr_decay: float = 0.5  # learning rate factor after each epoch without improvement
    # Without validation: stop once accuracy has been 100% for `solved_epochs` epochs and the
    # loss is down to `solved_loss` (confident predictions: the editor's ghost text needs them).
    solved_epochs: int = 3
    solved_loss: float = 0.05
    doc_separator: str | None = None  # a line holding exactly this splits a file into documents
    threads: int = 0  # torch CPU threads; 0: automatic (see effective_threads)
    # Regularisation for text that must generalise rather than be memorised (ideas from AWD-LSTM,
    # Merity et al. 2017): DropConnect on the hidden-to-hidden weights, and whole word types
    # dropped from the embedding, both drawn afresh for every batch.
    weight_drop: float = 0.0
    embed_drop: float = 0.0
    variable_bptt: bool = False  # chunk lengths vary around `bptt`: chunk edges move every epoch
    # Words seen fewer times than this are learnt together as <unk>, then exported as entries
    # of their own that share its vector, each with a Good-Turing share of its probability: the
    # network does not spend itself on words it saw once, and the editor still completes them.
    # 1: off (every word is learnt on its own).
    rare_below: int = 1
    # Store an interpolated Kneser-Ney trigram in the model file; the editor mixes it with the
    # LSTM, with the weight that does best on the validation split (needs one).
    ngram: bool = False
    # Train this many networks from seeds seed, seed + 1, ... and merge them into one LSTM
    # (training/ensemble.py) whose logits are the mean of theirs. Costs K times the training
    # time and makes the model file about K times larger; on fortunes-br two members added
    # 0.3 points of top-3 accuracy and nothing to keystroke savings, so it is off by default.
    ensemble: int = 1

    def __post_init__(self) -> None:
        positive = ("epochs", "batch_size", "bptt", "patience", "solved_epochs", "min_count",
                    "rare_below", "ensemble")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.lr <= 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if self.val_fraction is not None and not 0 <= self.val_fraction < 1:
            raise ValueError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        for name in ("weight_drop", "embed_drop"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def effective_val_fraction(self, tokens: int) -> float:
        if self.val_fraction is not None:
            return self.val_fraction
        return 0.1 if tokens >= self.tiny_tokens else 0.0

    def effective_threads(self, hidden: int) -> int:
        """Threads for torch's CPU kernels.

        Small matrices gain nothing from more threads, and on shared cores an extra thread waits
        for its turn: training the poem took 0.6 s on one thread and up to 7 s on two while
        other processes ran. Only big layers get one thread per core (at most 4).
        """
        if self.threads > 0:
            return self.threads
        return 1 if hidden < 256 else max(1, min(4, os.cpu_count() or 1))


# Settings that do not change what is computed, so a resumed run may change them.
RESUMABLE = ("epochs", "threads")

# The defaults for corpora of `tiny_tokens` tokens or more, picked by the quality study on
# fortunes-br (about 50 000 tokens; docs/BENCHMARKS.md). Smaller corpora keep the dataclass
# defaults above, which learn the poem by heart.
CORPUS_DEFAULTS: dict[str, Any] = {
    "embedding": 256,
    "hidden": 256,
    "dropout": 0.4,
    "tie": True,
    "bptt": 35,
    "lr": 2e-3,
    "weight_drop": 0.5,
    "embed_drop": 0.1,
    "variable_bptt": True,
    "rare_below": 2,
    "ngram": True,
}


def fit_to_corpus(tokens: int, model: ModelConfig, train: TrainConfig,
                  explicit: Iterable[str] | None = None) -> tuple[ModelConfig, TrainConfig]:
    """The settings for a corpus of `tokens` tokens.

    From `tiny_tokens` tokens on, every setting in CORPUS_DEFAULTS that was neither given
    explicitly nor changed from its dataclass default takes the study's value.
    """
    if tokens < train.tiny_tokens:
        return model, train
    given = set(explicit or ())
    changes: list[dict[str, Any]] = [{}, {}]
    for k, (cfg, cls) in enumerate(((model, ModelConfig), (train, TrainConfig))):
        names = {f.name: f.default for f in fields(cls)}
        for name, value in CORPUS_DEFAULTS.items():
            if name in names and name not in given and getattr(cfg, name) == names[name]:
                changes[k][name] = value
    return replace(model, **changes[0]), replace(train, **changes[1])


