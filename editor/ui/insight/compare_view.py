"""The panel's Compare view and the Model → Compare With menu (widgets only).

The model that suggests on the left, the compared one on the right: their next-word bars (the
words each one's strip would offer starred) side by side, and below, their Memory views (how much
each earlier word matters to each one's top prediction) one above the other, so the same words
line up and it shows which of them each model still leans on. The numbers come from
`editor.compare`, computed off the GUI thread by the panel; this module only draws them and
loads the second model when the menu asks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QLabel,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from editor.core import insight
from editor.core.compare import Comparison, Side
from editor.core.lm import LanguageModel, ModelError
from editor.core.resources import bundled_cell_model_path
from editor.ui.insight.charts import ProbBars, WordBars

if TYPE_CHECKING:
    from editor.ui.insight.panel import InsightPanel
    from editor.ui.window import MainWindow

EMPTY_TEXT = ("Compare two models on the same text: Model → Compare With loads a second "
              "model (the poem learnt by a plain RNN or a GRU is bundled). The strip keeps "
              "suggesting with the model it has.")


BARS = 6  # next tokens drawn per model


def _side_title(side: Side) -> str:
    return f"{side.cell_title} · {side.name}"


class CompareView(QWidget):
    """Both models' next-word bars and Memory bars, side by side."""

    SIDE_BY_SIDE_WIDTH = 2 * 130 + 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.comparison: Comparison | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(EMPTY_TEXT)
        self.summary.setWordWrap(True)
        self.summary.setMinimumHeight(4 * self.summary.fontMetrics().lineSpacing())
        lay.addWidget(self.summary)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.headers = [QLabel(), QLabel()]
        self.bars = [ProbBars(), ProbBars()]
        self.memory = [WordBars(), WordBars()]
        for col in range(2):
            self.headers[col].setAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.bars[col].setMinimumSize(120, 130)
            self.memory[col].setMinimumSize(160, 150)
        self.side_by_side: bool | None = None
        self._arrange(True)
        lay.addLayout(self.grid, 1)

    def _arrange(self, side_by_side: bool) -> None:
        """The next-word bars side by side, or one above the other in a panel too narrow for
        two columns (which then scrolled sideways and hid the second model)."""
        if side_by_side == self.side_by_side:
            return
        self.side_by_side = side_by_side
        grid = self.grid
        for widget in (*self.headers, *self.bars, *self.memory):
            grid.removeWidget(widget)
        for row in range(grid.rowCount()):
            grid.setRowStretch(row, 0)
        for col in range(2):
            header_at, bars_at = ((0, col), (1, col)) if side_by_side else ((2 * col, 0),
                                                                            (2 * col + 1, 0))
            grid.addWidget(self.headers[col], *header_at)
            grid.addWidget(self.bars[col], *bars_at)
            grid.setRowStretch(bars_at[0], 3)
        first_memory = 2 if side_by_side else 4
        for col in range(2):
            # Full width, one above the other: 30 words need the room, and the same words
            # then sit in the same columns for both models.
            grid.addWidget(self.memory[col], first_memory + col, 0, 1, 2 if side_by_side else 1)
            grid.setRowStretch(first_memory + col, 4)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        # Two columns need ~130 px each for "★ pedra 99%"; the narrowest panel has ~190.
        self._arrange(event.size().width() >= self.SIDE_BY_SIDE_WIDTH)

    def set_data(self, comparison: Comparison | None, note: str = "") -> None:
        """Draw `comparison` (None: nothing to compare yet, `note` says why)."""
        self.comparison = comparison
        if comparison is None or len(comparison.sides) != 2:
            self.summary.setText(note or EMPTY_TEXT)
            for col in range(2):
                self.headers[col].setText("")
                self.bars[col].set_data([], set(), "")
                self.memory[col].set_data([], np.zeros(0), "")
            return
        self.summary.setText(self.summary_text(comparison) + (f" {note}" if note else ""))
        # One scale for both Memory charts: a taller bar means more dependence, whichever model.
        top = max((float(np.nanmax(np.abs(s.memory.importance)))
                   for s in comparison.sides
                   if s.memory is not None and np.isfinite(s.memory.importance).any()),
                  default=None)
        for col, side in enumerate(comparison.sides):
            self.headers[col].setText(f"<b>{side.cell_title}</b>")
            self.headers[col].setToolTip(_side_title(side))
            # The top 6: two columns in a third of the window leave room for no more.
            self.bars[col].set_data(side.top_tokens[:BARS], set(side.strip),
                                    f"{side.entropy:.2f} bits · ★ its strip")
            m = side.memory
            if m is None:
                self.memory[col].set_data([], np.zeros(0), "no memory to show yet")
            else:
                self.memory[col].set_data(
                    m.tokens, m.importance,
                    f"{side.cell_title} · Memory: drop in P('{insight.display_token(m.target)}')"
                    f" = {m.base_prob:.0%} when each word is replaced by <unk>", top)

    @staticmethod
    def summary_text(comparison: Comparison) -> str:
        a, b = comparison.sides
        if not a.top_tokens or not b.top_tokens:
            return "Type to compare the two models."

        def said(side: Side) -> str:
            word, p = side.top_tokens[0]
            return f"{side.cell_title} '{insight.display_token(word)}' ({p:.0%})"

        if comparison.agree:
            word = insight.display_token(a.top_tokens[0][0])
            return (f"Both predict '{word}' next ({a.cell_title} {a.top_tokens[0][1]:.0%}, "
                    f"{b.cell_title} {b.top_tokens[0][1]:.0%}). Below: the words each leans on.")
        return f"They differ: {said(a)}, {said(b)}. Below: the words each leans on."


