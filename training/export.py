"""PyTorch model -> the self-describing ONNX file of docs/MODEL_FORMAT.md, checked with onnxruntime."""

from __future__ import annotations

import contextlib
import copy
import logging
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from editor.core.lm import expand_step, open_step_graph
from editor.core.modelfile import (
    CELL_GATES,
    CELL_INPUTS,
    CELL_OUTPUTS,
    LEAN_INPUT,
    STEP_GRAPH_KEY,
    metadata_props,
)
from editor.core.tokenizer import DOC, NEWLINE, UNK
from training.cells import exportable
from training.checkpoint import atomic_write, load_checkpoint
from training.errors import CheckpointError, ExportError
from training.fastpath import add_last_only_input
from training.lean_step import add_lean_input
from training.model import LanguageModel, ModelConfig
from training.step_graph import encode_step_graph, step_graph

OPSET = 18
INPUT_NAMES = CELL_INPUTS["lstm"]  # the LSTM's graph; CELL_INPUTS has every cell's
OUTPUT_NAMES = CELL_OUTPUTS["lstm"]
TOLERANCE = 1e-4  # max abs difference allowed between onnxruntime and PyTorch
PARITY_LENGTHS = (1, 5, 37)


@dataclass
class ExportReport:
    path: Path
    bytes: int
    seconds: float
    parity: dict[str, float] = field(default_factory=dict)  # output -> max abs diff (worst case)

    @property
    def max_diff(self) -> float:
        return max(self.parity.values(), default=0.0)


