"""Saving hard-linked files, read-only folders and file names that are not UTF-8, through the
real window (issue 13, items 5 and 14)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QTextCursor

from editor.core import atomic
from editor.core.safefs import PrivateFolder
from editor.ui.settings import Settings
from editor.ui.window import MainWindow

IS_ROOT = hasattr(os, "getuid") and os.getuid() == 0


def type_at_end(qtbot, window: MainWindow, text: str) -> None:
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(window.editor, text)


# --- 5: hard links ------------------------------------------------------------------------------


def test_saving_one_name_of_a_hard_linked_file_updates_the_other(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "diario.txt"
    path.write_text("segunda\n", encoding="utf-8")
    other = tmp_path / "backup-do-diario.txt"
    os.link(path, other)
    window.open_file(path)
    type_at_end(qtbot, window, "terca")
    assert window.save()
    # The bug: the saved name got a new file and the other name kept the old text.
    assert other.read_text(encoding="utf-8") == "segunda\nterca"
    assert path.stat().st_nlink == 2
    # Our own in-place write is not "changed by another program" (no question scripted).
    qtbot.wait(300)
    assert not window.is_modified()


# --- 14: a read-only folder ---------------------------------------------------------------------


def check_save_as_offered(window: MainWindow, prompts, folder: Path, elsewhere: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    prompts.answers = ["save_as"]
    monkeypatch.setattr(MainWindow, "choose_save_path", lambda self: elsewhere)
    assert window.save()
    asked = prompts.asked[0]
    # Not just "permission denied (saving)": which folder, and that Save As is the way out.
    assert f"folder {folder}" in asked["text"]
    assert asked["keys"] == ["save_as", "cancel"]
    assert elsewhere.read_text(encoding="utf-8") == "antigo\nnovo"
    assert window.path == elsewhere and not window.is_modified()


def test_a_read_only_folder_is_named_and_save_as_offered_as_root_sees_it(
    qtbot, window: MainWindow, prompts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "texto.txt"
    path.write_text("antigo\n", encoding="utf-8")
    window.open_file(path)
    type_at_end(qtbot, window, "novo")
    real = atomic._create_temp

    def read_only_folder(opened: PrivateFolder, name: str, mode: int) -> int:
        # Root ignores the permission bits: the folder answers as it would a plain user.
        if opened.path == folder:
            raise PermissionError(13, "Permission denied")
        return real(opened, name, mode)

    monkeypatch.setattr(atomic, "_create_temp", read_only_folder)
    check_save_as_offered(window, prompts, folder, tmp_path / "elsewhere.txt", monkeypatch)
    assert path.read_text(encoding="utf-8") == "antigo\n"


@pytest.mark.skipif(IS_ROOT, reason="root writes into read-only folders; the variant above "
                                    "makes the folder refuse as it would a plain user")
def test_a_read_only_folder_is_named_and_save_as_offered(
    qtbot, window: MainWindow, prompts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "texto.txt"
    path.write_text("antigo\n", encoding="utf-8")
    window.open_file(path)
    type_at_end(qtbot, window, "novo")
    folder.chmod(0o555)
    try:
        check_save_as_offered(window, prompts, folder, tmp_path / "elsewhere.txt", monkeypatch)
    finally:
        folder.chmod(0o755)


# --- 14: names that are not UTF-8 ---------------------------------------------------------------


def test_a_name_that_is_not_utf8_shows_the_same_everywhere_and_once_in_recent(
    qtbot, window: MainWindow, settings: Settings, tmp_path: Path
) -> None:
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")  # Latin-1 "café.txt"
    with open(raw, "wb") as f:
        f.write(b"texto\n")
    name = os.fsdecode(raw)  # "caf\udce9.txt": Qt would drop the \udce9
    shown = "caf\ufffd.txt"
    assert window.open_file(name)
    assert window.windowTitle().startswith(shown)  # was "caf.txt", a file that does not exist
    assert shown in window.statusBar().currentMessage()
    type_at_end(qtbot, window, "mais")
    assert window.save()
    assert shown in window.statusBar().currentMessage()
    window.open_file(name)  # again: still one entry
    assert settings.get("recent_files") == [name]
    settings.sync()
    assert Settings().get("recent_files") == [name]  # read back from disk, still the file
    window._rebuild_recent_menu()
    action = window.recent_menu.actions()[0]
    assert shown in action.text()
    window.new_file()
    action.trigger()  # the menu entry opens the real file
    assert window.path == Path(name) and window.editor.text() == "texto\nmais"
    assert settings.get("recent_files") == [name]


def test_utf8_names_are_stored_as_they_are(settings: Settings, isolated_settings: Path) -> None:
    # Only names Qt can't hold are encoded; the file stays readable for everything else.
    settings.add_recent_file("/tmp/ação.txt")
    settings.sync()
    assert "ação.txt" in (isolated_settings / "caminho.ini").read_text(encoding="utf-8")
    assert Settings().get("recent_files") == ["/tmp/ação.txt"]
