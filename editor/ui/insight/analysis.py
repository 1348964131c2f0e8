"""The insight panel's background analysis: occlusion and whole-document states, computed on a
one-thread pool off the GUI thread and handed back through a signal."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QRunnable, Signal

from editor.core import insight
from editor.core.insight import DocumentRunner, DocumentStates, Memory
from editor.core.lm import LanguageModel
from editor.core.suggest import Suggestions


@dataclass
class Analysis:
    sug: Suggestions | None
    memory: Memory | None
    doc: DocumentStates | None
    error: str = ""


class AnalysisRelay(QObject):
    done = Signal(object)


class AnalysisJob(QRunnable):
    """Occlusion and whole-document states, off the GUI thread."""

    def __init__(self, relay: AnalysisRelay, model: LanguageModel, runner: DocumentRunner | None,
                 sug: Suggestions | None, text: str | None) -> None:
        super().__init__()
        self.relay, self.model, self.runner, self.sug, self.text = relay, model, runner, sug, text

    def run(self) -> None:
        result = Analysis(self.sug, None, None)
        try:
            if self.sug is not None:
                result.memory = insight.memory_for(self.model, self.sug)
            if self.runner is not None and self.text is not None:
                result.doc = self.runner.run(self.text)
        except Exception as exc:  # a failing analysis must never take the editor down
            result.error = f"{type(exc).__name__}: {exc}"
        self.relay.done.emit(result)
