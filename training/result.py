"""What a training run returns (the trained network, its settings and figures) and the
`training` metadata the exported model carries (docs/MODEL_FORMAT.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from editor.core.modelfile import NgramModel
from editor.core.neural_cache import CacheParams
from training.config import ModelConfig, TrainConfig
from training.data import Vocabulary
from training.model import LanguageModel


@dataclass
class TrainResult:
    model: LanguageModel
    model_config: ModelConfig
    train_config: TrainConfig
    vocab: Vocabulary
    corpus_names: list[str]
    tokens: int
    epochs: int  # epochs completed, earlier sessions included
    seconds: float  # training time, earlier sessions included
    stopped: str  # why training ended
    metrics: dict[str, float]
    history: list[dict[str, Any]] = field(default_factory=list)
    solved_at: int | None = None  # first epoch of the final run of 100% epochs (no validation)
    validation: str = "none"  # how the validation set was held out: none, tails or documents
    ngram: NgramModel | None = None  # the trigram to store in the model file (config.ngram)
    cache: CacheParams | None = None  # the neural cache's tuned θ and λ (training/cache_tune.py)

    def facts(self) -> dict[str, Any]:
        """The `training` metadata of the exported model (docs/MODEL_FORMAT.md)."""
        return training_facts(
            corpus=self.corpus_names, tokens=self.tokens, epochs=self.epochs,
            seconds=self.seconds, model_config=self.model_config,
            train_config=self.train_config, metrics=self.metrics, stopped=self.stopped,
            validation=self.validation,
        )


def training_facts(*, corpus: list[str], tokens: int, epochs: int, seconds: float,
                   model_config: ModelConfig, train_config: TrainConfig,
                   metrics: dict[str, float], stopped: str = "",
                   validation: str = "") -> dict[str, Any]:
    hyper = {k: v for k, v in model_config.to_dict().items() if k != "vocab_size"}
    hyper.update({k: v for k, v in train_config.to_dict().items() if k != "threads"})
    return {
        "corpus": list(corpus),
        "tokens": tokens,
        "epochs": epochs,
        "seconds": round(seconds, 2),
        "seed": train_config.seed,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "metrics": metrics,
        "hyperparameters": hyper,
        "validation": validation,
        "stopped": stopped,
    }
