"""The insight panel's charts: heatmaps, bars, traces and the gates view.

Each widget draws arrays it is given (from `editor.core.insight`) and reports clicks; none runs
the model. The dock that arranges them is editor/ui/insight/panel.py.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QMouseEvent,
    QPainter,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from editor.core import insight
from editor.core.insight import Scale
from editor.core.modelfile import GATE_NAMES
from editor.ui.theme import uses_dark_colours

_MARGIN_L, _MARGIN_R, _MARGIN_T, _LABELS_H = 34, 46, 18, 64
TOP_LISTED = 5  # entries a chart's text alternative (accessibleDescription) names


def small_font(widget: QWidget, delta: int = -1) -> QFont:
    f = QFont(widget.font())
    f.setPointSizeF(max(6.0, f.pointSizeF() + delta))
    return f


def colour_map(widget: QWidget) -> np.ndarray:
    """The diverging colour map for the widget's palette: white-centred on a light one,
    dark-centred on a dark one (see insight.diverging_lut)."""
    return insight.DARK_LUT if uses_dark_colours(widget.palette()) else insight.diverging_lut()


def ink(widget: QWidget, colour: QColor) -> QColor:
    """A chart's line or bar colour made lighter on a dark palette, where the light theme's
    dark blues and reds would sink into the background."""
    return colour.lighter(170) if uses_dark_colours(widget.palette()) else colour


def image_from(bgra: np.ndarray) -> QImage:
    """A Qt-owned QImage holding a copy of a [rows, cols, 4] uint8 BGRA array.

    Wrapping numpy memory directly (QImage(buffer, ...)) has refcount bugs in some PySide6
    versions; one copy of a few thousand pixels costs microseconds.
    """
    rows, cols = bgra.shape[:2]
    img = QImage(cols, rows, QImage.Format.Format_RGB32)
    view = np.ndarray((rows, img.bytesPerLine()), np.uint8, buffer=img.bits())
    view[:, : cols * 4] = bgra.reshape(rows, cols * 4)
    return img


class _LabelStrip:
    """Column labels rendered once into an image and reused while the tokens stay the same.

    Rotated text is the dearest thing a frame draws; between two new tokens (most keystrokes:
    the word being typed is not a token yet) the labels do not change.
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._img: QImage | None = None

    def draw(self, p: QPainter, labels: Sequence[str], x0: float, col_w: float, y: float,
             height: float) -> None:
        if not labels:
            return
        ratio = p.device().devicePixelRatioF() if p.device() else 1.0
        width = col_w * len(labels) + p.fontMetrics().height()  # the last rotated label sticks out
        key = (tuple(labels), round(col_w, 3), int(height), p.font().key(), p.pen().color().rgba(), ratio)
        if key != self._key or self._img is None:
            img = QImage(max(int(width * ratio), 1), max(int(height * ratio), 1),
                         QImage.Format.Format_ARGB32_Premultiplied)
            img.setDevicePixelRatio(ratio)
            img.fill(Qt.GlobalColor.transparent)
            q = QPainter(img)
            q.setFont(p.font())
            q.setPen(p.pen())
            _draw_column_labels(q, labels, 0.0, col_w, 0.0, height)
            q.end()
            self._key, self._img = key, img
        p.drawImage(QPointF(x0, y), self._img)


def _draw_column_labels(p: QPainter, labels: Sequence[str], x0: float, col_w: float, y: float,
                        height: float) -> None:
    """Token labels under their columns, rotated so 30 of them fit in a narrow dock."""
    fm = p.fontMetrics()
    shown = [insight.display_token(label) for label in labels]
    if shown and max(fm.horizontalAdvance(t) for t in shown) < col_w - 4:
        for k, text in enumerate(shown):  # wide columns (the Pin view): plain horizontal labels
            p.drawText(QRectF(x0 + k * col_w, y + 2, col_w, fm.height()), Qt.AlignmentFlag.AlignHCenter, text)
        return
    for k, label in enumerate(shown):
        text = fm.elidedText(label, Qt.TextElideMode.ElideRight, int(height) - 4)
        p.save()
        p.translate(x0 + (k + 0.5) * col_w + fm.ascent() / 2 - 1, y + 2)
        p.rotate(90)
        p.drawText(QPointF(0, 0), text)
        p.restore()


