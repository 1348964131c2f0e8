"""What the insight panel computes from the LSTM's own arrays (Qt-free, numpy only).

Every number here comes from the onnxruntime run that also ranks the suggestions
(`Suggestions.h_seq/c_seq/gates`) or from re-running that same model (occlusion, document
states); nothing is re-implemented in numpy. The panel only draws what these functions return.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from editor.core.context import ContextTracker
from editor.core.lm import LanguageModel, ModelInfo
from editor.core.modelfile import GATE_NAMES
from editor.core.suggest import Suggestions, softmax
from editor.core.tokenizer import DOC, SPECIALS, Token, normalize, tokenize

# What a heatmap can show: key -> label. Gates keep the model's order (input, forget, candidate, output).
KINDS: dict[str, str] = {
    "h": "hidden h",
    "tanh_c": "cell tanh(c)",
    "c": "cell c",
    "input": "input gate i",
    "forget": "forget gate f",
    "candidate": "candidate g",
    "output": "output gate o",
}
# The GRU's gates (reset r, update z, candidate n); a plain RNN has h alone.
GRU_KINDS: dict[str, str] = {
    "h": "hidden h",
    "reset": "reset gate r",
    "update": "update gate z",
    "candidate": "candidate n",
}


def kinds_for(info: ModelInfo | None) -> dict[str, str]:
    """What a heatmap can show for this model: the LSTM's seven kinds, the GRU's h and three
    gates, the plain RNN's h alone (it has neither a cell nor gates)."""
    if info is None or info.cell == "lstm":
        return KINDS
    return {k: v for k, v in GRU_KINDS.items() if k == "h" or k in info.gate_names}


ROW_SORTS: dict[str, str] = {
    "index": "by index",
    "activity": "by activity",
    "similarity": "by similarity",
    "pc1": "by 1st principal component",
}
SATURATION_LOW = 0.1
SATURATION_HIGH = 0.9
# Occlusion replaces a token by <unk>; the replaced copies run in batches of this many.
OCCLUSION_GROUP = 10
# Whole-document runs are cut into chunks so a long text never becomes one huge Scan.
DOC_CHUNK = 1024


# -- heatmap data ------------------------------------------------------------------------------
def state_matrix(h_seq: np.ndarray, c_seq: np.ndarray, gates: np.ndarray, kind: str,
                 layer: int = 0, gate_names: Sequence[str] = GATE_NAMES) -> np.ndarray:
    """Values of one kind for one layer as [units, tokens] (rows are units, as drawn).

    `gate_names` are the rows of `gates` (`ModelInfo.gate_names`); a kind the model lacks (the
    cell of a GRU, any gate of a plain RNN) is a ValueError that says so.
    """
    if kind == "h":
        m = h_seq[:, layer, :]
    elif kind in ("c", "tanh_c") and c_seq.shape[-1] == 0:
        raise ValueError("this model has no cell state c (only an LSTM has one)")
    elif kind == "c":
        m = c_seq[:, layer, :]
    elif kind == "tanh_c":
        m = np.tanh(c_seq[:, layer, :])
    elif kind in gate_names:
        m = gates[:, layer, list(gate_names).index(kind), :]
    elif kind in GATE_NAMES or kind in GRU_KINDS:
        raise ValueError(f"this model has no {kind} gate")
    else:
        raise ValueError(f"unknown state kind {kind!r}; expected one of {list(KINDS)}")
    return np.ascontiguousarray(m.T, dtype=np.float32)


@dataclass(frozen=True)
class Scale:
    """A colour scale: `lo` maps to the cold end, `hi` to the warm end, `mid` to white."""

    lo: float
    hi: float

    @property
    def mid(self) -> float:
        return 0.5 * (self.lo + self.hi)


def kind_scale(kind: str, values: np.ndarray | None = None) -> Scale:
    """The fixed range of each kind, so colours mean the same from one keystroke to the next.

    Only raw c is unbounded; it gets a symmetric scale from its own largest magnitude.
    """
    if kind in ("input", "forget", "output", "reset", "update"):
        return Scale(0.0, 1.0)  # sigmoid: white at 0.5, "half open"
    if kind == "c":
        top = float(np.max(np.abs(values))) if values is not None and values.size else 1.0
        return Scale(-max(top, 1e-6), max(top, 1e-6))
    return Scale(-1.0, 1.0)


