"""Inline grey ghost text drawn after the cursor, painted by the text view itself."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, Qt
from PySide6.QtGui import QFontMetrics, QPainter

from editor.ui.textedit import CaminhoTextEdit
from editor.ui.theme import ghost_color

NEWLINE_GLYPH = " ⏎"
# Below this much room left of the right edge the ghost goes to the start of the next line.
MIN_ROOM_CHARS = 3


class GhostText(QObject):
    """Text the editor would insert; it is never part of the document.

    It is painted in the view's own paint event, at the cursor rectangle of that moment. It
    used to be a transparent child widget of the viewport, but scrolling moves a viewport's
    children (QWidget.scroll), so after any scroll the ghost was drawn lines away from the
    cursor, over other text.
    """

    def __init__(self, edit: CaminhoTextEdit) -> None:
        super().__init__(edit)
        self.edit = edit
        self._text = ""
        self._painted: QRect | None = None
        edit.add_painter(self._paint)

    def text(self) -> str:
        return self._text

    def is_shown(self) -> bool:
        return bool(self._text)

    def set_text(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        # Assistive technology cannot see painted text: the text view's accessible description
        # carries the ghost while it shows (Qt sends DescriptionChanged), empty otherwise.
        self.edit.setAccessibleDescription(
            self.tr("Ghost text: “{0}”").format(text.replace("\n", " ")) if text else "")
        viewport = self.edit.viewport()
        if self._painted is not None:
            viewport.update(self._painted)  # wipe the old one
        if text:
            # From the cursor to the right edge, and the next line for the wrapped case.
            rect = self.edit.cursorRect()
            viewport.update(QRect(0, rect.top(), viewport.width(), rect.height() * 2 + 2))

    def display_text(self) -> str:
        return self._text.replace("\n", NEWLINE_GLYPH)

    def painted_rect(self) -> QRect | None:
        """Where the ghost was last painted, in viewport coordinates (None: not painted)."""
        return QRect(self._painted) if self._painted is not None else None

    def _paint(self, painter: QPainter) -> None:
        if not self._text:
            self._painted = None
            return
        edit = self.edit
        metrics = QFontMetrics(edit.font())
        rect = edit.cursorRect()
        x, top = rect.left() + 1, rect.top()
        right = edit.viewport().width() - int(edit.document().documentMargin())
        text = self.display_text()
        if right - x < metrics.horizontalAdvance("M") * MIN_ROOM_CHARS:
            # The cursor sits at the right edge of a full line: show the ghost where the
            # text would wrap to, rather than a clipped sliver.
            x = int(edit.contentOffset().x() + edit.document().documentMargin())
            top = rect.bottom() + 1
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(0, right - x))
        color = ghost_color(edit.palette())  # grey that stays legible on a dark page too
        painter.save()
        painter.setFont(edit.font())
        painter.setPen(color)
        # drawText takes the baseline, not the top of the line.
        painter.drawText(x, top + metrics.ascent(), shown)
        painter.restore()
        self._painted = QRect(x, top, metrics.horizontalAdvance(shown), rect.height())
