"""The engine's shortcuts (issue 18) give exactly what the slow way gave.

Ranking picks the best few with a partition instead of sorting every word a prefix starts;
letters typed inside a word reuse the context, the softmax, the panel's arrays and the ghost's
run-on. Each is checked here against the plain computation.
"""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.core.lm import LanguageModel
from editor.core.resources import bundled_model_path, poem_corpus_path
from editor.core.suggest import Candidate, SuggestConfig, Suggester, _CaseRule
from editor.core.tokenizer import normalize, tokenize
from editor.core.topk import best_indices, top_sorted

POEM = poem_corpus_path().read_text(encoding="utf-8")


@given(st.lists(st.integers(0, 4), min_size=0, max_size=60), st.integers(0, 70))
@settings(max_examples=300, deadline=None)
def test_top_sorted_is_a_full_sorts_first_n_even_with_ties(values, n):
    # Few distinct values: ties everywhere, also at the cut, where argpartition alone picks
    # arbitrarily.
    v = np.asarray(values, dtype=np.float64)
    assert list(top_sorted(v, n)) == list(np.argsort(-v, kind="stable")[:n])


@given(st.lists(st.integers(0, 3), min_size=1, max_size=40), st.integers(1, 40))
@settings(max_examples=200, deadline=None)
def test_best_indices_keeps_every_value_tied_with_the_cut(values, n):
    v = np.asarray(values, dtype=np.float64)
    got = set(best_indices(v, n).tolist())
    if n >= len(v):
        assert got == set(range(len(v)))
        return
    cut = np.sort(v)[::-1][n - 1]
    assert got == {i for i, x in enumerate(v) if x >= cut}


def test_nan_never_counts_as_best():
    v = np.array([0.1, np.nan, 0.3, 0.2])
    assert list(top_sorted(v, 2)) == [2, 3]


def full_sort_rank(sug: Suggester, p_model: np.ndarray, prefix: str, doc_counts: Counter,
                   case: _CaseRule) -> tuple[list[Candidate], float]:
    """The ranking as it was: every candidate in a Python list, sorted whole."""
    from editor.core.suggest import prefix_confidence

    p, unknown, p_unk = sug._mixed(p_model, doc_counts)
    k = sug.config.strip_size
    vocab = sug.model.info.vocab
    if prefix:
        key = normalize(prefix)
        pool = [(float(p[i]), t, "model") for i, t in enumerate(vocab)
                if sug.is_word[i] and t.startswith(key)]
        pool += [(q, w, "document") for w, q in unknown.items() if w.startswith(key)]
        p_prefix = sum(q for q, _, _ in pool)
        share = sum(1 for i, t in enumerate(vocab) if sug.is_word[i] and t.startswith(key))
        share /= max(1, int(sug.is_word.sum()))
    else:
        pool = [(float(p[i]), t, "model") for i, t in enumerate(vocab) if sug.is_word[i]]
        pool += [(q, w, "document") for w, q in unknown.items()]
        p_prefix, p_unk, share = 1.0, 0.0, 0.0
    pool = sorted((x for x in pool if x[1] not in sug.blocked), key=lambda x: (-x[0], x[1]))
    best = pool[:k]
    conf = prefix_confidence(best[0][0], p_prefix, p_unk, share) if best else 0.0
    return [Candidate(case.apply(sug._written(n, {})), n, q, s) for q, n, s in best], conf


@pytest.fixture(scope="module")
def big_model(tmp_path_factory):
    """3000 made-up words that share their first letters ("palavra1…"): one-letter prefixes
    start thousands of them."""
    pytest.importorskip("torch")
    from training.export import export_random_model

    path = tmp_path_factory.mktemp("big") / "big.onnx"
    return LanguageModel.load(export_random_model(path, 3000, embedding=8, hidden=8))


@pytest.mark.parametrize("prefix", ["", "p", "pal", "palavra1", "palavra12", "de", "zz"])
@pytest.mark.parametrize("blocked", [set(), {"palavra1", "palavra10", "palavra100", "de"}])
def test_partition_ranking_equals_the_full_sort(big_model, prefix, blocked):
    sug = Suggester(big_model)
    sug.blocked = set(blocked)
    rng = np.random.default_rng(len(prefix) + len(blocked))
    # Rounded probabilities: many words tie, at the strip's cut too.
    p = np.round(rng.random(big_model.info.vocab_size), 2)
    for word in blocked:  # blocked words among the best: the strip must reach past them
        p[big_model.ids[word]] = 1.5
    p /= p.sum()
    docs = Counter({"palavra1": 2, "pedrinha": 3, "paralelepípedo": 1, "de": 4})
    case = _CaseRule(tokenize("no meio do "), prefix)
    got = sug._rank(p, prefix, docs, {}, case)
    want = full_sort_rank(sug, p, prefix, docs, case)
    assert [c.norm for c in got[0]] == [c.norm for c in want[0]]
    assert [c.prob for c in got[0]] == pytest.approx([c.prob for c in want[0]], abs=1e-15)
    assert got[1] == pytest.approx(want[1], rel=1e-12)


def same(a, b) -> None:
    assert a.words == b.words
    assert a.ghost == b.ghost
    # A keystroke steps the file's one-token graph, a fresh engine reads the text with the main
    # graph: the two agree within 1e-5 (checked on load), not bit for bit.
    assert a.confidence == pytest.approx(b.confidence, rel=1e-6)
    assert [w for w, _ in a.top_tokens] == [w for w, _ in b.top_tokens]
    assert [p for _, p in a.top_tokens] == pytest.approx([p for _, p in b.top_tokens], abs=1e-6)
    assert np.allclose(a.h_seq, b.h_seq, atol=1e-5) and np.allclose(a.gates, b.gates, atol=1e-5)


