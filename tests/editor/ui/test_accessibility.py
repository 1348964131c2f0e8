"""Accessibility through the real window (issue 20): what assistive technology reads (QAccessible
names and descriptions), and reaching every part from the keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QListWidget,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QTextEdit,
    QWidget,
)
from ui_waits import type_and_wait

from editor.ui import i18n
from editor.ui.settings import Settings
from editor.ui.user_features import UserFeatures
from editor.ui.window import MainWindow

# Taken before conftest's autouse fixture replaces it: the recovery question is opened for real.
REAL_ASK_USER = MainWindow.ask_user
LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def accessible(widget: QWidget, what: QAccessible.Text = QAccessible.Text.Name) -> str:
    """What a screen reader gets for `widget`: Qt's accessibility interface, not the Python
    properties, so a name Qt derives (a button's text, a form label) counts too."""
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None, widget
    return interface.text(what)


@pytest.fixture
def win(app_window, qtbot) -> MainWindow:
    w = app_window(wait_for_model=True)
    return w


def activate(qtbot, w: MainWindow) -> None:
    """Window shortcuts (F6) fire only in the active window; a dialog of an earlier test may
    still hold the activation."""
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=3000)
    w.editor.setFocus()


# --- what a screen reader reads -----------------------------------------------------------------

def test_strip_buttons_say_their_word_rank_and_key(qtbot, win):
    type_and_wait(qtbot, win, "No meio do ")
    words = win.strip.words()
    assert len(words) == 3
    for button in win.strip.buttons:
        # Guards: the buttons paint their own label, so without a name a reader said "button".
        rank = words.index(button.text())
        assert accessible(button) == words[rank]
        assert accessible(button, QAccessible.Text.Description) == \
            f"Suggestion {rank + 1} of 3, Alt+{rank + 1}"
    type_and_wait(qtbot, win, "caminho tinha uma pedra no meio do caminho tinha uma ")
    assert [accessible(b) for b in win.strip.buttons] == win.strip.slot_words()


def test_ghost_text_is_the_text_views_accessible_description(qtbot, win):
    type_and_wait(qtbot, win, "No meio do ")
    ghost = win.suggestions.ghost.text()
    assert ghost.startswith("caminho")
    # Guards: the ghost is painted, not in the document, so a reader never heard it.
    assert accessible(win.editor, QAccessible.Text.Description) == \
        f"Ghost text: “{ghost.replace(chr(10), ' ')}”"
    assert accessible(win.editor) == "Text"
    qtbot.keyClick(win.editor, Qt.Key.Key_Escape)  # hides the ghost
    assert not win.suggestions.ghost.is_shown()
    assert accessible(win.editor, QAccessible.Text.Description) == ""


def test_panel_views_and_charts_have_names_and_a_text_alternative(qtbot, win):
    panel = win.panel
    panel.show()
    tabs = panel.tabs
    assert accessible(tabs) == "Insight views"
    # Each tab is read by its title, and every view has a name of its own.
    bar = QAccessible.queryAccessibleInterface(tabs.tabBar())
    titles = [bar.child(i).text(QAccessible.Text.Name) for i in range(bar.childCount())]
    assert [tabs.tabText(i) for i in range(tabs.count())] == \
        ["State", "Next word", "Unit", "Memory", "Gates", "Pin", "Compare"]
    assert all(t in titles for t in ["State", "Next word", "Unit", "Memory", "Gates", "Pin",
                                     "Compare"])
    assert all(accessible(tabs.widget(i)) for i in range(tabs.count()))
    type_and_wait(qtbot, win, "No meio do ")
    panel.set_view("next")
    panel.flush(force=True)
    # The Next word chart as text: every bar's token and probability, strip words marked.
    description = accessible(panel.probs, QAccessible.Text.Description)
    top_token, top_prob = panel.probs.items[0]
    assert accessible(panel.probs) == "Next-word probabilities"
    assert f"{top_token} {top_prob:.1%}" in description
    assert "(in the strip)" in description
    # It follows the chart: new text, new numbers.
    type_and_wait(qtbot, win, "caminho ")
    panel.flush(force=True)
    assert accessible(panel.probs, QAccessible.Text.Description) != description
    assert f"{panel.probs.items[0][0]} {panel.probs.items[0][1]:.1%}" in \
        accessible(panel.probs, QAccessible.Text.Description)

    panel.set_view("state")
    panel.flush(force=True)
    state = accessible(panel.heatmap, QAccessible.Text.Description)
    last = panel.heatmap.matrix[:, -1]
    strongest = int(abs(last).argmax())
    assert "Strongest at 'caminho'" in state
    assert f"unit {strongest} {float(last[strongest]):+.2f}" in state
    panel.select_unit(7)
    panel.flush(force=True)
    assert f"Selected: unit 7 {float(last[7]):+.2f}." in \
        accessible(panel.heatmap, QAccessible.Text.Description)

    panel.set_view("unit")
    panel.flush(force=True)
    trace = accessible(panel.trace, QAccessible.Text.Description)
    assert trace.startswith("unit 7") and f"h {float(panel.trace.lines['h'][-1]):+.2f}" in trace

    panel.set_view("gates")
    panel.flush(force=True)
    gates = accessible(panel.gates_view, QAccessible.Text.Description)
    assert "Mean gates at the last token: input" in gates and "units keep their cell" in gates


