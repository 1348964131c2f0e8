"""The LSTM state for the text before the cursor, advanced incrementally.

Typing one more word runs the model on one token; editing earlier text or moving the cursor
re-runs only from the first token that changed. The text handed in is a bounded window whose
start stays put while the cursor moves forward (see `context_window`), so the common prefix
with the previous call is almost always everything but the last token.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from editor.core.lm import LanguageModel

# The window's start snaps to multiples of CHUNK characters, so it moves once per CHUNK typed,
# not on every keystroke; the model then sees between WINDOW - CHUNK and WINDOW characters.
WINDOW = 2000
CHUNK = 500


def context_window(cursor: int, *, window: int = WINDOW, chunk: int = CHUNK) -> int:
    """Where the text handed to the model starts, for a cursor at `cursor`."""
    if cursor <= window:
        return 0
    return ((cursor - window) // chunk + 1) * chunk


def trim_window(text: str, start: int) -> tuple[str, int]:
    """The window's text `text`, read from document position `start`, cut to begin at a
    word's edge (the window may start inside a word), and the position where it now starts.
    Positions count UTF-16 units, as Qt's document does."""
    if start == 0:
        return text, 0
    cut = next((i for i, ch in enumerate(text) if ch.isspace()), len(text))
    units = len(text[:cut].encode("utf-16-le")) // 2
    return text[cut:], start + units


class _Grow:
    """Rows along axis 0 that grow without reallocating on every append.

    `n` rows are current; rows up to `stored` stay valid after `truncate`, so moving the cursor
    back and forth over text already read costs nothing.
    """

    def __init__(self, row_shape: tuple[int, ...]) -> None:
        self.data = np.zeros((64, *row_shape), np.float32)
        self.n = 0
        self.stored = 0

    def truncate(self, n: int) -> None:
        self.n = min(self.n, n)

    def resume(self, n: int) -> None:
        """Make `n` stored rows current again."""
        self.n = min(n, self.stored)

    def extend(self, rows: np.ndarray) -> None:
        need = self.n + len(rows)
        if need > len(self.data):
            bigger = np.zeros((max(need, 2 * len(self.data)), *self.data.shape[1:]), np.float32)
            bigger[: self.n] = self.data[: self.n]
            self.data = bigger
        self.data[self.n : need] = rows
        self.n = self.stored = need

    def view(self) -> np.ndarray:
        return self.data[: self.n]


@dataclass
class StepStats:
    """What the last `update` cost; tests and benchmarks read it."""

    reused: int = 0  # tokens whose state came from the cache
    computed: int = 0  # tokens run through the model


class ContextTracker:
    """Token ids fed so far, the state after each, and the gate values the panel shows."""

    def __init__(self, model: LanguageModel) -> None:
        self.model = model
        layers, hidden = model.info.layers, model.info.hidden
        self.ids: list[int] = []  # the current sequence (ends at the cursor)
        self._stored: list[int] = []  # may run past the cursor: states kept for moving back
        self.h_seq = _Grow((layers, hidden))
        # Empty rows for what a cell lacks (c for the GRU and RNN, gates for the RNN).
        self.c_seq = _Grow((layers, model.cell_size))
        self.gates = _Grow((layers, len(model.info.gate_names), hidden))
        self.logits: np.ndarray | None = None  # next-token scores after ids[-1]
        self.stats = StepStats()
        self.version = 0  # changes whenever the current rows or ids do (readers cache on it)
        # False while nobody draws the gates (the panel hidden): a token typed is then one
        # step of the fused LSTM, its gate rows left zero. `_lean_from` is the first stored
        # position stepped so; once internals are wanted again, the next update re-reads
        # from there, and the rows are what a whole run gives.
        self.internals = True
        self._lean_from: int | None = None

    def state_at(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """State after the first `n` fed tokens, shaped [L, 1, H] for the model."""
        if n == 0:
            return self.model.zero_state()
        h = self.h_seq.data[n - 1][:, None, :].copy()
        c = self.c_seq.data[n - 1][:, None, :].copy()
        return h, c

    def update(self, ids: list[int]) -> np.ndarray:
        """Make the tracked sequence equal `ids` and return the logits after its last token."""
        if not ids:
            raise ValueError("the context needs at least one token (start with <doc>)")
        stale = self.internals and self._lean_from is not None and self._lean_from < len(ids)
        if ids == self.ids and self.logits is not None and not stale:
            self.stats = StepStats(reused=len(ids), computed=0)
            return self.logits
        keep = 0
        limit = min(len(ids), len(self._stored))
        if self.internals and self._lean_from is not None:
            limit = min(limit, self._lean_from)  # rows without gates are read again, whole
        while keep < limit and ids[keep] == self._stored[keep]:
            keep += 1
        bufs = (self.h_seq, self.c_seq, self.gates)
        self.version += 1
        if keep == len(ids):
            # Back over text already read (the cursor moved left, or text after it was cut):
            # every state is stored; only the last token's logits need one step.
            for buf in bufs:
                buf.resume(keep)
            out = self.model.run(ids[-1:], *self.state_at(keep - 1), last_only=True,
                                 internals=False)  # only its logits are read
            self.ids = list(ids)
            self.logits = out.logits[-1]
            self.stats = StepStats(reused=keep - 1, computed=1)
            return self.logits
        # Logits are kept only for the last position, so re-run at least one token.
        keep = min(keep, len(ids) - 1)
        fresh = ids[keep:]
        lean = not self.internals and len(fresh) == 1  # more tokens need every c in c_seq
        out = self.model.run(fresh, *self.state_at(keep), last_only=True,  # logits[-1] only
                             internals=not lean)
        if not out.internals:
            self._lean_from = keep if self._lean_from is None else min(self._lean_from, keep)
        elif self._lean_from is not None and keep <= self._lean_from:
            self._lean_from = None  # what was stepped lean is gone or read again
        self.ids = list(ids)
        self._stored = list(ids)
        for buf, rows in zip(bufs, (out.h_seq, out.c_seq, out.gates), strict=True):
            # resume, not truncate: after a move back `n` is below `keep`, yet rows up to
            # `keep` are stored and must stay current, or the new rows land too early.
            buf.resume(keep)
            buf.extend(rows)
        self.logits = out.logits[-1]
        self.stats = StepStats(reused=keep, computed=len(fresh))
        return self.logits

    def reset(self) -> None:
        self.version += 1
        self.ids = []
        self._stored = []
        self._lean_from = None
        for buf in (self.h_seq, self.c_seq, self.gates):
            buf.n = buf.stored = 0
        self.logits = None
