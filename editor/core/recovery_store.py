"""Recovery files: the Qt-free store that writes, reads, checks and lists them.

A recovery file is one line of magic, one line of JSON (where the text belongs, how to save
it, who wrote it, and the payload's length and SHA-256), then the text in UTF-8. It is written
to a temporary file, fsynced and renamed over the old one, so a crash mid-write leaves the
previous version; the length and checksum catch anything cut short or garbled.

The files hold drafts, and Recover then Save writes them into the file they name, so the
folder must be the user's own and private, temporary files are created exclusively and never
through a link (editor/core/safefs.py), and only plain files of the user are offered. At start only
headers are read; the text is read when the user recovers it. The autosaver and the recovery
dialog (editor/ui/recovery.py) are the Qt half.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import stat
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from editor.core.atomic import TEMP_SUFFIX, replace_file
from editor.core.atomic import write_all as _write_all  # one name tests can make fail
from editor.core.fileio import FileError, FileFormat, canonical_encoding
from editor.core.safefs import (
    UnsafeFolderError,
    ensure_private_folder,
    owned_by_user,
    private_folder,
)

log = logging.getLogger(__name__)

MAGIC = b"CAMINHO-RECOVERY 1\n"
SUFFIX = ".caminho-recovery"
HEADER_LIMIT = 1 << 16  # a header is a path and a few numbers; more is garbage
# Far beyond any buffer a person could work in; a larger file is garbage, not a draft.
MAX_RECOVERY_BYTES = 1 << 30
EXPORT_PIECE = 4 << 20  # bytes copied between two looks at the event loop
_NEWLINES = ("\n", "\r\n", "\r")


# --- who owns a file -----------------------------------------------------------------------


def _read_small(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read(4096)
    except OSError:
        return None


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks since boot) from /proc, None where there is none."""
    raw = _read_small(f"/proc/{pid}/stat")
    if raw is None:
        return None
    # The command name (field 2) may hold spaces and parentheses; fields go on after the last ")".
    fields = raw[raw.rfind(")") + 2 :].split()
    try:
        return fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None


def process_identity(pid: int | None = None) -> dict[str, Any]:
    """What tells this process apart from a later one given the same pid (after a reboot, or
    in a container where every start gets the same pid)."""
    stat = _proc_stat(pid if pid is not None else os.getpid())
    boot = _read_small("/proc/sys/kernel/random/boot_id")
    return {"boot": boot.strip() if boot else None, "started": stat[1] if stat else None}


def _windows_alive(pid: int) -> bool:
    import ctypes  # noqa: PLC0415 (Windows only)

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    code = ctypes.c_ulong()
    ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
    kernel32.CloseHandle(handle)
    return bool(ok) and code.value == 259  # STILL_ACTIVE


def owner_alive(pid: int, identity: dict[str, Any] | None = None) -> bool:
    """Whether the process that wrote a recovery file still runs (then it is not ours)."""
    if pid <= 0:
        return False
    if os.name == "nt":
        return _windows_alive(pid)  # os.kill(pid, 0) would terminate it there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists; /proc below says whether it is the same process
    except OSError:
        return False
    stat = _proc_stat(pid)
    if stat is None:
        return True  # no /proc (macOS): the pid is all there is to go on
    state, started = stat
    if state in ("Z", "X"):
        return False  # killed, not yet reaped by its parent
    if identity:
        now = process_identity(pid)
        if identity.get("boot") and now["boot"] and identity["boot"] != now["boot"]:
            return False
        if identity.get("started") is not None and identity["started"] != started:
            return False
    return True


def _pid_of(path: Path) -> int | None:
    head = path.name.split("-", 1)[0]
    return int(head) if head.isdigit() else None


# --- the files -----------------------------------------------------------------------------


class RecoveryError(Exception):
    """A recovery file that can't be used; `reason` says why in words a writer understands."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class RecoveryInfo:
    """What a recovery file's header says, read without its text (`RecoveryStore.peek`)."""

    file: Path  # the recovery file itself
    path: Path | None  # the document's file, None for an untitled buffer
    fmt: FileFormat
    pid: int
    time: float  # when it was written (seconds since the epoch)
    cursor: int
    disk: tuple[int, int] | None  # (mtime_ns, size) of `path` when it was written
    length: int  # bytes of UTF-8 text after the header
    chars: int | None  # characters of text; None in files of older versions
    start: int  # where the text starts in the file
    sha256: str


@dataclass(frozen=True)
class Recovered:
    """The content of one recovery file."""

    file: Path  # the recovery file itself
    path: Path | None  # the document's file, None for an untitled buffer
    text: str
    fmt: FileFormat
    pid: int
    time: float  # when it was written (seconds since the epoch)
    cursor: int = 0
    disk: tuple[int, int] | None = None  # (mtime_ns, size) of `path` when it was written


