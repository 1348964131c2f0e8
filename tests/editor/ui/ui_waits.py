"""Waiting for the suggestions as a person would, shared by the window tests.

Imported by name (`from ui_waits import ...`): pytest puts this folder on sys.path for the
test modules in it (its default `prepend` import mode; the tests have no __init__.py).
"""

from __future__ import annotations

from typing import Any


def wait_fresh(qtbot: Any, w: Any) -> None:
    """Until the strip, the ghost and the panel show the text as it is now and no repaint is
    pending (the controller posts them on a timer)."""
    ctl = w.suggestions
    qtbot.waitUntil(lambda: ctl.is_fresh() and not ctl._post_timer.isActive(), timeout=5000)


def type_and_wait(qtbot: Any, w: Any, text: str) -> None:
    """Type `text` with real key events, then wait for its suggestions."""
    qtbot.keyClicks(w.editor, text)
    wait_fresh(qtbot, w)
