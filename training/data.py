"""Corpus files -> documents -> vocabulary -> id streams for truncated BPTT.

A document is `[<doc>] + tokens`, and the corpus stream ends with one more `<doc>`, so the model
learns to predict the end of a document after its last token (that is how `recite` knows to stop)
and, in the editor, starts every document from `<doc>` with a zero state.
"""

from __future__ import annotations

import stat
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from editor.core.tokenizer import DOC, NEWLINE, SPECIALS, UNK, Token, is_sentence_start, tokenize
from editor.core.trainer import TRAINER_MIN_TOKENS
from training.errors import CorpusError

# Fewer than this is not something a language model can learn from (the editor's value).
MIN_TOKENS = TRAINER_MIN_TOKENS
MAX_LINE_CHARS = 1_000_000  # a whole novel is about this; one paragraph never is
IGNORE = -100  # target id that counts for nothing (F.cross_entropy's ignore_index)


@dataclass(frozen=True)
class Document:
    name: str  # file name (plus a document number when a file holds several)
    tokens: list[Token]

    @property
    def norms(self) -> list[str]:
        return [t.norm for t in self.tokens]


def read_text(path: str | Path) -> str:
    """A corpus file's text, or a CorpusError that names the file and the offending byte."""
    path = Path(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise CorpusError(f"{path} is a directory; give the text files inside it",
                              code="corpus.is_folder", path=path)
        if not stat.S_ISREG(info.st_mode):
            # Checked before opening, as the editor does (editor/core/fileio.py): opening a FIFO
            # waits for a writer for ever, and /dev/zero never ends.
            raise CorpusError(f"{path} is not a regular file (a pipe, device or socket); "
                              "give a text file", code="corpus.not_regular", path=path)
        data = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(f"corpus file not found: {path}", code="corpus.not_found",
                          path=path) from None
    except IsADirectoryError:
        raise CorpusError(f"{path} is a directory; give the text files inside it",
                          code="corpus.is_folder", path=path) from None
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc.strerror or exc}", code="corpus.unreadable",
                          path=path, reason=exc.strerror or exc) from None
    if not data:
        raise CorpusError(f"{path} is empty (0 bytes)", code="corpus.empty", path=path)
    nul = data.find(b"\0")
    if nul >= 0:
        # Text never holds NUL; UTF-16 files and binaries do. Say so before decoding fails.
        raise CorpusError(
            f"{path} looks like a binary file, not text: NUL byte at offset {nul}"
            " (UTF-16 text must be converted to UTF-8 first)",
            code="corpus.binary", path=path, offset=nul)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path} is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            "cannot be decoded (convert it, e.g. `iconv -f latin1 -t utf-8`)",
            code="corpus.not_utf8", path=path, byte=f"0x{data[exc.start]:02x}", offset=exc.start,
        ) from None
    lengths = [len(line) for line in text.splitlines()]  # any line break, \r included
    longest = max(lengths, default=0)
    if longest > MAX_LINE_CHARS:
        # Prose has line breaks at least every paragraph; a line this long is a minified,
        # exported or binary-like file, which would take long to learn and teach nothing.
        raise CorpusError(
            f"{path}: line {lengths.index(longest) + 1} is {longest:,} characters long, more "
            f"than the {MAX_LINE_CHARS:,} a corpus line may have; is this really prose? "
            "Break it into paragraphs (one per line) first",
            code="corpus.line_too_long", path=path, line=lengths.index(longest) + 1,
            length=longest, limit=MAX_LINE_CHARS)
    return text.removeprefix("\ufeff")  # a BOM is an encoding mark, not text


def split_documents(text: str, separator: str | None) -> list[str]:
    """Split a file into documents at lines that hold exactly `separator` (e.g. "%" in fortunes)."""
    if not separator:
        return [text]
    docs: list[list[str]] = [[]]
    for line in text.splitlines(keepends=True):
        if line.strip("\r\n") == separator:
            docs.append([])
        else:
            docs[-1].append(line)
    return ["".join(d) for d in docs if "".join(d).strip()]


def load_documents(paths: Sequence[str | Path], *, separator: str | None = None,
                   min_tokens: int = MIN_TOKENS) -> list[Document]:
    """Read and tokenize every corpus file; all problems are CorpusErrors."""
    if not paths:
        raise CorpusError("no corpus files given", code="corpus.no_files")
    documents: list[Document] = []
    for path in paths:
        text = read_text(path)
        if not text.strip():
            raise CorpusError(f"{path} holds no text (only whitespace)", code="corpus.only_whitespace",
                              path=path)
        parts = split_documents(text, separator)
        for k, part in enumerate(parts):
            name = Path(path).name if len(parts) == 1 else f"{Path(path).name}#{k + 1}"
            documents.append(Document(name, tokenize(unicodedata.normalize("NFC", part))))
    total = sum(len(d.tokens) for d in documents)
    if total < min_tokens:
        names = ", ".join(Path(p).name for p in paths[:3]) + (", ..." if len(paths) > 3 else "")
        raise CorpusError(
            f"corpus too small: {total} token{'s' if total != 1 else ''} in {names}, "
            f"need at least {min_tokens} to train on",
            code="corpus.too_small", tokens=total, files=names, minimum=min_tokens)
    return documents