def focusable_controls(root: QWidget) -> list[QWidget]:
    """The controls a keyboard user can land on inside `root` (visible ones)."""
    kinds = (QAbstractButton, QComboBox, QLineEdit, QSpinBox, QListWidget, QPlainTextEdit,
             QTextEdit)
    # A spin box's or combo box's own line edit is read as part of it.
    return [w for w in root.findChildren(QWidget)
            if isinstance(w, kinds) and w.isVisibleTo(root)
            and w.focusPolicy() != Qt.FocusPolicy.NoFocus
            and not isinstance(w.parentWidget(), QAbstractSpinBox | QComboBox)]


def unnamed(root: QWidget) -> list[str]:
    return [f"{type(w).__name__} {w.objectName()!r} {getattr(w, 'text', lambda: '')()!r}"
            for w in focusable_controls(root) if not accessible(w).strip()]


def test_every_dialog_control_has_an_accessible_name(qtbot, app_window):
    w = app_window()
    features = w.findChild(UserFeatures)
    features.preferences_action.trigger()
    features.train_action.trigger()
    features.models_action.trigger()
    w.show_find_bar()
    dialogs = {"preferences": features.preferences_dialog, "training": features.train_dialog,
               "models": features.models_dialog, "find bar": w.find_bar, "panel": w.panel}
    problems = {name: unnamed(d) for name, d in dialogs.items()}
    # Guards: a combo box or field without a label reads as "combo box" / "edit" only.
    assert all(focusable_controls(d) for d in dialogs.values())
    assert not any(problems.values()), problems
    for dialog in (features.preferences_dialog, features.train_dialog, features.models_dialog):
        dialog.close()
        dialog.deleteLater()


def test_the_recovery_question_names_its_buttons(qtbot, app_window):
    w = app_window(no_model=True)
    seen: dict[str, list[str]] = {}

    def inspect() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen["unnamed"] = unnamed(box)
        seen["names"] = [accessible(b) for b in box.buttons()]
        box.reject()

    QTimer.singleShot(0, inspect)
    REAL_ASK_USER(w, "Recover unsaved text?", "Caminho closed unexpectedly…",
                  [("recover", "Recover"), ("discard", "Discard"), ("cancel", "Not Now")])
    assert seen["unnamed"] == []
    assert sorted(seen["names"]) == ["Discard", "Not Now", "Recover"]


# --- the keyboard alone -------------------------------------------------------------------------

