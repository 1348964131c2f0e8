"""The suggestion strip: three candidate words above the text, the best in the middle (Gboard)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QMenu, QPushButton, QSizePolicy, QWidget

# Slot order on screen for candidates ranked best-first: 2nd, 1st, 3rd.
SLOT_OF_RANK = (1, 0, 2)


class SuggestionStrip(QWidget):
    """Draws the candidates and forwards clicks; knows nothing about models."""

    chosen = Signal(int)  # rank of the clicked candidate (0 = best)
    block_requested = Signal(str)  # a word the user never wants offered again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suggestionStrip")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(4)
        self.buttons: list[QPushButton] = []
        for slot in range(3):
            b = QPushButton(self)
            b.setFlat(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # clicking must not steal the text's focus
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            b.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            rank = SLOT_OF_RANK[slot]
            b.clicked.connect(lambda _=False, r=rank: self._click(r))
            b.customContextMenuRequested.connect(lambda pos, r=rank, btn=b: self._menu(r, btn, pos))
            layout.addWidget(b)
            self.buttons.append(b)
        self._words: list[str] = []
        self.set_words([])

    def words(self) -> list[str]:
        """Candidates best first, as shown."""
        return list(self._words)

    def slot_words(self) -> list[str]:
        """The three buttons' texts, left to right."""
        return [b.text() for b in self.buttons]

    def set_words(self, words: list[str]) -> None:
        self._words = list(words[:3])
        for slot, b in enumerate(self.buttons):
            rank = SLOT_OF_RANK[slot]
            word = self._words[rank] if rank < len(self._words) else ""
            b.setText(word)
            b.setEnabled(bool(word))
            b.setToolTip(f"Alt+{rank + 1} inserts “{word}”; right-click to block it" if word else "")
            font = b.font()
            font.setBold(rank == 0)
            b.setFont(font)

    def _click(self, rank: int) -> None:
        if rank < len(self._words):
            self.chosen.emit(rank)

    def _menu(self, rank: int, button: QPushButton, pos) -> None:
        if rank >= len(self._words):
            return
        word = self._words[rank]
        menu = QMenu(self)
        menu.addAction(f"Never suggest “{word}”", lambda: self.block_requested.emit(word))
        menu.popup(button.mapToGlobal(pos))
