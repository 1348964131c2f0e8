"""Crash recovery: unsaved text goes to a recovery file, and comes back after a crash.

Each window writes its unsaved buffer to a file of its own in the user's data folder a couple
of seconds after typing stops (and every few seconds while typing goes on), and deletes it
when the text is saved, discarded or closed unchanged. A file whose owner process is gone is
what a crash left behind: the next start offers to recover it.

Reading a 50 MB document out of Qt takes about a second, far too long for the GUI thread, so
the buffer is mirrored in chunks (`DocumentMirror`): an edit marks only the chunks it touched
as stale, they are re-read a few milliseconds per event-loop turn, and encoding, hashing and
writing happen on a background thread.

A recovery file is one line of magic, one line of JSON (where the text belongs, how to save
it, who wrote it, and the payload's length and SHA-256), then the text in UTF-8. It is written
to a temporary file, fsynced and renamed over the old one, so a crash mid-write leaves the
previous version; the length and checksum catch anything cut short or garbled.

The files hold drafts, and Recover then Save writes them into the file they name, so the
folder must be the user's own and private, temporary files are created exclusively and never
through a link (editor/safefs.py), and only plain files of the user are offered. At start only
headers are read; the text is read when the user recovers it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import stat
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QProgressDialog

from editor.fileio import (
    MAX_FILE_BYTES,
    FileError,
    FileFormat,
    canonical_encoding,
    display_name,
    fsync_folder,
)
from editor.safefs import (
    UnsafeFolderError,
    ensure_private_folder,
    owned_by_user,
    private_folder,
)
from editor.settings import CONFIG_DIR_ENV
from editor.window import MainWindow

log = logging.getLogger(__name__)

IDLE_MS = 2000  # write this long after the last change
MAX_DELAY_MS = 5000  # ... and at least this often while changes keep coming
SLICE_S = 0.004  # GUI time spent re-reading stale chunks per event-loop turn
CHUNK = 1 << 17  # UTF-16 units per mirrored chunk: one read takes ~2 ms
MAGIC = b"CAMINHO-RECOVERY 1\n"
SUFFIX = ".caminho-recovery"
HEADER_LIMIT = 1 << 16  # a header is a path and a few numbers; more is garbage
# Far beyond any buffer a person could work in; a larger file is garbage, not a draft.
MAX_RECOVERY_BYTES = 1 << 30
# Text beyond what the editor opens from disk is not put in a window (it would freeze it):
# it is offered as a file to save instead (RecoveryStore.export).
MAX_RECOVER_INTO_WINDOW = MAX_FILE_BYTES
# Files up to this size are checked whole before they are offered (a garbled one is set aside
# unasked); larger ones by their header and size only, and whole when the user recovers them.
CHECK_WHOLE_BYTES = 1 << 20
EXPORT_PIECE = 4 << 20  # bytes copied between two looks at the event loop
_NEWLINES = ("\n", "\r\n", "\r")


def recovery_dir() -> Path:
    """Where recovery files live: the user's data folder, or beside the settings file when
    CAMINHO_CONFIG_DIR points those somewhere of their own (tests, portable use)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override) / "recovery"
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return (Path(base) if base else Path.home() / ".caminho") / "recovery"


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


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte (one place tests can make fail like a full disk)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _temp_name(path: Path) -> str:
    """A fresh name for the next version of `path`: random, so one planted in advance (a link
    set up as a trap) is never the one used."""
    return f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"


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

    The folder must be the user's own and private (editor/safefs.py); `problem` says why one
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
        with private_folder(self.folder) as folder:  # private: it holds drafts
            for _ in range(8):
                tmp = _temp_name(path)
                try:
                    fd = folder.create(tmp)  # exclusive, never through a link
                    break
                except FileExistsError:
                    continue  # something is there already; never write into it
            else:
                raise FileExistsError(errno.EEXIST, "no free temporary name", str(self.folder))
            try:
                try:
                    _write_all(fd, head)
                    for data in parts:
                        _write_all(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                folder.replace(tmp, path.name)
            except BaseException:
                with contextlib.suppress(OSError):
                    folder.unlink(tmp)
                raise
            folder.fsync()
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
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.caminho-tmp")
        try:
            with open(fd, "rb") as source, open(tmp, "xb") as out:
                source.seek(info.start)
                while done < info.length:
                    piece = source.read(min(EXPORT_PIECE, info.length - done))
                    if not piece:
                        raise RecoveryError(info.file, "it changed while it was being read")
                    digest.update(piece)
                    out.write(piece)
                    done += len(piece)
                    if progress is not None and not progress(done):
                        raise InterruptedError("cancelled")
                if digest.hexdigest() != info.sha256:
                    raise RecoveryError(info.file,
                                        "its text is garbled (the checksum does not match)")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        fsync_folder(target.parent)

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
                    if name.startswith(".") and name.endswith(".tmp") and SUFFIX in name:
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


# --- a cheap snapshot of a big document ------------------------------------------------------


def _read_range(document: QTextDocument, start: int, end: int) -> str:
    cursor = QTextCursor(document)
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    # Same text as textedit.document_text: paragraph separators become "\n", nothing else changes.
    return cursor.selectedText().replace("\u2029", "\n")


class DocumentMirror:
    """The document's text as chunks, kept current by re-reading only what edits touched.

    Positions and lengths count UTF-16 units, like QTextDocument. A stale chunk holds None.
    """

    def __init__(self, document: QTextDocument, chunk: int = CHUNK) -> None:
        self.document = document
        self.chunk = chunk
        self.lens: list[int] = []
        self.texts: list[str | None] = []
        self.resets = 0  # how often the whole text had to be re-read (tests, benchmarks)
        self.reset()
        document.contentsChange.connect(self._on_change)

    def _size(self) -> int:
        return self.document.characterCount() - 1  # less the final paragraph separator

    def reset(self) -> None:
        size = self._size()
        self.lens = [size] if size > 0 else []
        self.texts = [None] * len(self.lens)
        self.resets += 1

    def _on_change(self, pos: int, removed: int, added: int) -> None:
        # Chunks that touch the changed range become one stale chunk; those after it keep
        # their text (it only moved). A boundary touching the edit is never kept, so kept
        # boundaries never fall inside a surrogate pair.
        start, first, last = 0, -1, -1
        for i, n in enumerate(self.lens):
            end = start + n
            if start > pos + removed:
                break
            if end >= pos:
                if first < 0:
                    first = i
                last = i
            start = end
        if first < 0:
            self.reset()
            return
        merged = sum(self.lens[first : last + 1]) - removed + added
        self.lens[first : last + 1] = [merged] if merged > 0 else []
        self.texts[first : last + 1] = [None] if merged > 0 else []
        # Qt's counts sometimes include the final paragraph separator; re-read everything
        # rather than trust a mirror that does not add up.
        if merged < 0 or sum(self.lens) != self._size():
            self.reset()

    def stale(self) -> bool:
        return any(text is None for text in self.texts)

    def refresh(self, budget_s: float | None = SLICE_S) -> bool:
        """Re-read stale chunks until `budget_s` is spent (None: all); True when current."""
        deadline = None if budget_s is None else time.perf_counter() + budget_s
        start = 0
        i = 0
        while i < len(self.lens):
            if self.texts[i] is None:
                if deadline is not None and time.perf_counter() > deadline:
                    return False
                if self.lens[i] > self.chunk + 1:
                    self._split(i, start)
                self.texts[i] = _read_range(self.document, start, start + self.lens[i])
            start += self.lens[i]
            i += 1
        return True

    def _split(self, i: int, start: int) -> None:
        head = self.chunk
        # Never between the two halves of a surrogate pair: Qt gives each half back as nothing.
        if 0xD800 <= ord(self.document.characterAt(start + head - 1) or "\0") <= 0xDBFF:
            head += 1
        self.lens[i : i + 1] = [head, self.lens[i] - head]
        self.texts[i : i + 1] = [None, None]

    def chunks(self) -> list[str]:
        """The text as it stands, in pieces; call `refresh` until it returns True first."""
        return [text or "" for text in self.texts]

    def text(self) -> str:
        self.refresh(None)
        return "".join(self.chunks())


# --- writing in the background ---------------------------------------------------------------


class _Writer:
    """One background thread running the latest job (a write or a delete); a newer job
    replaces one still waiting, so a burst of auto-saves costs one write."""

    def __init__(self, report: Callable[[tuple[str, Any]], None]) -> None:
        self._report = report
        self._cond = threading.Condition()
        self._job: Callable[[], tuple[str, Any]] | None = None
        self._busy = False
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="caminho-recovery", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], tuple[str, Any]]) -> None:
        with self._cond:
            if not self._stop:
                self._job = job
                self._cond.notify_all()
                return
        # Closed already (a window closed twice): nothing is queued to run later.
        try:
            job()
        except (OSError, UnsafeFolderError) as exc:
            log.warning("recovery file: %s", exc)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._job is None and not self._busy, timeout)

    def close(self, timeout: float = 10.0) -> None:
        self.wait_idle(timeout)
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stop or self._job is not None)
                if self._job is None:
                    return
                job, self._job = self._job, None
                self._busy = True
            try:
                outcome = job()
            except Exception as exc:  # an auto-save must never take the editor down
                outcome = ("error", exc)
            try:
                self._report(outcome)
            except RuntimeError:
                pass  # the window is gone; nobody is left to tell
            with self._cond:
                self._busy = False
                self._cond.notify_all()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, UnsafeFolderError):
        return f"the recovery folder {exc.folder} was not used: {exc.reason}"
    if isinstance(exc, OSError):
        from editor.fileio import _os_error  # noqa: PLC0415 (one wording for every I/O error)

        return _os_error(Path(exc.filename or "recovery"), exc, "auto-saving").reason
    return str(exc) or type(exc).__name__


