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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import torch

from training.model import LanguageModel

__all__ = ["merge_models"]


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
                for gate in range(4):
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
