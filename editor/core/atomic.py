"""One way to replace a file atomically, for every writer (documents, drafts, word lists,
checkpoints, models): a crash, a full disk or a kill leaves the old file or the new, never half.

The new content goes to a temporary file in the same folder (so the rename cannot cross file
systems), created exclusively and never through a link (editor/core/safefs.py), fsynced, renamed
over the target, and the folder is fsynced so the rename itself survives a power cut. Temporary
names carry the writer's pid: one left by a writer that was killed is deleted by the next write
to the same file. Callers add their own rules on top (editor/core/fileio.py: links, hard links,
owners, the messages a writer reads).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

from editor.core.safefs import FILE_MODE, PrivateFolder, open_folder, owned_by_user, private_folder

TEMP_SUFFIX = ".caminho-tmp"
NEW_FILE_MODE = 0o666  # less the umask, like any new file; FILE_MODE (0600) for private data
_TRIES = 8


class ReplaceError(OSError):
    """An OSError that also says which step failed: "create" (the folder refused a new file),
    "write" (writing or syncing the data) or "replace" (the rename over the target)."""

    def __init__(self, step: str, exc: OSError) -> None:
        super().__init__(exc.errno, exc.strerror or str(exc), exc.filename)
        self.step = step


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of `data` to `fd` (os.write may write less than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _temp_name(target: str) -> str:
    """A fresh temporary name for the next version of `target`: random, so a link planted at a
    guessed name is never the one used, and with the pid, so a dead writer's can be cleaned."""
    return f".{target}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}"


def _create_temp(folder: PrivateFolder, name: str, mode: int) -> int:
    """Create `name` in `folder` exclusively, never through a link (one place tests can make
    refuse like a read-only folder)."""
    return folder.create(name, mode)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def clean_stale_temporaries(folder: PrivateFolder, target: str) -> None:
    """Delete the temporary files that writers of `target` which no longer run left behind
    (SIGKILL or a power cut between create and rename). Also the `.tmp` names of older
    versions. Only plain files of this user are touched."""
    suffixes = f"(?:{re.escape(TEMP_SUFFIX)}|\\.tmp)"
    pattern = re.compile(rf"\.{re.escape(target)}\.(\d+)\.[0-9a-f]+{suffixes}")
    with contextlib.suppress(OSError):
        for name in folder.names():
            match = pattern.fullmatch(name)
            if match is None or int(match.group(1)) == os.getpid() or _alive(int(match.group(1))):
                continue
            with contextlib.suppress(OSError):
                info = folder.lstat(name)
                if owned_by_user(info) and not os.path.islink(folder.path / name):
                    folder.unlink(name)


def replace_file(
    path: Path | str,
    write: Callable[[int, Path], None],
    *,
    private: bool = False,
    mode: int | None = None,
    keep_mode: bool = False,
    check: Callable[[Path], None] | None = None,
) -> None:
    """Replace `path` with what `write(fd, temp_path)` writes into a new temporary file.

    `write` may use the open descriptor or the path (torch.save, onnx), not both at once.
    `private`: the folder must be the user's own and not writable by others (UnsafeFolderError
    otherwise) and the file is 0600. `mode`: the new file's mode (default: 0666 less the umask,
    0600 when private); `keep_mode`: an existing target's mode wins. `check(temp_path)` runs on
    the synced file before it replaces anything: a file that fails it never lands at `path`.
    OSErrors come as ReplaceError, which says the step.
    """
    path = Path(path)
    explicit = mode is not None
    if mode is None:
        mode = FILE_MODE if private else NEW_FILE_MODE
    if keep_mode:
        with contextlib.suppress(OSError):
            mode, explicit = os.stat(path).st_mode & 0o7777, True
    with contextlib.ExitStack() as stack:
        try:
            folder = stack.enter_context(
                private_folder(path.parent) if private else open_folder(path.parent))
        except OSError as exc:
            raise ReplaceError("create", exc) from None
        _replace_in(folder, path, write, mode, explicit, check)


def _replace_in(folder: PrivateFolder, path: Path, write: Callable[[int, Path], None],
                mode: int, explicit: bool, check: Callable[[Path], None] | None) -> None:
    for _ in range(_TRIES):
        tmp = _temp_name(path.name)
        try:
            fd = _create_temp(folder, tmp, mode)
            break
        except FileExistsError:
            continue  # something is there already; never write into it
        except OSError as exc:
            raise ReplaceError("create", exc) from None
    else:
        raise ReplaceError("create", FileExistsError(
            errno.EEXIST, "no free temporary name", str(path.parent)))
    tmp_path = folder.path / tmp
    try:
        try:
            write(fd, tmp_path)
            if explicit:
                os.fchmod(fd, mode)  # the umask must not narrow a mode asked for
            os.fsync(fd)
        except OSError as exc:
            raise ReplaceError("write", exc) from None
        finally:
            os.close(fd)
        if check is not None:
            check(tmp_path)
        try:
            folder.replace(tmp, path.name)
        except OSError as exc:
            raise ReplaceError("replace", exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            folder.unlink(tmp)
        raise
    folder.fsync()
    clean_stale_temporaries(folder, path.name)


def write_bytes(path: Path | str, data: bytes | Iterable[bytes], **options: object) -> None:
    """`replace_file` with `data` (bytes, or pieces of it) as the new content."""
    pieces = [data] if isinstance(data, bytes | bytearray | memoryview) else data

    def write(fd: int, _tmp: Path) -> None:
        for piece in pieces:
            write_all(fd, piece)

    replace_file(path, write, **options)  # type: ignore[arg-type]
