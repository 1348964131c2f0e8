"""Help menu: About (version, model, credits and licences), Keyboard Shortcuts, User Guide.

Everything here works offline and from the frozen bundle: the guide is README.md read from
disk (editor/core/resources.py says where), the shortcut list is read from the window's own actions
when the dialog opens, so it cannot drift from what the keys really do.
"""

from __future__ import annotations

import html
import platform
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt, QUrl, qVersion
from PySide6.QtGui import QAction, QImage, QKeySequence, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from editor.core.resources import user_guide_path
from editor.ui.suggestions.strip import SLOT_OF_RANK

if TYPE_CHECKING:
    from editor.ui.suggestions.controller import SuggestionController
    from editor.ui.window import MainWindow


def _tr(text: str) -> str:
    """A string marked with QT_TRANSLATE_NOOP("HelpMenu", ...) or a variable, translated."""
    return QCoreApplication.translate("HelpMenu", text)


# --- credits ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Credit:
    name: str
    by: str
    licence: str
    use: str  # what Caminho uses it for
    dist: str = ""  # distribution name, to show the installed version


# What Caminho ships or runs on. Data shipped in resources/ belongs here too.
CREDITS: tuple[Credit, ...] = (
    Credit("“No Meio do Caminho”", QT_TRANSLATE_NOOP(
               "HelpMenu", "Carlos Drummond de Andrade (1928, first published in the "
               "Revista de Antropofagia; collected in Alguma Poesia, 1930)"),
           QT_TRANSLATE_NOOP("HelpMenu", "the rights remain with the author's estate; "
                             "Caminho's MIT licence does not cover it"),
           QT_TRANSLATE_NOOP("HelpMenu", "the demo text, and the bundled model, which is "
                             "trained on it alone")),
    Credit("Qt and PySide6", "The Qt Company", QT_TRANSLATE_NOOP("HelpMenu", "GNU LGPL version 3"),
           QT_TRANSLATE_NOOP("HelpMenu", "the window and everything in it"), "PySide6_Essentials"),
    Credit("ONNX Runtime", "Microsoft", "MIT", QT_TRANSLATE_NOOP("HelpMenu", "runs the model"),
           "onnxruntime"),
    Credit("NumPy", QT_TRANSLATE_NOOP("HelpMenu", "the NumPy developers"), "BSD 3-Clause",
           QT_TRANSLATE_NOOP("HelpMenu", "the numbers around the model"), "numpy"),
    Credit("Python", QT_TRANSLATE_NOOP("HelpMenu", "the Python Software Foundation"),
           "PSF License Agreement",
           QT_TRANSLATE_NOOP("HelpMenu", "the language Caminho is written in")),
)
# Credit texts are marked for lupdate here and translated when About shows them; product and
# licence names stay as they are.
CAMINHO_LICENCE = "MIT"


def installed_version(credit: Credit) -> str:
    """The version in use, or "" when it can't be told (a frozen bundle without metadata)."""
    if credit.name == "Python":
        return platform.python_version()
    if credit.dist == "PySide6_Essentials":
        try:
            import PySide6  # noqa: PLC0415 (already imported by then)

            return f"{PySide6.__version__}, Qt {qVersion()}"
        except (ImportError, AttributeError):
            return f"Qt {qVersion()}"
    if not credit.dist:
        return ""
    try:
        return metadata.version(credit.dist)
    except metadata.PackageNotFoundError:
        return ""


def describe_model(model: Any | None) -> str:
    """One line about the model in use (a LanguageModel), for About."""
    if model is None:
        return QCoreApplication.translate(
            "HelpMenu", "No model is loaded: the editor works, without suggestions.")
    info = model.info
    words = info.vocab_size - 2  # <unk> and <doc> are not words
    layers = (QCoreApplication.translate("HelpMenu", "{0} layer") if info.layers == 1 else
              QCoreApplication.translate("HelpMenu", "{0} layers")).format(info.layers)
    text = QCoreApplication.translate("HelpMenu", "{0}: {1:,} words and marks, {2} × {3} units"
                                      ).format(info.name, words, layers, info.hidden)
    corpus = info.training.get("corpus") if isinstance(info.training, dict) else None
    if isinstance(corpus, list) and corpus:
        names = ", ".join(str(c) for c in corpus[:3]) + (" …" if len(corpus) > 3 else "")
        text += QCoreApplication.translate("HelpMenu", ", trained on {0}").format(names)
    return text + "."


