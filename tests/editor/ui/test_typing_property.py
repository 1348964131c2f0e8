"""Random Unicode typed into the real window, with suggestions accepted along the way.

Hypothesis drives the window `caminho` builds (app.build_window, bundled model): characters
outside the BMP, emoji sequences, decomposed accents, Arabic and Hebrew, very long lines,
input-method commits, cursor keys, Backspace, undo, and every way of accepting a suggestion
(Tab, Ctrl+Right, Alt+1..3). After every step:

- nothing raised, on the GUI thread or on the suggestion worker;
- the text holds no lone surrogate and the cursor never sits inside a surrogate pair;
- the text is exactly what was typed plus what was accepted: a typed character lands at the
  cursor, an accepted ghost is the ghost shown (plus at most a space), an accepted strip word
  replaces the word being typed, one undo takes an accept back whole;
- ghost text shows only where nothing follows on the line.

Non-ASCII can't go through qtbot.keyClicks, so keys are QKeyEvents with text, sent the way the
window system delivers them (editor.ui.probe.press).
"""

from __future__ import annotations

import threading
import traceback
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication
from ui_waits import wait_fresh

from editor.app import build_window
from editor.core import service
from editor.core.context import ContextTracker
from editor.core.lexicon import completes
from editor.core.suggest import split_ghost_word
from editor.core.tokenizer import split_partial
from editor.ui.probe import press
from editor.ui.suggestions.controller import utf16_len
from editor.ui.window import MainWindow

NO = Qt.KeyboardModifier.NoModifier
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
HUGGING = ".,;:!?)"  # punctuation that takes the place of an accepted word's added space
# PySide6 reads a str that starts with U+FEFF or U+FFFE as a byte order mark when it hands it
# to Qt (dropping it, or byte-swapping the whole string): a test artefact for key and commit
# texts, which real input reaches Qt without. (It did bite opening and reloading files:
# `textedit.insert_text` works around it, tested in test_window_files.py.)
BOM_LIKE = ("\ufeff", "\ufffe")

PIECES = [
    "No meio do ", "caminho", "tinha uma pedra", " ", "cam", "Nunca", ".", ",", "!", "?",
    "a\u00e7\u00e3o",  # NFC ação
    "ac\u0327a\u0303o",  # NFD ação: marks as separate characters
    "\u0301", "\u0327",  # lone combining marks
    "😀", "👍🏽", "👨\u200d👩\u200d👧", "🇧🇷",  # astral, modifier, ZWJ and flag sequences
    "𝐀𝐁𝐂", "𠜎",  # astral letters (a word made of them), CJK extension B
    "مرحبا بالعالم", "שָׁלוֹם עוֹלָם", "\u200f", "\u200e",  # RTL, with marks and direction marks
    "\u00a0", "\u2028", "\ufeff", "\ufffc",  # no-break space, line separator, BOM, object
]
# Everything QPlainTextEdit takes as typed text; control, unassigned, surrogate and paragraph
# characters are not typing (the editor rightly ignores them).
CHARS = st.characters(exclude_categories=("Cc", "Cs", "Cn", "Zp"),
                      exclude_characters="\r\n\t\u2029")
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), CHARS), min_size=1, max_size=6).map(
    "".join).filter(lambda t: not t.startswith(BOM_LIKE))

OPS = st.one_of(
    st.tuples(st.just("type"), TEXT),
    st.tuples(st.just("commit"), TEXT),  # an input method commits a whole string
    st.tuples(st.just("long line"), st.tuples(st.integers(1_000, 12_000), TEXT)),
    st.tuples(st.sampled_from(["tab", "ctrl+right", "alt+1", "alt+2", "alt+3", "esc", "wait",
                               "wait", "wait", "return", "backspace", "left", "right", "home",
                               "end", "up", "undo"]), st.none()),
)


