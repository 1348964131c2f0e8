"""The insight panel: a dock that shows, live, what the LSTM holds while you type.

Views (tabs): State heatmap, Next word, Unit trace, Memory (occlusion), Gates, Pin & compare,
Compare (a second model beside the main one, compare_view.py). A GRU or a plain RNN has no
cell state and the RNN no gates: the views that need them say so.
Every number comes from `editor.core.insight` fed with the arrays of the onnxruntime run that made
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

import html
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QElapsedTimer,
    QEvent,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QTextCursor
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
    QVBoxLayout,
    QWidget,
)

from editor.core import insight
from editor.core.compare import Comparer, Comparison, trim_window, window_before
from editor.core.context import context_window
from editor.core.insight import (
    KINDS,
    ROW_SORTS,
    DocumentRunner,
    DocumentStates,
    KeyUnit,
    Memory,
    PinnedState,
    Scale,
)
from editor.core.lm import LanguageModel
from editor.core.modelfile import GATE_NAMES
from editor.core.suggest import Suggestions
from editor.ui.insight.analysis import Analysis, AnalysisJob, AnalysisRelay
from editor.ui.insight.charts import GatesView, Heatmap, ProbBars, Trace, WordBars, small_font
from editor.ui.insight.compare_view import CompareView
from editor.ui.insight.tint import clear_tint, tint_document

FRAME_MS = 16  # at most one redraw per frame
ANALYSIS_DEBOUNCE_MS = 150  # model re-runs wait for a pause in typing
VIEWS = ("state", "next", "unit", "memory", "gates", "pin", "compare")
# Marked for lupdate here, translated where the tabs are made (a module table has no class).
VIEW_TITLES = {"state": QT_TRANSLATE_NOOP("InsightPanel", "State"),
               "next": QT_TRANSLATE_NOOP("InsightPanel", "Next word"),
               "unit": QT_TRANSLATE_NOOP("InsightPanel", "Unit"),
               "memory": QT_TRANSLATE_NOOP("InsightPanel", "Memory"),
               "gates": QT_TRANSLATE_NOOP("InsightPanel", "Gates"),
               "pin": QT_TRANSLATE_NOOP("InsightPanel", "Pin"),
               "compare": QT_TRANSLATE_NOOP("InsightPanel", "Compare")}
# The state kinds and row orders are named in editor/core/insight.py (Qt-free); their labels
# are marked here so the combo boxes can show them translated.
_CORE_LABELS = (QT_TRANSLATE_NOOP("InsightPanel", "hidden h"),
                QT_TRANSLATE_NOOP("InsightPanel", "cell tanh(c)"),
                QT_TRANSLATE_NOOP("InsightPanel", "cell c"),
                QT_TRANSLATE_NOOP("InsightPanel", "input gate i"),
                QT_TRANSLATE_NOOP("InsightPanel", "forget gate f"),
                QT_TRANSLATE_NOOP("InsightPanel", "candidate g"),
                QT_TRANSLATE_NOOP("InsightPanel", "output gate o"),
                QT_TRANSLATE_NOOP("InsightPanel", "reset gate r"),
                QT_TRANSLATE_NOOP("InsightPanel", "update gate z"),
                QT_TRANSLATE_NOOP("InsightPanel", "candidate n"),
                QT_TRANSLATE_NOOP("InsightPanel", "by index"),
                QT_TRANSLATE_NOOP("InsightPanel", "by activity"),
                QT_TRANSLATE_NOOP("InsightPanel", "by similarity"),
                QT_TRANSLATE_NOOP("InsightPanel", "by 1st principal component"))

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
        super().__init__(parent)
        self.setWindowTitle(self.tr("Insight"))
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
        # The Unit view opens on the unit that matters most (`insight.key_unit`) until the user
        # picks one; an automatic choice does not tint the text.
        self.key: KeyUnit | None = None
        self._key_for: list[str] | None = None
        self._auto_unit = False
        self._kinds: dict[str, str] = KINDS
        # A second model beside the main one (the Compare view, editor/compare_view.py).
        self.compare_model: LanguageModel | None = None
        self._comparer: Comparer | None = None
        self.comparison: Comparison | None = None
        self._compare_for: tuple | None = None
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
        self._relay = AnalysisRelay()
        self._relay.done.connect(self._on_analysis)

        self._build()

    # -- layout ------------------------------------------------------------------------------------
    def _build(self) -> None:
        root = QWidget(self)
        lay = QVBoxLayout(root)
        lay.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.layer_label = QLabel(self.tr("Layer"))
        self.layer_spin = QSpinBox()
        self.layer_spin.setRange(0, 0)
        self.layer_spin.setAccessibleName(self.tr("Layer"))
        self.layer_spin.valueChanged.connect(self.set_layer)
        self.pin_button = QPushButton(self.tr("Pin"))
        self.pin_button.setToolTip(self.tr("Pin the current state; the Pin tab compares the live state with it"))
        self.pin_button.clicked.connect(self._toggle_pin)
        # A push button is at least 80 px wide (the style's minimum); "Pin" needs far less,
        # and the panel must fit beside the text in a narrow window.
        metrics = self.pin_button.fontMetrics()
        self.pin_button.setMinimumWidth(
            max(metrics.horizontalAdvance(text) for text in (self.tr("Pin"), self.tr("Unpin")))
            + 2 * metrics.averageCharWidth() + 8)
        self.tint_check = QCheckBox(self.tr("Tint text"))
        self.tint_check.setChecked(True)
        self.tint_check.setToolTip(self.tr("Colour the document's words by the selected unit"))
        self.tint_check.toggled.connect(self.set_tint_enabled)
        export = QToolButton()
        export.setText(self.tr("Export"))
        export.setAccessibleName(self.tr("Export"))
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        menu.addAction(self.tr("Panel as PNG…"), self._ask_png)
        menu.addAction(self.tr("Document states (CSV/NPZ)…"), self._ask_states)
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
            self.kind_combo.addItem(self.tr(label), key)
        self.kind_combo.currentIndexChanged.connect(lambda _i: self.set_kind(self.kind_combo.currentData()))
        self.sort_combo = QComboBox()
        for key, label in ROW_SORTS.items():
            self.sort_combo.addItem(self.tr(label), key)
        self.sort_combo.currentIndexChanged.connect(lambda _i: self.set_sort(self.sort_combo.currentData()))
        # Narrow enough for a panel a third of the window wide; the lists still show whole.
        # In a narrower panel they shrink further (the open list is as wide as it needs).
        self.kind_combo.setAccessibleName(self.tr("State shown"))
        self.sort_combo.setAccessibleName(self.tr("Row order"))
        for combo in (self.kind_combo, self.sort_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            combo.setMinimumWidth(round(combo.minimumSizeHint().width() * 0.55))
        row.addWidget(self.kind_combo)
        row.addWidget(QLabel(self.tr("rows")))
        row.addWidget(self.sort_combo)
        row.addStretch(1)
        sl.addLayout(row)
        self.heatmap = Heatmap()
        self.heatmap.unit_clicked.connect(self.select_unit)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.heatmap)
        sl.addWidget(scroll)
        self.tabs.addTab(state, self.tr(VIEW_TITLES["state"]))
        # Next word, and where the neural cache's words come from (click: go there)
        nxt = QWidget()
        nl = QVBoxLayout(nxt)
        nl.setContentsMargins(0, 0, 0, 0)
        self.probs = ProbBars()
        self.recall_label = QLabel()
        self.recall_label.setWordWrap(True)
        self.recall_label.setTextFormat(Qt.TextFormat.RichText)
        self.recall_label.linkActivated.connect(self._jump_to_recall)
        nl.addWidget(self.probs, 1)
        nl.addWidget(self.recall_label)
        self.tabs.addTab(nxt, self.tr(VIEW_TITLES["next"]))
        # Unit trace, with why this unit is shown
        unit_page = QWidget()
        ul = QVBoxLayout(unit_page)
        ul.setContentsMargins(0, 0, 0, 0)
        self.unit_reason = QLabel("")
        self.unit_reason.setWordWrap(True)
        self.unit_reason.setFont(small_font(self))
        # Room for the three lines a reason takes in a third of the window.
        self.unit_reason.setMinimumHeight(3 * self.unit_reason.fontMetrics().lineSpacing() + 4)
        self.trace = Trace()
        ul.addWidget(self.unit_reason)
        ul.addWidget(self.trace, 1)
        self.tabs.addTab(unit_page, self.tr(VIEW_TITLES["unit"]))
        # Memory
        self.word_bars = WordBars()
        self.tabs.addTab(self.word_bars, self.tr(VIEW_TITLES["memory"]))
        # Gates
        self.gates_view = GatesView()
        # Scrolled, as the Compare view: its 240 px would set the window's minimum height.
        gates_scroll = QScrollArea()
        gates_scroll.setWidgetResizable(True)
        gates_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        gates_scroll.setWidget(self.gates_view)
        self.tabs.addTab(gates_scroll, self.tr(VIEW_TITLES["gates"]))
        # Pin
        pin = QWidget()
        pl = QVBoxLayout(pin)
        pl.setContentsMargins(0, 0, 0, 0)
        self.pin_combo = QComboBox()
        self.pin_combo.addItem(self.tr("Δh (hidden)"), "h")
        self.pin_combo.addItem(self.tr("Δc (cell)"), "c")
        self.pin_combo.setAccessibleName(self.tr("Pinned state shown"))
        self.pin_combo.currentIndexChanged.connect(lambda _i: self._set_pin_kind(self.pin_combo.currentData()))
        self.pin_summary = QLabel(self.tr("Press Pin to keep the current state, then type on."))
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
        self.tabs.addTab(pin, self.tr(VIEW_TITLES["pin"]))
        # Compare
        self.compare_view = CompareView()
        # Two models' charts stacked need more height than a small window has: scrolled, so
        # the view never sets the panel's (and the window's) minimum height.
        compare_scroll = QScrollArea()
        compare_scroll.setWidgetResizable(True)
        compare_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        compare_scroll.setWidget(self.compare_view)
        self.tabs.addTab(compare_scroll, self.tr(VIEW_TITLES["compare"]))
        self.tabs.setAccessibleName(self.tr("Insight views"))
        for index, view in enumerate(VIEWS):
            # Each view is named by its tab; its chart's accessibleDescription reads it out.
            self.tabs.widget(index).setAccessibleName(self.tr(VIEW_TITLES[view]))
        for chart, name in ((self.heatmap, self.tr("State heatmap")),
                            (self.probs, self.tr("Next-word probabilities")),
                            (self.trace, self.tr("Unit trace")),
                            (self.word_bars, self.tr("Word importance")),
                            (self.gates_view, self.tr("Gates")),
                            (self.pin_map, self.tr("Pinned and live state"))):
            chart.setAccessibleName(name)
        self.tabs.currentChanged.connect(self._on_tab)
        lay.addWidget(self.tabs, 1)
        self.status = QLabel(self.tr("no model"))
        self.status.setFont(small_font(self))
        self.status.setWordWrap(True)  # a long model name must not make the panel wider
        lay.addWidget(self.status)
        self.setWidget(root)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._changed(retint=True)  # the tint's colour map follows the theme

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
        self.comparison = None
        self._compare_for = None
        self.key = None
        self._key_for = None
        if self._auto_unit:
            self.unit, self._auto_unit = None, False
        self._set_cell(model)
        if model is not None:
            info = model.info
            self._set_layers(info.layers)
            self.status.setText(self.tr("{0} · {1} · {2} layer(s) × {3} units · {4} tokens").format(
                info.name, info.cell_title, info.layers, info.hidden, info.vocab_size))
        else:
            self.status.setText(self.tr("no model"))
            self.sug = None
        if self.unit is not None and model is not None and self.unit >= model.info.hidden:
            self.select_unit(-1)
        self._dirty.update(VIEWS)
        self._frame.start()

    def _set_cell(self, model: LanguageModel | None) -> None:
        """Offer only what the model's cell has: a GRU has no cell state, an RNN no gates."""
        info = model.info if model is not None else None
        self._kinds = insight.kinds_for(info)
        self.kind_combo.blockSignals(True)
        self.kind_combo.clear()
        for key, label in self._kinds.items():
            self.kind_combo.addItem(self.tr(label), key)
        if self.kind not in self._kinds:
            self.kind = "h"
        self.kind_combo.setCurrentIndex(list(self._kinds).index(self.kind))
        self.kind_combo.blockSignals(False)
        cell = info.cell if info is not None else "lstm"
        title = info.cell_title if info is not None else "LSTM"
        none = (self.tr("A plain RNN has no gates: h' = tanh(W x + U h + b) rewrites its whole "
                        "state at every word, so nothing in it can decide to keep a value. Its "
                        "memory is whatever survives that rewriting; compare it with an LSTM in "
                        "the Compare view.")
                if cell == "rnn" else self.tr("no gates yet"))
        self.gates_view.set_cell(cell, info.gate_names if info is not None else GATE_NAMES, none)
        has_cell = info is None or info.has_cell
        self.pin_combo.setItemText(1, self.tr("Δc (cell)") if has_cell
                                   else self.tr("Δc (a {0} has none)").format(title))

    def set_compare_model(self, model: LanguageModel | None) -> None:
        """A second model to run beside the main one in the Compare view (None: stop)."""
        self._pool.waitForDone()  # a running job may still hold the old comparer
        self.compare_model = model
        self._comparer = Comparer(model) if model is not None else None
        self.comparison = None
        self._compare_for = None
        self._dirty.add("compare")
        if not self._frame.isActive():
            self._frame.start()
        self._request_analysis(now=True)

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
        if kind not in self._kinds:
            what = "unknown kind" if kind not in KINDS and kind not in insight.GRU_KINDS else \
                "this model has no"
            raise ValueError(f"{what} {kind!r}")
        if kind == self.kind:
            return
        self.kind = kind
        self.kind_combo.setCurrentIndex(list(self._kinds).index(kind))  # re-enters, returns
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
        """Select a unit (-1 clears): the trace follows it and the document is tinted by it.

        Clearing lets the Unit view choose the unit that matters most again."""
        self.unit = None if unit is None or unit < 0 else int(unit)
        self._auto_unit = False
        self.key = None
        self._key_for = None
        self.unit_selected.emit(-1 if self.unit is None else self.unit)
        if self.unit is None and self._tint_edit is not None:
            clear_tint(self._tint_edit)
        self._changed(retint=True)
        if self.unit is None:
            self._request_analysis()

    def _choose_key_unit(self, key: KeyUnit | None, tokens: list[str] | None) -> None:
        """The analysis found the unit that matters most: show it unless the user chose one."""
        self._key_for = tokens
        if self.unit is not None and not self._auto_unit:
            return
        self.key = key
        if key is None:
            return
        self.unit, self._auto_unit = key.unit, True
        if key.layer != self.layer:
            self.set_layer(key.layer)
        self._changed()

    def pin(self) -> bool:
        if self.sug is None:
            return False
        self.pinned = insight.pin_state(self.sug)
        self.pin_button.setText(self.tr("Unpin") if self.pinned else self.tr("Pin"))
        self._changed()
        return self.pinned is not None

    def unpin(self) -> None:
        self.pinned = None
        self.pin_button.setText(self.tr("Pin"))
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
        m = insight.state_matrix(h_seq, c_seq, gates, self.kind, layer, self._gate_names())
        scale = insight.kind_scale(self.kind, m)
        self._order = insight.row_order(m, self.sort)
        title = self.tr("{0} · layer {1} · {2} units × {3} tokens").format(
            self.tr(self._kinds[self.kind]), layer, m.shape[0], m.shape[1])
        self.heatmap.set_data(m, tokens, scale, self._order, title, self.unit)
        self.shown["state"] = m

    def _draw_next(self) -> None:
        s = self.sug
        if s is None:
            self.probs.set_data([], set(), "")
            self.recall_label.hide()
            return
        marked = {c.norm for c in s.candidates}
        title = self.tr("LSTM's next token · entropy {0:.2f} bits · ★ in the strip").format(
            s.entropy)
        self.probs.set_data(s.top_tokens, marked, title)
        self.shown["next"] = list(s.top_tokens)
        self._show_recalls(s)

    def _show_recalls(self, s: Suggestions) -> None:
        """Strip words the neural cache put there: the earlier place each one recalls."""
        doc = self._tint_edit.document() if self._tint_edit is not None else None
        recalls = [(c.text, c.recall) for c in s.candidates if c.recall is not None]
        self.shown["recall"] = recalls
        lines = []
        for word, pos in recalls:
            where = self.tr("earlier")
            if doc is not None and 0 <= pos < doc.characterCount():
                block = doc.findBlock(pos)
                at = pos - block.position()
                text = block.text()
                before = text[max(0, at - 32) : at].lstrip()
                where = self.tr("line {0}: “{1}”").format(
                    block.blockNumber() + 1, ("…" if at > 32 else "") + html.escape(before)
                    + f"<b>{html.escape(text[at : at + len(word)])}</b>")
            lines.append(self.tr("<b>{0}</b> recalls <a href='{1}'>{2}</a>").format(
                html.escape(word), pos, where))
        self.recall_label.setText("<br>".join(lines))
        self.recall_label.setVisible(bool(lines))

    def _jump_to_recall(self, link: str) -> None:
        """Show the recalled place: the word selected and scrolled into view."""
        edit = self._tint_edit
        if edit is None or not link.isdigit():
            return
        doc = edit.document()
        pos = min(int(link), doc.characterCount() - 1)
        cursor = QTextCursor(doc)
        cursor.setPosition(pos)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfWord, QTextCursor.MoveMode.KeepAnchor)
        edit.setTextCursor(cursor)
        edit.ensureCursorVisible()
        edit.setFocus()

    def _gate_names(self) -> tuple[str, ...]:
        return self.model.info.gate_names if self.model is not None else GATE_NAMES

    def _draw_unit(self) -> None:
        win = self._window()
        if win is None or self.unit is None or self.unit >= win[1].shape[2]:
            finding = win is not None and self.model is not None and len(win[0]) >= 2
            self.trace.set_data([], {}, self.tr("no unit selected"),
                                self.tr("finding the unit that matters most for this prediction…")
                                if finding else self.tr("click a row of the State heatmap"))
            self.unit_reason.setText("")
            self.shown["unit"] = None
            return
        tokens, h_seq, c_seq, gates = win
        layer, u = self._layer_ok(h_seq), self.unit
        lines = {"h": h_seq[:, layer, u]}
        has_cell = c_seq.shape[-1] > u
        if has_cell:
            lines["tanh_c"] = np.tanh(c_seq[:, layer, u])
        names = self._gate_names()
        for name in ("input", "forget", "output", "reset", "update"):
            if name in names:
                lines[name] = gates[:, layer, names.index(name), u]
        title = self.tr("unit {0} · layer {1} · last {2} tokens").format(u, layer, len(tokens))
        if has_cell:
            c = c_seq[:, layer, u]
            title += " · " + self.tr("c from {0:.2f} to {1:.2f}").format(float(c.min()),
                                                                         float(c.max()))
        self.trace.set_data(tokens, lines, title)
        if self._auto_unit and self.key is not None:
            reason = self.key.reason()
        else:
            reason = self.tr("Unit {0}, as you chose (click another row of the State heatmap "
                             "to change).").format(u)
        if self.model is not None and not names:
            reason += " " + self.tr("A plain RNN has no gates or cell state: only h is drawn.")
        elif self.model is not None and not has_cell:
            reason += " " + self.tr("A {0} has no cell state: h is its memory, drawn with its "
                                    "reset and update gates.").format(self.model.info.cell_title)
        self.unit_reason.setText(reason)
        self.shown["unit"] = lines

    def _draw_memory(self) -> None:
        m = self.memory
        if m is None:
            text = self.tr("needs the model") if self.model is None else self.tr("computing…")
            self.word_bars.set_data([], np.zeros(0), text)
            return
        stale = self.sug is not None and m.tokens != list(self.sug.context_tokens)
        title = (self.tr("How much each word matters to predicting '{0}' (P = {1:.1%}): drop "
                         "in P when it is replaced by <unk>").format(
                             insight.display_token(m.target), m.base_prob)
                 + (self.tr(" · updating…") if stale else ""))
        self.word_bars.set_data(m.tokens, m.importance, title)
        self.shown["memory"] = m.importance

    def _gate_source(self) -> tuple[np.ndarray, str] | None:
        if self.doc is not None and len(self.doc.gates):
            return self.doc.gates, self.tr("saturation over the document ({0} steps)").format(
                len(self.doc.gates))
        win = self._window()
        if win is None:
            return None
        return win[3], self.tr("saturation over the last {0} tokens").format(len(win[3]))

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
        has_cell = c_seq.shape[-1] > 0
        against = f"against the state after '{insight.display_token(self.pinned.label)}'"
        if self.pin_kind == "c" and not has_cell:
            title = self.model.info.cell_title if self.model is not None else "this model"
            self.pin_map.set_data(np.zeros((0, 0), np.float32), [], Scale(-1, 1),
                                  np.zeros(0, np.intp))
            self.pin_summary.setText(
                f"A {title} has no cell state c: its memory is h itself. ‖Δh‖ = "
                f"{delta.norm_h:.3f} (cos {delta.cos_h:.3f}) {against}; choose Δh to see it.")
            self.shown["pin"] = delta
            return
        layer = self._layer_ok(h_seq)
        pinned = self.pinned.h if self.pin_kind == "h" else self.pinned.c
        live = h_seq[-1] if self.pin_kind == "h" else c_seq[-1]
        diff = delta.dh if self.pin_kind == "h" else delta.dc
        m = np.stack([pinned[layer], live[layer], diff[layer]], axis=1).astype(np.float32)
        top = max(float(np.abs(m).max()), 1e-6)
        # Any sort but "index" puts the units that moved most since the pin on top.
        order = np.arange(m.shape[0]) if self.sort == "index" else np.argsort(-np.abs(diff[layer]), kind="stable")
        label = insight.display_token(self.pinned.label)
        self.pin_map.set_data(m, [self.tr("pinned '{0}'").format(label), self.tr("live"), "Δ"],
                              Scale(-top, top), order,
                              self.tr("{0}: pinned, live and their difference").format(
                                  self.pin_kind), self.unit)
        cell = (" · " + self.tr("‖Δc‖ = {0:.3f} (cos {1:.3f})").format(delta.norm_c, delta.cos_c)
                if has_cell else " " + self.tr("(no cell state c in this model)"))
        self.pin_summary.setText(
            self.tr("‖Δh‖ = {0:.3f} (cos {1:.3f})").format(delta.norm_h, delta.cos_h) + cell + " "
            + self.tr("against the state after '{0}'").format(label))
        self.shown["pin"] = delta

    def _draw_compare(self) -> None:
        if self._comparer is None:
            self.compare_view.set_data(None)
            self.shown["compare"] = None
            return
        c = self.comparison
        if c is None:
            wait = self.tr("needs the model") if self.model is None else self.tr("computing…")
            self.compare_view.set_data(None, self.tr("Comparing with {0}: {1}").format(
                self.compare_model.info.name, wait))
            self.shown["compare"] = None
            return
        stale = self.sug is not None and c.sides[0].tokens != list(self.sug.context_tokens)
        self.compare_view.set_data(c, self.tr("(updating…)") if stale else "")
        self.shown["compare"] = c

    # -- background work ----------------------------------------------------------------------------
    def _needs_doc(self) -> bool:
        tint = (self.tint_enabled and self.unit is not None and not self._auto_unit
                and self._tint_edit is not None)
        return self._provider is not None and (tint or self.current_view() == "gates")

    def _request_analysis(self, now: bool = False) -> None:
        if self.model is None:
            return
        if not (self.current_view() in ("memory", "unit", "compare") or self._needs_doc()):
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
        view, sug = self.current_view(), self.sug
        want_key = (view == "unit" and sug is not None and (self.unit is None or self._auto_unit)
                    and self._key_for != list(sug.context_tokens))
        compare_for = None
        if view == "compare" and self._comparer is not None and sug is not None:
            compare_for = (self._text_before(), tuple(sug.context_tokens))
            if compare_for == self._compare_for and self.comparison is not None:
                compare_for = None
        if not want_memory and text is None and not want_key and compare_for is None:
            return
        self._busy = True
        self._pool.start(AnalysisJob(self._relay, self.model, self._runner if text is not None else None,
                                      self.sug if want_memory else None, text,
                                      key_sug=sug if want_key else None,
                                      comparer=self._comparer if compare_for else None,
                                      compare_sug=sug, compare_for=compare_for))

    def _text_before(self) -> tuple[str, bool]:
        """The window of text before the cursor, as the suggestion request carries it."""
        edit = self._tint_edit
        if edit is not None:
            pos = edit.textCursor().position()
            start = context_window(pos)
            c = QTextCursor(edit.document())
            c.setPosition(start)
            c.setPosition(pos, QTextCursor.MoveMode.KeepAnchor)
            text = c.selectedText().replace("\u2029", "\n").replace("\u2028", "\n")
            return trim_window(text, start)
        text = self._provider() if self._provider is not None else ""
        return window_before(text, len(text))

    def _on_analysis(self, result: Analysis) -> None:
        self._busy = False
        if result.memory is not None:
            self.memory = result.memory
            self._dirty.add("memory")
        if result.doc is not None:
            self.doc = result.doc
            self._dirty.add("gates")
            self._retint()
        if result.key_for is not None:
            self._choose_key_unit(result.key, result.key_for)
        if result.comparison is not None and result.comparer is self._comparer:
            self.comparison, self._compare_for = result.comparison, result.compare_for
            self._dirty.add("compare")
        if result.error:
            self.status.setText(self.tr("analysis failed: {0}").format(result.error))
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
        if edit is None or not self.tint_enabled or self.unit is None or self._auto_unit:
            return  # a unit the panel chose by itself does not colour the writer's text
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
            return insight.export_states(path, doc.surfaces, doc.h_seq, doc.c_seq, doc.gates,
                                         self._gate_names())
        win = self._window()
        if win is None:
            raise ValueError("nothing to export yet: no states have been shown")
        return insight.export_states(path, *win, gate_names=self._gate_names())

    def _ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export panel"), "insight.png",
                                              self.tr("PNG image (*.png)"))
        if path:
            self.export_png(path)

    def _ask_states(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export document states"), "states.npz",
                                              self.tr("NumPy archive (*.npz);;CSV table (*.csv)"))
        if path:
            try:
                self.export_states(path)
            except (OSError, ValueError) as exc:
                self.status.setText(self.tr("export failed: {0}").format(exc))

    def shutdown(self) -> None:
        """Wait for a running analysis (call before the model goes away)."""
        self._debounce.stop()
        self._pool.waitForDone()

