"""A status bar whose messages are shortened at a word boundary, never cut mid-word.

QStatusBar draws a message that does not fit clipped at the pixel, often in the middle of a
word ("Could not save “notes.txt”: the di"). This one ends it after the last whole word that
fits, with "…", and puts the whole message in the bar's tooltip. `elide_words` is the Qt-free
rule; `ElidingStatusBar` only measures and draws. `SteadyLabel` is for the bar's labels whose
text changes on every key (issue 18).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizeGrip, QStatusBar, QStyle, QStyleOption, QWidget

ELLIPSIS = "…"
# Left after the last whole word: "the disk is full, …" reads worse than "the disk is full…".
_TRAILING = " ,;:–—-·"


def elide_words(text: str, width: float, measure: Callable[[str], float]) -> str:
    """`text` on one line, shortened to fit `width` (as `measure` counts) at a word boundary.

    Line breaks become spaces. When not even the first word fits, the text is cut inside it,
    as there is no boundary to cut at.
    """
    text = " ".join(text.split())
    if measure(text) <= width:
        return text
    words = text.split(" ")
    # The longest run of whole words that fits with the ellipsis (more words, more width).
    low, high = 0, len(words) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if measure(" ".join(words[:middle]).rstrip(_TRAILING) + ELLIPSIS) <= width:
            low = middle
        else:
            high = middle - 1
    if low > 0:
        return " ".join(words[:low]).rstrip(_TRAILING) + ELLIPSIS
    # One long word (a path, say): cut it, keeping as many characters as fit.
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle] + ELLIPSIS) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low] + ELLIPSIS if low else ""


class ElidingStatusBar(QStatusBar):
    """QStatusBar with `showMessage`/`currentMessage` as usual; only the drawing differs."""

    MESSAGE_SHARE = 0.6  # of the bar a message may claim from the droppable widgets

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shown_text = ""  # the message as last drawn (tests read it)
        self._droppable: list[QWidget] = []
        self._dropped: list[QWidget] = []
        self.messageChanged.connect(self._make_room)

    def set_droppable(self, widgets: list[QWidget]) -> None:
        """Permanent widgets a message may hide while it shows, least useful first.

        In a narrow window the permanent labels (time, position, encoding, model, hint, word
        list) filled the whole bar and a message such as "Opened as Windows-1252…" was drawn
        as nothing at all. A message is there for a few seconds and says what just happened,
        so for that time it takes the room of the figures that change on every key.
        """
        self._droppable = list(widgets)

    def _room(self) -> int:
        used = sum(w.width() + 8 for w in self._items() if w not in self._dropped)
        return self.width() - 24 - used

    def _make_room(self, message: str) -> None:
        if not message:
            for widget in self._dropped:
                widget.show()
            self._dropped = []
            return
        need = min(self.fontMetrics().horizontalAdvance(message),
                   int(self.width() * self.MESSAGE_SHARE))
        for widget in self._droppable:
            if self._room() >= need:
                break
            if widget.isVisible() and widget not in self._dropped:
                widget.hide()
                self._dropped.append(widget)

    def _items(self) -> list[QWidget]:
        return [child for child in self.findChildren(QWidget, "",
                                                     Qt.FindChildOption.FindDirectChildrenOnly)
                if child.isVisible() and not isinstance(child, QSizeGrip)]

    def message_rect(self) -> QRect:
        """Where the message goes: left of the permanent widgets and the size grip (while a
        message shows, QStatusBar hides every other widget)."""
        left, right = 6, self.width() - 12
        for child in self.findChildren(QWidget, "", Qt.FindChildOption.FindDirectChildrenOnly):
            # Any widget reaching past the left margin bounds the message: at a narrow width
            # the first permanent label can start at x < 6, and skipping it drew the message
            # over it (seen at 640 px in the dark theme's probe screenshot).
            if child.isVisible() and child.geometry().right() > left:
                right = min(right, child.x())
        return QRect(left, 0, max(0, right - left - 6), self.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        message = self.currentMessage()
        if not message:
            self.shown_text = ""
            self.setToolTip("")
            super().paintEvent(event)
            return
        # What QStatusBar::paintEvent does, with the message shortened at a word boundary.
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        style = self.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter, self)
        for item in self._items():
            frame = QStyleOption()
            frame.rect = item.geometry().adjusted(-2, -1, 2, 1)
            frame.palette = self.palette()
            frame.state = QStyle.StateFlag.State_None
            style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameStatusBarItem, frame, painter,
                                item)
        rect = self.message_rect()
        metrics = painter.fontMetrics()
        text = elide_words(message, rect.width(), metrics.horizontalAdvance)
        painter.setPen(self.palette().windowText().color())
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter
                         | Qt.TextFlag.TextSingleLine, text)
        painter.end()
        self.shown_text = text
        # The whole message on hover when it had to be shortened (or spanned several lines).
        self.setToolTip(message if text != message else "")


class SteadyLabel(QLabel):
    """A label for text that changes on every key (the cursor position, the suggestion time).

    A QLabel whose text changes asks its layout to run again (`updateGeometry`), and the status bar
    then measures and places every label it holds and repaints itself: on each keystroke, twice.
    A widget of fixed size does not ask (Qt skips the layout when minimum and maximum sizes are
    equal), so this label is fixed to the width of the widest text it is expected to show, and
    widens, once, only for a text wider than that. Measured: 0.3 to 0.7 ms less GUI-thread CPU
    per key (docs/BENCHMARKS.md, issue 18).
    """

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