@pytest.fixture(scope="module")
def worker_errors():
    """Tracebacks the suggestion worker would only have printed, and thread crashes."""
    errors: list[str] = []

    def record(*_args, **_kwargs) -> None:
        errors.append(traceback.format_exc())

    with pytest.MonkeyPatch.context() as mp:
        # Only the service's name for the module: pytest's own tracebacks stay untouched.
        mp.setattr(service, "traceback", SimpleNamespace(print_exc=record))
        mp.setattr(threading, "excepthook", lambda args: errors.append(repr(args.exc_value)))
        yield errors


@pytest.fixture
def win(qtbot, settings_for_window, worker_errors, make_args):
    w = build_window(make_args(), settings_for_window)
    qtbot.addWidget(w, before_close_func=lambda x: x.editor.document().setModified(False))
    w.show()
    qtbot.waitExposed(w)
    w.editor.setFocus()
    qtbot.waitUntil(lambda: w.suggestions.model_name is not None, timeout=10000)
    yield w
    w.suggestions.shutdown()


@pytest.fixture
def settings_for_window(settings):
    # conftest's `settings` fixture, under a name that does not clash with hypothesis.settings.
    return settings


def doc_text(w: MainWindow) -> str:
    return w.editor.text()


def cursor_index(w: MainWindow, text: str) -> int:
    """The cursor as an index into `text` (code points), checking it is not mid-pair."""
    pos = w.editor.textCursor().position()
    units = text.encode("utf-16-le")[: 2 * pos]
    assert len(units) == 2 * pos, "cursor beyond the text"
    try:
        return len(units.decode("utf-16-le"))
    except UnicodeDecodeError:
        pytest.fail(f"cursor at {pos} splits a surrogate pair")


def char_key(ch: str) -> tuple[int, Qt.KeyboardModifier]:
    if ch == " ":
        return Qt.Key.Key_Space, NO
    upper = ch.upper()
    code = ord(upper) if len(upper) == 1 else 0
    return code, SHIFT if ch != ch.lower() else NO


KEYS = {
    "tab": (Qt.Key.Key_Tab, NO, "\t"),
    "ctrl+right": (Qt.Key.Key_Right, CTRL, ""),
    "alt+1": (Qt.Key.Key_1, ALT, ""),
    "alt+2": (Qt.Key.Key_2, ALT, ""),
    "alt+3": (Qt.Key.Key_3, ALT, ""),
    "esc": (Qt.Key.Key_Escape, NO, "\x1b"),
    "return": (Qt.Key.Key_Return, NO, "\r"),
    "backspace": (Qt.Key.Key_Backspace, NO, "\x08"),
    "left": (Qt.Key.Key_Left, NO, ""),
    "right": (Qt.Key.Key_Right, NO, ""),
    "home": (Qt.Key.Key_Home, NO, ""),
    "end": (Qt.Key.Key_End, NO, ""),
    "up": (Qt.Key.Key_Up, NO, ""),
    "undo": (Qt.Key.Key_Z, CTRL, ""),
}


