"""The continuous cache's arithmetic and bookkeeping, without a model or a window."""

import json
import math

import numpy as np
import pytest

from editor.core.neural_cache import (
    DEFAULT_RAMP,
    DEFAULT_THETA,
    DEFAULT_WEIGHT,
    METADATA_KEY,
    CacheParams,
    NeuralCache,
    mix,
    utf16_offsets,
)

VOCAB = {"<unk>": 0, "<doc>": 1, "a": 2, "b": 3, "c": 4}


def cache(size: int = 10, theta: float = 1.0, hidden: int = 2) -> NeuralCache:
    return NeuralCache(hidden, CacheParams(theta=theta, weight=0.25, size=size), VOCAB)


def put(c: NeuralCache, start: int, word: str, key, context: int = 100) -> int:
    return c.add([start], [start + len(word)], [word], np.array([key], np.float32), [context])


def test_probability_is_a_softmax_of_similarities_summed_per_word():
    c = cache(theta=2.0)
    put(c, 0, "a", [1, 0])
    put(c, 2, "b", [0, 1])
    put(c, 4, "a", [0.5, 0.5])
    hit = c.lookup(np.array([1.0, 0.0]), before=100)
    weights = {"a": math.exp(2 * 1) + math.exp(2 * 0.5), "b": math.exp(0)}
    total = sum(weights.values())
    got = hit.as_dict()
    assert set(got) == {"a", "b"}
    for w, v in weights.items():
        assert got[w] == pytest.approx(v / total, rel=1e-6)
    assert hit.probs.sum() == pytest.approx(1.0)


def test_theta_sharpens_towards_the_most_similar_state():
    flat, sharp = cache(theta=0.0), cache(theta=20.0)
    for c in (flat, sharp):
        put(c, 0, "a", [1, 0])
        put(c, 2, "b", [0, 1])
    h = np.array([1.0, 0.0])
    assert flat.lookup(h, 100).as_dict() == pytest.approx({"a": 0.5, "b": 0.5})
    assert sharp.lookup(h, 100).as_dict()["a"] > 0.999


def test_only_entries_before_the_cursor_count():
    # Guards against the future leaking in: text after the cursor (the cursor moved back)
    # must not predict what comes at the cursor.
    c = cache()
    put(c, 0, "a", [1, 0])
    put(c, 10, "b", [1, 0])
    assert c.lookup(np.array([1.0, 0.0]), before=5).as_dict() == {"a": 1.0}
    assert c.lookup(np.array([1.0, 0.0]), before=0) is None


def test_recall_names_the_most_similar_earlier_place():
    c = cache(theta=1.0)
    put(c, 0, "a", [0, 1])
    put(c, 7, "a", [1, 0])  # the context like the cursor's
    put(c, 20, "a", [0.2, 0.1])
    hit = c.lookup(np.array([1.0, 0.0]), before=100)
    assert hit.recall("a") == 7
    assert hit.recall("zzz") is None


def test_mix_is_a_convex_combination_and_names_unknown_words():
    c = cache()
    put(c, 0, "a", [1, 0])
    put(c, 2, "nome", [1, 0])  # a word the model does not know
    hit = c.lookup(np.array([1.0, 0.0]), before=100)
    p = np.array([0.1, 0.0, 0.5, 0.3, 0.1])  # over VOCAB; p[0] is <unk>
    unknown = {"outro": 0.02}
    mixed, unk, p_unk = mix(p, unknown, 0.08, hit, 0.25)
    assert mixed[VOCAB["a"]] == pytest.approx(0.75 * 0.5 + 0.25 * 0.5)
    assert mixed[VOCAB["b"]] == pytest.approx(0.75 * 0.3)
    assert unk["nome"] == pytest.approx(0.25 * 0.5)
    assert unk["outro"] == pytest.approx(0.75 * 0.02)
    assert p_unk == pytest.approx(0.75 * 0.08)
    # Everything still adds up: words of the vocabulary (<unk> aside), unknown ones, new ones.
    before = p[1:].sum() + sum(unknown.values()) + 0.08
    after = mixed[1:].sum() + sum(unk.values()) + p_unk
    assert after == pytest.approx(before * 0.75 + 0.25)
    assert p[2] == 0.5  # the caller's array is left alone
    # No cache, or λ = 0: nothing changes.
    assert mix(p, unknown, 0.08, None, 0.25)[0] is p
    assert mix(p, unknown, 0.08, hit, 0.0)[0] is p