def _open_own(path: Path) -> tuple[int, os.stat_result]:
    """Open a recovery file for reading: never through a link, and only a plain file of this
    user with no other names (a hard link planted by someone else); OSError otherwise."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not _trusted(info):
            raise OSError(errno.EPERM, "it is not a file of yours", str(path))
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def _trusted(info: os.stat_result) -> bool:
    return stat.S_ISREG(info.st_mode) and owned_by_user(info) and info.st_nlink == 1


class RecoveryStore:
    """The recovery folder: writes, reads and checks the files, finds those left by crashes.

    The folder must be the user's own and private (editor/core/safefs.py); `problem` says why one
    was refused or why files in it were passed over, for the window to tell the user.
    """

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.problem: str | None = None

    def new_path(self) -> Path:
        """A file name for a new document of this process: the pid first, so ownership can be
        checked without reading the file, and claiming a file is one atomic rename."""
        return self.folder / f"{os.getpid()}-{uuid.uuid4().hex[:12]}{SUFFIX}"

    def files(self) -> list[Path]:
        try:
            return sorted(p for p in self.folder.iterdir() if p.name.endswith(SUFFIX))
        except OSError:
            return []

    def write(self, path: Path, meta: dict[str, Any], chunks: list[str]) -> int:
        """Store `chunks` (the text) under `path` atomically; returns the payload's size.

        UnsafeFolderError when the folder is someone else's or others can write to it."""
        digest = hashlib.sha256()
        parts = []
        for chunk in chunks:
            # Encoded a chunk at a time so the GUI thread gets the GIL back in between.
            data = chunk.encode("utf-8", "surrogatepass")
            digest.update(data)
            parts.append(data)
        length = sum(len(p) for p in parts)
        chars = sum(len(chunk) for chunk in chunks)
        header = dict(meta, length=length, chars=chars, sha256=digest.hexdigest())
        head = MAGIC + json.dumps(header, ensure_ascii=True).encode("ascii") + b"\n"
        def write(fd: int, _tmp: Path) -> None:
            _write_all(fd, head)
            for data in parts:
                _write_all(fd, data)

        # Private: it holds drafts. Exclusive, never through a link (editor/core/atomic.py).
        replace_file(path, write, private=True)
        return length

    @staticmethod
    def _header(path: Path, data: bytes) -> tuple[dict[str, Any], int]:
        """The parsed header and where the payload starts; RecoveryError when unusable."""
        if not data:
            raise RecoveryError(path, "it is empty")
        if not data.startswith(MAGIC):
            if MAGIC.startswith(data):
                raise RecoveryError(path, "it was cut short")
            raise RecoveryError(path, "it is not a Caminho recovery file")
        end = data.find(b"\n", len(MAGIC), len(MAGIC) + HEADER_LIMIT)
        if end < 0:
            reason = "it was cut short" if len(data) < len(MAGIC) + HEADER_LIMIT else "damaged header"
            raise RecoveryError(path, reason)
        try:
            header = json.loads(data[len(MAGIC) : end])
        except (ValueError, UnicodeDecodeError):
            raise RecoveryError(path, "its header is damaged") from None
        if not isinstance(header, dict):
            raise RecoveryError(path, "its header is damaged")
        return header, end + 1

    def read_identity(self, path: Path) -> dict[str, Any] | None:
        """The writer's identity from the header alone (no payload read), None if unreadable."""
        try:
            fd, _ = _open_own(path)
            with open(fd, "rb") as f:
                header, _ = self._header(path, f.read(len(MAGIC) + HEADER_LIMIT))
        except (OSError, RecoveryError):
            return None
        return header.get("owner") if isinstance(header.get("owner"), dict) else None

    def peek(self, path: Path) -> RecoveryInfo:
        """Read and check a recovery file's header, and that its size fits it, without reading
        the text: listing a 1 GB file costs what listing a small one does."""
        try:
            fd, info = _open_own(path)
            with open(fd, "rb") as f:
                head = f.read(len(MAGIC) + HEADER_LIMIT)
        except OSError as exc:
            raise RecoveryError(path, f"it can't be read ({exc.strerror or exc})") from None
        if info.st_size > MAX_RECOVERY_BYTES:
            raise RecoveryError(path, "it is far larger than any document Caminho opens")
        header, start = self._header(path, head)
        try:
            length = int(header["length"])
            checksum = str(header["sha256"])
            doc_path = header.get("path")
            fmt = FileFormat(
                encoding=canonical_encoding(str(header.get("encoding", "utf-8"))),
                bom=bool(header.get("bom", False)),
                newline=str(header.get("newline", "\n")),
            )
            if fmt.newline not in _NEWLINES or not (doc_path is None or isinstance(doc_path, str)):
                raise ValueError
            disk = header.get("disk")
            recovered_disk = (int(disk[0]), int(disk[1])) if disk else None
            pid, written, cursor = int(header.get("pid", 0)), float(header.get("time", 0)), int(
                header.get("cursor", 0))
            chars = header.get("chars")
            chars = int(chars) if chars is not None else None
            if length < 0:
                raise ValueError
        except (KeyError, TypeError, ValueError, IndexError, OverflowError, FileError):
            raise RecoveryError(path, "its header is damaged") from None
        stored = info.st_size - start
        if stored < length:
            raise RecoveryError(path, f"it was cut short ({stored} of {length} bytes of text)")
        if stored > length:
            raise RecoveryError(path, "it has extra bytes after the text")
        return RecoveryInfo(path, Path(doc_path) if doc_path else None, fmt, pid, written, cursor,
                            recovered_disk, length, chars, start, checksum)

    def _payload(self, info: RecoveryInfo) -> bytes:
        try:
            fd, _ = _open_own(info.file)
            with open(fd, "rb") as f:
                f.seek(info.start)
                payload = f.read(info.length + 1)
        except OSError as exc:
            raise RecoveryError(info.file, f"it can't be read ({exc.strerror or exc})") from None
        if len(payload) != info.length:
            raise RecoveryError(info.file, "it changed while it was being read")
        if hashlib.sha256(payload).hexdigest() != info.sha256:
            raise RecoveryError(info.file, "its text is garbled (the checksum does not match)")
        return payload

    def load(self, info: RecoveryInfo) -> Recovered:
        """The text of a file `peek` listed, checked against its checksum."""
        payload = self._payload(info)
        try:
            text = payload.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise RecoveryError(info.file, "its text is not valid UTF-8") from None
        return Recovered(info.file, info.path, text, info.fmt, info.pid, info.time, info.cursor,
                         info.disk)

    def read(self, path: Path) -> Recovered:
        """Read and check a recovery file; RecoveryError says what is wrong with it."""
        return self.load(self.peek(path))

    def export(self, info: RecoveryInfo, target: Path,
               progress: Callable[[int], bool] | None = None) -> None:
        """Copy the text of a recovery file too large to open into `target` (UTF-8), a piece at
        a time: `progress(bytes done)` runs between pieces and stops the copy by returning
        False (InterruptedError). The copy replaces `target` only once its checksum matched."""
        digest = hashlib.sha256()
        done = 0
        try:
            fd, _ = _open_own(info.file)
        except OSError as exc:
            raise RecoveryError(info.file, f"it can't be read ({exc.strerror or exc})") from None

        def copy(out: int, _tmp: Path) -> None:
            nonlocal done
            with open(fd, "rb", closefd=False) as source:
                source.seek(info.start)
                while done < info.length:
                    piece = source.read(min(EXPORT_PIECE, info.length - done))
                    if not piece:
                        raise RecoveryError(info.file, "it changed while it was being read")
                    digest.update(piece)
                    _write_all(out, piece)
                    done += len(piece)
                    if progress is not None and not progress(done):
                        raise InterruptedError("cancelled")
            if digest.hexdigest() != info.sha256:
                raise RecoveryError(info.file, "its text is garbled (the checksum does not match)")

        try:
            replace_file(target, copy)
        finally:
            os.close(fd)

    def orphans(self) -> list[Path]:
        """Recovery files whose writer is gone, newest first; stale temporary files of dead
        writers are deleted on the way (the file they were replacing is intact).

        Only files of this user in a folder only this user can write are listed; `problem`
        says why others were passed over."""
        self.problem = None
        found: list[tuple[float, Path]] = []
        foreign: list[str] = []
        try:
            with private_folder(self.folder, create=False) as folder:
                names = folder.names()
                for name in names:
                    try:
                        info = folder.lstat(name)
                    except OSError:
                        continue
                    entry = self.folder / name
                    if name.startswith(".") and name.endswith((".tmp", TEMP_SUFFIX)) \
                            and SUFFIX in name:
                        pid = _pid_of(self.folder / name[1:])
                        if pid is not None and owned_by_user(info) and not owner_alive(pid):
                            with contextlib.suppress(OSError):
                                folder.unlink(name)
                        continue
                    if not name.endswith(SUFFIX):
                        continue
                    if not _trusted(info):
                        foreign.append(name)  # planted: a link, another's file, a hard link
                        continue
                    pid = _pid_of(entry)
                    if pid is not None and owner_alive(pid, self.read_identity(entry)):
                        continue  # a running Caminho's: never take it over
                    found.append((info.st_mtime, entry))
        except UnsafeFolderError as exc:
            self.problem = f"the recovery folder {exc.folder} was not used: {exc.reason}"
            log.warning("%s", self.problem)
            return []
        except OSError:
            return []  # no folder yet: nothing ever crashed here
        if foreign:
            self.problem = (f"{len(foreign)} file(s) in the recovery folder {self.folder} were "
                            "not offered: they are links or belong to another user")
            log.warning("%s: %s", self.problem, ", ".join(foreign))
        return [path for _, path in sorted(found, key=lambda item: -item[0])]

    def move_aside(self, path: Path) -> Path | None:
        """Move a damaged file into `damaged/`, out of the way but not destroyed."""
        target = self.folder / "damaged" / f"{path.name}.{int(time.time())}"
        try:
            ensure_private_folder(target.parent)
            os.replace(path, target)
        except (OSError, UnsafeFolderError):
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return target

    @staticmethod
    def remove(path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
