"""Model → Load Model… and the model remembered from last time, in the real window.

Issue 12, item 4: a wrong file used to trap the user (raw onnxruntime text, "No model" while
the old model kept suggesting, and the failed path saved, so every start failed again).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from ui_waits import wait_fresh

from editor.core.lm import LanguageModel, ModelError
from editor.core.resources import bundled_model_path
from editor.core.service import explain_load_error
from editor.ui.window import MainWindow

POEM_MODEL = "no-meio-do-caminho.onnx"


def not_onnx(path: Path) -> Path:
    path.write_bytes(b"\x08\x07 this is not an onnx file" * 10)
    return path


def shown_box(w: MainWindow) -> QMessageBox:
    box = w.message_box
    assert box is not None and box.isVisible()
    return box


def test_load_error_keeps_onnxruntime_words_out_of_the_plain_text(tmp_path):
    bad = not_onnx(tmp_path / "x.onnx")
    with pytest.raises(ModelError) as caught:
        LanguageModel.load(bad)
    plain, detail = explain_load_error(bad, caught.value)
    assert "x.onnx" in plain
    assert "ONNXRuntimeError" not in plain and "onnxruntime said" not in plain
    assert "ONNXRuntimeError" in detail and str(bad) in detail
    # Anything else that goes wrong is still explained, with its text behind Details.
    plain, detail = explain_load_error(bad, RuntimeError("boom"))
    assert "x.onnx" in plain and "boom" not in plain and "boom" in detail


def test_a_wrong_file_from_load_model_changes_nothing(qtbot, app_window, settings, tmp_path,
                                                     monkeypatch):
    w = app_window(wait_for_model=True)
    before = w.requested_model
    bad = not_onnx(tmp_path / "holiday-photo.onnx")
    monkeypatch.setattr(MainWindow, "choose_model_path", lambda self: bad)
    with qtbot.waitSignal(w.error_shown, timeout=10000):
        w.load_model_action.trigger()

    # The old model still suggests, and the status bar still names it (it said "No model").
    assert w.suggestions.model_name == POEM_MODEL
    assert POEM_MODEL in w.model_label.text()
    qtbot.keyClicks(w.editor, "No meio do ")
    wait_fresh(qtbot, w)
    assert "caminho" in w.strip.words()
    # The failed path is not the choice for the next start (it was saved before the load).
    assert settings.get("model_path") is None
    assert w.requested_model == before

    box = shown_box(w)
    assert "holiday-photo.onnx" in box.text()
    assert "ONNXRuntimeError" not in box.text() + box.informativeText()
    assert "Nothing changed" in box.informativeText() and POEM_MODEL in box.informativeText()
    assert "caminho-train" in box.informativeText()  # what to do instead
    assert "INVALID_PROTOBUF" in box.detailedText()  # the technical words, behind Details


def test_the_choice_is_saved_once_the_model_has_loaded(qtbot, app_window, settings, tmp_path,
                                                       monkeypatch):
    w = app_window(wait_for_model=True)
    mine = Path(shutil.copy(bundled_model_path(), tmp_path / "mine.onnx"))
    monkeypatch.setattr(MainWindow, "choose_model_path", lambda self: mine)
    w.load_model_action.trigger()
    qtbot.waitUntil(lambda: w.suggestions.model_name == "mine.onnx", timeout=10000)
    qtbot.waitUntil(lambda: settings.get("model_path") == str(mine), timeout=2000)
    assert "mine.onnx" in w.model_label.text()


def test_a_remembered_model_that_fails_at_start_falls_back_to_the_bundled_one(
        qtbot, app_window, settings, tmp_path):
    gone = not_onnx(tmp_path / "letters.onnx")
    settings.set("model_path", str(gone))
    w = app_window()
    qtbot.waitUntil(lambda: w.suggestions.model_name == POEM_MODEL, timeout=10000)
    # It says so: a box naming the file, and the status bar.
    box = shown_box(w)
    assert "letters.onnx" in box.text()
    assert "bundled model instead" in box.informativeText()
    assert "ONNXRuntimeError" in box.detailedText()
    assert "letters.onnx" in w.statusBar().currentMessage()
    assert "bundled" in w.statusBar().currentMessage()
    # Suggestions work, and the next start does not stumble over the same file.
    qtbot.keyClicks(w.editor, "No meio do ")
    wait_fresh(qtbot, w)
    assert "caminho" in w.strip.words()
    assert settings.get("model_path") is None


def test_a_model_given_with_dash_dash_model_does_not_fall_back(qtbot, app_window, settings,
                                                               tmp_path):
    # --model is an explicit request for this run: no silent substitute.
    bad = not_onnx(tmp_path / "explicit.onnx")
    w = app_window(model=bad)
    qtbot.waitUntil(lambda: w.last_error is not None, timeout=10000)
    assert w.suggestions.model_name is None
    assert "explicit.onnx" in shown_box(w).text()
    assert "ONNXRuntimeError" in shown_box(w).detailedText()
    assert settings.get("model_path") is None