def about_html(version: str, model_line: str, model_path: Path | None) -> str:
    esc = html.escape
    rows = []
    for credit in CREDITS:
        shown = installed_version(credit)
        name = esc(credit.name) + (f" {esc(shown)}" if shown else "")
        rows.append(QCoreApplication.translate(
            "HelpMenu", "<li><b>{0}</b>, by {1}: {2}. <i>Licence: {3}.</i></li>").format(
            name, esc(_tr(credit.by)), esc(_tr(credit.use)), esc(_tr(credit.licence))))
    where = f"<br><small>{esc(str(model_path))}</small>" if model_path is not None else ""
    return (
        f"<h2>Caminho {esc(version)}</h2>"
        + QCoreApplication.translate(
            "HelpMenu", "<p>A text editor that autocompletes as you type with a word-level "
            "LSTM, and shows what the LSTM is thinking.</p>")
        + QCoreApplication.translate("HelpMenu", "<p><b>Model in use:</b> {0}{1}</p>").format(
            esc(model_line), where)
        + QCoreApplication.translate(
            "HelpMenu", "<p>Caminho's code is free software under the {0} licence.</p>"
            ).format(CAMINHO_LICENCE)
        + QCoreApplication.translate("HelpMenu", "<h3>Credits and licences</h3>")
        + f"<ul>{''.join(rows)}</ul>"
    )


# --- keyboard shortcuts ----------------------------------------------------------------------

# "the left word": a phrase each, so a translation can place it.
POSITIONS = (QT_TRANSLATE_NOOP("HelpMenu", "left"), QT_TRANSLATE_NOOP("HelpMenu", "middle"),
             QT_TRANSLATE_NOOP("HelpMenu", "right"))


def _clean(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _on_every_keyboard(sequence: QKeySequence) -> bool:
    """False for the Help, Copy, Save... keys of multimedia keyboards that Qt's standard
    bindings include: a list full of keys nobody has reads as noise."""
    for index in range(sequence.count()):
        key = sequence[index].key()
        if key == Qt.Key.Key_Help or key.value >= Qt.Key.Key_Back.value:
            return False
    return True


def _keys(sequences: list[QKeySequence]) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText)
                     for s in sequences if _on_every_keyboard(s))


