"""Help menu (About, Keyboard Shortcuts, User Guide) and the status bar's wording, in the real
window (issue 12, item 8)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QKeySequence, QTextDocument
from ui_waits import wait_fresh

from editor.app import version
from editor.core import resources
from editor.ui.help import HelpMenu, describe_model
from editor.ui.statusbar import ELLIPSIS, ElidingStatusBar, elide_words
from editor.ui.user_features import UserFeatures
from editor.ui.window import MainWindow

ROOT = Path(__file__).resolve().parents[3]


def help_of(w: MainWindow) -> HelpMenu:
    found = w.findChild(HelpMenu)
    assert found is not None
    return found


def test_help_is_the_last_menu_with_guide_shortcuts_and_about(app_window):
    w = app_window()
    menus = [a.text().replace("&", "") for a in w.menuBar().actions()]
    assert menus[-1] == "Help"
    h = help_of(w)
    assert [a for a in h.menu.actions() if not a.isSeparator()] == [
        h.guide_action, h.shortcuts_action, h.about_action]
    assert "F1" in [s.toString() for s in h.guide_action.shortcuts()]


def test_about_names_version_model_and_every_licence(qtbot, app_window):
    w = app_window(wait_for_model=True)
    h = help_of(w)
    h.about_action.trigger()
    assert h.about_dialog is not None and h.about_dialog.isVisible()
    text = h.about_browser.toPlainText()
    assert f"Caminho {version()}" in text
    assert "no-meio-do-caminho.onnx" in text and "128 units" in text  # the model in use
    assert "Carlos Drummond de Andrade" in text and "1928" in text  # the poem it learnt
    for licence in ("GNU LGPL version 3", "MIT", "BSD 3-Clause", "PSF"):
        assert licence in text
    import numpy
    import onnxruntime

    assert f"ONNX Runtime {onnxruntime.__version__}" in text
    assert f"NumPy {numpy.__version__}" in text


def test_about_without_a_model_says_so(qtbot, app_window):
    w = app_window(no_model=True)
    h = help_of(w)
    h.about_action.trigger()
    assert "No model is loaded" in h.about_browser.toPlainText()
    assert describe_model(None).startswith("No model")


def rows(h: HelpMenu) -> list[tuple[str, str]]:
    tree = h.shortcuts_tree
    return [(tree.topLevelItem(i).text(0), tree.topLevelItem(i).text(1))
            for i in range(tree.topLevelItemCount())]


def test_shortcuts_list_every_command_with_keys(qtbot, app_window, settings):
    w = app_window(wait_for_model=True)
    h = help_of(w)
    h.shortcuts_action.trigger()
    listed = rows(h)
    # Every command in the menus that has keys is listed with them: read from the actions,
    # so a shortcut added later shows up without anyone editing a list.
    features = w.findChild(UserFeatures)
    for action in (w.save_action, w.find_next_action, w.zoom_in_action, features.preferences_action,
                   features.block_ghost_action, w.panel.toggleViewAction(), h.guide_action):
        name = action.text().replace("&", "")
        keys = next(k for k, command in listed if command == name)
        assert action.shortcuts()[0].toString(QKeySequence.SequenceFormat.NativeText) in keys
    assert ("F8", "Insight Panel") in listed
    assert ("Ctrl+,", "Preferences…") in listed
    # Keys only multimedia keyboards have (Qt's standard bindings add "Save", "Copy") are noise.
    assert not any(re.search(r"\b(Save|Copy|Help)\b", keys) for keys, command in listed if command)
    # The keys the suggestions read themselves are there too, with the accept key as set now.
    assert ("Tab", "Accept all of the grey ghost text") in listed
    settings.set("accept_key", "End")
    h.shortcuts_action.trigger()
    assert ("End", "Accept all of the grey ghost text") in rows(h)
    assert any(keys == "Ctrl+Right" for keys, _ in rows(h))


def test_the_alt_keys_listed_insert_the_word_where_the_list_says(qtbot, app_window):
    # Guards the help text against drifting from what Alt+1/2/3 really do.
    w = app_window(wait_for_model=True)
    h = help_of(w)
    h.shortcuts_action.trigger()
    places = {"left": 0, "middle": 1, "right": 2}
    for digit in (1, 2, 3):
        command = next(c for k, c in rows(h) if k == f"Alt+{digit}")
        slot = places[re.search(r"the (left|middle|right) word", command).group(1)]
        w.editor.clear()
        qtbot.keyClicks(w.editor, "No meio do ")
        wait_fresh(qtbot, w)
        word = w.strip.slot_words()[slot]
        assert word
        qtbot.keyClick(w.editor, getattr(Qt.Key, f"Key_{digit}"), Qt.KeyboardModifier.AltModifier)
        assert w.editor.text().startswith("No meio do " + word)


def test_user_guide_shows_the_readme_with_working_links_and_pictures(qtbot, app_window):
    w = app_window()
    h = help_of(w)
    h.guide_action.trigger()
    assert h.guide_dialog is not None and h.guide_dialog.isVisible()
    browser = h.guide_browser
    text = browser.toPlainText()
    assert "Using it" in text and "Ctrl+Right" in text
    assert browser.source() == QUrl.fromLocalFile(str(ROOT / "README.md"))
    document = browser.document()
    # The screenshots load (from disk: no network), scaled to the page, once each: Qt's
    # Markdown reader drew an image once per line of a multi-line alt text.
    images = []
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fmt = fragments.fragment().charFormat()
            if fmt.isImageFormat():
                images.append(fmt.toImageFormat().name())
            fragments += 1
        block = block.next()
    # Every picture of the README, in order (the themes and the Portuguese interface too).
    expected = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", (ROOT / "README.md").read_text("utf-8"))
    assert "docs/images/theme-dark.png" in expected
    assert images == expected
    for name in images:
        image = document.resource(QTextDocument.ResourceType.ImageResource, QUrl(name))
        assert image is not None and not image.isNull()
        assert image.width() <= browser.viewport().width()
    # A link to another document opens it in the same window, as a click does.
    browser.setSource(browser.source().resolved(QUrl("docs/USER_MODELS.md")))
    assert "Train on Documents" in browser.toPlainText()


def test_the_guide_is_found_in_a_frozen_bundle(tmp_path, monkeypatch):
    # PyInstaller puts resources/ (and the guide the spec adds to it) under _MEIPASS.
    guide = tmp_path / "resources" / resources.GUIDE_FOLDER
    guide.mkdir(parents=True)
    (guide / "README.md").write_text("# Caminho\n", encoding="utf-8")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.user_guide_path() == guide / "README.md"
    (guide / "README.md").unlink()
    assert resources.user_guide_path() is None  # never the source tree's from a bundle
    spec = (ROOT / "packaging" / "caminho.spec").read_text(encoding="utf-8")
    assert '"README.md"' in spec and f"resources/{resources.GUIDE_FOLDER}" in spec


# --- the status bar ----------------------------------------------------------------------------

def test_elide_words_cuts_at_a_word_boundary():
    text = "Could not save “notes.txt”: the disk is full."
    assert elide_words(text, 100, len) == text
    assert elide_words(text, 32, len) == "Could not save “notes.txt”: the" + ELLIPSIS
    assert elide_words(text, 31, len) == "Could not save “notes.txt”" + ELLIPSIS  # no ":…"
    assert elide_words("two\nlines", 100, len) == "two lines"
    # One word longer than the room has no boundary to cut at.
    assert elide_words("/a/very/long/path/without/spaces", 10, len) == "/a/very/l" + ELLIPSIS
    assert elide_words("word", 0, len) == ""


@pytest.mark.parametrize("width", [420, 900])
def test_long_status_messages_end_at_a_word_with_the_whole_text_in_a_tooltip(qtbot, window,
                                                                           width):
    window.resize(width, 400)
    bar = window.statusBar()
    assert isinstance(bar, ElidingStatusBar)
    message = ("Opened as Windows-1252 (not UTF-8); it will be saved as Windows-1252. "
               "The file mixes line endings; saving will use LF throughout.")
    window.show_status(message)
    bar.grab()  # paints
    shown = bar.shown_text
    assert shown.endswith(ELLIPSIS)
    kept = shown[: -len(ELLIPSIS)]
    assert message.startswith(kept)
    assert message[len(kept)] in " ;:,."  # the next character ends a word: nothing cut mid-word
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.message_rect().width()
    assert bar.toolTip() == message
    window.show_status("Saved notes.txt")
    bar.grab()
    assert bar.shown_text == "Saved notes.txt" and bar.toolTip() == ""
    # Bug: in a narrow window the permanent labels filled the bar and a message was drawn as
    # nothing. A message hides the figures that change on every key while it shows, and they
    # come back when it goes, as far as the bar has room (at 420 px the latency, least
    # useful, waits for a wider window).
    bar.clearMessage()
    assert window.position_label.isVisible()
    assert window.latency_label.isVisible() == (width == 900)
    assert (window.latency_label in bar.squeezed()) == (width != 900)


def test_the_latency_figure_says_what_it_measures(qtbot, app_window):
    w = app_window(wait_for_model=True)
    qtbot.keyClicks(w.editor, "No meio do ")
    wait_fresh(qtbot, w)
    assert re.fullmatch(r"suggested in \d+\.\d ms", w.latency_label.text())
