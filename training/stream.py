"""The corpus as a stream: read and tokenized piece by piece into token ids on disk.

`training.data.load_documents` keeps every token of every document as a Python object (about
150 bytes a token), which is fine for a writer's few megabytes and impossible for a gigabyte.
Here a corpus is read a piece of lines at a time and tokenized with the same tokenizer; each
token leaves behind only a 4-byte id (in memory for small corpora, in a temporary file beyond
`SPILL_TOKENS`), plus one count per distinct word form. The vocabulary, the surface forms, the
train/validation split and the batches are then made from the ids, so memory grows with the
number of distinct words, not with the length of the text. The batches are read a window at a
time (`TokenMatrix`), never loaded whole.

Everything comes out exactly as the in-memory path makes it (`Vocabulary.build`,
`split_corpus`, `full_stream`); tests/training/test_stream.py checks that.
"""

from __future__ import annotations

import codecs
import mmap
import shutil
import tempfile
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from editor.core.tokenizer import DOC, NEWLINE, SPECIALS, UNK, is_sentence_start, tokenize
from training.data import (
    IGNORE,
    MAX_LINE_CHARS,
    MIN_TOKENS,
    Document,
    Split,
    Stream,
    Vocabulary,
    read_text,
    split_documents,
)
from training.errors import CorpusError

SMALL_FILE = 16 * 2**20  # files up to this size are read whole, by training.data.read_text
PIECE_BYTES = 2**20  # bigger files are read and tokenized this much at a time
SPILL_TOKENS = 2**22  # token ids beyond this many go to a temporary file (16 MB of int32)
ID_DTYPE = np.int32
WINDOW = 2**20  # ids read at a time from a token array


# --- reading ---------------------------------------------------------------------------------