def diverging_lut(n: int = 256, dark: bool = False) -> np.ndarray:
    """Blue - white - red, as [n, 4] uint8 in B, G, R, A order (QImage.Format_ARGB32 on little endian).

    `dark`: blue - dark grey - red with lighter ends, for a dark theme: a white middle would
    glare on a dark panel and leave light text unreadable on tinted words, so near-zero values
    fade into the background there as they do into white on a light one.
    """
    t = np.linspace(-1.0, 1.0, n)
    if dark:
        cold = np.array([92, 168, 245], np.float64)
        warm = np.array([245, 105, 92], np.float64)
        white = np.array([38, 38, 42], np.float64)
    else:
        cold = np.array([33, 102, 172], np.float64)  # RGB of the negative end
        warm = np.array([178, 24, 43], np.float64)
        white = np.array([247, 247, 247], np.float64)
    a = np.abs(t)[:, None] ** 0.8  # a slight lift so small values still show
    rgb = np.where(t[:, None] < 0, white + (cold - white) * a, white + (warm - white) * a)
    lut = np.empty((n, 4), np.uint8)
    lut[:, 0], lut[:, 1], lut[:, 2] = rgb[:, 2], rgb[:, 1], rgb[:, 0]
    lut[:, 3] = 255
    return lut


_LUT = diverging_lut()
DARK_LUT = diverging_lut(dark=True)


def colorize(values: np.ndarray, scale: Scale, lut: np.ndarray = _LUT) -> np.ndarray:
    """Map values to colours: [..., 4] uint8 BGRA; NaN becomes mid grey."""
    span = scale.hi - scale.lo or 1.0
    idx = (np.asarray(values, np.float32) - scale.lo) * ((len(lut) - 1) / span)
    nan = np.isnan(idx)
    has_nan = bool(nan.any())
    if has_nan:
        idx[nan] = 0.0
    np.clip(idx, 0, len(lut) - 1, out=idx)
    out = lut[idx.astype(np.intp)]
    if has_nan:
        out[nan] = (200, 200, 200, 255)
    return out


def row_order(matrix: np.ndarray, mode: str) -> np.ndarray:
    """A permutation of the rows (units) of a [units, tokens] matrix.

    "activity" puts the units that move most first; "similarity" puts units whose patterns
    over the tokens correlate next to each other (an angular order in the plane of the two
    leading principal components, cheap enough for every frame at 512 units, unlike a greedy
    nearest-neighbour chain); "pc1" lays units along the leading component, which separates
    the two ends of the strongest pattern.
    """
    n = matrix.shape[0]
    if mode not in ROW_SORTS:
        raise ValueError(f"unknown row sort {mode!r}; expected one of {list(ROW_SORTS)}")
    if mode == "index" or n < 2 or matrix.shape[1] < 2:
        return np.arange(n)
    if mode == "activity":
        score = np.abs(matrix).mean(axis=1) + matrix.std(axis=1)
        return np.argsort(-score, kind="stable")
    scores = _principal_scores(matrix)
    if mode == "pc1":
        return np.argsort(scores[:, 0], kind="stable")
    return _angular_order(scores)


def _principal_scores(matrix: np.ndarray) -> np.ndarray:
    """Each unit's place along the two leading principal directions of the units' patterns.

    Rows are centred and scaled to unit length (so the sort is about shape, like a
    correlation). The directions are the top two eigenvectors of the small tokens x tokens
    Gram matrix, found by powers of it with one deflation. Everything is einsum on purpose:
    OpenBLAS's thread pool (matmul, eigh) stalls for tens of milliseconds on a busy 2-core
    machine, which a GUI frame cannot afford.
    """
    centred = matrix.astype(np.float64) - matrix.mean(axis=1, keepdims=True)
    norms = np.sqrt(np.einsum("ut,ut->u", centred, centred))
    unit = centred / np.where(norms > 1e-9, norms, 1.0)[:, None]
    gram = np.einsum("ut,us->ts", unit, unit)  # [T, T], symmetric, positive semi-definite
    v1, lam1 = _leading_eigvec(gram)
    v2, _ = _leading_eigvec(gram - lam1 * np.outer(v1, v1))
    scores = np.einsum("ut,tk->uk", unit, np.stack([v1, v2], axis=1))
    # An eigenvector's sign is arbitrary; fix it so the order does not flip between keystrokes.
    flip = np.sign(scores.sum(axis=0))
    return scores * np.where(flip == 0, 1.0, flip)


