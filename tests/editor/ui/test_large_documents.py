"""Big documents stay usable: a 200k-line file and a multi-megabyte paste.

Typing must cost the same at the end of 200,000 lines as in an empty buffer (nothing may read
the whole text per keystroke), suggestions must keep coming from the text around the cursor,
and the crash-recovery auto-save must read a big buffer in slices, never in one long stall.
benchmarks/stall.py measures the same paths with a heartbeat; these tests guard them with
bounds loose enough for a busy machine and tight enough to catch work proportional to the
document on every key.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication
from ui_waits import wait_fresh

from editor.app import build_window
from editor.core.paths import CONFIG_DIR_ENV
from editor.core.resources import poem_corpus_path
from editor.ui import recovery
from editor.ui.recovery import autosaver
from editor.ui.settings import Settings
from editor.ui.window import MainWindow

LINES = 200_000
# One key must not cost anything like reading the document (~0.3 s for these 14 MB).
MEDIAN_KEY_MS = 30
# The auto-save's reading slices: 4 ms of budget plus one chunk (~2 ms) on an idle machine.
SLICE_MS = 60


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    """The poem's lines over and over, 200,000 of them (about 6 MB)."""
    poem = [line for line in poem_corpus_path().read_text(encoding="utf-8").splitlines() if line]
    lines = (poem * (LINES // len(poem) + 1))[:LINES]
    path = tmp_path_factory.mktemp("big") / "200k.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def open_window(qtbot, settings, make_args):
    def make(**kw) -> MainWindow:
        w = build_window(make_args(**kw), settings)
        qtbot.addWidget(w, before_close_func=lambda x: x.editor.document().setModified(False))
        show(qtbot, w)
        return w

    return make


def show(qtbot, w: MainWindow) -> None:
    w.show()
    qtbot.waitExposed(w)
    w.editor.setFocus()
    qtbot.waitUntil(lambda: w.suggestions.model_name is not None, timeout=10000)


@pytest.fixture(scope="module")
def big_window(qapp, big_file: Path, tmp_path_factory, make_args):
    """One window holding the 200k-line file for the tests below: building, showing and
    closing it costs seconds, so they share it (each leaves it unmodified at the end)."""
    folder = tmp_path_factory.mktemp("big-window")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(CONFIG_DIR_ENV, str(folder))  # settings and recovery files in here
        w = build_window(make_args(file=big_file), Settings(folder / "caminho.ini"))
        yield w
        w.editor.document().setModified(False)
        w.close()
        w.deleteLater()


def type_timed(qtbot, w: MainWindow, text: str) -> list[float]:
    """Type `text` key by key; the GUI thread's CPU time per key, in ms (wall time would count
    other processes' turns on a loaded machine; wall-clock stalls are benchmarks/stall.py's)."""
    times = []
    for ch in text:
        start = time.thread_time()
        qtbot.keyClicks(w.editor, ch)
        times.append((time.thread_time() - start) * 1e3)
        qtbot.wait(1)  # let results, layout and painting run between keys, as they would
    return times


@pytest.mark.slow
def test_200k_lines_suggest_from_the_local_context_and_type_fast(qtbot, big_window) -> None:
    w = big_window
    show(qtbot, w)
    assert w.editor.document().blockCount() == LINES + 1
    w.editor.moveCursor(QTextCursor.MoveOperation.End)
    times = type_timed(qtbot, w, "No meio do ")
    wait_fresh(qtbot, w)
    assert w.strip.slot_words()[1] == "caminho"
    assert statistics.median(times) < MEDIAN_KEY_MS, times
    # And in the middle, where the text after the cursor is megabytes long.
    cursor = w.editor.textCursor()
    cursor.setPosition(w.editor.document().characterCount() // 2)
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
    w.editor.setTextCursor(cursor)
    times = type_timed(qtbot, w, " tinha uma")
    wait_fresh(qtbot, w)
    assert w.strip.words(), "no suggestions in the middle of the document"
    assert statistics.median(times) < MEDIAN_KEY_MS, times


@pytest.mark.slow
def test_auto_save_of_a_big_buffer_reads_it_in_slices(
    qtbot, big_window, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = big_window
    show(qtbot, w)
    saver = autosaver(w)
    saver.mirror.reset()  # as just after opening: nothing read yet
    slices: list[float] = []
    refresh = recovery.DocumentMirror.refresh

    def timed(self, budget_s=recovery.SLICE_S):
        # CPU time of this thread, not wall time: on a loaded machine the wall clock counts
        # other processes' turns (264 ms were seen in CI), while the work done per slice is
        # what the slicing bounds. Stalls in wall time are benchmarks/stall.py's job.
        start = time.thread_time()
        done = refresh(self, budget_s)
        slices.append((time.thread_time() - start) * 1e3)
        return done

    monkeypatch.setattr(recovery.DocumentMirror, "refresh", timed)
    w.editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(w.editor, "fim")
    with qtbot.waitSignal(saver.written, timeout=30000):
        saver.flush()
    assert len(slices) > 5, "the whole buffer was read in one go"
    assert max(slices) < SLICE_MS, sorted(slices)[-5:]
    assert saver.store.read(saver.path).text == w.editor.text()
    # Another edit re-reads one chunk, not the buffer.
    resets = saver.mirror.resets
    w.editor.moveCursor(QTextCursor.MoveOperation.Start)
    qtbot.keyClicks(w.editor, "Inicio ")  # keyClicks aborts on non-ASCII
    assert sum(text is None for text in saver.mirror.texts) == 1
    with qtbot.waitSignal(saver.written, timeout=10000):
        saver.flush()
    assert saver.mirror.resets == resets
    assert saver.store.read(saver.path).text == w.editor.text()
    while w.editor.document().isUndoAvailable():
        w.editor.undo()
    with qtbot.waitSignal(saver.removed, timeout=10000):
        pass  # back to the text on disk: the recovery file goes


@pytest.mark.slow
def test_typing_after_a_multi_megabyte_paste(qtbot, open_window) -> None:
    w = open_window()
    line = "Nunca me esquecerei desse acontecimento na vida de minhas retinas tão fatigadas.\n"
    QApplication.clipboard().setText(line * 120_000)  # ~10 MB
    w.editor.paste()
    assert w.editor.document().blockCount() == 120_001
    times = type_timed(qtbot, w, "No meio do ")
    wait_fresh(qtbot, w)
    assert w.strip.slot_words()[1] == "caminho"
    assert statistics.median(times) < MEDIAN_KEY_MS, times


# --- one very long line (issue 13 item 7) ---------------------------------------------------
# A 60 MB file on one line froze the window for about a minute and took 2.5 GB: Qt lays a
# line out as a whole. 1.2 million characters are over both limits (asked, and too long to
# offer "Open As Is") and open in a moment as a copy; benchmarks/stall.py times 60 MB.

WORDS = "No meio do caminho tinha uma pedra "


def one_line_file(folder: Path, chars: int) -> tuple[Path, str]:
    text = "título\n" + (WORDS * (chars // len(WORDS) + 1))[:chars] + "\nfim\n"
    path = folder / "one-line.txt"
    path.write_text(text, encoding="utf-8")
    return path, text


def test_a_huge_line_opens_as_a_copy_with_lines_broken_and_types_fast(
        qtbot, open_window, prompts, tmp_path) -> None:
    from editor.core.longlines import PIECE_CHARS

    w = open_window()
    path, text = one_line_file(tmp_path, 1_200_000)
    on_disk = path.read_bytes()
    prompts.answers = ["copy"]
    assert w.open_file(path)
    asked = prompts.asked[0]
    assert asked["text"] == "“one-line.txt” has a line of 1,200,000 characters (line 2)."
    assert asked["keys"] == ["copy", "cancel"] and asked["default"] == "copy"
    # A new document: saving can never put the broken lines into the file by accident.
    assert w.path is None and not w.is_modified()
    assert "Opened a copy of one-line.txt" in w.statusBar().currentMessage()
    lines = w.editor.text().split("\n")
    assert lines[0] == "título" and lines[-2:] == ["fim", ""]
    assert max(len(line) for line in lines) <= PIECE_CHARS
    assert w.editor.text().replace("\n", "") == text.replace("\n", "")  # only breaks added
    # Typing in the middle of what was the long line: one key lays out one short line.
    cursor = w.editor.textCursor()
    cursor.setPosition(600_000)
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
    w.editor.setTextCursor(cursor)
    times = type_timed(qtbot, w, " No meio do ")
    wait_fresh(qtbot, w)
    assert w.strip.slot_words()[1] == "caminho"
    assert statistics.median(times) < MEDIAN_KEY_MS, times
    assert path.read_bytes() == on_disk


def test_a_long_line_can_be_opened_as_is_or_not_at_all(qtbot, open_window, prompts,
                                                        tmp_path) -> None:
    w = open_window()
    qtbot.keyClicks(w.editor, "kept")
    w.editor.document().setModified(False)
    path, text = one_line_file(tmp_path, 300_000)
    prompts.answers = ["cancel"]
    assert not w.open_file(path)
    assert w.editor.text() == "kept" and w.path is None  # Cancel changes nothing
    # Under a million characters "Open As Is" is offered: slow keys, but the file itself.
    prompts.answers = ["as_is"]
    assert w.open_file(path)
    assert prompts.asked[1]["keys"] == ["copy", "as_is", "cancel"]
    assert w.path == path.absolute() and w.editor.text() == text


def test_a_file_that_grows_a_huge_line_on_disk_is_not_reloaded(qtbot, open_window,
                                                                tmp_path) -> None:
    # Reloading after another program's change would freeze the window the same way.
    w = open_window()
    path = tmp_path / "notes.txt"
    path.write_text("short\n", encoding="utf-8")
    assert w.open_file(path)
    one_line_file(tmp_path, 1_200_000)[0].replace(path)
    w.check_disk()
    assert w.last_error is not None and "very long line" in w.last_error[1]
    assert w.editor.text() == "short\n"
