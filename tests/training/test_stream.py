"""The streamed corpus (training/stream.py) gives exactly what the in-memory path gives.

Big files are read in pieces; the tests shrink the piece and spill sizes so that a few
kilobytes go through the same code as gigabytes do.
"""

from pathlib import Path

import numpy as np
import pytest

import training.stream as stream
from training.data import (
    IGNORE,
    Vocabulary,
    document_ids,
    full_stream,
    load_documents,
    split_corpus,
)
from training.errors import CorpusError

TEXT = (
    "No meio do caminho tinha uma pedra\r\n"
    "tinha uma pedra no meio do caminho.\r\n"
    "%\n"
    "\n"
    "   \n"
    "%\n"
    "Nunca me esquecerei desse acontecimento\n"
    "na vida de minhas retinas tão fatigadas...\n"
    "%\n"
    "“Ação” — disse ele. O Brasil é grande; o Brasil, enorme! EUA? Não.\n"
    "d'água, guarda-chuva, 3,14 e 10:30.\n"
)


@pytest.fixture
def big_path(monkeypatch):
    """Every file counts as big, read 7 bytes at a time, ids spilled to disk after 16 and
    copied 3 at a time."""
    monkeypatch.setattr(stream, "SMALL_FILE", 0)
    monkeypatch.setattr(stream, "PIECE_BYTES", 7)
    monkeypatch.setattr(stream, "SPILL_TOKENS", 16)
    monkeypatch.setattr(stream, "WINDOW", 3)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def same_as_in_memory(paths, separator):
    store = stream.read_corpus(paths, separator=separator)
    docs = load_documents(paths, separator=separator)
    assert store.tokens == sum(len(d.tokens) for d in docs)
    for min_count, max_vocab in ((1, 0), (2, 0), (1, 12)):
        got = store.vocabulary(min_count=min_count, max_vocab=max_vocab)
        want = Vocabulary.build(docs, min_count=min_count, max_vocab=max_vocab)
        assert (got.tokens, got.surface, got.counts) == (want.tokens, want.surface, want.counts)
        assert store.document_ids(want) == document_ids(docs, want)
    vocab = Vocabulary.build(docs)
    learnt = Vocabulary(vocab.tokens[:9], vocab.surface[:9], vocab.counts[:9])
    for fraction in (0.0, 0.2):
        for min_documents in (2, 100):  # held-out documents, held-out tails
            got = stream.split_store(store, learnt, fraction, min_documents=min_documents)
            want = split_corpus(document_ids(docs, learnt), fraction, min_documents=min_documents)
            assert got.how == want.how
            for a, b in ((got.train, want.train), (got.val, want.val)):
                assert (a is None) == (b is None)
                if b is not None:
                    assert np.asarray(a.inputs).tolist() == b.inputs
                    assert np.asarray(a.targets).tolist() == b.targets
                    assert a.scored == b.scored
    return store


@pytest.mark.parametrize("separator", [None, "%"])
def test_small_files_match_load_documents(tmp_path, separator):
    paths = [write(tmp_path, "a.txt", TEXT), write(tmp_path, "b.txt", "\ufeffOutro texto.\n")]
    same_as_in_memory(paths, separator)


@pytest.mark.parametrize("separator", [None, "%"])
def test_big_files_read_in_pieces_match_load_documents(tmp_path, big_path, separator):
    # Pieces of 7 bytes cut words, "\r\n" pairs and multi-byte characters ("ã", "—", "“"):
    # none of that may change a token, a count, a surface form or a split.
    paths = [write(tmp_path, "a.txt", "\ufeff" + TEXT), write(tmp_path, "b.txt", TEXT * 3)]
    store = same_as_in_memory(paths, separator)
    assert store.workdir is not None and isinstance(store.ids, np.memmap)  # spilled to disk
    store.close()
    assert not store.workdir


def test_old_mac_line_breaks_in_a_big_file(tmp_path, big_path):
    same_as_in_memory([write(tmp_path, "mac.txt", "pedra no\rmeio do\rcaminho\r" * 5)], None)


