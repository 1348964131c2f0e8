"""View → Theme (issue 20): light and dark palettes applied live, remembered, legible ghost text
and a heatmap that reads on a dark background."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from editor.core import insight
from editor.core.insight import Scale
from editor.ui import theme
from editor.ui.settings import Settings
from editor.ui.window import MainWindow

Role = QPalette.ColorRole


def rgb(color: QColor) -> tuple[int, int, int]:
    return color.red(), color.green(), color.blue()


@pytest.fixture(autouse=True)
def back_to_system() -> Iterator[None]:
    yield
    theme.apply_theme("system")  # later tests expect the platform's look


def test_contrast_ratio_matches_wcag() -> None:
    assert theme.contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert theme.contrast_ratio((255, 255, 255), (255, 255, 255)) == pytest.approx(1.0)
    # WCAG's own example: #767676 on white is the lightest grey that passes 4.5:1.
    assert theme.contrast_ratio((0x76, 0x76, 0x76), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)


def test_ghost_colour_is_legible_even_when_the_palette_grey_is_not() -> None:
    palette = theme.dark_palette()
    # A platform palette whose placeholder grey almost vanishes on its page (seen with light
    # placeholder colours left on a dark page): the ghost is lifted towards the text colour.
    palette.setColor(Role.PlaceholderText, QColor(50, 50, 52))
    colour = theme.ghost_color(palette)
    assert theme.color_contrast(colour, palette.color(Role.Base)) >= theme.MIN_GHOST_CONTRAST
    assert colour != palette.color(Role.Text)  # still grey, not as loud as the text


def test_ghost_colour_follows_a_changed_palette() -> None:
    # The colour is remembered per palette (it is painted on every key): a palette whose
    # placeholder grey changes must not get the colour remembered for the old one.
    palette = theme.dark_palette()
    legible = QColor(150, 150, 150)
    palette.setColor(Role.PlaceholderText, legible)
    assert theme.ghost_color(palette) == legible
    palette.setColor(Role.PlaceholderText, QColor(50, 50, 52))
    lifted = theme.ghost_color(palette)
    assert lifted != QColor(50, 50, 52)
    assert theme.color_contrast(lifted, palette.color(Role.Base)) >= theme.MIN_GHOST_CONTRAST
    palette.setColor(Role.PlaceholderText, legible)
    assert theme.ghost_color(palette) == legible


def test_dark_theme_from_the_view_menu_applies_live_and_is_remembered(qtbot, app_window):
    w: MainWindow = app_window(wait_for_model=True)
    light_base = w.editor.palette().color(Role.Base)
    assert [a.data() for a in w.theme_menu.actions()] == ["system", "light", "dark"]
    assert w.theme_actions["system"].isChecked()

    w.theme_actions["dark"].trigger()
    assert Settings().get("theme") == "dark"
    assert w.theme_actions["dark"].isChecked()
    # Qt hands the new palette to the widgets through its event loop.
    qtbot.waitUntil(lambda: w.editor.palette().color(Role.Base).lightness() < 60, timeout=2000)
    for widget in (w, w.editor, w.strip, w.panel, w.panel.heatmap):
        # Guards: a widget with a palette of its own would stay light inside a dark window.
        base = widget.palette().color(Role.Base)
        assert base.lightness() < 60, (widget, rgb(base))
    assert w.editor.palette().color(Role.Base) != light_base
    assert w.palette().color(Role.WindowText).lightness() > 180

    # The ghost's grey against the page: at least 3:1 on both themes.
    for name in ("dark", "light"):
        w.theme_actions[name].trigger()
        qtbot.wait(50)
        palette = w.editor.palette()
        ghost = theme.ghost_color(palette)
        assert theme.color_contrast(ghost, palette.color(Role.Base)) >= 3.0, name
        assert theme.color_contrast(ghost, palette.color(Role.Base)) < \
            theme.color_contrast(palette.color(Role.Text), palette.color(Role.Base)), name

    w.theme_actions["system"].trigger()
    assert Settings().get("theme") == "system"
    qtbot.waitUntil(lambda: w.editor.palette().color(Role.Base) == light_base, timeout=2000)


def test_a_remembered_theme_is_applied_at_start(qtbot, app_window, settings):
    settings.set("theme", "dark")
    w = app_window(no_model=True)
    assert w.theme_actions["dark"].isChecked()
    assert QApplication.palette().color(Role.Base).lightness() < 60


def test_unknown_theme_in_the_settings_file_falls_back_to_system(qtbot, app_window, settings):
    settings.set("theme", "neon")  # a hand-edited file
    w = app_window(no_model=True)
    assert w.theme_actions["system"].isChecked()


def cells(heatmap) -> np.ndarray:
    """The heatmap's cells as drawn, [rows, cols, BGRA]."""
    img = heatmap._img
    rows, cols = heatmap.matrix.shape
    return np.array([[QColor(img.pixel(c, r)).getRgb()[2::-1] for c in range(cols)]
                     for r in range(rows)], np.uint8)


