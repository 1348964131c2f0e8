"""The language model as the editor sees it: one ONNX file run with onnxruntime.

`LanguageModel.load()` reads and checks the self-describing file (docs/MODEL_FORMAT.md); every
way a file can be wrong becomes a `ModelError` whose message a user can act on.
"""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from editor.core.modelfile import (
    CELL_GATES,
    CELL_INPUTS,
    CELL_KEY,
    CELL_OUTPUTS,
    CELL_TITLES,
    ENTRY_NAMES,
    FORMAT_KEY,
    FORMAT_VERSION,
    LANGUAGE_KEY,
    LAST_ONLY_INPUT,
    LEAN_INPUT,
    REQUIRED_KEYS,
    STEP_GRAPH_KEY,
    STEP_OUTPUTS,
)
from editor.core.tokenizer import DOC, TOKENIZER_VERSION, UNK

_TRUE = np.array(True)  # fed as LAST_ONLY_INPUT
_FALSE = np.array(False)  # fed as LEAN_INPUT
MAX_STATE = 1 << 24  # layers × hidden, vocab: a 64 MB state, far beyond any real model


class ModelError(Exception):
    """A model file that cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class ModelInfo:
    """What the file says about itself."""

    path: Path
    format_version: int
    vocab: list[str]
    surface: list[str]  # most frequent written form of each vocab entry
    tokenizer: dict[str, Any]
    layers: int
    hidden: int
    embedding: int
    training: dict[str, Any] = field(default_factory=dict)
    language: str | None = None  # the optional `language` key: the corpus language, e.g. "pt"
    cell: str = "lstm"  # "lstm", "gru" or "rnn" (metadata `cell`; absent in format 1: lstm)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def has_cell(self) -> bool:
        """Whether the model has a cell state c (only the LSTM); others run with an empty one."""
        return self.cell == "lstm"

    @property
    def gate_names(self) -> tuple[str, ...]:
        """The rows of `RunOutput.gates`: the LSTM's four, the GRU's three, none for the RNN."""
        return CELL_GATES[self.cell]

    @property
    def cell_title(self) -> str:
        return CELL_TITLES[self.cell]

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)


@dataclass
class RunOutput:
    """One run over T tokens for a single sequence (batch axis removed).

    A cell without c (GRU, RNN) gives c [L, 1, 0] and c_seq [T, L, 0]; one without gates (RNN)
    gives gates [T, L, 0, H]: empty arrays of the right rank, so state tracking stays the same
    for every cell and only the views that need c or gates must ask `ModelInfo.has_cell` /
    `gate_names`.
    """

    logits: np.ndarray  # [T, V]; [1, V] (the last position) when run with last_only
    h: np.ndarray  # [L, 1, H] state after the last token
    c: np.ndarray  # [L, 1, H] (LSTM) or [L, 1, 0]
    h_seq: np.ndarray  # [T, L, H]
    c_seq: np.ndarray  # [T, L, H] (LSTM) or [T, L, 0]
    gates: np.ndarray  # [T, L, G, H]: ModelInfo.gate_names, e.g. input, forget, candidate, output
    # False when run without internals: `gates` is zeros, and `c_seq` holds c for one token
    # and nothing (a zero-size last axis) for more.
    internals: bool = True


@dataclass
class LanguageModel:
    """An onnxruntime session plus the model's own description of itself."""

    session: Any  # onnxruntime.InferenceSession
    info: ModelInfo
    ids: dict[str, int]  # vocab entry -> token id
    # The file scores the last position alone when asked (checked on load against a whole run).
    scores_last_only: bool = False
    # The file runs the fused LSTM without c_seq and gates when asked (checked on load too).
    lean: bool = False
    # The file's one-token graph (metadata `step_graph`), once it agreed with the main graph:
    # one keystroke's step without the main graph's loop (about 0.6× the time on the poem).
    step: Any = None
    # The step graph outputs the lean set (STEP_OUTPUTS) rather than every contract output.
    step_lean: bool = False
    # One-token arrays by token id, read-only: building one cost 2 µs of a 30 µs step.
    _token_arrays: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, path: str | Path) -> LanguageModel:
        path = Path(path)
        if not path.exists():
            raise ModelError(f"Model file not found: {path}")
        if not path.is_file():
            raise ModelError(f"Not a file: {path}")
        if path.stat().st_size == 0:
            raise ModelError(f"The model file is empty (0 bytes): {path.name}")
        session = _open_session(path)
        info = _read_info(path, session)
        _check_graph(session, info)
        model = cls(session=session, info=info, ids={t: i for i, t in enumerate(info.vocab)})
        _check_output_size(model)
        model.scores_last_only = _last_only_agrees(model)
        model.lean = _lean_agrees(model)
        model.step, model.step_lean = _step_session(model)
        return model

    @property
    def unk_id(self) -> int:
        return self.ids[UNK]

    @property
    def doc_id(self) -> int:
        return self.ids[DOC]

    def encode(self, norms: list[str]) -> list[int]:
        unk = self.unk_id
        return [self.ids.get(n, unk) for n in norms]

    @property
    def cell_size(self) -> int:
        """Units of the cell state c: `hidden` for an LSTM, 0 for cells without one."""
        return self.info.hidden if self.info.has_cell else 0

    def zero_state(self) -> tuple[np.ndarray, np.ndarray]:
        shape = (self.info.layers, 1, self.info.hidden)
        cell = (self.info.layers, 1, self.cell_size)
        return np.zeros(shape, np.float32), np.zeros(cell, np.float32)

    def feed(self, tokens: np.ndarray, h: np.ndarray, c: np.ndarray,
             last_only: bool = False, internals: bool = True) -> dict[str, np.ndarray]:
        """The graph's inputs for `tokens` [B, T] from state (h, c); c only where there is one,
        and the last-position and internals switches only where the file has them."""
        feed = {"tokens": tokens, "h0": h}
        if self.info.has_cell:
            feed["c0"] = c
        if last_only and self.scores_last_only:
            feed[LAST_ONLY_INPUT] = _TRUE
        if not internals and self.lean:
            feed[LEAN_INPUT] = _FALSE
        return feed

    def run(self, ids: list[int] | np.ndarray, h: np.ndarray, c: np.ndarray, *,
            last_only: bool = False, internals: bool = True) -> RunOutput:
        """Advance the model over `ids` from state (h, c). With `last_only`, only the last
        position's logits are wanted: a file that can skips scoring the others (re-reading a
        window of 350 tokens took the large model half the time). Without `internals` the
        caller reads no gates and, past one token, no c_seq: a file that can runs the fused
        LSTM (the poem model's step in about half the time; docs/BENCHMARKS.md)."""
        if type(ids) is list and len(ids) == 1:  # a keystroke's token: its array, kept
            tokens = self._token_arrays.get(ids[0])
            if tokens is None:
                tokens = self._token_arrays[ids[0]] = _frozen_tokens(ids)
        else:
            tokens = np.asarray(ids, dtype=np.int64).reshape(1, -1)
        cell = self.info.cell
        names = CELL_OUTPUTS[cell]
        if self.step is not None and tokens.shape[1] == 1:
            # A keystroke: the loop-free graph, its outputs in a known order (checked on load),
            # with as little Python around it as possible (a step is ~30 µs).
            out = _run_checked(self.step, {"tokens": tokens, "h0": h, "c0": c} if cell == "lstm"
                               else {"tokens": tokens, "h0": h})
            if self.step_lean:
                logits, h1, c1, gates = out
                layers, hidden = h1.shape[0], h1.shape[2]
                return RunOutput(logits[0], h1, c1, h1.reshape(1, layers, hidden),
                                 c1.reshape(1, layers, hidden),
                                 gates.reshape(1, layers, 4, hidden))
            if cell == "lstm":
                return RunOutput(out[0][0], out[1], out[2], out[3][0], out[4][0], out[5][0])
            lean = False
            got = dict(zip(names, out, strict=True))
        else:
            lean = not internals and self.lean
            got = dict(zip(names, self.session.run(
                list(names), self.feed(tokens, h, c, last_only, internals)), strict=True))
        t = tokens.shape[1]
        layers, hidden = self.info.layers, self.info.hidden
        if "c" not in got:
            got["c"] = np.zeros((layers, 1, 0), np.float32)
            got["c_seq"] = np.zeros((1, t, layers, 0), np.float32)
        if "gates" not in got:
            got["gates"] = np.zeros((1, t, layers, 0, hidden), np.float32)
        if lean:
            if t == 1:  # after one token c_seq is c
                got["c_seq"] = got["c"].transpose(1, 0, 2)[:, None]
            got["gates"] = np.zeros((1, t, layers, len(self.info.gate_names), hidden),
                                    np.float32)
        return RunOutput(got["logits"][0], got["h"], got["c"], got["h_seq"][0],
                         got["c_seq"][0], got["gates"][0], internals=not lean)

    def logits_batch(self, tokens: np.ndarray, h: np.ndarray, c: np.ndarray, *,
                     last_only: bool = False) -> np.ndarray:
        """Logits [B, T, V] for a batch of sequences `tokens` [B, T] from states [L, B, ·];
        [B, 1, V] with `last_only` when the file can score the last position alone."""
        return self.session.run(["logits"], self.feed(tokens, h, c, last_only))[0]


