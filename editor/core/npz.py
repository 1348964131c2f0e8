"""Reading a numpy `.npz` archive from an untrusted file without letting it fill the memory.

Qt-free. `numpy.load` trusts the archive: each member is unpacked to whatever size its header
claims, so a few megabytes of deflated zeros (a "zip bomb") become gigabytes before any check
can run. Here every size is known and checked before a byte is unpacked:

1. the zip directory gives each member's unpacked size; their sum must stay under a cap and
   under a multiple of the archive's own size (real tables shrink about 3 to 7 times; a bomb
   a thousand times);
2. each member's `.npy` header (a few hundred bytes, itself capped) gives its dtype and shape,
   which must be the expected kind and agree with the zip's size to the byte;
3. the caller checks the shapes against what it knows (e.g. the vocabulary) before the data
   is read;
4. only then is the data read, and `zipfile` stops unpacking at the size the directory
   declared, so a lying directory cannot unpack more either (and fails its checksum).

Only stored and deflated members are read: `zipfile` unpacks bzip2 and lzma without a limit.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

MAX_HEADER_BYTES = 4096  # a 1-D array's header is ~128 bytes
MAX_RATIO = 100  # unpacked bytes per packed byte; real n-gram tables: ~3 to 7
RATIO_SLACK = 1 << 16  # tiny archives compress their headers more than that
MAX_BYTES = 1 << 30  # 1 GiB: no table the editor can use is larger


class ArchiveError(ValueError):
    """The archive cannot be used; the message says why in plain words, as a predicate
    ("is not a numpy archive") that completes a sentence naming the archive."""


@dataclass(frozen=True)
class Member:
    """What a member's header declares, before its data is read."""

    name: str
    dtype: np.dtype
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def read_npz(blob: bytes, kinds: Mapping[str, str], *,
             check: Callable[[dict[str, Member]], None] | None = None,
             max_bytes: int = MAX_BYTES, max_ratio: int = MAX_RATIO) -> dict[str, np.ndarray]:
    """The arrays named in `kinds` (name -> dtype string such as "<f8"), read from `blob`.

    `check` sees every member's declared dtype and shape before any data is unpacked and
    raises `ArchiveError` to refuse. Other members are ignored, never unpacked.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ArchiveError("is not a numpy archive (a zip file)") from exc
    wanted = {f"{name}.npy": name for name in kinds}
    found: dict[str, zipfile.ZipInfo] = {}
    for entry in entries:
        if entry.filename not in wanted:
            continue
        if entry.filename in found:
            raise ArchiveError(f"holds '{entry.filename}' twice")
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ArchiveError(f"packs '{entry.filename}' with an unsupported method")
        found[entry.filename] = entry
    missing = [name for file, name in wanted.items() if file not in found]
    if missing:
        raise ArchiveError(f"lacks {', '.join(missing)}")
    declared = sum(entry.file_size for entry in found.values())
    limit = min(max_bytes, max_ratio * len(blob) + RATIO_SLACK)
    if declared > limit:
        raise ArchiveError(
            f"would unpack to {_mb(declared)} from {_mb(len(blob))}, more than a real table "
            f"ever does (at most {_mb(limit)} here), so it was not unpacked")

    members: dict[str, Member] = {}
    for file, entry in found.items():
        name = wanted[file]
        with archive.open(entry) as handle:
            member = _read_header(handle, name, entry.file_size)
        expected = np.dtype(kinds[name])
        if (member.dtype.kind, member.dtype.itemsize) != (expected.kind, expected.itemsize):
            raise ArchiveError(f"holds {member.dtype} values in '{name}', expected {expected}")
        members[name] = member
    if check is not None:
        check(members)

    arrays: dict[str, np.ndarray] = {}
    for file, entry in found.items():
        member = members[wanted[file]]
        nbytes = member.size * member.dtype.itemsize
        try:
            with archive.open(entry) as handle:
                handle.seek(entry.file_size - nbytes)  # past the header, already read
                data = handle.read(nbytes)
                handle.read(1)  # reaches the end, where zipfile checks the CRC
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise ArchiveError(f"has a damaged '{member.name}' ({exc})") from exc
        if len(data) != nbytes:
            raise ArchiveError(f"has a '{member.name}' shorter than its header says")
        array = np.frombuffer(data, dtype=member.dtype).reshape(member.shape)
        # Written on a machine of the other byte order: the values, in this one's.
        arrays[member.name] = array.astype(np.dtype(kinds[member.name]), copy=False)
    return arrays


def _read_header(handle: io.BufferedIOBase, name: str, file_size: int) -> Member:
    fmt = np.lib.format
    try:
        version = fmt.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(
                handle, max_header_size=MAX_HEADER_BYTES)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = fmt.read_array_header_2_0(
                handle, max_header_size=MAX_HEADER_BYTES)
        else:
            raise ValueError(f"version {version}")
    except zipfile.BadZipFile as exc:  # e.g. its checksum: the zip directory lied
        raise ArchiveError(f"has a damaged '{name}' ({exc})") from exc
    except (ValueError, EOFError, OSError, SyntaxError) as exc:
        raise ArchiveError(f"has a '{name}' that is not a numpy array ({exc})") from exc
    if dtype.hasobject or (fortran and len(shape) > 1):
        raise ArchiveError(f"has a '{name}' that is not a plain array of numbers")
    header = handle.tell()
    if header + math.prod(shape) * dtype.itemsize != file_size:
        raise ArchiveError(f"has a '{name}' whose shape {shape} does not match its size")
    return Member(name, dtype, tuple(int(n) for n in shape))
