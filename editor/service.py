"""Runs model loading and suggestion ranking on one background thread (Qt-free).

The GUI thread only posts requests and receives results, so typing never waits for inference.
Requests coalesce: while the worker is busy, a newer request replaces an older pending one,
so a burst of keystrokes costs one ranking, not one per key. Every request carries the
document revision it was made for; the window drops results for any other revision, so a
suggestion for old text is never shown.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from editor.lm import LanguageModel, ModelError
from editor.suggest import SuggestConfig, Suggester, Suggestions


@dataclass(frozen=True)
class Request:
    revision: int  # the document revision this is for; results echo it back
    text_before: str  # window of text before the cursor (see editor.context.context_window)
    at_doc_start: bool  # whether the window starts at the start of the document
    text_after: str = ""  # a few characters after the cursor
    posted: float = 0.0  # time.perf_counter() when the key event arrived


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


class SuggestionService:
    """One worker thread owning the model; callbacks are invoked on that thread."""

    def __init__(self, on_result: Callable[[Result], None], on_model: Callable[[ModelStatus], None],
                 config: SuggestConfig | None = None) -> None:
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
                while not self._stop and self._pending is None and self._pending_model is False:
                    self._cond.wait()
                if self._stop:
                    return
                model_path, self._pending_model = self._pending_model, False
                req, self._pending = self._pending, None
            if model_path is not False:
                self._load(model_path)
            if req is not None and self._suggester is not None:
                self._serve(req)

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
        self._suggester = Suggester(model, self.config)
        self._suggester.blocked = set(self._blocked)
        self._suggester.extra_words = self._extra_words
        self._on_model(ModelStatus(True, path, model.info.name, model,
                                   note=self._suggester.ngram_problem))

    def _serve(self, req: Request) -> None:
        assert self._suggester is not None
        start = time.perf_counter()
        try:
            sug = self._suggester.suggest(req.text_before, at_doc_start=req.at_doc_start,
                                          text_after=req.text_after, extend=False)
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
        # The strip is out; now run the ghost text on, unless the writer has already moved on.
        with self._cond:
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