def test_a_position_keeps_the_state_that_read_the_most_text():
    c = cache()
    assert put(c, 5, "a", [1, 0], context=500) == 1
    # The window moved on: the same position read from a later window start knows less.
    assert put(c, 5, "a", [0, 1], context=200) == 0
    assert np.array_equal(c.key_at(5), [1, 0])
    assert put(c, 5, "a", [0, 1], context=800) == 1
    assert np.array_equal(c.key_at(5), [0, 1])
    # Another word at that position (the text changed) always replaces.
    assert put(c, 5, "b", [1, 1], context=10) == 1
    assert c.entries() == [(5, "b")]
    assert len(c) == 1


def test_edit_drops_touched_words_moves_later_ones_and_marks_nearby_stale():
    c = cache()
    for start, word in ((0, "a"), (2, "b"), (4, "c"), (40, "a")):
        put(c, start, word, [1, 0], context=1000)
    version = c.version
    # "a b c ... a" -> "a bXX c ... a": two characters inserted at the end of "b".
    assert c.edit(3, 0, 2, reach=10)
    assert c.version != version
    assert c.entries() == [(0, "a"), (6, "c"), (42, "a")]  # "b" may have grown: dropped
    # "c" read the changed text (within reach): any fresh state replaces it, even one that
    # read less. The far "a" did not and keeps its state.
    assert put(c, 6, "c", [0, 1], context=1) == 1
    assert put(c, 42, "a", [0, 1], context=1) == 0
    # Positions before the edit are untouched.
    assert np.array_equal(c.key_at(0), [1, 0])
    # Deleting a range removes the words in it.
    c.edit(5, 38, 0, reach=10)
    assert c.entries() == [(0, "a")]
    # An edit that touches nothing changes nothing.
    version = c.version
    assert not c.edit(100, 0, 1, reach=0)
    assert c.version == version


def test_the_cap_keeps_the_most_recently_written_positions():
    c = cache(size=4)
    for k in range(7):
        put(c, 10 * k, "abc"[k % 3], [1, k])
    assert len(c) == 4
    assert [s for s, _ in c.entries()] == [30, 40, 50, 60]
    assert c.keys.shape == (4, 2)  # preallocated: never grows
    # A batch bigger than the room left evicts the oldest, never its own entries.
    starts = [100, 110, 120]
    c.add(starts, [s + 1 for s in starts], ["a", "b", "c"], np.ones((3, 2), np.float32),
          [1, 1, 1])
    assert [s for s, _ in c.entries()] == [60, 100, 110, 120]


def test_the_word_table_is_compacted_with_the_entries_intact():
    c = cache(size=3)
    for k in range(1200):  # far more distinct words than slots
        put(c, 10 * k, f"w{k}", [1, 0])
    assert len(c._table) < 1100
    assert c.entries() == [(11970, "w1197"), (11980, "w1198"), (11990, "w1199")]
    assert set(c.lookup(np.array([1.0, 0.0]), 10**6).words) == {"w1197", "w1198", "w1199"}


def test_the_lookup_follows_every_change():
    # The keys @ h product is memoised; a write between two lookups with the same state
    # must still be seen.
    c = cache()
    h = np.array([1.0, 0.0])
    put(c, 0, "a", [1, 0])
    assert c.lookup(h, 100).as_dict() == {"a": 1.0}
    put(c, 2, "b", [1, 0])
    assert c.lookup(h, 100).as_dict() == pytest.approx({"a": 0.5, "b": 0.5})
    c.clear()
    assert c.lookup(h, 100) is None and len(c) == 0


