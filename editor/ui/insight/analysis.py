"""The insight panel's background analysis: occlusion, whole-document states, the unit that
matters most and the second model of the Compare view, computed on a one-thread pool off the GUI
thread and handed back through a signal."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QRunnable, Signal

from editor.core import insight
from editor.core.compare import Comparer, Comparison
from editor.core.insight import DocumentRunner, DocumentStates, KeyUnit, Memory
from editor.core.lm import LanguageModel
from editor.core.suggest import Suggestions


@dataclass
class Analysis:
    sug: Suggestions | None
    memory: Memory | None
    doc: DocumentStates | None
    error: str = ""
    key: KeyUnit | None = None  # the unit that matters most (Unit view)
    key_for: list[str] | None = None  # the context tokens `key` was found for
    comparison: Comparison | None = None  # both models on the text (Compare view)
    comparer: Comparer | None = None  # the one that made `comparison`
    compare_for: tuple | None = None  # ((text before the cursor, at start), main tokens)


class AnalysisRelay(QObject):
    done = Signal(object)


class AnalysisJob(QRunnable):
    """Occlusion and whole-document states, off the GUI thread."""

    def __init__(self, relay: AnalysisRelay, model: LanguageModel, runner: DocumentRunner | None,
                 sug: Suggestions | None, text: str | None, *, key_sug: Suggestions | None = None,
                 comparer: Comparer | None = None, compare_sug: Suggestions | None = None,
                 compare_for: tuple | None = None) -> None:
        super().__init__()
        self.relay, self.model, self.runner, self.sug, self.text = relay, model, runner, sug, text
        self.key_sug = key_sug
        self.comparer, self.compare_sug, self.compare_for = comparer, compare_sug, compare_for

    def run(self) -> None:
        result = Analysis(self.sug, None, None)
        try:
            if self.sug is not None:
                result.memory = insight.memory_for(self.model, self.sug)
            if self.runner is not None and self.text is not None:
                result.doc = self.runner.run(self.text)
            if self.key_sug is not None:
                result.key = insight.key_unit(self.model, self.key_sug)
                result.key_for = list(self.key_sug.context_tokens)
            if self.comparer is not None and self.compare_sug is not None and self.compare_for:
                before, at_start = self.compare_for[0]
                result.comparison = self.comparer.compare(before, at_start, self.model,
                                                          self.compare_sug)
                result.comparer, result.compare_for = self.comparer, self.compare_for
        except Exception as exc:  # a failing analysis must never take the editor down
            result.error = f"{type(exc).__name__}: {exc}"
        self.relay.done.emit(result)
