"""The user's own word lists (Qt-free): words never to suggest, and a user dictionary.

Both live in one JSON file in the user's data folder, written atomically, so they survive
restarts and a crash mid-write never loses them. The words are the user's own writing: the
file is 0600 in a 0700 folder, and one that belongs to someone else is never read. Words are kept as the model's norms
(`editor.core.tokenizer.normalize`), the form `Suggester.blocked` and `Suggester.extra_words` use.

The dictionary counts the words the user writes (`TypedWords` gathers them edit by edit), and
feeds the suggester only words typed at least `MIN_COUNT` times that the
model does not know: known words already have the LSTM's probability, and every extra word
dilutes the document cache (`Suggester._mixed`), so only new words (names, jargon) earn a place.
"""

from __future__ import annotations

import errno
import json
import logging
from collections import Counter
from collections.abc import Callable, Container, Iterable
from pathlib import Path

from editor.core.atomic import write_bytes
from editor.core.safefs import UnsafeFolderError, make_private, private_folder
from editor.core.tokenizer import SPECIALS, is_word_norm, normalize, tokenize

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MIN_COUNT = 2  # a word typed once may be a typo
MAX_STORED = 5000  # the file stays small; the rarest words go first
MAX_FILE_BYTES = 16 << 20  # far beyond MAX_STORED words; more is not our file
MAX_FED = 500  # words given to the suggester: each costs a little on every keystroke
MAX_WEIGHT = 8  # a word typed 500 times must not drown the document's own words
# Inserted text longer than this is a file's worth pasted, not writing to learn from.
MAX_INSERT = 100_000
BEFORE_CHARS = 200  # far longer than any word being finished
_JOINERS = frozenset("-'\u2019\u2010\u2011")  # as the tokenizer joins word parts

Listener = Callable[[], None]


def word_norms(text: str) -> list[str]:
    """The norms of the words in `text`, as the dictionary counts them."""
    return [t.norm for t in tokenize(text) if t.kind == "word" and _countable(t.norm)]


def _countable(norm: str) -> bool:
    return len(norm) >= 2 and is_word_norm(norm) and norm not in SPECIALS


def write_json_atomic(path: Path, data: object) -> None:
    """Write JSON next to `path` and move it into place: a crash leaves the old file or the new.

    The folder must be the user's own and private, the file is 0600 (it holds words the user
    typed), and the temporary file is created exclusively, never through a planted link
    (editor/core/atomic.py); UnsafeFolderError for a folder that can't be trusted."""
    payload = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    write_bytes(path, payload, private=True)


