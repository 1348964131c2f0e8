"""The suggestion strip: three candidate words above the text, the best in the middle (Gboard)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QWidget,
)

from editor.ui.theme import ghost_color

# Slot order on screen for candidates ranked best-first: 2nd, 1st, 3rd.
SLOT_OF_RANK = (1, 0, 2)
HINT_GAP = 6  # pixels between a word and its key hint, and at the button's edges


def key_for_rank(rank: int) -> str:
    """The shortcut that inserts the candidate of this rank (0 = best)."""
    return f"Alt+{rank + 1}"


def strip_shortcuts() -> list[tuple[str, str]]:
    """(key, what it does) for the strip, numbered keys in order (for Help and the docs)."""
    places = ("left", "middle", "right")
    return [(key_for_rank(rank), f"insert the strip's {places[SLOT_OF_RANK[rank]]} word"
             + (" (the best)" if rank == 0 else ""))
            for rank in range(len(SLOT_OF_RANK))]


class _WordButton(QPushButton):
    """A strip word followed by its key hint ("Alt+1"), small and grey, centred together."""

    def __init__(self, hint: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.hint = hint
        self._hint_rect: QRect | None = None
        self._shown = ""
        # A layout asks for the size hints again whenever anything in the window moves: they
        # depend on the font and the style only, so they are kept (issue 18).
        self._hints: dict[tuple[str, str, str], QSize] = {}
        # The word lives here, not in QPushButton's text: setText asks the strip's layout and
        # the window's to run again (75 layout passes and 147 window repaints in 120 keys),
        # although the button's size never depends on its word. paintEvent draws it.
        self._word = ""

    def text(self) -> str:
        return self._word

    def set_word(self, word: str) -> None:
        if word != self._word:
            self._word = word
            self.update()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt API)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._hints.clear()
        super().changeEvent(event)

    def _kept(self, which: str, compute: Callable[[], QSize]) -> QSize:
        key = (which, self.font().key(), self.hint)
        size = self._hints.get(key)
        if size is None:
            size = self._hints[key] = compute()
        return QSize(size)

    def hint_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(False)
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.75))
        return font

    def _plain_metrics(self) -> QFontMetrics:
        font = QFont(self.font())
        font.setBold(False)  # the best word is bold: the same hint for all keeps them equal
        return QFontMetrics(font)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return self._kept("size", self._size_hint)

    def _size_hint(self) -> QSize:
        # The same for every word, so the three share the strip equally whatever they say (as
        # on Gboard), and a long word is elided rather than widening its button and the window.
        metrics = self._plain_metrics()
        width = (metrics.horizontalAdvance("m" * 6) + HINT_GAP
                 + QFontMetrics(self.hint_font()).horizontalAdvance(self.hint) + 2 * HINT_GAP)
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return self._kept("minimum", self._minimum_size_hint)

    def _minimum_size_hint(self) -> QSize:
        # A QPushButton is never narrower than its text (and the style's 80 px): three of them
        # held the window at 256 px and more. Two letters and "…" still tell the words apart;
        # the tooltip and the accessible name have the word whole.
        width = self._plain_metrics().horizontalAdvance("mm…") + 2 * HINT_GAP
        return QSize(width, super().minimumSizeHint().height())

    def hint_rect(self) -> QRect | None:
        """Where the key hint was last painted (None: not painted: no word, or no room)."""
        return QRect(self._hint_rect) if self._hint_rect is not None else None

    def shown_text(self) -> str:
        """The word as last painted: whole, or ending in "…" in a narrow strip."""
        return self._shown

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        # The style draws the button (hover, press); the label is drawn here, so the word and
        # its key can sit side by side whatever the button's width.
        painter = QStylePainter(self)
        option = QStyleOptionButton()
        self.initStyleOption(option)
        painter.drawControl(QStyle.ControlElement.CE_PushButtonBevel, option)
        self._hint_rect = None
        word = self._shown = self.text()
        if not word:
            return
        room = self.width() - 2 * HINT_GAP
        word_metrics = QFontMetrics(self.font())
        hint_metrics = QFontMetrics(self.hint_font())
        hint_width = hint_metrics.horizontalAdvance(self.hint)
        word_width = word_metrics.horizontalAdvance(word)
        with_hint = word_width + HINT_GAP + hint_width <= room
        if not with_hint:  # too narrow: the word alone (the tooltip still names the key)
            word = self._shown = word_metrics.elidedText(word, Qt.TextElideMode.ElideRight,
                                                         room)
            word_width = word_metrics.horizontalAdvance(word)
        total = word_width + (HINT_GAP + hint_width if with_hint else 0)
        x = (self.width() - total) // 2
        baseline = (self.height() + word_metrics.ascent() - word_metrics.descent()) // 2
        painter.setFont(self.font())
        painter.setPen(self.palette().color(QPalette.ColorRole.ButtonText))
        painter.drawText(x, baseline, word)
        if with_hint:
            x += word_width + HINT_GAP
            painter.setFont(self.hint_font())
            painter.setPen(ghost_color(self.palette()))  # legible grey on light and dark
            painter.drawText(x, baseline, self.hint)
            self._hint_rect = QRect(x, baseline - hint_metrics.ascent(), hint_width,
                                    hint_metrics.height())


class SuggestionStrip(QWidget):
    """Draws the candidates and forwards clicks; knows nothing about models."""

    chosen = Signal(int)  # rank of the clicked candidate (0 = best)
    block_requested = Signal(str)  # a word the user never wants offered again
    left = Signal()  # Esc in the strip: focus goes back to the text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suggestionStrip")
        self.setAccessibleName(self.tr("Suggestions"))
        # Opaque, so a button that repaints (flat, so see-through) repaints the strip beneath
        # it and stops there, instead of the main window too.
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(4)
        self.buttons: list[_WordButton] = []
        for slot in range(3):
            rank = SLOT_OF_RANK[slot]
            b = _WordButton(key_for_rank(rank), self)
            b.setFlat(True)
            # Reachable from the keyboard (F6) but never by a click, which must leave the
            # focus in the text.
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            b.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            b.clicked.connect(lambda _=False, r=rank: self._click(r))
            b.customContextMenuRequested.connect(lambda pos, r=rank, btn=b: self._menu(r, btn, pos))
            layout.addWidget(b, 1)
            self.buttons.append(b)
        self._words: list[str] = []
        self._set = False
        self.set_words([])

    def words(self) -> list[str]:
        """Candidates best first, as shown."""
        return list(self._words)

    def slot_words(self) -> list[str]:
        """The three buttons' texts, left to right."""
        return [b.text() for b in self.buttons]

    def key_hints(self) -> list[str]:
        """The three buttons' key hints, left to right."""
        return [b.hint for b in self.buttons]

    def set_words(self, words: list[str]) -> None:
        if self._set and list(words[:3]) == self._words:
            return  # most letters typed inside a word keep the strip: touch no button
        self._words = list(words[:3])
        for slot, b in enumerate(self.buttons):
            rank = SLOT_OF_RANK[slot]
            word = self._words[rank] if rank < len(self._words) else ""
            if b.font().bold() != (rank == 0):
                font = b.font()
                font.setBold(rank == 0)
                b.setFont(font)
            # A screen reader says the word, then where it ranks and its key.
            described = (self.tr("Suggestion {0} of {1}, {2}").format(
                rank + 1, len(self._words), b.hint) if word else "")
            if word == b.text() and self._set and described == b.accessibleDescription():
                continue  # a button whose word stays is not repainted
            b.set_word(word)
            b.setEnabled(bool(word))
            b.setToolTip(self.tr("{0} inserts “{1}”; right-click to block it").format(b.hint, word)
                         if word else "")
            b.setAccessibleName(word or self.tr("No suggestion"))
            b.setAccessibleDescription(described)
        self._set = True

    def focus_best(self) -> bool:
        """Put the keyboard focus on the best word (F6 from the text); False when none."""
        best = self.buttons[SLOT_OF_RANK.index(0)]
        target = best if best.isEnabled() else next(
            (b for b in self.buttons if b.isEnabled()), None)
        if target is None:
            return False
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def has_focus(self) -> bool:
        return any(b.hasFocus() for b in self.buttons)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        # Left/Right walk the words, Esc goes back to the text; Enter/Space press a button.
        focused = next((i for i, b in enumerate(self.buttons) if b.hasFocus()), None)
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.left.emit()
            return
        if focused is not None and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.buttons[focused].click()  # a push button outside a dialog ignores Enter
            return
        if focused is not None and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = -1 if key == Qt.Key.Key_Left else 1
            for k in range(1, len(self.buttons)):
                b = self.buttons[(focused + step * k) % len(self.buttons)]
                if b.isEnabled():
                    b.setFocus(Qt.FocusReason.TabFocusReason)
                    break
            return
        super().keyPressEvent(event)

    def _click(self, rank: int) -> None:
        if rank < len(self._words):
            self.chosen.emit(rank)

    def _menu(self, rank: int, button: QPushButton, pos) -> None:
        if rank >= len(self._words):
            return
        word = self._words[rank]
        menu = QMenu(self)
        menu.addAction(self.tr("Never suggest “{0}”").format(word), lambda: self.block_requested.emit(word))
        menu.popup(button.mapToGlobal(pos))