def menu_shortcuts(window: QWidget) -> list[tuple[str, str, str]]:
    """(menu, command, keys) for every menu command that has keys, in menu order."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path} → {_clean(action.text())}")
            elif action.shortcuts() and not action.isSeparator() and id(action) not in seen:
                seen.add(id(action))
                keys = _keys(action.shortcuts())
                if keys:
                    rows.append((path, _clean(action.text()), keys))

    for top in window.menuBar().actions():
        if isinstance(top.menu(), QMenu):
            walk(top.menu(), _clean(top.text()))
    return rows


def suggestion_shortcuts(controller: SuggestionController | None) -> list[tuple[str, str, str]]:
    """Keys the suggestion controller reads itself (they are not menu commands)."""
    accept = "Tab"
    if controller is not None and controller.accept_keys:
        key = next(iter(controller.accept_keys))
        accept = QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
    where = QCoreApplication.translate("HelpMenu", "Suggestions")
    rows = [
        (where, QCoreApplication.translate("HelpMenu", "Accept all of the grey ghost text"),
         accept),
        (where, QCoreApplication.translate("HelpMenu", "Accept the next word of the ghost text"),
         "Ctrl+Right"),
        (where, QCoreApplication.translate("HelpMenu", "Hide the ghost text"), "Esc"),
    ]
    names = (QT_TRANSLATE_NOOP("HelpMenu", "the best suggestion"),
             QT_TRANSLATE_NOOP("HelpMenu", "the second best"),
             QT_TRANSLATE_NOOP("HelpMenu", "the third best"))
    for rank, name in enumerate(names):
        slot = SLOT_OF_RANK.index(rank)
        rows.append((where, QCoreApplication.translate(
            "HelpMenu", "Insert {0} (the {1} word of the strip)").format(
            _tr(name), _tr(POSITIONS[slot])), f"Alt+{rank + 1}"))
    # The strip from the keyboard alone: F6 (View → Next Pane) puts the focus on its best word.
    rows += [
        (where, QCoreApplication.translate(
            "HelpMenu", "In the strip (after F6): move between the words"), "←, →"),
        (where, QCoreApplication.translate(
            "HelpMenu", "In the strip: insert the word and go back to the text"), "Space, Enter"),
        (where, QCoreApplication.translate(
            "HelpMenu", "In the strip: go back to the text"), "Esc"),
    ]
    return rows


FIND_BAR_KEYS = (
    (QT_TRANSLATE_NOOP("HelpMenu", "Find bar"),
     QT_TRANSLATE_NOOP("HelpMenu", "Find the next match"), "Enter"),
    (QT_TRANSLATE_NOOP("HelpMenu", "Find bar"),
     QT_TRANSLATE_NOOP("HelpMenu", "Find the previous match"), "Shift+Enter"),
    (QT_TRANSLATE_NOOP("HelpMenu", "Find bar"),
     QT_TRANSLATE_NOOP("HelpMenu", "Close the find bar"), "Esc"),
)


def all_shortcuts(window: MainWindow) -> list[tuple[str, str, str]]:
    find_bar = [(_tr(where), _tr(command), keys) for where, command, keys in FIND_BAR_KEYS]
    return [*suggestion_shortcuts(window.suggestions), *menu_shortcuts(window), *find_bar]


# --- dialogs ---------------------------------------------------------------------------------

_IMAGE_ALT = re.compile(r"!\[([^\]]*)\]\(")


class GuideBrowser(QTextBrowser):
    """Shows README.md; its screenshots (1280 px wide) are scaled to the page's width."""

    def loadResource(self, kind: int, url: QUrl) -> Any:  # noqa: N802 (Qt override)
        data = super().loadResource(kind, url)
        if kind == QTextDocument.ResourceType.MarkdownResource.value and data is not None:
            text = bytes(data).decode("utf-8", "replace") if not isinstance(data, str) else data
            # Qt's Markdown reader draws an image once per line of its alt text.
            return _IMAGE_ALT.sub(lambda m: "![" + " ".join(m.group(1).split()) + "](", text)
        if kind != QTextDocument.ResourceType.ImageResource.value or data is None:
            return data
        image = data if isinstance(data, QImage) else QImage.fromData(data)
        width = max(200, self.viewport().width() - 40)
        if image.isNull() or image.width() <= width:
            return data
        return image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)


def _dialog(parent: QWidget, title: str, size: tuple[int, int]) -> tuple[QDialog, QVBoxLayout]:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.close)
    dialog.resize(*size)
    dialog.setProperty("buttons", buttons)
    return dialog, layout


