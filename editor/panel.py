"""The insight panel: a dock that shows, live, what the LSTM holds while you type.

Views (tabs): State heatmap, Next word, Unit trace, Memory (occlusion), Gates, Pin & compare.
Every number comes from `editor.insight` fed with the arrays of the onnxruntime run that made
the suggestions; the widgets here only draw and forward clicks.

Cost rules: `show_suggestions` only stores and arms a ~16 ms single-shot timer, so a burst of
keystrokes costs one redraw, and only the visible view is redrawn. What needs extra model runs
(occlusion, whole-document states for the tint and the gate statistics) runs debounced on a
one-thread pool, one job at a time, never on the GUI thread while you type (only an explicit
export runs the model on it).

API for the main window:
    panel = InsightPanel(parent)
    controller.shown.connect(panel.show_suggestions)
    controller.model_status.connect(lambda s: panel.set_model(s.model if s.ok else None))
    panel.attach_editor(controller.edit)   # document provider + tint target
    panel.unit_selected.connect(...)       # optional: the unit whose activation tints the text
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QCoreApplication,
    QElapsedTimer,
    QObject,
    QPoint,
    QPointF,
    QRectF,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from editor import insight
from editor.insight import (
    KINDS,
    ROW_SORTS,
    DocumentRunner,
    DocumentStates,
    Memory,
    PinnedState,
    Scale,
)
from editor.lm import GATE_NAMES, LanguageModel
from editor.suggest import Suggestions
from editor.tint import clear_tint, tint_document

FRAME_MS = 16  # at most one redraw per frame
ANALYSIS_DEBOUNCE_MS = 150  # model re-runs wait for a pause in typing
VIEWS = ("state", "next", "unit", "memory", "gates", "pin")
VIEW_TITLES = {"state": "State", "next": "Next word", "unit": "Unit", "memory": "Memory",
               "gates": "Gates", "pin": "Pin"}
_MARGIN_L, _MARGIN_R, _MARGIN_T, _LABELS_H = 34, 46, 18, 64


def _small_font(widget: QWidget, delta: int = -1) -> QFont:
    f = QFont(widget.font())
    f.setPointSizeF(max(6.0, f.pointSizeF() + delta))
    return f


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
def _legend_image(lo: float, hi: float) -> QImage:
    ramp = np.linspace(hi, lo, 64)[:, None]
    return image_from(insight.colorize(ramp, Scale(lo, hi)))


def _draw_legend(p: QPainter, rect: QRectF, scale: Scale) -> None:
    """A vertical colour bar with its three numbers: the one scale all cells share."""
    p.drawImage(QRectF(rect.x(), rect.y(), 10, rect.height()), _legend_image(scale.lo, scale.hi))
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
        self._img = image_from(insight.colorize(matrix[order], scale)) if rows and cols else None
        self.setMinimumHeight(_MARGIN_T + _LABELS_H + max(rows, 60))
        self.update()

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
        return f"unit {unit}, token '{tok}', value {self.matrix[unit, col]:.3f}"

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
        p.setFont(_small_font(self))
        text_pen = QPen(self.palette().windowText().color())
        p.setPen(text_pen)
        p.drawText(QPointF(4, 12), self.title)
        g = self._grid()
        rows, cols = self.matrix.shape
        if self._img is None:
            p.drawText(g, Qt.AlignmentFlag.AlignCenter, "type to see the LSTM's state")
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
            p.setPen(QPen(QColor(20, 20, 20), 1.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(g.left() - 1, y - max(row_h, 2) / 2, g.width() + 2, max(row_h, 2)))
            p.setPen(text_pen)
        self._labels.draw(p, self.labels, g.left(), col_w, g.bottom(), _LABELS_H - 4)
        _draw_legend(p, QRectF(g.right() + 6, g.top(), 10, min(g.height(), 160)), self.scale)


class WordBars(QWidget):
    """One bar per column (token) around a zero line: the Memory view's importance."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels: list[str] = []
        self.values = np.zeros(0)
        self.title = ""
        self._strip = _LabelStrip()
        self.setMinimumSize(160, 160)

    def set_data(self, labels: Sequence[str], values: np.ndarray, title: str) -> None:
        self.labels, self.values, self.title = list(labels), np.asarray(values, float), title
        self.update()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setFont(_small_font(self))
        fg = self.palette().windowText().color()
        p.setPen(fg)
        p.drawText(QRectF(4, 0, self.width() - 8, 30), Qt.TextFlag.TextWordWrap, self.title)
        n = len(self.values)
        g = QRectF(_MARGIN_L, 34, max(self.width() - _MARGIN_L - 10, 1),
                   max(self.height() - 34 - _LABELS_H, 1))
        if not n:
            p.drawText(g, Qt.AlignmentFlag.AlignCenter, "no prediction yet")
            return
        finite = self.values[np.isfinite(self.values)]
        top = max(float(np.max(np.abs(finite))) if finite.size else 0.0, 1e-3)
        zero = g.center().y() if (finite < 0).any() else g.bottom()
        span = (g.height() / 2) if (finite < 0).any() else g.height()
        col_w = g.width() / n
        p.setPen(Qt.PenStyle.NoPen)
        for k, v in enumerate(self.values):
            if not np.isfinite(v):
                continue
            hgt = float(v) / top * span
            p.setBrush(QColor(178, 24, 43) if v >= 0 else QColor(33, 102, 172))
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
        self.update()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setFont(_small_font(self, 0))
        fg = self.palette().windowText().color()
        p.setPen(fg)
        p.drawText(QPointF(6, 14), self.title)
        if not self.items:
            return
        fm = p.fontMetrics()
        label_w = min(max(fm.horizontalAdvance(insight.display_token(t)) for t, _ in self.items) + 22, 140)
        top, row_h = 24.0, min(26.0, (self.height() - 30) / len(self.items))
        bar_w = max(self.width() - label_w - 60, 10)
        for k, (tok, prob) in enumerate(self.items):
            y = top + k * row_h
            mark = tok in self.marked
            p.setPen(fg)
            p.drawText(QRectF(4, y, label_w - 8, row_h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       ("★ " if mark else "") + insight.display_token(tok))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(178, 24, 43) if mark else QColor(120, 120, 120))
            p.drawRect(QRectF(label_w, y + 3, max(prob * bar_w, 1), row_h - 6))
            p.setPen(fg)
            p.drawText(QPointF(label_w + prob * bar_w + 4, y + row_h / 2 + fm.ascent() / 2 - 1), f"{prob:.1%}")