def _leading_eigvec(sym: np.ndarray, squarings: int = 7) -> tuple[np.ndarray, float]:
    """Eigenvector of the largest eigenvalue of a symmetric PSD matrix, and that eigenvalue.

    sym^128 applied to a fixed start vector (fixed, so the order is reproducible from one
    keystroke to the next); rescaled after each squaring to stay in range.
    """
    power = sym
    for _ in range(squarings):
        power = np.einsum("ts,sr->tr", power, power)
        power = power / max(float(np.abs(power).max()), 1e-300)
    start = np.cos(np.arange(1, len(sym) + 1) * 1.618)  # no special direction
    v = np.einsum("ts,s->t", power, start)
    norm = float(np.sqrt(np.einsum("t,t->", v, v)))
    if norm < 1e-12:
        return np.zeros(len(sym)), 0.0
    v = v / norm
    return v, float(np.einsum("t,ts,s->", v, sym, v))


def _angular_order(scores: np.ndarray) -> np.ndarray:
    """Units by their angle in the plane of the two leading components: neighbours fire alike.

    Units with similar (correlated) patterns point the same way, anti-correlated ones the
    opposite way; the circle is cut at its widest empty gap so no group is split in two.
    """
    angle = np.arctan2(scores[:, 1], scores[:, 0])
    order = np.argsort(angle, kind="stable")
    a = angle[order]
    gaps = np.diff(np.concatenate([a, a[:1] + 2 * np.pi]))
    start = (int(np.argmax(gaps)) + 1) % len(order)
    return np.roll(order, -start)


def saturation_density(low: np.ndarray, high: np.ndarray, bins: int = 40) -> np.ndarray:
    """Units counted on a bins x bins grid of (share shut, share open); row 0 is "always open"."""
    x = np.clip((np.asarray(low) * bins).astype(np.intp), 0, bins - 1)
    y = np.clip(((1.0 - np.asarray(high)) * bins).astype(np.intp), 0, bins - 1)
    grid = np.zeros((bins, bins), np.float32)
    np.add.at(grid, (y, x), 1.0)
    return grid


# -- tokens <-> ids -------------------------------------------------------------------------------
def norm_of_surface(surface: str) -> str:
    """The vocabulary key of a token surface as `Suggestions.context_tokens` lists it."""
    if surface in SPECIALS:
        return surface
    toks = tokenize(surface)
    return toks[0].norm if len(toks) == 1 else normalize(surface)


def context_ids(model: LanguageModel, surfaces: Sequence[str]) -> list[int]:
    return model.encode([norm_of_surface(s) for s in surfaces])


def display_token(tok: str) -> str:
    """A token as a label: line breaks and blanks made visible."""
    if tok == "\n":
        return "↵"
    return tok if tok.strip() else repr(tok)


# -- memory by occlusion ------------------------------------------------------------------------
@dataclass
class Memory:
    """How much each recent token matters to the current prediction."""

    tokens: list[str]  # context tokens, as in Suggestions.context_tokens
    importance: np.ndarray  # [N] drop in P(target) when that token is replaced; NaN: not measured
    target: str  # the predicted token (vocab entry)
    base_prob: float  # P(target) with nothing replaced
    occluded_prob: np.ndarray  # [N] P(target) with that token replaced


