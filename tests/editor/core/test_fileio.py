"""fileio: decoding guesses, byte-identical round trips and safe, atomic saves."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from editor.core import atomic, fileio
from editor.core.fileio import DEFAULT_FORMAT, FileError, FileFormat, decode, encode


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".caminho-tmp")]


# --- decoding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text", "encoding", "bom", "newline"),
    [
        (b"", "", "utf-8", False, "\n"),
        (b"a\nb\n", "a\nb\n", "utf-8", False, "\n"),
        (b"a\r\nb", "a\nb", "utf-8", False, "\r\n"),
        (b"a\rb\r", "a\nb\n", "utf-8", False, "\r"),
        ("ação".encode(), "ação", "utf-8", False, "\n"),
        (b"\xef\xbb\xbfbom", "bom", "utf-8", True, "\n"),
        (b"\xff\xfea\x00\r\x00\n\x00", "a\n", "utf-16-le", True, "\r\n"),
        (b"\xfe\xff\x00a", "a", "utf-16-be", True, "\n"),
        (b"\x93aspas\x94 \x80", "\u201caspas\u201d \u20ac", "cp1252", False, "\n"),
        (b"\x81\xe9", "\x81\xe9", "latin-1", False, "\n"),  # 0x81 is undefined in cp1252
    ],
)
def test_decode_detects_format(
    data: bytes, text: str, encoding: str, bom: bool, newline: str
) -> None:
    decoded, fmt = decode(data)
    assert decoded == text
    assert (fmt.encoding, fmt.bom, fmt.newline, fmt.mixed_newlines) == (
        encoding,
        bom,
        newline,
        False,
    )
    assert encode(decoded, fmt) == data


def test_mixed_line_endings_are_flagged() -> None:
    text, fmt = decode(b"a\r\nb\nc\r\n")
    assert text == "a\nb\nc\n"
    assert fmt.newline == "\r\n" and fmt.mixed_newlines


def test_labels() -> None:
    assert FileFormat("utf-8", bom=True).label == "UTF-8 with BOM"
    assert FileFormat("cp1252").label == "Windows-1252"
    assert FileFormat("latin-1").label == "ISO-8859-1"
    assert FileFormat(newline="\r\n").newline_label == "CRLF"
    assert DEFAULT_FORMAT.is_utf8


def test_binary_is_refused() -> None:
    with pytest.raises(FileError) as info:
        decode(b"\x7fELF\x02\x01\x00\x00")
    assert info.value.kind == "binary"


def test_forced_encoding_reports_byte_offset() -> None:
    with pytest.raises(FileError) as info:
        decode(b"abc\xe9def", encoding="utf-8")
    assert info.value.kind == "decode" and info.value.offset == 3
    assert "offset 3" in info.value.reason


def test_bom_with_invalid_body_reports_offset() -> None:
    # A BOM promises UTF-8; don't quietly reinterpret the file as something else.
    with pytest.raises(FileError) as info:
        decode(b"\xef\xbb\xbfok\xffno")
    assert info.value.offset == 5


def test_forced_encoding_names_are_canonical() -> None:
    assert decode(b"x", encoding="LATIN1")[1].encoding == "latin-1"
    assert decode(b"\xef\xbb\xbfx", encoding="utf-8-sig")[1] == FileFormat("utf-8", bom=True)


ENCODINGS = st.sampled_from(
    [("utf-8", False), ("utf-8", True), ("utf-16-le", True), ("utf-16-be", True)]
)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(st.characters(exclude_characters="\r\x00", exclude_categories=("Cs",))),
    encoding=ENCODINGS,
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_unicode_text_round_trips(text: str, encoding: tuple[str, bool], newline: str) -> None:
    fmt = FileFormat(encoding[0], bom=encoding[1], newline=newline)
    data = encode(text, fmt)
    decoded, found = decode(data)
    assert decoded == text
    assert (found.encoding, found.bom) == encoding
    if "\n" in text:
        assert found.newline == newline


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_openable_bytes_save_back_identical(data: bytes) -> None:
    # The promise behind "open, don't touch, save": whatever opens, saves byte for byte.
    try:
        text, fmt = decode(data)
    except FileError:
        return
    assume(not fmt.mixed_newlines)
    assert encode(text, fmt) == data


def test_encode_names_the_unencodable_character() -> None:
    with pytest.raises(FileError) as info:
        encode("ok\nsim \u0107", FileFormat("cp1252", newline="\r\n"))
    assert info.value.kind == "encode"
    assert "U+0107" in info.value.reason and "line 2, column 5" in info.value.reason


# --- reading files -----------------------------------------------------------------------------


def test_read_text(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"caf\xe9\r\n")
    assert fileio.read_text(path) == ("café\n", FileFormat("cp1252", newline="\r\n"))


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda d: d / "missing.txt", "not_found"),
        (lambda d: d, "not_a_file"),
        (lambda d: Path("/dev/null"), "not_a_file"),
    ],
)
def test_read_errors(tmp_path: Path, make, kind: str) -> None:
    with pytest.raises(FileError) as info:
        fileio.read_text(make(tmp_path))
    assert info.value.kind == kind


def test_fifo_is_not_read(tmp_path: Path) -> None:
    # Reading a FIFO would block the editor until some other program writes to it.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(FileError) as info:
        fileio.read_text(fifo)
    assert info.value.kind == "not_a_file"


def test_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fileio, "MAX_FILE_BYTES", 10)
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 11)
    with pytest.raises(FileError) as info:
        fileio.read_text(path)
    assert info.value.kind == "too_large"


# --- saving --------------------------------------------------------------------------------------


def test_write_text_new_file_uses_umask(tmp_path: Path) -> None:
    path = tmp_path / "new.txt"
    old = os.umask(0o027)
    try:
        fileio.write_text(path, "olá\n", FileFormat("utf-8", bom=True, newline="\r\n"))
    finally:
        os.umask(old)
    assert path.read_bytes() == b"\xef\xbb\xbfol\xc3\xa1\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_write_keeps_mode_and_replaces_atomically(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o604)
    inode = path.stat().st_ino
    assert fileio.write_text(path, "new") == path
    assert path.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o604
    assert path.stat().st_ino != inode


def test_write_through_symlink_chain_and_dangling_link(tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_text("old", encoding="utf-8")
    middle = tmp_path / "middle"
    middle.symlink_to(target)
    link = tmp_path / "link"
    link.symlink_to(middle)
    assert fileio.write_text(link, "new") == target
    assert link.is_symlink() and middle.is_symlink()
    assert target.read_text(encoding="utf-8") == "new"

    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "created.txt")
    fileio.write_text(dangling, "made")
    assert dangling.is_symlink()
    assert (tmp_path / "created.txt").read_text(encoding="utf-8") == "made"


def test_disk_full_leaves_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"old")

    def full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio, "_write_all", full)
    with pytest.raises(FileError) as info:
        fileio.write_text(path, "new")
    assert info.value.kind == "disk_full" and info.value.reason == "the disk is full"
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("code", "kind"),
    [(errno.EACCES, "permission"), (errno.EROFS, "read_only"), (errno.EIO, "io")],
)
def test_write_error_reasons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, kind: str
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(fileio.os, "replace", fail)
    with pytest.raises(FileError) as info:
        fileio.write_text(tmp_path / "x.txt", "new")
    assert info.value.kind == kind
    assert leftovers(tmp_path) == []


def test_real_write_failures(tmp_path: Path) -> None:
    # These fail for root too (chmod would not).
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(FileError) as info:
        fileio.write_text(blocker / "child.txt", "new")
    assert info.value.kind == "not_a_file"
    with pytest.raises(FileError) as info:
        fileio.write_text(tmp_path, "new")
    assert "folder" in info.value.reason
    with pytest.raises(FileError) as info:
        fileio.write_text(tmp_path / "no" / "such" / "x.txt", "new")
    assert info.value.kind == "not_found"
    with pytest.raises(FileError) as info:
        fileio.write_text("/dev/null", "new")  # must not replace a device node
    assert info.value.kind == "not_a_file"


# --- hard links (issue 13, item 5) --------------------------------------------------------------


def strays(folder: Path) -> list[str]:
    """Temporary files and copies of the old text a save left behind."""
    return [p.name for p in folder.iterdir()
            if p.name.endswith((".caminho-tmp", ".caminho-backup"))]


def test_saving_a_hard_linked_file_keeps_every_name_in_step(tmp_path: Path) -> None:
    # The bug: a new file renamed over one name left the other name with the old text.
    path = tmp_path / "notas.txt"
    path.write_bytes(b"velho texto, mais longo do que o novo\n")
    path.chmod(0o640)
    other = tmp_path / "copia" / "notas.txt"
    other.parent.mkdir()
    os.link(path, other)
    inode = path.stat().st_ino
    fileio.write_text(path, "novo\n")
    assert other.read_bytes() == b"novo\n"  # shorter: the tail of the old text is cut
    assert path.stat().st_ino == inode and path.stat().st_nlink == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    fileio.write_text(other, "bem mais comprido agora " * 100)
    assert path.read_text(encoding="utf-8") == "bem mais comprido agora " * 100
    assert strays(tmp_path) == [] and strays(other.parent) == []  # the copy is gone


def test_a_failed_in_place_save_puts_the_old_text_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"antigo\n")
    os.link(path, tmp_path / "b.txt")
    real = fileio._write_all
    calls: list[bytes] = []

    def full_on_the_new_text(fd: int, data: bytes) -> None:
        calls.append(bytes(data))
        if data.startswith(b"novo"):
            real(fd, data[:2])  # half of it reached the file, then the disk was full
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd, data)

    monkeypatch.setattr(fileio, "_write_all", full_on_the_new_text)
    with pytest.raises(FileError) as info:
        fileio.write_text(path, "novo texto\n")
    assert info.value.kind == "disk_full"
    assert calls[0] == b"antigo\n"  # the copy was made before the file was touched
    assert path.read_bytes() == b"antigo\n" and (tmp_path / "b.txt").read_bytes() == b"antigo\n"
    assert strays(tmp_path) == []


def test_when_even_the_old_text_cannot_be_put_back_the_copy_is_kept_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"antigo\n")
    os.link(path, tmp_path / "b.txt")
    real = fileio._write_all
    copies = 0

    def broken_after_the_copy(fd: int, data: bytes) -> None:
        nonlocal copies
        if copies:
            real(fd, data[:1])
            raise OSError(errno.EIO, "Input/output error")
        copies += 1
        real(fd, data)

    monkeypatch.setattr(fileio, "_write_all", broken_after_the_copy)
    with pytest.raises(FileError) as info:
        fileio.write_text(path, "novo\n")
    kept = strays(tmp_path)
    assert len(kept) == 1 and kept[0].endswith(".caminho-backup")
    assert (tmp_path / kept[0]).read_bytes() == b"antigo\n"
    assert kept[0] in info.value.reason and "previous text" in info.value.reason


# --- a read-only folder (issue 13, item 14) -----------------------------------------------------


def test_a_folder_that_refuses_new_files_is_named_as_root_sees_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root ignores permission bits, so the refusal a read-only folder gives is made here;
    # the chmod variant below runs for plain users.
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic, "_create_temp", refuse)
    path = tmp_path / "x.txt"
    path.write_bytes(b"old")
    with pytest.raises(FileError) as info:
        fileio.write_text(path, "new")
    assert info.value.kind == "permission"
    assert f"folder {tmp_path}" in info.value.reason
    assert path.read_bytes() == b"old"


@pytest.mark.skipif(hasattr(os, "getuid") and os.getuid() == 0,
                    reason="root writes into read-only folders; the variant above runs as root")
def test_a_read_only_folder_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "x.txt"
    path.write_bytes(b"old")
    folder.chmod(0o555)
    try:
        with pytest.raises(FileError) as info:
            fileio.write_text(path, "new")
    finally:
        folder.chmod(0o755)
    assert f"folder {folder}" in info.value.reason
    assert path.read_bytes() == b"old"
