"""Reading and saving text files without changing a byte the writer did not change.

Qt-free. A file is decoded into text with "\\n" line breaks plus a `FileFormat` that records
the encoding, the byte order mark and the line breaks it had, and `encode` puts all three
back, so an unedited file saves byte-identical. Saving is atomic (temporary file in the same
folder, then `os.replace`), writes through symbolic links to their target and keeps the
file's permissions; a file with several hard links is overwritten in place, with a copy of the
old text kept until the new one is on disk, so every link keeps seeing the same text.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import stat
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from editor.core.atomic import ReplaceError, replace_file

# Larger files would freeze a QPlainTextEdit and are not what this editor is for.
MAX_FILE_BYTES = 64 * 1024 * 1024

_LABELS = {
    "utf-8": "UTF-8",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "cp1252": "Windows-1252",
    "latin-1": "ISO-8859-1",
}
_BOMS = {
    "utf-8": codecs.BOM_UTF8,
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
}
_NEWLINE_NAMES = {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}


@dataclass(frozen=True, slots=True)
class FileFormat:
    """How a file's text was stored on disk, so saving can store it the same way."""

    encoding: str = "utf-8"  # a Python codec name, without the BOM ("utf-8", "cp1252", ...)
    bom: bool = False
    newline: str = "\n"  # "\n", "\r\n" or "\r"
    # The file mixed several kinds of line break; saving writes `newline` everywhere.
    mixed_newlines: bool = False

    @property
    def label(self) -> str:
        """The encoding as a person reads it: "UTF-8", "UTF-8 with BOM", "Windows-1252"."""
        name = _LABELS.get(self.encoding, self.encoding.upper())
        return f"{name} with BOM" if self.bom and self.encoding == "utf-8" else name

    @property
    def newline_label(self) -> str:
        return _NEWLINE_NAMES[self.newline]

    @property
    def is_utf8(self) -> bool:
        return self.encoding == "utf-8" and not self.bom

    def with_encoding(self, encoding: str, *, bom: bool = False) -> FileFormat:
        return replace(self, encoding=encoding, bom=bom)


DEFAULT_FORMAT = FileFormat()


class FileError(Exception):
    """Opening or saving failed; `reason` says why in words a writer understands.

    `kind` lets callers react: "not_found", "permission", "not_a_file", "too_large",
    "binary", "decode", "encode", "disk_full", "read_only" or "io".
    """

    def __init__(
        self, path: Path | str, reason: str, *, kind: str = "io", offset: int | None = None
    ) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason
        self.kind = kind
        self.offset = offset  # byte offset of a decoding failure


def _os_error(path: Path, exc: OSError, action: str) -> FileError:
    """Translate an OSError into a FileError with a reason a writer can act on."""
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM):
        return FileError(path, f"permission denied ({action})", kind="permission")
    if code == errno.ENOENT:
        return FileError(path, "no such file or folder", kind="not_found")
    if code in (errno.ENOSPC, errno.EDQUOT):
        return FileError(path, "the disk is full", kind="disk_full")
    if code == errno.EROFS:
        return FileError(path, "the disk is read-only", kind="read_only")
    if code == errno.EISDIR:
        return FileError(path, "it is a folder, not a file", kind="not_a_file")
    if code == errno.ENOTDIR:
        return FileError(path, "a part of the path is a file, not a folder", kind="not_a_file")
    if code == errno.ENAMETOOLONG:
        return FileError(path, "the name is too long", kind="io")
    reason = exc.strerror or str(exc)
    return FileError(path, f"{reason[:1].lower()}{reason[1:]} ({action})", kind="io")


def display_name(path: Path | str, *, whole: bool = False) -> str:
    """A file's name (or its whole path) as a person should see it.

    A name with bytes that are not UTF-8 reaches Python with each such byte as a lone
    surrogate, which Qt drops without a word ("caf\\xe9.txt" would show as "caf.txt", a
    file that does not exist); here each becomes U+FFFD, the same way everywhere.
    """
    text = str(path) if whole else Path(path).name
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "replace")
    return raw.decode("utf-8", "replace")


# --- reading -----------------------------------------------------------------------------


def detect_newline(text: str) -> tuple[str, bool]:
    """The first line break in `text` and whether other kinds occur too; "\\n" when none."""
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    kinds = (crlf > 0) + (cr > 0) + (lf > 0)
    if kinds == 0:
        return "\n", False
    first_cr = text.find("\r")
    first_lf = text.find("\n")
    if first_cr == -1:
        newline = "\n"
    elif first_lf == -1 or first_cr < first_lf - 1:
        newline = "\r"
    elif first_lf == first_cr + 1:
        newline = "\r\n"
    else:
        newline = "\n"
    return newline, kinds > 1