def test_params_from_the_model_file_or_defaults():
    assert CacheParams.from_metadata({}) == CacheParams(DEFAULT_THETA, DEFAULT_WEIGHT)
    good = CacheParams(0.4, 0.12, 5000, ramp=300).to_text()
    p = CacheParams.from_metadata({METADATA_KEY: good})
    assert (p.theta, p.weight, p.size, p.tuned, p.ramp) == (0.4, 0.12, 5000, True, 300)
    # A file tuned before the ramp existed keeps its θ and λ and gets the default ramp.
    old = CacheParams.from_metadata({METADATA_KEY: json.dumps({"theta": 0.5, "lambda": 0.2})})
    assert (old.theta, old.weight, old.ramp, old.tuned) == (0.5, 0.2, DEFAULT_RAMP, True)
    for bad in ("not json", json.dumps({"theta": 1}), json.dumps({"theta": -1, "lambda": 0.1}),
                json.dumps({"theta": 1, "lambda": 1.5}), json.dumps([1, 2]),
                json.dumps({"theta": 1, "lambda": 0.1, "ramp": -5})):
        assert CacheParams.from_metadata({METADATA_KEY: bad}) == CacheParams()


def test_the_weight_grows_with_the_entries_before_the_cursor():
    # Issue 17 on short documents: a cache of a few entries at full weight cost fortunes-br
    # top-3; λ must reach its value only once the cache holds `ramp` entries.
    p = CacheParams(weight=0.3, ramp=200)
    assert p.weight_at(0) == 0.0
    assert p.weight_at(50) == pytest.approx(0.075)
    assert p.weight_at(200) == p.weight_at(5000) == 0.3
    assert p.weight_at(100, weight=0.2) == pytest.approx(0.1)  # the engine's override, ramped
    assert CacheParams(weight=0.3, ramp=0).weight_at(1) == 0.3  # no ramp: full weight at once
    c = NeuralCache(2, CacheParams(weight=0.3, ramp=4), VOCAB)
    for k in range(3):
        put(c, k, "a", [1, 0])
    assert c.lookup(np.array([1.0, 0.0], np.float32), 100).entries == 3
    assert c.lookup(np.array([1.0, 0.0], np.float32), 1).entries == 1  # only those before


def test_utf16_offsets():
    assert utf16_offsets("ação") is None
    offsets = utf16_offsets("a🪨b")
    assert list(offsets) == [0, 1, 3, 4]


# -- in the suggestion engine, on the bundled poem model ---------------------------------------

from editor.core.context import WINDOW, context_window, trim_window  # noqa: E402
from editor.core.lm import LanguageModel  # noqa: E402
from editor.core.resources import bundled_model_path, poem_corpus_path  # noqa: E402
from editor.core.suggest import SuggestConfig, Suggester  # noqa: E402
from editor.core.tokenizer import tokenize  # noqa: E402

POEM = poem_corpus_path().read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def model():
    return LanguageModel.load(bundled_model_path())


def ask(s: Suggester, doc: str, pos: int):
    """What the editor asks with the cursor at `pos`: its bounded window and where it starts."""
    start = context_window(pos)
    text, window_start = trim_window(doc[start:pos], start)
    return s.suggest(text, at_doc_start=start == 0, window_start=window_start, extend=False)


def type_through(s: Suggester, doc: str, step: int = 5):
    for pos in range(0, len(doc), step):
        ask(s, doc, pos)
    return ask(s, doc, len(doc))


def stamps(s: Suggester) -> dict[int, int]:
    starts = np.array([p for p, _ in s.cache.entries()], np.int64)
    return dict(zip(starts.tolist(), s.cache.stamp[s.cache._slots_of(starts)].tolist(),
                    strict=True))


def test_each_entry_is_the_state_before_its_word(model):
    # Guards the pairing: an off-by-one would store the state *after* the word it predicts.
    s = Suggester(model)
    type_through(s, POEM, 4)
    tokens = tokenize(POEM)
    assert s.cache.entries() == [(t.start, t.norm) for t in tokens]
    fresh = model.run([model.doc_id, *model.encode([t.norm for t in tokens])],
                      *model.zero_state())
    for k, t in enumerate(tokens):
        assert np.allclose(s.cache.key_at(t.start), fresh.h_seq[k, -1], atol=1e-5)