@pytest.mark.parametrize(("data", "message"), [
    (b"abc def\x00\x01", r"big.txt looks like a binary file.*NUL byte at offset 7"),
    ("caminho não".encode("latin-1"), r"big.txt is not UTF-8 text: byte 0xe3 at offset 9"),
    ("ação ".encode() + b"\xff", r"byte 0xff at offset 7"),
    (b" \n\n\t\n", r"big.txt holds no text \(only whitespace\)"),
])
def test_big_file_errors_name_the_problem(tmp_path, big_path, data, message):
    # The same plain messages as read_text gives for a file read whole, offsets included.
    with pytest.raises(CorpusError, match=message):
        stream.read_corpus([write(tmp_path, "big.txt", data)])


def test_a_bad_file_late_in_a_big_corpus_leaves_no_temporary_files(tmp_path, big_path,
                                                                   monkeypatch):
    made = []
    real = stream.tempfile.mkdtemp
    monkeypatch.setattr(stream.tempfile, "mkdtemp", lambda **kw: made.append(real(**kw)) or made[-1])
    good = write(tmp_path, "good.txt", TEXT * 3)  # spills its ids to a temporary folder
    bad = write(tmp_path, "bad.txt", b"texto \xff")
    with pytest.raises(CorpusError, match="bad.txt is not UTF-8"):
        stream.read_corpus([good, bad])
    assert made and not any(Path(d).exists() for d in made)


def test_big_file_line_too_long(tmp_path, big_path, monkeypatch):
    monkeypatch.setattr(stream, "MAX_LINE_CHARS", 20)
    path = write(tmp_path, "big.txt", "curta\n" + "x" * 21 + "\n")
    with pytest.raises(CorpusError, match="big.txt: line 2 is more than 20 characters long"):
        stream.read_corpus([path])


def test_too_small_corpus(tmp_path):
    with pytest.raises(CorpusError, match="corpus too small: 3 tokens"):
        stream.read_corpus([write(tmp_path, "t.txt", "uma pedra.")])


def test_store_from_documents_matches_read_corpus(tmp_path):
    path = write(tmp_path, "a.txt", TEXT)
    read = stream.read_corpus([path], separator="%")
    made = stream.store_from_documents(load_documents([path], separator="%"), ["a.txt"])
    assert read.forms == made.forms and read.surface_counts == made.surface_counts
    assert np.array_equal(read.ids, made.ids) and np.array_equal(read.doc_starts, made.doc_starts)


@pytest.mark.parametrize("big", [False, True])
def test_token_matrix_reads_what_batchify_used_to_hold(tmp_path, monkeypatch, big):
    torch = pytest.importorskip("torch")
    if big:
        monkeypatch.setattr(stream, "SMALL_FILE", 0)
        monkeypatch.setattr(stream, "SPILL_TOKENS", 16)
    store = stream.read_corpus([write(tmp_path, "a.txt", TEXT * 4)], separator="%")
    vocab = store.vocabulary()
    split = stream.split_store(store, vocab, 0.0)
    inputs = stream.matrix(np.asarray(split.train.inputs), 3)
    ids = full_stream(store.document_ids(vocab)).inputs
    n = len(ids) // 3
    whole = torch.tensor(ids[: 3 * n]).view(3, n)  # what batchify made before
    assert inputs.shape == (3, n)
    for t in range(0, n, 5):
        assert torch.equal(inputs[:, t : t + 5], whole[:, t : t + 5])
    assert torch.equal(inputs[1:][:, 2:9], whole[1:, 2:9])  # a process's share of the rows
    assert inputs[:, 0:4].dtype == torch.long


def test_tails_split_marks_context_as_ignored(tmp_path):
    store = stream.read_corpus([write(tmp_path, "a.txt", TEXT)])
    split = stream.split_store(store, store.vocabulary(), 0.2)
    assert split.how == "tails"
    assert split.val is not None and IGNORE in np.asarray(split.val.targets)