def _pieces(path: Path) -> Iterator[str]:
    """A big file's text in pieces that end at line breaks, with read_text's checks (NUL
    bytes, UTF-8, line length) made as the file is read."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0  # bytes of the file before `block`
    first = True
    line = 1  # line number at the start of `carry`
    carry = ""
    with path.open("rb") as f:
        while True:
            block = f.read(PIECE_BYTES)
            nul = block.find(b"\0")
            if nul >= 0:
                raise CorpusError(
                    f"{path} looks like a binary file, not text: NUL byte at offset "
                    f"{offset + nul} (UTF-16 text must be converted to UTF-8 first)",
                    code="corpus.binary", path=path, offset=offset + nul)
            pending = decoder.getstate()[0]  # bytes of a character cut at the last block's end
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                data = pending + block
                raise CorpusError(
                    f"{path} is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset "
                    f"{offset - len(pending) + exc.start} cannot be decoded (convert it, e.g. "
                    "`iconv -f latin1 -t utf-8`)", code="corpus.not_utf8", path=path,
                    byte=f"0x{data[exc.start]:02x}", offset=offset - len(pending) + exc.start,
                ) from None
            offset += len(block)
            if first:
                text = text.removeprefix("\ufeff")  # a BOM is an encoding mark, not text
                first = False
            text = carry + text
            if not block:
                cut = len(text)
            else:
                # Never between "\r" and "\n": together they are one line break.
                cut = text.rfind("\n") + 1
                if cut == 0 and 0 <= text.rfind("\r") < len(text) - 1:
                    cut = text.rfind("\r") + 1
            done, carry = text[:cut], text[cut:]
            lines = done.splitlines() + ([carry] if carry else [])
            for k, x in enumerate(lines):
                if len(x) > MAX_LINE_CHARS:
                    raise CorpusError(
                        f"{path}: line {line + k} is more than {MAX_LINE_CHARS:,} characters "
                        "long, more than a corpus line may have; is this really prose? Break "
                        "it into paragraphs (one per line) first",
                        code="corpus.line_too_long", path=path, line=line + k,
                        limit=MAX_LINE_CHARS)
            if done:
                line += len(done.splitlines())
                yield done
            if not block:
                return


def file_events(path: str | Path, separator: str | None) -> Iterator[str | None]:
    """One corpus file as documents: None starts a document, strings are its text in pieces
    that end at line breaks. Documents are split at lines holding exactly `separator`, and
    the ones holding only whitespace dropped, as `split_documents` does."""
    path = Path(path)
    try:
        size = path.stat().st_size if path.is_file() else 0
    except OSError:
        size = 0
    if size <= SMALL_FILE:  # read whole, with read_text's own checks and messages
        text = read_text(path)
        if not text.strip():
            raise CorpusError(f"{path} holds no text (only whitespace)",
                              code="corpus.only_whitespace", path=path)
        for part in split_documents(text, separator):
            yield None
            yield part
        return
    seen_text = False
    if not separator:
        yield None
        for piece in _pieces(path):
            seen_text = seen_text or bool(piece.strip())
            yield piece
    else:
        started = False
        lead: list[str] = []  # whitespace lines before a document's first text
        out: list[str] = []
        for piece in _pieces(path):
            for line in piece.splitlines(keepends=True):
                if line.strip("\r\n") == separator:
                    started, lead = False, []
                elif started:
                    out.append(line)
                elif line.strip():
                    if out:
                        yield "".join(out)
                    yield None
                    out, lead, started, seen_text = lead + [line], [], True, True
                else:
                    lead.append(line)
            if out:
                yield "".join(out)
                out = []
    if not seen_text:
        raise CorpusError(f"{path} holds no text (only whitespace)",
                          code="corpus.only_whitespace", path=path)


# --- the token store -------------------------------------------------------------------------


@dataclass
class TokenStore:
    """Every document of a corpus as token ids, one after another, each from its `<doc>`.

    `ids` holds ids of `forms` (index + 2: 0 and 1 are `<unk>` and `<doc>`) in first-seen
    order, not yet the vocabulary's: `vocab_ids` maps them once the vocabulary is chosen.
    """

    names: list[str]  # corpus file names
    forms: list[str]  # distinct token norms, in first-seen order (id = index + 2)
    counts: np.ndarray  # occurrences of each form
    surface_counts: Counter[tuple[int, str, bool]]  # (form id, written form, sentence start)
    ids: np.ndarray  # every document as [<doc>, tokens...], form ids (int32; maybe a memmap)
    doc_starts: np.ndarray  # offset of each document's <doc> in `ids` (int64)
    workdir: Path | None = None  # temporary folder holding the id files, if any
    _vocab_cache: dict[tuple[int, int], Vocabulary] = field(default_factory=dict)

    @property
    def tokens(self) -> int:
        """Tokens of text (the `<doc>` markers not counted), as `Corpus.tokens` counts them."""
        return len(self.ids) - len(self.doc_starts)

    def type_counts(self) -> Counter[str]:
        """How often each distinct norm occurs (all of them, however rare)."""
        return Counter({f: int(c) for f, c in zip(self.forms, self.counts, strict=True)})

    def vocabulary(self, *, min_count: int = 1, max_vocab: int = 0) -> Vocabulary:
        """What `Vocabulary.build` gives for these documents."""
        key = (min_count, max_vocab)
        if key not in self._vocab_cache:
            self._vocab_cache[key] = self._build_vocab(min_count, max_vocab)
        return self._vocab_cache[key]

    def _build_vocab(self, min_count: int, max_vocab: int) -> Vocabulary:
        ranked = sorted(((f, int(c)) for f, c in zip(self.forms, self.counts, strict=True)
                         if f not in SPECIALS), key=lambda kv: (-kv[1], kv[0]))
        kept = [(tok, n) for tok, n in ranked if n >= max(1, min_count)]
        if max_vocab > 0:
            kept = kept[: max(0, max_vocab - len(SPECIALS))]
        forms = surface_forms_from(self.surface_counts, self.forms)
        return Vocabulary([UNK, DOC] + [t for t, _ in kept],
                          [UNK, DOC] + [forms[t] for t, _ in kept],
                          [0, 0] + [n for _, n in kept])

    def vocab_ids(self, vocab: Vocabulary, *, limit: int | None = None) -> np.ndarray:
        """The form id -> id table for `vocab` (a vocabulary this store built, or one whose
        entries it all knows, as a checkpoint's); ids >= `limit` become `<unk>`."""
        index = {f: k + 2 for k, f in enumerate(self.forms)}
        table = np.zeros(len(self.forms) + 2, dtype=ID_DTYPE)
        table[1] = vocab.doc_id
        for vid, tok in enumerate(vocab.tokens[2:], start=2):
            if tok in index and (limit is None or vid < limit):
                table[index[tok]] = vid
        return table

    def document_ids(self, vocab: Vocabulary) -> list[list[int]]:
        """Each document as `[<doc>] + ids`, as `training.data.document_ids` gives it."""
        table = self.vocab_ids(vocab)
        ends = np.append(self.doc_starts[1:], len(self.ids))
        return [table[np.asarray(self.ids[s:e])].tolist()
                for s, e in zip(self.doc_starts, ends, strict=True)]

    def close(self) -> None:
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __del__(self) -> None:
        self.close()


def surface_forms_from(surface_counts: Counter[tuple[int, str, bool]],
                       forms: Sequence[str]) -> dict[str, str]:
    """`training.data.surface_forms` from counted (form id, written form, start) triples."""
    inside: dict[str, Counter[str]] = {}
    starts: dict[str, Counter[str]] = {}
    for (fid, text, start), n in surface_counts.items():
        table = starts if start else inside
        table.setdefault(forms[fid - 2], Counter())[text] += n
    out: dict[str, str] = {}
    for norm in set(inside) | set(starts):
        if norm in inside:
            out[norm] = _most_frequent(inside[norm])
        else:
            form = _most_frequent(starts[norm])
            rest = form[1:]
            if form[:1].isupper() and (not rest or rest == rest.lower()):
                form = form[:1].lower() + rest
            out[norm] = form
    return out


def _most_frequent(counter: Counter[str]) -> str:
    return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]


