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

from editor.core.modelfile import CELL_INPUTS, CELL_OUTPUTS, STEP_GRAPH_KEY
from training.cells import exportable
from training.model import LanguageModel, count_parameters, unrolled

__all__ = ["MAX_PARAMETERS", "STEP_GRAPH_KEY", "encode_step_graph", "step_graph"]

# Up to here a second copy costs under 4 MB (float32); the poem models hold 30k-110k.
MAX_PARAMETERS = 1_000_000


def step_graph(model: LanguageModel, opset: int) -> Any | None:
    """The one-token, one-sequence ONNX ModelProto of `model`, or None when it is too large."""
    if count_parameters(model) > MAX_PARAMETERS:
        return None
    from training.export import _quiet_exporter  # the exporter's logging hush, shared

    frozen = copy.deepcopy(model).eval().requires_grad_(False)
    module = exportable(frozen).eval()
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