class Typist:
    """Sends one step to the window and checks what it did against what it should do."""

    def __init__(self, qtbot, w: MainWindow) -> None:
        self.qtbot = qtbot
        self.w = w
        self.ctl = w.suggestions
        self.expected = doc_text(w)
        # Where the cursor was after an accept that added a space, until the text changes.
        self.auto_space_at: int | None = None
        self.before_accept: str | None = None  # the text before the last step, if an accept

    def check(self) -> None:
        doc = self.w.editor.document()
        text = doc_text(self.w)
        # PySide drops lone surrogates when it converts a QString: a length mismatch shows one.
        assert utf16_len(text) == doc.characterCount() - 1, "lone surrogate in the document"
        assert text == self.expected
        index = cursor_index(self.w, text)
        anchor = self.w.editor.textCursor().anchor()
        assert not 0xDC00 <= ord(doc.characterAt(anchor) or "\0") <= 0xDFFF, "anchor mid-pair"
        if self.ctl.ghost_visible():
            rest = text[index:].split("\n", 1)[0]
            assert not rest.strip(), f"ghost text shown with {rest[:20]!r} after the cursor"

    def step(self, op: str, arg) -> None:
        w = self.w
        before = self.expected
        c = cursor_index(w, before)
        accepted_before = self.before_accept
        self.before_accept = None
        if op == "type":
            for ch in arg:
                self.type_char(ch)
            return
        if op in ("tab", "ctrl+right", "alt+1", "alt+2", "alt+3"):
            self.accept(op, before, c)
            self.check()
            return
        if op == "commit":
            event = QInputMethodEvent("", [])
            event.setCommitString(arg)
            QApplication.sendEvent(w.editor, event)
            self.expected = before[:c] + arg + before[c:]
        elif op == "long line":
            length, piece = arg
            line = (piece * (length // len(piece) + 1))[:length]
            w.editor.insertPlainText(line)  # a paste
            self.expected = before[:c] + line + before[c:]
        elif op == "wait":
            wait_fresh(self.qtbot, w)
        else:
            key, mods, text = KEYS[op]
            press(w.editor, key, mods, text)
            after = doc_text(w)
            if op == "return":
                self.expected = before[:c] + "\n" + before[c:]
            elif op == "backspace":
                # Characters before the cursor go (one, or one mark of a decomposed letter).
                kept = len(after) - len(before[c:])
                assert after[kept:] == before[c:] and before[:kept] == after[:kept], op
                assert kept < c or c == 0, "backspace removed nothing"
                self.expected = after
            elif op == "undo":
                if accepted_before is not None:
                    assert after == accepted_before, "one undo must take an accept back whole"
                self.expected = after
            else:
                assert after == before, f"{op} changed the text"
            if op in ("return", "backspace"):  # keys with text: typing, for the space rule
                self.auto_space_at = None
        if self.expected != before:
            self.auto_space_at = None
        self.check()

    def type_char(self, ch: str) -> None:
        if ch in BOM_LIKE:
            return
        before = self.expected
        c = cursor_index(self.w, before)
        key, mods = char_key(ch)
        press(self.w.editor, key, mods, ch)
        if ch in HUGGING and self.auto_space_at == c and before[c - 1 : c] == " ":
            self.expected = before[: c - 1] + ch + before[c:]
        else:
            self.expected = before[:c] + ch + before[c:]
        self.auto_space_at = None
        self.check()

    def accept(self, op: str, before: str, c: int) -> None:
        """An accept key: the offered text (and maybe a space) goes in at the cursor, an
        accepted strip word replacing the word being typed; without an offer, nothing."""
        w, ctl = self.w, self.ctl
        key, mods, text = KEYS[op]
        ghost = ctl.ghost.text() if ctl.ghost_visible() else ""
        pieces = list(ctl.current.ghost) if ghost else []
        words = ctl.strip.words()
        press(w.editor, key, mods, text)
        after = doc_text(w)
        head, tail = before[:c], before[c:]
        options: list[tuple[str, bool]] = [(before, False)]  # (text, whether a space was added)
        if op == "tab":
            options = ([(head + ghost + tail, False), (head + ghost + " " + tail, True)] if ghost
                       else [(head + "\t" + tail, False)])
        elif op == "ctrl+right" and pieces:
            # The next word, with the space before the word after it (or, for the last word,
            # the space Tab would add).
            word, rest, space = split_ghost_word(pieces)
            options = [(head + word + tail, False)]
            if space or (not rest and word[-1:].isalnum()):
                options.append((head + word + " " + tail, True))
        elif op.startswith("alt+") and int(op[-1]) <= len(words):
            word = words[int(op[-1]) - 1]
            # The controller looks 200 UTF-16 units back for the word being typed.
            window = head.encode("utf-16-le")[-400:].decode("utf-16-le", "ignore")
            _, prefix = split_partial(window)
            stem = head[: len(head) - len(prefix)]
            # A word still on the strip from earlier text must not replace letters it does
            # not complete: then nothing happens. Completing is accent-blind and, from four
            # letters, forgives one typo (the word list's "camcam" → "Caçamba" replaces it).
            if completes(word, prefix):
                options = [(stem + lead + word + space + tail, bool(space))
                           for lead in ("", " ") for space in ("", " ")]
        match = [added for option, added in options if option == after]
        assert match, f"{op}: got {after!r}, expected one of {[o for o, _ in options]!r}"
        self.expected = after
        if after != before and (ghost or op != "tab"):
            self.before_accept = before
            self.auto_space_at = cursor_index(w, after) if match[0] else None
        elif after != before:
            self.auto_space_at = None  # a plain tab


def run_steps(qtbot, w: MainWindow, worker_errors: list[str], steps) -> None:
    worker_errors.clear()
    w.editor.set_text("")
    wait_fresh(qtbot, w)
    typist = Typist(qtbot, w)
    with qtbot.captureExceptions() as raised:
        for op, arg in steps:
            typist.step(op, arg)
            assert not raised, raised
        wait_fresh(qtbot, w)
    assert not raised, raised
    assert not worker_errors, worker_errors[0]
    typist.check()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(OPS, min_size=1, max_size=14))
def test_random_unicode_typing_and_accepting(qtbot, win, worker_errors, steps) -> None:
    run_steps(qtbot, win, worker_errors, steps)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(["No meio do ", "cam", "Nunca me ", "ac\u0327a\u0303o ",
                                       "😀 ", "שָׁלוֹם ", "مرحبا ", "𝐀𝐁 "]), min_size=1, max_size=5),
       accept=st.sampled_from(["tab", "ctrl+right", "alt+1", "alt+2", "alt+3"]),
       then=st.sampled_from([",", ".", "a", "😀", "\u0301"]))
