"""The corpus a run trains on: its documents as token ids, the vocabulary the network learns
(a prefix of the one the model file gets, with `rare_below`) and the train/validation split.

The corpus is read as a stream of token ids (training/stream.py): memory grows with the number
of distinct words, not with the length of the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from training.config import TrainConfig
from training.data import Document, Split, Vocabulary
from training.errors import CheckpointError
from training.stream import TokenStore, read_corpus, split_store, store_from_documents


@dataclass
class Corpus:
    """Tokenized documents (as token ids: training/stream.py), their vocabulary and the
    train/validation streams."""

    names: list[str]  # corpus file names, for the model's metadata
    store: TokenStore
    vocab: Vocabulary  # what the network learns (rare words as <unk> with `rare_below`)
    split: Split
    full_vocab: Vocabulary | None = None  # what the exported model knows; None: `vocab`

    @property
    def tokens(self) -> int:
        return self.store.tokens

    @property
    def export_vocab(self) -> Vocabulary:
        return self.full_vocab or self.vocab


def learning_vocabulary(full: Vocabulary, rare_below: int) -> Vocabulary:
    """The entries seen at least `rare_below` times: a prefix of `full`, whose entries are
    sorted by falling count, so every id means the same in both."""
    k = 2 + sum(1 for c in full.counts[2:] if c >= rare_below)
    return Vocabulary(full.tokens[:k], full.surface[:k], full.counts[:k])


def load_corpus(paths: Sequence[str | Path], config: TrainConfig,
                vocab: Vocabulary | None = None,
                documents: list[Document] | TokenStore | None = None) -> Corpus:
    """Read (unless given), tokenize, build (or reuse, when resuming) the vocabulary and split.

    The corpus is read as a stream of token ids (training/stream.py): memory grows with the
    number of distinct words, not with the length of the text.
    """
    names = [Path(p).name for p in paths]
    if documents is None:
        store = read_corpus(paths, separator=config.doc_separator)
    elif isinstance(documents, TokenStore):
        store = documents
    else:
        store = store_from_documents(documents, names)
    full = store.vocabulary(min_count=config.min_count, max_vocab=config.max_vocab)
    if vocab is None:
        vocab = learning_vocabulary(full, config.rare_below)
    elif full.tokens[: len(vocab)] != vocab.tokens:
        raise CheckpointError("the checkpoint's vocabulary does not fit this corpus: resume "
                              "with the same corpus files", code="checkpoint.other_vocabulary")
    split = split_store(store, vocab, config.effective_val_fraction(store.tokens))
    return Corpus(names, store, vocab, split, full if len(full) > len(vocab) else None)
