"""K LSTMs trained apart, merged into one ordinary LSTM that predicts with all of them.

An ensemble of networks trained from different seeds ranks the next word better than any one
of them (their errors differ), but the editor, the model format and the insight panel know one
LSTM. So the members are merged into a single `LanguageModel` whose state is every member's
state side by side:

- the embedding is the members' embeddings side by side (V x K·E);
- each layer's input and recurrent weights are block-diagonal, so member k's units only ever
  see member k's inputs and state (PyTorch orders the gates i, f, g, o over all K·H units, so
  each member's block goes into each of the four gate bands);
- the decoder reads all K·H units and outputs the mean of the members' logits, with the mean
  of their biases: softmax(mean of logits) is the normalised geometric mean of the members'
  distributions (a product of experts, each to the power 1/K).

With the adaptive softmax (training/softmax.py) the per-cluster vectors are averaged the same
way, so the head and every cluster are products of the members' distributions.

With tied weights the decoder is the embedding, which would give the *sum* of the logits; the
embedding is therefore divided by K and the first layer's input weights multiplied by K, which
leaves the LSTM's inputs exactly as they were.

The merged network costs K times the members' work per step (the zero blocks are multiplied
too), which on the editor's scale (one token per word, a few hundred units) stays well under
a millisecond per step.

A study (docs/BENCHMARKS.md, second round), not shipped in the wheel:

    python -m training.studies.ensemble CORPUS... --out MODEL.onnx --ensemble K [train options]

takes every `caminho-train train` option; `caminho-train export` makes a model of the merged
checkpoint it saves.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training.after_training import fit_ngram
from training.cache_tune import tune_cache
from training.checkpoint import save_checkpoint
from training.config import ModelConfig, TrainConfig
from training.corpus import Corpus
from training.loop import Trained, Trainer
from training.model import LanguageModel
from training.progress import EpochReport
from training.result import TrainResult

__all__ = ["main", "merge_models", "train_ensemble"]


def merge_models(members: Sequence[LanguageModel]) -> LanguageModel:
    """One LanguageModel whose logits are the mean of the members' logits (same configs)."""
    if not members:
        raise ValueError("no models to merge")
    config = members[0].config
    if any(m.config != config for m in members):
        raise ValueError("only models with the same settings can be merged")
    k = len(members)
    if k == 1:
        return members[0]
    e, h = config.embedding, config.hidden
    merged = LanguageModel(replace(config, embedding=k * e, hidden=k * h))
    # Tied: the decoder is the embedding, so 1/K goes there and K into what reads it.
    tie_scale = float(k) if config.tie else 1.0
    with torch.no_grad():
        for p in merged.parameters():
            p.zero_()  # every block off the diagonal stays zero
        for j, m in enumerate(members):
            merged.embed.weight[:, j * e : (j + 1) * e] = m.embed.weight / tie_scale
            for layer in range(config.layers):
                src = m.lstm_weights(layer)
                dst = merged.lstm_weights(layer)
                width = e if layer == 0 else h  # the layer's input size per member
                scale = tie_scale if layer == 0 else 1.0
                cols = slice(j * width, (j + 1) * width)
                hcols = slice(j * h, (j + 1) * h)
                for gate in range(src[0].shape[0] // h):  # 4 bands (LSTM), 3 (GRU), 1 (RNN)
                    rows_src = slice(gate * h, (gate + 1) * h)
                    rows_dst = slice(gate * k * h + j * h, gate * k * h + (j + 1) * h)
                    dst[0][rows_dst, cols] = src[0][rows_src] * scale
                    dst[1][rows_dst, hcols] = src[1][rows_src]
                    dst[2][rows_dst] = src[2][rows_src]
                    dst[3][rows_dst] = src[3][rows_src]
            if merged.proj is not None and m.proj is not None:
                merged.proj.weight[j * e : (j + 1) * e, j * h : (j + 1) * h] = m.proj.weight
                merged.proj.bias[j * e : (j + 1) * e] = m.proj.bias
            if not config.tie:
                merged.decoder.weight[:, j * h : (j + 1) * h] = m.decoder.weight / k
            merged.decoder.bias += m.decoder.bias / k
            if merged.adaptive is not None and m.adaptive is not None:
                # The cluster scores are averaged like the words' (training/softmax.py): the
                # head and each cluster are then products of the members' experts.
                merged.adaptive.cluster_weight[:, j * e : (j + 1) * e] = (
                    m.adaptive.cluster_weight / k)
                merged.adaptive.cluster_bias += m.adaptive.cluster_bias / k
    return merged.eval()


def train_ensemble(corpus: Corpus, model_config: ModelConfig, config: TrainConfig, *,
                   progress: Callable[[EpochReport], None] | None = None,
                   on_batch: Callable[[int, float], None] | None = None,
                   should_stop: Callable[[], bool] | None = None,
                   checkpoint: str | Path | None = None, checkpoint_optional: bool = False,
                   trained: Trained | None = None) -> TrainResult:
    """`config.ensemble` networks from seeds seed, seed + 1, ..., merged into one LSTM.

    Every member early-stops on the same validation split, so none of them has seen it, and
    the trigram's weight is then fitted for the merged network on that split. A stop on request
    ends the ensemble with the members trained so far. The merged network is saved to
    `checkpoint` before the trigram is fitted: `caminho-train export` makes a model of it
    (it cannot be resumed: members hold no optimizer state there).
    """
    results: list[TrainResult] = []
    for k in range(config.ensemble):
        # The members' trigram is left out: it is fitted once, for the merged network.
        member = replace(config, seed=config.seed + k, ensemble=1, ngram=False)
        results.append(Trainer(corpus, model_config, member).run(
            progress=progress, on_batch=on_batch, should_stop=should_stop))
        if results[-1].stopped.startswith("stopped on request"):
            break
    model = merge_models([r.model for r in results])
    # The usual keys hold the members' mean (the merged network is over the export vocabulary,
    # the validation stream over the learnt one); each member's own figures follow.
    metrics: dict[str, float] = {
        name: round(float(np.mean([r.metrics[name] for r in results])), 6)
        for name in results[0].metrics
    }
    metrics.update({f"member{k}_{name}": value for k, r in enumerate(results)
                    for name, value in r.metrics.items()})
    first = results[0]
    result = TrainResult(
        model=model, model_config=model.config, train_config=config, vocab=first.vocab,
        corpus_names=first.corpus_names, tokens=first.tokens,
        epochs=sum(r.epochs for r in results), seconds=sum(r.seconds for r in results),
        stopped=f"ensemble of {len(results)}: " + "; ".join(r.stopped for r in results),
        metrics=metrics, history=[h for r in results for h in r.history],
        validation=first.validation,
    )
    saved, problem = None, ""
    if checkpoint is not None:
        try:
            save_checkpoint(checkpoint, merged_checkpoint_data(result))
            saved = Path(checkpoint)
        except OSError as exc:
            if not checkpoint_optional:
                raise
            problem = exc.strerror or str(exc)
    if trained is not None:
        trained(saved, problem)
    if config.ngram and corpus.split.val is not None:
        result.ngram, facts = fit_ngram(model, corpus, config)
        metrics.update(facts)
    result.cache, facts = tune_cache(model, corpus, config, result.ngram)
    metrics.update(facts)
    return result


def merged_checkpoint_data(result: TrainResult) -> dict[str, Any]:
    """A finished ensemble as a checkpoint: exportable, not resumable (`finished`)."""
    return {
        "model_config": result.model_config.to_dict(),
        "train_config": result.train_config.to_dict(),
        "vocab": list(result.vocab.tokens),
        "surface": list(result.vocab.surface),
        "counts": list(result.vocab.counts),
        "corpus": list(result.corpus_names),
        "tokens": result.tokens,
        "model": result.model.state_dict(),
        "best_model": None,
        "epoch": result.epochs,
        "seconds": result.seconds,
        "history": result.history,
        "stopped": result.stopped,
        "metrics": dict(result.metrics),
        "finished": True,
    }


ENSEMBLE_OPTION = {"ensemble": (int, "train K networks from seeds SEED, SEED+1, ... and merge "
                                     "them into one LSTM averaging their logits (K times the "
                                     "time and file size)")}


def main(argv: list[str] | None = None) -> int:
    """`caminho-train train` with `--ensemble K`."""
    from training import cli

    cli.quiet_waiting_threads()
    parser = argparse.ArgumentParser(
        prog="python -m training.studies.ensemble",
        description="Train K networks from seeds SEED, SEED+1, ... and merge them into one "
                    "LSTM whose logits are their mean (a study: docs/BENCHMARKS.md).")
    cli.add_train_arguments(parser, ENSEMBLE_OPTION)
    return cli.run(cli.cmd_train, parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
