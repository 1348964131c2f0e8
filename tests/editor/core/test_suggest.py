"""The Qt-free suggestion engine, driven without a window on the bundled poem model."""

import numpy as np
import pytest

from editor.core.context import CHUNK, WINDOW, ContextTracker, context_window
from editor.core.resources import poem_corpus_path
from editor.core.suggest import SuggestConfig, Suggester, split_ghost_word
from editor.core.tokenizer import DOC, NEWLINE, tokenize

POEM = poem_corpus_path().read_text(encoding="utf-8")




@pytest.fixture
def suggester(model):
    return Suggester(model)


def test_next_word_at_a_word_boundary(suggester):
    s = suggester.suggest("No meio do ")
    assert s.prefix == ""
    assert s.words[0] == "caminho"
    assert s.ghost_text.startswith("caminho")
    assert s.confidence > 0.8


def test_completion_of_the_word_being_typed(suggester):
    s = suggester.suggest("No meio do cam")
    assert s.prefix == "cam"
    assert s.words[0] == "caminho"
    assert s.ghost[0] == "inho"


def test_only_words_in_the_strip(suggester):
    # After "pedra" the model expects a line break or a full stop; the strip still offers words.
    s = suggester.suggest("No meio do caminho tinha uma pedra ")
    assert s.words and all(w.strip(".,\n") == w and w not in (DOC, "<unk>") for w in s.words)
    assert s.top_tokens[0][0] in (NEWLINE, ".")


def test_capitalisation_follows_the_user(suggester):
    assert suggester.suggest("NO MEIO DO ").words[0] == "CAMINHO"
    assert suggester.suggest("No meio do Cam").words[0] == "Caminho"
    # After a full stop the next word starts a sentence.
    s = suggester.suggest(POEM.split("Nunca")[0])
    assert s.words[0] == "Nunca"


def test_ghost_runs_to_the_end_of_the_line(model):
    s = Suggester(model, SuggestConfig(ghost_max_words=8)).suggest("No meio do ")
    assert s.ghost_text == "caminho tinha uma pedra\n"



def test_no_ghost_where_the_model_knows_too_little(suggester):
    # Issue 12: the poem model pushed "no meio do caminho" into any English sentence and
    # showed the poem's first line on an empty page. The strip still offers words.
    for text in ("", "I would like to go to the ", "the cat sat on no "):
        s = suggester.suggest(text)
        assert s.ghost == [], text
    assert suggester.suggest("I would like to go to the ").words
    # A word the writer has started is still completed, but the ghost does not run on.
    assert suggester.suggest("I would like to go to the c").ghost == ["aminho"]
    assert suggester.suggest("N").ghost == ["o"]
    # Enough of the last words known (here 2 of 3) and the ghost speaks again.
    assert suggester.suggest("I would like no meio ").ghost_text.startswith("do")
    assert suggester.suggest("No ").ghost_text.startswith("meio")


def test_split_ghost_word_moves_the_space_and_keeps_the_rest():
    assert split_ghost_word(["caminho", " tinha", " uma", "\n"]) == ("caminho", ["tinha", " uma", "\n"], True)
    assert split_ghost_word(["inho", ",", " tinha"]) == ("inho,", ["tinha"], True)
    assert split_ghost_word(["pedra", "\n"]) == ("pedra", ["\n"], False)
    assert split_ghost_word(["\n", "Nunca"]) == ("\n", ["Nunca"], False)
    assert split_ghost_word(["pedra"]) == ("pedra", [], False)
    assert split_ghost_word([]) == ("", [], False)


def test_long_memory_desse_then_que(suggester):
    # The same three words are followed by different words; only the earlier text tells which.
    first, second = POEM.split("Nunca me esquecerei ")[:2]
    assert suggester.suggest("Nunca me esquecerei ".join([first, ""])).words[0] == "desse"
    text = "Nunca me esquecerei ".join([first, second, ""])
    assert suggester.suggest(text).words[0] == "que"


def test_every_poem_word_is_offered_first(model):
    """At each word boundary of the poem the strip's best word is the poem's next word."""
    suggester = Suggester(model)
    tokens = tokenize(POEM)
    wrong = []
    for k in range(1, len(tokens)):
        if tokens[k].kind != "word":
            continue
        s = suggester.suggest(POEM[: tokens[k].start])
        if s.candidates[0].norm != tokens[k].norm:
            wrong.append((k, tokens[k].norm, s.words))
    assert not wrong