class AutoSaver(QObject):
    """Keeps one window's unsaved text in a recovery file (see the module docstring)."""

    written = Signal(object)  # the recovery file, just written
    removed = Signal()  # the recovery file is gone (saved, discarded, closed)
    failed = Signal(str)  # why an auto-save could not be written
    _outcome = Signal(object)  # from the writer thread

    def __init__(self, window: MainWindow, store: RecoveryStore, *, idle_ms: int = IDLE_MS,
                 max_delay_ms: int = MAX_DELAY_MS) -> None:
        super().__init__(window)
        self.window = window
        self.store = store
        self.path = store.new_path()
        self.last_error: str | None = None
        self.last_written: float | None = None  # time.time() of the last good write
        self._identity = process_identity()
        document = window.editor.document()
        self.mirror = DocumentMirror(document)
        self._changes = 0  # edits seen; compared with the count the last write had
        self._written_changes = -1
        self._adopting = False
        self._idle = self._timer(idle_ms, self._start_snapshot)
        self._max = self._timer(max_delay_ms, self._start_snapshot)
        self._slicer = self._timer(0, self._continue_snapshot, single=False)
        self._writer = _Writer(self._outcome.emit)
        self._outcome.connect(self._on_outcome)
        document.contentsChange.connect(self._on_edit)
        document.modificationChanged.connect(self._on_modification)
        window.document_loaded.connect(self._on_new_document)
        window.document_saved.connect(lambda _path: self.discard())
        window.closed.connect(self.close)

    def _timer(self, ms: int, slot: Callable[[], None], single: bool = True) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(single)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    # -- when to write -----------------------------------------------------------------------
    def _on_edit(self, *_args: int) -> None:
        self._changes += 1
        self._idle.start()  # restarted by every change: "after typing stops"
        if not self._max.isActive():
            self._max.start()  # but typing that never stops is saved too

    def _on_modification(self, modified: bool) -> None:
        if self._adopting:
            return
        if modified:
            self._on_edit()  # e.g. the file was deleted on disk: the buffer is the only copy
        else:
            self.discard()  # saved, or undone back to the saved text

    def _on_new_document(self, _path: Path | None) -> None:
        if not self._adopting:
            self.discard()  # the window asked about the old text before replacing it

    def flush(self) -> None:
        """Write now (if there is anything unsaved) instead of waiting for the timers."""
        self._start_snapshot()

    def _start_snapshot(self) -> None:
        self._idle.stop()
        self._max.stop()
        if not self.window.is_modified():
            self.discard()
            return
        if self._changes == self._written_changes:
            return  # this very text is written (or on its way)
        self._slicer.start()

    def _continue_snapshot(self) -> None:
        if not self.window.is_modified():
            self._slicer.stop()
            self.discard()
            return
        if not self.mirror.refresh(SLICE_S):
            return  # more next turn, so typing and painting go on meanwhile
        self._slicer.stop()
        chunks = self.mirror.chunks()
        meta = self._meta()
        self._written_changes = self._changes
        path = self.path
        self._writer.submit(lambda: ("written", (path, meta, self.store.write(path, meta, chunks))))

    def _meta(self) -> dict[str, Any]:
        window = self.window
        doc_path = window.path
        disk = None
        if doc_path is not None:
            with contextlib.suppress(OSError):
                info = os.stat(doc_path)
                disk = [info.st_mtime_ns, info.st_size]
        fmt = window.file_format
        return {
            "path": str(doc_path) if doc_path is not None else None,
            "encoding": fmt.encoding,
            "bom": fmt.bom,
            "newline": fmt.newline,
            "cursor": window.editor.textCursor().position(),
            "disk": disk,
            "pid": os.getpid(),
            "owner": self._identity,
            "time": time.time(),
        }

    # -- removing ----------------------------------------------------------------------------
    def discard(self) -> None:
        """Delete the recovery file: the text is saved, or the writer threw it away."""
        for timer in (self._idle, self._max, self._slicer):
            timer.stop()
        self._written_changes = -1
        path = self.path
        self._writer.submit(lambda: ("removed", self.store.remove(path)))

    def close(self) -> None:
        """The window closed with nothing left to save: delete the file before the process
        may exit, and stop the thread."""
        self.discard()
        self._writer.close()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until the background writer has nothing left to do (tests, adopting)."""
        return self._writer.wait_idle(timeout)

    def _on_outcome(self, outcome: tuple[str, Any]) -> None:
        kind, value = outcome
        if kind == "written":
            path, meta, _size = value
            self.last_error = None
            self.last_written = meta["time"]
            self.written.emit(path)
        elif kind == "removed":
            self.removed.emit()
        else:
            # Say it in the status bar, not in a box: this repeats every few seconds while
            # the writer types, and the text itself is not at risk until a crash.
            message = self.window.tr("Auto-save for crash recovery failed: {0}.").format(
                _describe(value))
            first = self.last_error is None
            self.last_error = message
            self._written_changes = -1
            if first:
                log.warning("%s (%s)", message, self.path)
            self.window.show_status(message)
            self.failed.emit(message)

    # -- recovering --------------------------------------------------------------------------
    def adopt(self, recovered: Recovered) -> bool:
        """Show `recovered` in this window, unsaved, and make its file ours."""
        self.wait_idle()
        try:
            # Claim it in one atomic step: another Caminho starting at the same moment can't
            # take it too, and a crash from here on still leaves it behind.
            os.replace(recovered.file, self.path)
        except OSError as exc:
            self.window.show_error(self.window.tr("Could not recover"),
                                   self.window.tr("The recovery file is gone ({0}).").format(
                                       exc.strerror or exc))
            return False
        self._adopting = True
        try:
            self.window.restore_document(recovered.path, recovered.text, recovered.fmt)
        finally:
            self._adopting = False
        cursor = self.window.editor.textCursor()
        cursor.setPosition(max(0, min(recovered.cursor, self.window.editor.document()
                                      .characterCount() - 1)))
        self.window.editor.setTextCursor(cursor)
        self.flush()  # rewrite it under our own name and pid at once
        return True


def autosaver(window: MainWindow) -> AutoSaver | None:
    return window.findChild(AutoSaver)


def attach_autosave(window: MainWindow, store: RecoveryStore | None = None) -> AutoSaver:
    """Give `window` crash recovery; the store defaults to `recovery_dir()`."""
    return AutoSaver(window, store if store is not None else RecoveryStore(recovery_dir()))


# --- the question after a crash ---------------------------------------------------------------


def _fits(window: MainWindow, recovered: Recovered | RecoveryInfo) -> bool:
    """Whether `window` can show `recovered` without replacing anything the writer opened."""
    if window.is_modified():
        return False
    if window.path is None:
        return window.editor.document().isEmpty()
    return recovered.path is not None and window.path == recovered.path.absolute()


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))


def changed_since(info: RecoveryInfo) -> bool:
    """Whether saving the recovered text would replace a version of its file that the writer
    never saw. A file without the fingerprint of the version on disk (an older Caminho's, or
    one Caminho did not write) counts as changed whenever that file exists."""
    if info.path is None:
        return False
    try:
        now = os.stat(info.path)
    except FileNotFoundError:
        return info.disk is not None  # it was deleted since; saving only creates it again
    except OSError:
        return True
    return info.disk is None or (now.st_mtime_ns, now.st_size) != info.disk


def _amount(window: MainWindow, info: RecoveryInfo) -> str:
    if info.chars is not None:
        return window.tr("{0} characters").format(info.chars)
    return window.tr("{0} KB of text").format(max(1, round(info.length / 1024)))


def _offer_export(window: MainWindow, store: RecoveryStore, info: RecoveryInfo, name: str) -> None:
    """A recovery file holding more text than a window opens: save it to a file, piece by
    piece with a progress bar, so the editor neither freezes nor loses it."""
    answer = window.ask_user(
        window.tr("Recover unsaved text?"),
        window.tr("Caminho closed unexpectedly while {0} had unsaved changes "
                  "(last auto-saved {1}, {2}).").format(name, _when(info.time),
                                                        _amount(window, info)),
        [("save_as", window.tr("Save As…")), ("discard", window.tr("Discard")),
         ("cancel", window.tr("Not Now"))],
        default="save_as",
        informative=window.tr(
            "That text ({0} MB) is more than Caminho opens in a window ({1} MB). Save As "
            "writes it to a file of your choice, in UTF-8; Discard deletes it; Not Now asks "
            "again next time.").format(max(1, round(info.length / 2**20)),
                                       MAX_RECOVER_INTO_WINDOW // 2**20),
    )
    if answer == "discard":
        store.remove(info.file)
        return
    if answer != "save_as":
        return
    target = window.choose_save_path()
    if target is None:
        return  # kept: offered again next time
    target = target.absolute()
    progress = QProgressDialog(window.tr("Saving the recovered text…"), window.tr("Cancel"),
                               0, max(1, info.length >> 10), window)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(500)

    def step(done: int) -> bool:
        progress.setValue(done >> 10)
        QCoreApplication.processEvents()
        return not progress.wasCanceled()

    try:
        store.export(info, target, step)
    except InterruptedError:
        window.show_status(window.tr("Cancelled; the recovered text is kept for next time."))
        return
    except OSError as exc:
        from editor.fileio import _os_error  # noqa: PLC0415 (one wording for every I/O error)

        window.show_error(window.tr("Could not save"),
                          window.tr("Could not save the recovered text to {0}: {1}.").format(
                              display_name(target), _os_error(target, exc, "saving").reason))
        return
    finally:
        progress.close()
        progress.deleteLater()
    store.remove(info.file)
    window.show_status(window.tr("Saved the recovered text to {0}").format(display_name(target)))


def offer_recovery(window: MainWindow,
                   open_window: Callable[[], MainWindow] | None = None) -> int:
    """Offer each recovery file a crashed Caminho left behind: Recover, Discard, or Not Now
    (also Escape: it is offered again at the next start). Recovered text goes into `window` when it
    holds nothing yet (or the same file), else into a window from `open_window`. Damaged files
    are moved aside with a message. Only headers are read to ask (small files are checked
    whole); the text is read when the user recovers it, and text too large for a window is
    offered as a file to save. Returns how many documents were recovered."""
    saver = autosaver(window)
    if saver is None:
        return 0
    store = saver.store
    damaged: list[str] = []
    recovered_count = 0

    def set_aside(file: Path, exc: RecoveryError) -> None:
        aside = store.move_aside(file)
        log.warning("damaged recovery file %s: %s", file, exc.reason)
        damaged.append(window.tr("{0}: {1}{2}").format(
            file.name, exc.reason, f" (moved to {aside})" if aside else " (deleted)"))

    for file in store.orphans():
        try:
            info = store.peek(file)
            # A small one is checked whole now, so a garbled one is never offered.
            recovered = store.load(info) if info.length <= CHECK_WHOLE_BYTES else None
        except RecoveryError as exc:
            set_aside(file, exc)
            continue
        name = display_name(info.path) if info.path else window.tr("an untitled document")
        if info.length > MAX_RECOVER_INTO_WINDOW:
            _offer_export(window, store, info, name)
            continue
        target = window if _fits(window, info) else None
        if target is None and open_window is None:
            continue  # nowhere to show it now; it is offered again next time
        informative = window.tr("Recover shows that text, unsaved; Discard deletes it; "
                                "Not Now asks again next time.")
        if info.path is not None:
            # The whole path: a recovery file names the file its text is saved into.
            informative += " " + window.tr("Its file: {0}.").format(
                display_name(info.path, whole=True))
        if changed_since(info):
            informative += " " + window.tr(
                "The file on disk has changed since; saving recovered text replaces it.")
        answer = window.ask_user(
            window.tr("Recover unsaved text?"),
            window.tr("Caminho closed unexpectedly while {0} had unsaved changes "
                      "(last auto-saved {1}, {2}).").format(
                name, _when(info.time), _amount(window, info)),
            # "cancel" is the standard Cancel button, so Escape keeps the file for next time.
            [("recover", window.tr("Recover")), ("discard", window.tr("Discard")),
             ("cancel", window.tr("Not Now"))],
            default="recover",
            informative=informative,
        )
        if answer == "discard":
            store.remove(file)
            continue
        if answer != "recover":
            continue
        if recovered is None:
            try:
                recovered = store.load(info)
            except RecoveryError as exc:
                set_aside(file, exc)
                continue
        if target is None or not _fits(target, recovered):
            target = open_window() if open_window is not None else None
        target_saver = autosaver(target) if target is not None else None
        if target_saver is not None and target_saver.adopt(recovered):
            recovered_count += 1
    problem = window.tr("Crash recovery: {0}.").format(store.problem) if store.problem else ""
    if damaged:
        window.show_error(window.tr("Damaged recovery files"),
                          window.tr("Some recovery files could not be read and were set aside:\n")
                          + "\n".join(damaged) + (f"\n{problem}" if problem else ""))
    elif problem:
        window.show_status(problem)
    return recovered_count


__all__ = [
    "AutoSaver",
    "DocumentMirror",
    "Recovered",
    "RecoveryError",
    "RecoveryInfo",
    "RecoveryStore",
    "attach_autosave",
    "autosaver",
    "changed_since",
    "offer_recovery",
    "owner_alive",
    "recovery_dir",
]