def test_heatmap_follows_the_theme_with_a_dark_centred_map(qtbot, app_window):
    w = app_window(wait_for_model=True)
    w.panel.show()
    qtbot.keyClicks(w.editor, "No meio do ")
    qtbot.waitUntil(lambda: w.suggestions.is_fresh() and not w.suggestions._post_timer.isActive(),
                    timeout=5000)
    w.panel.flush(force=True)
    heatmap = w.panel.heatmap
    expected = {name: insight.colorize(heatmap.matrix[heatmap.order], heatmap.scale, lut)[..., :3]
                for name, lut in (("light", insight.diverging_lut()), ("dark", insight.DARK_LUT))}
    assert (cells(heatmap) == expected["light"]).all()
    w.theme_actions["dark"].trigger()
    # Redrawn in the dark map on the palette change, with the same numbers.
    qtbot.waitUntil(lambda: (cells(heatmap) == expected["dark"]).all(), timeout=2000)
    w.theme_actions["light"].trigger()
    qtbot.waitUntil(lambda: (cells(heatmap) == expected["light"]).all(), timeout=2000)


def test_dark_map_reads_on_the_dark_page():
    page = theme.dark_palette().color(Role.Window)
    cold, zero, warm = (QColor(int(r), int(g), int(b)) for b, g, r, _ in
                        insight.colorize(np.array([-1.0, 0.0, 1.0]), Scale(-1, 1),
                                         insight.DARK_LUT))
    assert zero.lightness() < 70  # zero fades into the dark page instead of glaring white
    for end in (cold, warm):
        # Both ends stand out from the page (WCAG 3:1 for graphics).
        assert theme.color_contrast(end, page) >= 3.0, rgb(end)
    assert cold.blue() > cold.red() and warm.red() > warm.blue()  # still blue - red


def test_dark_colour_map_is_diverging_and_monotonic():
    lut = insight.DARK_LUT.astype(int)
    lightness = lut[:, :3].max(axis=1)
    middle = len(lut) // 2
    # Darkest at the middle, lighter towards each end: the sign reads from the hue, the size
    # from the lightness.
    assert lightness[middle] == lightness.min() or lightness[middle - 1] == lightness.min()
    assert (np.diff(lightness[:middle]) <= 0).all() and (np.diff(lightness[middle:]) >= 0).all()
    values = insight.colorize(np.array([-1.0, 1.0]), Scale(-1, 1), insight.DARK_LUT)
    assert values[0][0] > values[0][2]  # BGRA: the cold end is blue
    assert values[1][2] > values[1][0]  # the warm end is red


def test_preferences_theme_choice_follows_and_drives_the_menu(qtbot, app_window):
    from editor.ui.user_features import UserFeatures  # noqa: PLC0415

    w = app_window(no_model=True)
    features = w.findChild(UserFeatures)
    features.preferences_action.trigger()
    combo = features.preferences_dialog.theme_combo
    combo.setCurrentIndex(combo.findData("dark"))
    assert Settings().get("theme") == "dark" and w.theme_actions["dark"].isChecked()
    qtbot.waitUntil(lambda: w.editor.palette().color(Role.Base).lightness() < 60, timeout=2000)
    # And back: the menu changes the dialog's choice while it is open.
    w.theme_actions["light"].trigger()
    assert combo.currentData() == "light"
    features.preferences_dialog.close()