class Trace(QWidget):
    """Line plot of one unit over the recent tokens: h, tanh(c) and its gates."""

    COLOURS = {"h": QColor(20, 20, 20), "tanh_c": QColor(230, 120, 0), "input": QColor(60, 140, 60),
               "forget": QColor(33, 102, 172), "output": QColor(150, 60, 160)}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels: list[str] = []
        self.lines: dict[str, np.ndarray] = {}
        self.title = ""
        self._strip = _LabelStrip()
        self.setMinimumSize(160, 160)

    def set_data(self, labels: Sequence[str], lines: dict[str, np.ndarray], title: str) -> None:
        self.labels, self.lines, self.title = list(labels), lines, title
        self.update()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setFont(_small_font(self))
        fg = self.palette().windowText().color()
        p.setPen(fg)
        p.drawText(QPointF(4, 12), self.title)
        g = QRectF(_MARGIN_L, 34, max(self.width() - _MARGIN_L - 10, 1), max(self.height() - 34 - _LABELS_H, 1))
        n = len(self.labels)
        if not n or not self.lines:
            p.drawText(g, Qt.AlignmentFlag.AlignCenter, "click a row of the State heatmap")
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
            p.setPen(QPen(self.COLOURS.get(name, fg), width))
            p.drawPolyline(line)
            p.drawText(QPointF(x_legend, 28), name)
            x_legend += p.fontMetrics().horizontalAdvance(name) + 10
        p.setPen(fg)
        self._strip.draw(p, self.labels, g.left(), col_w, g.bottom(), _LABELS_H - 4)


