"""Crash recovery and failed saves: nothing typed is lost, no file on disk is damaged.

Recovery files are written by a real window (and, in the slow test, by a real `caminho`
process killed with SIGKILL mid-typing); damaged ones are made by hand. Save failures are
provoked by making the operating system calls fail the way full, read-only or broken disks
make them fail: chmod can't stop root, who runs these tests in containers.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

from editor.app import build_window
from editor.core import atomic, fileio, recovery_store
from editor.core.fileio import DEFAULT_FORMAT, FileFormat
from editor.core.paths import DATA_DIR_ENV, recovery_dir
from editor.core.recovery_store import RecoveryError, RecoveryStore, owner_alive, process_identity
from editor.ui.recovery import AutoSaver, DocumentMirror, autosaver, offer_recovery
from editor.ui.textedit import document_text
from editor.ui.window import MainWindow

FAST = {"idle_ms": 80, "max_delay_ms": 400}


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def crashed_file(store: RecoveryStore, text: str, *, path: Path | None = None,
                 fmt: FileFormat = DEFAULT_FORMAT, pid: int | None = None,
                 when: float | None = None) -> Path:
    """A recovery file as a Caminho that crashed would have left it."""
    pid = dead_pid() if pid is None else pid
    file = store.folder / f"{pid}-{os.urandom(6).hex()}{recovery_store.SUFFIX}"
    meta = {"path": str(path) if path else None, "encoding": fmt.encoding, "bom": fmt.bom,
            "newline": fmt.newline, "cursor": 0, "disk": None, "pid": pid, "owner": None,
            "time": when or time.time()}
    store.write(file, meta, [text])
    return file


@pytest.fixture
def store(isolated_settings: Path) -> RecoveryStore:
    return RecoveryStore(recovery_dir())


@pytest.fixture
def saving_window(make_window, store: RecoveryStore) -> MainWindow:
    """A main window with crash recovery on quick timers."""
    window = make_window()
    AutoSaver(window, store, **FAST)
    return window


def wait_written(qtbot, window: MainWindow) -> None:
    saver = autosaver(window)
    with qtbot.waitSignal(saver.written, timeout=5000):
        pass


def wait_gone(qtbot, window: MainWindow) -> None:
    saver = autosaver(window)
    qtbot.waitUntil(lambda: saver.wait_idle(0) and not saver.path.exists(), timeout=5000)




# --- where, and the file format ------------------------------------------------------------


def test_recovery_folder_lives_in_the_data_folder(
    isolated_settings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Recovery files sit with the rest of the user's data, beside the settings override...
    assert recovery_dir() == isolated_settings / "data" / "recovery"
    # ...and follow CAMINHO_DATA_DIR like models and word lists (issue 14: recovery_dir() used
    # to ignore it, so with that variable set drafts went somewhere else than the data).
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "elsewhere"))
    assert recovery_dir() == tmp_path / "elsewhere" / "recovery"


def test_round_trip_keeps_text_path_and_format(store: RecoveryStore, tmp_path: Path) -> None:
    text = "ação 😀 עברית عربي\u00a0\u2028\n" * 3
    fmt = FileFormat(encoding="cp1252", newline="\r\n")
    file = crashed_file(store, text, path=tmp_path / "a.txt", fmt=fmt)
    got = store.read(file)
    assert got.text == text and got.path == tmp_path / "a.txt"
    assert (got.fmt.encoding, got.fmt.newline) == ("cp1252", "\r\n")
    assert oct(file.stat().st_mode & 0o777) == "0o600"  # drafts are private


def damage(file: Path, how: str) -> None:
    data = file.read_bytes()
    if how == "empty":
        file.write_bytes(b"")
    elif how == "cut in the text":
        file.write_bytes(data[:-5])
    elif how == "cut in the header":
        file.write_bytes(data[: len(recovery_store.MAGIC) + 10])
    elif how == "cut in the magic":
        file.write_bytes(data[:5])
    elif how == "flipped byte":
        file.write_bytes(data[:-3] + bytes([data[-3] ^ 0x20]) + data[-2:])
    elif how == "garbage":
        file.write_bytes(os.urandom(4096))
    elif how == "bad json":
        file.write_bytes(recovery_store.MAGIC + b"{not json\n" + b"text")
    elif how == "wrong types":
        header = {"length": "many", "sha256": 5}
        file.write_bytes(recovery_store.MAGIC + json.dumps(header).encode() + b"\ntext")
    elif how == "extra bytes":
        file.write_bytes(data + b"more")


HOW = ["empty", "cut in the text", "cut in the header", "cut in the magic", "flipped byte",
       "garbage", "bad json", "wrong types", "extra bytes"]


@pytest.mark.parametrize("how", HOW)
def test_damaged_file_is_detected(store: RecoveryStore, how: str) -> None:
    file = crashed_file(store, "texto precioso " * 20)
    damage(file, how)
    with pytest.raises(RecoveryError) as caught:
        store.read(file)
    assert caught.value.reason


def test_damaged_files_give_one_message_and_are_moved_aside(
    qtbot, saving_window: MainWindow, store: RecoveryStore
) -> None:
    files = []
    for how in HOW:
        file = crashed_file(store, "texto " * 10)
        damage(file, how)
        files.append(file)
    # No question is scripted: asking about a damaged file would fail the test.
    with qtbot.waitSignal(saving_window.error_shown) as shown:
        assert offer_recovery(saving_window) == 0
    assert "set aside" in shown.args[1]
    assert "empty" in shown.args[1] and "cut short" in shown.args[1]
    assert not any(f.exists() for f in files)
    assert len(list((store.folder / "damaged").iterdir())) == len(files)
    assert saving_window.editor.text() == ""


# --- who owns a file --------------------------------------------------------------------------


def test_owner_alive_tells_running_from_gone() -> None:
    assert owner_alive(os.getpid(), process_identity())
    assert not owner_alive(dead_pid())
    # The same pid, started at another time: a later process (a container restart), not us.
    other = dict(process_identity(), started=(process_identity()["started"] or 0) + 1)
    if process_identity()["started"] is not None:
        assert not owner_alive(os.getpid(), other)


def test_killed_but_unreaped_process_counts_as_gone() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        os.kill(proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while owner_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not owner_alive(proc.pid)  # a zombie until wait(): its files are orphans
    finally:
        proc.wait()


def test_files_of_running_instances_are_not_orphans(
    qtbot, saving_window: MainWindow, store: RecoveryStore
) -> None:
    saving_window.editor.insertPlainText("meu")
    wait_written(qtbot, saving_window)
    crashed = crashed_file(store, "deles")
    assert store.orphans() == [crashed]


def test_stale_temporary_files_of_dead_writers_are_deleted(store: RecoveryStore) -> None:
    crashed = crashed_file(store, "x")
    tmp = crashed.with_name(f".{crashed.name}.tmp")
    tmp.write_bytes(b"half")
    assert store.orphans() == [crashed]
    assert not tmp.exists()


# --- the mirror that makes snapshots cheap ----------------------------------------------------

PIECES = st.sampled_from(list("ab \n") + ["😀", "ç", "a\u0301", "\u00a0", "\u2028", "ש", "ع"])


@settings(max_examples=60, deadline=None)
@given(edits=st.lists(st.tuples(st.sampled_from(["edit", "edit", "block", "undo", "redo"]),
                                st.floats(0, 1), st.integers(0, 6),
                                st.lists(PIECES, max_size=8).map("".join), st.booleans()),
                      max_size=25))
def test_mirror_matches_the_document_after_any_edits(qapp, edits) -> None:
    edit = QPlainTextEdit()
    doc = edit.document()
    mirror = DocumentMirror(doc, chunk=5)  # tiny chunks: every edit crosses boundaries

    def replace(where: float, remove: int, text: str) -> None:
        units = [0]
        for ch in document_text(doc):  # positions between characters, in UTF-16 units
            units.append(units[-1] + (2 if ord(ch) > 0xFFFF else 1))
        start = units[int(where * (len(units) - 1))]
        end = units[min(len(units) - 1, units.index(start) + remove)]
        cursor = QTextCursor(doc)
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(text)

    for kind, where, remove, text, refresh in edits:
        if kind == "undo":
            doc.undo()
        elif kind == "redo":
            doc.redo()
        elif kind == "block":  # one undo step, one merged change signal
            QTextCursor(doc).beginEditBlock()
            replace(where, remove, text)
            replace(1 - where, remove, text[::-1])
            QTextCursor(doc).endEditBlock()
        else:
            replace(where, remove, text)
        if refresh:
            mirror.refresh(None)
    assert mirror.text() == document_text(doc)


def test_mirror_rereads_only_what_an_edit_touched(qapp) -> None:
    edit = QPlainTextEdit()
    edit.setPlainText("linha de texto\n" * 20000)
    mirror = DocumentMirror(edit.document())
    assert mirror.text() == document_text(edit.document())
    cursor = QTextCursor(edit.document())
    cursor.setPosition(150_000)
    cursor.insertText("novo")
    assert sum(t is None for t in mirror.texts) == 1
    assert mirror.text() == document_text(edit.document())
    assert mirror.resets == 1  # only the first full read


# --- auto-save in a window ------------------------------------------------------------------


def test_typing_is_auto_saved_and_saving_removes_it(
    qtbot, saving_window: MainWindow, store: RecoveryStore, tmp_path: Path
) -> None:
    path = tmp_path / "poema.txt"
    path.write_text("No meio do caminho\n", encoding="utf-8")
    saving_window.open_file(path)
    saving_window.editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(saving_window.editor, "tinha uma pedra")
    wait_written(qtbot, saving_window)
    saver = autosaver(saving_window)
    got = store.read(saver.path)
    assert got.text == "No meio do caminho\ntinha uma pedra"
    assert got.path == path and got.pid == os.getpid()
    assert got.cursor == len(got.text)
    assert saving_window.save()
    wait_gone(qtbot, saving_window)


def test_undo_to_the_saved_text_removes_it(qtbot, saving_window: MainWindow) -> None:
    qtbot.keyClicks(saving_window.editor, "pedra")
    wait_written(qtbot, saving_window)
    while saving_window.editor.document().isUndoAvailable():
        saving_window.editor.undo()
    assert not saving_window.is_modified()
    wait_gone(qtbot, saving_window)


def test_close_without_saving_removes_it(qtbot, saving_window: MainWindow, prompts) -> None:
    qtbot.keyClicks(saving_window.editor, "rascunho")
    wait_written(qtbot, saving_window)
    saver = autosaver(saving_window)
    prompts.answers = ["discard"]
    assert saving_window.close()
    assert not saver.path.exists()  # gone before close() returns: the process may exit now


def test_typing_that_never_pauses_is_still_saved(qtbot, saving_window: MainWindow) -> None:
    saver = autosaver(saving_window)
    deadline = time.monotonic() + 2.0
    writes = []
    saver.written.connect(lambda _p: writes.append(saving_window.editor.text()))
    while time.monotonic() < deadline and not writes:
        qtbot.keyClicks(saving_window.editor, "a")
        qtbot.wait(30)  # faster than the idle delay: only the maximum delay can fire
    assert writes and saving_window.editor.text().startswith(writes[0])


def test_a_file_deleted_on_disk_is_auto_saved(
    qtbot, saving_window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "sumiu.txt"
    path.write_text("só aqui agora", encoding="utf-8")
    saving_window.open_file(path)
    path.unlink()
    saving_window.check_disk()  # the buffer is now the only copy
    wait_written(qtbot, saving_window)


def test_full_disk_during_auto_save_keeps_the_last_good_file(
    qtbot, saving_window: MainWindow, store: RecoveryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    qtbot.keyClicks(saving_window.editor, "primeira")
    wait_written(qtbot, saving_window)
    saver = autosaver(saving_window)

    def disk_full(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(recovery_store, "_write_all", disk_full)
    with qtbot.waitSignal(saver.failed, timeout=5000) as failed:
        qtbot.keyClicks(saving_window.editor, " segunda")
    assert "disk is full" in failed.args[0]
    assert "disk is full" in saving_window.statusBar().currentMessage()
    assert store.read(saver.path).text == "primeira"  # the previous version, intact
    assert [p.name for p in store.folder.iterdir()] == [saver.path.name]  # no temporary left
    monkeypatch.undo()
    qtbot.keyClicks(saving_window.editor, "!")
    wait_written(qtbot, saving_window)
    assert store.read(saver.path).text == "primeira segunda!"


def test_unwritable_recovery_folder_never_stops_typing(
    qtbot, make_window, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    window = make_window()
    saver = AutoSaver(window, RecoveryStore(blocker / "recovery"), **FAST)
    with qtbot.waitSignal(saver.failed, timeout=5000):
        qtbot.keyClicks(window.editor, "texto")
    assert window.editor.text() == "texto"


# --- recovering -----------------------------------------------------------------------------


def test_recover_shows_the_text_unsaved_with_its_file_and_format(
    qtbot, saving_window: MainWindow, store: RecoveryStore, prompts, tmp_path: Path
) -> None:
    path = tmp_path / "velho.txt"
    path.write_bytes("antes\r\n".encode("cp1252"))
    fmt = FileFormat(encoding="cp1252", newline="\r\n")
    crashed = crashed_file(store, "antes\ndepois é", path=path, fmt=fmt)
    prompts.answers = ["recover"]
    assert offer_recovery(saving_window) == 1
    assert prompts.asked[0]["keys"] == ["recover", "discard", "cancel"]
    assert "velho.txt" in prompts.asked[0]["text"]
    assert saving_window.editor.text() == "antes\ndepois é"
    assert saving_window.path == path and saving_window.is_modified()
    assert saving_window.isWindowModified()
    # Claimed: renamed to this window's own file and rewritten under this process at once.
    saver = autosaver(saving_window)
    assert not crashed.exists()
    qtbot.waitUntil(lambda: saver.path.exists() and store.read(saver.path).pid == os.getpid(),
                    timeout=5000)
    assert store.orphans() == []
    assert saving_window.save()
    assert path.read_bytes() == "antes\r\ndepois é".encode("cp1252")
    wait_gone(qtbot, saving_window)


def test_discard_deletes_it(qtbot, saving_window: MainWindow, store, prompts) -> None:
    crashed = crashed_file(store, "não quero")
    prompts.answers = ["discard"]
    assert offer_recovery(saving_window) == 0
    assert not crashed.exists() and saving_window.editor.text() == ""
    assert offer_recovery(saving_window) == 0  # nothing asked again


def test_not_now_keeps_it_for_the_next_start(saving_window: MainWindow, store, prompts) -> None:
    crashed = crashed_file(store, "depois")
    prompts.answers = ["cancel"]  # Not Now, or Escape
    assert offer_recovery(saving_window) == 0
    assert crashed.exists() and saving_window.editor.text() == ""
    assert store.orphans() == [crashed]


def test_several_crashed_documents_each_get_a_window(
    qtbot, saving_window: MainWindow, store, prompts, make_window
) -> None:
    crashed_file(store, "older", when=time.time() - 60)
    crashed_file(store, "newer")
    opened: list[MainWindow] = []

    def open_window() -> MainWindow:
        window = make_window()
        AutoSaver(window, store, **FAST)
        opened.append(window)
        return window

    prompts.answers = ["recover", "recover"]
    assert offer_recovery(saving_window, open_window) == 2
    assert saving_window.editor.text() == "newer"  # newest first
    assert [w.editor.text() for w in opened] == ["older"]


def test_recovery_for_another_file_waits_when_no_window_is_free(
    saving_window: MainWindow, store, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.txt"
    mine.write_text("aberto", encoding="utf-8")
    saving_window.open_file(mine)
    crashed = crashed_file(store, "outro", path=tmp_path / "other.txt")
    assert offer_recovery(saving_window) == 0  # not asked (no answers scripted), kept
    assert crashed.exists() and saving_window.editor.text() == "aberto"


def test_the_user_is_told_when_the_file_changed_since(
    saving_window: MainWindow, store, prompts, tmp_path: Path
) -> None:
    path = tmp_path / "mudou.txt"
    path.write_text("v1", encoding="utf-8")
    crashed = crashed_file(store, "v1 editado", path=path)
    data = crashed.read_bytes()  # give it the disk stamp of a version that no longer exists
    header = json.loads(data[len(recovery_store.MAGIC):data.index(b"\n", len(recovery_store.MAGIC))])
    store.write(crashed, dict(header, disk=[1, 2]), ["v1 editado"])
    prompts.answers = ["recover"]
    offer_recovery(saving_window)
    assert "changed since" in prompts.asked[0]["informative"]


@pytest.mark.slow
def test_sigkill_mid_typing_loses_only_what_came_after_the_last_auto_save(
    qtbot, prompts, settings, isolated_settings: Path, tmp_path: Path, make_args
) -> None:
    path = tmp_path / "poema.txt"
    original = "Poema.\n"
    path.write_text(original, encoding="utf-8")
    typed = "tinha uma pedra no meio do caminho " * 12  # ~420 keys, ~17 s at 40 ms a key
    key_ms = 40
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CAMINHO_CONFIG_DIR=str(isolated_settings),
               XDG_DATA_HOME=str(tmp_path / "data"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "editor", str(path), "--no-model", "--type", typed,
         "--key-delay", str(key_ms), "--stay"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    store = RecoveryStore(recovery_dir())
    seen: list[tuple[int, float]] = []  # (characters typed in the file, when written)
    try:
        deadline = time.monotonic() + 60
        kill_at = None
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode()
            for file in store.files():
                try:
                    got = store.read(file)
                except RecoveryError:
                    continue  # not there yet, or replaced under us
                if not seen or got.time != seen[-1][1]:
                    seen.append((len(got.text) - len(original), got.time))
            if seen and kill_at is None:
                # A running instance's file is never offered, let alone taken over.
                window = build_window(make_args(no_model=True), settings)
                qtbot.addWidget(window)
                assert offer_recovery(window) == 0 and store.files()
                window.close()
                kill_at = time.monotonic() + random.uniform(0.5, 2.5)
            if kill_at is not None and time.monotonic() >= kill_at:
                break
            time.sleep(0.02)
        killed = time.time()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert seen, "no recovery file was written while typing"

    window = build_window(make_args(file=path, no_model=True), settings)
    qtbot.addWidget(window, before_close_func=lambda w: w.editor.document().setModified(False))
    prompts.answers = ["recover"]
    assert offer_recovery(window) == 1
    text = window.editor.text()
    kept = len(text) - len(original)
    assert text == typed[:kept] + original  # exactly what was typed, in order, nothing else
    assert kept >= seen[-1][0]  # at least everything the last write we saw held
    assert 0 < kept < len(typed)  # killed mid-typing
    assert window.path == path and window.is_modified()
    last = store.read(autosaver(window).path) if autosaver(window).wait_idle() else None
    assert last is not None
    lost_s = killed - max(t for _, t in seen)
    print(f"\nSIGKILL mid-typing at {1000 / key_ms:.0f} keys/s: recovered {kept} of the typed "
          f"characters; last auto-save {lost_s:.2f} s before the kill "
          f"(~{lost_s * 1000 / key_ms:.0f} characters lost)")


# --- saves that fail --------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".caminho-tmp")]


def open_and_edit(qtbot, window: MainWindow, path: Path) -> None:
    path.write_bytes(b"antigo\n")
    window.open_file(path)
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(window.editor, "novo")


@pytest.mark.parametrize("code, says", [
    (errno.EXDEV, "cross-device"),  # the rename itself fails
    (errno.EBUSY, "busy"),
    (errno.EACCES, "permission denied"),
])
def test_rename_failure_keeps_the_old_file(
    qtbot, window: MainWindow, prompts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    code: int, says: str
) -> None:
    path = tmp_path / "texto.txt"
    open_and_edit(qtbot, window, path)

    def refuse(src, dst, **dir_fds):  # atomic.py renames inside the opened folder
        raise OSError(code, os.strerror(code), str(src), None, str(dst))

    monkeypatch.setattr(fileio.os, "replace", refuse)
    prompts.answers = ["cancel"]
    assert not window.save()
    assert path.read_bytes() == b"antigo\n"
    assert window.is_modified() and window.editor.text() == "antigo\nnovo"
    assert says in prompts.asked[0]["text"].lower()
    assert prompts.asked[0]["keys"] == ["save_as", "cancel"]
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("failing, code, says", [
    ("fsync", errno.EIO, "input/output error"),  # the disk gave up while flushing
    ("fsync", errno.ENOSPC, "disk is full"),  # delayed allocation: full only at flush time
    ("_create_temp", errno.EROFS, "read-only"),  # no temporary file can be made at all
    ("_create_temp", errno.EDQUOT, "disk is full"),  # over quota
])
def test_other_failures_keep_the_old_file(
    qtbot, window: MainWindow, prompts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    failing: str, code: int, says: str
) -> None:
    path = tmp_path / "texto.txt"
    open_and_edit(qtbot, window, path)

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    target = fileio.os if failing == "fsync" else atomic
    monkeypatch.setattr(target, failing, fail)
    prompts.answers = ["cancel"]
    assert not window.save()
    assert path.read_bytes() == b"antigo\n"
    assert window.is_modified()
    assert says in prompts.asked[0]["text"].lower()
    assert leftovers(tmp_path) == []


def test_failed_save_on_close_keeps_the_window_and_the_recovery_file(
    qtbot, saving_window: MainWindow, prompts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "texto.txt"
    open_and_edit(qtbot, saving_window, path)
    wait_written(qtbot, saving_window)
    saver = autosaver(saving_window)

    def full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio, "_write_all", full)
    prompts.answers = ["save", "cancel"]  # save before closing? yes; save elsewhere? no
    assert not saving_window.close()
    assert saving_window.isVisible() and saving_window.is_modified()
    assert path.read_bytes() == b"antigo\n"
    assert saver.path.exists()  # still protected against a crash
    assert RecoveryStore(saver.store.folder).read(saver.path).text == "antigo\nnovo"
