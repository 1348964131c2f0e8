"""The word list loads beside the suggestion worker, never in its way (editor/core/service.py)."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import pytest

from editor.core import service as service_module
from editor.core.lexicon import Lexicon, lexicon_path
from editor.core.resources import bundled_model_path
from editor.core.service import LexiconStatus, ModelStatus, Request, Result, SuggestionService


class Harness:
    """A service with its callbacks turned into queues a test can wait on."""

    def __init__(self) -> None:
        self.results: queue.Queue[Result] = queue.Queue()
        self.models: queue.Queue[ModelStatus] = queue.Queue()
        self.lexicons: queue.Queue[LexiconStatus] = queue.Queue()
        self.service = SuggestionService(self.results.put, self.models.put)
        self.service.on_lexicon = self.lexicons.put
        self.revision = 0

    def ask(self, text: str) -> list[str]:
        self.revision += 1
        self.service.request(Request(self.revision, text, True))
        while True:
            result = self.results.get(timeout=10)
            if result.revision == self.revision and result.final:  # the last for this text
                return result.suggestions.words


@pytest.fixture
def harness():
    h = Harness()
    h.service.load_model(bundled_model_path())
    assert h.models.get(timeout=20).ok
    yield h
    h.service.shutdown()


def test_suggestions_go_on_while_the_list_loads(harness: Harness, monkeypatch):
    release = threading.Event()
    real_load = Lexicon.load

    def slow_load(path, language=None):
        assert release.wait(20)  # held until the test has typed with the model alone
        return real_load(path, language)

    monkeypatch.setattr(service_module.Lexicon, "load", staticmethod(slow_load))
    harness.service.set_lexicon("pt", lexicon_path("pt"))
    assert harness.service.lexicon_loading
    # Bug guarded: loading on the worker would hold this request until the list is read.
    assert harness.ask("No meio do cam") == ["caminho"]
    assert harness.ask("Eu gosto de comer ban") == []
    release.set()
    status = harness.lexicons.get(timeout=20)
    assert status.ok and status.language == "pt" and status.words > 100_000
    assert not harness.service.lexicon_loading
    got = harness.ask("Eu gosto de comer ban")
    assert len(got) == 3 and all(w.startswith("ban") for w in got)


def test_a_missing_list_is_reported_and_the_model_still_suggests(harness: Harness, tmp_path):
    harness.service.set_lexicon("pt", tmp_path / "pt.tsv.gz")
    status = harness.lexicons.get(timeout=20)
    assert not status.ok and "missing" in status.message
    assert harness.ask("No meio do cam") == ["caminho"]


def test_a_damaged_list_is_reported(harness: Harness, tmp_path: Path):
    bad = tmp_path / "pt.tsv.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    harness.service.set_lexicon("pt", bad)
    status = harness.lexicons.get(timeout=20)
    assert not status.ok and "damaged" in status.message
    assert harness.ask("No meio do cam") == ["caminho"]


def test_switching_lists_and_turning_them_off(harness: Harness):
    harness.service.set_lexicon("en", lexicon_path("en"))
    assert harness.lexicons.get(timeout=20).ok
    assert harness.ask("It is so beautif")[0] == "beautiful"
    harness.service.set_lexicon(None)
    assert harness.lexicons.get(timeout=20).language is None
    assert harness.ask("It is so beautif") == []
    # A model loaded after the list gets it too (bound to the new vocabulary).
    harness.service.set_lexicon("pt", lexicon_path("pt"))
    assert harness.lexicons.get(timeout=20).ok
    harness.service.load_model(bundled_model_path())
    assert harness.models.get(timeout=20).ok
    assert "Não" in harness.ask("nao")
