"""Headless probe: type into the real window with key events, then report what it shows.

`caminho --type "No meio do " --json` starts the real window (QT_QPA_PLATFORM=offscreen works),
types the text key by key, waits for the suggestions of the final text, optionally saves a
screenshot, prints the state as JSON and exits. Used for docs, smoke tests and packaging checks.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from editor.ui.lexicon_ui import find_chooser
from editor.ui.window import MainWindow

# Escapes in the typed text that press a key instead of typing a character.
ESCAPES = {
    "t": (Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier, "\t"),
    "n": (Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r"),
    "e": (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier, ""),
    "r": (Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier, ""),  # accept one word
    "1": (Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier, ""),
    "2": (Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier, ""),
    "3": (Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier, ""),
}


def parse_keys(text: str) -> list[tuple[int, Qt.KeyboardModifier, str]]:
    """Turn probe text into key presses: `\\t` Tab, `\\n` Return, `\\e` Esc, `\\r` Ctrl+Right,
    `\\1`..`\\3` Alt+1..3, `\\\\` a backslash; anything else types itself."""
    keys: list[tuple[int, Qt.KeyboardModifier, str]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in ESCAPES:
            keys.append(ESCAPES[text[i + 1]])
            i += 2
            continue
        if ch == "\\" and text[i + 1 : i + 2] == "\\":
            i += 1
        if ch == "\n":
            keys.append(ESCAPES["n"])
        elif ch == " ":
            keys.append((Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier, ch))
        else:
            mods = Qt.KeyboardModifier.ShiftModifier if ch.isupper() else Qt.KeyboardModifier.NoModifier
            code = ord(ch.upper()) if len(ch.upper()) == 1 and ord(ch.upper()) < 0x110000 else 0
            keys.append((code, mods, ch))
        i += 1
    return keys


def press(widget: Any, key: int, mods: Qt.KeyboardModifier, text: str) -> None:
    """Deliver one key press and release to `widget`, as the window system would."""
    for etype in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(etype, key, mods, text))


def wait_until(condition: Any, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.001)
    return True


def wait_for_fresh_suggestions(window: MainWindow, timeout_s: float = 5.0) -> bool:
    ctl = window.suggestions
    if ctl is None or not ctl.service.has_model:
        return False
    QCoreApplication.processEvents()
    return wait_until(lambda: not ctl._post_timer.isActive() and ctl.is_fresh(), timeout_s)


def state(window: MainWindow) -> dict[str, Any]:
    ctl = window.suggestions
    cursor = window.editor.textCursor()
    return {
        "text": window.editor.text(),
        "cursor": cursor.position(),
        "strip": window.strip.words(),  # best first
        "strip_slots": window.strip.slot_words(),  # left to right, as on screen
        "ghost": ctl.ghost.text() if ctl else "",
        "model": ctl.model_name if ctl else None,
        "latency_ms": ctl.last_latency_ms if ctl else None,
        "word_list": _word_list(window),
        "status_message": window.statusBar().currentMessage(),
    }


def _word_list(window: MainWindow) -> str | None:
    """The language of the word list completing words now (None: none, or it failed)."""
    chooser = find_chooser(window)
    return chooser.loaded_language if chooser is not None else None


def wait_for_word_list(window: MainWindow, timeout_s: float = 20.0) -> bool:
    """Wait until the chosen word list has loaded or failed (it loads in the background)."""
    chooser = find_chooser(window)
    return chooser is None or wait_until(chooser.settled, timeout_s)


def settle_panel(window: MainWindow, view: str | None) -> None:
    """Bring the insight panel up to date (it redraws at most once per frame, analyses later)."""
    panel = getattr(window, "panel", None)
    if panel is None:
        return
    if view:
        panel.show()
        panel.set_view(view)
    panel.wait_for_analysis()
    QCoreApplication.processEvents()
    panel.flush(force=True)


def run_probe(window: MainWindow, text: str, *, screenshot: Path | None, as_json: bool,
              model_expected: bool, timeout_s: float = 20.0, panel_view: str | None = None,
              key_delay_s: float = 0.0, report: bool = True) -> int:
    """Type `text` (pausing `key_delay_s` after each key), wait, report unless `report` is
    False; returns the process exit code."""
    ctl = window.suggestions
    if model_expected and ctl is not None:
        wait_until(lambda: ctl.model_name is not None or window.last_error is not None, timeout_s)
        # Reports show what a writer sees once the word list is in (it loads in the background).
        wait_for_word_list(window, timeout_s)
    window.activateWindow()
    window.editor.setFocus()
    for key, mods, ch in parse_keys(text):
        next_key = time.monotonic() + key_delay_s
        press(window.editor, key, mods, ch)
        wait_for_fresh_suggestions(window, 2.0)
        if key_delay_s > 0:
            wait_until(lambda due=next_key: time.monotonic() >= due, key_delay_s + 1.0)
    ok = wait_for_fresh_suggestions(window, timeout_s) if model_expected else True
    if not report:
        return 0 if ok else 1
    QCoreApplication.processEvents()
    if screenshot is not None:
        settle_panel(window, panel_view)
        window.grab().save(str(screenshot))
    report = state(window)
    report["ok"] = ok
    if window.last_error is not None:
        report["error"] = " — ".join(window.last_error)
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(f"strip: {report['strip_slots']}  ghost: {report['ghost']!r}  model: {report['model']}")
    return 0 if ok else 1
