"""fileio: decoding guesses, byte-identical round trips and safe, atomic saves."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from editor import fileio
from editor.fileio import DEFAULT_FORMAT, FileError, FileFormat, decode, encode


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
    def fail(*args: object) -> None:
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
