"""Says what the loaded model knows, where a new user looks: a small label in the status bar
and, for the bundled poem model, a hint on the empty page.

Without it the poem model's suggestions (lines of one poem, whatever is written) look like a
broken autocomplete; with it they read as what they are, with the way to better ones.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QMainWindow

from editor.core.lm import ModelInfo
from editor.core.resources import bundled_model_path
from editor.core.service import ModelStatus
from editor.core.tokenizer import is_word_norm
from editor.ui.statusbar import ElidingLabel
from editor.ui.textedit import CaminhoTextEdit

TRAIN_HINT = QT_TRANSLATE_NOOP("ModelHint", "train one on your writing: Model → Train on Documents…")


def known_words(info: ModelInfo) -> int:
    """How many words the model can suggest (its vocabulary less line breaks, punctuation
    and the special tokens)."""
    return sum(1 for token in info.vocab if is_word_norm(token))


def is_bundled(path: Path | None) -> bool:
    if path is None:
        return False
    try:
        return path.resolve() == bundled_model_path().resolve()
    except OSError:
        return False


def describe(info: ModelInfo, *, bundled: bool) -> tuple[str, str]:
    """(the status bar's short text, the longer hint) for a loaded model."""
    n = known_words(info)
    one = QCoreApplication.translate("ModelHint", "{0:,} word")
    many = QCoreApplication.translate("ModelHint", "{0:,} words")
    words = (one if n == 1 else many).format(n)
    if bundled:
        return (QCoreApplication.translate("ModelHint", "Poem model: {0}").format(words),
                QCoreApplication.translate("ModelHint", "Poem model: {0} — {1}\nIt knows only "
                                           "the poem “No Meio do Caminho”, so it suggests lines "
                                           "of it.").format(
                    words, QCoreApplication.translate("ModelHint", TRAIN_HINT)))
    return (f"{info.name}: {words}",
            QCoreApplication.translate("ModelHint", "The model {0} knows {1}.").format(
                info.name, words))


class ModelHint(ElidingLabel):
    """The status bar's "Poem model: 20 words"; its tooltip (and, for the poem model, the
    empty page's placeholder) says more."""

    def __init__(self, window: QMainWindow, edit: CaminhoTextEdit) -> None:
        super().__init__("", window)
        self.setObjectName("modelHint")
        self.setContentsMargins(6, 0, 6, 0)
        self.edit = edit
        self.hint = ""
        window.statusBar().addPermanentWidget(self)
        self.hide()

    def show_status(self, status: ModelStatus) -> None:
        if status.ok and status.model is not None:
            short, self.hint = describe(status.model.info, bundled=is_bundled(status.path))
            self.setText(short)
            self.setToolTip(self.hint)
            self.show()
            self.edit.setPlaceholderText(self.hint if is_bundled(status.path) else "")
        elif status.path is None:  # unloaded: nothing suggests now
            self.hint = ""
            self.setText("")
            self.setToolTip("")
            self.hide()
            self.edit.setPlaceholderText("")
        # A failed load leaves the model that was loaded (and what is said about it) in place.
