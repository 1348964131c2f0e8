"""Word tokenizer shared by training and the editor (Qt-free, stdlib only).

The model sees case-folded, NFC-normalised word forms; every token also keeps the exact
surface text and its span in the input, so the editor can map tokens back to the document
and the detokenizer can rebuild text a writer would accept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Bumped whenever a change would split some text differently; stored in every model file.
TOKENIZER_VERSION = 1

NEWLINE = "\n"
UNK = "<unk>"
DOC = "<doc>"  # document boundary: fed before a document's first token, predicted after its last
SPECIALS = (UNK, DOC)

# Python's `re` has no \p{M}; these blocks hold the combining marks Latin-script text uses
# (decomposed "ação" arrives as a + U+0327 ...), so a mark never splits a word.
_MARK = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_LETTER = rf"(?:[^\W\d_]{_MARK}*)"
_ALNUM = rf"(?:[^\W_]{_MARK}*)"
# Hyphens and apostrophes join word parts: "atirá-lo", "guarda-chuva", "d'água", "copo-d’água".
_JOINER = "[-'\u2019\u2010\u2011]"

_TOKEN_RE = re.compile(
    rf"""
    (?P<newline>\r\n|\r|\n|\u2028|\u2029)
  | (?P<number>\d+(?:[.,:/]\d+)*(?:{_LETTER}+)?)          # 1928, 3,14, 10:30, 2º, 1st
  | (?P<word>{_LETTER}{_ALNUM}*(?:{_JOINER}{_ALNUM}+)*)
  | (?P<ellipsis>\.\.\.+|\u2026)
  | (?P<dash>--+|\u2014|\u2013)
  | (?P<symbol>[^\s]{_MARK}*)
    """,
    re.VERBOSE,
)
_PARTIAL_WORD_RE = re.compile(rf"(?:{_ALNUM}+(?:{_JOINER}{_ALNUM}+)*{_JOINER}?)\Z")
_PARTIAL_CHAR_RE = re.compile(rf"[^\W_]|{_MARK}|{_JOINER}")  # any character of such a word
# A word being typed longer than this is cut to its last MAX_PARTIAL characters; no word a
# model suggests is anywhere near as long.
MAX_PARTIAL = 256

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2010": "-", "\u2011": "-"})

# Spacing rules of the detokenizer: no space before closing marks, none after opening marks.
NO_SPACE_BEFORE = frozenset(".,;:!?)]}»”%…")
NO_SPACE_AFTER = frozenset("([{«“¿¡")


@dataclass(frozen=True, slots=True)
class Token:
    """One token: `norm` is what the model sees, `text` what the writer typed."""

    text: str  # surface form, exactly as in the input
    norm: str  # NFC, case-folded, apostrophes unified: the vocabulary key
    start: int  # span in the input string (Python str indices)
    end: int
    kind: str  # "word", "number", "punct" or "newline"

    @property
    def is_word(self) -> bool:
        return self.kind in ("word", "number")


def normalize(text: str) -> str:
    """The model-side form of a surface string."""
    return unicodedata.normalize("NFC", text).translate(_APOSTROPHES).lower()


def tokenize(text: str, *, lowercase: bool = True, start: int = 0) -> list[Token]:
    """Split text into word, number, punctuation and line-break tokens; from `start` on, with
    spans still counted in `text` (see `extend_tokens`)."""
    tokens: list[Token] = []
    for m in _TOKEN_RE.finditer(text, start):
        group = m.lastgroup
        surface = m.group()
        if group == "newline":
            tokens.append(Token(surface, NEWLINE, m.start(), m.end(), "newline"))
            continue
        kind = group if group in ("word", "number") else "punct"
        norm = unicodedata.normalize("NFC", surface).translate(_APOSTROPHES)
        if group == "ellipsis":
            norm = "..."
        elif group == "dash":
            norm = "—"
        tokens.append(Token(surface, norm.lower() if lowercase else norm, m.start(), m.end(), kind))
    return tokens


def extend_tokens(old_text: str, old_tokens: list[Token], text: str) -> list[Token]:
    """`tokenize(text)` where `text` starts with `old_text`, whose tokens are `old_tokens`:
    only what follows the last space or tab of `old_text` is read again (typing on at a word
    boundary re-read the whole window, 0.3 ms of a keystroke's 1 ms on the poem model). No
    token holds a space or a tab and none can start before one and end after it, so the tokens
    before it are the same in `text`. `old_tokens` is not changed."""
    if not text.startswith(old_text):
        return tokenize(text)
    cut = max(old_text.rfind(" "), old_text.rfind("\t"))
    if cut < 0:
        return tokenize(text)
    keep = len(old_tokens)
    while keep and old_tokens[keep - 1].end > cut:
        keep -= 1
    return old_tokens[:keep] + tokenize(text, start=cut)


def norms(text: str) -> list[str]:
    """Just the model-side forms."""
    return [t.norm for t in tokenize(text)]


def split_partial(text_before_cursor: str) -> tuple[str, str]:
    """Split the text before the cursor into (finished context, word being typed).

    The word being typed is empty at a word boundary (after a space, punctuation or line break).
    """
    # Search only from where the trailing run of word characters starts, and at most
    # MAX_PARTIAL characters back: from position 0 the regex is quadratic in a long run of
    # letters (0.3 s for 2,000 letters and a space, on every keystroke, holding the GIL).
    start = len(text_before_cursor)
    floor = max(0, start - MAX_PARTIAL)
    while start > floor and _PARTIAL_CHAR_RE.match(text_before_cursor, start - 1):
        start -= 1
    m = _PARTIAL_WORD_RE.search(text_before_cursor, start)
    if not m:
        return text_before_cursor, ""
    return text_before_cursor[: m.start()], m.group()


def is_word_norm(norm: str) -> bool:
    """True for vocabulary entries a user would accept as a word (not punctuation/specials)."""
    if not norm or norm in SPECIALS or norm == NEWLINE:
        return False
    return any(ch.isalnum() for ch in norm)


def detokenize(tokens: Iterable[str]) -> str:
    """Join token surfaces with the spacing a writer expects."""
    out: list[str] = []
    prev = ""
    open_double_quote = False
    for tok in tokens:
        if tok in SPECIALS:
            continue
        if tok == '"':
            # Straight double quotes alternate: opening quotes hug the next word, closing the previous.
            open_double_quote = not open_double_quote
            space = bool(out) and prev != NEWLINE and prev not in NO_SPACE_AFTER and open_double_quote
            out.append((" " if space else "") + tok)
            prev = tok if open_double_quote else "”"
            continue
        space = needs_space(prev, tok) and not (prev == '"' and open_double_quote)
        out.append((" " if space else "") + tok)
        prev = tok
    return "".join(out)


def needs_space(prev: str, tok: str) -> bool:
    """Whether a space goes between two adjacent tokens (surface forms)."""
    if not prev or prev == NEWLINE or tok == NEWLINE:
        return False
    if prev in NO_SPACE_AFTER or prev.endswith("\n"):
        return False
    if tok[:1] in NO_SPACE_BEFORE or tok == "...":
        return False
    return True


def match_case(word: str, *, sentence_start: bool, typed_prefix: str = "",
               shouting: bool = False) -> str:
    """Give a suggested word the capitalisation that follows the user.

    ALL CAPS in the typed prefix (two letters or more) or in the surrounding words is kept,
    a capitalised prefix or a sentence start capitalises, and otherwise the word's own form
    (e.g. a proper noun's capital) stays.
    """
    letters = [c for c in typed_prefix if c.isalpha()]
    if (len(letters) >= 2 and all(c.isupper() for c in letters)) or shouting:
        return word.upper()
    if (letters and letters[0].isupper()) or sentence_start:
        return word[:1].upper() + word[1:]
    return word


def is_sentence_start(context_surfaces: Sequence[str]) -> bool:
    """True when the next word starts a sentence (document start or after . ! ? …)."""
    for tok in reversed(context_surfaces):
        if tok == NEWLINE or tok in ('"', "»", "”", ")", "'"):
            continue
        return tok in (".", "!", "?", "...", "…") or tok == DOC
    return True