def session_options() -> Any:
    """One intra-op thread and no spinning: on 2 cores the default pool steals the GUI's CPU."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    opts.log_severity_level = 3
    return opts


def _open_session(path: Path) -> Any:
    import onnxruntime as ort

    try:
        return ort.InferenceSession(
            str(path), sess_options=session_options(), providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises several private exception types
        raise _session_error(path, str(exc).strip() or type(exc).__name__) from exc


def _session_error(path: Path, said: str) -> ModelError:
    """onnxruntime's refusal in plain words. Its external-data checks (a model whose weights
    live in other files) are what keep a model from reading files outside its folder:
    pyproject.toml requires a version where they were verified (tests/editor/core/test_model_errors.py)."""
    name = path.name
    if "External data" in said:
        where = re.search(r'External data path: "([^"]*)"(?: resolved path: "([^"]*)")?', said)
        location = where.group(1) if where else ""
        resolved = where.group(2) if where and where.group(2) else ""
        if "Absolute path" in said:
            return ModelError(
                f"{name} refers to data by an absolute path, outside its folder, which is "
                "refused: a Caminho model keeps its weights in the one file.")
        if "escapes" in said:
            shown = f"{location}, that is {resolved}" if resolved else location
            return ModelError(
                f"{name} refers to data outside its folder ({shown}), which is refused: "
                "a Caminho model keeps its weights in the one file.")
        missing = re.search(r'does not exist: "([^"]*)"', said)
        if missing:
            return ModelError(
                f"{name} keeps its weights in another file, {Path(missing.group(1)).name}, "
                "which is not in its folder.")
        return ModelError(
            f"{name} keeps its weights in other files, which could not be read.\n"
            f"onnxruntime said: {said.splitlines()[0][:300]}")
    return ModelError(
        f"{name} is not a usable ONNX model (damaged, truncated or another format).\n"
        f"onnxruntime said: {said.splitlines()[0][:300]}"
    )


def _json(meta: dict[str, str], key: str, path: Path) -> Any:
    try:
        return json.loads(meta[key])
    except (json.JSONDecodeError, TypeError) as exc:
        raise ModelError(f"{path.name}: metadata '{key}' is not valid JSON ({exc}).") from exc
    except RecursionError as exc:
        what = ENTRY_NAMES.get(key, f"metadata '{key}'")
        if key == "vocab":
            what = "the vocabulary is not a list of words: it"
        raise ModelError(
            f"{path.name}: {what} nests lists or objects too deeply to be read "
            f"(metadata '{key}'); Caminho never writes that.") from exc


def _whole_numbers(sizes: Any, path: Path) -> tuple[int, int, int, int]:
    """layers, hidden, embedding (0 when absent) and vocab from `sizes`, each a whole number
    of at least 1: JSON also allows fractions, Infinity and NaN, and Python would round,
    overflow or fail on them in its own words."""
    if not isinstance(sizes, dict):
        raise ModelError(f"{path.name}: the model file's sizes are not a JSON object "
                         "giving vocab, hidden and layers.")
    missing = [k for k in ("vocab", "hidden", "layers") if k not in sizes]
    if missing:
        raise ModelError(f"{path.name}: the model file's sizes lack {', '.join(missing)}.")
    values = []
    for key in ("layers", "hidden", "embedding", "vocab"):
        value = sizes.get(key, 0)
        whole = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and math.isfinite(value) and value.is_integer())
        if not whole:
            raise ModelError(f"{path.name}: the model file's sizes are not whole numbers "
                             f"({key}: {json.dumps(value)[:40]}).")
        if value < (0 if key == "embedding" else 1):
            raise ModelError(f"{path.name}: the model file's sizes must be positive "
                             f"({key}: {json.dumps(value)}).")
        values.append(int(value))
    layers, hidden, embedding, n_vocab = values
    if layers * hidden > MAX_STATE or n_vocab > MAX_STATE or embedding > MAX_STATE:
        raise ModelError(f"{path.name}: the model file's sizes are far larger than any model "
                         f"Caminho can run (layers {layers}, hidden {hidden}, vocab {n_vocab}).")
    return layers, hidden, embedding, n_vocab


def _read_info(path: Path, session: Any) -> ModelInfo:
    meta = dict(session.get_modelmeta().custom_metadata_map)
    if FORMAT_KEY not in meta:
        raise ModelError(
            f"{path.name} is an ONNX model but not a Caminho model "
            "(its metadata has no 'caminho_format'). Train one with caminho-train."
        )
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise ModelError(f"{path.name}: metadata lacks {', '.join(missing)}.")
    try:
        version = int(str(meta[FORMAT_KEY]).split(".")[0])
    except ValueError as exc:
        raise ModelError(f"{path.name}: format version {meta[FORMAT_KEY]!r} is not a number.") from exc
    if version > FORMAT_VERSION:
        raise ModelError(
            f"{path.name} uses model format {version}, made by a newer Caminho; "
            f"this editor reads format {FORMAT_VERSION}. Update Caminho or re-export the model."
        )
    if version < 1:
        raise ModelError(f"{path.name}: unknown model format {version}.")
    vocab = _json(meta, "vocab", path)
    if not isinstance(vocab, list) or not all(isinstance(t, str) for t in vocab) or not vocab:
        raise ModelError(f"{path.name}: the vocabulary is not a list of words "
                         "('vocab' must be a non-empty list of strings).")
    for special in (UNK, DOC):
        if special not in vocab:
            raise ModelError(f"{path.name}: the vocabulary lacks the special token {special!r}.")
    tokenizer = _json(meta, "tokenizer", path)
    if not isinstance(tokenizer, dict):
        raise ModelError(f"{path.name}: 'tokenizer' must be a JSON object.")
    tok_version = tokenizer.get("version")
    if tok_version != TOKENIZER_VERSION:
        raise ModelError(
            f"{path.name} was trained with tokenizer version {tok_version}; "
            f"this editor has version {TOKENIZER_VERSION}."
        )
    layers, hidden, embedding, n_vocab = _whole_numbers(_json(meta, "sizes", path), path)
    if n_vocab != len(vocab):
        raise ModelError(
            f"{path.name}: the vocabulary has {len(vocab)} entries but sizes.vocab says {n_vocab}."
        )
    surface = _json(meta, "surface", path) if "surface" in meta else vocab
    if not isinstance(surface, list) or len(surface) != len(vocab):
        surface = vocab
    training = _json(meta, "training", path) if "training" in meta else {}
    cell = str(meta.get(CELL_KEY, "lstm"))
    if cell not in CELL_INPUTS:
        raise ModelError(
            f"{path.name} uses a recurrent cell this editor does not know ({cell[:40]!r}); "
            f"it knows {', '.join(CELL_INPUTS)}. Update Caminho or train the model again.")
    return ModelInfo(
        path=path,
        format_version=version,
        vocab=vocab,
        surface=[str(s) for s in surface],
        tokenizer=tokenizer,
        layers=layers,
        hidden=hidden,
        embedding=embedding,
        training=training if isinstance(training, dict) else {},
        language=_language(meta.get(LANGUAGE_KEY)),
        cell=cell,
    )


def _language(value: str | None) -> str | None:
    """The `language` key as a lower-case code ("pt", "en"); anything else counts as absent,
    since the key is optional and only picks a word list."""
    code = (value or "").strip().lower()
    return code if code.isascii() and code.isalpha() and 2 <= len(code) <= 3 else None


def _check_graph(session: Any, info: ModelInfo) -> None:
    inputs = {i.name: i for i in session.get_inputs()}
    outputs = {o.name for o in session.get_outputs()}
    name = info.path.name
    expected = CELL_INPUTS[info.cell]
    if set(inputs) != set(expected):
        kind = f" for its cell ({info.cell_title})" if info.cell != "lstm" else ""
        raise ModelError(
            f"{name}: the graph's inputs are {sorted(inputs)}, expected {list(expected)}{kind}."
        )
    missing = [o for o in CELL_OUTPUTS[info.cell] if o not in outputs]
    if missing:
        raise ModelError(f"{name}: the graph lacks the outputs {missing}.")
    if inputs["tokens"].type != "tensor(int64)":
        raise ModelError(f"{name}: input 'tokens' is {inputs['tokens'].type}, expected int64.")
    # Before the test run allocates a state of the declared size: the graph's own fixed sizes
    # must agree (a file claiming a huge hidden size must not make the editor allocate it).
    for key in expected[1:]:
        shape = list(inputs[key].shape)
        declared = [info.layers, None, info.hidden]
        if len(shape) != 3 or any(isinstance(d, int) and w is not None and d != w
                                  for d, w in zip(shape, declared, strict=True)):
            raise ModelError(
                f"{name}: the graph's state is {shape}, but the model file's sizes say "
                f"{info.layers} layer(s) of {info.hidden}.")


def _last_only_agrees(model: LanguageModel) -> bool:
    """Whether the file has the `logits_last_only` input and, fed true, gives the last row of
    a whole run (and every other output unchanged); anything else runs whole."""
    try:
        optional = {i.name: i.type for i in model.session.get_overridable_initializers()}
    except Exception:  # onnxruntime raises private exception types
        return False
    if optional.get(LAST_ONLY_INPUT) != "tensor(bool)":
        return False
    ids = [model.doc_id, model.unk_id, model.doc_id]
    try:
        whole = model.run(ids, *model.zero_state())
        model.scores_last_only = True
        last = model.run(ids, *model.zero_state(), last_only=True)
    except Exception:
        return False
    finally:
        model.scores_last_only = False
    return (last.logits.shape == (1, whole.logits.shape[1])
            and bool(np.allclose(last.logits[0], whole.logits[-1], rtol=0, atol=1e-5))
            and all(np.allclose(a, b, rtol=0, atol=1e-5) for a, b in (
                (last.h, whole.h), (last.c, whole.c), (last.h_seq, whole.h_seq),
                (last.gates, whole.gates))))


def _lean_agrees(model: LanguageModel) -> bool:
    """Whether the file has the `internals` input and, fed false, gives the same logits and
    states as a whole run (the fused operator's branch of training/lean_step.py)."""
    try:
        optional = {i.name: i.type for i in model.session.get_overridable_initializers()}
    except Exception:  # onnxruntime raises private exception types
        return False
    if optional.get(LEAN_INPUT) != "tensor(bool)" or not model.info.has_cell:
        return False
    for ids in ([model.doc_id], [model.doc_id, model.unk_id, model.doc_id]):
        try:
            whole = model.run(ids, *model.zero_state())
            model.lean = True
            lean = model.run(ids, *model.zero_state(), internals=False)
        except Exception:
            return False
        finally:
            model.lean = False
        pairs = [(lean.logits, whole.logits), (lean.h, whole.h), (lean.c, whole.c),
                 (lean.h_seq, whole.h_seq)]
        if len(ids) == 1:
            pairs.append((lean.c_seq, whole.c_seq))
        if not all(a.shape == b.shape and np.allclose(a, b, rtol=0, atol=1e-5) for a, b in pairs):
            return False
    return True


def open_step_graph(session: Any) -> Any:
    """A session of the one-token graph in a file's metadata (`step_graph`), or None when the
    file has none. Raises what onnxruntime or base64 raise for a damaged one."""
    value = session.get_modelmeta().custom_metadata_map.get(STEP_GRAPH_KEY)
    if not value:
        return None
    import onnxruntime as ort

    return ort.InferenceSession(base64.b64decode(value, validate=True),
                                sess_options=session_options(),
                                providers=["CPUExecutionProvider"])


def _step_session(model: LanguageModel) -> tuple[Any, bool]:
    """The file's one-token graph as a session, if it has one and it gives the main graph's
    numbers (every output, within 1e-5, over a few tokens with the state carried), and whether
    it outputs the lean set (STEP_OUTPUTS); (None, False) otherwise: the main graph then steps
    keystrokes as before."""
    try:
        step = open_step_graph(model.session)
        if step is None:
            return None, False
        cell = model.info.cell
        names = list(CELL_OUTPUTS[cell])
        got_names = [o.name for o in step.get_outputs()]
        lean = got_names == list(STEP_OUTPUTS.get(cell, ()))
        if got_names != names and not lean:
            return None, False  # `run` reads its outputs by position
        h, c = model.zero_state()
        for token in (model.doc_id, model.unk_id, model.info.vocab_size - 1):
            tokens = np.array([[token]], dtype=np.int64)
            want = model.session.run(names, model.feed(tokens, h, c))
            got = step.run(got_names, model.feed(tokens, h, c))
            if lean:
                got = expand_step(got, len(model.info.gate_names))
            if not all(a.shape == b.shape and np.allclose(a, b, rtol=0, atol=1e-5)
                       for a, b in zip(got, want, strict=True)):
                return None, False
            out = dict(zip(names, want, strict=True))
            h, c = out["h"], out.get("c", c)
    except Exception:  # a damaged or foreign graph: the main graph is enough
        return None, False
    return step, lean


def rare_entries(model: LanguageModel) -> np.ndarray:
    """Ids of the entries the network learnt as `<unk>` (training's `rare_below`): exported
    sharing its output vector, their logits differ from `<unk>`'s by the same constant (a
    Good-Turing share) whatever the context, so three contexts find them; none in files
    trained without it. The network's probabilities say nothing to tell them apart."""
    h, c = model.zero_state()
    vocab = model.info.vocab_size
    offsets = []
    for ids in ([model.doc_id], [model.doc_id, vocab - 1, 2], [model.doc_id, vocab // 2]):
        logits = model.run(ids, h, c).logits[-1]
        offsets.append(logits - logits[model.unk_id])
    same = (np.abs(offsets[0] - offsets[1]) < 1e-4) & (np.abs(offsets[0] - offsets[2]) < 1e-4)
    same[[model.unk_id, model.doc_id]] = False
    return np.flatnonzero(same)


def _frozen_tokens(ids: list[int]) -> np.ndarray:
    tokens = np.asarray(ids, dtype=np.int64).reshape(1, -1)
    tokens.setflags(write=False)
    return tokens


def _run_checked(session: Any, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
    """`session.run(None, feed)` for a graph whose inputs and outputs were checked on load,
    without the Python wrapper's checks of every call (6 µs of a 35 µs keystroke step on the
    poem model, docs/BENCHMARKS.md). The wrapper's inner session is onnxruntime's own; a
    version without it runs through the wrapper."""
    inner, outputs = getattr(session, "_sess", None), getattr(session, "_outputs_meta", None)
    if inner is None or outputs is None:
        return session.run(None, feed)
    return inner.run([o.name for o in outputs], feed, None)


def expand_step(out: list[np.ndarray], n_gates: int) -> list[np.ndarray]:
    """A lean step graph's outputs (logits, h, c, gates; STEP_OUTPUTS) as the contract's six,
    shaped as the main graph gives them for one token of one sequence."""
    logits, h, c, gates = out
    layers, hidden = h.shape[0], h.shape[2]
    return [logits, h, c, h.reshape(1, 1, layers, hidden), c.reshape(1, 1, layers, hidden),
            gates.reshape(1, 1, layers, n_gates, hidden)]


def _check_output_size(model: LanguageModel) -> None:
    """One tiny run proves the file's vocabulary and the graph agree (and that it runs at all)."""
    name = model.info.path.name
    try:
        out = model.run([model.doc_id], *model.zero_state())
    except Exception as exc:
        raise ModelError(
            f"{name}: the model failed on a test run; its sizes may not match its metadata.\n"
            f"onnxruntime said: {str(exc).strip().splitlines()[0][:300] if str(exc).strip() else exc}"
        ) from exc
    if out.logits.shape[-1] != model.info.vocab_size:
        raise ModelError(
            f"{name}: the model scores {out.logits.shape[-1]} tokens but its vocabulary has "
            f"{model.info.vocab_size}."
        )
    expected = (model.info.layers, 1, model.info.hidden)
    gates = (len(model.info.gate_names), model.info.hidden)
    if out.h.shape != expected or out.gates.shape[-2:] != gates or (
            model.info.has_cell and out.c.shape != expected):
        raise ModelError(f"{name}: state shape {out.h.shape} does not match sizes {expected}.")