@functools.lru_cache(maxsize=8)
def _legend_image(lo: float, hi: float, dark: bool) -> QImage:
    ramp = np.linspace(hi, lo, 64)[:, None]
    lut = insight.DARK_LUT if dark else insight.diverging_lut()
    return image_from(insight.colorize(ramp, Scale(lo, hi), lut))


def _draw_legend(p: QPainter, rect: QRectF, scale: Scale, dark: bool = False) -> None:
    """A vertical colour bar with its three numbers: the one scale all cells share."""
    p.drawImage(QRectF(rect.x(), rect.y(), 10, rect.height()),
                _legend_image(scale.lo, scale.hi, dark))
    fm = p.fontMetrics()
    for value, y in ((scale.hi, rect.top() + fm.ascent()), (scale.mid, rect.center().y() + fm.ascent() / 2),
                     (scale.lo, rect.bottom())):
        p.drawText(QPointF(rect.x() + 13, y), f"{value:.2g}")


# -- views -------------------------------------------------------------------------------------------
class Heatmap(QWidget):
    """Rows are units, columns tokens; drawn from one QImage made from the numpy matrix."""

    unit_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.matrix = np.zeros((0, 0), np.float32)  # [units, columns] in unit order
        self.order = np.zeros(0, np.intp)  # display row -> unit
        self.labels: list[str] = []
        self.scale = Scale(-1.0, 1.0)
        self.title = ""
        self.selected: int | None = None
        self.hover_text = ""
        self._img: QImage | None = None
        self._labels = _LabelStrip()
        self.setMinimumSize(160, 120)

    def set_data(self, matrix: np.ndarray, labels: Sequence[str], scale: Scale, order: np.ndarray,
                 title: str = "", selected: int | None = None) -> None:
        self.matrix = matrix
        self.labels = list(labels)
        self.scale = scale
        self.order = order
        self.title = title
        self.selected = selected
        rows, cols = matrix.shape
        self._img = (image_from(insight.colorize(matrix[order], scale, colour_map(self)))
                     if rows and cols else None)
        self.setMinimumHeight(_MARGIN_T + _LABELS_H + max(rows, 60))
        self.setAccessibleDescription(self.describe())
        self.update()

    def describe(self, top: int = TOP_LISTED) -> str:
        """The text alternative a screen reader gets: the units strongest at the last column."""
        rows, cols = self.matrix.shape
        if not rows or not cols:
            return self.tr("type to see the LSTM's state")
        last = self.matrix[:, -1]
        strongest = np.argsort(-np.abs(np.nan_to_num(last)), kind="stable")[:top]
        tok = insight.display_token(self.labels[-1]) if self.labels else "?"
        units = ", ".join(self.tr("unit {0} {1:+.2f}").format(int(u), float(last[u]))
                          for u in strongest)
        text = self.tr("{0}. Strongest at '{1}': {2}.").format(self.title, tok, units)
        if self.selected is not None and self.selected < rows:
            text += " " + self.tr("Selected: unit {0} {1:+.2f}.").format(
                self.selected, float(last[self.selected]))
        return text

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.matrix.size:
            # The colour map follows the theme: rebuild the cells in the new one.
            self.set_data(self.matrix, self.labels, self.scale, self.order, self.title,
                          self.selected)

    def _grid(self) -> QRectF:
        return QRectF(_MARGIN_L, _MARGIN_T, max(self.width() - _MARGIN_L - _MARGIN_R, 1),
                      max(self.height() - _MARGIN_T - _LABELS_H, 1))

    def cell_at(self, pos: QPoint | QPointF) -> tuple[int, int] | None:
        """(unit, column) under a point, or None outside the grid."""
        rows, cols = self.matrix.shape
        g = self._grid()
        if not rows or not cols or not g.contains(QPointF(pos)):
            return None
        r = min(int((pos.y() - g.top()) / g.height() * rows), rows - 1)
        c = min(int((pos.x() - g.left()) / g.width() * cols), cols - 1)
        return int(self.order[r]), c

    def row_y(self, unit: int) -> float:
        """Centre of a unit's row in widget coordinates (tests click there)."""
        g = self._grid()
        r = int(np.nonzero(self.order == unit)[0][0])
        return g.top() + (r + 0.5) * g.height() / self.matrix.shape[0]

    def tooltip_at(self, pos: QPoint | QPointF) -> str:
        cell = self.cell_at(pos)
        if cell is None:
            return ""
        unit, col = cell
        tok = insight.display_token(self.labels[col]) if col < len(self.labels) else "?"
        return self.tr("unit {0}, token '{1}', value {2:.3f}").format(
            unit, tok, self.matrix[unit, col])

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        text = self.tooltip_at(event.position())
        if text != self.hover_text:
            self.hover_text = text
            if text:
                QToolTip.showText(event.globalPosition().toPoint(), text, self)
            else:
                QToolTip.hideText()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        cell = self.cell_at(event.position())
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            self.unit_clicked.emit(cell[0])

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setFont(small_font(self))
        text_pen = QPen(self.palette().windowText().color())
        p.setPen(text_pen)
        p.drawText(QPointF(4, 12), p.fontMetrics().elidedText(  # whole in describe()
            self.title, Qt.TextElideMode.ElideRight, self.width() - 8))
        g = self._grid()
        rows, cols = self.matrix.shape
        if self._img is None:
            p.drawText(g, Qt.AlignmentFlag.AlignCenter, self.tr("type to see the LSTM's state"))
            return
        p.drawImage(g, self._img)  # nearest-neighbour scaling: each cell stays one flat colour
        row_h, col_w = g.height() / rows, g.width() / cols
        fm = p.fontMetrics()
        # Unit numbers on the left: about a dozen ticks (text is the dearest thing drawn here).
        step = max(1, math.ceil(fm.height() / max(row_h, 1e-6)), math.ceil(rows / 12))
        right_top = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
        for r in range(0, rows, step):
            p.drawText(QRectF(0, g.top() + r * row_h, _MARGIN_L - 3, max(row_h, fm.height())),
                       right_top, str(int(self.order[r])))
        if self.selected is not None and self.selected < rows:
            y = self.row_y(self.selected)
            p.setPen(QPen(text_pen.color(), 1.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(g.left() - 1, y - max(row_h, 2) / 2, g.width() + 2, max(row_h, 2)))
            p.setPen(text_pen)
        self._labels.draw(p, self.labels, g.left(), col_w, g.bottom(), _LABELS_H - 4)
        _draw_legend(p, QRectF(g.right() + 6, g.top(), 10, min(g.height(), 160)), self.scale,
                     uses_dark_colours(self.palette()))


class WordBars(QWidget):
    """One bar per column (token) around a zero line: the Memory view's importance."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels: list[str] = []
        self.values = np.zeros(0)
        self.title = ""
        self.top: float | None = None
        self._strip = _LabelStrip()
        self.setMinimumSize(160, 160)

    def set_data(self, labels: Sequence[str], values: np.ndarray, title: str,
                 top: float | None = None) -> None:
        """`top`: the value of a full bar (default: the largest here), so that two charts
        drawn to compare share one scale."""
        self.labels, self.values, self.title = list(labels), np.asarray(values, float), title
        self.top = top
        self.setAccessibleDescription(self.describe())
        self.update()

    def describe(self, top: int = TOP_LISTED) -> str:
        """The words that matter most, with their drop in probability."""
        if not len(self.values):
            return self.title or self.tr("no prediction yet")
        order = np.argsort(-np.nan_to_num(self.values, nan=-np.inf), kind="stable")[:top]
        words = ", ".join(f"{insight.display_token(self.labels[k])} {self.values[k]:+.3f}"
                          for k in order if k < len(self.labels))
        return self.tr("{0}. Most important: {1}.").format(self.title, words)

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setFont(small_font(self))
        fg = self.palette().windowText().color()
        p.setPen(fg)
        p.drawText(QRectF(4, 0, self.width() - 8, 30), Qt.TextFlag.TextWordWrap, self.title)
        n = len(self.values)
        g = QRectF(_MARGIN_L, 34, max(self.width() - _MARGIN_L - 10, 1),
                   max(self.height() - 34 - _LABELS_H, 1))
        if not n:
            p.drawText(g, Qt.AlignmentFlag.AlignCenter, self.tr("no prediction yet"))
            return
        finite = self.values[np.isfinite(self.values)]
        top = max(float(np.max(np.abs(finite))) if finite.size else 0.0, self.top or 0.0, 1e-3)
        zero = g.center().y() if (finite < 0).any() else g.bottom()
        span = (g.height() / 2) if (finite < 0).any() else g.height()
        col_w = g.width() / n
        p.setPen(Qt.PenStyle.NoPen)
        for k, v in enumerate(self.values):
            if not np.isfinite(v):
                continue
            hgt = float(v) / top * span
            p.setBrush(ink(self, QColor(178, 24, 43) if v >= 0 else QColor(33, 102, 172)))
            p.drawRect(QRectF(g.left() + k * col_w + 1, zero - max(hgt, 0.0), max(col_w - 2, 1), abs(hgt)))
        p.setPen(fg)
        p.drawLine(QPointF(g.left(), zero), QPointF(g.right(), zero))
        p.drawText(QPointF(2, g.top() + 8), f"{top:.2f}")
        self._strip.draw(p, self.labels, g.left(), col_w, g.bottom(), _LABELS_H - 4)


class ProbBars(QWidget):
    """Top-10 next tokens as horizontal bars; the strip's words are marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[tuple[str, float]] = []
        self.marked: set[str] = set()
        self.title = ""
        self.setMinimumSize(160, 160)

    def set_data(self, items: Sequence[tuple[str, float]], marked: set[str], title: str) -> None:
        self.items, self.marked, self.title = list(items), set(marked), title
        self.setAccessibleDescription(self.describe())
        self.update()

    def describe(self) -> str:
        """Every bar as words: the token, its probability, and whether the strip shows it."""
        if not self.items:
            return self.tr("no prediction yet")
        bars = ", ".join(
            (self.tr("{0} {1:.1%} (in the strip)") if tok in self.marked else
             self.tr("{0} {1:.1%}")).format(insight.display_token(tok), prob)
            for tok, prob in self.items)
        return f"{self.title}: {bars}."

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setFont(small_font(self, 0))
        fg = self.palette().windowText().color()
        p.setPen(fg)
        fm = p.fontMetrics()
        # Cut to a narrow panel's width; the accessible description has it whole.
        p.drawText(QPointF(6, 14), fm.elidedText(self.title, Qt.TextElideMode.ElideRight,
                                                 self.width() - 12))
        if not self.items:
            return
        label_w, bar_w = self.columns(fm)
        top, row_h = 24.0, min(26.0, (self.height() - 30) / len(self.items))
        for k, (tok, prob) in enumerate(self.items):
            y = top + k * row_h
            mark = tok in self.marked
            p.setPen(fg)
            label = fm.elidedText(("★ " if mark else "") + insight.display_token(tok),
                                  Qt.TextElideMode.ElideRight, int(label_w - 8))
            p.drawText(QRectF(4, y, label_w - 8, row_h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       label)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(ink(self, QColor(178, 24, 43)) if mark else QColor(128, 128, 128))
            p.drawRect(QRectF(label_w, y + 3, max(prob * bar_w, 1), row_h - 6))
            p.setPen(fg)
            p.drawText(QPointF(label_w + prob * bar_w + 4, y + row_h / 2 + fm.ascent() / 2 - 1),
                       self.percent(prob, fm))

    MIN_BAR = 24  # pixels left for a bar at probability 1

    def _natural_label_width(self, fm: QFontMetrics) -> int:
        return max(fm.horizontalAdvance(("★ " if t in self.marked else "")
                                        + insight.display_token(t))
                   for t, _ in self.items) + 14

    def _decimals(self, fm: QFontMetrics) -> int:
        """1 ("93.4%") when there is room, else 0 ("93%"): in the Compare view's half-width
        columns the decimal cost the words their room ("★ pe…" for "★ pedra")."""
        if not self.items:
            return 1
        wide = fm.horizontalAdvance("100.0%") + 8
        return 1 if self._natural_label_width(fm) + wide + self.MIN_BAR <= self.width() else 0

    def percent(self, prob: float, fm: QFontMetrics) -> str:
        """A bar's probability as drawn (the accessible description always has one decimal)."""
        decimals = self._decimals(fm)
        if decimals == 0 and 0 < prob < 0.005:
            return "<1%"  # not "0%": the model does give it a chance
        return f"{prob:.{decimals}%}"

    def columns(self, fm: QFontMetrics) -> tuple[float, float]:
        """Widths of the label column and of a bar at probability 1. The percentage after the
        longest bar must stay inside the widget: in the Compare view's half-width columns the
        labels used to take the room and cut "93.0%" to "93" (the labels are elided instead)."""
        pct_w = fm.horizontalAdvance(self.percent(1.0, fm)) + 8
        natural = self._natural_label_width(fm)
        label_w = float(max(min(natural, 140, self.width() - pct_w - self.MIN_BAR), 40))
        return label_w, float(max(self.width() - label_w - pct_w, 10))


class Trace(QWidget):
    """Line plot of one unit over the recent tokens: h, tanh(c) and its gates."""

    COLOURS = {"h": QColor(20, 20, 20), "tanh_c": QColor(230, 120, 0), "input": QColor(60, 140, 60),
               "forget": QColor(33, 102, 172), "output": QColor(150, 60, 160),
               "reset": QColor(60, 140, 60), "update": QColor(33, 102, 172)}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels: list[str] = []
        self.lines: dict[str, np.ndarray] = {}
        self.title = ""
        self.empty_text = self.tr("click a row of the State heatmap")
        self._strip = _LabelStrip()
        self.setMinimumSize(160, 160)

    def set_data(self, labels: Sequence[str], lines: dict[str, np.ndarray], title: str,
                 empty_text: str | None = None) -> None:
        self.labels, self.lines, self.title = list(labels), lines, title
        self.empty_text = empty_text if empty_text is not None else self.tr(
            "click a row of the State heatmap")
        self.setAccessibleDescription(self.describe())
        self.update()

    def describe(self) -> str:
        """The unit's values at the last token, one per line drawn."""
        if not self.labels or not self.lines:
            return self.title or self.tr("click a row of the State heatmap")
        values = ", ".join(f"{name} {float(v[-1]):+.2f}" for name, v in self.lines.items()
                           if len(v))
        return self.tr("{0}. At '{1}': {2}.").format(
            self.title, insight.display_token(self.labels[-1]), values)

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setFont(small_font(self))
        fg = self.palette().windowText().color()
        p.setPen(fg)
        p.drawText(QPointF(4, 12), p.fontMetrics().elidedText(  # whole in describe()
            self.title, Qt.TextElideMode.ElideRight, self.width() - 8))
        g = QRectF(_MARGIN_L, 34, max(self.width() - _MARGIN_L - 10, 1), max(self.height() - 34 - _LABELS_H, 1))
        n = len(self.labels)
        if not n or not self.lines:
            p.drawText(g, Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter,
                       self.empty_text)
            return
        col_w = g.width() / n

        mid, half = g.center().y(), g.height() / 2

        def y_of(v: float) -> float:  # every line lives in [-1, 1]; gates in [0, 1]
            return mid - max(-1.0, min(1.0, v)) * half

        xs = (g.left() + (np.arange(n) + 0.5) * col_w).tolist()

        p.setPen(QPen(QColor(170, 170, 170), 1, Qt.PenStyle.DotLine))
        for v in (-1.0, 0.0, 1.0):
            p.drawLine(QPointF(g.left(), y_of(v)), QPointF(g.right(), y_of(v)))
        p.setPen(fg)
        for v in (-1, 0, 1):
            p.drawText(QPointF(4, y_of(v) + 4), str(v))
        x_legend = g.left()
        for name, values in self.lines.items():
            ys = (mid - np.clip(values, -1.0, 1.0) * half).tolist()
            line = QPolygonF([QPointF(x, y) for x, y in zip(xs, ys, strict=True)])
            width = 2.0 if name in ("h", "tanh_c") else 1.0
            # h is drawn in the text colour, so it stays visible on a dark palette too.
            colour = fg if name == "h" else ink(self, self.COLOURS.get(name, fg))
            p.setPen(QPen(colour, width))
            p.drawPolyline(line)
            p.drawText(QPointF(x_legend, 28), name)
            x_legend += p.fontMetrics().horizontalAdvance(name) + 10
        p.setPen(fg)
        self._strip.draw(p, self.labels, g.left(), col_w, g.bottom(), _LABELS_H - 4)


class GatesView(QWidget):
    """Current input/forget/output gates as strips, and their saturation per unit as densities.

    A GRU shows its reset and update gates the same way; a plain RNN has none, and says so.
    """

    SHOWN = ("input", "forget", "output")
    SHOWN_BY_CELL = {"lstm": ("input", "forget", "output"), "gru": ("reset", "update")}
    BINS = 24

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current = np.zeros((4, 0))  # [4, H] gate values at the last token
        self.low = np.zeros((4, 0))
        self.high = np.zeros((4, 0))
        self.order = np.zeros(0, np.intp)
        self.selected: int | None = None
        self.title = ""
        self.gate_names: tuple[str, ...] = GATE_NAMES
        self.shown_names: tuple[str, ...] = self.SHOWN
        self.empty_text = self.tr("no gates yet")
        self._strips: list[QImage] = []
        self._density: list[QImage] = []
        self.setMinimumSize(160, self.MIN_HEIGHT)  # as narrow as the panel can be

    def set_cell(self, cell: str, gate_names: Sequence[str], empty_text: str) -> None:
        """The model's cell: which gates exist (the rows of `current`) and which are drawn."""
        self.gate_names = tuple(gate_names)
        self.shown_names = self.SHOWN_BY_CELL.get(cell, ())
        self.empty_text = empty_text

    def set_data(self, current: np.ndarray, low: np.ndarray, high: np.ndarray, order: np.ndarray,
                 title: str, selected: int | None) -> None:
        self.current, self.low, self.high, self.order = current, low, high, order
        self.title, self.selected = title, selected
        self._strips, self._density = [], []
        if current.shape[1] and self.shown_names:
            for name in self.shown_names:
                gi = self.gate_names.index(name)
                row = current[gi][order][None, :]
                self._strips.append(image_from(insight.colorize(row, Scale(0.0, 1.0),
                                                                colour_map(self))))
                # Many units share a spot: a density picture stays one image however many there are.
                grid = insight.saturation_density(low[gi], high[gi], self.BINS)
                top = max(float(grid.max()), 1.0)
                shade = np.where(grid > 0, 0.35 + 0.65 * np.sqrt(grid / top), 0.0)  # one unit still shows
                self._density.append(image_from(insight.colorize(shade, Scale(-1.0, 1.0),
                                                                 colour_map(self))))
        self.setAccessibleDescription(self.describe())
        self.setToolTip(self.describe())
        self._fit_height()
        self.update()

    MIN_HEIGHT = 240

    def _fit_height(self) -> None:
        """Tall enough for the summary under the density boxes at this width: in a narrow
        panel its lines wrap more and were cut off at the bottom (the view scrolls instead)."""
        needed = self.MIN_HEIGHT
        if self._strips:
            fm = QFontMetrics(small_font(self))
            w = self.width()
            top = 18 + len(self.shown_names) * 17 + 8
            y = top + 18 + max((w - 36) / 3 - 9, 30) + 32
            for line in self.summary():
                y += fm.boundingRect(QRect(0, 0, max(w - 12, 1), 10_000),
                                     Qt.TextFlag.TextWordWrap, line).height() + 2
            needed = max(needed, int(y) + 4)
        if needed != self.minimumHeight():
            self.setMinimumHeight(needed)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setFont(small_font(self))
        fg = self.palette().windowText().color()
        p.setPen(fg)
        if not self._strips:
            p.drawText(self.rect().adjusted(12, 12, -12, -12),
                       Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        w = self.width()
        shown = self.shown_names
        fm = p.fontMetrics()
        elide = Qt.TextElideMode.ElideRight
        # Texts are cut to the panel's width (a translation may be longer); the whole of each
        # is in the accessible description and the tooltip.
        p.drawText(QPointF(4, 12), fm.elidedText(
            self.tr("gates at the last token (units in heatmap order)"), elide, w - 8))
        strip_h = 14
        for k, (name, img) in enumerate(zip(shown, self._strips, strict=True)):
            y = 18 + k * (strip_h + 3)
            symbol = {"update": "z"}.get(name, name[0])  # the GRU's update gate is z
            p.drawText(QRectF(0, y, _MARGIN_L - 4, strip_h), Qt.AlignmentFlag.AlignRight, symbol)
            p.drawImage(QRectF(_MARGIN_L, y, w - _MARGIN_L - 8, strip_h), img)
        top = 18 + len(shown) * (strip_h + 3) + 8
        p.drawText(QPointF(4, top + 10), fm.elidedText(self.title, elide, w - 8))
        # Per gate: x = share of steps shut (< 0.1), y = share wide open (> 0.9), one spot per unit.
        gap = 18
        size = min((w - 2 * gap) / 3 - gap / 2, self.height() - top - 90)
        if size < 30:
            return
        for k, (name, img) in enumerate(zip(shown, self._density, strict=True)):
            gi = self.gate_names.index(name)
            box = QRectF(gap + k * (size + gap), top + 18, size, size)
            p.drawImage(box, img)
            p.setPen(QPen(QColor(150, 150, 150)))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(box)
            p.drawLine(box.bottomLeft(), box.topRight())  # shut + open <= 1: units sit below it
            if self.selected is not None and self.selected < self.low.shape[1]:
                pt = QPointF(box.left() + float(self.low[gi, self.selected]) * box.width(),
                             box.bottom() - float(self.high[gi, self.selected]) * box.height())
                p.setPen(QPen(fg, 1.5))
                p.drawEllipse(pt, 4.0, 4.0)
            p.setPen(fg)
            p.drawText(QPointF(box.left(), box.bottom() + 12), fm.elidedText(
                self.tr("{0}: → shut").format(name), elide, int(size + gap / 2)))
            p.save()
            p.translate(box.left() - 3, box.bottom())
            p.rotate(-90)
            p.drawText(QPointF(0, 0), fm.elidedText(self.tr("open →"), elide, int(size)))
            p.restore()
        y = top + 18 + size + 32
        for line in self.summary():
            room = QRectF(6, y - fm.ascent(), w - 12, max(self.height() - y, fm.height()))
            used = p.boundingRect(room, Qt.TextFlag.TextWordWrap, line)
            p.drawText(room, Qt.TextFlag.TextWordWrap, line)
            y += used.height() + 2

    def summary(self) -> list[str]:
        """The counts that tell the story: memory keepers and units that ignore their input."""
        if not self.low.shape[1]:
            return []
        n = self.low.shape[1]
        names = self.gate_names
        if "forget" in names:
            keep = int((self.high[names.index("forget")] >= 0.9).sum())
            deaf = int((self.low[names.index("input")] >= 0.9).sum())
            mute = int((self.low[names.index("output")] >= 0.9).sum())
            return [self.tr("{0} of {1} units keep their cell (forget gate open ≥ 90% of "
                            "steps)").format(keep, n),
                    self.tr("{0} rarely write (input gate shut ≥ 90%), {1} rarely show (output "
                            "shut ≥ 90%)").format(deaf, mute)]
        if "update" in names:
            # h' = (1 - z) n + z h: z near 1 keeps the unit's value, z near 0 rewrites it.
            keep = int((self.high[names.index("update")] >= 0.9).sum())
            rewrite = int((self.low[names.index("update")] >= 0.9).sum())
            return [self.tr("{0} of {1} units keep their value (update gate z > 0.9 at ≥ 90% of "
                            "steps)").format(keep, n),
                    self.tr("{0} of {1} are rewritten at almost every word (z < 0.1 at ≥ "
                            "90%)").format(rewrite, n)]
        return []

    def describe(self) -> str:
        """The gate means at the last token and the saturation counts, as sentences."""
        if not self.current.shape[1] or not self.shown_names:
            return self.empty_text
        means = ", ".join(
            f"{name} {float(self.current[self.gate_names.index(name)].mean()):.2f}"
            for name in self.shown_names)
        return " ".join([self.tr("Mean gates at the last token: {0}.").format(means),
                         self.title + ".", *(line + "." for line in self.summary())])

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.current.shape[1]:
            self.set_data(self.current, self.low, self.high, self.order, self.title,
                          self.selected)