def test_a_name_from_pages_back_is_completed_by_the_cache(model):
    head = "Carlos Drummond de Andrade escreveu:\n"
    doc = head + POEM * 7 + "Foi Carlos Dru"
    assert context_window(len(doc)) > len(head)  # the name is outside the model's window
    s = Suggester(model)
    r = type_through(s, doc, 7)
    assert r.words[0] == "Drummond"
    assert r.candidates[0].recall == doc.index("Drummond")
    # The unigram cache only counts the window's words: without the neural cache the name
    # is gone.
    off = Suggester(model, SuggestConfig(neural_cache=False))
    assert "Drummond" not in type_through(off, doc, 7).words


def test_an_edit_rewrites_only_the_entries_after_it(model):
    doc = POEM * 8
    s = Suggester(model)
    type_through(s, doc, 9)
    old_keys = {p: s.cache.key_at(p) for p, _ in s.cache.entries()}
    old_words = dict(s.cache.entries())
    old_stamps = stamps(s)
    # The writer goes back into the current window and turns one "pedra" into "rochas".
    pos = doc.rindex("pedra", 0, len(doc) - 400)
    assert pos > context_window(len(doc))
    new = doc[:pos] + "rochas" + doc[pos + 5 :]
    s.note_edit(pos, 5, 6)
    ask(s, new, pos + 6)
    ask(s, new, len(new))  # and back to the end
    words = dict(s.cache.entries())
    new_stamps = stamps(s)
    assert words[pos] == "rochas"
    for p, w in old_words.items():
        if p < pos:  # before the edit: same entry, same state, never rewritten
            assert words[p] == w and new_stamps[p] == old_stamps[p]
            assert np.array_equal(s.cache.key_at(p), old_keys[p])
        elif p > pos:  # after it: moved by the extra character
            assert words[p + 1] == w
    # Those after the edit hold states of the edited text: what a fresh run of the window gives.
    start = context_window(len(new))
    text, window_start = trim_window(new[start:], start)
    tokens = tokenize(text)
    fresh = model.run(model.encode([t.norm for t in tokens]), *model.zero_state())
    for k in range(1, len(tokens)):
        p = window_start + tokens[k].start
        if p > pos:
            assert np.allclose(s.cache.key_at(p), fresh.h_seq[k - 1, -1], atol=1e-5)
            assert new_stamps[p] > max(old_stamps.values())


def test_indexing_an_opened_document_matches_typing_it(model):
    doc = POEM * 3  # within one window: typing reads it from the document's start too
    typed = Suggester(model)
    type_through(typed, doc, 6)
    opened = Suggester(model)
    steps = list(opened.index(doc, 0, at_doc_start=True, chunk=17, piece=50))
    assert len(steps) > 20  # small steps: keystrokes are served in between
    assert opened.cache.entries() == typed.cache.entries()
    for p, _ in typed.cache.entries():
        assert np.allclose(opened.cache.key_at(p), typed.cache.key_at(p), atol=1e-5)
    # From the middle of a document, the text starts at the next word and keeps its positions.
    mid = Suggester(model)
    list(mid.index(doc[100:], 100, at_doc_start=False, piece=70))
    first = next(t for t in tokenize(doc) if t.start > 100)
    assert mid.cache.entries()[0][0] > first.start
    assert set(mid.cache.entries()) <= set(typed.cache.entries())
    assert len(mid.cache) == len([t for t in tokenize(doc) if t.start > first.start])


def test_the_cache_keeps_the_last_positions_of_a_long_document(model):
    s = Suggester(model)
    s.cache = type(s.cache)(model.info.hidden, CacheParams(size=50), model.ids)
    doc = POEM * 10
    assert len(doc) > WINDOW
    type_through(s, doc, 11)
    tokens = tokenize(doc)
    assert len(s.cache) == 50
    assert s.cache.entries() == [(t.start, t.norm) for t in tokens[-50:]]


def test_next_token_distribution_is_a_distribution(model):
    s = Suggester(model)
    text = POEM + "Zorblax "
    p = s.next_token_distribution(text)
    assert p.sum() == pytest.approx(1.0) and (p >= 0).all()
    assert len(s.cache) > 0
    # Without any cache it is the model's own distribution.
    off = Suggester(model, SuggestConfig(learn_document=False))
    assert np.allclose(off.next_token_distribution(text), off.model_distribution(
        [model.doc_id, *model.encode([t.norm for t in tokenize(text)])],
        off.tracker.logits))


