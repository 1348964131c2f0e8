import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from editor.core.resources import poem_corpus_path
from editor.core.tokenizer import (
    NEWLINE,
    detokenize,
    extend_tokens,
    is_sentence_start,
    is_word_norm,
    match_case,
    norms,
    split_partial,
    tokenize,
)

SENTENCES = [
    "No meio do caminho tinha uma pedra.",
    "Vou atirá-lo pela janela, disse ele; depois, calou-se.",
    "Ele pediu um copo d'água às 10:30 e pagou 3,50 reais.",
    'Ela disse: "Não volto mais!" E foi embora...',
    "O guarda-chuva (aquele velho) ficou no Rio — ou em São Paulo?",
    "«Quem sou eu?», perguntou-se Macabéa.",
    "Em 1928, a Revista de Antropofagia publicou o poema.",
]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_round_trip_real_sentences(sentence):
    assert detokenize([t.text for t in tokenize(sentence)]) == sentence


def test_poem_round_trips_with_line_breaks():
    poem = poem_corpus_path().read_text(encoding="utf-8")
    tokens = tokenize(poem)
    assert detokenize([t.text for t in tokens]) == poem
    assert sum(t.norm == NEWLINE for t in tokens) == poem.count("\n")


def test_nfc_and_nfd_give_the_same_tokens():
    text = "A ação e a emoção não são iguais"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert norms(nfd) == norms(text)
    # The surface stays exactly what was typed, so spans map back into the document.
    toks = tokenize(nfd)
    assert all(nfd[t.start:t.end] == t.text for t in toks)
    assert [t.norm for t in toks][1] == "ação"


def test_clitics_hyphens_apostrophes_numbers_and_punctuation():
    assert norms("Vou atirá-lo d’água, 3,14!") == ["vou", "atirá-lo", "d'água", ",", "3,14", "!"]
    assert norms("fim...") == ["fim", "..."]
    assert norms("A\r\nB\nC") == ["a", NEWLINE, "b", NEWLINE, "c"]


def test_case_is_folded_but_surface_kept():
    toks = tokenize("NUNCA Me")
    assert [t.norm for t in toks] == ["nunca", "me"]
    assert [t.text for t in toks] == ["NUNCA", "Me"]


def test_split_partial():
    assert split_partial("No meio do cam") == ("No meio do ", "cam")
    assert split_partial("No meio do ") == ("No meio do ", "")
    assert split_partial("pedra.") == ("pedra.", "")
    assert split_partial("") == ("", "")


def test_match_case_follows_the_user():
    assert match_case("caminho", sentence_start=True) == "Caminho"
    assert match_case("caminho", sentence_start=False, typed_prefix="CAM") == "CAMINHO"
    assert match_case("caminho", sentence_start=False, typed_prefix="Ca") == "Caminho"
    assert match_case("Brasil", sentence_start=False, typed_prefix="bra") == "Brasil"
    assert match_case("pedra", sentence_start=False, shouting=True) == "PEDRA"


def test_sentence_start():
    assert is_sentence_start([])
    assert is_sentence_start(["pedra", ".", NEWLINE, NEWLINE])
    assert not is_sentence_start(["tinha", "uma", "pedra", NEWLINE])


def test_word_norms():
    assert is_word_norm("caminho") and is_word_norm("1928")
    assert not any(is_word_norm(x) for x in (".", NEWLINE, "<unk>", "<doc>", "—"))


@given(st.text(max_size=200))
def test_spans_cover_every_non_space_character(text):
    toks = tokenize(text)
    covered = set()
    for t in toks:
        assert text[t.start:t.end] == t.text
        covered.update(range(t.start, t.end))
    for i, ch in enumerate(text):
        if not ch.isspace():
            assert i in covered, (text, i)


# Pieces that meet at a cut in every way that matters: spaces and tabs, \r then \n, joiners,
# numbers with separators, accents arriving as combining marks, ellipses and dashes.
_PIECES = st.lists(st.sampled_from(["a", "ção", " ", "\t", "\r", "\n", "-", "'", ".", ",",
                                    "1", "2", "e\u0301", "—", "…", "..", "guarda", "d'", "é"]),
                   max_size=25).map("".join)


@given(_PIECES, _PIECES)
def test_extending_the_tokens_of_a_text_typed_on_gives_its_tokens(before, typed):
    # The suggester re-reads only the tail of the window at a word boundary (issue 18): any
    # text typed after any text must come out as if the whole were read again.
    text = before + typed
    old = tokenize(before)
    assert extend_tokens(before, old, text) == tokenize(text)
    assert old == tokenize(before)  # the caller's list is left alone


def test_extending_text_that_does_not_start_the_same_reads_it_whole():
    assert extend_tokens("tinha uma", tokenize("tinha uma"), "havia uma pedra") == \
        tokenize("havia uma pedra")
