"""The text area: a QPlainTextEdit that zooms, reports dropped files and gives back the
exact text it holds, and lets others paint over the text (the ghost text, `add_painter`); the
decisions stay in the window and the suggestion engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontDatabase,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QTextCursor,
    QTextDocument,
    QWheelEvent,
)
from PySide6.QtWidgets import QMenu, QPlainTextEdit, QWidget

MIN_POINT_SIZE = 6
MAX_POINT_SIZE = 72
TAB_WIDTH = 4  # in spaces


def document_text(document: QTextDocument) -> str:
    """The document's text exactly as typed, with "\\n" between paragraphs.

    QTextDocument.toPlainText() turns no-break spaces into plain spaces and U+2028 into
    "\\n", which would silently change a file on save; the raw text keeps both.
    """
    return document.toRawText().replace("\u2029", "\n")


# PySide6 reads a Python str that starts with U+FEFF as a byte order mark when it hands it to
# Qt (dropping it) and one that starts with U+FFFE as a byte-swapped one (turning the whole
# text into CJK garbage). A file may legitimately start with either character, so text that
# does is handed over behind a zero-width marker that is deleted again inside Qt.
_BOM_LIKE = ("\ufeff", "\ufffe")
_MARKER = "\u200b"


def insert_text(cursor: QTextCursor, text: str) -> None:
    """`cursor.insertText(text)`, exact even when text starts with U+FEFF or U+FFFE."""
    if not text.startswith(_BOM_LIKE):
        cursor.insertText(text)
        return
    cursor.beginEditBlock()  # one undo step, like a plain insertText
    start = cursor.selectionStart()
    cursor.insertText(_MARKER + text)
    end = cursor.position()
    cursor.setPosition(start)
    cursor.deleteChar()
    cursor.setPosition(end - 1)
    cursor.endEditBlock()


def _local_files(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class CaminhoTextEdit(QPlainTextEdit):
    """Plain-text editing area with zoom steps and file drops forwarded as a signal."""

    zoom_changed = Signal(int)  # zoom steps away from the base font size
    files_dropped = Signal(list)  # list[Path]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        # Prose reads better a bit larger than the terminal default.
        font.setPointSizeF(max(font.pointSizeF(), 11.0))
        self._base_point_size = font.pointSizeF()
        self._zoom = 0
        self._replacing = 0
        self._painters: list[Callable[[QPainter], None]] = []
        self.setFont(font)
        self.setTabChangesFocus(False)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self._update_tab_stop()

    # --- text --------------------------------------------------------------------------

    def text(self) -> str:
        """The exact text (see `document_text`); use this, not toPlainText(), to save."""
        return document_text(self.document())

    @contextmanager
    def replacing(self) -> Iterator[None]:
        """While the text is replaced from outside (a file opened or reloaded): `is_replacing`
        tells listeners of the document's changes that nobody is typing this."""
        self._replacing += 1
        try:
            yield
        finally:
            self._replacing -= 1

    @property
    def is_replacing(self) -> bool:
        return self._replacing > 0

    def set_text(self, text: str) -> None:
        """Replace everything, forget undo history and mark the document unmodified."""
        with self.replacing():
            self._set_text(text)

    def _set_text(self, text: str) -> None:
        if text.startswith(_BOM_LIKE):
            # See insert_text: the marker keeps the leading U+FEFF/U+FFFE as text.
            self.setPlainText(_MARKER + text)
            QTextCursor(self.document()).deleteChar()
            self.document().clearUndoRedoStacks()
        else:
            self.setPlainText(text)
        self.document().setModified(False)

    def cursor_line_column(self) -> tuple[int, int]:
        """1-based line (paragraph) and column of the text cursor."""
        cursor = self.textCursor()
        return cursor.blockNumber() + 1, cursor.positionInBlock() + 1

    # --- zoom --------------------------------------------------------------------------

    def zoom(self) -> int:
        return self._zoom

    def set_zoom(self, steps: int) -> None:
        """Show the text `steps` points larger (or smaller) than the base font."""
        low = int(MIN_POINT_SIZE - self._base_point_size)
        high = int(MAX_POINT_SIZE - self._base_point_size)
        steps = max(low, min(high, int(steps)))
        if steps == self._zoom and self.font().pointSizeF() == self._base_point_size + steps:
            return
        self._zoom = steps
        font = QFont(self.font())
        font.setPointSizeF(self._base_point_size + steps)
        self.setFont(font)
        self._update_tab_stop()
        self.zoom_changed.emit(steps)

    def zoom_in(self) -> None:
        self.set_zoom(self._zoom + 1)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoom - 1)

    def reset_zoom(self) -> None:
        self.set_zoom(0)

    def _update_tab_stop(self) -> None:
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * TAB_WIDTH)

    # --- painting ----------------------------------------------------------------------

    def add_painter(self, paint: Callable[[QPainter], None]) -> None:
        """Have `paint` draw over the text (viewport coordinates) every time the view paints."""
        self._painters.append(paint)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        super().paintEvent(event)
        if self._painters:
            painter = QPainter(self.viewport())
            for paint in self._painters:
                paint(painter)
            painter.end()

    # --- events ------------------------------------------------------------------------

    def undo(self) -> None:
        with self.replacing():  # text coming back is not being typed now
            super().undo()

    def redo(self) -> None:
        with self.replacing():
            super().redo()

    def createStandardContextMenu(self, *args: object) -> QMenu:  # noqa: N802 (Qt override)
        menu = super().createStandardContextMenu(*args)
        # The menu's Undo/Redo call the C++ slots; route them through the overrides above.
        for action in menu.actions():
            name = action.objectName()
            if name in ("edit-undo", "edit-redo"):
                action.triggered.disconnect()
                action.triggered.connect(self.undo if name == "edit-undo" else self.redo)
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 (Qt override)
        # QPlainTextEdit's own handler builds its menu in C++, past the override above.
        menu = self.createStandardContextMenu(event.pos())
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(event.globalPos())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        # QPlainTextEdit undoes Ctrl+Z itself, without calling the Python undo() above.
        if event.matches(QKeySequence.StandardKey.Undo) or event.matches(
                QKeySequence.StandardKey.Redo):
            with self.replacing():
                super().keyPressEvent(event)
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        # QPlainTextEdit zooms on Ctrl+wheel by itself, behind our back: the step would not
        # be counted, persisted or reset by Ctrl+0.
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta > 0:
                self.zoom_in()
            elif delta < 0:
                self.zoom_out()
            event.accept()
            return
        super().wheelEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if _local_files(event):
            event.acceptProposedAction()
            return
        super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 (Qt override)
        if _local_files(event):
            event.acceptProposedAction()
            return
        super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        # A dropped file is to be opened, not its path pasted into the text.
        files = _local_files(event)
        if files:
            event.acceptProposedAction()
            self.files_dropped.emit(files)
            return
        super().dropEvent(event)