class UserWords:
    """Blocked words and the user dictionary, stored in `path`; listeners hear every change."""

    def __init__(self, path: Path | str, *, dictionary_enabled: bool = True,
                 on_problem: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self.blocked: set[str] = set()
        self.counts: Counter[str] = Counter()
        self.dictionary_enabled = dictionary_enabled
        self.problem: str | None = None  # why the file was not read or can't be written
        self._on_problem = on_problem
        self._listeners: list[Listener] = []
        self._load()

    def _report(self, problem: str | None) -> None:
        """Say a new problem once (the status bar), not at every word learnt."""
        if problem is not None and problem != self.problem:
            log.error("%s", problem)
            if self._on_problem is not None:
                self._on_problem(problem)
        self.problem = problem

    # -- listeners -----------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener()` after every change; returns the function that unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _changed(self) -> None:
        self.save()
        for listener in list(self._listeners):
            listener()

    # -- blocked words -------------------------------------------------------------------
    def block(self, word: str) -> str | None:
        """Never suggest `word` again (in any capitalisation); returns its norm, None if empty."""
        norm = normalize(word.strip())
        if not norm or norm in SPECIALS:
            return None
        if norm not in self.blocked:
            self.blocked.add(norm)
            self._changed()
        return norm

    def unblock(self, word: str) -> bool:
        norm = normalize(word.strip())
        if norm not in self.blocked:
            return False
        self.blocked.discard(norm)
        self._changed()
        return True

    # -- user dictionary -----------------------------------------------------------------
    def set_dictionary_enabled(self, enabled: bool) -> None:
        """Off: nothing is learnt and nothing is suggested from it; what was learnt is kept."""
        if enabled != self.dictionary_enabled:
            self.dictionary_enabled = enabled
            for listener in list(self._listeners):
                listener()

    def learn(self, norms: Iterable[str]) -> int:
        """Count words the user wrote; returns how many were counted."""
        if not self.dictionary_enabled:
            return 0
        added = Counter(n for n in norms if _countable(n))
        if not added:
            return 0
        self.counts.update(added)
        if len(self.counts) > MAX_STORED:
            self.counts = Counter(dict(self.counts.most_common(MAX_STORED)))
        self._changed()
        return sum(added.values())

    def clear_dictionary(self) -> None:
        if self.counts:
            self.counts.clear()
            self._changed()

    def dictionary_size(self) -> int:
        """Words typed often enough to be suggested."""
        return sum(1 for n in self.counts.values() if n >= MIN_COUNT)

    def suggestion_words(self, known: Container[str] = ()) -> Counter[str]:
        """What the suggester should add to the document's words: frequent, new, not blocked."""
        if not self.dictionary_enabled:
            return Counter()
        chosen = [
            (w, n) for w, n in self.counts.most_common()
            if n >= MIN_COUNT and w not in self.blocked and w not in known
        ][:MAX_FED]
        return Counter({w: min(n, MAX_WEIGHT) for w, n in chosen})

    # -- storage -------------------------------------------------------------------------
    def _load(self) -> None:
        try:
            with private_folder(self.path.parent, create=False) as folder:
                # Never through a link, and only the user's own file: words planted by someone
                # else would be suggested as the user's.
                fd = folder.open_read(self.path.name)
                with open(fd, encoding="utf-8") as f:
                    data = json.loads(f.read(MAX_FILE_BYTES + 1))
                make_private(self.path)  # older versions wrote it world-readable
        except FileNotFoundError:
            return
        except UnsafeFolderError as exc:
            self._report(f"your word lists were not read: {exc}")
            return
        except PermissionError as exc:
            why = "is a link or not a file of yours" if exc.errno == errno.EPERM else "is unreadable"
            self._report(f"your word lists were not read: {self.path} {why}")
            return
        except (OSError, ValueError) as exc:
            # A damaged file must not stop the editor; it is replaced on the next change.
            log.warning("ignoring %s: %s", self.path, exc)
            return
        if not isinstance(data, dict):
            log.warning("ignoring %s: not a JSON object", self.path)
            return
        blocked = data.get("blocked", [])
        counts = data.get("dictionary", {})
        if isinstance(blocked, list):
            self.blocked = {str(w) for w in blocked if isinstance(w, str) and w}
        if isinstance(counts, dict):
            self.counts = Counter({
                str(w): int(n) for w, n in counts.items()
                if isinstance(n, int) and not isinstance(n, bool) and n > 0
            })

    def save(self) -> None:
        data = {
            "format": FORMAT_VERSION,
            "blocked": sorted(self.blocked),
            "dictionary": dict(self.counts),
        }
        try:
            write_json_atomic(self.path, data)
        except UnsafeFolderError as exc:
            self._report(f"your word lists are not saved: {exc}")
        except OSError as exc:
            # Losing a word list is not worth a crash while typing; say so once.
            self._report(f"your word lists are not saved: {self.path}: "
                         f"{exc.strerror or exc}")
        else:
            self._report(None)


def finishes_a_word(inserted: str) -> bool:
    """False when `TypedWords.typed` would count nothing whatever came before: letters and
    digits only extend the word they join (or start one that is not finished yet)."""
    return bool(inserted) and not inserted.isalnum()


class TypedWords:
    """The words a writer commits while typing, gathered edit by edit until `take`.

    A word counts once it is finished: a space, punctuation or line break is typed after it,
    or it arrives whole inside inserted text (a paste, an accepted suggestion). Only the edit
    and a few characters before it are ever read, never the document, so learning costs the
    same in a 200k-line file as in an empty one. Deleting does not unlearn; text loaded from
    a file never reaches `typed` (the window does not report it).
    """

    def __init__(self) -> None:
        # What was typed, read at `take`: tokenizing at the keystroke cost the word boundary
        # ~0.3 ms of the GUI thread before its suggestions were even asked for (issue 18).
        self._edits: list[tuple[str, str]] = []

    def typed(self, before: str, inserted: str) -> None:
        """Note the words that `inserted` finishes. `before` is the text of the line up to
        the insertion (its last `BEFORE_CHARS` characters are enough)."""
        if not finishes_a_word(inserted) or len(inserted) > MAX_INSERT:
            return
        self._edits.append((before[-BEFORE_CHARS:], inserted))

    def take(self) -> list[str]:
        """The words finished since the last take (each as many times as typed)."""
        counted: Counter[str] = Counter()
        for before, inserted in self._edits:
            text = before + inserted
            # "guarda-" is on its way to "guarda-chuva", not a finished "guarda".
            first = len(before) + 1 if inserted[0] in _JOINERS else len(before)
            for token in tokenize(text):
                # Finished: ends where the insertion starts or inside it, and something follows.
                if (token.kind == "word" and first <= token.end < len(text)
                        and _countable(token.norm)):
                    counted[token.norm] += 1
        self._edits.clear()
        return list(counted.elements())

    def clear(self) -> None:
        self._edits.clear()
