"""A label for text that changes on every key (the cursor position, the suggestion time).

A QLabel whose text changes asks its layout to run again (`updateGeometry`), and the status bar
then measures and places every label it holds and repaints itself: on each keystroke, twice.
A widget of fixed size does not ask (Qt skips the layout when minimum and maximum sizes are
equal), so this label is fixed to the width of the widest text it is expected to show, and
widens, once, only for a text wider than that. Measured: 0.3 to 0.7 ms less GUI-thread CPU
per key (docs/BENCHMARKS.md, issue 18).
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


class SteadyLabel(QLabel):
    def __init__(self, widest: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._widest = widest
        self._fit(widest)

    def _fit(self, text: str) -> None:
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(text) + margins.left() + margins.right() + 2
        height = self.fontMetrics().height() + margins.top() + margins.bottom()
        self.setFixedSize(max(width, self.minimumWidth()), height)

    def setContentsMargins(self, *args: object) -> None:  # noqa: N802 (Qt API)
        super().setContentsMargins(*args)
        self._fit(self._widest)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt API)
        margins = self.contentsMargins()
        needed = self.fontMetrics().horizontalAdvance(text) + margins.left() + margins.right() + 2
        if needed > self.width():
            self._widest = text
            self._fit(text)  # a wider text than foreseen: grow, and stay that wide
        super().setText(text)