def metadata(vocab: Sequence[str], surface: Sequence[str], config: ModelConfig,
             training: dict[str, Any], language: str | None = None) -> dict[str, str]:
    """The `metadata_props` of docs/MODEL_FORMAT.md (all values strings, JSON where noted)."""
    if len(vocab) != config.vocab_size or len(surface) != len(vocab):
        raise ExportError(
            f"vocabulary of {len(vocab)} entries, {len(surface)} surface forms and a model for "
            f"{config.vocab_size} tokens do not agree", code="export.vocab_mismatch",
            entries=len(vocab), surface=len(surface), tokens=config.vocab_size)
    if list(vocab[:2]) != [UNK, DOC]:
        raise ExportError(f"vocabulary must start with {UNK!r}, {DOC!r}", code="export.vocab_start",
                          first=repr(UNK), second=repr(DOC))
    sizes = {"vocab": config.vocab_size, "embedding": config.embedding,
             "hidden": config.hidden, "layers": config.layers}
    return metadata_props(vocab, surface, sizes, training, language, cell=config.cell)


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """The dynamo exporter logs warnings about unrelated libraries (torchvision ops); hush them."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def to_onnx(model: LanguageModel, opset: int = OPSET) -> Any:
    """Trace the scan-based twin of `model` into an ONNX ModelProto with dynamic B and T."""
    # A copy without gradients: tracing `scan` with autograd on fails in torch 2.13
    # ("'SymInt' object has no attribute 'unsqueeze'"), and the caller's model stays trainable.
    frozen = copy.deepcopy(model).eval().requires_grad_(False)
    module = exportable(frozen).eval()
    cfg = model.config
    inputs = CELL_INPUTS[cfg.cell]
    # Example sizes other than 1, so the exporter cannot specialise B or T to a constant.
    tokens = torch.zeros((2, 3), dtype=torch.long)
    states = [torch.zeros((cfg.layers, 2, cfg.hidden)) for _ in inputs[1:]]  # h0 (and c0)
    batch = torch.export.Dim("B", min=1, max=1 << 16)
    steps = torch.export.Dim("T", min=1, max=1 << 24)
    dynamic = {"tokens": {0: batch, 1: steps}, **{name: {1: batch} for name in inputs[1:]}}
    with _quiet_exporter():
        program = torch.onnx.export(
            module,
            (tokens, *states),
            None,
            dynamo=True,
            opset_version=opset,
            input_names=list(inputs),
            output_names=list(CELL_OUTPUTS[cfg.cell]),
            dynamic_shapes=dynamic,
            verbose=False,
        )
    return program.model_proto


def export_model(model: LanguageModel, path: str | Path, *, vocab: Sequence[str],
                 surface: Sequence[str] | None = None, training: dict[str, Any] | None = None,
                 check: bool = True, lengths: Sequence[int] = PARITY_LENGTHS,
                 language: str | None = None, step: bool = True) -> ExportReport:
    """Write `model` as a Caminho ONNX file (atomically) and, with `check`, prove parity.

    With `step`, a small model also carries its one-token graph (training/step_graph.py; a
    few seconds more: test fixtures leave it out unless they test it)."""
    started = time.monotonic()
    path = Path(path)
    proto = add_last_only_input(to_onnx(model))  # the editor scores the last position only
    if model.config.cell == "lstm":  # and steps the fused LSTM while the panel is hidden
        add_lean_input(proto, [[t.detach().cpu().numpy() for t in model.lstm_weights(k)]
                               for k in range(model.config.layers)])
    meta = metadata(vocab, surface if surface is not None else vocab, model.config, training or {},
                    language)
    step_proto = step_graph(model, OPSET) if step else None
    if step_proto is not None:
        meta[STEP_GRAPH_KEY] = encode_step_graph(step_proto)
    del proto.metadata_props[:]
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.producer_name = "caminho-train"
    blob = proto.SerializeToString()

    def write(tmp: str) -> None:
        Path(tmp).write_bytes(blob)
        if check:
            # Checked before it replaces anything: a wrong file never lands at `path`.
            report.parity = check_parity(model, tmp, lengths=lengths)

    report = ExportReport(path, len(blob), 0.0)
    atomic_write(path, write)
    report.seconds = time.monotonic() - started
    return report


def session(path: str | Path) -> Any:
    """An onnxruntime session on one thread, as the editor runs it."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def check_parity(model: LanguageModel, onnx_path: str | Path, *,
                 lengths: Sequence[int] = PARITY_LENGTHS, batch: int = 2, seed: int = 0,
                 tolerance: float = TOLERANCE) -> dict[str, float]:
    """Max abs difference per output between onnxruntime and PyTorch; ExportError if too big.

    Every length is run whole from a random state and one token at a time from a zero state
    with the state carried; PyTorch's side is the scan twin, itself checked against the fused
    layer (`nn.LSTM`, `nn.GRU` or `nn.RNN`, reported under that name). The outputs are the
    cell's own (training/cells.py). A file with the `internals` input runs both ways again
    without internals (reported as "lean": logits and states; c_seq too for one token).
    """
    sess = session(onnx_path)
    lean = LEAN_INPUT in {i.name for i in sess.get_overridable_initializers()}
    step_sess = open_step_graph(sess)  # small models only (training/step_graph.py)
    cfg = model.config
    inputs, outputs = CELL_INPUTS[cfg.cell], CELL_OUTPUTS[cfg.cell]
    states = inputs[1:]  # ("h0", "c0") or ("h0",)
    reference = exportable(copy.deepcopy(model).eval()).eval()
    fused = copy.deepcopy(model).eval()
    fused_name = f"nn.{type(fused.lstm).__name__}"
    gen = torch.Generator().manual_seed(seed)
    worst = {name: 0.0 for name in outputs}
    worst[fused_name] = 0.0
    if lean:
        worst["lean"] = 0.0
    if step_sess is not None:
        worst["step graph"] = 0.0
        step_names = [o.name for o in step_sess.get_outputs()]
        gate_count = len(CELL_GATES[cfg.cell])
    lean_outputs = ("logits", "h", "c", "h_seq")

    def note(name: str, a: np.ndarray, b: np.ndarray) -> None:
        if a.shape != b.shape:
            raise ExportError(f"ONNX output {name} has shape {a.shape}, PyTorch {b.shape}",
                              code="export.shape_mismatch", output=name, onnx=a.shape,
                              torch=b.shape)
        worst[name] = max(worst[name], float(np.max(np.abs(a - b))) if a.size else 0.0)

    shape = (cfg.layers, batch, cfg.hidden)
    empty_c = torch.zeros((cfg.layers, batch, 0))  # what a cell without c carries
    last_state = ("h", "c")  # outputs that are the state after the last token, not per step
    for length in lengths:
        tokens = torch.randint(0, cfg.vocab_size, (batch, length), generator=gen)
        start = [torch.randn(shape, generator=gen) * 0.5 for _ in states]
        with torch.no_grad():
            ref = [t.numpy() for t in reference(tokens, *start)]
            logits, (h, c) = fused(tokens, (start[0], start[1] if len(start) > 1 else empty_c))
        note(fused_name, ref[0], logits.numpy())
        note(fused_name, ref[1], h.numpy())
        if "c" in outputs:
            note(fused_name, ref[2], c.numpy())
        feed = {"tokens": tokens.numpy(), **{n: s.numpy() for n, s in zip(states, start,
                                                                          strict=True)}}
        whole = sess.run(list(outputs), feed)
        for name, got, want in zip(outputs, whole, ref, strict=True):
            note(name, got, want)
        if lean:
            fast = sess.run(list(lean_outputs), {**feed, LEAN_INPUT: np.array(False)})
            for got, want in zip(fast, ref, strict=False):
                note("lean", got, want)
        # One token at a time from a zero state, as the editor feeds keystrokes.
        zero = torch.zeros(shape)
        with torch.no_grad():
            ref = [t.numpy() for t in reference(tokens, *(zero for _ in states))]
        carried = {n: zero.numpy() for n in states}
        steps: list[list[np.ndarray]] = []
        lean_carried = dict(carried)
        for t in range(length):
            out = sess.run(list(outputs), {"tokens": tokens[:, t : t + 1].numpy(), **carried})
            if step_sess is not None:  # one sequence at a time, as the editor types
                for row in range(batch):
                    feed_row = {n: v[:, row : row + 1] for n, v in carried.items()}
                    feed_row["tokens"] = tokens[row : row + 1, t : t + 1].numpy()
                    got_all = step_sess.run(step_names, feed_row)
                    if step_names != list(outputs):  # the lean set (STEP_OUTPUTS)
                        got_all = expand_step(got_all, gate_count)
                    for k, got in enumerate(got_all):
                        name = outputs[k]
                        want = out[k][:, row : row + 1] if name in last_state else \
                            out[k][row : row + 1]
                        note("step graph", got, want)
            carried = {f"{n}0": out[outputs.index(n)] for n in ("h", "c") if n in outputs}
            steps.append(out)
            if lean:  # step by step as the editor types with the panel hidden
                fast = sess.run(list(lean_outputs), {"tokens": tokens[:, t : t + 1].numpy(),
                                                     **lean_carried, LEAN_INPUT: np.array(False)})
                lean_carried = {"h0": fast[1], "c0": fast[2]}
                for k in range(len(lean_outputs)):
                    note("lean", fast[k], out[k])
        for k, name in enumerate(outputs):
            if name in last_state:
                note(name, steps[-1][k], ref[k])
            else:
                note(name, np.concatenate([s[k] for s in steps], axis=1), ref[k])
    bad = {k: v for k, v in worst.items() if not v <= tolerance}
    if bad:
        detail = ", ".join(f"{k} {v:.2e}" for k, v in bad.items())
        raise ExportError(f"the ONNX model differs from PyTorch by more than {tolerance}: {detail}",
                          code="export.parity", tolerance=tolerance, detail=detail)
    return worst


