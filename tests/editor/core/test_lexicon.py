"""The word lists (editor/core/lexicon.py) and completion from them (editor/core/completion.py), Qt-free.

The issue's cases run against the bundled poem model and the bundled word lists, the way the
editor ranks: `Suggester.suggest` with the lexicon bound to the model.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.core.language import detect_language, model_language
from editor.core.lexicon import (
    TYPO_MIN_LETTERS,
    Lexicon,
    LexiconError,
    WordIndex,
    accent_match,
    choose_language,
    completes,
    fold,
    lexicon_path,
    system_language,
    typo_match,
    within_one_edit,
)
from editor.core.lm import LanguageModel
from editor.core.resources import bundled_model_path
from editor.core.suggest import Suggester


@pytest.fixture(scope="module")
def pt() -> Lexicon:
    return Lexicon.load(lexicon_path("pt"))


@pytest.fixture(scope="module")
def en() -> Lexicon:
    return Lexicon.load(lexicon_path("en"))


@pytest.fixture(scope="module")
def poem() -> LanguageModel:
    return LanguageModel.load(bundled_model_path())


@pytest.fixture
def suggester(poem: LanguageModel, pt: Lexicon) -> Suggester:
    s = Suggester(poem)
    s.set_lexicon(pt)
    return s


def words(s: Suggester, text: str) -> list[str]:
    return s.suggest(text).words


# -- folding and matching -------------------------------------------------------------------------


def test_fold_removes_accents_and_cedilla_one_letter_for_one():
    assert fold("atenção") == "atencao"
    assert fold("coração") == "coracao"
    assert fold("você") == "voce"
    assert fold("pôr") == "por"
    assert fold("naïve") == "naive"
    for word in ("atenção", "àquele", "ü", "a\u0301"):  # the last: a mark with no precomposed form
        assert len(fold(word)) == len(word)


def test_accent_blind_prefixes_and_a_typed_accent_narrows():
    assert accent_match("não", "nao")
    assert accent_match("atenção", "atencao")
    assert accent_match("atenção", "atenç")
    assert accent_match("é", "e")
    # An accent the writer typed must be in the word: "é" never starts "e" or "era".
    assert not accent_match("era", "é")
    assert not accent_match("atencioso", "atenç")
    assert not accent_match("não", "nã0")
    assert not accent_match("na", "nao")


def test_one_edit_covers_damerau_errors_and_no_more():
    assert within_one_edit("exemplp", "exemplo")  # substitution
    assert within_one_edit("exmplo", "exemplo")  # a letter missing
    assert within_one_edit("exeemplo", "exemplo")  # a letter too many
    assert within_one_edit("exmeplo", "exemplo")  # neighbours swapped
    assert not within_one_edit("exmepl", "exemplo")
    assert not within_one_edit("xemplpo", "exemplo")


def test_typo_matching_needs_four_letters():
    assert typo_match("exemplo", "exemplp")
    assert typo_match("obrigado", "obirgado")
    assert TYPO_MIN_LETTERS == 4
    # Three letters have too many neighbours: never typo-matched.
    assert not typo_match("banana", "bna")
    assert completes("Não", "nao") and completes("exemplo", "Exemplp")
    assert not completes("casa", "bola")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text("abcç", min_size=1, max_size=6), min_size=1, max_size=40),
       st.text("abc", min_size=4, max_size=6))
def test_index_typo_lookup_finds_exactly_the_words_one_edit_away(vocab, typed):
    # The sorted-array walk must agree with checking every word, whatever the list.
    index = WordIndex(sorted(set(vocab)))
    found = {index.words[i] for lo, hi in index.typo_ranges(typed) for i in range(lo, hi)}
    lo, hi = index.range(fold(typed))
    exact = set(index.words[lo:hi])
    expected = {w for w in index.words if typo_match(w, typed)} - exact
    assert found - exact == expected


# -- the bundled files --------------------------------------------------------------------------


def test_bundled_lists_are_small_and_keep_real_words_only(pt: Lexicon, en: Lexicon):
    for path in (lexicon_path("pt"), lexicon_path("en")):
        assert path.stat().st_size < 3_000_000  # .deb and repository size limits
    assert 100_000 <= len(pt) <= 300_000 and 100_000 <= len(en) <= 300_000
    assert abs(pt.freq.sum() - 1) < 1e-9
    pt_words = set(pt.words)
    assert {"não", "você", "atenção", "coração", "exemplo", "banana", "pôr", "pôde"} <= pt_words
    # Accent-less misspellings next to a far more frequent accented spelling are dropped,
    # and so are numbers and initials.
    assert not {"nao", "voce", "atencao", "nâo", "100", "b"} & pt_words
    assert "beautiful" in set(en.words)
    assert en.surface.get("i") == "I" and en.surface.get("i'm") == "I'm"


def test_lexicon_lookup_is_sorted_by_folded_key(pt: Lexicon):
    keys = pt.index.keys
    assert all(a <= b for a, b in zip(keys[:5000], keys[1:5001], strict=True))
    lo, hi = pt.index.range("coracao")
    assert "coração" in pt.words[lo:hi]


@pytest.mark.parametrize("content, why", [
    (b"not gzip at all", "damaged"),
    (gzip.compress(b"\xff\xfe broken utf-8")[:-8], "damaged"),  # truncated
    (gzip.compress("palavra\t500\noutra sem frequência\n".encode()), "damaged"),
    (gzip.compress(b"# only a comment\n"), "no words"),
])
def test_a_damaged_list_raises_a_plain_error(tmp_path: Path, content: bytes, why: str):
    path = tmp_path / "pt.tsv.gz"
    path.write_bytes(content)
    with pytest.raises(LexiconError, match=why):
        Lexicon.load(path)


def test_a_missing_list_says_so(tmp_path: Path):
    with pytest.raises(LexiconError, match="missing"):
        Lexicon.load(tmp_path / "pt.tsv.gz")


# -- choosing the language ---------------------------------------------------------------------


def test_language_detection_from_text_and_vocabulary(poem: LanguageModel, format1_poem: Path):
    assert detect_language("o que eu não sei é de onde vem".split()) == "pt"
    assert detect_language({"the": 40, "of": 20, "and": 15, "de": 1}) == "en"
    assert detect_language(["a", "no", "do"]) is None  # shared by both: says nothing
    # A file without the `language` key (the poem model as bundled until issue 18): its
    # vocabulary says Portuguese. The bundled one now says so itself.
    old = LanguageModel.load(format1_poem)
    assert old.info.language is None
    assert model_language(old.info.language, old.info.vocab) == "pt"
    assert poem.info.language == "pt"
    assert model_language("en", poem.info.vocab) == "en"  # what the file says wins


def test_choice_order_document_preferences_model_locale():
    pick = choose_language
    assert pick(document=None, preference="auto", model="pt", locale="en").language == "pt"
    assert pick(document=None, preference="auto", model=None, locale="en").language == "en"
    assert pick(document=None, preference="en", model="pt", locale="pt").language == "en"
    assert pick(document="pt", preference="en", model="en", locale="en").language == "pt"
    assert pick(document="off", preference="en", model="en", locale="en").language is None
    assert pick(document=None, preference="off", model="pt", locale="pt").language is None
    # A model in a language with no list gets none, not the system's language.
    assert pick(document=None, preference="auto", model="de", locale="pt").language is None
    assert pick(document=None, preference="auto", model=None, locale=None).reason == "none"


def test_system_language_from_the_locale_variables():
    assert system_language({"LANG": "pt_BR.UTF-8"}) == "pt"
    assert system_language({"LC_ALL": "en_US.UTF-8", "LANG": "pt_BR.UTF-8"}) == "en"
    assert system_language({"LANG": "C.UTF-8"}) is None
    assert system_language({}) is None


# -- completion with the poem model (the cases) ---------------------------------------------


def test_ban_offers_three_portuguese_words(suggester: Suggester, poem: LanguageModel):
    # Without the lexicon the poem model has nothing for "ban": the strip was empty.
    assert words(Suggester(poem), "Eu gosto de comer ban") == []
    got = words(suggester, "Eu gosto de comer ban")
    assert len(got) == 3 and all(w.startswith("ban") for w in got)
    assert "banana" in words(suggester, "Eu gosto de comer bana")


def test_accent_blind_completion_writes_the_accented_word(suggester: Suggester):
    assert words(suggester, "nao")[0] == "Não"  # a sentence start: capitalised
    assert "atenção" in words(suggester, "Obrigado pela sua atencao")
    assert "coração" in words(suggester, "Meu coracao")
    assert "você" in words(suggester, "E voce")
    assert words(suggester, "NAO")[0] == "NÃO"


def test_a_typed_accent_narrows(suggester: Suggester):
    got = words(suggester, "Eu é")
    assert got and all(w.lower().startswith("é") for w in got)
    # Without the accent, accented words match as well: "ate" offers "até".
    assert "até" in words(suggester, "Eu ate")


def test_model_and_document_words_match_accent_blind_too(poem: LanguageModel):
    alone = Suggester(poem)  # no lexicon: the model's vocabulary and the document only
    assert "tão" in alone.suggest("minhas retinas tao").words  # "tão" is a poem word
    doc = "A ação foi boa. Outra aca"
    cands = alone.suggest(doc).candidates
    assert [c.text for c in cands] == ["ação"] and cands[0].source == "document"


def test_typo_tolerance_below_exact_matches(suggester: Suggester):
    sug = suggester.suggest("exemplp")
    assert sug.candidates and sug.candidates[0].text == "Exemplo" and sug.candidates[0].typo
    assert sug.ghost == []  # a typo is never completed by ghost text
    exact_then_typos = suggester.suggest("Obrigado pela sua atencao").candidates
    assert exact_then_typos[0].text == "atenção" and not exact_then_typos[0].typo
    assert all(c.typo for c in exact_then_typos[1:])
    # Three letters: no typo tolerance ("bna" is not taken for "banana").
    assert all(not c.typo for c in suggester.suggest("Eu bna").candidates)


def test_never_suggest_holds_for_lexicon_words(suggester: Suggester):
    suggester.blocked = {"banco", "não", "exemplo"}
    got = words(suggester, "Eu gosto de comer ban")
    assert len(got) == 3 and "banco" not in got
    assert "Não" not in words(suggester, "nao")
    assert "Exemplo" not in words(suggester, "exemplp")  # the typo path too
    assert "banco" not in [w.lower() for w in words(suggester, "Eu gosto de ")]


def test_a_word_the_model_ranks_well_keeps_its_place(poem: LanguageModel, suggester: Suggester):
    alone = Suggester(poem)
    for text in ("No meio do cam", "tinha uma ped", "Nunca me esq", "No meio do ", "No m"):
        before = alone.suggest(text).candidates
        after = suggester.suggest(text).candidates
        assert after[0].norm == before[0].norm, text
    # Lexicon words only split the model's unknown-word mass.
    sug = suggester.suggest("Eu gosto de comer ban")
    logits = suggester.tracker.update(suggester.tracker.ids)
    p_unk = float(suggester.model_distribution(suggester.tracker.ids, logits)[poem.unk_id])
    assert sum(c.prob for c in sug.candidates) <= p_unk + 1e-12


def test_ghost_completes_a_lexicon_word_typed_with_its_accents(suggester: Suggester):
    sug = suggester.suggest("Muito obrigad")
    assert sug.candidates[0].text == "obrigado"
    assert sug.ghost == ["o"]  # the rest of the word, then it stops (the model lacks the word)


def test_english_list_completes_beautif(poem: LanguageModel, en: Lexicon):
    s = Suggester(poem)
    s.set_lexicon(en)
    assert s.suggest("It is so beautif").words[0] == "beautiful"
    assert s.suggest("i'").words[0] == "I'm"  # the list's written form


def test_a_list_bound_to_another_model_is_rebound(pt: Lexicon, poem: LanguageModel):
    other = Suggester(poem)
    bound = pt.bind({"banco": 5})  # as if for a model that knew "banco"
    other.set_lexicon(bound)
    assert other.lexicon is not bound and other.lexicon.vocab_ids is poem.ids
    assert np.isclose(other.lexicon.total, 1.0 - sum(
        pt.freq[i] for i, w in enumerate(pt.words) if w in poem.ids))


def test_unknown_words_share_by_frequency():
    lex = Lexicon.from_words("pt", {"casa": 3.0, "casaco": 1.0, "cão": 4.0, "de": 2.0})
    bound = lex.bind({"de": 7})  # a model that knows "de"
    lo, hi = lex.index.range("ca")
    # "cão" folds to "cao": it is in the "ca" range, and the most frequent there.
    assert [lex.words[i] for i in bound.best(lo, hi, 3, lambda i: True)] == ["cão", "casa",
                                                                             "casaco"]
    assert bound.mass(lo, hi) == pytest.approx(1.0)  # "de" is the model's: not shared
    assert bound.mass(*lex.index.range("cas")) == pytest.approx(0.5)
    assert [lex.words[i] for i in bound.best_anywhere(2, lambda i: True)] == ["cão", "casa"]


def test_the_context_picks_among_unknown_words_by_their_ending():
    # The model knows "falar" and "falou" and has just put 90% on the infinitive: of two
    # equally frequent words it lacks, the one ending like an infinitive comes first, and the
    # other way round when the context wants the past. The unknown-word mass stays whole.
    lex = Lexicon.from_words("pt", {"cantar": 1.0, "cantou": 1.0, "falar": 1.0, "falou": 1.0})
    bound = lex.bind({"falar": 0, "falou": 1}, unigram=np.array([0.5, 0.5]))
    lo, hi = lex.index.range("cant")

    def ranked(p: list[float]) -> list[str]:
        weights = bound.context(np.array(p), strength=1.0, smoothing=1.0)
        assert weights is not None
        assert float(bound.unknown_freq @ weights[bound.word_class]) == pytest.approx(bound.total)
        return [lex.words[i] for i in bound.best(lo, hi, 2, lambda i: True, weights)]

    assert ranked([0.9, 0.1]) == ["cantar", "cantou"]
    assert ranked([0.1, 0.9]) == ["cantou", "cantar"]
    assert bound.context(np.array([0.9, 0.1]), strength=0.0, smoothing=1.0) is None
    # Without the n-gram's unigram the list's own frequencies of the model's words are the
    # baseline: here the same, so the same order.
    plain = lex.bind({"falar": 0, "falou": 1})
    assert np.allclose(plain.class_prior, bound.class_prior)
