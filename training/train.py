"""`caminho-train train` from Python: read the corpus, fit the settings to it, train (or resume)
and finish the model; `finish_checkpoint` makes the model a checkpoint stands for.

The work is done in: training/corpus.py (the corpus, its vocabulary and split), training/loop.py
(the training loop), training/scoring.py (measuring a stream), training/after_training.py (rare
words and the trigram), training/cache_tune.py (the neural cache) and training/result.py (what a
run returns).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from training.after_training import fit_ngram
from training.budget import BUDGET_LR_SCALE, REGULARISATION_SETTINGS, make_budget
from training.cache_tune import tune_cache
from training.checkpoint import load_checkpoint
from training.config import RESUMABLE, ModelConfig, TrainConfig, fit_to_corpus
from training.corpus import load_corpus
from training.data import Document, Vocabulary
from training.distributed import Distributed
from training.errors import CheckpointError, CorpusError, TrainError
from training.loop import Trained, Trainer
from training.progress import EpochReport
from training.result import TrainResult
from training.stream import TokenStore, read_corpus


def resume_configs(data: dict[str, Any],
                   explicit: dict[str, Any]) -> tuple[ModelConfig, TrainConfig]:
    """The checkpoint's settings, with `epochs`/`threads` from the command line.

    Any other explicitly given setting must agree with the checkpoint: silently ignoring it would
    hide that the resumed run is not the run asked for.
    """
    saved_model = ModelConfig.from_dict(data["model_config"])
    saved_train = TrainConfig.from_dict(data["train_config"])
    for name, value in explicit.items():
        if name in RESUMABLE or value is None:
            continue
        saved = data["model_config"].get(name, data["train_config"].get(name, value))
        if saved != value:
            raise CheckpointError(
                f"--{name.replace('_', '-')} {value} differs from the checkpoint's {saved}; "
                "a resumed run keeps the checkpoint's settings (only --epochs may change)",
                code="checkpoint.setting_differs", option=f"--{name.replace('_', '-')}",
                value=value, saved=saved)
    overrides = {k: explicit[k] for k in RESUMABLE if explicit.get(k) is not None}
    return saved_model, replace(saved_train, **overrides)


def train(paths: Sequence[str | Path], model_config: ModelConfig | None = None,
          train_config: TrainConfig | None = None, *,
          checkpoint: str | Path | None = None, resume: str | Path | None = None,
          progress: Callable[[EpochReport], None] | None = None,
          on_batch: Callable[[int, float], None] | None = None,
          should_stop: Callable[[], bool] | None = None,
          explicit: dict[str, Any] | None = None,
          documents: list[Document] | TokenStore | None = None,
          trained: Trained | None = None,
          checkpoint_optional: bool = False,
          time_budget: float | None = None, started: float | None = None,
          dist: Distributed | None = None) -> TrainResult | None:
    """Train on corpus files (the API behind `caminho-train train`).

    `explicit`: the settings the user gave (resuming checks them against the checkpoint);
    `documents`: the files already read with `stream.read_corpus` (or `load_documents`; not
    with `resume`);
    `trained`: called once training is over and the checkpoint saved, before the steps that
    follow (evaluation, the trigram); `checkpoint_optional`: a checkpoint that cannot be
    written (a full disk) is reported to `trained` instead of ending the run;
    `time_budget`: seconds from `started` (time.monotonic(), default now) to a finished model
    (training/budget.py); `dist`: the device and, under torchrun, the other processes
    (training/distributed.py). Returns None in the processes other than the first.
    """
    model_config = model_config or ModelConfig()
    train_config = train_config or TrainConfig()
    data = None
    vocab = None
    if resume is not None:
        data = load_checkpoint(resume)
        model_config, train_config = resume_configs(data, explicit or {})
        vocab = Vocabulary(list(data["vocab"]), list(data["surface"]), list(data.get("counts", [])))
    else:
        if documents is None:
            documents = read_corpus(paths, separator=train_config.doc_separator)
        tokens = (documents.tokens if isinstance(documents, TokenStore)
                  else sum(len(d.tokens) for d in documents))
        # Settings the user left alone follow the corpus' size (config.CORPUS_DEFAULTS).
        model_config, train_config = fit_to_corpus(tokens, model_config, train_config, explicit)
    corpus = load_corpus(paths, train_config, vocab, None if resume is not None else documents)
    if len(corpus.split.train) < 2:
        raise CorpusError("corpus too small: nothing left to train on after the validation split",
                          code="corpus.nothing_left")
    budget = None
    if time_budget is not None:
        val = corpus.split.val
        budget = make_budget(
            time_budget, time.monotonic() if started is None else started,
            tokens=corpus.tokens, train_tokens=len(corpus.split.train),
            val_tokens=0 if val is None else val.scored, vocab=len(corpus.export_vocab),
            ngram=train_config.ngram)
        if budget.scheduled and resume is None and "lr" not in (explicit or {}):
            train_config = replace(train_config, lr=train_config.lr * BUDGET_LR_SCALE)
        budget.ease_regularisation = resume is None and not any(
            name in (explicit or {}) for name in REGULARISATION_SETTINGS)
    if train_config.ensemble > 1:
        if resume is not None:
            raise CheckpointError(
                "an ensemble cannot be resumed: its checkpoint holds the merged network, "
                "written once every member is trained; make a model of it with "
                "`caminho-train export`", code="checkpoint.ensemble_resume")
        if budget is not None or (dist is not None and dist.active):
            raise TrainError("an ensemble trains its networks one after the other: train it "
                             "without --time-budget and without torchrun",
                             code="options.ensemble_alone")
        try:  # a study (docs/BENCHMARKS.md), left out of the wheel
            from training.studies.ensemble import train_ensemble
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith("training.studies"):
                raise
            raise TrainError("ensembles are a study that needs Caminho's source tree: "
                             "python -m training.studies.ensemble",
                             code="setup.ensemble_needs_source") from None
        return train_ensemble(corpus, model_config, train_config, progress=progress,
                              on_batch=on_batch, should_stop=should_stop,
                              checkpoint=checkpoint, checkpoint_optional=checkpoint_optional,
                              trained=trained)
    trainer = Trainer(corpus, model_config, train_config, checkpoint_path=checkpoint, resume=data,
                      checkpoint_optional=checkpoint_optional, budget=budget, dist=dist)
    return trainer.run(progress=progress, on_batch=on_batch, should_stop=should_stop,
                       trained=trained)


def finish_checkpoint(checkpoint: str | Path, paths: Sequence[str | Path]) -> TrainResult:
    """The model a checkpoint stands for, as `train` would have returned it: its best weights,
    with the rare words put back and the trigram fitted, both of which need the corpus."""
    data = load_checkpoint(checkpoint)
    model_config, train_config = resume_configs(data, {})
    vocab = Vocabulary(list(data["vocab"]), list(data["surface"]), list(data.get("counts", [])))
    corpus = load_corpus(paths, train_config, vocab, None)
    if not data.get("finished"):
        return Trainer(corpus, model_config, train_config, resume=data).result()
    # A merged ensemble: already over the whole vocabulary, only the trigram is left to fit.
    from training.export import model_from_checkpoint

    if data.get("tokens") != corpus.tokens:
        raise CheckpointError(
            f"the checkpoint was trained on {data.get('tokens')} tokens, this corpus has "
            f"{corpus.tokens}: give the corpus files it was trained on",
            code="checkpoint.wrong_corpus", tokens=data.get("tokens"), corpus_tokens=corpus.tokens)
    model = model_from_checkpoint(data)
    metrics = dict(data.get("metrics") or {})
    ngram = None
    if train_config.ngram and corpus.split.val is not None:
        ngram, facts = fit_ngram(model, corpus, train_config)
        metrics.update(facts)
    # θ and λ as training tunes them, so an exported checkpoint (an ensemble's too) has the
    # same cache as a model written by `train`.
    cache, facts = tune_cache(model, corpus, train_config, ngram)
    metrics.update(facts)
    return TrainResult(
        model=model, model_config=model.config, train_config=train_config, vocab=corpus.vocab,
        corpus_names=corpus.names, tokens=corpus.tokens, epochs=int(data["epoch"]),
        seconds=float(data.get("seconds", 0.0)), stopped=str(data.get("stopped", "")),
        metrics=metrics, history=list(data.get("history", [])),
        validation=corpus.split.how, ngram=ngram, cache=cache,
    )


def needs_corpus(train_config: TrainConfig) -> bool:
    """Whether exporting a checkpoint without its corpus would leave something out."""
    return train_config.rare_below > 1 or train_config.ngram