def model_from_checkpoint(data: dict[str, Any]) -> LanguageModel:
    config = ModelConfig.from_dict(data["model_config"])
    model = LanguageModel(config)
    weights = data.get("best_model") or data["model"]
    try:
        model.load_state_dict(weights)
    except (RuntimeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CheckpointError(f"the checkpoint's weights do not fit its settings ({exc})",
                              code="checkpoint.weights_mismatch", reason=exc) from None
    return model.eval()


def export_checkpoint(checkpoint: str | Path, out: str | Path, *, check: bool = True,
                      language: str | None = None) -> ExportReport:
    """`caminho-train export`: a checkpoint (finished or not) -> ONNX file."""
    from training.config import TrainConfig
    from training.result import training_facts

    data = load_checkpoint(checkpoint)
    model = model_from_checkpoint(data)
    history = data.get("history") or []
    last = history[-1] if history else {}
    metrics = {f"last_epoch_{k}": last[k] for k in ("loss", "accuracy", "val_loss", "val_accuracy")
               if last.get(k) is not None}
    if data.get("finished") and isinstance(data.get("metrics"), dict):
        metrics = dict(data["metrics"])  # a merged ensemble: measured when it was saved
    try:
        facts = training_facts(
            corpus=list(data.get("corpus", [])), tokens=int(data.get("tokens", 0)),
            epochs=int(data["epoch"]), seconds=float(data.get("seconds", 0.0)),
            model_config=model.config, train_config=TrainConfig.from_dict(data["train_config"]),
            metrics=metrics, stopped=str(data.get("stopped", "")) or "exported from a checkpoint",
        )
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{checkpoint} holds damaged training facts ({exc})",
                              code="checkpoint.damaged_facts", path=checkpoint,
                              reason=exc) from None
    if language is None:
        from editor.core.language import detect_language

        language = detect_language(data["vocab"])
    return export_model(model, out, vocab=data["vocab"], surface=data["surface"],
                        training=facts, check=check, language=language)