class GatesView(QWidget):
    """Current input/forget/output gates as strips, and their saturation per unit as densities."""

    SHOWN = ("input", "forget", "output")
    BINS = 24

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current = np.zeros((4, 0))  # [4, H] gate values at the last token
        self.low = np.zeros((4, 0))
        self.high = np.zeros((4, 0))
        self.order = np.zeros(0, np.intp)
        self.selected: int | None = None
        self.title = ""
        self._strips: list[QImage] = []
        self._density: list[QImage] = []
        self.setMinimumSize(200, 240)

    def set_data(self, current: np.ndarray, low: np.ndarray, high: np.ndarray, order: np.ndarray,
                 title: str, selected: int | None) -> None:
        self.current, self.low, self.high, self.order = current, low, high, order
        self.title, self.selected = title, selected
        self._strips, self._density = [], []
        if current.shape[1]:
            for name in self.SHOWN:
                gi = GATE_NAMES.index(name)
                row = current[gi][order][None, :]
                self._strips.append(image_from(insight.colorize(row, Scale(0.0, 1.0))))
                # Many units share a spot: a density picture stays one image however many there are.
                grid = insight.saturation_density(low[gi], high[gi], self.BINS)
                top = max(float(grid.max()), 1.0)
                shade = np.where(grid > 0, 0.35 + 0.65 * np.sqrt(grid / top), 0.0)  # one unit still shows
                self._density.append(image_from(insight.colorize(shade, Scale(-1.0, 1.0))))
        self.update()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setFont(_small_font(self))
        fg = self.palette().windowText().color()
        p.setPen(fg)
        if not self._strips:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no gates yet")
            return
        w = self.width()
        p.drawText(QPointF(4, 12), "gates at the last token (units in heatmap order)")
        strip_h = 14
        for k, (name, img) in enumerate(zip(self.SHOWN, self._strips, strict=True)):
            y = 18 + k * (strip_h + 3)
            p.drawText(QRectF(0, y, _MARGIN_L - 4, strip_h), Qt.AlignmentFlag.AlignRight, name[0])
            p.drawImage(QRectF(_MARGIN_L, y, w - _MARGIN_L - 8, strip_h), img)
        top = 18 + 3 * (strip_h + 3) + 8
        p.drawText(QPointF(4, top + 10), self.title)
        # Per gate: x = share of steps shut (< 0.1), y = share wide open (> 0.9), one spot per unit.
        gap = 18
        size = min((w - 2 * gap) / 3 - gap / 2, self.height() - top - 90)
        if size < 30:
            return
        for k, (name, img) in enumerate(zip(self.SHOWN, self._density, strict=True)):
            gi = GATE_NAMES.index(name)
            box = QRectF(gap + k * (size + gap), top + 18, size, size)
            p.drawImage(box, img)
            p.setPen(QPen(QColor(150, 150, 150)))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(box)
            p.drawLine(box.bottomLeft(), box.topRight())  # shut + open <= 1: units sit below it
            if self.selected is not None and self.selected < self.low.shape[1]:
                pt = QPointF(box.left() + float(self.low[gi, self.selected]) * box.width(),
                             box.bottom() - float(self.high[gi, self.selected]) * box.height())
                p.setPen(QPen(QColor(20, 20, 20), 1.5))
                p.drawEllipse(pt, 4.0, 4.0)
            p.setPen(fg)
            p.drawText(QPointF(box.left(), box.bottom() + 12), f"{name}: → shut")
            p.save()
            p.translate(box.left() - 3, box.bottom())
            p.rotate(-90)
            p.drawText(QPointF(0, 0), "open →")
            p.restore()
        # The counts that tell the story: memory keepers and units that ignore their input.
        n = self.low.shape[1]
        keep = int((self.high[GATE_NAMES.index("forget")] >= 0.9).sum())
        deaf = int((self.low[GATE_NAMES.index("input")] >= 0.9).sum())
        mute = int((self.low[GATE_NAMES.index("output")] >= 0.9).sum())
        y = top + 18 + size + 32
        for line in (f"{keep} of {n} units keep their cell (forget gate open ≥ 90% of steps)",
                     f"{deaf} rarely write (input gate shut ≥ 90%), {mute} rarely show (output shut ≥ 90%)"):
            p.drawText(QPointF(6, y), line)
            y += 14


# -- background analysis ----------------------------------------------------------------------------
@dataclass
class _Analysis:
    sug: Suggestions | None
    memory: Memory | None
    doc: DocumentStates | None
    error: str = ""


class _Relay(QObject):
    done = Signal(object)


class _AnalysisJob(QRunnable):
    """Occlusion and whole-document states, off the GUI thread."""

    def __init__(self, relay: _Relay, model: LanguageModel, runner: DocumentRunner | None,
                 sug: Suggestions | None, text: str | None) -> None:
        super().__init__()
        self.relay, self.model, self.runner, self.sug, self.text = relay, model, runner, sug, text

    def run(self) -> None:
        result = _Analysis(self.sug, None, None)
        try:
            if self.sug is not None:
                result.memory = insight.memory_for(self.model, self.sug)
            if self.runner is not None and self.text is not None:
                result.doc = self.runner.run(self.text)
        except Exception as exc:  # a failing analysis must never take the editor down
            result.error = f"{type(exc).__name__}: {exc}"
        self.relay.done.emit(result)


def _changed_views(old: Suggestions, new: Suggestions) -> set[str]:
    """The views whose picture differs between two results. Letters typed inside a word feed
    no token: the engine hands back the very same state arrays (read-only), and redrawing a
    512-unit heatmap for them was most of the GUI thread's time per key (issue 18)."""
    same_state = (old.h_seq is new.h_seq and old.c_seq is new.c_seq and old.gates is new.gates
                  and old.context_tokens == new.context_tokens)
    if not same_state:
        return set(VIEWS)
    same_next = (old.top_tokens == new.top_tokens and old.entropy == new.entropy
                 and [c.norm for c in old.candidates] == [c.norm for c in new.candidates])
    return set() if same_next else {"next"}


