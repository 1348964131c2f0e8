"""The main window as a writer uses it: open, type, save, undo, find, zoom, close.

Each test drives a real MainWindow offscreen; dialogs are scripted (see conftest.py).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QTextCursor
from PySide6.QtWidgets import QApplication

from editor.core import fileio
from editor.ui.settings import Settings
from editor.ui.window import MainWindow


def type_at_end(qtbot, window: MainWindow, text: str) -> None:
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(window.editor, text)


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".caminho-tmp")]


# --- open, type, save -------------------------------------------------------------------


def test_open_type_and_save_atomically(qtbot, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "poema.txt"
    path.write_bytes(b"No meio do caminho\n")
    inode_before = path.stat().st_ino
    assert window.open_file(path)
    assert window.windowTitle() == "poema.txt[*] — Caminho"
    assert not window.isWindowModified()

    type_at_end(qtbot, window, "tinha uma pedra")
    # The title's [*] mark must follow the document, or the user can't see unsaved work.
    assert window.isWindowModified()

    window.save_action.trigger()
    assert path.read_bytes() == b"No meio do caminho\ntinha uma pedra"
    assert not window.isWindowModified()
    # Saved through a temporary file renamed over the old one (a new inode), none left over.
    assert path.stat().st_ino != inode_before
    assert leftovers(tmp_path) == []


def test_undo_and_redo(qtbot, window: MainWindow) -> None:
    qtbot.keyClicks(window.editor, "pedra")
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    assert window.editor.text() == ""
    assert window.redo_action.isEnabled()
    window.redo_action.trigger()
    assert window.editor.text() == "pedra"


def test_tab_inserts_a_tab(qtbot, window: MainWindow) -> None:
    # Ghost text will take Tab later; without a suggestion a Tab must stay a Tab.
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert window.editor.text() == "\t"


def test_no_break_spaces_survive_a_save(qtbot, window: MainWindow, tmp_path: Path) -> None:
    # QPlainTextEdit.toPlainText() turns U+00A0 into a plain space and U+2028 into "\n".
    path = tmp_path / "nbsp.txt"
    original = "Olá\u00a0: mundo\u2028linha\n"
    path.write_text(original, encoding="utf-8")
    window.open_file(path)
    type_at_end(qtbot, window, "x")
    window.save()
    assert path.read_text(encoding="utf-8") == original + "x"


def test_save_as_new_path_updates_recent_files(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "novo.txt"
    monkeypatch.setattr(MainWindow, "choose_save_path", lambda self: target)
    qtbot.keyClicks(window.editor, "pedra")
    with qtbot.waitSignal(window.document_saved) as saved:
        window.save_action.trigger()  # untitled: Save asks where
    assert saved.args == [target]
    assert target.read_text(encoding="utf-8") == "pedra"
    assert window.path == target
    assert window.windowTitle() == "novo.txt[*] — Caminho"

    other = tmp_path / "outro.txt"
    window.save_as(other)
    assert window.path == other
    # Most recent first, and stored: a fresh Settings reads the same list back.
    assert Settings().get("recent_files") == [str(other), str(target)]
    window.recent_menu.aboutToShow.emit()
    names = [a.data() for a in window.recent_menu.actions() if a.data()]
    assert names == [str(other), str(target)]


def test_recent_file_menu_opens_and_drops_missing_files(
    window: MainWindow, settings: Settings, tmp_path: Path
) -> None:
    present = tmp_path / "present.txt"
    present.write_text("aqui", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    settings.set("recent_files", [str(missing), str(present)])

    def recent_action(path: Path):
        window.recent_menu.aboutToShow.emit()  # the menu is rebuilt each time it opens
        return next(a for a in window.recent_menu.actions() if a.data() == str(path))

    recent_action(present).trigger()
    assert window.editor.text() == "aqui"

    recent_action(missing).trigger()
    assert window.last_error is not None and "missing.txt" in window.last_error[0]
    assert window.editor.text() == "aqui"  # the failed open replaced nothing
    assert settings.get("recent_files") == [str(present)]


def test_open_nonexistent_name_starts_empty_buffer(window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "ainda-nao.txt"
    assert window.open_or_create(path)
    assert window.editor.text() == "" and window.path == path
    assert window.windowTitle().startswith("ainda-nao.txt")
    assert not path.exists()  # like vim: nothing is written until the user saves
    window.editor.setPlainText("criado")
    assert window.save()
    assert path.read_text(encoding="utf-8") == "criado"


# --- unsaved changes ----------------------------------------------------------------------


def test_close_with_unsaved_changes_cancel_then_discard(qtbot, window: MainWindow, prompts) -> None:
    qtbot.keyClicks(window.editor, "rascunho")
    prompts.answers = ["cancel"]
    assert not window.close()
    assert window.isVisible()  # Cancel must keep the window and the text
    assert window.editor.text() == "rascunho"
    assert prompts.asked[0]["keys"] == ["save", "discard", "cancel"]

    prompts.answers = ["discard"]
    window.quit_action.trigger()
    assert not window.isVisible()


def test_close_with_unsaved_changes_save(
    qtbot, window: MainWindow, prompts, tmp_path: Path
) -> None:
    path = tmp_path / "a.txt"
    path.write_text("a", encoding="utf-8")
    window.open_file(path)
    type_at_end(qtbot, window, "b")
    prompts.answers = ["save"]
    assert window.close()
    assert path.read_text(encoding="utf-8") == "ab"


def test_new_and_open_ask_before_replacing_changes(
    qtbot, window: MainWindow, prompts, tmp_path: Path
) -> None:
    other = tmp_path / "other.txt"
    other.write_text("outro", encoding="utf-8")
    qtbot.keyClicks(window.editor, "meu texto")
    prompts.answers = ["cancel", "cancel"]
    assert not window.new_file()
    assert not window.open_file(other)
    assert window.editor.text() == "meu texto"
    prompts.answers = ["discard"]
    assert window.open_file(other)
    assert window.editor.text() == "outro"


# --- encodings and line endings -----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (b"Ol\xe1, cora\xe7\xe3o \x80 \x93aspas\x94\r\nfim\r\n", "Windows-1252"),
        (b"byte \x81 undefined in cp1252: caf\xe9\n", "ISO-8859-1"),
        (b"\xef\xbb\xbfcom BOM \xc3\xa7\r\n", "UTF-8 with BOM"),
        ("\ufeffdezesseis bits\r\n".encode("utf-16-le"), "UTF-16 LE"),
        (b"old mac\rline\r", "UTF-8"),
    ],
)
def test_unedited_file_saves_back_byte_identical(
    window: MainWindow, tmp_path: Path, data: bytes, label: str
) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes(data)
    assert window.open_file(path)
    assert window.file_format.label == label
    assert label in window.encoding_label.text()
    if label not in ("UTF-8", "UTF-8 with BOM"):
        # The user must learn the file is not UTF-8 (and stays so), not find out later.
        assert label in window.statusBar().currentMessage()
    window.save()
    assert path.read_bytes() == data


def test_edited_cp1252_file_keeps_encoding_and_crlf(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "cp.txt"
    path.write_bytes(b"a\xe7\xfacar\r\n")
    window.open_file(path)
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    # QTest can only type ASCII: insert what a keyboard with "é" would.
    window.editor.insertPlainText("é")
    qtbot.keyClick(window.editor, Qt.Key.Key_Return)
    window.save()
    assert path.read_bytes() == b"a\xe7\xfacar\r\n\xe9\r\n"


def test_unencodable_character_offers_utf8(
    qtbot, window: MainWindow, prompts, tmp_path: Path
) -> None:
    path = tmp_path / "cp.txt"
    path.write_bytes(b"caf\xe9\n")
    window.open_file(path)
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    window.editor.insertPlainText("\u0107")  # ć is not in Windows-1252
    prompts.answers = ["cancel"]
    assert not window.save()
    assert path.read_bytes() == b"caf\xe9\n"  # nothing converted behind the user's back
    assert window.is_modified()
    prompts.answers = ["utf8"]
    assert window.save()
    assert path.read_bytes() == "café\n\u0107".encode()
    assert window.file_format.label == "UTF-8"


# --- failures -------------------------------------------------------------------------------


def test_failed_save_keeps_old_file_and_buffer(
    qtbot, window: MainWindow, prompts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cheio.txt"
    path.write_bytes(b"antigo\n")
    window.open_file(path)
    type_at_end(qtbot, window, "novo")

    # chmod can't stop root, so fail the write itself the way a full disk does.
    def disk_full(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio, "_write_all", disk_full)
    prompts.answers = ["cancel"]
    with qtbot.waitSignal(window.error_shown):
        assert not window.save()
    assert path.read_bytes() == b"antigo\n"
    assert window.is_modified() and window.isWindowModified()
    assert "disk is full" in prompts.asked[0]["text"]
    assert prompts.asked[0]["keys"] == ["save_as", "cancel"]
    assert leftovers(tmp_path) == []


def test_failed_save_offers_save_as(
    qtbot, window: MainWindow, prompts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real failure even for root: the "folder" to save into is a regular file.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    qtbot.keyClicks(window.editor, "texto")
    rescue = tmp_path / "rescue.txt"
    monkeypatch.setattr(MainWindow, "choose_save_path", lambda self: rescue)
    prompts.answers = ["save_as"]
    assert window.save_as(blocker / "file.txt")
    assert "not a folder" in prompts.asked[0]["text"]
    assert rescue.read_text(encoding="utf-8") == "texto"
    assert window.path == rescue and not window.is_modified()


@pytest.mark.parametrize("content", [b"\x00\x01\x02ELF\x00", b"PK\x03\x04\x00\x00"])
def test_open_binary_file_loses_nothing(
    qtbot, window: MainWindow, tmp_path: Path, content: bytes
) -> None:
    qtbot.keyClicks(window.editor, "texto precioso")
    binary = tmp_path / "program.bin"
    binary.write_bytes(content)
    with qtbot.waitSignal(window.error_shown) as shown:
        assert not window.open_file(binary)
    assert "binary" in shown.args[1]
    assert window.editor.text() == "texto precioso"
    assert window.path is None and window.is_modified()


def test_open_folder_shows_error(window: MainWindow, tmp_path: Path) -> None:
    assert not window.open_file(tmp_path)
    assert window.last_error is not None and "folder" in window.last_error[1]


# --- links and permissions ------------------------------------------------------------------


def test_change_to_symlink_target_in_another_folder_is_seen(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    target = tmp_path / "real" / "text.txt"
    target.parent.mkdir()
    target.write_text("um", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    window.open_file(link)
    # Replaced the way editors save (new file renamed over the old), twice: after the
    # first, Qt has dropped the watch on the old inode and the window must watch anew.
    for text in ("dois", "tres"):
        fresh = target.parent / "fresh"
        fresh.write_text(text, encoding="utf-8")
        os.replace(fresh, target)
        qtbot.waitUntil(lambda text=text: window.editor.text() == text, timeout=3000)


def test_save_through_symlink_updates_target_and_keeps_link(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    target = tmp_path / "real" / "text.txt"
    target.parent.mkdir()
    target.write_text("alvo", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    window.open_file(link)
    type_at_end(qtbot, window, "!")
    assert window.save()
    assert link.is_symlink()  # replacing the link with a file would cut it from its target
    assert target.read_text(encoding="utf-8") == "alvo!"
    assert window.path == link


def test_save_keeps_permissions(qtbot, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "script.sh"
    path.write_text("echo oi\n", encoding="utf-8")
    path.chmod(0o751)
    window.open_file(path)
    type_at_end(qtbot, window, "# fim")
    window.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o751


# --- another program changes the file ---------------------------------------------------------


def rewrite(path: Path, data: bytes) -> None:
    """Change the file as another program would, with a new mtime even on coarse clocks."""
    stamp = path.stat().st_mtime_ns
    path.write_bytes(data)
    os.utime(path, ns=(stamp + 2_000_000_000, stamp + 2_000_000_000))


def test_unmodified_buffer_reloads_when_file_changes(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "watched.txt"
    path.write_text("um", encoding="utf-8")
    window.open_file(path)
    rewrite(path, b"dois")
    qtbot.waitUntil(lambda: window.editor.text() == "dois", timeout=3000)
    assert not window.is_modified()
    assert "changed by another program" in window.statusBar().currentMessage()


def test_modified_buffer_asks_and_keep_is_respected(
    qtbot, window: MainWindow, prompts, tmp_path: Path
) -> None:
    path = tmp_path / "watched.txt"
    path.write_text("um", encoding="utf-8")
    window.open_file(path)
    type_at_end(qtbot, window, " meu")
    prompts.answers = ["keep"]
    rewrite(path, b"deles")
    qtbot.waitUntil(lambda: len(prompts.asked) == 1, timeout=3000)
    assert prompts.asked[0]["keys"] == ["reload", "keep"]
    assert window.editor.text() == "um meu"
    # The user chose their version: saving may now replace the file without asking again.
    assert window.save()
    assert path.read_text(encoding="utf-8") == "um meu"


def test_modified_buffer_reload_choice_is_undoable(
    qtbot, window: MainWindow, prompts, tmp_path: Path
) -> None:
    path = tmp_path / "watched.txt"
    path.write_text("um", encoding="utf-8")
    window.open_file(path)
    type_at_end(qtbot, window, " meu")
    prompts.answers = ["reload"]
    rewrite(path, b"deles")
    qtbot.waitUntil(lambda: window.editor.text() == "deles", timeout=3000)
    window.undo_action.trigger()  # the reload must not destroy the user's text for good
    assert window.editor.text() == "um meu"


def test_save_never_overwrites_a_changed_file_silently(
    qtbot, window: MainWindow, prompts, tmp_path: Path
) -> None:
    path = tmp_path / "race.txt"
    path.write_text("um", encoding="utf-8")
    window.open_file(path)
    type_at_end(qtbot, window, " meu")
    rewrite(path, b"deles")
    # Saved before the watcher's event arrives: the save itself must notice.
    prompts.answers = ["cancel"]
    assert not window.save()
    assert path.read_bytes() == b"deles"
    assert prompts.asked[0]["keys"] == ["overwrite", "cancel"]


def test_file_deleted_on_disk_marks_buffer_unsaved(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "gone.txt"
    path.write_text("ainda aqui", encoding="utf-8")
    window.open_file(path)
    path.unlink()
    qtbot.waitUntil(window.is_modified, timeout=3000)
    assert window.editor.text() == "ainda aqui"
    assert window.save()
    assert path.read_text(encoding="utf-8") == "ainda aqui"


def test_own_save_is_not_reported_as_outside_change(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "mine.txt"
    path.write_text("a", encoding="utf-8")
    window.open_file(path)
    type_at_end(qtbot, window, "b")
    window.save()
    type_at_end(qtbot, window, "c")
    # Any prompt here would fail the test (conftest refuses unscripted dialogs).
    qtbot.wait(400)
    assert window.editor.text() == "abc" and window.is_modified()


# --- drag and drop ----------------------------------------------------------------------------


def test_dropping_a_file_opens_it(window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "dropped.txt"
    path.write_text("solto", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    where = QPoint(10, 10)  # QDragEnterEvent takes a QPoint, QDropEvent a QPointF
    action = Qt.DropAction.CopyAction
    buttons, modifiers = Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    # Qt delivers a drop only to the widget that accepted the drag's enter event.
    enter = QDragEnterEvent(where, action, mime, buttons, modifiers)
    QApplication.sendEvent(window.editor.viewport(), enter)
    assert enter.isAccepted()
    QApplication.sendEvent(
        window.editor.viewport(),
        QDropEvent(where.toPointF(), action, mime, buttons, modifiers),
    )
    assert window.editor.text() == "solto"  # opened, not the file's URL pasted as text
    assert window.path == path


# --- find, zoom, status bar, model ------------------------------------------------------------


def test_find_bar_finds_next_previous_and_closes(qtbot, window: MainWindow) -> None:
    window.editor.setPlainText("pedra Pedra pedra")
    window.editor.moveCursor(QTextCursor.MoveOperation.Start)
    window.find_action.trigger()
    assert window.find_bar.isVisible()
    qtbot.keyClicks(window.find_bar.field, "pedra")
    cursor = window.editor.textCursor()
    assert (cursor.selectionStart(), cursor.selectedText()) == (0, "pedra")

    qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Return)
    assert window.editor.textCursor().selectionStart() == 6  # case-insensitive by default
    # Matching case searches again at once: "Pedra" no longer matches, "pedra" at 12 does.
    window.find_bar.case_box.setChecked(True)
    assert window.editor.textCursor().selectionStart() == 12
    window.find_next_action.trigger()  # wraps around the end
    assert window.editor.textCursor().selectionStart() == 0
    window.find_previous_action.trigger()
    assert window.editor.textCursor().selectionStart() == 12

    qtbot.keyClicks(window.find_bar.field, "x")
    assert window.find_bar.status.text() == "Not found"
    qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Escape)
    assert not window.find_bar.isVisible()


def test_zoom_changes_font_and_persists(make_window, settings: Settings) -> None:
    window = make_window()
    base = window.editor.font().pointSizeF()
    window.zoom_in_action.trigger()
    window.zoom_in_action.trigger()
    assert window.editor.font().pointSizeF() == base + 2
    assert Settings().get("zoom") == 2
    window.zoom_out_action.trigger()
    assert window.editor.font().pointSizeF() == base + 1

    again = make_window(Settings())
    assert again.editor.font().pointSizeF() == base + 1
    again.zoom_reset_action.trigger()
    assert again.editor.font().pointSizeF() == base
    assert settings.get("zoom") == 0


def test_keyboard_shortcuts_reach_the_window_actions(qtbot, window: MainWindow) -> None:
    # An action holding the same key twice (platform binding + our extra) is ambiguous
    # and Qt then triggers neither: Ctrl+= would silently do nothing.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(window.editor, Qt.Key.Key_Equal, ctrl)
    qtbot.keyClick(window.editor, Qt.Key.Key_Plus, ctrl)
    assert window.editor.zoom() == 2
    qtbot.keyClick(window.editor, Qt.Key.Key_0, ctrl)
    assert window.editor.zoom() == 0
    qtbot.keyClick(window.editor, Qt.Key.Key_F, ctrl)
    assert window.find_bar.isVisible()


def test_status_bar_labels(qtbot, window: MainWindow) -> None:
    assert window.model_label.text() == "No model"
    assert window.position_label.text() == "Ln 1, Col 1"
    qtbot.keyClicks(window.editor, "ab")
    qtbot.keyClick(window.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(window.editor, "c")
    assert window.position_label.text() == "Ln 2, Col 2"
    window.set_latency_ms(3.25)
    assert window.latency_label.text() == "suggested in 3.2 ms"  # a figure says what it is
    window.set_latency_ms(None)
    assert window.latency_label.text() == ""
    window.set_model_name("no-meio-do-caminho")
    assert window.model_label.text() == "no-meio-do-caminho"
    assert window.encoding_label.text() == "UTF-8 · LF"


def test_load_model_emits_and_remembers_only_what_loaded(
    qtbot, window: MainWindow, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    model = tmp_path / "mine.onnx"
    monkeypatch.setattr(MainWindow, "choose_model_path", lambda self: model)
    with qtbot.waitSignal(window.model_requested) as requested:
        window.load_model_action.trigger()
    assert requested.args == [model]
    # Nothing loads models in this bare window, so nothing is remembered: saving the path
    # before the load made a broken file the choice of every later start (issue 12, item 4;
    # the loading side is in test_model_loading.py).
    assert settings.get("model_path") is None
    with qtbot.waitSignal(window.model_requested) as requested:
        window.bundled_model_action.trigger()
    assert requested.args == [None]


def test_show_error_does_not_block(qtbot, window: MainWindow) -> None:
    # Returning at all is the test: a modal exec() would hang here.
    window.show_error("Falhou", "motivo")
    assert window.last_error == ("Falhou", "motivo")
    assert "motivo" in window.statusBar().currentMessage()
    window.show_error("Falhou", "outro")  # replaces the first box instead of stacking
    qtbot.keyClicks(window.editor, "segue")
    assert window.editor.text() == "segue"


def test_window_geometry_is_remembered(make_window, settings: Settings) -> None:
    window = make_window()
    window.resize(640, 480)
    window.close()
    assert settings.get("window_geometry")
    again = make_window(Settings())
    assert (again.width(), again.height()) == (640, 480)


# --- text that starts like a byte order mark ------------------------------------------------


@pytest.mark.parametrize(
    ("data", "codec"),
    [
        ("\ufffeinvertido\n".encode(), "utf-8"),  # EF BF BE: PySide6 byte-swapped it to CJK
        (b"\xef\xbb\xbf\xef\xbb\xbfdois BOMs\n", "utf-8"),  # PySide6 dropped the second BOM
        ("\ufeff\ufffe".encode("utf-16-le"), "utf-16-le"),
    ],
)
def test_text_starting_with_a_bom_like_character_survives(
    qtbot, window: MainWindow, tmp_path: Path, data: bytes, codec: str
) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(data)
    text, _ = fileio.read_text(path)
    assert window.open_file(path)
    assert window.editor.text() == text
    # Opening must not count as an edit, nor leave an undo step behind.
    assert not window.isWindowModified()
    assert not window.editor.document().isUndoAvailable()
    window.save()
    assert path.read_bytes() == data

    # Reload (file changed on disk) replaces the text through a cursor: same trap.
    path.write_bytes(data + "x".encode(codec))
    assert window.reload()
    assert window.editor.text() == text + "x"
    window.undo_action.trigger()
    assert window.editor.text() == text
