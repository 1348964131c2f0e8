"""Finding lines too long to edit, and breaking them (editor/core/longlines.py), without Qt."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from editor.core.longlines import LongLines, break_long_lines, find_long_lines


def brute_force(text: str, limit: int) -> LongLines | None:
    lengths = [len(line) for line in text.split("\n")]
    long = [i for i, n in enumerate(lengths) if n > limit]
    if not long:
        return None
    return LongLines(long[0] + 1, len(long), max(lengths[i] for i in long))


# Lines around the limit, at every offset: the windowed search must miss none.
lines = st.lists(st.one_of(st.integers(0, 12), st.integers(13, 60)), max_size=12)


@given(lines, st.integers(2, 15), st.sampled_from("ab \u0301"))
def test_finds_exactly_the_lines_over_the_limit(lengths, limit, fill):
    text = "\n".join(fill * n for n in lengths)
    assert find_long_lines(text, limit) == brute_force(text, limit)


@given(st.text(st.sampled_from("ab \n\u0301é"), max_size=400), st.integers(4, 40),
       st.integers(2, 30))
def test_breaking_adds_only_line_breaks_and_keeps_short_lines(text, limit, width):
    broken = break_long_lines(text, limit, width)
    # Removing the breaks it added gives the text back: nothing else changed.
    assert broken.replace("\n", "") == text.replace("\n", "")
    kept = [line for line in text.split("\n") if len(line) <= limit]
    pieces = broken.split("\n")
    for line in kept:
        assert line in pieces
    long = [line for line in text.split("\n") if len(line) > limit]
    if long:
        assert max(len(p) for p in pieces) <= max(limit, width)
    else:
        assert broken == text


def test_breaks_at_spaces_and_never_before_an_accent():
    words = "No meio do caminho tinha uma pedra "
    text = "título\n" + words * 10_000 + "\nfim"
    broken = break_long_lines(text, 1_000, 100)
    pieces = broken.split("\n")
    assert pieces[0] == "título" and pieces[-1] == "fim"
    # Every piece but the last of the long line ends at a space: words stay whole.
    assert all(p.endswith(" ") for p in pieces[1:-2])
    # No space for a whole piece: a hard break, moved back so "e" keeps its accent.
    accents = "e\u0301" * 5_000
    for piece in break_long_lines(accents, 1_000, 101).split("\n"):
        assert not unicodedata.combining(piece[0])


def test_a_60_mb_line_is_found_and_broken():
    # Issue 13 item 7: a 60 MB file on one line. The search looks at ~1,200 windows.
    text = "x\n" + "No meio do caminho tinha uma pedra " * 1_700_000
    found = find_long_lines(text)
    assert found == LongLines(2, 1, len(text) - 2)
    broken = break_long_lines(text)
    assert broken.count("\n") > 29_000
    assert find_long_lines(broken) is None
