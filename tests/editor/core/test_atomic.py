"""The one atomic replace every writer uses (editor/core/atomic.py, issue 14)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from editor.core import atomic
from editor.core.safefs import UnsafeFolderError


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_write_replaces_the_file_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"old")
    atomic.write_bytes(path, [b"new ", b"text"])
    assert path.read_bytes() == b"new text"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_a_failed_check_or_write_leaves_the_old_file(tmp_path: Path) -> None:
    # Export checks parity on the temporary file: a wrong model must never land at the path.
    path = tmp_path / "model.onnx"
    path.write_bytes(b"old")

    def refuse(tmp: Path) -> None:
        assert tmp.read_bytes() == b"new"  # the check sees the complete, synced file
        raise ValueError("parity")

    with pytest.raises(ValueError, match="parity"):
        atomic.write_bytes(path, b"new", check=refuse)
    with pytest.raises(atomic.ReplaceError) as info:
        atomic.replace_file(path, lambda fd, tmp: os.write(-1, b"x"))
    assert info.value.step == "write"
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]


def test_temporaries_of_killed_writers_are_cleaned_and_live_ones_kept(tmp_path: Path) -> None:
    # A writer killed between create and rename leaves its temporary file; the next write to
    # the same file deletes it (issue 14: only one of five writers used to). Another running
    # writer's file, or one of a different target, stays.
    path = tmp_path / "m.ckpt"
    dead = tmp_path / f".m.ckpt.{dead_pid()}.abcd1234{atomic.TEMP_SUFFIX}"
    old_style = tmp_path / f".m.ckpt.{dead_pid()}.abcd1234.tmp"  # training/checkpoint.py's
    live = tmp_path / f".m.ckpt.{os.getppid()}.abcd1234{atomic.TEMP_SUFFIX}"
    other = tmp_path / f".other.{dead_pid()}.abcd1234{atomic.TEMP_SUFFIX}"
    for p in (dead, old_style, live, other):
        p.write_bytes(b"partial")
    atomic.write_bytes(path, b"whole")
    assert not dead.exists() and not old_style.exists()
    assert live.exists() and other.exists()


def test_modes_new_kept_and_private(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    mask = os.umask(0o022)
    try:
        atomic.write_bytes(path, b"a")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # 0666 less the umask
        os.chmod(path, 0o640)
        atomic.write_bytes(path, b"b", keep_mode=True)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        private = tmp_path / "data" / "words.json"
        atomic.write_bytes(private, b"{}", private=True)
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
        assert stat.S_IMODE(private.parent.stat().st_mode) == 0o700
    finally:
        os.umask(mask)


def test_a_link_at_the_temporary_name_is_never_written_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    path = tmp_path / "f"
    planted = f".f.{os.getpid()}.00000000{atomic.TEMP_SUFFIX}"
    (tmp_path / planted).symlink_to(victim)
    names = iter([planted])
    real = atomic._temp_name
    monkeypatch.setattr(atomic, "_temp_name", lambda name: next(names, None) or real(name))
    atomic.write_bytes(path, b"new")
    assert victim.read_text() == "keep" and path.read_bytes() == b"new"


def test_private_writes_refuse_a_folder_others_can_write_into_through_a_link(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    os.chmod(shared, 0o777)
    link = tmp_path / "link"
    link.symlink_to(shared)  # a linked folder is never chmod-ed through the link
    with pytest.raises(UnsafeFolderError):
        atomic.write_bytes(link / "words.json", b"{}", private=True)
    assert list(shared.iterdir()) == []
