"""Inline grey ghost text drawn after the cursor, on a transparent layer over the text view."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QPlainTextEdit, QWidget

NEWLINE_GLYPH = " ⏎"


class GhostOverlay(QWidget):
    """Draws text the editor would insert; it is never part of the document."""

    def __init__(self, edit: QPlainTextEdit) -> None:
        super().__init__(edit.viewport())
        self.edit = edit
        self._text = ""
        # Clicks and wheel events must reach the text below.
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        edit.viewport().installEventFilter(self)
        edit.updateRequest.connect(lambda *_: self.update())
        self.resize(edit.viewport().size())
        self.hide()

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self.setVisible(bool(text))
        self.raise_()
        self.update()

    def display_text(self) -> str:
        return self._text.replace("\n", NEWLINE_GLYPH)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.edit.viewport() and event.type() == QEvent.Type.Resize:
            self.resize(self.edit.viewport().size())
        return False

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if not self._text:
            return
        painter = QPainter(self)
        painter.setFont(self.edit.font())
        color = self.edit.palette().color(QPalette.ColorRole.PlaceholderText)
        if not color.isValid() or color.alpha() == 0:
            color = QColor(128, 128, 128)
        painter.setPen(color)
        rect = self.edit.cursorRect()
        # drawText takes the baseline, not the top of the line.
        baseline = rect.top() + self.edit.fontMetrics().ascent()
        painter.drawText(rect.left() + 1, baseline, self.display_text())
        painter.end()
