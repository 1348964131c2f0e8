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

from editor.core.modelfile import CELL_INPUTS, CELL_OUTPUTS, STEP_GRAPH_KEY, STEP_OUTPUTS
from training.cells import exportable
from training.model import LanguageModel, count_parameters, lstm_cell, unrolled

__all__ = ["MAX_PARAMETERS", "STEP_GRAPH_KEY", "encode_step_graph", "step_graph"]

# Up to here a second copy costs under 4 MB (float32); the poem models hold 30k-110k.
MAX_PARAMETERS = 1_000_000


class _OneStepLSTM(nn.Module):
    """The LSTM twin (training/model.py ExportableLSTM) for one token of one sequence, written
    with as few graph operators as possible: at this size each operator costs about as much as
    its arithmetic (onnxruntime's dispatch, an output buffer), so the graph's length is the step's
    price. Same weights and arithmetic up to float rounding; the parity check holds it to PyTorch
    and the editor to the main graph.

    Its outputs are the lean set `STEP_OUTPUTS` (editor/core/modelfile.py): logits [1, 1, V],
    h and c [L, 1, H], gates [1, 1, L·4H]; the editor reshapes them into the contract's (h_seq
    and c_seq are h and c in another shape, a free numpy view, where two more graph outputs
    cost about 2 µs a step)."""

    def __init__(self, model: LanguageModel) -> None:
        super().__init__()
        self.model = model
        self.layers = model.config.layers
        self.hidden = model.config.hidden
        w_ih, _, b_ih, b_hh = model.lstm_weights(0)
        vocab, embedding = model.embed.weight.shape
        gates = w_ih.shape[0]
        # The first layer's input projection of every token, biases included, as one table:
        # one Gather instead of Gather, MatMul and Add. Only where the table is no larger than
        # what it replaces (small vocabularies: the poem's 24 words).
        small = vocab * gates <= vocab * embedding + embedding * gates
        self.register_buffer("table", model.embed.weight @ w_ih.t() + (b_ih + b_hh)
                             if small else None)  # [V, 4H]
        # The output layer as one MatMul and one Add on [1, 1, H]; a projection or an adaptive
        # softmax goes through the model's own head.
        self.plain_head = model.proj is None and model.adaptive is None

    def forward(self, tokens: Tensor, h0: Tensor, c0: Tensor
                ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        m, n_layers, n_hidden = self.model, self.layers, self.hidden
        if self.table is not None:
            pre = nn.functional.embedding(tokens, self.table)  # [1, 1, 4H]: one Gather
        else:
            w_ih, _, b_ih, b_hh = m.lstm_weights(0)
            pre = m.embed(tokens) @ w_ih.t() + (b_ih + b_hh)
        hs, cs, gs = [], [], []
        for k in range(n_layers):
            h_prev = h0 if n_layers == 1 else h0[k : k + 1]  # [1, 1, H]
            c_prev = c0 if n_layers == 1 else c0[k : k + 1]
            x, c, (i, f, g, o) = lstm_cell(pre, h_prev, c_prev, m.lstm_weights(k)[1], n_hidden)
            hs.append(x)
            cs.append(c)
            gs += [i, f, g, o]
            if k + 1 < n_layers:
                w_ih, _, b_ih, b_hh = m.lstm_weights(k + 1)
                pre = x @ w_ih.t() + (b_ih + b_hh)
        if self.plain_head:
            logits = x @ m.decoder.weight.t() + m.decoder.bias  # [1, 1, V]
        else:
            logits = m.head(x.reshape(1, n_hidden)).reshape(1, 1, -1)
        h = hs[0] if n_layers == 1 else torch.cat(hs)  # [L, 1, H]
        c = cs[0] if n_layers == 1 else torch.cat(cs)
        return logits, h, c, torch.cat(gs, dim=-1)  # gates [1, 1, L·4H]


def step_graph(model: LanguageModel, opset: int, lean: bool = True) -> Any | None:
    """The one-token, one-sequence ONNX ModelProto of `model`, or None when it is too large.
    An LSTM's outputs the lean set (`STEP_OUTPUTS`) unless `lean` is false: then, as every
    other cell's and as the first step graphs did, the contract's own (the scan twin unrolled
    for one token; tests keep such files loading)."""
    if count_parameters(model) > MAX_PARAMETERS:
        return None
    from training.export import _quiet_exporter  # the exporter's logging hush, shared

    frozen = copy.deepcopy(model).eval().requires_grad_(False)
    cfg = model.config
    lean = lean and cfg.cell in STEP_OUTPUTS
    module = (_OneStepLSTM(frozen) if lean else exportable(frozen)).eval()
    inputs = CELL_INPUTS[cfg.cell]
    tokens = torch.zeros((1, 1), dtype=torch.long)
    cell = cfg.hidden if cfg.cell == "lstm" else 0
    states = [torch.zeros((cfg.layers, 1, cfg.hidden)),
              torch.zeros((cfg.layers, 1, cell))][: len(inputs) - 1]
    with _quiet_exporter(), unrolled():
        program = torch.onnx.export(
            module, (tokens, *states), None, dynamo=True, opset_version=opset,
            input_names=list(inputs), verbose=False,
            output_names=list((STEP_OUTPUTS if lean else CELL_OUTPUTS)[cfg.cell]),
        )
    proto = program.model_proto
    proto.producer_name = "caminho-train"
    return proto


def encode_step_graph(proto: Any) -> str:
    """The metadata value: base64 of the serialized graph."""
    return base64.b64encode(proto.SerializeToString()).decode("ascii")