# -- the dock ----------------------------------------------------------------------------------------
class InsightPanel(QDockWidget):
    """Dock widget with the insight views; see the module docstring for how to wire it."""

    unit_selected = Signal(int)  # -1 when the selection is cleared
    analysis_done = Signal()  # occlusion / document states arrived (tests wait on it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Insight", parent)
        self.setObjectName("InsightPanel")
        self.sug: Suggestions | None = None
        self.model: LanguageModel | None = None
        self.kind = "h"
        self.layer = 0
        self.sort = "index"
        self.pin_kind = "h"
        self.unit: int | None = None
        self.pinned: PinnedState | None = None
        self.memory: Memory | None = None
        self.doc: DocumentStates | None = None
        self.tint_enabled = True
        self.redraws = 0  # frames actually drawn (tests check coalescing)
        self.shown: dict[str, object] = {}  # what each view last drew, for tests and export
        self._order = np.zeros(0, np.intp)
        self._dirty: set[str] = set(VIEWS)
        self._provider: Callable[[], str] | None = None
        self._tint_edit: QPlainTextEdit | None = None
        self._runner: DocumentRunner | None = None
        self._busy = False
        self._pending = False

        self._frame = QTimer(self)
        self._frame.setSingleShot(True)
        self._frame.setInterval(FRAME_MS)
        self._frame.timeout.connect(self.flush)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(ANALYSIS_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._start_analysis)
        self._scroll_timer = QTimer(self)
        self._scroll_timer.setSingleShot(True)
        self._scroll_timer.setInterval(30)
        self._scroll_timer.timeout.connect(self._retint)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay()
        self._relay.done.connect(self._on_analysis)

        self._build()

    # -- layout ------------------------------------------------------------------------------------
    def _build(self) -> None:
        root = QWidget(self)
        lay = QVBoxLayout(root)
        lay.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.layer_label = QLabel("Layer")
        self.layer_spin = QSpinBox()
        self.layer_spin.setRange(0, 0)
        self.layer_spin.valueChanged.connect(self.set_layer)
        self.pin_button = QPushButton("Pin")
        self.pin_button.setToolTip("Pin the current state; the Pin tab compares the live state with it")
        self.pin_button.clicked.connect(self._toggle_pin)
        self.tint_check = QCheckBox("Tint text")
        self.tint_check.setChecked(True)
        self.tint_check.setToolTip("Colour the document's words by the selected unit")
        self.tint_check.toggled.connect(self.set_tint_enabled)
        export = QToolButton()
        export.setText("Export")
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        menu.addAction("Panel as PNG…", self._ask_png)
        menu.addAction("Document states (CSV/NPZ)…", self._ask_states)
        export.setMenu(menu)
        for w in (self.layer_label, self.layer_spin, self.pin_button, self.tint_check):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(export)
        self.layer_label.hide()
        self.layer_spin.hide()
        lay.addLayout(bar)

        self.tabs = QTabWidget()
        # State
        state = QWidget()
        sl = QVBoxLayout(state)
        sl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.kind_combo = QComboBox()
        for key, label in KINDS.items():
            self.kind_combo.addItem(label, key)
        self.kind_combo.currentIndexChanged.connect(lambda _i: self.set_kind(self.kind_combo.currentData()))
        self.sort_combo = QComboBox()
        for key, label in ROW_SORTS.items():
            self.sort_combo.addItem(label, key)
        self.sort_combo.currentIndexChanged.connect(lambda _i: self.set_sort(self.sort_combo.currentData()))
        # Narrow enough for a panel a third of the window wide; the lists still show whole.
        for combo in (self.kind_combo, self.sort_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        row.addWidget(self.kind_combo)
        row.addWidget(QLabel("rows"))
        row.addWidget(self.sort_combo)
        row.addStretch(1)
        sl.addLayout(row)
        self.heatmap = Heatmap()
        self.heatmap.unit_clicked.connect(self.select_unit)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.heatmap)
        sl.addWidget(scroll)
        self.tabs.addTab(state, VIEW_TITLES["state"])
        # Next word
        self.probs = ProbBars()
        self.tabs.addTab(self.probs, VIEW_TITLES["next"])
        # Unit trace
        self.trace = Trace()
        self.tabs.addTab(self.trace, VIEW_TITLES["unit"])
        # Memory
        self.word_bars = WordBars()
        self.tabs.addTab(self.word_bars, VIEW_TITLES["memory"])
        # Gates
        self.gates_view = GatesView()
        self.tabs.addTab(self.gates_view, VIEW_TITLES["gates"])
        # Pin
        pin = QWidget()
        pl = QVBoxLayout(pin)
        pl.setContentsMargins(0, 0, 0, 0)
        self.pin_combo = QComboBox()
        self.pin_combo.addItem("Δh (hidden)", "h")
        self.pin_combo.addItem("Δc (cell)", "c")
        self.pin_combo.currentIndexChanged.connect(lambda _i: self._set_pin_kind(self.pin_combo.currentData()))
        self.pin_summary = QLabel("Press Pin to keep the current state, then type on.")
        self.pin_summary.setWordWrap(True)
        self.pin_summary.setMinimumHeight(2 * self.pin_summary.fontMetrics().lineSpacing() + 6)
        self.pin_map = Heatmap()
        self.pin_map.unit_clicked.connect(self.select_unit)
        pl.addWidget(self.pin_combo)
        pl.addWidget(self.pin_summary)
        pin_scroll = QScrollArea()
        pin_scroll.setWidgetResizable(True)
        pin_scroll.setWidget(self.pin_map)
        pl.addWidget(pin_scroll)
        self.tabs.addTab(pin, VIEW_TITLES["pin"])
        self.tabs.currentChanged.connect(self._on_tab)
        lay.addWidget(self.tabs, 1)
        self.status = QLabel("no model")
        self.status.setFont(_small_font(self))
        self.status.setWordWrap(True)  # a long model name must not make the panel wider
        lay.addWidget(self.status)
        self.setWidget(root)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(420, 640)

    def showEvent(self, event: object) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self.current_view() in self._dirty and not self._frame.isActive():
            self._frame.start()

    # -- inputs ------------------------------------------------------------------------------------
    def show_suggestions(self, sug: Suggestions) -> None:
        """Store fresh suggestions; the redraw happens at most once per frame, and only for
        views whose data changed."""
        old, self.sug = self.sug, sug
        changed = set(VIEWS) if old is None else _changed_views(old, sug)
        self._dirty.update(changed)
        if sug.h_seq is not None and sug.h_seq.ndim == 3:
            self._set_layers(sug.h_seq.shape[1])
        if changed and not self._frame.isActive():
            self._frame.start()
        self._request_analysis()

    def set_model(self, model: LanguageModel | None) -> None:
        """The model behind the suggestions: occlusion and the document tint re-run it."""
        self._pool.waitForDone()  # a running job may still hold the old runner
        self.model = model
        self._runner = DocumentRunner(model) if model is not None else None
        self.memory = None
        self.doc = None
        if model is not None:
            info = model.info
            self._set_layers(info.layers)
            self.status.setText(f"{info.name} · {info.layers} layer(s) × {info.hidden} units · "
                                f"{info.vocab_size} tokens")
        else:
            self.status.setText("no model")
            self.sug = None
        if self.unit is not None and model is not None and self.unit >= model.info.hidden:
            self.select_unit(-1)
        self._dirty.update(VIEWS)
        self._frame.start()

    def set_document_provider(self, provider: Callable[[], str] | None) -> None:
        """A callable returning the document's whole text (for the tint, the gate statistics, export)."""
        self._provider = provider

    def attach_editor(self, edit: QPlainTextEdit | None) -> None:
        """Read the document from `edit` and tint its words by the selected unit."""
        old = self._tint_edit
        if old is not None and old is not edit:
            clear_tint(old)
            old.verticalScrollBar().valueChanged.disconnect(self._on_scroll)
        if edit is not None and edit is not old:
            # Only the words on screen are tinted: scrolling brings new words to colour.
            edit.verticalScrollBar().valueChanged.connect(self._on_scroll)
        self._tint_edit = edit
        self._provider = edit.toPlainText if edit is not None else None

    def _on_scroll(self, _value: int) -> None:
        if self.unit is not None and self.tint_enabled:
            self._scroll_timer.start()

    # -- controls ----------------------------------------------------------------------------------
    def set_view(self, view: str) -> None:
        self.tabs.setCurrentIndex(VIEWS.index(view))

    def current_view(self) -> str:
        return VIEWS[self.tabs.currentIndex()]

    def set_kind(self, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        if kind == self.kind:
            return
        self.kind = kind
        self.kind_combo.setCurrentIndex(list(KINDS).index(kind))  # re-enters here and returns
        self._changed(retint=True)

    def set_sort(self, mode: str) -> None:
        if mode not in ROW_SORTS:
            raise ValueError(f"unknown row sort {mode!r}")
        if mode == self.sort:
            return
        self.sort = mode
        self.sort_combo.setCurrentIndex(list(ROW_SORTS).index(mode))
        self._changed()

    def set_layer(self, layer: int) -> None:
        if int(layer) == self.layer:
            return
        self.layer = int(layer)
        if self.layer_spin.value() != self.layer:
            self.layer_spin.setValue(self.layer)
        self._changed(retint=True)

    def _set_pin_kind(self, kind: str) -> None:
        self.pin_kind = kind
        self._changed()

    def set_tint_enabled(self, on: bool) -> None:
        self.tint_enabled = bool(on)
        if self.tint_check.isChecked() != self.tint_enabled:
            self.tint_check.setChecked(self.tint_enabled)
        if not on and self._tint_edit is not None:
            clear_tint(self._tint_edit)
        elif on:
            self._retint()

    def select_unit(self, unit: int) -> None:
        """Select a unit (-1 clears): the trace follows it and the document is tinted by it."""
        self.unit = None if unit is None or unit < 0 else int(unit)
        self.unit_selected.emit(-1 if self.unit is None else self.unit)
        if self.unit is None and self._tint_edit is not None:
            clear_tint(self._tint_edit)
        self._changed(retint=True)

    def pin(self) -> bool:
        if self.sug is None:
            return False
        self.pinned = insight.pin_state(self.sug)
        self.pin_button.setText("Unpin" if self.pinned else "Pin")
        self._changed()
        return self.pinned is not None

    def unpin(self) -> None:
        self.pinned = None
        self.pin_button.setText("Pin")
        self._changed()

    def _toggle_pin(self) -> None:
        if self.pinned is None:
            if self.pin():
                self.set_view("pin")
        else:
            self.unpin()

    def _set_layers(self, layers: int) -> None:
        if self.layer_spin.maximum() != layers - 1:
            self.layer_spin.setRange(0, max(layers - 1, 0))
            self.layer_label.setVisible(layers > 1)
            self.layer_spin.setVisible(layers > 1)
        if self.layer >= layers:
            self.set_layer(0)

    def _changed(self, retint: bool = False) -> None:
        self._dirty.update(VIEWS)
        if not self._frame.isActive():
            self._frame.start()
        if retint:
            self._retint()

    def _on_tab(self, _index: int) -> None:
        if self.current_view() in self._dirty:
            self.flush()
        self._request_analysis()

    # -- drawing -----------------------------------------------------------------------------------
    def flush(self, force: bool = False) -> None:
        """Redraw the visible view now (the frame timer calls this; tests and benchmarks too).

        A closed dock draws nothing; its views stay marked and are drawn when it is shown.
        """
        self._frame.stop()
        view = self.current_view()
        if view not in self._dirty or (not force and not self.isVisible()):
            return
        self._dirty.discard(view)
        self.redraws += 1
        getattr(self, f"_draw_{view}")()

    def _window(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray] | None:
        s = self.sug
        if s is None or s.h_seq is None or s.c_seq is None or s.gates is None or not len(s.h_seq):
            return None
        return s.context_tokens, s.h_seq, s.c_seq, s.gates

    def _layer_ok(self, h_seq: np.ndarray) -> int:
        return min(self.layer, h_seq.shape[1] - 1)

    def heatmap_matrix(self) -> np.ndarray:
        """What the State view shows, [units, tokens] in unit order (before row sorting)."""
        return self.heatmap.matrix

    def column_labels(self) -> list[str]:
        return list(self.heatmap.labels)

    def _draw_state(self) -> None:
        win = self._window()
        if win is None:
            self.heatmap.set_data(np.zeros((0, 0), np.float32), [], Scale(-1, 1), np.zeros(0, np.intp))
            return
        tokens, h_seq, c_seq, gates = win
        layer = self._layer_ok(h_seq)
        m = insight.state_matrix(h_seq, c_seq, gates, self.kind, layer)
        scale = insight.kind_scale(self.kind, m)
        self._order = insight.row_order(m, self.sort)
        title = f"{KINDS[self.kind]} · layer {layer} · {m.shape[0]} units × {m.shape[1]} tokens"
        self.heatmap.set_data(m, tokens, scale, self._order, title, self.unit)
        self.shown["state"] = m

    def _draw_next(self) -> None:
        s = self.sug
        if s is None:
            self.probs.set_data([], set(), "")
            return
        marked = {c.norm for c in s.candidates}
        title = f"LSTM's next token · entropy {s.entropy:.2f} bits · ★ in the strip"
        self.probs.set_data(s.top_tokens, marked, title)
        self.shown["next"] = list(s.top_tokens)

    def _draw_unit(self) -> None:
        win = self._window()
        if win is None or self.unit is None:
            self.trace.set_data([], {}, "no unit selected")
            self.shown["unit"] = None
            return
        tokens, h_seq, c_seq, gates = win
        layer, u = self._layer_ok(h_seq), self.unit
        lines = {"h": h_seq[:, layer, u], "tanh_c": np.tanh(c_seq[:, layer, u])}
        for name in ("input", "forget", "output"):
            lines[name] = gates[:, layer, GATE_NAMES.index(name), u]
        c = c_seq[:, layer, u]
        self.trace.set_data(tokens, lines, f"unit {u} · layer {layer} · last {len(tokens)} tokens · "
                                           f"c from {float(c.min()):.2f} to {float(c.max()):.2f}")
        self.shown["unit"] = lines

    def _draw_memory(self) -> None:
        m = self.memory
        if m is None:
            text = "needs the model" if self.model is None else "computing…"
            self.word_bars.set_data([], np.zeros(0), text)
            return
        stale = self.sug is not None and m.tokens != list(self.sug.context_tokens)
        title = (f"How much each word matters to predicting '{insight.display_token(m.target)}' "
                 f"(P = {m.base_prob:.1%}): drop in P when it is replaced by <unk>"
                 + (" · updating…" if stale else ""))
        self.word_bars.set_data(m.tokens, m.importance, title)
        self.shown["memory"] = m.importance

    def _gate_source(self) -> tuple[np.ndarray, str] | None:
        if self.doc is not None and len(self.doc.gates):
            return self.doc.gates, f"saturation over the document ({len(self.doc.gates)} steps)"
        win = self._window()
        if win is None:
            return None
        return win[3], f"saturation over the last {len(win[3])} tokens"

    def _draw_gates(self) -> None:
        win = self._window()
        src = self._gate_source()
        if win is None or src is None:
            self.gates_view.set_data(np.zeros((4, 0)), np.zeros((4, 0)), np.zeros((4, 0)),
                                     np.zeros(0, np.intp), "", None)
            return
        gates, title = src
        layer = self._layer_ok(win[1])
        low, high = insight.gate_saturation(gates, layer)
        current = win[3][-1, layer]
        order = self._order if len(self._order) == current.shape[1] else np.arange(current.shape[1])
        self.gates_view.set_data(current, low, high, order, title, self.unit)
        self.shown["gates"] = (current, low, high)

    def _draw_pin(self) -> None:
        win = self._window()
        if win is None or self.pinned is None:
            self.pin_map.set_data(np.zeros((0, 0), np.float32), [], Scale(-1, 1), np.zeros(0, np.intp))
            self.shown["pin"] = None
            return
        _tokens, h_seq, c_seq, _g = win
        if self.pinned.h.shape != h_seq[-1].shape:
            self.unpin()
            return
        delta = insight.compare_states(self.pinned, h_seq[-1], c_seq[-1])
        layer = self._layer_ok(h_seq)
        pinned = self.pinned.h if self.pin_kind == "h" else self.pinned.c
        live = h_seq[-1] if self.pin_kind == "h" else c_seq[-1]
        diff = delta.dh if self.pin_kind == "h" else delta.dc
        m = np.stack([pinned[layer], live[layer], diff[layer]], axis=1).astype(np.float32)
        top = max(float(np.abs(m).max()), 1e-6)
        # Any sort but "index" puts the units that moved most since the pin on top.
        order = np.arange(m.shape[0]) if self.sort == "index" else np.argsort(-np.abs(diff[layer]), kind="stable")
        label = insight.display_token(self.pinned.label)
        self.pin_map.set_data(m, [f"pinned '{label}'", "live", "Δ"], Scale(-top, top), order,
                              f"{self.pin_kind}: pinned, live and their difference", self.unit)
        self.pin_summary.setText(
            f"‖Δh‖ = {delta.norm_h:.3f} (cos {delta.cos_h:.3f}) · ‖Δc‖ = {delta.norm_c:.3f} "
            f"(cos {delta.cos_c:.3f}) against the state after '{label}'")
        self.shown["pin"] = delta

    # -- background work ----------------------------------------------------------------------------
    def _needs_doc(self) -> bool:
        tint = self.tint_enabled and self.unit is not None and self._tint_edit is not None
        return self._provider is not None and (tint or self.current_view() == "gates")

    def _request_analysis(self, now: bool = False) -> None:
        if self.model is None:
            return
        if not (self.current_view() == "memory" or self._needs_doc()):
            return
        self._debounce.start(0 if now else ANALYSIS_DEBOUNCE_MS)

    def _start_analysis(self) -> None:
        if self.model is None:
            return
        if self._busy:
            self._pending = True  # one job at a time; the latest request runs when it ends
            return
        self._pending = False
        want_memory = self.current_view() == "memory" and self.sug is not None
        if want_memory and self.memory is not None and self.sug is not None:
            want_memory = self.memory.tokens != list(self.sug.context_tokens)
        text = self._provider() if self._needs_doc() and self._provider else None
        if text is not None and self.doc is not None and self.doc.text == text:
            text = None
        if not want_memory and text is None:
            return
        self._busy = True
        self._pool.start(_AnalysisJob(self._relay, self.model, self._runner if text is not None else None,
                                      self.sug if want_memory else None, text))

    def _on_analysis(self, result: _Analysis) -> None:
        self._busy = False
        if result.memory is not None:
            self.memory = result.memory
            self._dirty.add("memory")
        if result.doc is not None:
            self.doc = result.doc
            self._dirty.add("gates")
            self._retint()
        if result.error:
            self.status.setText(f"analysis failed: {result.error}")
        if self.current_view() in self._dirty and not self._frame.isActive():
            self._frame.start()
        if self._pending:
            self._request_analysis(now=True)
        self.analysis_done.emit()

    def wait_for_analysis(self, timeout_ms: int = 5000) -> bool:
        """Run pending analysis now and block until its result is applied (tests, screenshots)."""
        self._debounce.stop()
        self._start_analysis()
        clock = QElapsedTimer()
        clock.start()
        while (self._busy or self._pending) and clock.elapsed() < timeout_ms:
            self._pool.waitForDone(20)
            QCoreApplication.processEvents()
            if self._pending and not self._busy:
                self._debounce.stop()
                self._start_analysis()
        return not self._busy

    def _retint(self) -> None:
        edit, doc = self._tint_edit, self.doc
        if edit is None or not self.tint_enabled or self.unit is None:
            return
        if doc is None or self._provider is None or doc.text != self._provider():
            self._request_analysis(now=True)  # fresh states first; the job comes back here
            return
        if self.unit >= doc.h_seq.shape[2]:
            return
        layer = min(self.layer, doc.h_seq.shape[1] - 1)
        values = doc.token_values(self.unit, self.kind, layer)
        tint_document(edit, doc.tokens, values, insight.kind_scale(self.kind, values), doc.text)

    # -- export ---------------------------------------------------------------------------------------
    def export_png(self, path: str | Path) -> bool:
        """Save the panel as it is on screen (QWidget.grab)."""
        self.flush(force=True)
        return self.grab().save(str(path))

    def export_states(self, path: str | Path) -> Path:
        """Write the document's states (CSV or NPZ by extension); the recent window without a model."""
        if self.model is not None and self._provider is not None and self._runner is not None:
            self._pool.waitForDone()  # the runner is not shared between threads
            doc = self._runner.run(self._provider())
            return insight.export_states(path, doc.surfaces, doc.h_seq, doc.c_seq, doc.gates)
        win = self._window()
        if win is None:
            raise ValueError("nothing to export yet: no states have been shown")
        return insight.export_states(path, *win)

    def _ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export panel", "insight.png", "PNG image (*.png)")
        if path:
            self.export_png(path)

    def _ask_states(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export document states", "states.npz",
                                              "NumPy archive (*.npz);;CSV table (*.csv)")
        if path:
            try:
                self.export_states(path)
            except (OSError, ValueError) as exc:
                self.status.setText(f"export failed: {exc}")

    def shutdown(self) -> None:
        """Wait for a running analysis (call before the model goes away)."""
        self._debounce.stop()
        self._pool.waitForDone()


def screenshot(path: str | Path, sug: Suggestions, model: LanguageModel | None = None,
               view: str = "state", unit: int | None = None, size: tuple[int, int] = (460, 720),
               sort: str = "index", kind: str = "h", text: str | None = None) -> bool:
    """Render the panel headless to a PNG (for the README); needs a QApplication.

    `text` (the whole document) lets the Gates view count saturation over all of it.
    """
    panel = InsightPanel()
    panel.resize(*size)
    if model is not None:
        panel.set_model(model)
    if text is not None:
        panel.set_document_provider(lambda: text)
    panel.set_kind(kind)
    panel.set_sort(sort)
    panel.set_view(view)
    panel.show_suggestions(sug)
    if unit is not None:
        panel.select_unit(unit)
    panel.show()
    if model is not None:
        panel.wait_for_analysis()
    panel.flush()
    ok = panel.export_png(path)
    panel.shutdown()
    panel.close()
    panel.deleteLater()
    return ok
