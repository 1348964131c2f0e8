"""Private folders for what holds the user's text: drafts, word lists, training copies (Qt-free).

A folder that another user can write is one where they can plant a symbolic link at the name
Caminho writes next (and have it overwrite one of the user's files), or plant a file that
Caminho later reads as the user's own. So every folder of ours is checked before it is used:

- it must belong to the user running Caminho; one that belongs to someone else is refused;
- group and others get no access (0700): a folder of ours with a looser mode is tightened,
  except through a symbolic link (the link could point at any folder the user owns);
- the check is made on an open handle of the folder, and files are created relative to that
  handle, so the folder can't be swapped for another between the check and the write;
- files are created exclusively (O_EXCL) and never through a link (O_NOFOLLOW), mode 0600.

Where the platform has no user ids or folder handles (Windows), the folder is only created:
the per-user profile folders it lives in are private there already.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
_POSIX = hasattr(os, "getuid") and os.open in os.supports_dir_fd
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class UnsafeFolderError(Exception):
    """A folder Caminho will not keep the user's text in; `reason` says why in plain words."""

    def __init__(self, folder: Path | str, reason: str) -> None:
        super().__init__(f"{folder}: {reason}")
        self.folder = Path(folder)
        self.reason = reason


def current_uid() -> int | None:
    """The user id files must belong to; None where there are none (Windows)."""
    return os.getuid() if hasattr(os, "getuid") else None


def owned_by_user(info: os.stat_result) -> bool:
    uid = current_uid()
    return uid is None or info.st_uid == uid


def _owner_name(uid: int) -> str:
    try:
        import pwd  # noqa: PLC0415 (POSIX only)

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


class PrivateFolder:
    """An open, checked folder; names passed to its methods are plain file names in it."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self.fd = fd  # None: no folder handles here, work with paths

    def _at(self, name: str) -> tuple[str | Path, dict[str, int]]:
        if self.fd is None:
            return self.path / name, {}
        return name, {"dir_fd": self.fd}

    def create(self, name: str, mode: int = FILE_MODE) -> int:
        """A new file `name`, open for writing; FileExistsError if anything (a link too) is
        there already, so a planted link is never written through."""
        where, kw = self._at(name)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
        return os.open(where, flags, mode, **kw)

    def open_read(self, name: str) -> int:
        """Open `name` for reading, never through a link; refuses what is not a regular file
        of this user (OSError with EPERM)."""
        where, kw = self._at(name)
        try:
            fd = os.open(where, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | getattr(os, "O_NONBLOCK", 0),
                         **kw)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # what O_NOFOLLOW answers for a link
                raise OSError(errno.EPERM, "it is a link", str(self.path / name)) from None
            raise
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or not owned_by_user(info):
                raise OSError(errno.EPERM, "not a file of this user", str(self.path / name))
        except BaseException:
            os.close(fd)
            raise
        return fd

    def lstat(self, name: str) -> os.stat_result:
        where, kw = self._at(name)
        return os.stat(where, follow_symlinks=False, **kw)

    def replace(self, source: str, target: str) -> None:
        if self.fd is None:
            os.replace(self.path / source, self.path / target)
        else:
            os.replace(source, target, src_dir_fd=self.fd, dst_dir_fd=self.fd)

    def unlink(self, name: str) -> None:
        where, kw = self._at(name)
        os.unlink(where, **kw)

    def names(self) -> list[str]:
        return os.listdir(self.fd if self.fd is not None else self.path)

    def fsync(self) -> None:
        """Make renames in the folder durable (not every file system can)."""
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.fsync(self.fd)


def _check(folder: Path, fd: int, linked: bool, fix: bool) -> None:
    info = os.fstat(fd)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeFolderError(folder, "it is not a folder")
    if not owned_by_user(info):
        raise UnsafeFolderError(
            folder, f"it belongs to another user ({_owner_name(info.st_uid)}), so Caminho "
                    "does not keep your text there")
    loose = stat.S_IMODE(info.st_mode) & 0o077
    if not loose:
        return
    writable = bool(loose & 0o022)
    if fix and not linked:
        try:
            os.fchmod(fd, FOLDER_MODE)
            return
        except OSError:
            pass
    if writable:
        raise UnsafeFolderError(
            folder, f"other users can write to it (mode {stat.S_IMODE(info.st_mode):o}) and "
                    "Caminho could not make it private; run chmod 700 on it")
    # Readable by others but not writable: nothing can be planted; say so in the log only.


@contextlib.contextmanager
def private_folder(folder: Path | str, *, create: bool = True,
                   fix: bool = True) -> Iterator[PrivateFolder]:
    """Open `folder` (creating it, mode 0700) after checking it is the user's and private.

    Raises UnsafeFolderError for a folder of another user, or one others can write that can't
    be made private; OSError when it can't be created or opened at all.
    """
    folder = Path(folder)
    if create:
        folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    if not _POSIX:
        if not folder.is_dir():
            raise UnsafeFolderError(folder, "it is not a folder")
        yield PrivateFolder(folder, None)
        return
    flags = os.O_RDONLY | _DIRECTORY | _CLOEXEC
    linked = False
    try:
        fd = os.open(folder, flags | _NOFOLLOW)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR) or not folder.is_symlink():
            raise
        # A link to the folder (dotfile managers make them): used, but never tightened.
        linked = True
        fd = os.open(folder, flags)
    try:
        _check(folder, fd, linked, fix)
        yield PrivateFolder(folder, fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def open_folder(folder: Path | str) -> Iterator[PrivateFolder]:
    """Open an existing folder without the privacy checks (documents, models, checkpoints live
    where the user chose): creating files in it is still exclusive and never through a link."""
    folder = Path(folder)
    if not _POSIX:
        if not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "it is not a folder", str(folder))
        yield PrivateFolder(folder, None)
        return
    fd = os.open(folder, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        yield PrivateFolder(folder, fd)
    finally:
        os.close(fd)


def ensure_private_folder(folder: Path | str) -> None:
    """Create or check `folder` as `private_folder` does, without keeping it open."""
    with private_folder(folder):
        pass


def make_private(path: Path | str) -> None:
    """Take group and others' access away from an existing file of the user (an older
    version wrote some world-readable); anything else is left alone."""
    with contextlib.suppress(OSError):
        info = os.stat(path, follow_symlinks=False)
        if stat.S_ISREG(info.st_mode) and owned_by_user(info) and info.st_mode & 0o077:
            os.chmod(path, stat.S_IMODE(info.st_mode) & ~0o077)


__all__ = [
    "FILE_MODE",
    "FOLDER_MODE",
    "PrivateFolder",
    "UnsafeFolderError",
    "current_uid",
    "ensure_private_folder",
    "make_private",
    "open_folder",
    "owned_by_user",
    "private_folder",
]
