"""A status bar whose messages are shortened at a word boundary, never cut mid-word.

QStatusBar draws a message that does not fit clipped at the pixel, often in the middle of a
word ("Could not save “notes.txt”: the di"). This one ends it after the last whole word that
fits, with "…", and puts the whole message in the bar's tooltip. `elide_words` is the Qt-free
rule; `ElidingStatusBar` only measures and draws. `SteadyLabel` is for the bar's labels whose
text changes on every key (issue 18).

In a narrow window (a half screen, a tiling window manager) the permanent widgets set the
window's minimum width: about 750 px with all of them. `ElidingLabel` lets a label shrink to a
few letters and "…" (the whole text in its tooltip), and the bar hides the figures it may
`set_squeezable` while there is no room for them, so it never sets the window's minimum.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QSizeGrip,
    QSizePolicy,
    QStatusBar,
    QStyle,
    QStyleOption,
    QWidget,
)

ELLIPSIS = "…"
# Left after the last whole word: "the disk is full, …" reads worse than "the disk is full…".
_TRAILING = " ,;:–—-·"
_SPACING = 6  # QStatusBar's between its widgets (QStatusBar::reformat)


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
        self._squeezable: list[QWidget] = []
        self._squeezed: list[QWidget] = []
        self._capped: list[ElidingLabel] = []
        self.messageChanged.connect(self._make_room)

    def set_droppable(self, widgets: list[QWidget]) -> None:
        """Permanent widgets a message may hide while it shows, least useful first.

        In a narrow window the permanent labels (time, position, encoding, model, hint, word
        list) filled the whole bar and a message such as "Opened as Windows-1252…" was drawn
        as nothing at all. A message is there for a few seconds and says what just happened,
        so for that time it takes the room of the figures that change on every key.
        """
        self._droppable = list(widgets)

    def set_squeezable(self, widgets: list[QWidget]) -> None:
        """Permanent widgets hidden while the bar has no room for them, least useful first.

        The bar's minimum width leaves them out, so they never hold the window wide; each comes
        back when the bar is wide enough for it (and for the eliding labels at a readable width).
        """
        self._squeezable = list(widgets)
        self._fit()

    def squeezed(self) -> list[QWidget]:
        """The widgets hidden now for want of room."""
        return list(self._squeezed)

    def _cost(self, widget: QWidget, *, comfortable: bool = False) -> int:
        """The width a permanent widget takes in the bar's minimum, with the spacing before it;
        `comfortable` counts an eliding label at a width that still reads."""
        width = _smart_min_width(widget)
        if comfortable and isinstance(widget, ElidingLabel):
            width = max(width, widget.comfortable_width())
        return width + _SPACING

    def _layout_minimum(self) -> int:
        layout = self.layout()
        return layout.minimumSize().width() if layout is not None else 0

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        hint = super().minimumSizeHint()
        shown = [w for w in self._squeezable if not w.isHidden()]
        return QSize(max(0, hint.width() - sum(self._cost(w) for w in shown)), hint.height())

    def _fit(self) -> None:
        """Show the squeezable widgets the width has room for, most useful first; hide the rest.

        Only a widget whose state changes is touched: showing or hiding asks for a layout,
        which calls this again, and must then find nothing to change.
        """
        if not self._squeezable:
            return
        # Everything the bar shows, the squeezable widgets left out: the smallest it can be.
        shown = [w for w in self._squeezable if not w.isHidden()]
        others = [w for w in self._items(visible_to=True)
                  if w not in self._squeezable and isinstance(w, ElidingLabel)]
        need = (self._layout_minimum() - sum(self._cost(w) for w in shown)
                + sum(self._cost(w, comfortable=True) - self._cost(w) for w in others))
        wanted: list[QWidget] = []
        for widget in reversed(self._squeezable):
            if widget.isHidden() and widget not in self._squeezed:
                continue  # hidden by its owner, or for a message: not ours to show
            if widget.isHidden() and self.currentMessage():
                continue  # the message has its room until it goes
            cost = self._cost(widget)
            if need + cost > self.width():
                break  # and none less useful: the position, not the encoding that happens to fit
            wanted.append(widget)
            need += cost
        for widget in self._squeezable:
            if widget in wanted and widget in self._squeezed:
                self._squeezed.remove(widget)
                widget.show()
            elif widget not in wanted and not widget.isHidden():
                widget.hide()
                self._squeezed.append(widget)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._fit()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        # A label grew (a longer model name, a wider figure) or came up (the model hint, after
        # "Model loaded" showed): the rest, or the message, may no longer have room.
        if event.type() == QEvent.Type.LayoutRequest:
            self._fit()
            if self.currentMessage():
                self._make_room(self.currentMessage())
        return handled

    def _room(self) -> int:
        used = sum(_shown_width(w) + 8 for w in self._items() if w not in self._dropped)
        return self.width() - 24 - used

    def _make_room(self, message: str) -> None:
        if not message:
            for label in self._capped:
                label.setMaximumWidth(QWIDGETSIZE_MAX)
            self._capped = []
            for widget in self._dropped:
                widget.show()
            self._dropped = []
            self._fit()  # what came back may not all have room
            return
        need = min(self.fontMetrics().horizontalAdvance(message),
                   int(self.width() * self.MESSAGE_SHARE))
        # A label that elides gives the message room first: the model's name, shortened, says
        # which model as well as the whole name did.
        for label in self._items():
            if self._room() >= need:
                break
            if isinstance(label, ElidingLabel) and label not in self._capped:
                label.setMaximumWidth(max(_smart_min_width(label), label.comfortable_width()))
                self._capped.append(label)
        for widget in self._droppable:
            if self._room() >= need:
                break
            if widget.isVisible() and widget not in self._dropped:
                widget.hide()
                self._dropped.append(widget)

    def _items(self, *, visible_to: bool = False) -> list[QWidget]:
        """The bar's widgets on screen (`visible_to`: those that will be once the bar shows)."""
        return [child for child in self._children()
                if (not child.isHidden() if visible_to else child.isVisible())
                and not isinstance(child, QSizeGrip)]

    def _children(self) -> list[QWidget]:
        # Not findChildren(QWidget, ""): PySide6 takes "" as a name to match, and so skipped
        # every named widget (the model hint, the word list button).
        return [child for child in self.children() if isinstance(child, QWidget)]

    def message_rect(self) -> QRect:
        """Where the message goes: left of the permanent widgets and the size grip (while a
        message shows, QStatusBar hides every other widget)."""
        left, right = 6, self.width() - 12
        for child in self._children():
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


QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum"


def _shown_width(widget: QWidget) -> int:
    """A widget's width in the bar, or what it will be once a cap on it is laid out."""
    return min(widget.width(), widget.maximumWidth())


def _smart_min_width(widget: QWidget) -> int:
    """The width a layout gives `widget` at the least (Qt's qSmartMinSize, for a hidden widget
    too, which a layout item would count as nothing)."""
    if widget.minimumWidth() > 0:
        return widget.minimumWidth()
    policy = widget.sizePolicy().horizontalPolicy()
    if policy == QSizePolicy.Policy.Ignored:
        return 0
    least = max(0, widget.minimumSizeHint().width())
    if policy.value & QSizePolicy.PolicyFlag.ShrinkFlag.value:
        return least
    return max(least, widget.sizeHint().width())


class ElidingLabel(QLabel):
    """A one-line label that may be narrower than its text: it ends the text with "…" and
    says it whole in the tooltip (unless the label has a tooltip of its own).

    A QLabel is never narrower than its text, so a long model name held the whole window wide.
    The text itself stays whole: `text()` and the accessible name (read from it) are not cut.
    """

    MIN_CHARS = 3  # the least shown before "…": enough to tell one label from another
    COMFORTABLE_CHARS = 16  # the width the status bar keeps for it before hiding figures

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._own_tip = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def _extra(self) -> int:
        margins = self.contentsMargins()
        return margins.left() + margins.right() + 2 * self.margin() + 2

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        hint = super().minimumSizeHint()
        short = self.text()[: self.MIN_CHARS] + ELLIPSIS
        width = min(hint.width(), self.fontMetrics().horizontalAdvance(short) + self._extra())
        return QSize(width, hint.height())

    def comfortable_width(self) -> int:
        return min(self.sizeHint().width(),
                   self.fontMetrics().averageCharWidth() * self.COMFORTABLE_CHARS + self._extra())

    def shown_text(self) -> str:
        """The text as drawn: whole, or shortened with "…" when the label is too narrow."""
        # At a word boundary, as the bar's messages: "Poem model…", not "Poem model: 20 …".
        return elide_words(self.text(), self.contentsRect().width() - 2 * self.margin(),
                           self.fontMetrics().horizontalAdvance)

    def is_elided(self) -> bool:
        return self.shown_text() != self.text()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt API)
        super().setText(text)
        self._update_tip()

    def setToolTip(self, tip: str) -> None:  # noqa: N802 (Qt API)
        self._own_tip = tip
        self._update_tip()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._update_tip()

    def _update_tip(self) -> None:
        super().setToolTip(self._own_tip or (self.text() if self.is_elided() else ""))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        if not self.is_elided():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        rect = self.contentsRect().adjusted(self.margin(), self.margin(), -self.margin(),
                                            -self.margin())
        self.style().drawItemText(painter, rect, int(self.alignment()), self.palette(),
                                  self.isEnabled(), self.shown_text(), self.foregroundRole())


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
        # Opaque: a transparent label that changes makes the status bar beneath it repaint too
        # (its background and every item's frame): 147 bar repaints in 120 keys, 0.29 ms of
        # GUI-thread CPU a key; with its own background, 5 (docs/BENCHMARKS.md, issue 18).
        self.setAutoFillBackground(True)

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
