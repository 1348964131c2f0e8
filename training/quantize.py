"""int8 models: onnxruntime's dynamic quantization of a Caminho model file (`export --int8`).

The matrix products outside the recurrence (the input projection and the output layer, which
reads a [hidden × vocabulary] matrix on every step and dominates a large model's step) and the
embedding table get 8-bit weights with one scale per matrix; activations are quantized on the
fly at each run ("dynamic" quantization, no calibration text needed). The recurrent matrix
inside the `Scan` stays float: onnxruntime's quantizer does not enter that subgraph. The file
stays a Caminho model: same outputs and metadata, plus a `quantization` entry; any editor that
reads the float file reads this one. It has no `internals` input: the fused-LSTM branch is taken
out before quantizing (training/lean_step.py says why), and an int8 file always runs whole. Size, speed and quality against the float
file: docs/BENCHMARKS.md (benchmarks/int8.py).
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from editor.core.modelfile import FORMAT_KEY, LEAN_INPUT, QUANTIZATION_KEY, STEP_GRAPH_KEY
from training.checkpoint import atomic_write
from training.errors import ExportError
from training.lean_step import remove_lean_input

OPS = ("MatMul", "Gather")
# `--weights auto` quantizes a model whose output layer has at least this many weights
# (vocabulary × hidden units): there the [hidden × vocabulary] matrix dominates a step and int8
# halves it (docs/BENCHMARKS.md: the fortunes model, 7 984 × 256, lost 0.02 points of top-3 and
# stepped 1.6× faster). Below it a step is mostly onnxruntime's own overhead and the file is
# small anyway: the poem model (24 × 128) stays float.
INT8_FROM_WEIGHTS = 1_000_000
# With `auto`, an int8 file that moves some token's probability by more than this on the probe
# is discarded and the float file kept: quantization went wrong for this model.
MAX_AUTO_PROB_SHIFT = 0.1
WEIGHT_CHOICES = ("auto", "float", "int8")


def wants_int8(choice: str, vocab_size: int, hidden: int) -> bool:
    """Whether `--weights choice` quantizes a model of these sizes."""
    if choice == "auto":
        return vocab_size * hidden >= INT8_FROM_WEIGHTS
    return choice == "int8"


@dataclass
class QuantizeReport:
    path: Path
    bytes_before: int
    bytes_after: int
    max_prob_diff: float  # largest |P_int8 - P_float| of any token on a short probe text
    top1_agreement: float  # share of probe positions where both rank the same token first
    kept_float: bool = False  # the int8 file was worse than allowed and was not written


def quantize_file(src: str | Path, dst: str | Path | None = None, *,
                  max_prob_shift: float | None = None) -> QuantizeReport:
    """Write the int8 version of the Caminho model `src` to `dst` (default: replace `src`),
    atomically, and compare the two on a probe sequence. With `max_prob_shift`, an int8 file
    that moves a probability further than that is not written (`report.kept_float`)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    src = Path(src)
    dst = Path(dst) if dst is not None else src
    before = src.stat().st_size
    model = onnx.load(str(src))
    meta = {p.key: p.value for p in model.metadata_props}
    if FORMAT_KEY not in meta:
        raise ExportError(f"{src.name} is not a Caminho model (no 'caminho_format' metadata)",
                          code="model.not_caminho", name=src.name)
    if QUANTIZATION_KEY in meta:
        raise ExportError(f"{src.name} is already quantized ({meta[QUANTIZATION_KEY]})",
                          code="model.already_quantized", name=src.name,
                          scheme=meta[QUANTIZATION_KEY])
    with tempfile.TemporaryDirectory(dir=dst.parent) as tmp:
        raw = Path(tmp) / "int8.onnx"
        if LEAN_INPUT in {i.name for i in model.graph.input}:
            plain = Path(tmp) / "whole.onnx"  # the quantizer cannot follow names into the branch
            plain.write_bytes(remove_lean_input(model).SerializeToString())
            src_graph = plain
        else:
            src_graph = src
        logger = logging.getLogger()  # the quantizer warns through the root logger
        level = logger.level
        logger.setLevel(logging.ERROR)
        try:
            quantize_dynamic(str(src_graph), str(raw), op_types_to_quantize=list(OPS),
                             weight_type=QuantType.QInt8, per_channel=False)
        finally:
            logger.setLevel(level)
        quantized = onnx.load(str(raw))
        # The float step graph would not agree with int8 weights (the editor would drop it
        # on load): it goes, as the lean branch did.
        meta.pop(STEP_GRAPH_KEY, None)
        del quantized.metadata_props[:]
        for key, value in {**meta, QUANTIZATION_KEY: json.dumps({
                "method": "onnxruntime dynamic quantization", "weights": "int8",
                "per_channel": False, "ops": list(OPS)})}.items():
            entry = quantized.metadata_props.add()
            entry.key, entry.value = key, value
        blob = quantized.SerializeToString()
        probe = Path(tmp) / "probe.onnx"
        probe.write_bytes(blob)
        max_diff, agreement = compare_models(src, probe)
    if max_prob_shift is not None and max_diff > max_prob_shift:
        return QuantizeReport(src, before, len(blob), max_diff, agreement, kept_float=True)
    atomic_write(dst, lambda tmp_path: Path(tmp_path).write_bytes(blob))
    return QuantizeReport(dst, before, len(blob), max_diff, agreement)


def compare_models(float_path: Path, int8_path: Path, length: int = 64, seed: int = 0
                   ) -> tuple[float, float]:
    """(max |ΔP|, top-1 agreement) of two models of one vocabulary on a random token run."""
    from editor.core.lm import LanguageModel
    from editor.core.suggest import softmax

    a, b = LanguageModel.load(float_path), LanguageModel.load(int8_path)
    ids = np.random.default_rng(seed).integers(2, a.info.vocab_size, length)
    out_a, out_b = a.run(ids, *a.zero_state()), b.run(ids, *b.zero_state())
    p_a = np.stack([softmax(row) for row in out_a.logits])
    p_b = np.stack([softmax(row) for row in out_b.logits])
    agree = float(np.mean(p_a.argmax(axis=1) == p_b.argmax(axis=1)))
    return float(np.abs(p_a - p_b).max()), agree