def test_document_words_become_completable(suggester):
    text = "Zorblax chegou. Depois Zorblax saiu. E "
    s = suggester.suggest(text + "Zor")
    assert s.words[0] == "Zorblax"
    assert s.candidates[0].source == "document"
    # Switched off, the unknown word is not offered.
    off = Suggester(suggester.model, SuggestConfig(learn_document=False)).suggest(text + "Zor")
    assert "Zorblax" not in off.words


def test_blocked_words_are_never_offered(suggester):
    suggester.blocked = {"caminho"}
    s = suggester.suggest("No meio do ")
    assert "caminho" not in [w.lower() for w in s.words]
    assert "caminho" not in s.ghost_text


def test_nothing_inside_a_word(suggester):
    s = suggester.suggest("No meio do ", text_after="caminho")
    assert not s.words and not s.ghost


def test_incremental_state_matches_a_fresh_run(model):
    tracker = ContextTracker(model)
    ids = model.encode([t.norm for t in tokenize(POEM)])
    ids = [model.doc_id, *ids]
    for n in range(1, len(ids) + 1):
        tracker.update(ids[:n])
        assert tracker.stats.computed <= 2  # one new token (plus the first call)
    full = model.run(ids, *model.zero_state())
    assert np.allclose(tracker.logits, full.logits[-1], atol=1e-5)
    assert np.allclose(tracker.h_seq.view(), full.h_seq, atol=1e-5)
    # Editing an earlier token re-runs only from there.
    edited = list(ids)
    edited[-10] = model.unk_id
    tracker.update(edited)
    assert tracker.stats.computed == 10 and tracker.stats.reused == len(ids) - 10
    again = model.run(edited, *model.zero_state())
    assert np.allclose(tracker.logits, again.logits[-1], atol=1e-5)


def test_moving_the_cursor_back_and_forth_reuses_stored_states(model):
    tracker = ContextTracker(model)
    ids = [model.doc_id, *model.encode([t.norm for t in tokenize(POEM)])]
    tracker.update(ids)
    tracker.update(ids[:20])  # cursor jumps back to the first lines
    assert tracker.stats.computed == 1
    assert np.allclose(tracker.logits, model.run(ids[:20], *model.zero_state()).logits[-1],
                       atol=1e-5)
    assert len(tracker.h_seq.view()) == 20
    tracker.update(ids)  # and forward again: nothing was lost
    assert tracker.stats.computed == 1
    assert np.allclose(tracker.logits, model.run(ids, *model.zero_state()).logits[-1], atol=1e-5)


def test_context_window_start_is_stable():
    assert context_window(10) == 0
    starts = {context_window(p) for p in range(WINDOW + 1, WINDOW + CHUNK)}
    assert len(starts) == 1  # one start for a whole chunk of typing
    for p in range(0, 20 * CHUNK, 97):
        s = context_window(p)
        assert p - s <= WINDOW and (p <= WINDOW or p - s > WINDOW - CHUNK)


def test_panel_arrays_come_from_the_same_run(suggester):
    s = suggester.suggest("No meio do ")
    n = len(s.context_tokens)
    assert s.context_tokens == [DOC, "No", "meio", "do"]
    assert s.gates.shape[:1] == (n,) and s.gates.shape[-2] == 4
    assert np.array_equal(s.h_seq, suggester.tracker.h_seq.view()[-n:])


def test_typing_on_ranks_as_reading_the_text_afresh(model):
    # A word boundary re-reads only the window's new tail and counts only its new words
    # (issue 18): typing on, deleting and retyping must rank exactly as a suggester that reads
    # each text for the first time. Capitals test the written forms kept for document words.
    config = SuggestConfig(neural_cache=False)
    typist = Suggester(model, config)
    text = "Zorblax chegou. Depois ZORBLAX saiu.\nE o zorblax voltou, e Zorblax "
    edits = [text[:n] for n in range(1, len(text) + 1)]
    edits += [text[:30], text[:30] + "Zor", text + "Zo"]  # back, then on again
    for before in edits:
        got = typist.suggest(before, extend=False)
        want = Suggester(model, config).suggest(before, extend=False)
        assert [(c.text, c.source) for c in got.candidates] == \
            [(c.text, c.source) for c in want.candidates], before
        assert got.ghost == want.ghost, before