def test_accepting_after_any_script_then_typing(qtbot, win, worker_errors, words, accept,
                                                 then) -> None:
    # The poem context makes suggestions (and ghost text) likely, so accepts really happen.
    steps = [("type", "".join(words)), ("wait", None), (accept, None), ("type", then),
             ("wait", None), ("undo", None)]
    run_steps(qtbot, win, worker_errors, steps)


# --- the incremental LSTM context the typing above drives ------------------------------------


# Token ids below 24, the poem model's vocabulary. Each step edits the previous sequence: cut
# it somewhere (the cursor moved back, or text was deleted), then append tokens (typing).
EDITS = st.lists(st.tuples(st.floats(0, 1), st.lists(st.integers(2, 23), max_size=30)),
                 min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(edits=EDITS)
def test_incremental_context_equals_reading_from_scratch(model, edits) -> None:
    # Found by the typing test above: moving back, then typing something else, left the
    # stored states short, so the ghost text's continuation read past them (IndexError).
    tracker = ContextTracker(model)
    ids = [model.doc_id]
    for cut, extra in edits:
        ids = ids[: max(1, int(cut * len(ids)) + 1)] + extra
        logits = tracker.update(ids)
        fresh = ContextTracker(model)
        assert np.allclose(logits, fresh.update(ids), atol=1e-5)
        for h, h_fresh in zip(tracker.state_at(len(ids)), fresh.state_at(len(ids)), strict=True):
            assert np.allclose(h, h_fresh, atol=1e-5)
        assert np.allclose(tracker.h_seq.view(), fresh.h_seq.view(), atol=1e-5)


def test_punctuation_never_eats_a_character_the_writer_typed(qtbot, win, worker_errors) -> None:
    # The space an accept adds is replaced by punctuation typed right after it; once other
    # edits came in between (undo, an input method), that position holds something else.
    run_steps(qtbot, win, worker_errors, [
        ("type", "No meio do cam"), ("wait", None), ("alt+1", None), ("undo", None),
        ("commit", "inhoX"), ("type", ","),
    ])
