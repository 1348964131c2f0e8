"""Longest event-loop stall while typing in big documents, in the real window (offscreen).

    .venv/bin/python benchmarks/stall.py [--keys 150] [--paste-mb 50] [--lines 200000]
        [--long-line-kb 100] [--one-line-mb 60]

A QTimer heartbeat ticks every 5 ms; the largest gap between two ticks, less the 5 ms, is the
longest time the window could not react (repaint, take a key). Keys arrive from a second timer
every --gap-ms, through the event loop as a window system would deliver them, so suggestions,
layout, painting and the recovery auto-save all run in between as they do for a person typing.

Scenarios: a small document (baseline), a 200k-line file typed at its end and in its middle,
a 50 MB paste (the paste itself, then typing at the end and in the middle), an auto-save
of the 50 MB buffer forced while typing, one long line, and a 60 MB file on one line opened
as a copy with its lines broken (the answer the window offers first). Prints one table: per
scenario the median and largest time to handle one key event, and the median and largest
heartbeat stall.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HEARTBEAT_MS = 5
LINE = "No meio do caminho tinha uma pedra, tinha uma pedra no meio do caminho. "


def big_text(target_chars: int, line: str = LINE) -> str:
    """Prose-like lines (with accents and an emoji now and then) up to `target_chars`."""
    variants = [line, "Nunca me esquecerei desse acontecimento, ação e coração. ",
                "Na vida de minhas retinas tão fatigadas 🪨. "]
    parts: list[str] = []
    n = i = 0
    while n < target_chars:
        piece = variants[i % len(variants)] * 2 + "\n"
        parts.append(piece)
        n += len(piece)
        i += 1
    return "".join(parts)


class Heartbeat:
    """Records the gaps between ticks of a fast timer: each gap is time the loop was busy."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps = []
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(max(0.0, (now - self._last) * 1e3 - HEARTBEAT_MS))
        self._last = now


def run_loop_for(seconds: float, until: Callable[[], bool] | None = None) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.perf_counter() + seconds
    poll = QTimer()
    poll.setInterval(2)
    poll.timeout.connect(
        lambda: loop.quit() if time.perf_counter() > deadline or (until and until()) else None)
    poll.start()
    loop.exec()
    poll.stop()