def occlusion(model: LanguageModel, ids: Sequence[int], h0: np.ndarray, c0: np.ndarray,
              target: int, positions: Sequence[int] | None = None,
              replace: int | None = None) -> tuple[float, np.ndarray]:
    """P(target) after `ids` from state (h0, c0), and again with each position replaced.

    The replaced copies run batched, a few groups of neighbouring positions per call; each
    group starts at its earliest position from the state the base run reached there, so
    little is recomputed (one call per position would cost ~3x more, one call for all ~1.3x).
    Returns (base probability, probabilities per position in `positions`, in that order).
    """
    ids = np.asarray(ids, np.int64)
    positions = list(range(len(ids))) if positions is None else list(positions)
    replace = model.unk_id if replace is None else replace
    base = model.run(ids, h0, c0, last_only=True)
    p_base = float(softmax(base.logits[-1])[target])
    probs = np.zeros(len(positions))
    order = np.argsort(positions, kind="stable")
    for chunk in np.array_split(order, max(1, -(-len(order) // OCCLUSION_GROUP))):
        if not len(chunk):
            continue
        group = [positions[k] for k in chunk]
        first = group[0]
        if first == 0:
            hs, cs = h0, c0
        else:
            hs, cs = base.h_seq[first - 1][:, None, :], base.c_seq[first - 1][:, None, :]
        b = len(group)
        batch = np.repeat(ids[None, first:], b, axis=0)
        batch[np.arange(b), np.asarray(group) - first] = replace
        h = np.ascontiguousarray(np.repeat(hs, b, axis=1), np.float32)
        c = np.ascontiguousarray(np.repeat(cs, b, axis=1), np.float32)
        logits = model.logits_batch(batch, h, c, last_only=True)[:, -1, :]
        z = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
        p = np.exp(z)
        probs[chunk] = p[:, target] / p.sum(axis=1)
    return p_base, probs


def _window_and_target(model: LanguageModel, sug: Suggestions,
                       target: str | None) -> tuple[list[str], str, int] | None:
    """The panel's window tokens, the word to explain (the top prediction unless given) and its
    id; None when the window is too short or holds no states to start from."""
    tokens = list(sug.context_tokens)
    if sug.h_seq is None or sug.c_seq is None or len(tokens) < 2:
        return None
    if target is None:
        if not sug.top_tokens:
            return None
        target = sug.top_tokens[0][0]
    return tokens, target, model.ids.get(target, model.unk_id)


def memory_for(model: LanguageModel, sug: Suggestions, target: str | None = None) -> Memory | None:
    """Occlusion importance of each token of the panel's window for the LSTM's top prediction.

    The run starts from the state after the window's first token (the one state the window
    carries), so every later token can be replaced; the first is not measured (NaN).
    """
    asked = _window_and_target(model, sug, target)
    if asked is None:
        return None
    tokens, target, tid = asked
    ids = context_ids(model, tokens)
    h0 = np.ascontiguousarray(sug.h_seq[0][:, None, :], np.float32)
    c0 = np.ascontiguousarray(sug.c_seq[0][:, None, :], np.float32)
    rest = ids[1:]
    # Replacing an <unk> by <unk> changes nothing: skip it and leave it at zero.
    positions = [k for k, i in enumerate(rest) if i != model.unk_id]
    p_base, p_occ = occlusion(model, rest, h0, c0, tid, positions)
    occluded = np.full(len(tokens), np.nan)
    occluded[1:] = p_base
    occluded[[k + 1 for k in positions]] = p_occ
    importance = p_base - occluded
    return Memory(tokens, importance, target, p_base, occluded)


# -- the unit that matters most -----------------------------------------------------------------
# Ablated copies of the last step run in batches of this many rows (logits are rows × V floats).
ABLATION_GROUP = 64


@dataclass(frozen=True)
class KeyUnit:
    """The unit whose memory the current prediction leans on most, and the evidence."""

    unit: int
    layer: int
    target: str  # the predicted token (vocab entry)
    token: str  # the last token: the step the unit's memory was taken out of
    base_prob: float  # P(target) as predicted
    ablated_prob: float  # P(target) with this unit's carried-in value set to 0
    units: int  # how many units were tried (layers × hidden)
    cell: bool  # whether the cell state c was zeroed too (an LSTM)

    @property
    def change(self) -> float:
        return self.ablated_prob - self.base_prob

    def reason(self) -> str:
        """Why the Unit view opened on this unit, in words for the panel."""
        what = "its h and c" if self.cell else "its value"
        verb = "drops" if self.change < 0 else "rises"
        return (f"Unit {self.unit} (layer {self.layer}) matters most for predicting "
                f"'{display_token(self.target)}': with {what} set to 0 before "
                f"'{display_token(self.token)}', P {verb} from {self.base_prob:.1%} to "
                f"{self.ablated_prob:.1%}, more than for any other of the {self.units} units. "
                "Click a row of the State heatmap to follow another.")


def key_unit(model: LanguageModel, sug: Suggestions, target: str | None = None) -> KeyUnit | None:
    """The unit that matters most to the model's top prediction after the panel's window.

    Each unit in turn has its value in the state before the last token set to 0 (h and, for an
    LSTM, c), the last token is run again from there, and the unit whose loss changes P(target)
    the most is the answer. This asks the model itself (the same onnxruntime graph), so it
    works for every cell without reading weights: the editor only has the graph's outputs.
    """
    asked = _window_and_target(model, sug, target)
    if asked is None:
        return None
    tokens, target, tid = asked
    last = context_ids(model, tokens[-1:])[0]
    h_prev = np.asarray(sug.h_seq[-2], np.float32)  # [L, H]
    c_prev = np.asarray(sug.c_seq[-2], np.float32)  # [L, H] or [L, 0]
    layers, hidden = h_prev.shape
    has_cell = c_prev.shape[-1] == hidden
    base_logits = model.logits_batch(np.array([[last]], np.int64), h_prev[:, None, :],
                                     c_prev[:, None, :])[0, -1]
    base = float(softmax(base_logits)[tid])
    n = layers * hidden
    probs = np.empty(n)
    for start in range(0, n, ABLATION_GROUP):
        rows = np.arange(start, min(n, start + ABLATION_GROUP))
        b = len(rows)
        h = np.repeat(h_prev[:, None, :], b, axis=1)  # [L, b, H]
        c = np.repeat(c_prev[:, None, :], b, axis=1)
        h[rows // hidden, np.arange(b), rows % hidden] = 0.0
        if has_cell:
            c[rows // hidden, np.arange(b), rows % hidden] = 0.0
        logits = model.logits_batch(np.full((b, 1), last, np.int64), h, c)[:, -1, :]
        z = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
        p = np.exp(z)
        probs[rows] = p[:, tid] / p.sum(axis=1)
    best = int(np.argmax(np.abs(probs - base)))  # the first of equals: the lowest index
    return KeyUnit(best % hidden, best // hidden, target, tokens[-1], base, float(probs[best]),
                   n, has_cell)


# -- gates ----------------------------------------------------------------------------------------
def gate_saturation(gates: np.ndarray, layer: int = 0, low: float = SATURATION_LOW,
                    high: float = SATURATION_HIGH) -> tuple[np.ndarray, np.ndarray]:
    """Per gate and unit, the fraction of steps below `low` and above `high`: two [4, H] arrays.

    A forget gate almost always above 0.9 is a unit that keeps its memory (Karpathy et al. 2015).
    The candidate row is tanh-valued; it is reported for completeness with the same thresholds.
    """
    g = gates[:, layer]  # [T, 4, H]
    if len(g) == 0:
        shape = gates.shape[-2:]
        return np.zeros(shape), np.zeros(shape)
    return (g < low).mean(axis=0), (g > high).mean(axis=0)


# -- pin and compare -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PinnedState:
    h: np.ndarray  # [L, H]
    c: np.ndarray  # [L, H]
    label: str  # the token the state was pinned after


@dataclass(frozen=True)
class StateDelta:
    dh: np.ndarray  # [L, H] live minus pinned
    dc: np.ndarray
    norm_h: float
    norm_c: float
    cos_h: float  # cosine similarity of live and pinned h (all layers together)
    cos_c: float


def pin_state(sug: Suggestions) -> PinnedState | None:
    if sug.h_seq is None or sug.c_seq is None or not len(sug.h_seq):
        return None
    label = sug.context_tokens[-1] if sug.context_tokens else ""
    return PinnedState(sug.h_seq[-1].copy(), sug.c_seq[-1].copy(), label)


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(np.dot(a.ravel(), b.ravel()) / (na * nb)) if na > 0 and nb > 0 else 0.0


def compare_states(pinned: PinnedState, live_h: np.ndarray, live_c: np.ndarray) -> StateDelta:
    dh = live_h - pinned.h
    dc = live_c - pinned.c
    return StateDelta(dh, dc, float(np.linalg.norm(dh)), float(np.linalg.norm(dc)),
                      _cos(live_h, pinned.h), _cos(live_c, pinned.c))


# -- whole-document states ----------------------------------------------------------------------
@dataclass
class DocumentStates:
    """The model run over a whole text: one row per token, <doc> first."""

    text: str
    tokens: list[Token]  # the text's tokens (without the leading <doc>)
    ids: list[int]  # <doc> + token ids
    h_seq: np.ndarray  # [1 + len(tokens), L, H]
    c_seq: np.ndarray
    gates: np.ndarray  # [1 + len(tokens), L, 4, H]

    @property
    def surfaces(self) -> list[str]:
        return [DOC] + [t.text for t in self.tokens]

    def token_values(self, unit: int, kind: str = "h", layer: int = 0) -> np.ndarray:
        """One unit's value after each token of the text (the <doc> row left out): [len(tokens)]."""
        return state_matrix(self.h_seq, self.c_seq, self.gates, kind, layer)[unit, 1:]


class DocumentRunner:
    """Keeps the states of a text up to date, re-running only from the first changed token."""

    def __init__(self, model: LanguageModel, max_tokens: int = 20000) -> None:
        self.model = model
        self.max_tokens = max_tokens  # beyond this the text is cut: tinting a book costs seconds
        self.tracker = ContextTracker(model)

    def run(self, text: str) -> DocumentStates:
        tokens = tokenize(text)[: self.max_tokens]
        ids = [self.model.doc_id, *self.model.encode([t.norm for t in tokens])]
        tr = self.tracker
        keep = 0
        limit = min(len(ids), len(tr.ids))
        while keep < limit and ids[keep] == tr.ids[keep]:
            keep += 1
        # Feed long changes in chunks: the tracker re-runs from the first changed token.
        end = keep
        while True:
            end = min(len(ids), max(end + DOC_CHUNK, 1))
            tr.update(ids[:end])
            if end == len(ids):
                break
        return DocumentStates(text, tokens, list(ids), tr.h_seq.view().copy(),
                              tr.c_seq.view().copy(), tr.gates.view().copy())


# -- export ----------------------------------------------------------------------------------------
def export_states(path: str | Path, tokens: Sequence[str], h_seq: np.ndarray, c_seq: np.ndarray,
                  gates: np.ndarray, gate_names: Sequence[str] = GATE_NAMES) -> Path:
    """Write the states of a document: `.npz` (arrays + tokens) or `.csv` (one row per token).

    The CSV has columns `step`, `token`, then `h_l{layer}_u{unit}`, `c_l{layer}_u{unit}` and
    `{gate}_l{layer}_u{unit}` for each of `gate_names` (the model's: an LSTM's four, a GRU's
    three; a GRU has no `c_` columns, a plain RNN only `h_`); `load_states` reads either back.
    """
    path = Path(path)
    h_seq, c_seq, gates = (np.asarray(a, np.float32) for a in (h_seq, c_seq, gates))
    n = len(tokens)
    if not (len(h_seq) == len(c_seq) == len(gates) == n):
        raise ValueError(f"{n} tokens but {len(h_seq)}/{len(c_seq)}/{len(gates)} state rows")
    if gates.shape[2] != len(gate_names):
        raise ValueError(f"{gates.shape[2]} gate rows but {len(gate_names)} gate names")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        np.savez_compressed(path, tokens=np.array(list(tokens), dtype=np.str_), h_seq=h_seq,
                            c_seq=c_seq, gates=gates,
                            gate_names=np.array(list(gate_names), dtype=np.str_))
    elif suffix == ".csv":
        layers, hidden = h_seq.shape[1:]
        header = ["step", "token"]
        for prefix, units in (("h", hidden), ("c", c_seq.shape[-1]),
                              *((g, hidden) for g in gate_names)):
            header += [f"{prefix}_l{ly}_u{u}" for ly in range(layers) for u in range(units)]
        flat = np.concatenate(
            [h_seq.reshape(n, -1), c_seq.reshape(n, -1),
             gates.transpose(0, 2, 1, 3).reshape(n, -1)], axis=1)  # gate-major, like the header
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            for k, (tok, row) in enumerate(zip(tokens, flat, strict=True)):
                w.writerow([k, tok, *(f"{v:.6g}" for v in row)])
    else:
        raise ValueError(f"unknown export format {path.suffix!r}: use .npz or .csv")
    return path


def load_states(path: str | Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Read back what `export_states` wrote: (tokens, h_seq, c_seq, gates)."""
    path = Path(path)
    if path.suffix.lower() == ".npz":
        with np.load(path) as z:
            return [str(t) for t in z["tokens"]], z["h_seq"], z["c_seq"], z["gates"]
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    layers = 1 + max(int(col.split("_l")[1].split("_")[0]) for col in header[2:])
    prefixes = [col.rsplit("_l", 1)[0] for col in header[2:]]
    width = len(header) - 2
    hidden = prefixes.count("h") // layers
    cell = prefixes.count("c") // layers  # 0 for a GRU or an RNN
    n_gates = (width - layers * (hidden + cell)) // (layers * hidden)
    tokens = [r[1] for r in body]
    data = np.array([[float(v) for v in r[2:]] for r in body], np.float32).reshape(len(body), width)
    size, csize = layers * hidden, layers * cell
    n = len(body)  # explicit: -1 cannot be inferred for the empty c of a GRU or an RNN
    h_seq = data[:, :size].reshape(n, layers, hidden)
    c_seq = data[:, size : size + csize].reshape(n, layers, cell)
    gates = data[:, size + csize :].reshape(n, n_gates, layers, hidden).transpose(0, 2, 1, 3)
    return tokens, h_seq, c_seq, np.ascontiguousarray(gates)
