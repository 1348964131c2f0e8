"""Runs model loading and suggestion ranking on one background thread (Qt-free).

The GUI thread only posts requests and receives results, so typing never waits for inference.
Requests coalesce: while the worker is busy, a newer request replaces an older pending one,
so a burst of keystrokes costs one ranking, not one per key. Every request carries the
document revision it was made for; the window drops results for any other revision, so a
suggestion for old text is never shown.

The language's word list (editor/core/lexicon.py) loads on a short-lived thread of its own: typing
gets suggestions from the model meanwhile, and the worker picks the list up between two
requests once it is ready.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from editor.core.lexicon import LANGUAGES, BoundLexicon, Lexicon, LexiconError
from editor.core.lm import LanguageModel, ModelError
from editor.core.suggest import SuggestConfig, Suggester, Suggestions

INDEX_CHUNK = 32  # tokens read into the cache per step: a keystroke waits at most this long
INDEX_PIECE = 1000  # characters tokenized per step
INDEX_PAUSE_S = 0.03  # between steps: the worker holds the GIL about 5% of the time
# How long a ghost run-on waits for the window to say it has drawn the strip (`shown`): the
# run-on holds the GIL for a millisecond or more (model steps, cache lookups), and the GUI
# thread, which needs it to take the strip's result, would wait behind it (issue 18).
RUN_ON_WAIT_S = 0.05


@dataclass(frozen=True)
class Request:
    revision: int  # the document revision this is for; results echo it back
    text_before: str  # window of text before the cursor (see editor.core.context.context_window)
    at_doc_start: bool  # whether the window starts at the start of the document
    text_after: str = ""  # a few characters after the cursor
    posted: float = 0.0  # time.perf_counter() when the key event arrived
    window_start: int | None = None  # document position of text_before[0] (the neural cache)


@dataclass
class Result:
    revision: int
    suggestions: Suggestions
    compute_ms: float  # time spent ranking on the worker
    latency_ms: float  # from the request being posted to the result being ready
    extension: bool = False  # a second result for the same text: the ghost ran on
    final: bool = True  # no further result follows for this revision


@dataclass
class ModelStatus:
    ok: bool
    path: Path | None
    message: str  # model name when ok, the reason in plain words when not
    model: LanguageModel | None = None
    note: str = ""  # loaded, but a part of the file was refused (e.g. its n-gram table)
    detail: str = ""  # when not ok: the technical text (onnxruntime's), for a "Details" view
    kept: bool = False  # when not ok: the model loaded before is still the one suggesting


def _technical(line: str) -> bool:
    return line.startswith("onnxruntime said") or "[ONNXRuntimeError]" in line


def explain_load_error(path: Path, exc: BaseException) -> tuple[str, str]:
    """(plain words, technical detail) for a model that failed to load.

    A user can act on "damaged, truncated or another format", not on
    `[ONNXRuntimeError] : 7 : INVALID_PROTOBUF`: onnxruntime's own words go to the detail.
    """
    if not isinstance(exc, ModelError):
        plain = f"{path.name} could not be loaded because of an unexpected error."
        return plain, f"{path}\n{type(exc).__name__}: {exc}"
    lines = str(exc).strip().splitlines()
    plain = "\n".join(line for line in lines if not _technical(line)).strip()
    detail = [str(path)] + [line for line in lines if _technical(line)]
    cause = exc.__cause__
    if cause is not None and str(cause).strip():
        detail.append(f"{type(cause).__name__}: {str(cause).strip()}")
    return plain or f"{path.name} is not a usable model.", "\n".join(detail)


@dataclass
class LexiconStatus:
    language: str | None  # the language asked for (None: no word list)
    ok: bool
    message: str  # what happened, in plain words
    words: int = 0  # entries of the loaded list


class SuggestionService:
    """One worker thread owning the model; callbacks are invoked on that thread."""

    def __init__(self, on_result: Callable[[Result], None], on_model: Callable[[ModelStatus], None],
                 config: SuggestConfig | None = None, *, draw_first: bool = False) -> None:
        """With `draw_first` the caller reports each result it has drawn (`shown`), and a
        ghost run-on waits for that report (at most RUN_ON_WAIT_S) before it starts."""
        self._on_result = on_result
        self._on_model = on_model
        self.config = config or SuggestConfig()
        self._cond = threading.Condition()
        self._pending: Request | None = None
        self._pending_model: Path | None | bool = False  # False: nothing to load, None: unload
        self._stop = False
        self._suggester: Suggester | None = None
        self._blocked: set[str] = set()
        self._extra_words: Counter[str] = Counter()
        # The word list: what was asked for, what is ready, and whether the worker has it yet.
        self.on_lexicon: Callable[[LexiconStatus], None] | None = None  # from the loader thread
        self._lexicon_wanted: tuple[str | None, Path | None] = (None, None)
        self._lexicon_generation = 0
        self._lexicon_loading = False
        self._lexicon: Lexicon | BoundLexicon | None = None
        self._lexicon_changed = False
        self._edits: list[tuple[int, int, int]] = []  # document changes not yet applied
        self._pending_index: list[tuple[str, int, bool]] = []  # texts to read, in order
        self._indexing: Iterator[int] | None = None  # worker only: the text being read
        self._indexing_end = 0  # document position where that text ends
        self._draw_first = draw_first
        self._drawn = -1  # the last revision the caller reported drawn
        self._thread = threading.Thread(target=self._loop, name="caminho-suggest", daemon=True)
        self._thread.start()

    # -- called from the GUI thread ------------------------------------------------------------
    def load_model(self, path: Path | str | None) -> None:
        """Load (or with None unload) a model in the background; `on_model` reports the outcome."""
        with self._cond:
            self._pending_model = Path(path) if path is not None else None
            self._cond.notify()

    def request(self, req: Request) -> None:
        with self._cond:
            self._pending = req
            self._cond.notify()

    def shown(self, revision: int) -> None:
        """The caller has drawn the result for `revision` (see `draw_first`)."""
        with self._cond:
            self._drawn = revision
            self._cond.notify()

    def note_edit(self, pos: int, removed: int, added: int) -> None:
        """The document changed (Qt's contentsChange): applied, in order, before the next request.
        Never coalesced, unlike requests: every edit moves the neural cache's positions."""
        with self._cond:
            if self._suggester is not None or self._pending_model:
                self._edits.append((pos, removed, added))
                # Typing's request follows at once and applies it. Waking the worker now made
                # it take the GIL in the middle of the keystroke's own handling; only a
                # background reading waiting between chunks needs to hear of it (it stops).
                if self._indexing is not None or self._pending_index:
                    self._cond.notify()

    def index(self, text: str, start: int, at_doc_start: bool) -> None:
        """Read `text` (the document from `start`) into the neural cache in the background, a
        few tokens at a time between requests: a document opened, pasted or jumped into."""
        with self._cond:
            self._pending_index.append((text, start, at_doc_start))
            self._cond.notify()

    def update_config(self, **changes: object) -> None:
        with self._cond:
            for key, value in changes.items():
                setattr(self.config, key, value)

    def set_blocked(self, words: set[str]) -> None:
        with self._cond:
            self._blocked = set(words)
            if self._suggester is not None:
                self._suggester.blocked = set(words)

    def set_extra_words(self, words: Mapping[str, int]) -> None:
        """Words (norms) to suggest as if they were in the document, e.g. the user dictionary."""
        with self._cond:
            # A new Counter, never mutated: the worker may be iterating the old one.
            self._extra_words = Counter(words)
            if self._suggester is not None:
                self._suggester.extra_words = self._extra_words

    def set_lexicon(self, language: str | None, path: Path | str | None = None) -> None:
        """Complete from this language's word list at `path` (None: none). It loads on a
        thread of its own; `on_lexicon` reports the outcome from that thread."""
        wanted = (language, Path(path) if path is not None else None)
        with self._cond:
            if wanted == self._lexicon_wanted:
                return
            self._lexicon_wanted = wanted
            self._lexicon_generation += 1
            generation = self._lexicon_generation
            self._lexicon_loading = language is not None
            if language is None:
                self._lexicon, self._lexicon_changed = None, True
                self._cond.notify()
        if language is None:
            self._report_lexicon(LexiconStatus(None, True, "No word list"))
            return
        threading.Thread(target=self._load_lexicon, args=(generation, *wanted),
                         name="caminho-lexicon", daemon=True).start()

    @property
    def lexicon_loading(self) -> bool:
        """Whether a word list asked for is still being read."""
        with self._cond:
            return self._lexicon_loading

    def _load_lexicon(self, generation: int, language: str, path: Path | None) -> None:
        name = LANGUAGES.get(language, language)
        lexicon: Lexicon | BoundLexicon | None = None
        try:
            if path is None:
                raise LexiconError(f"there is no word list for {name}")
            lexicon = Lexicon.load(path, language)
            suggester = self._suggester
            if suggester is not None:  # bound here, so the worker need not stop for it
                lexicon = lexicon.bind(suggester.model.ids, None if suggester.ngram is None
                                       else suggester.ngram.unigram)
            status = LexiconStatus(language, True, f"{name} word list: {len(lexicon_of(lexicon))} "
                                   "words", len(lexicon_of(lexicon)))
        except LexiconError as exc:
            status = LexiconStatus(language, False, str(exc))
        except Exception as exc:  # a word list must never take the suggestions down
            status = LexiconStatus(language, False, f"the word list could not be read ({exc})")
        with self._cond:
            if generation != self._lexicon_generation:
                return  # another list was asked for meanwhile
            self._lexicon = lexicon
            self._lexicon_changed = True
            self._lexicon_loading = False
            self._cond.notify()
        self._report_lexicon(status)

    def _report_lexicon(self, status: LexiconStatus) -> None:
        callback = self.on_lexicon
        if callback is None or self._stop:
            return
        try:
            callback(status)
        except RuntimeError:
            pass  # the window went away while the list was loading ("source has been deleted")

    def shutdown(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout)

    @property
    def has_model(self) -> bool:
        return self._suggester is not None

    # -- the worker ------------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cond:
                while (not self._stop and self._pending is None and self._pending_model is False
                       and not self._lexicon_changed and not self._edits
                       and not self._pending_index and self._indexing is None):
                    self._cond.wait()
                if self._stop:
                    return
                model_path, self._pending_model = self._pending_model, False
                req, self._pending = self._pending, None
                lexicon_changed, self._lexicon_changed = self._lexicon_changed, False
                lexicon = self._lexicon
                edits, self._edits = self._edits, []
                if edits:  # text waiting to be read that an edit has changed: read nothing
                    first = min(e[0] for e in edits)
                    self._pending_index = [j for j in self._pending_index
                                           if j[1] + _units(j[0]) <= first]
                job = None
                if self._indexing is None and self._pending_index:
                    job = self._pending_index.pop(0)
            if model_path is not False:
                self._indexing = None
                with self._cond:
                    self._pending_index.clear()
                self._load(model_path)
            elif self._suggester is not None:
                if lexicon_changed:
                    self._suggester.set_lexicon(lexicon)
                for edit in edits:  # a freshly loaded model starts with an empty cache
                    self._suggester.note_edit(*edit)
                    if edit[0] < self._indexing_end:
                        self._indexing = None  # its text changed under it: it is asked again
            if job is not None and self._suggester is not None:
                text, start, at_doc_start = job
                self._indexing = self._suggester.index(text, start, at_doc_start=at_doc_start,
                                                       chunk=INDEX_CHUNK, piece=INDEX_PIECE)
                self._indexing_end = start + _units(text)
            if req is not None and self._suggester is not None:
                self._serve(req)
            elif self._indexing is not None:
                try:
                    next(self._indexing)  # one chunk, then look for keystrokes again
                except StopIteration:
                    self._indexing = None
                except Exception:
                    traceback.print_exc()
                    self._indexing = None
                # A pause between chunks leaves the GIL to the GUI thread (painting, the
                # auto-save's slices); a request or an edit ends it at once.
                with self._cond:
                    if self._pending is None and not self._edits and not self._stop:
                        self._cond.wait(INDEX_PAUSE_S)

    def _load(self, path: Path | None) -> None:
        if path is None:
            self._suggester = None
            self._on_model(ModelStatus(False, None, "No model"))
            return
        try:
            model = LanguageModel.load(path)
        except Exception as exc:  # ModelError, or anything else: never take the editor down
            plain, detail = explain_load_error(path, exc)
            # The model loaded before (if any) keeps serving: a bad file changes nothing.
            self._on_model(ModelStatus(False, path, plain, detail=detail,
                                       kept=self._suggester is not None))
            return
        suggester = Suggester(model, self.config)
        with self._cond:
            lexicon = self._lexicon
        suggester.set_lexicon(lexicon)  # binds the word list to the new vocabulary
        self._suggester = suggester
        self._suggester.blocked = set(self._blocked)
        self._suggester.extra_words = self._extra_words
        self._on_model(ModelStatus(True, path, model.info.name, model,
                                   note=self._suggester.ngram_problem))

    def _serve(self, req: Request) -> None:
        assert self._suggester is not None
        start = time.perf_counter()
        try:
            sug = self._suggester.suggest(req.text_before, at_doc_start=req.at_doc_start,
                                          text_after=req.text_after, extend=False,
                                          window_start=req.window_start)
        except Exception:
            # Keep serving later requests; show nothing for this one.
            traceback.print_exc()
            sug = Suggestions()
        will_extend = sug._continuation is not None
        try:
            if will_extend and self._suggester.extension_remembered(sug):
                # No model step to wait for: one result with the whole ghost, so the window
                # draws the strip and the ghost once, not twice (issue 18).
                self._suggester.extend_ghost(sug)
                will_extend = False
        except Exception:
            traceback.print_exc()
        done = time.perf_counter()
        posted = req.posted or start
        self._on_result(Result(req.revision, sug, (done - start) * 1e3, (done - posted) * 1e3,
                               final=not will_extend))
        if not will_extend:
            return
        # The strip is out; now run the ghost text on, once it is drawn, unless the writer
        # has already moved on.
        with self._cond:
            if self._draw_first:
                self._cond.wait_for(lambda: self._drawn >= req.revision or self._stop
                                    or self._pending is not None, RUN_ON_WAIT_S)
            superseded = self._pending is not None
        if superseded:
            return
        # A copy: the GUI thread already holds `sug` and must never see it change under it.
        sug = replace(sug, ghost=list(sug.ghost))
        try:
            self._suggester.extend_ghost(sug)
        except Exception:
            traceback.print_exc()
        self._on_result(Result(req.revision, sug, (time.perf_counter() - start) * 1e3,
                               (done - posted) * 1e3, extension=True))


def lexicon_of(lexicon: Lexicon | BoundLexicon) -> Lexicon:
    return lexicon.lexicon if isinstance(lexicon, BoundLexicon) else lexicon


def _units(text: str) -> int:
    """Length in UTF-16 units, as Qt counts document positions."""
    return len(text.encode("utf-16-le")) // 2
