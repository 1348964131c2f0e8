"""Colour the words of the document by one unit's activation (Karpathy et al. 2015 style).

The tint is a set of `QTextEdit.ExtraSelection`s on the text view: it never touches the
document, so undo, saving and the ghost text are unaffected. Other extra selections (find
results, a current-line highlight) are kept: ours carry a marker property and only those are
replaced.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

from editor.core.insight import DARK_LUT, Scale, colorize, diverging_lut
from editor.core.tokenizer import Token
from editor.ui.theme import uses_dark_colours

# A property id of our own in Qt's user range marks the tint's selections.
TINT_PROPERTY = int(QTextFormat.Property.UserProperty) + 0x7A1
# Only the words on screen are tinted (see apply_tint); these bound the work on a huge screen.
MAX_TINTED = 3000
VISIBLE_MARGIN = 1000  # characters tinted above and below the view, so a short scroll shows colour


def utf16_offsets(text: str) -> np.ndarray | None:
    """Python index -> QTextDocument position, or None when they coincide (no astral characters)."""
    if text.isascii() or all(ord(ch) <= 0xFFFF for ch in text):
        return None
    extra = np.fromiter((ord(ch) > 0xFFFF for ch in text), dtype=np.int64, count=len(text))
    return np.concatenate([[0], np.cumsum(extra + 1)])


def token_spans(tokens: Sequence[Token], text: str | None = None,
                words_only: bool = True) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Document positions (UTF-16) of the tokens worth tinting, and their indices in `tokens`.

    Line breaks are never tinted; with `words_only` punctuation is left alone too.
    """
    offsets = utf16_offsets(text) if text is not None else None
    spans: list[tuple[int, int]] = []
    keep: list[int] = []
    for k, t in enumerate(tokens):
        if t.kind == "newline" or (words_only and not t.is_word):
            continue
        keep.append(k)
        if offsets is None:
            spans.append((t.start, t.end))
        else:
            spans.append((int(offsets[t.start]), int(offsets[t.end])))
    return spans, np.asarray(keep, dtype=np.intp)


def tint_document(edit: QPlainTextEdit, tokens: Sequence[Token], values: np.ndarray, scale: Scale,
                  text: str | None = None) -> int:
    """Tint each word of `tokens` (spans in `text`, the editor's plain text) by its value."""
    values = np.asarray(values)
    if len(values) != len(tokens):
        raise ValueError(f"{len(tokens)} tokens but {len(values)} values")
    spans, keep = token_spans(tokens, text)
    return apply_tint(edit, spans, values[keep], scale)


def tint_selections(edit: QPlainTextEdit, spans: Sequence[tuple[int, int]], values: np.ndarray,
                    scale: Scale, alpha: int = 170) -> list[QTextEdit.ExtraSelection]:
    """One background-coloured selection per span, coloured by its value on `scale`."""
    values = np.asarray(values, np.float64)
    if len(values) != len(spans):
        raise ValueError(f"{len(spans)} spans but {len(values)} values")
    doc = edit.document()
    last = max(doc.characterCount() - 1, 0)
    # Colours are quantised to the LUT, so formats are shared: a few dozen instead of one per word.
    # On a dark page light text sits on the tint: the dark-centred map keeps it readable.
    lut = DARK_LUT if uses_dark_colours(edit.palette()) else diverging_lut()
    bgra = colorize(values, scale, lut)
    formats: dict[tuple[int, int, int], QTextCharFormat] = {}
    keep_anchor = QTextCursor.MoveMode.KeepAnchor
    out = []
    for (start, end), (b, g, r, _a) in zip(spans, bgra.tolist(), strict=True):
        if start >= last:
            continue  # the text changed under us; the next run brings fresh spans
        fmt = formats.get((r, g, b))
        if fmt is None:
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(r, g, b, alpha))
            fmt.setProperty(TINT_PROPERTY, True)
            formats[(r, g, b)] = fmt
        cursor = QTextCursor(doc)
        cursor.setPosition(start)
        cursor.setPosition(min(end, last), keep_anchor)
        sel = QTextEdit.ExtraSelection()
        sel.cursor = cursor
        sel.format = fmt
        out.append(sel)
    return out


def _others(edit: QPlainTextEdit) -> list[QTextEdit.ExtraSelection]:
    return [s for s in edit.extraSelections() if not s.format.boolProperty(TINT_PROPERTY)]


def visible_range(edit: QPlainTextEdit, margin: int = VISIBLE_MARGIN) -> tuple[int, int]:
    """Document positions shown in the view, widened by `margin` characters each way."""
    top = edit.firstVisibleBlock().position()
    bottom = edit.cursorForPosition(QPoint(0, max(edit.viewport().height() - 1, 0))).block()
    end = bottom.position() + bottom.length()
    return max(0, top - margin), end + margin


def apply_tint(edit: QPlainTextEdit, spans: Sequence[tuple[int, int]], values: np.ndarray,
               scale: Scale, visible_only: bool = True) -> int:
    """Tint the spans by their values, replacing an earlier tint; returns how many were tinted.

    Each selection costs tens of microseconds to build and to paint, so by default only the
    words on screen (plus a margin) are tinted; the panel re-tints when the view scrolls.
    """
    values = np.asarray(values)
    if len(values) != len(spans):
        raise ValueError(f"{len(spans)} spans but {len(values)} values")
    if spans:
        starts = np.fromiter((s for s, _ in spans), dtype=np.int64, count=len(spans))
        lo_pos, hi_pos = visible_range(edit) if visible_only else (0, starts[-1] + 1)
        lo = int(np.searchsorted(starts, lo_pos))
        hi = min(int(np.searchsorted(starts, hi_pos)), lo + MAX_TINTED)
        spans, values = spans[lo:hi], values[lo:hi]
    ours = tint_selections(edit, spans, values, scale)
    edit.setExtraSelections(_others(edit) + ours)
    return len(ours)


def clear_tint(edit: QPlainTextEdit) -> None:
    edit.setExtraSelections(_others(edit))


def tinted(edit: QPlainTextEdit) -> list[QTextEdit.ExtraSelection]:
    """The tint's selections currently on the view (tests and the panel read them)."""
    return [s for s in edit.extraSelections() if s.format.boolProperty(TINT_PROPERTY)]