@dataclass(frozen=True)
class Vocabulary:
    """Token ids: 0 <unk>, 1 <doc>, then by descending frequency, ties alphabetical."""

    tokens: list[str]
    surface: list[str]  # the written form the editor shows for each entry
    counts: list[int] = field(default_factory=list)  # training-text frequency (0 for specials)

    @cached_property
    def ids(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, norm: str) -> bool:
        return norm in self.ids

    def encode(self, norms: Iterable[str]) -> list[int]:
        ids = self.ids
        return [ids.get(n, 0) for n in norms]  # 0 is <unk>

    @property
    def doc_id(self) -> int:
        return 1

    @classmethod
    def build(cls, documents: Sequence[Document], *, min_count: int = 1,
              max_vocab: int = 0) -> Vocabulary:
        """Deterministic for a given corpus: no dependence on hash seeds or file order of ties."""
        counts: Counter[str] = Counter()
        for doc in documents:
            counts.update(doc.norms)
        for special in SPECIALS:
            counts.pop(special, None)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        kept = [(tok, n) for tok, n in ranked if n >= max(1, min_count)]
        if max_vocab > 0:
            kept = kept[: max(0, max_vocab - len(SPECIALS))]
        tokens = [UNK, DOC] + [tok for tok, _ in kept]
        surfaces = surface_forms(documents)
        surface = [UNK, DOC] + [surfaces[tok] for tok, _ in kept]
        return cls(tokens, surface, [0, 0] + [n for _, n in kept])


def surface_forms(documents: Sequence[Document]) -> dict[str, str]:
    """Most frequent written form of every token, counted away from sentence starts.

    At a sentence start capitals are the rule, not the word's own form, and the editor (like
    `recite`) capitalises there anyway. A word seen only at sentence starts keeps its capital only
    if it is more than a capitalised first letter (e.g. "EUA"): "Nunca" -> "nunca", "A" -> "a".
    """
    inside: dict[str, Counter[str]] = {}
    starts: dict[str, Counter[str]] = {}
    for doc in documents:
        context: list[str] = [DOC]
        for tok in doc.tokens:
            text = NEWLINE if tok.kind == "newline" else unicodedata.normalize("NFC", tok.text)
            table = starts if tok.is_word and is_sentence_start(context) else inside
            table.setdefault(tok.norm, Counter())[text] += 1
            context.append(text)
            if len(context) > 64:  # is_sentence_start only looks back past line breaks and quotes
                del context[:32]
    forms: dict[str, str] = {}
    for norm in set(inside) | set(starts):
        if norm in inside:
            forms[norm] = _most_frequent(inside[norm])
        else:
            form = _most_frequent(starts[norm])
            rest = form[1:]
            if form[:1].isupper() and (not rest or rest == rest.lower()):
                form = form[:1].lower() + rest
            forms[norm] = form
    return forms


def _most_frequent(counter: Counter[str]) -> str:
    # Ties go to the alphabetically first form so the result does not depend on text order.
    return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]


@dataclass(frozen=True)
class Stream:
    """Inputs and next-token targets, aligned; a target of IGNORE is not scored."""

    inputs: list[int]  # or int32 arrays, maybe memory-mapped (training/stream.py)
    targets: list[int]

    def __len__(self) -> int:
        return len(self.inputs)

    @property
    def scored(self) -> int:
        if isinstance(self.targets, np.ndarray):  # a stream of ids (training/stream.py)
            return int(np.count_nonzero(self.targets != IGNORE))
        return sum(1 for t in self.targets if t != IGNORE)


def document_ids(documents: Sequence[Document], vocab: Vocabulary) -> list[list[int]]:
    """Each document as `[<doc>] + ids`."""
    return [[vocab.doc_id] + vocab.encode(doc.norms) for doc in documents]


def full_stream(docs: Sequence[list[int]], doc_id: int = 1) -> Stream:
    """All documents in order, closed by a final <doc>: every token predicts the next."""
    ids = [i for d in docs for i in d] + [doc_id]
    return Stream(ids[:-1], ids[1:])


@dataclass(frozen=True)
class Split:
    train: Stream
    val: Stream | None  # None: train on everything (tiny corpora)
    how: str  # "none", "documents" or "tails", for the record


def split_corpus(docs: Sequence[list[int]], val_fraction: float, *,
                 min_documents: int = 20, doc_id: int = 1) -> Split:
    """Hold out `val_fraction` of the corpus for early stopping.

    With many documents whole documents are held out (every k-th, deterministic). With few, the
    last part of every document is: the validation stream still holds each whole document, so
    the tail is predicted with the text before it as context, but only the tail is scored.
    """
    if val_fraction <= 0:
        return Split(full_stream(docs, doc_id), None, "none")
    if len(docs) >= min_documents:
        every = max(2, round(1 / val_fraction))
        held = [d for k, d in enumerate(docs) if k % every == every - 1]
        kept = [d for k, d in enumerate(docs) if k % every != every - 1]
        return Split(full_stream(kept, doc_id), full_stream(held, doc_id), "documents")
    train_in: list[int] = []
    train_out: list[int] = []
    val_in: list[int] = []
    val_out: list[int] = []
    for d in docs:
        seq = d + [doc_id]  # n = len(d) targets: seq[1:]
        n = len(d)
        k = max(1, round(n * val_fraction))
        cut = n - k  # targets seq[1 : cut + 1] train, seq[cut + 1 :] validate
        train_in += seq[:cut]
        train_out += seq[1 : cut + 1]
        val_in += seq[:n]
        val_out += [IGNORE] * cut + seq[cut + 1 :]
    return Split(Stream(train_in, train_out), Stream(val_in, val_out), "tails")