class HelpMenu(QObject):
    """The Help menu of one window; found with window.findChild(HelpMenu)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("helpMenu")
        self.window_ = window
        self.model: Any | None = None  # the LanguageModel in use, from the model status
        self.about_dialog: QDialog | None = None
        self.shortcuts_dialog: QDialog | None = None
        self.guide_dialog: QDialog | None = None
        self.about_browser: QTextBrowser | None = None
        self.shortcuts_tree: QTreeWidget | None = None
        self.guide_browser: QTextBrowser | None = None

        self.guide_action = QAction(self.tr("&User Guide"), window)
        self.guide_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.HelpContents))
        self.guide_action.triggered.connect(self.open_guide)
        self.shortcuts_action = QAction(self.tr("&Keyboard Shortcuts"), window)
        self.shortcuts_action.triggered.connect(self.open_shortcuts)
        self.about_action = QAction(self.tr("&About Caminho"), window)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.open_about)
        for action in (self.guide_action, self.shortcuts_action, self.about_action):
            window.addAction(action)  # F1 works wherever the focus is
        self.menu = window.menuBar().addMenu(self.tr("&Help"))
        self.menu.addAction(self.guide_action)
        self.menu.addAction(self.shortcuts_action)
        self.menu.addSeparator()
        self.menu.addAction(self.about_action)
        if window.suggestions is not None:
            window.suggestions.model_status.connect(self._on_model_status)

    def _on_model_status(self, status: Any) -> None:
        self.model = status.model if status.ok else None

    def open_about(self) -> QDialog:
        from editor.app import version  # noqa: PLC0415 (editor.app imports this module)

        if self.about_dialog is None:
            self.about_dialog, layout = _dialog(self.window_, self.tr("About Caminho"),
                                                (560, 520))
            self.about_browser = QTextBrowser(self.about_dialog)
            self.about_browser.setOpenExternalLinks(True)
            layout.addWidget(self.about_browser, 1)
            layout.addWidget(self.about_dialog.property("buttons"))
        model_path = self.model.info.path if self.model is not None else None
        assert self.about_browser is not None
        self.about_browser.setHtml(about_html(version(), describe_model(self.model), model_path))
        return self._show(self.about_dialog)

    def open_shortcuts(self) -> QDialog:
        if self.shortcuts_dialog is None:
            self.shortcuts_dialog, layout = _dialog(self.window_, self.tr("Keyboard Shortcuts"),
                                                    (640, 600))
            tree = QTreeWidget(self.shortcuts_dialog)
            tree.setHeaderLabels([self.tr("Keys"), self.tr("Command")])
            tree.setRootIsDecorated(False)
            tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
            tree.header().setStretchLastSection(True)
            layout.addWidget(tree, 1)
            layout.addWidget(self.shortcuts_dialog.property("buttons"))
            self.shortcuts_tree = tree
        # Read afresh each time: the accept key is a preference and may have changed.
        tree = self.shortcuts_tree
        assert tree is not None
        tree.clear()
        group: str | None = None
        for where, command, keys in all_shortcuts(self.window_):
            if where != group:
                group = where
                heading = QTreeWidgetItem([where, ""])
                font = heading.font(0)
                font.setBold(True)
                heading.setFont(0, font)
                heading.setFirstColumnSpanned(True)
                heading.setFlags(Qt.ItemFlag.ItemIsEnabled)
                tree.addTopLevelItem(heading)
            tree.addTopLevelItem(QTreeWidgetItem([keys, command]))
        return self._show(self.shortcuts_dialog)

    def open_guide(self) -> QDialog:
        if self.guide_dialog is None:
            self.guide_dialog, layout = _dialog(self.window_, self.tr("Caminho User Guide"),
                                                (760, 640))
            self.guide_browser = GuideBrowser(self.guide_dialog)
            self.guide_browser.setOpenExternalLinks(True)  # web links: the system browser
            layout.addWidget(self.guide_browser, 1)
            layout.addWidget(self.guide_dialog.property("buttons"))
            self._load_guide(self.guide_browser)
        return self._show(self.guide_dialog)

    def _load_guide(self, browser: QTextBrowser) -> None:
        path = user_guide_path()
        if path is not None:
            # From a file, so its links to docs/*.md and its pictures resolve beside it.
            browser.setSource(QUrl.fromLocalFile(str(path)),
                              QTextDocument.ResourceType.MarkdownResource)
            return
        try:  # an installed wheel: the README is the package's long description
            meta = metadata.metadata("caminho")
            text = meta.get("Description") or meta.get_payload()  # type: ignore[attr-defined]
        except metadata.PackageNotFoundError:
            text = ""
        browser.setMarkdown(text or self.tr(
            "The user guide is not part of this copy of Caminho. It is README.md in "
            "Caminho's source."))

    def _show(self, dialog: QDialog) -> QDialog:
        dialog.show()
        dialog.raise_()
        return dialog


def install(window: MainWindow) -> HelpMenu:
    """Add the Help menu to `window`; call it after the other menus, so it comes last."""
    return HelpMenu(window)