def test_switched_off_the_cache_stays_empty(model):
    for config in (SuggestConfig(learn_document=False), SuggestConfig(neural_cache=False),
                   SuggestConfig(neural_weight=0.0)):
        s = Suggester(model, config)
        s.suggest(POEM)
        assert len(s.cache) == 0 and s.neural_weight == 0.0
    # Mid-document without knowing where the window starts, nothing is stored either.
    s = Suggester(model)
    s.suggest(POEM, at_doc_start=False)
    assert len(s.cache) == 0


def test_the_word_list_fills_what_the_cache_leaves_of_the_unknown_mass(model):
    # Issues 15 and 17 together: the neural cache mixes over the model's distribution first,
    # then the word list shares out the unknown-word mass that is left. Mixed the other way,
    # dictionary words could push the recalled name out of the strip, or keep the mass the
    # cache already took.
    from editor.core.lexicon import Lexicon, lexicon_path

    pt = Lexicon.load(lexicon_path("pt"))
    head = "Carlos Drummond de Andrade escreveu:\n"
    doc = head + POEM * 7 + "Foi Carlos Dru"
    on, off = Suggester(model), Suggester(model, SuggestConfig(neural_cache=False))
    on.set_lexicon(pt)
    off.set_lexicon(pt)
    r_on, r_off = type_through(on, doc, 7), type_through(off, doc, 7)
    assert r_on.words[0] == "Drummond"
    assert r_on.candidates[0].recall == doc.index("Drummond")
    listed_on = {c.norm: c.prob for c in r_on.candidates if c.source == "lexicon"}
    listed_off = {c.norm: c.prob for c in r_off.candidates if c.source == "lexicon"}
    both = listed_on.keys() & listed_off.keys()
    assert both  # the word list still fills the strip beside the recalled name
    lam = on.weight_of(on._hit)  # the cache holds pages of entries: the ramp is past
    assert lam == on.neural_weight and 0 < lam < 1
    for word in both:
        assert listed_on[word] == pytest.approx((1 - lam) * listed_off[word], rel=1e-9)


def test_the_service_applies_edits_in_order_and_reads_text_between_requests(model):
    # Guards the worker's bookkeeping: edits are never coalesced away (each moves positions),
    # and reading text in the background leaves requests answered.
    import threading

    from editor.core.service import Request, SuggestionService

    loaded, answered = threading.Event(), threading.Event()
    # Set once the worker is done with a request (the ghost text's second pass included).
    service = SuggestionService(lambda r: (r.final or r.extension) and answered.set(),
                                lambda s: loaded.set())
    try:
        service.load_model(bundled_model_path())
        assert loaded.wait(30)
        doc = "Carlos Drummond escreveu:\n" + POEM * 4
        service.index(doc, 0, True)
        cache = service._suggester.cache

        def wait_for(condition) -> None:
            for _ in range(600):
                if condition():
                    return
                threading.Event().wait(0.05)
            raise AssertionError("timed out")

        wait_for(lambda: service._indexing is None and not service._pending_index
                 and len(cache) == len(tokenize(doc)))
        assert cache.entries()[:2] == [(0, "carlos"), (7, "drummond")]
        # Three edits before any request: all of them apply, in order.
        service.note_edit(0, 0, 4)  # "Ah! " before "Carlos"
        service.note_edit(0, 1, 0)  # its "A" deleted
        service.note_edit(0, 0, 1)  # "X" typed there
        service.request(Request(1, doc[:40], True, window_start=0))
        assert answered.wait(30)
        assert (7 + 4, "drummond") in cache.entries()
        # Text waiting to be read that an edit has since changed is never read. (The worker is
        # idle: it only wakes for the edit, and then sees both.)
        before = cache.version
        service._pending_index.append(("xx zumbido zumbido zumbido", 100, False))
        service.note_edit(50, 0, 1)
        answered.clear()
        service.request(Request(2, doc[:40], True, window_start=0))
        assert answered.wait(30)
        assert not service._pending_index and service._indexing is None
        assert "zumbido" not in {w for _, w in cache.entries()}
        assert cache.version > before  # the edit itself did reach the cache
    finally:
        service.shutdown()