# -- Model → Compare With -----------------------------------------------------------------------
# These strings are translated under the literal context "CompareView" (a class of this module):
# window.tr() called from a plain function is filed by lupdate under "window" while Qt looks it
# up under "MainWindow", so it would stay English (docs/TRANSLATING.md).
def load_compared(window: MainWindow, panel: InsightPanel, path: Path) -> bool:
    """Load `path` as the compared model and show the Compare view; a file that does not load
    changes nothing (the comparison in place stays) and the message says why."""
    name = Path(path).name
    title = QCoreApplication.translate("CompareView", "Could not compare with {0}").format(name)
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        model = LanguageModel.load(path)
    except ModelError as exc:
        QGuiApplication.restoreOverrideCursor()
        lines = [line for line in str(exc).splitlines() if not line.startswith("onnxruntime said")]
        window.show_error(title, "\n".join(lines), informative=QCoreApplication.translate(
            "CompareView", "Nothing changed: the model that suggests stays, and so does "
            "the comparison you had."), details=str(exc))
        return False
    except Exception as exc:  # a failed compare must never take the editor down
        QGuiApplication.restoreOverrideCursor()
        window.show_error(title, QCoreApplication.translate(
            "CompareView", "{0} could not be loaded because of an unexpected error.").format(name),
            details=f"{type(exc).__name__}: {exc}")
        return False
    QGuiApplication.restoreOverrideCursor()
    panel.set_compare_model(model)
    panel.show()
    panel.set_view("compare")
    window.show_status(QCoreApplication.translate(
        "CompareView", "Comparing with {0} ({1}) in the Insight panel.")
        .format(model.info.name, model.info.cell_title))
    return True


def choose_compare_path(window: MainWindow) -> Path | None:
    """Ask for a model file, starting in the bundled models' folder (tests replace this)."""
    name, _ = QFileDialog.getOpenFileName(
        window, QCoreApplication.translate("CompareView", "Compare With"),
        str(bundled_cell_model_path("rnn").parent),
        QCoreApplication.translate("CompareView", "ONNX models (*.onnx);;All files (*)"))
    return Path(name) if name else None


def install(window: MainWindow, panel: InsightPanel) -> QMenu:
    """Add Model → Compare With: the bundled poem RNN and GRU, any model file, and Stop."""
    menu = QMenu(QCoreApplication.translate("CompareView", "Compare &With"), window)
    bundled = [("rnn", QCoreApplication.translate("CompareView", "Poem as a Plain &RNN")),
               ("gru", QCoreApplication.translate("CompareView", "Poem as a &GRU")),
               ("lstm", QCoreApplication.translate("CompareView", "Poem as an &LSTM"))]
    for cell, label in bundled:
        action = QAction(label, menu)
        action.triggered.connect(
            lambda _checked=False, c=cell: load_compared(window, panel, bundled_cell_model_path(c)))
        menu.addAction(action)
    menu.addSeparator()
    pick = menu.addAction(QCoreApplication.translate("CompareView", "Model &File…"))
    pick.triggered.connect(lambda: _pick(window, panel))
    stop = menu.addAction(QCoreApplication.translate("CompareView", "&Stop Comparing"))
    stop.triggered.connect(lambda: panel.set_compare_model(None))
    menu.aboutToShow.connect(lambda: stop.setEnabled(panel.compare_model is not None))
    window.model_menu.addSeparator()
    window.model_menu.addMenu(menu)
    window.compare_menu = menu
    return menu


def _pick(window: MainWindow, panel: InsightPanel) -> None:
    path = choose_compare_path(window)
    if path is not None:
        load_compared(window, panel, path)
