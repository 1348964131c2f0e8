"""Window sizes (issue 12, item 10): the insight panel took half of the default window and
forgot where the writer put the split; the Models dialog cut its Accuracy column."""

from __future__ import annotations

import shutil

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtTest import QTest

from editor.app import build_parser, build_window
from editor.core.paths import models_dir
from editor.core.resources import bundled_model_path
from editor.ui.models_dialog import COLUMNS, ModelsDialog
from editor.ui.user_features import UserFeatures
from editor.ui.window import MainWindow


def text_share(w: MainWindow) -> float:
    return w.editor.width() / w.width()


def drag_split(qtbot, w: MainWindow, to_x: int) -> None:
    """Drag the separator between the text and the panel with the mouse, as a writer does."""
    x = (w.centralWidget().geometry().right() + w.panel.geometry().left()) // 2
    y = w.panel.geometry().center().y()
    QTest.mousePress(w, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, y))
    for step in range(1, 11):
        QTest.mouseMove(w, QPoint(x + (to_x - x) * step // 10, y))
        qtbot.wait(5)  # QMainWindow applies separator moves on a timer
    QTest.mouseRelease(w, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(to_x, y))


def test_the_panel_takes_about_a_third_and_the_split_is_remembered(qtbot, app_window, settings):
    w = app_window(wait_for_model=True)
    assert w.width() == 900 and w.panel.isVisible()
    # It took half (440 of 900 px); now a third, and stays so once the model fills it.
    qtbot.keyClicks(w.editor, "No meio do caminho tinha uma pedra ")
    qtbot.wait(50)
    assert 0.30 <= w.panel.width() / w.width() <= 0.36
    assert text_share(w) >= 0.6

    drag_split(qtbot, w, 400)
    assert abs(w.panel.width() - 500) <= 12  # the drag moved the split
    dragged = w.panel.width()
    w.editor.document().setModified(False)
    w.close()
    assert settings.get("panel_width") == dragged

    settings.set("panel_visible", True)  # whether it shows is item 2's business, not this test's
    again = app_window()
    assert abs(again.panel.width() - dragged) <= 2


def test_a_hidden_panel_keeps_the_width_the_writer_chose(qtbot, app_window, settings):
    settings.set("panel_width", 420)
    w = app_window()
    assert abs(w.panel.width() - 420) <= 2
    w.panel.toggleViewAction().trigger()  # hidden: its width is meaningless
    w.close()
    assert settings.get("panel_width") == 420


def test_the_models_dialog_shows_the_accuracy_column_whole(qtbot, app_window):
    folder = models_dir()
    folder.mkdir(parents=True)
    shutil.copy(bundled_model_path(), folder / "stories-from-the-long-summer-of-2026.onnx")
    w = app_window()
    features = w.findChild(UserFeatures)
    features.models_action.trigger()
    dialog = features.models_dialog
    assert isinstance(dialog, ModelsDialog)
    qtbot.waitExposed(dialog)
    tree, header = dialog.tree, dialog.tree.header()
    accuracy = COLUMNS.index("Accuracy")
    right = header.sectionViewportPosition(accuracy) + header.sectionSize(accuracy)
    assert right <= tree.viewport().width()  # on screen, not scrolled off
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        for column in range(len(COLUMNS)):
            if column == COLUMNS.index("Trained on"):
                continue  # elided when it must be; its tooltip has it whole
            needed = QFontMetrics(item.font(column)).horizontalAdvance(item.text(column))
            assert header.sectionSize(column) >= needed, (COLUMNS[column], item.text(column))
        assert item.toolTip(COLUMNS.index("Trained on")).startswith("no-meio-do-caminho.txt")


def test_a_window_resized_before_it_shows_still_gives_the_panel_a_third(qtbot, settings):
    # `caminho --size 1280x640` resizes the built window before showing it: the panel was
    # sized for the 900 px it had when built.
    w = build_window(build_parser().parse_args(["--no-model"]), settings)
    qtbot.addWidget(w, before_close_func=lambda x: x.editor.document().setModified(False))
    w.resize(1280, 640)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: abs(w.panel.width() - 1280 / 3) <= 8, timeout=2000)
    w.suggestions.shutdown()