class _IdWriter:
    """Appends int32 ids, in memory up to SPILL_TOKENS, then to a file in `workdir`."""

    def __init__(self) -> None:
        self.buffer = array("i")
        self.workdir: Path | None = None
        self.file: Any = None
        self.written = 0

    def extend(self, ids: Sequence[int]) -> None:
        self.buffer.extend(ids)
        if len(self.buffer) >= SPILL_TOKENS:
            self._spill()

    def __len__(self) -> int:
        return self.written + len(self.buffer)

    def _spill(self) -> None:
        if self.file is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="caminho-tokens-"))
            self.file = (self.workdir / "forms.i32").open("wb")
        self.buffer.tofile(self.file)
        self.written += len(self.buffer)
        self.buffer = array("i")

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def finish(self) -> np.ndarray:
        if self.file is None:
            return np.frombuffer(self.buffer, dtype=ID_DTYPE)
        self._spill()
        self.file.close()
        assert self.workdir is not None
        return np.memmap(self.workdir / "forms.i32", dtype=ID_DTYPE, mode="r")


class _Tokenizer:
    """Pass over documents: form ids, counts of written forms, document starts."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.forms: list[str] = []
        self.surface: Counter[tuple[int, str, bool]] = Counter()
        self.ids = _IdWriter()
        self.doc_starts = array("q")

    def feed(self, events: Iterator[str | None]) -> None:
        """Documents as `file_events` gives them."""
        context: list[str] = [DOC]
        index, forms = self.index, self.forms
        for piece in events:
            if piece is None:
                self.doc_starts.append(len(self.ids))
                self.ids.extend((1,))
                context = [DOC]
                continue
            out: list[int] = []
            keys: list[tuple[int, str, bool]] = []
            # Line breaks never join tokens or compose with what follows, so tokenizing a
            # document piece by piece (pieces end at line breaks) splits it the same way.
            for tok in tokenize(unicodedata.normalize("NFC", piece)):
                fid = index.get(tok.norm)
                if fid is None:
                    fid = index[tok.norm] = len(forms) + 2
                    forms.append(tok.norm)
                out.append(fid)
                text = NEWLINE if tok.kind == "newline" else tok.text
                keys.append((fid, text, tok.is_word and is_sentence_start(context)))
                context.append(text)
                if len(context) > 64:  # as training.data.surface_forms trims it
                    del context[:32]
            self.surface.update(keys)
            self.ids.extend(out)

    def store(self, names: list[str]) -> TokenStore:
        ids = self.ids.finish()
        counts = np.zeros(len(self.forms) + 2, dtype=np.int64)
        for s in range(0, len(ids), WINDOW):
            counts += np.bincount(np.asarray(ids[s : s + WINDOW]), minlength=len(counts))
            _release(ids, force=True)
        return TokenStore(names, self.forms, counts[2:], self.surface, ids,
                          np.frombuffer(self.doc_starts, dtype=np.int64).copy(),
                          self.ids.workdir)


def read_corpus(paths: Sequence[str | Path], *, separator: str | None = None,
                min_tokens: int = MIN_TOKENS) -> TokenStore:
    """Read and tokenize corpus files into a TokenStore; all problems are CorpusErrors, with
    the messages of `training.data.load_documents`."""
    if not paths:
        raise CorpusError("no corpus files given", code="corpus.no_files")
    tok = _Tokenizer()
    try:
        for path in paths:
            tok.feed(file_events(path, separator))
    except BaseException:
        tok.ids.discard()  # a bad file half-way through a big corpus leaves no temporary file
        raise
    store = tok.store([Path(p).name for p in paths])
    if store.tokens < min_tokens:
        names = ", ".join(Path(p).name for p in paths[:3]) + (", ..." if len(paths) > 3 else "")
        store.close()
        raise CorpusError(
            f"corpus too small: {store.tokens} token{'s' if store.tokens != 1 else ''} in "
            f"{names}, need at least {min_tokens} to train on",
            code="corpus.too_small", tokens=store.tokens, files=names, minimum=min_tokens)
    return store


def store_from_documents(documents: Sequence[Document], names: list[str]) -> TokenStore:
    """A TokenStore of documents already read with `load_documents`."""
    tok = _Tokenizer()
    for doc in documents:
        tok.doc_starts.append(len(tok.ids))
        tok.ids.extend((1,))
        context: list[str] = [DOC]
        out: list[int] = []
        keys: list[tuple[int, str, bool]] = []
        for t in doc.tokens:
            fid = tok.index.get(t.norm)
            if fid is None:
                fid = tok.index[t.norm] = len(tok.forms) + 2
                tok.forms.append(t.norm)
            out.append(fid)
            text = NEWLINE if t.kind == "newline" else unicodedata.normalize("NFC", t.text)
            keys.append((fid, text, t.is_word and is_sentence_start(context)))
            context.append(text)
            if len(context) > 64:
                del context[:32]
        tok.surface.update(keys)
        tok.ids.extend(out)
    return tok.store(names)


# --- streams and batches ---------------------------------------------------------------------


class _Sink:
    """An int32 array built by appending, in memory or (for big corpora) in a file."""

    def __init__(self, workdir: Path | None, name: str, big: bool) -> None:
        self.path = workdir / name if (big and workdir is not None) else None
        self.file = self.path.open("wb") if self.path is not None else None
        self.parts: list[np.ndarray] = []

    def add(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=ID_DTYPE)
        if self.file is not None:
            values.tofile(self.file)
        else:
            self.parts.append(values)

    def finish(self) -> np.ndarray:
        if self.file is not None:
            self.file.close()
            assert self.path is not None
            if self.path.stat().st_size == 0:
                return np.zeros(0, dtype=ID_DTYPE)
            return np.memmap(self.path, dtype=ID_DTYPE, mode="r")
        return np.concatenate(self.parts) if self.parts else np.zeros(0, dtype=ID_DTYPE)


def split_store(store: TokenStore, vocab: Vocabulary, val_fraction: float, *,
                min_documents: int = 20) -> Split:
    """`training.data.split_corpus` on the store's documents, ids from `vocab`, as arrays.

    Documents are copied a window at a time, so one document of a gigabyte costs no more
    memory than many small ones."""
    table = store.vocab_ids(vocab, limit=len(vocab))
    doc_id = vocab.doc_id
    starts = store.doc_starts
    ends = np.append(starts[1:], len(store.ids))
    big = store.workdir is not None
    closing = np.array([doc_id], dtype=ID_DTYPE)

    def copy(sink: _Sink, start: int, stop: int) -> None:
        for w in range(start, stop, WINDOW):
            sink.add(table[np.asarray(store.ids[w : min(stop, w + WINDOW)])])
            _release(store.ids, force=stop - start > WINDOW)

    def stream(keep: Sequence[int], name: str) -> Stream:
        sink = _Sink(store.workdir, name, big)
        for k in keep:
            copy(sink, int(starts[k]), int(ends[k]))
        sink.add(closing)
        ids = sink.finish()
        return Stream(ids[:-1], ids[1:])

    n_docs = len(starts)
    if val_fraction <= 0:
        return Split(stream(range(n_docs), "all.i32"), None, "none")
    if n_docs >= min_documents:
        every = max(2, round(1 / val_fraction))
        held = [k for k in range(n_docs) if k % every == every - 1]
        kept = [k for k in range(n_docs) if k % every != every - 1]
        return Split(stream(kept, "train.i32"), stream(held, "val.i32"), "documents")
    sinks = {name: _Sink(store.workdir, f"{name}.i32", big)
             for name in ("train_in", "train_out", "val_in", "val_out")}
    for k in range(n_docs):
        # As split_corpus: the document d = ids[s:e] (from its <doc>) followed by a closing
        # <doc>; n = len(d) targets, the last k of them held out.
        s, e = int(starts[k]), int(ends[k])
        n = e - s
        cut = n - max(1, round(n * val_fraction))
        copy(sinks["train_in"], s, s + cut)
        copy(sinks["train_out"], s + 1, s + cut + 1)
        copy(sinks["val_in"], s, e)
        for w in range(0, cut, WINDOW):
            sinks["val_out"].add(np.full(min(WINDOW, cut - w), IGNORE, dtype=ID_DTYPE))
        copy(sinks["val_out"], s + cut + 1, e)
        sinks["val_out"].add(closing)
    a = {name: sink.finish() for name, sink in sinks.items()}
    return Split(Stream(a["train_in"], a["train_out"]), Stream(a["val_in"], a["val_out"]),
                 "tails")


class TokenMatrix:
    """B contiguous pieces of a token array read side by side, as a [B, N] matrix that is
    read a window at a time: `m[rows]` keeps some of the pieces, `m[:, t0:t1]` reads a
    window as an int64 tensor. Nothing is loaded whole, so a memory-mapped corpus stays on
    disk (its pages are dropped again as they are read)."""

    def __init__(self, ids: np.ndarray, rows: int, columns: int, first_row: int = 0,
                 total_rows: int | None = None) -> None:
        self.ids = ids
        self.rows = rows
        self.columns = columns
        self.first_row = first_row
        self.total_rows = rows if total_rows is None else total_rows

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.columns)

    def __getitem__(self, key: Any) -> Any:
        import torch

        if isinstance(key, slice):
            start, stop, step = key.indices(self.rows)
            if step != 1:
                raise IndexError("TokenMatrix rows are taken in one slice")
            return TokenMatrix(self.ids, max(0, stop - start), self.columns,
                               self.first_row + start, self.total_rows)
        rows, cols = key
        if rows != slice(None):
            return self[rows][:, cols]
        c0, c1, _ = cols.indices(self.columns)
        c1 = max(c0, c1)
        out = np.empty((self.rows, c1 - c0), dtype=np.int64)
        for r in range(self.rows):
            at = (self.first_row + r) * self.columns
            out[r] = self.ids[at + c0 : at + c1]
        _release(self.ids)
        return torch.from_numpy(out)


def matrix(values: np.ndarray, batch: int) -> TokenMatrix:
    """`values` cut into `batch` contiguous pieces of one length (the last few dropped)."""
    n = len(values) // batch
    return TokenMatrix(values, batch, n)


_released: dict[int, int] = {}


def _release(values: np.ndarray, *, force: bool = False) -> None:
    """Now and then (every time with `force`), drop a memory-mapped array's pages from this
    process: they were read in order and are not needed again soon, and resident mapped
    pages count in its RSS."""
    base = values
    while isinstance(base, np.ndarray) and not isinstance(base, np.memmap) and base.base is not None:
        base = base.base  # type: ignore[assignment]
    mm = getattr(base, "_mmap", None)
    if mm is None:
        return
    key = id(mm)
    _released[key] = _released.get(key, 0) + 1
    if force or _released[key] % 256 == 0:
        try:
            mm.madvise(mmap.MADV_DONTNEED)
        except (AttributeError, OSError, ValueError):
            pass  # not on this platform: the pages stay until the kernel wants them