def type_keys(window, keys: int, gap_ms: int, heart: Heartbeat,
              at_start: Callable[[], None] | None = None) -> tuple[list[float], list[float]]:
    """Type `keys` characters, one per `gap_ms`, through the event loop; returns the time each
    key event took to handle and the heartbeat stalls, in ms. `at_start` runs after the
    first key (e.g. to start an auto-save while typing goes on)."""
    from PySide6.QtCore import QEvent, Qt, QTimer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    text = ("tinha uma pedra no meio do caminho " * (keys // 30 + 1))[:keys]
    handled: list[float] = []
    state = {"i": 0}

    def one_key() -> None:
        i = state["i"]
        if i >= len(text):
            typist.stop()
            return
        ch = text[i]
        key = Qt.Key.Key_Space if ch == " " else ord(ch.upper())
        start = time.perf_counter()
        for etype in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(window.editor,
                                   QKeyEvent(etype, key, Qt.KeyboardModifier.NoModifier, ch))
        handled.append((time.perf_counter() - start) * 1e3)
        state["i"] = i + 1
        if i == 0 and at_start is not None:
            at_start()

    typist = QTimer()
    typist.setInterval(gap_ms)
    typist.timeout.connect(one_key)
    heart.start()
    typist.start()
    run_loop_for(keys * gap_ms / 1e3 * 3 + 10, until=lambda: state["i"] >= len(text))
    run_loop_for(0.3)  # the last key's suggestions and repaint
    heart.stop()
    return handled, list(heart.gaps)


def timed(heart: Heartbeat, action: Callable[[], object]) -> tuple[float, float]:
    """Seconds `action` took, and the longest stall from its start to 1 s after it."""
    heart.start()
    start = time.perf_counter()
    action()
    took = time.perf_counter() - start
    run_loop_for(1.0)
    heart.stop()
    return took, max(heart.gaps, default=0) / 1e3


def move_to(window, where: str) -> None:
    from PySide6.QtGui import QTextCursor

    cursor = window.editor.textCursor()
    if where == "end":
        cursor.movePosition(QTextCursor.MoveOperation.End)
    else:
        cursor.setPosition(window.editor.document().characterCount() // 2)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
    window.editor.setTextCursor(cursor)
    window.editor.ensureCursorVisible()


def rss_mb() -> float:
    """The process's resident memory now, in MB (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, AttributeError):
        return 0.0


def row(name: str, handled: list[float], gaps: list[float], saves: int) -> str:
    def med(v: list[float]) -> float:
        return statistics.median(v) if v else 0.0

    return (f"| {name:<44} | {len(handled):4d} | {med(handled):7.2f} | "
            f"{max(handled, default=0):7.2f} | {med(gaps):7.2f} | {max(gaps, default=0):9.2f} | "
            f"{saves:5d} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=150, help="keys typed per scenario")
    parser.add_argument("--gap-ms", type=int, default=40, help="time between keys")
    parser.add_argument("--paste-mb", type=float, default=50.0)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--long-line-kb", type=int, default=100,
                        help="also type at the end of one line this long (0: skip)")
    parser.add_argument("--skip-paste", action="store_true", help="only the 200k-line file")
    parser.add_argument("--one-line-mb", type=float, default=60.0,
                        help="also open a file this large on one line (0: skip)")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="caminho-stall-"))
    os.environ["CAMINHO_CONFIG_DIR"] = str(tmp / "config")

    from PySide6.QtWidgets import QApplication

    from editor.app import build_parser, build_window, create_application
    from editor.ui.recovery import autosaver
    from editor.ui.settings import Settings

    app = create_application()
    window = build_window(build_parser().parse_args([]), Settings())
    window.resize(900, 650)
    window.show()
    run_loop_for(20, until=lambda: window.suggestions.model_name is not None)
    heart = Heartbeat()
    notes: list[str] = []
    saver = autosaver(window)
    writes: list[float] = []
    saver.written.connect(lambda _path: writes.append(time.perf_counter()))

    def scenario(name: str, *, autosave: bool = False) -> None:
        """Type; with `autosave`, start an auto-save at the first key (the timers may start
        others on their own: the saves column counts every recovery write)."""
        began: list[float] = []

        def flush() -> None:
            began.append(time.perf_counter())
            saver.flush()

        writes.clear()
        handled, gaps = type_keys(window, args.keys, args.gap_ms, heart,
                                  flush if autosave else None)
        print(row(name, handled, gaps, len(writes)), flush=True)
        if autosave:
            run_loop_for(30, until=lambda: bool(writes))
            if writes:
                notes.append(f"{name}: recovery file ({saver.path.stat().st_size / 1e6:.0f} MB)"
                             f" written {writes[0] - began[0]:.2f} s after the auto-save began")

    def type_in(label: str) -> None:
        """The four typing scenarios of a big buffer that has just arrived."""
        move_to(window, "end")
        scenario(f"{label}, at the end, 1st auto-save", autosave=True)
        scenario(f"{label}, typing at the end")
        move_to(window, "middle")
        scenario(f"{label}, typing in the middle")
        scenario(f"{label}, in the middle, during an auto-save", autosave=True)

    print(f"| {'scenario':<44} | keys | key med | key max | gap med | stall max | saves |")
    print(f"|{'-' * 46}|------|---------|---------|---------|-----------|-------|", flush=True)

    scenario("small document")

    lines = [LINE.strip() for _ in range(args.lines)]
    big_file = tmp / "200k.txt"
    big_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    window.editor.document().setModified(False)
    opened_s, stall_s = timed(heart, lambda: window.open_file(big_file))
    notes.append(f"open {args.lines} lines ({big_file.stat().st_size / 1e6:.1f} MB): "
                 f"{opened_s:.2f} s, longest stall around it {stall_s:.2f} s")
    # Opening left the whole buffer unread: the first auto-save reads all of it, in slices.
    type_in(f"{args.lines // 1000}k-line file")

    if not args.skip_paste:
        window.editor.document().setModified(False)
        window.new_file()
        run_loop_for(0.5)
        text = big_text(int(args.paste_mb * 1e6))
        QApplication.clipboard().setText(text)
        paste_s, stall_s = timed(heart, window.editor.paste)
        notes.append(f"paste {len(text) / 1e6:.0f} M characters: {paste_s:.2f} s in paste(), "
                     f"longest stall around it {stall_s:.2f} s")
        type_in(f"{args.paste_mb:.0f} MB paste")

    if args.long_line_kb:
        # Qt lays a paragraph out as a whole, so a key on a long line costs in its length.
        window.editor.document().setModified(False)
        window.new_file()
        words = LINE.strip().split()
        line = " ".join(words[i % len(words)] for i in range(args.long_line_kb * 1000 // 5))
        window.editor.insertPlainText(line[: args.long_line_kb * 1000])
        run_loop_for(1.0)
        move_to(window, "end")
        scenario(f"one {args.long_line_kb} kB line, typing at its end")

    if args.one_line_mb:
        # Issue 13 item 7: opened as it was, a 60 MB line froze the window for ~1 minute.
        window.editor.document().setModified(False)
        window.new_file()
        run_loop_for(0.5)
        one_line = tmp / "one-line.txt"
        one_line.write_text(big_text(int(args.one_line_mb * 1e6), LINE).replace("\n", ""),
                            encoding="utf-8")
        asked: list[str] = []
        window.ask_user = lambda title, text, *a, **k: asked.append(text) or "copy"
        rss_before = rss_mb()
        opened_s, stall_s = timed(heart, lambda: window.open_file(one_line))
        notes.append(f"open {one_line.stat().st_size / 1e6:.0f} MB on one line, answering "
                     f"\"{asked[0] if asked else 'nothing asked'}\" with Open a Copy: "
                     f"{opened_s:.2f} s, longest stall around it {stall_s:.2f} s, "
                     f"{window.editor.document().blockCount()} lines, "
                     f"memory {rss_before:.0f} -> {rss_mb():.0f} MB")
        label = f"{args.one_line_mb:.0f} MB line as a copy"
        move_to(window, "end")
        scenario(f"{label}, typing at the end")
        move_to(window, "middle")
        scenario(f"{label}, typing in the middle")

    print()
    for note in notes:
        print(f"- {note}")
    window.editor.document().setModified(False)
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
