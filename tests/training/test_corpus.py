"""Corpus reading, vocabulary and streams (no torch needed)."""

import pytest

from editor.core.tokenizer import DOC, NEWLINE, UNK, tokenize
from training.data import (
    IGNORE,
    MAX_LINE_CHARS,
    Document,
    Vocabulary,
    document_ids,
    full_stream,
    load_documents,
    read_text,
    split_corpus,
    surface_forms,
)
from training.errors import CorpusError


def doc(text: str, name: str = "d.txt") -> Document:
    return Document(name, tokenize(text))


def test_missing_file(tmp_path):
    with pytest.raises(CorpusError, match="not found.*nope.txt"):
        read_text(tmp_path / "nope.txt")


def test_directory(tmp_path):
    with pytest.raises(CorpusError, match="directory"):
        read_text(tmp_path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(CorpusError, match=r"empty.txt is empty"):
        read_text(path)


def test_whitespace_only(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text(" \n\n\t\n")
    with pytest.raises(CorpusError, match="no text"):
        load_documents([path])


def test_nul_byte_offset(tmp_path):
    path = tmp_path / "bin.dat"
    path.write_bytes(b"abc def\x00\x01\x02")
    with pytest.raises(CorpusError, match=r"bin.dat .*binary.*offset 7"):
        read_text(path)


def test_undecodable_offset(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"no meio do caminho tinha uma pedra " + "não".encode("latin-1"))
    with pytest.raises(CorpusError, match=r"latin1.txt is not UTF-8.*0xe3 at offset 36"):
        read_text(path)


def test_bom_is_dropped(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffNo meio".encode())
    assert read_text(path) == "No meio"


def test_too_small(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("tinha uma pedra")
    with pytest.raises(CorpusError, match="too small: 3 tokens"):
        load_documents([path])


def test_document_separator(tmp_path):
    path = tmp_path / "fortunes.txt"
    path.write_text("um dois três quatro\n%\ncinco seis sete oito\n%\n")
    docs = load_documents([path], separator="%", min_tokens=1)
    assert [d.name for d in docs] == ["fortunes.txt#1", "fortunes.txt#2"]
    assert docs[1].norms == ["cinco", "seis", "sete", "oito", NEWLINE]


def test_vocab_order_and_specials():
    vocab = Vocabulary.build([doc("b a b c a b .\n")])
    # frequency descending, then alphabetical among equals
    assert vocab.tokens == [UNK, DOC, "b", "a", "\n", ".", "c"]  # code point order: "\n" < "."
    assert vocab.counts[:2] == [0, 0]
    assert vocab.surface[:2] == [UNK, DOC]
    assert vocab.encode(["a", "zzz"]) == [3, 0]


def test_vocab_is_deterministic_whatever_the_document_order():
    docs = [doc("Pedra no caminho. O caminho", "a"), doc("uma pedra, outra Pedra; o fim", "b")]
    first = Vocabulary.build(docs)
    again = Vocabulary.build(list(reversed(docs)))
    assert first == again
    assert Vocabulary.build(docs) == first


def test_min_count_and_max_vocab():
    docs = [doc("a a a b b c")]
    assert Vocabulary.build(docs, min_count=2).tokens == [UNK, DOC, "a", "b"]
    assert Vocabulary.build(docs, max_vocab=3).tokens == [UNK, DOC, "a"]


def test_surface_forms_follow_the_text_not_sentence_starts():
    forms = surface_forms([doc("Nunca vi o Brasil. O Brasil é grande. A EUA. Brasil e o mar.")])
    assert forms["brasil"] == "Brasil"  # a proper noun keeps its capital
    assert forms["o"] == "o"  # "O" only at a sentence start does not make it capitalised
    assert forms["nunca"] == "nunca"  # seen only at a sentence start: the capital is the start's
    assert forms["a"] == "a"
    assert forms["eua"] == "EUA"  # more than a first capital: the word's own form


def test_poem_vocab(poem_path):
    docs = load_documents([poem_path])
    vocab = Vocabulary.build(docs)
    assert vocab.tokens[:3] == [UNK, DOC, NEWLINE]
    assert "tão" in vocab and "nunca" in vocab
    assert vocab.surface[vocab.ids["no"]] == "no"
    assert vocab.surface[vocab.ids["nunca"]] == "nunca"


def test_stream_starts_and_ends_with_doc():
    vocab = Vocabulary.build([doc("a b c"), doc("c d")])
    stream = full_stream(document_ids([doc("a b c"), doc("c d")], vocab))
    ids = vocab.ids
    assert stream.inputs == [1, ids["a"], ids["b"], ids["c"], 1, ids["c"], ids["d"]]
    assert stream.targets == stream.inputs[1:] + [1]  # the last token predicts <doc>


def test_split_tails_scores_each_target_once():
    docs = [[1] + list(range(2, 22)), [1] + list(range(30, 40))]
    split = split_corpus(docs, 0.2)
    assert split.how == "tails"
    assert split.val is not None
    whole = full_stream(docs)
    val_targets = [t for t in split.val.targets if t != IGNORE]
    assert split.train.scored + len(val_targets) == whole.scored
    assert val_targets == [19, 20, 21, 1, 39, 1]  # round(21 * 0.2) and round(11 * 0.2)
    # the validation run reads each document from its <doc>
    assert split.val.inputs == docs[0] + docs[1]


def test_split_by_documents():
    docs = [[1, k + 2] for k in range(40)]
    split = split_corpus(docs, 0.1)
    assert split.how == "documents"
    assert split.val is not None and split.val.scored == 4 * 2
    assert split.train.scored == 36 * 2


def test_no_split():
    split = split_corpus([[1, 2, 3]], 0.0)
    assert split.val is None and split.train.targets == [2, 3, 1]


def test_huge_single_line(tmp_path):
    path = tmp_path / "minified.txt"
    path.write_bytes(b"ok\n" + b"x" * MAX_LINE_CHARS + b"\n")
    assert read_text(path).startswith("ok\n")  # as long as a line may be
    path.write_bytes(b"ok\n" + b"x" * (MAX_LINE_CHARS + 1))
    with pytest.raises(CorpusError, match="minified.txt: line 2 is 1,000,001 characters long"):
        read_text(path)
    # Old Mac line breaks are line breaks.
    path.write_bytes(b"pedra\r" * (MAX_LINE_CHARS // 3))
    assert read_text(path).startswith("pedra\r")
