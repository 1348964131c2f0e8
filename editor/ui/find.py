"""The find bar under the text and the search it asks for."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QToolButton,
    QWidget,
)


def find_text(
    editor: QPlainTextEdit,
    needle: str,
    *,
    backward: bool = False,
    case_sensitive: bool = False,
    from_start_of_selection: bool = False,
) -> bool:
    """Select the next (or previous) `needle` in `editor`, wrapping around the end.

    `from_start_of_selection` searches from the start of the current match, so typing more
    letters into the find field grows the match in place instead of jumping past it.
    """
    if not needle:
        return False
    flags = QTextDocument.FindFlag(0)
    if backward:
        flags |= QTextDocument.FindFlag.FindBackward
    if case_sensitive:
        flags |= QTextDocument.FindFlag.FindCaseSensitively
    document = editor.document()
    cursor = editor.textCursor()
    if from_start_of_selection and not backward:
        start = QTextCursor(document)
        start.setPosition(cursor.selectionStart())
        cursor = start
    found = document.find(needle, cursor, flags)
    if found.isNull():
        wrap = QTextCursor(document)
        wrap.movePosition(
            QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start
        )
        found = document.find(needle, wrap, flags)
    if found.isNull():
        return False
    editor.setTextCursor(found)
    return True


class FindBar(QWidget):
    """Find field with previous/next and a case toggle; it only reports what was asked."""

    find_requested = Signal(str, bool, bool, bool)  # text, backward, case sensitive, incremental
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = QLineEdit(self)
        self.field.setPlaceholderText(self.tr("Find"))
        self.field.setAccessibleName(self.tr("Find"))
        self.field.setClearButtonEnabled(True)
        self.previous_button = QToolButton(self)
        self.previous_button.setText("↑")
        self.previous_button.setToolTip(self.tr("Find previous (Shift+Enter)"))
        self.previous_button.setAccessibleName(self.tr("Find previous"))
        self.next_button = QToolButton(self)
        self.next_button.setText("↓")
        self.next_button.setToolTip(self.tr("Find next (Enter)"))
        self.next_button.setAccessibleName(self.tr("Find next"))
        self.case_box = QCheckBox(self.tr("Match case"), self)
        self.status = QLabel(self)
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setToolTip(self.tr("Close (Esc)"))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(QLabel(self.tr("Find:"), self))
        layout.addWidget(self.field, 1)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.next_button)
        layout.addWidget(self.case_box)
        layout.addWidget(self.status)
        layout.addWidget(self.close_button)

        self.field.textEdited.connect(lambda: self._request(backward=False, incremental=True))
        self.field.installEventFilter(self)
        self.next_button.clicked.connect(lambda: self._request(backward=False))
        self.previous_button.clicked.connect(lambda: self._request(backward=True))
        self.case_box.toggled.connect(lambda: self._request(backward=False, incremental=True))
        self.close_button.clicked.connect(self.close_bar)

    def text(self) -> str:
        return self.field.text()

    def case_sensitive(self) -> bool:
        return self.case_box.isChecked()

    def open_bar(self, text: str = "") -> None:
        """Show the bar with the field focused and selected, prefilled with `text` if any."""
        if text:
            self.field.setText(text)
        self.show()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.closed.emit()

    def show_result(self, found: bool) -> None:
        self.status.setText("" if found or not self.text() else self.tr("Not found"))

    def _request(self, *, backward: bool, incremental: bool = False) -> None:
        self.find_requested.emit(self.text(), backward, self.case_sensitive(), incremental)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        # Handled on the field itself: QLineEdit emits returnPressed for Shift+Enter too, so
        # Shift+Enter would first search forward and then back, landing on the same match.
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key == Qt.Key.Key_Escape:
                self.close_bar()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self._request(backward=shift)
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape:
            self.close_bar()
            return
        super().keyPressEvent(event)
