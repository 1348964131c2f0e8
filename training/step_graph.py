"""The one-token step graph that small model files carry for the editor's keystrokes (issue 18).

The main graph steps time with an ONNX `Scan` (any number of tokens, every internal an
output). For one token onnxruntime then pays the loop's own frame, the `If` of the panel
switch and the copies between them: on the poem model that is most of a step (51 µs against
30 µs for the same cell written out, `benchmarks/step_graphs.py`). So a small model's file
also carries the same twin exported for exactly one token of one sequence, its loop unrolled:
no `Scan`, no `If`, the same outputs (gates included, so the insight panel gets them too).

It is stored in the metadata under `step_graph` (docs/MODEL_FORMAT.md) as base64 of a
serialized ONNX model: the file stays one file, and editors that do not know the key ignore it.
The step graph holds its own copy of the weights, so only models up to `MAX_PARAMETERS` carry
it; on large models the output layer is most of a step and a second copy would double the file.
`check_parity` (training/export.py) compares it with PyTorch, and the editor compares it with the
main graph on every load (editor/core/lm.py).
"""

from __future__ import annotations

import base64
import copy
from typing import Any

import torch
from torch import Tensor, nn

from editor.core.modelfile import CELL_INPUTS, CELL_OUTPUTS, STEP_GRAPH_KEY
from training.cells import exportable
from training.model import LanguageModel, count_parameters, lstm_cell, unrolled

__all__ = ["MAX_PARAMETERS", "STEP_GRAPH_KEY", "encode_step_graph", "step_graph"]

# Up to here a second copy costs under 4 MB (float32); the poem models hold 30k-110k.
MAX_PARAMETERS = 1_000_000


class _OneStepLSTM(nn.Module):
    """The LSTM twin (training/model.py ExportableLSTM) for one token of one sequence, written
    with as few graph operators as the contract's outputs allow: the general twin unrolled
    for T = 1 still slices, stacks and permutes as for any length (about 35 operators against
    25, 65 µs against 52 on the poem model). Same weights, same arithmetic; the parity check
    holds it to PyTorch and the editor to the main graph."""

    def __init__(self, model: LanguageModel) -> None:
        super().__init__()
        self.model = model
        self.layers = model.config.layers
        self.hidden = model.config.hidden

    def forward(self, tokens: Tensor, h0: Tensor, c0: Tensor
                ) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
        m, n_layers, n_hidden = self.model, self.layers, self.hidden
        x = m.embed(tokens[0])  # [1, E]
        hs, cs, gs = [], [], []
        for k in range(n_layers):
            w_ih, w_hh, b_ih, b_hh = m.lstm_weights(k)
            x, c, (i, f, g, o) = lstm_cell(x @ w_ih.t() + (b_ih + b_hh), h0[k], c0[k], w_hh,
                                           n_hidden)
            hs.append(x)
            cs.append(c)
            gs.append(torch.cat((i, f, g, o), dim=-1))
        h_new, c_new = torch.stack(hs), torch.stack(cs)  # [L, 1, H]
        logits = m.head(x).reshape(1, 1, -1)  # [1, 1, V]
        # With one sequence [L, 1, H] is [1, 1, L, H] in memory: reshapes, no transposes.
        return (logits, h_new, c_new, h_new.reshape(1, 1, n_layers, n_hidden),
                c_new.reshape(1, 1, n_layers, n_hidden),
                torch.stack(gs).reshape(1, 1, n_layers, 4, n_hidden))


def step_graph(model: LanguageModel, opset: int) -> Any | None:
    """The one-token, one-sequence ONNX ModelProto of `model`, or None when it is too large."""
    if count_parameters(model) > MAX_PARAMETERS:
        return None
    from training.export import _quiet_exporter  # the exporter's logging hush, shared

    frozen = copy.deepcopy(model).eval().requires_grad_(False)
    module = (_OneStepLSTM(frozen) if model.config.cell == "lstm" else exportable(frozen)).eval()
    cfg = model.config
    inputs = CELL_INPUTS[cfg.cell]
    tokens = torch.zeros((1, 1), dtype=torch.long)
    cell = cfg.hidden if cfg.cell == "lstm" else 0
    states = [torch.zeros((cfg.layers, 1, cfg.hidden)),
              torch.zeros((cfg.layers, 1, cell))][: len(inputs) - 1]
    with _quiet_exporter(), unrolled():
        program = torch.onnx.export(
            module, (tokens, *states), None, dynamo=True, opset_version=opset,
            input_names=list(inputs), output_names=list(CELL_OUTPUTS[cfg.cell]), verbose=False,
        )
    proto = program.model_proto
    proto.producer_name = "caminho-train"
    return proto


def encode_step_graph(proto: Any) -> str:
    """The metadata value: base64 of the serialized graph."""
    return base64.b64encode(proto.SerializeToString()).decode("ascii")