def test_f6_walks_text_strip_panel_and_back(qtbot, win):
    win.panel.show()
    activate(qtbot, win)
    type_and_wait(qtbot, win, "No meio do ")
    assert win.editor.hasFocus()
    qtbot.keyClick(win.editor, Qt.Key.Key_F6)
    best = win.strip.buttons[1]  # the middle: the best word
    assert best.hasFocus(), QApplication.focusWidget()
    # Arrows walk the words, Esc goes back to the text with nothing typed.
    qtbot.keyClick(best, Qt.Key.Key_Right)
    assert win.strip.buttons[2].hasFocus()
    qtbot.keyClick(win.strip.buttons[2], Qt.Key.Key_Escape)
    assert win.editor.hasFocus() and win.editor.text() == "No meio do "
    # F6 twice reaches the panel's tabs, a third time comes back to the text.
    qtbot.keyClick(win.editor, Qt.Key.Key_F6)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F6)
    assert win.panel.tabs.tabBar().hasFocus(), QApplication.focusWidget()
    qtbot.keyClick(win.panel.tabs.tabBar(), Qt.Key.Key_Right)  # next view from the keyboard
    assert win.panel.current_view() == "next"
    qtbot.keyClick(win.panel.tabs.tabBar(), Qt.Key.Key_F6)
    assert win.editor.hasFocus()
    # Shift+F6 goes backwards: text → panel.
    qtbot.keyClick(win.editor, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    assert win.panel.tabs.tabBar().hasFocus()


def test_a_word_chosen_from_the_keyboard_is_inserted_and_typing_goes_on(qtbot, win):
    activate(qtbot, win)
    type_and_wait(qtbot, win, "No meio do ")
    qtbot.keyClick(win.editor, Qt.Key.Key_F6)
    best = win.strip.buttons[1]
    word = best.text()
    qtbot.keyClick(best, Qt.Key.Key_Space)
    assert win.editor.text().startswith(f"No meio do {word}")
    # Guards: after choosing, the focus stayed on the strip and the next keys were lost.
    assert win.editor.hasFocus()
    # Enter too (a push button outside a dialog ignores it by itself).
    type_and_wait(qtbot, win, " ")
    before = win.editor.text()
    qtbot.keyClick(win.editor, Qt.Key.Key_F6)
    focused = QApplication.focusWidget()
    assert focused in win.strip.buttons
    word = focused.text()
    qtbot.keyClick(focused, Qt.Key.Key_Return)
    assert win.editor.text().startswith(before + word) and win.editor.hasFocus()


def test_f6_skips_an_empty_strip_and_a_hidden_panel(qtbot, app_window):
    w = app_window(no_model=True)
    w.panel.hide()
    activate(qtbot, w)
    assert w.panes() == [w.editor]
    qtbot.keyClick(w.editor, Qt.Key.Key_F6)
    assert w.editor.hasFocus(), QApplication.focusWidget()


def mnemonic(text: str) -> str | None:
    match = re.search(r"&([^&])", text.replace("&&", ""))
    return match.group(1).lower() if match else None


def menu_problems(window: MainWindow) -> list[str]:
    """Items without an Alt letter and letters used twice, in the menu bar and every menu and
    submenu (Open Recent is numbered and built when it opens)."""
    problems: list[str] = []

    def check(title: str, actions: list) -> None:
        items = [a for a in actions if a.text() and not a.isSeparator()]
        letters = [mnemonic(a.text()) for a in items]
        problems.extend(f"{title}: no Alt letter in {a.text()!r}"
                        for a, letter in zip(items, letters, strict=True) if letter is None)
        for letter in {x for x in letters if x and letters.count(x) > 1}:
            problems.append(f"{title}: &{letter} in "
                            f"{[a.text() for a in items if mnemonic(a.text()) == letter]}")
        for a in items:
            if isinstance(a.menu(), QMenu):
                check(f"{title} → {a.text()}", a.menu().actions())

    check("menu bar", window.menuBar().actions())
    return problems


@pytest.fixture
def in_language(monkeypatch, request) -> Iterator[str]:
    for name in LOCALE_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    if request.param != "en":
        request.getfixturevalue("compiled_catalogue")
    yield i18n.install_for(request.param)
    i18n.install_translators(i18n.ENGLISH)


@pytest.mark.parametrize("in_language", ["en", "pt_BR"], indirect=True)
def test_every_menu_has_unique_alt_letters(in_language, app_window, tmp_path):
    # Guards: two items with one Alt letter make the letter cycle between them instead of
    # choosing; checked in each language, since a translation picks its own letters.
    w = app_window(no_model=True)
    recent = tmp_path / "a.txt"
    recent.write_text("x", encoding="utf-8")
    w.settings.add_recent_file(recent)
    w._rebuild_recent_menu()
    assert not menu_problems(w), "\n".join(menu_problems(w))


def test_shortcuts_help_lists_the_pane_keys(app_window):
    from editor.ui.help import all_shortcuts  # noqa: PLC0415

    rows = all_shortcuts(app_window(no_model=True))
    assert ("View", "Next Pane", "F6") in rows
    assert ("View", "Previous Pane", "Shift+F6") in rows


def test_language_chosen_in_preferences_is_used_at_the_next_start(
        qtbot, app_window, monkeypatch, compiled_catalogue):
    w = app_window(no_model=True)
    features = w.findChild(UserFeatures)
    features.preferences_action.trigger()
    dialog = features.preferences_dialog
    combo = dialog.language_combo
    assert [combo.itemData(i) for i in range(combo.count())] == ["", "en", "pt_BR"]
    assert combo.itemText(2) == "Português (Brasil)"
    assert "next time Caminho starts" in dialog.language_note.text()
    combo.setCurrentIndex(2)
    assert Settings().get("language") == "pt_BR"  # stored at once, in the settings file
    # The English window stays English (the change is on restart); the next start, as
    # editor/app.py does it, is Portuguese even under LANG=C.
    assert w.menuBar().actions()[0].text() == "&File"
    dialog.close()
    for name in LOCALE_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C")
    try:
        assert i18n.install_for(Settings().get("language")) == "pt_BR"
        again = app_window(no_model=True)
        assert again.menuBar().actions()[0].text() == "&Arquivo"
    finally:
        i18n.install_translators(i18n.ENGLISH)