def random_vocab(size: int) -> list[str]:
    """Specials, a line break, punctuation, then made-up words, `size` entries in all."""
    base = [UNK, DOC, NEWLINE, ".", ",", "o", "a", "de", "que", "e"]
    if size < 3:
        raise ValueError("a vocabulary needs at least <unk>, <doc> and one token")
    words = [f"palavra{k}" for k in range(max(0, size - len(base)))]
    return (base + words)[:size]


def random_model(vocab_size: int, *, embedding: int = 64, hidden: int = 128, layers: int = 1,
                 seed: int = 0, tie: bool = False, cell: str = "lstm") -> LanguageModel:
    """Random weights, the same for the same arguments (what `export_random_model` exports)."""
    torch.manual_seed(seed)
    config = ModelConfig(vocab_size=vocab_size, embedding=embedding, hidden=hidden,
                         layers=layers, tie=tie, cell=cell)
    model = LanguageModel(config).eval()
    with torch.no_grad():  # livelier than the init: a visualisation gets something to show
        for p in model.lstm.parameters():
            p.mul_(3.0)
    return model


def export_random_model(path: str | Path, vocab: int | Sequence[str] = 200, *,
                        embedding: int = 64, hidden: int = 128, layers: int = 1,
                        seed: int = 0, tie: bool = False, check: bool = False,
                        cell: str = "lstm", step: bool = False) -> Path:
    """A valid Caminho model file with random weights: a fixture for editor tests and benchmarks.

    `vocab` is a size (made-up words) or the entries themselves (ids 0 and 1 must be
    "<unk>" and "<doc>"). Large sizes (vocab 10k+, hidden 512+) export in a few seconds.
    """
    tokens = random_vocab(vocab) if isinstance(vocab, int) else list(vocab)
    model = random_model(len(tokens), embedding=embedding, hidden=hidden, layers=layers,
                         seed=seed, tie=tie, cell=cell)
    facts = {"corpus": [], "tokens": 0, "epochs": 0, "seconds": 0.0, "seed": seed,
             "created": "", "metrics": {}, "hyperparameters": model.config.to_dict(),
             "random": True}
    export_model(model, path, vocab=tokens, training=facts, check=check, step=step)
    return Path(path)
