"""View → Theme: the system's palette, or Caminho's own light or dark one, applied live.

Every widget of the editor paints with palette roles (Base, Text, WindowText, PlaceholderText),
so changing the application palette repaints the text, the strip, the ghost and the panel. The
insight panel's colour maps switch to a dark-centred diverging map on a dark palette
(`uses_dark_colours`). The contrast arithmetic is WCAG 2.x's (relative luminance of sRGB).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")
# A ghost suggestion is "incidental" grey text, but it is read while typing: keep it at least
# at WCAG's 3:1 for large text and user-interface components against the page.
MIN_GHOST_CONTRAST = 3.0

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

# What the application had before Caminho changed anything: "system" goes back to it.
_system: tuple[str, QPalette] | None = None
_current = "system"


def _linear(channel: float) -> float:
    c = channel / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = rgb
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two opaque sRGB colours, 1 (none) to 21 (black on white)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _over(color: QColor, background: QColor) -> tuple[int, int, int]:
    """`color` composited over an opaque `background` (a placeholder grey is often translucent)."""
    alpha = color.alphaF()
    return tuple(round(alpha * c + (1 - alpha) * bg) for c, bg in zip(
        (color.red(), color.green(), color.blue()),
        (background.red(), background.green(), background.blue()), strict=True))


def color_contrast(fg: QColor, bg: QColor) -> float:
    return contrast_ratio(_over(fg, bg), (bg.red(), bg.green(), bg.blue()))


def ghost_color(palette: QPalette) -> QColor:
    """The ghost text's colour: the palette's placeholder grey when it is legible on the page,
    else the nearest mix of text and page colour that reaches MIN_GHOST_CONTRAST."""
    base = palette.color(Role.Base)
    text = palette.color(Role.Text)
    placeholder = palette.color(Role.PlaceholderText)
    # Painted on every keystroke: the contrast sums cost 0.2 ms a key in Python (issue 18).
    key = (base.rgba(), text.rgba(), placeholder.rgba(), placeholder.isValid())
    if key not in _GHOST_COLORS:
        if len(_GHOST_COLORS) > 64:  # palettes come and go with themes: stay small
            _GHOST_COLORS.clear()
        _GHOST_COLORS[key] = _legible_ghost(base, text, placeholder)
    return QColor(_GHOST_COLORS[key])


_GHOST_COLORS: dict[tuple[int, int, int, bool], QColor] = {}


def _legible_ghost(base: QColor, text: QColor, placeholder: QColor) -> QColor:
    if placeholder.isValid() and placeholder.alpha() > 0 and \
            color_contrast(placeholder, base) >= MIN_GHOST_CONTRAST:
        return placeholder
    for step in range(1, 11):  # from the page towards the text, the first mix that is legible
        share = step / 10
        mixed = QColor(*(round(share * t + (1 - share) * b) for t, b in zip(
            (text.red(), text.green(), text.blue()), (base.red(), base.green(), base.blue()),
            strict=True)))
        if color_contrast(mixed, base) >= MIN_GHOST_CONTRAST:
            return mixed
    return QColor(text)


def uses_dark_colours(palette: QPalette) -> bool:
    """True when the page is darker than its text: charts and the tint use the dark colour map."""
    return palette.color(Role.Base).lightness() < palette.color(Role.Text).lightness()


def _palette(colours: dict[Role, tuple[int, int, int]],
             disabled: tuple[int, int, int]) -> QPalette:
    palette = QPalette()
    for role, rgb in colours.items():
        palette.setColor(role, QColor(*rgb))
    for role in (Role.Text, Role.WindowText, Role.ButtonText, Role.PlaceholderText):
        palette.setColor(Group.Disabled, role, QColor(*disabled))
    return palette


def light_palette() -> QPalette:
    return _palette({
        Role.Window: (239, 239, 239), Role.WindowText: (20, 20, 20),
        Role.Base: (255, 255, 255), Role.AlternateBase: (245, 245, 245),
        Role.Text: (20, 20, 20), Role.PlaceholderText: (112, 112, 112),
        Role.Button: (239, 239, 239), Role.ButtonText: (20, 20, 20),
        Role.ToolTipBase: (255, 255, 220), Role.ToolTipText: (20, 20, 20),
        Role.Highlight: (48, 140, 198), Role.HighlightedText: (255, 255, 255),
        Role.Link: (0, 90, 180), Role.LinkVisited: (110, 60, 160), Role.BrightText: (200, 0, 0),
        Role.Light: (255, 255, 255), Role.Midlight: (227, 227, 227), Role.Mid: (160, 160, 160),
        Role.Dark: (160, 160, 160), Role.Shadow: (105, 105, 105),
    }, disabled=(150, 150, 150))


def dark_palette() -> QPalette:
    return _palette({
        Role.Window: (45, 45, 48), Role.WindowText: (230, 230, 230),
        Role.Base: (30, 30, 32), Role.AlternateBase: (45, 45, 48),
        Role.Text: (230, 230, 230), Role.PlaceholderText: (150, 150, 150),
        Role.Button: (55, 55, 58), Role.ButtonText: (230, 230, 230),
        Role.ToolTipBase: (60, 60, 64), Role.ToolTipText: (230, 230, 230),
        Role.Highlight: (42, 130, 218), Role.HighlightedText: (255, 255, 255),
        Role.Link: (110, 175, 255), Role.LinkVisited: (190, 150, 240),
        Role.BrightText: (255, 110, 110),
        Role.Light: (80, 80, 84), Role.Midlight: (65, 65, 68), Role.Mid: (40, 40, 42),
        Role.Dark: (25, 25, 26), Role.Shadow: (10, 10, 10),
    }, disabled=(120, 120, 120))


def current_theme() -> str:
    return _current


def apply_theme(theme: str, app: QApplication | None = None) -> str:
    """Make `theme` the application's look now; returns the theme applied ("system" for an
    unknown name, say from a hand-edited settings file)."""
    global _system, _current
    app = app or QApplication.instance()
    if not isinstance(app, QGuiApplication):
        return _current
    if theme not in THEMES:
        theme = "system"
    if _system is None:
        _system = (app.style().name(), QPalette(app.palette()))
    if theme == "system":
        style, palette = _system
        if app.style().name() != style:
            app.setStyle(style)
        app.setPalette(palette)
    else:
        # Fusion draws with the palette on every platform (the Windows and macOS styles keep
        # their own colours for some controls, which would leave light buttons on a dark page).
        if app.style().name().lower() != "fusion":
            app.setStyle("Fusion")
        app.setPalette(dark_palette() if theme == "dark" else light_palette())
    _current = theme
    return theme