def canonical_encoding(name: str) -> str:
    """The codec name FileFormat uses for `name` ("UTF8" -> "utf-8", "latin1" -> "latin-1")."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise FileError("<encoding>", f"unknown encoding {name!r}", kind="decode") from None
    return {"iso8859-1": "latin-1", "utf-8-sig": "utf-8", "utf-16": "utf-16-le"}.get(codec, codec)


def _decode_strict(path: Path, data: bytes, encoding: str, skip: int) -> str:
    try:
        return data[skip:].decode(encoding)
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        raise FileError(
            path,
            f"not valid {_LABELS.get(encoding, encoding)} (byte 0x{data[offset]:02X} at offset {offset})",
            kind="decode",
            offset=offset,
        ) from None


def decode(
    data: bytes, path: Path | str = "<bytes>", encoding: str | None = None
) -> tuple[str, FileFormat]:
    """Decode file bytes into ("\\n"-only text, format).

    With `encoding=None` the encoding is guessed: a BOM wins, then strict UTF-8, then
    Windows-1252, then ISO-8859-1 (which decodes anything). The guess is recorded in the
    format, never hidden, so the caller can tell the writer.
    """
    path = Path(path)
    bom = False
    if encoding is not None:
        encoding = canonical_encoding(encoding)
        skip = 0
        if encoding in _BOMS and data.startswith(_BOMS[encoding]):
            bom, skip = True, len(_BOMS[encoding])
        text = _decode_strict(path, data, encoding, skip)
    else:
        for candidate, mark in _BOMS.items():
            # UTF-8 last: its BOM is not a prefix of the UTF-16 ones, but be explicit.
            if data.startswith(mark):
                encoding, bom = candidate, True
                text = _decode_strict(path, data, candidate, len(mark))
                break
        else:
            text = None
            for candidate in ("utf-8", "cp1252", "latin-1"):
                try:
                    text = data.decode(candidate)
                except UnicodeDecodeError:
                    continue
                encoding = candidate
                break
            assert text is not None  # latin-1 decodes every byte
    if "\x00" in text:
        raise FileError(
            path, "it looks like a binary file, not text (it contains NUL bytes)", kind="binary"
        )
    newline, mixed = detect_newline(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, FileFormat(encoding=encoding, bom=bom, newline=newline, mixed_newlines=mixed)


def read_text(path: Path | str, encoding: str | None = None) -> tuple[str, FileFormat]:
    """Read and decode a text file; raises FileError saying why it can't."""
    path = Path(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise _os_error(path, exc, "reading") from None
    if stat.S_ISDIR(info.st_mode):
        raise FileError(path, "it is a folder, not a file", kind="not_a_file")
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or device would block or never end.
        raise FileError(path, "it is not a regular file", kind="not_a_file")
    if info.st_size > MAX_FILE_BYTES:
        raise FileError(
            path,
            f"it is too large ({info.st_size / 2**20:.0f} MB; the limit is "
            f"{MAX_FILE_BYTES // 2**20} MB)",
            kind="too_large",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _os_error(path, exc, "reading") from None
    return decode(data, path, encoding)


# --- saving ------------------------------------------------------------------------------


def _encodable(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def encode(text: str, fmt: FileFormat, path: Path | str = "<text>") -> bytes:
    """Text with "\\n" line breaks into the bytes `fmt` describes; FileError(kind="encode")
    names the first character the encoding can't store."""
    stored = text.replace("\n", fmt.newline) if fmt.newline != "\n" else text
    try:
        data = stored.encode(fmt.encoding)
    except UnicodeEncodeError:
        # Line breaks are ASCII in every supported encoding, so the culprit is in `text`.
        index = next(i for i, char in enumerate(text) if not _encodable(char, fmt.encoding))
        char = text[index]
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        raise FileError(
            path,
            f"the character {char!r} (U+{ord(char):04X}) on line {line}, column {column} "
            f"can't be stored in {_LABELS.get(fmt.encoding, fmt.encoding)}",
            kind="encode",
        ) from None
    if fmt.bom:
        data = _BOMS[fmt.encoding] + data
    return data


def _current_umask() -> int:
    # os.umask can only be read by setting it; restore at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte to `fd` (one place tests can make fail like a full disk)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def resolve_target(path: Path | str) -> Path:
    """The file a save to `path` must replace: symbolic links followed to their target,
    so the link survives and the file it points to gets the new text."""
    path = Path(path).absolute()
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def _folder_error(path: Path, folder: Path, exc: OSError, doing: str) -> FileError:
    """A refusal that comes from the folder, not the file: say which folder, so the writer
    knows that Save As elsewhere works (a read-only folder, a shared one with the sticky bit)."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        where = display_name(folder, whole=True)
        reason = (f"permission denied: you can't create files in the folder {where}, and saving "
                  "writes a new file there first" if doing == "create" else
                  f"permission denied: the folder {where} does not let you replace this file")
        return FileError(path, reason, kind="permission")
    return _os_error(path, exc, "saving")


def write_bytes_atomic(path: Path | str, data: bytes) -> Path:
    """Replace the file at `path` (through symlinks) with `data` in one step.

    A crash or a full disk leaves either the old file or the new one, never half of each.
    A file with other names (hard links) is written in place instead, so every name sees the
    new text (`_write_in_place`). Returns the path actually written.
    """
    path = Path(path)
    target = resolve_target(path)
    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _os_error(path, exc, "saving") from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise FileError(path, "it is a folder, not a file", kind="not_a_file")
        if not stat.S_ISREG(info.st_mode):
            raise FileError(path, "it is not a regular file", kind="not_a_file")
        if info.st_nlink > 1:
            return _write_in_place(path, target, data)
        mode = stat.S_IMODE(info.st_mode)
    else:
        mode = 0o666 & ~_current_umask()

    def write(fd: int, _tmp: Path) -> None:
        _write_all(fd, data)
        if info is not None and (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
            # Only root (or the owner, for the group) may do this; a plain user's save
            # then makes the file theirs, as every editor that saves atomically does.
            with contextlib.suppress(OSError):
                os.fchown(fd, info.st_uid, info.st_gid)

    try:
        replace_file(target, write, mode=mode)
    except ReplaceError as exc:
        if exc.step in ("create", "replace"):
            raise _folder_error(path, target.parent, exc, exc.step) from None
        raise _os_error(path, exc, "saving") from None
    return target


def _overwrite(fd: int, data: bytes) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    _write_all(fd, data)
    os.ftruncate(fd, len(data))
    os.fsync(fd)


def _write_in_place(path: Path, target: Path, data: bytes) -> Path:
    """Overwrite a file that has other names (hard links) in place, as Vim does: a new file
    renamed over one name would leave the other names with the old text.

    Not atomic, so the old contents are first copied beside the file (fsynced) and the copy
    is deleted only once the new contents are on disk. If writing fails, the old contents are
    written back from memory; if even that fails, the copy stays and the error names it.
    """
    try:
        fd = os.open(target, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _os_error(path, exc, "saving") from None
    try:
        try:
            pieces = []
            while piece := os.read(fd, 1 << 20):
                pieces.append(piece)
            old = b"".join(pieces)
        except OSError as exc:
            raise _os_error(path, exc, "saving") from None
        backup = _backup_copy(path, target, old)
        try:
            _overwrite(fd, data)
        except OSError as exc:
            error = _os_error(path, exc, "saving")
            try:
                _overwrite(fd, old)
            except OSError:
                raise FileError(
                    path, f"{error.reason}; the file may be half written, its previous text is "
                          f"in {display_name(backup, whole=True)}", kind=error.kind) from None
            with contextlib.suppress(OSError):
                backup.unlink()
            raise error from None
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        backup.unlink()
    fsync_folder(backup.parent)
    return target


def _backup_copy(path: Path, target: Path, old: bytes) -> Path:
    """The old contents in a private file beside `target` (or in the temporary folder when
    that folder is read-only), fsynced; FileError when there is nowhere to keep them."""
    last = OSError(errno.EACCES, "permission denied")
    for folder in (target.parent, Path(tempfile.gettempdir())):
        try:
            fd, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.",
                                        suffix=".caminho-backup")
        except OSError as exc:
            last = exc
            continue
        try:
            try:
                _write_all(fd, old)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise _os_error(path, exc, "saving (keeping a copy of the old text)") from None
        return Path(name)
    raise _folder_error(path, target.parent, last, "create")


def fsync_folder(folder: Path) -> None:
    """Make a rename into `folder` durable; not every file system lets a folder be fsynced."""
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def write_text(path: Path | str, text: str, fmt: FileFormat = DEFAULT_FORMAT) -> Path:
    """Encode `text` as `fmt` says and save it atomically; returns the path written."""
    return write_bytes_atomic(path, encode(text, fmt, path))
