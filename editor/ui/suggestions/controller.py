"""Connects the text view to the suggestion service: requests, results, accepting.

Keys are watched with an event filter on the text view (Tab, Esc, Ctrl+Right, Alt+1/2/3),
so the text widget itself stays a plain editor. Text changes are read from
`QTextDocument.contentsChange`, which also sees text committed by an input method.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor

from editor.core.context import WINDOW, context_window, trim_window
from editor.core.lexicon import completes
from editor.core.service import ModelStatus, Request, Result, SuggestionService
from editor.core.suggest import SuggestConfig, Suggestions, split_ghost_word
from editor.core.tokenizer import needs_space, split_partial, tokenize
from editor.ui.suggestions.ghost import GhostText
from editor.ui.suggestions.strip import SuggestionStrip
from editor.ui.textedit import CaminhoTextEdit

_DEAD_KEYS = range(0x01001250, 0x01001300)  # Qt.Key_Dead_Grave ... Qt.Key_Dead_* block
_PUNCT_HUGGING_LEFT = frozenset(".,;:!?)")
INDEX_CHARS = 60_000  # about the neural cache's 10,000 positions of prose
INDEX_DELAY_MS = 1000  # reading waits for a pause in typing (it shares the GIL with painting)


def utf16_len(text: str) -> int:
    """QTextDocument positions count UTF-16 code units, Python counts code points."""
    return len(text.encode("utf-16-le")) // 2


class SuggestionController(QObject):
    shown = Signal(object)  # Suggestions just put on screen (fresh for the current text)
    model_status = Signal(object)  # ModelStatus, on the GUI thread: the model in use changed
    model_load_failed = Signal(object)  # ModelStatus of a failed load; the previous model stays
    _result_from_worker = Signal(object)
    _model_from_worker = Signal(object)

    def __init__(self, edit: CaminhoTextEdit, strip: SuggestionStrip,
                 config: SuggestConfig | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.edit = edit
        self.strip = strip
        self.config = config or SuggestConfig()
        self.ghost = GhostText(edit)
        self.accept_keys = {Qt.Key.Key_Tab}
        self.revision = 0
        self.current = Suggestions()  # what is on screen
        self._shown_revision = -1  # revision of the last full result on screen
        self._ghost_revision = -1  # revision the ghost text on screen is right for
        self._final_revision = -1  # revision whose last result (ghost run on) has arrived
        # Text states (`_text_state`) rather than revisions: a refresh for the same text (words
        # learnt after a pause, a word list loaded) bumps the revision but must neither bring
        # back a dismissed ghost nor drop the rest of an accepted one.
        self._dismissed_at: tuple[int, int] | None = None
        self._carry: str | None = None  # ghost text left after the user typed its first letters
        self._carry_pieces: list[str] = []
        # (text state, pieces): the ghost left after accepting one word, kept for that text.
        self._kept: tuple[tuple[int, int], list[str]] | None = None
        self._composing = False
        self._dead_key = False
        self._auto_space_at = -1  # position right after a space we added on accept
        self._key_time = 0.0
        self.last_latency_ms: float | None = None
        self.model_name: str | None = None

        # Signals emitted on the worker thread arrive here queued, on the GUI thread.
        self._result_from_worker.connect(self._on_result)
        self._model_from_worker.connect(self._on_model)
        self.service = SuggestionService(self._result_from_worker.emit, self._model_from_worker.emit,
                                         self.config, draw_first=True)
        self._post_timer = QTimer(self)
        self._post_timer.setSingleShot(True)
        self._post_timer.setInterval(0)
        self._post_timer.timeout.connect(self._post)
        # Text the window never passed over (a document opened or pasted, a jump far away) is
        # read into the neural cache once typing pauses.
        self._index_timer = QTimer(self)
        self._index_timer.setSingleShot(True)
        self._index_timer.setInterval(INDEX_DELAY_MS)
        self._index_timer.timeout.connect(self._index_pending)
        self._index_cursor = False  # read the text before the cursor
        self._dirty: tuple[int, int] | None = None  # edited span with text after it
        self._last_pos = 0

        edit.installEventFilter(self)
        edit.document().contentsChange.connect(self._on_contents_change)
        edit.cursorPositionChanged.connect(self._on_cursor_moved)
        strip.chosen.connect(self.accept_candidate)

    ACCEPT_KEYS = {"Tab": Qt.Key.Key_Tab, "Right": Qt.Key.Key_Right, "End": Qt.Key.Key_End}

    def set_accept_key(self, name: str) -> None:
        """Which key accepts the whole ghost text: Tab, Right or End."""
        self.accept_keys = {self.ACCEPT_KEYS.get(name, Qt.Key.Key_Tab)}

    def apply_setting(self, key: str, value: object) -> None:
        """Follow a changed user setting at once, without a restart."""
        if key == "accept_key":
            self.set_accept_key(str(value))
        elif key in ("ghost_enabled", "ghost_threshold", "ghost_max_words"):
            self.service.update_config(**{key: value})
            self.refresh()

    def set_internals(self, wanted: bool) -> None:
        """Whether results carry the gates the insight panel draws: off while it is hidden
        (each typed token is then one fused step); turned on, the rows are computed at once."""
        if self.service.config.internals == wanted:
            return
        self.service.update_config(internals=wanted)
        if wanted:
            self.refresh()

    # -- model -----------------------------------------------------------------------------------
    def load_model(self, path: Path | str | None) -> None:
        self.service.load_model(path)

    def _on_model(self, status: ModelStatus) -> None:
        if status.kept:
            self.model_load_failed.emit(status)  # the model in use did not change
            return
        self.model_name = status.message if status.ok else None
        self._clear()
        self.model_status.emit(status)
        if status.ok:
            self.refresh()
            self._index_cursor = True
            self._index_timer.start()

    def _index_pending(self) -> None:
        """Send text to be read into the neural cache: up to INDEX_CHARS before the cursor,
        and the span around edits that have text after them."""
        spans = []
        if self._dirty is not None:
            lo, hi = self._dirty
            spans.append((max(0, lo - WINDOW), min(self.edit.document().characterCount() - 1,
                                                   hi + WINDOW)))
        if self._index_cursor:
            pos = self.edit.textCursor().position()
            spans.append((max(0, pos - INDEX_CHARS), pos))
        self._dirty, self._index_cursor = None, False
        if not self.service.has_model:
            return
        for start, end in spans:
            if end > start:
                self.service.index(self._text_between(start, end), start, start == 0)

    def shutdown(self) -> None:
        self.service.shutdown()

    # -- requests --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Ask for suggestions for the text as it is now."""
        self.revision += 1
        if not self._post_timer.isActive():
            self._post_timer.start()

    def _on_contents_change(self, _pos: int, _removed: int, _added: int) -> None:
        # Any edit after an accept (undo, an input method, a paste) voids the space it added:
        # punctuation typed at that position later must not delete what is there now.
        # (`_insert` sets it again after its own edit.)
        self._auto_space_at = -1
        self.service.note_edit(_pos, _removed, _added)  # the neural cache's positions follow
        if _added >= 2 * WINDOW:  # a document opened or pasted
            self._index_cursor = True
            self._index_timer.start()
        elif self._index_timer.isActive():
            self._index_timer.start()  # still typing: reading waits for a pause
        if _added < 2 * WINDOW and _pos + _added < self.edit.document().characterCount() - 1:
            # Text follows the edit: the states after it read the old text; once typing
            # pauses, the span around it is read again (only there do entries change).
            d = self._dirty
            self._dirty = (_pos, _pos + _added) if d is None else (min(d[0], _pos),
                                                                   max(d[1], _pos + _added))
            self._index_timer.start()
        # Edits that leave the cursor in place (Delete) only come here: post on the next turn.
        self._invalidate(post_now=False)

    def _on_cursor_moved(self) -> None:
        pos = self.edit.textCursor().position()
        if abs(pos - self._last_pos) > WINDOW:
            self._index_cursor = True
            self._index_timer.start()
        self._last_pos = pos
        # Typing moves the cursor after the text changed: post at once, so the worker ranks
        # while this thread paints the keystroke, instead of after it.
        self._invalidate(post_now=True)

    def _invalidate(self, *, post_now: bool) -> None:
        self.revision += 1
        if self._carry is not None:
            # The carried ghost stays until the request for the new text is posted.
            self.ghost.set_text(self._carry)
            self.current.ghost = list(self._carry_pieces)
            self._ghost_revision = self.revision  # the trimmed ghost is right for the new text
        else:
            self.ghost.set_text("")
        if post_now:
            self._post_timer.stop()
            self._post()
        elif not self._post_timer.isActive():
            self._post_timer.start()

    def _post(self) -> None:
        self._carry = None
        if not self.service.has_model or self._composing or self._dead_key:
            return
        cursor = self.edit.textCursor()
        if cursor.hasSelection():
            self._clear()
            return
        pos = cursor.position()
        start = context_window(pos)
        # The window may start inside a word; it begins at the next whitespace instead.
        text, window_start = trim_window(self._text_between(start, pos), start)
        after = self._text_between(pos, pos + 2)
        posted = self._key_time if time.perf_counter() - self._key_time < 1.0 else time.perf_counter()
        self.service.request(Request(self.revision, text, start == 0, after, posted,
                                     window_start))

    def _text_between(self, start: int, end: int) -> str:
        doc = self.edit.document()
        end = min(end, doc.characterCount() - 1)
        if end <= start:
            return ""
        c = QTextCursor(doc)
        c.setPosition(start)
        c.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        return c.selectedText().replace("\u2029", "\n").replace("\u2028", "\n")

    def _on_result(self, result: Result) -> None:
        if result.revision != self.revision:
            return  # made for text that has changed since: never show it
        sug = result.suggestions
        if self._kept is not None:
            if self._kept[0] == self._text_state():
                sug = replace(sug, ghost=list(self._kept[1]), _continuation=None)
            else:
                self._kept = None
        self.current = sug
        self._shown_revision = self._ghost_revision = result.revision
        if result.final:
            self._final_revision = result.revision
        self.strip.set_words(sug.words)
        ghost = sug.ghost_text if self._ghost_allowed() else ""
        if self._dismissed_at == self._text_state():
            ghost = ""
        self.ghost.set_text(ghost)
        if not result.extension:
            self.last_latency_ms = (
                (time.perf_counter() - self._key_time) * 1e3 if self._key_time else None)
        self.shown.emit(sug)
        if not result.final:
            # The ghost's run-on waits for this: after the strip's paint, queued just now.
            QTimer.singleShot(0, lambda r=result.revision: self.service.shown(r))

    def _text_state(self) -> tuple[int, int]:
        """The document's edit count and the cursor: equal only for the same text and place."""
        return self.edit.document().revision(), self.edit.textCursor().position()

    def _ghost_allowed(self) -> bool:
        if self._composing or self._dead_key:
            return False
        cursor = self.edit.textCursor()
        # positionInBlock() counts UTF-16 units, so it can't index the block's Python text
        # (emoji earlier on the line shifted it past the end); read the rest of the line itself.
        block = cursor.block()
        rest = self._text_between(cursor.position(), block.position() + block.length() - 1)
        return not rest.strip()  # ghost text only where nothing follows on the line

    def _clear(self) -> None:
        self.current = Suggestions()
        self.strip.set_words([])
        self.ghost.set_text("")

    # -- accepting -------------------------------------------------------------------------------
    def is_fresh(self) -> bool:
        """Whether what is on screen was made for the text as it is now, and is complete."""
        return self._shown_revision == self._final_revision == self.revision

    def ghost_visible(self) -> bool:
        return bool(self.ghost.text()) and self._ghost_revision == self.revision

    def accept_ghost(self, whole: bool = True) -> bool:
        """Insert the ghost text (`whole`) or its next word with its space (Ctrl+Right), as
        one undo step; what is left of it stays on screen for the next accept."""
        if not self.ghost_visible():
            return False
        pieces = list(self.current.ghost)
        if not pieces:
            return False
        if whole:
            text, rest, space = "".join(pieces), [], False
        else:
            text, rest, space = split_ghost_word(pieces)
        add_space = space or (not rest and text[-1:].isalnum())
        self._insert(text, remove=0, add_space=add_space)
        if rest:
            # The rest stays, also when the result for the new text arrives: it was on screen,
            # so the next Ctrl+Right or Tab must take exactly it.
            self.current.ghost = rest
            self.ghost.set_text("".join(rest))
            self._ghost_revision = self.revision
            self._kept = (self._text_state(), rest)
        return True

    def accept_candidate(self, rank: int) -> bool:
        words = self.current.candidates
        if rank >= len(words):
            return False
        word = words[rank].text
        pos = self.edit.textCursor().position()
        before = self._text_between(max(0, pos - 200), pos)
        context, prefix = split_partial(before)
        if not completes(word, prefix):
            # The strip still shows words for earlier text: never replace typed letters with a
            # word that does not complete them (accent-blind, or one typo away).
            return False
        lead = ""
        if not prefix and context and not context[-1].isspace():
            toks = tokenize(context[-50:])
            if toks and needs_space(toks[-1].text, word):
                lead = " "
        self._insert(lead + word, remove=utf16_len(prefix), add_space=True)
        return True

    def dismiss(self) -> bool:
        if not self.ghost.text():
            return False
        self._dismissed_at = self._text_state()
        self.ghost.set_text("")
        return True

    def _insert(self, text: str, *, remove: int, add_space: bool) -> None:
        cursor = self.edit.textCursor()
        pos = cursor.position()
        next_char = self._text_between(pos, pos + 1)
        if add_space and next_char not in (" ", "\n", "\t") and not text.endswith("\n"):
            text += " "
        else:
            add_space = False
        cursor.beginEditBlock()  # one undo step for the whole accept
        if remove:
            cursor.setPosition(pos - remove)
            cursor.setPosition(pos, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(text)
        cursor.endEditBlock()
        self.edit.setTextCursor(cursor)
        self._auto_space_at = cursor.position() if add_space else -1

    # -- keys ------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is not self.edit:
            return False
        etype = event.type()
        if etype == QEvent.Type.KeyPress:
            return self._key_press(event)  # type: ignore[arg-type]
        if etype == QEvent.Type.InputMethod:
            composing = bool(event.preeditString())  # type: ignore[attr-defined]
            if composing != self._composing:
                self._composing = composing
                if composing:
                    self._clear()
                else:
                    self.refresh()
        return False

    def _key_press(self, event: QKeyEvent) -> bool:
        self._key_time = time.perf_counter()
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in _DEAD_KEYS:
            self._dead_key = True
            self._clear()
            return False
        if self._dead_key and event.text():
            self._dead_key = False
        if key in self.accept_keys and mods == Qt.KeyboardModifier.NoModifier:
            return self.accept_ghost(whole=True)
        if key == Qt.Key.Key_Right and mods == Qt.KeyboardModifier.ControlModifier:
            return self.accept_ghost(whole=False)
        if key == Qt.Key.Key_Escape and mods == Qt.KeyboardModifier.NoModifier:
            return self.dismiss()
        if mods == Qt.KeyboardModifier.AltModifier and Qt.Key.Key_1 <= key <= Qt.Key.Key_3:
            return self.accept_candidate(key - Qt.Key.Key_1)
        text = event.text()
        if text and mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            self._before_typing(text)
        return False

    def _before_typing(self, text: str) -> None:
        cursor = self.edit.textCursor()
        # Punctuation typed right after an accepted word's automatic space takes its place.
        if text in _PUNCT_HUGGING_LEFT and cursor.position() == self._auto_space_at:
            cursor.deletePreviousChar()
        self._auto_space_at = -1
        # Typing the ghost's own next letters keeps it on screen, shortened, instead of flickering.
        ghost = self.ghost.text() if self.ghost_visible() else ""
        if ghost and ghost[: len(text)].lower() == text.lower() and len(ghost) > len(text):
            self._carry = ghost[len(text):]
            pieces = list(self.current.ghost)
            first = pieces[0][len(text):] if pieces and len(pieces[0]) >= len(text) else ""
            self._carry_pieces = ([first] if first else []) + pieces[1:]
        else:
            self._carry = None

    @property
    def latency_ms(self) -> float | None:
        return self.last_latency_ms


__all__ = ["SuggestionController", "SuggestConfig", "utf16_len"]
