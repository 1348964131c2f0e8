"""Lines too long to edit: finding them cheaply, and breaking them into pieces. Qt-free.

Qt lays a paragraph out as a whole, so one very long line costs in its length on every key
and on opening: a 60 MB file on one line froze the window for about a minute and took
2.5 GB (issue 13 item 7; docs/RELIABILITY.md, "Big documents"). The window asks before
opening such a file and offers a copy with the long lines broken (`break_long_lines`).

Text here has "\\n" line breaks only (editor/core/fileio.py turns CRLF and CR into "\\n").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# Longer lines are not opened as they are without asking: a key on a 100,000-character line
# already costs ~30-45 ms (benchmarks/stall.py), the most typing can take and feel immediate.
LONG_LINE_CHARS = 100_000
# Up to this length "Open As Is" is still offered: ~1 s to open, then slow keys. Beyond it
# a line would freeze the window for many seconds (about one per million characters).
AS_IS_MAX_CHARS = 1_000_000
# Pieces of a broken line, a long paragraph's length. With 10,000-character pieces a key in
# the middle of a 60 MB copy still cost ~17 ms and the window stalled up to 100 ms (each piece
# wraps into ~100 screen lines, laid out again per key); with 2,000 ~1.6 ms and under 20 ms.
PIECE_CHARS = 2_000


@dataclass(frozen=True)
class LongLines:
    """The lines of a text longer than the limit."""

    first: int  # 1-based number of the first such line
    count: int
    longest: int  # characters


def _long_spans(text: str, limit: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each line longer than `limit`, in order.

    A line longer than `limit` contains a whole aligned window of `limit // 2` characters
    without a line break, so only those windows are looked at closely: for ordinary text
    each window's `find` stops at its first line break, and the cost is one call per
    window, never one per line (a Python loop over 200,000 lines would be slow).
    """
    if len(text) <= limit:
        return
    step = max(1, limit // 2)
    end = 0  # where the last long line found ends; windows before it are done
    for start in range(0, len(text) - step + 1, step):
        if start < end or text.find("\n", start, start + step) >= 0:
            continue
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        end = len(text) if line_end < 0 else line_end
        if end - line_start > limit:
            yield line_start, end


def find_long_lines(text: str, limit: int = LONG_LINE_CHARS) -> LongLines | None:
    """The lines of `text` longer than `limit` characters, or None; cheap on any text."""
    spans = list(_long_spans(text, limit))
    if not spans:
        return None
    first = text.count("\n", 0, spans[0][0]) + 1
    return LongLines(first, len(spans), max(end - start for start, end in spans))


def break_long_lines(text: str, limit: int = LONG_LINE_CHARS, width: int = PIECE_CHARS) -> str:
    """`text` with every line longer than `limit` broken into lines of at most `width`
    characters. A break goes after the last space of a piece when there is one in its second
    half (the space stays, so removing the added breaks gives the text back), else at
    `width`, moved back before any combining mark so a letter keeps its accents."""
    out: list[str] = []
    done = 0
    for start, end in _long_spans(text, limit):
        out.append(text[done:start])
        pos = start
        while end - pos > width:
            cut = text.rfind(" ", pos + width // 2, pos + width) + 1
            if cut <= pos:
                cut = pos + width
                while cut > pos + 1 and unicodedata.combining(text[cut]):
                    cut -= 1
            out.append(text[pos:cut] + "\n")
            pos = cut
        out.append(text[pos:end])
        done = end
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)