def test_typing_inside_a_word_gives_what_a_fresh_engine_gives(model):
    # Every keystroke of a passage, incrementally (memos warm), against a new engine each time.
    typed = POEM[:160]
    engine = Suggester(model, SuggestConfig(ghost_max_words=4))
    for end in range(1, len(typed) + 1):
        fresh = Suggester(model, SuggestConfig(ghost_max_words=4))
        same(engine.suggest(typed[:end]), fresh.suggest(typed[:end]))


def test_letters_inside_a_word_run_no_model_step(model):
    # The ghost's run-on after "No meio do c…" is the same for every letter of "caminho": it
    # ran 3-5 model steps a keystroke before it was remembered.
    steps = []
    model = LanguageModel(model.session, model.info, model.ids)
    run = model.run

    def counting(*args, **kwargs):
        steps.append(1)
        return run(*args, **kwargs)

    model.run = counting  # type: ignore[method-assign]
    engine = Suggester(model)
    first = engine.suggest("No meio do c")
    assert first.ghost_text == "aminho tinha uma pedra\n" and steps
    steps.clear()
    for end in ("ca", "cam", "cami"):
        s = engine.suggest("No meio do " + end)
        assert s.ghost_text.endswith(" tinha uma pedra\n")
    assert steps == []


def test_extension_memo_follows_what_it_depends_on(model):
    engine = Suggester(model)
    assert engine.suggest("No meio do c").ghost_text == "aminho tinha uma pedra\n"
    # A word blocked since: the remembered run-on must not bring it back.
    engine.blocked = {"pedra"}
    assert "pedra" not in engine.suggest("No meio do ca").ghost_text
    engine.blocked = set()
    engine.config.ghost_max_words = 2
    assert engine.suggest("No meio do cam").ghost_text == "inho tinha"


def test_panel_arrays_are_shared_read_only_until_a_token_is_fed(model):
    engine = Suggester(model)
    a = engine.suggest("No meio do ca")
    b = engine.suggest("No meio do cam")
    assert a.h_seq is b.h_seq and a.gates is b.gates and a.top_tokens is b.top_tokens
    with pytest.raises(ValueError):
        a.h_seq[0, 0, 0] = 1.0  # shared: nobody may change what another result holds
    c = engine.suggest("No meio do caminho ")
    assert c.h_seq is not b.h_seq and len(c.context_tokens) == len(b.context_tokens) + 1


def _poem_service(**options):
    """A SuggestionService on the bundled model, its results collected in a list that a
    condition announces: (service, results, arrived)."""
    import threading

    from editor.core.service import SuggestionService

    results, loaded = [], threading.Event()
    arrived = threading.Condition()

    def on_result(r):
        with arrived:
            results.append(r)
            arrived.notify_all()

    service = SuggestionService(on_result, lambda status: loaded.set(), **options)
    service.load_model(bundled_model_path())
    assert loaded.wait(30)
    return service, results, arrived


def test_a_remembered_run_on_arrives_with_the_strip_in_one_result():
    # Two results per key (strip, then the ghost run on) meant two repaints of the strip and
    # the ghost; when the run-on costs no model step the worker sends one.
    from editor.core.service import Request

    service, results, arrived = _poem_service()
    try:

        def ask(revision, text, count):
            service.request(Request(revision, text, True))
            with arrived:
                assert arrived.wait_for(
                    lambda: sum(r.revision == revision for r in results) >= count, 10)
            return [r for r in results if r.revision == revision]

        first = ask(1, "No meio do c", 2)
        assert [r.final for r in first] == [False, True]  # a run-on computed: strip first
        assert first[1].suggestions.ghost_text == "aminho tinha uma pedra\n"
        again = ask(2, "No meio do ca", 1)
        assert len(again) == 1 and again[0].final
        assert again[0].suggestions.ghost_text == "minho tinha uma pedra\n"
    finally:
        service.shutdown()


def test_the_run_on_waits_until_the_window_has_drawn_the_strip():
    # The run-on holds the GIL for a millisecond or more; started at once it kept the GUI
    # thread from taking the strip's result at word boundaries (the poem's keystroke p99).
    # A caller that draws first reports it, and only then does the ghost run on.
    from editor.core.service import RUN_ON_WAIT_S, Request

    service, results, arrived = _poem_service(draw_first=True)
    try:
        service.request(Request(1, "No meio do c", True))
        with arrived:
            assert arrived.wait_for(lambda: len(results) == 1, 10)
            assert not results[0].final
            # Not drawn yet: no run-on for a while (a quarter of the wait, so a slow
            # machine cannot make this pass by accident).
            assert not arrived.wait_for(lambda: len(results) > 1, RUN_ON_WAIT_S / 4)
        service.shown(1)
        with arrived:
            assert arrived.wait_for(lambda: len(results) == 2, 10)
        assert results[1].extension
        assert results[1].suggestions.ghost_text == "aminho tinha uma pedra\n"
        # A caller that never reports still gets its run-on, after the wait.
        service.request(Request(2, "Nunca me esquecerei d", True))
        with arrived:
            assert arrived.wait_for(lambda: sum(r.revision == 2 for r in results) == 2, 10)
    finally:
        service.shutdown()
