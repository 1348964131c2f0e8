"""Model → Models…: the installed models, which one suggests, rename and delete (non-modal)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from editor.core.models import ModelEntry, ModelRegistry, RegistryError

if TYPE_CHECKING:
    from editor.ui.window import MainWindow

COLUMNS = ("Name", "Trained on", "Size", "Date", "Accuracy")
CORPUS_COLUMN = 1
KIND_NOTES = {"bundled": " (bundled)", "other": " (file elsewhere)", "user": ""}


def describe_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def describe_accuracy(entry: ModelEntry) -> str:
    if entry.accuracy is None:
        return "—"
    # Held-out accuracy is what the user will see; training accuracy flatters small texts.
    where = "held-out text" if entry.accuracy_kind == "validation" else "training text"
    return f"{entry.accuracy:.1%} ({where})"


def describe_corpus(entry: ModelEntry) -> str:
    if entry.error:
        return "cannot be used"
    names = ", ".join(entry.corpus[:3]) + (" …" if len(entry.corpus) > 3 else "")
    if entry.tokens:
        names += f" ({entry.tokens:,} tokens)"
    return names or "—"


class ModelsDialog(QDialog):
    """Lists `registry.entries()`; every change goes through the registry and the window."""

    def __init__(self, window: MainWindow, registry: ModelRegistry,
                 open_training: Callable[[], object] | None = None) -> None:
        super().__init__(window)
        self.setWindowTitle(self.tr("Models"))
        self.window_ = window
        self.registry = registry
        self.entries: list[ModelEntry] = []
        self._filling = False

        layout = QVBoxLayout(self)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels([self.tr(c) for c in COLUMNS])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Renaming edits the name in place (Rename button or F2), never through a modal box.
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        # Every column as wide as its contents except "Trained on", a list of file names that
        # can be any length: it takes what is left and elides (the tooltip has it whole).
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CORPUS_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.itemDoubleClicked.connect(lambda *_: self.use_selected())
        layout.addWidget(self.tree, 1)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)

        buttons = QHBoxLayout()
        self.use_button = QPushButton(self.tr("Use"), self)
        self.use_button.setToolTip(self.tr("Suggest with this model, now and at the next start"))
        self.use_button.clicked.connect(self.use_selected)
        self.rename_button = QPushButton(self.tr("Rename"), self)
        self.rename_button.clicked.connect(self._start_rename)
        self.delete_button = QPushButton(self.tr("Delete…"), self)
        self.delete_button.clicked.connect(self.delete_selected)
        for button in (self.use_button, self.rename_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        if open_training is not None:
            train = QPushButton(self.tr("Train New…"), self)
            train.clicked.connect(open_training)
            buttons.addWidget(train)
        close = QPushButton(self.tr("Close"), self)
        close.clicked.connect(self.close)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        window.settings.changed.connect(self._on_setting)
        self.refresh()
        self.resize(self.comfortable_width(), 320)

    # -- the list ----------------------------------------------------------------------------
    def refresh(self) -> None:
        selected = self.selected()
        keep = selected.path if selected is not None else None
        self.entries = self.registry.entries()
        self._filling = True
        self.tree.clear()
        for entry in self.entries:
            default = self.registry.is_default(entry)
            name = entry.name + KIND_NOTES.get(entry.kind, "") + (self.tr(" — in use")
                                                                  if default else "")
            item = QTreeWidgetItem([name, describe_corpus(entry), describe_size(entry.size),
                                    entry.created[:10], describe_accuracy(entry)])
            item.setData(0, Qt.ItemDataRole.UserRole, str(entry.path))
            item.setToolTip(CORPUS_COLUMN, entry.error or describe_corpus(entry))
            if default:
                font = item.font(0)
                font.setBold(True)
                item.setFont(0, font)
            if entry.editable:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            self.tree.addTopLevelItem(item)
            if keep is not None and entry.path == keep:
                item.setSelected(True)
        self._filling = False
        self._update_buttons()

    def comfortable_width(self) -> int:
        """Room for every column but "Trained on" in full, and some of that one (the
        Accuracy column used to be cut at the dialog's default size)."""
        columns = sum(self.tree.sizeHintForColumn(c) for c in range(len(COLUMNS))
                      if c != CORPUS_COLUMN)
        corpus = min(self.tree.sizeHintForColumn(CORPUS_COLUMN), 260)
        frame = self.width() - self.tree.viewport().width() if self.isVisible() else 48
        screen = self.screen().availableGeometry().width() if self.screen() else 1600
        return min(max(760, columns + corpus + frame + 24), max(760, screen - 80))

    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    def selected(self) -> ModelEntry | None:
        items = self.tree.selectedItems()
        if not items:
            return None
        index = self.tree.indexOfTopLevelItem(items[0])
        return self.entries[index] if 0 <= index < len(self.entries) else None

    def select(self, path: Path) -> None:
        for index, entry in enumerate(self.entries):
            if self.registry.same(entry.path, path):
                self.tree.setCurrentItem(self.tree.topLevelItem(index))
                return

    def _update_buttons(self) -> None:
        entry = self.selected()
        self.use_button.setEnabled(entry is not None and not entry.error)
        self.rename_button.setEnabled(entry is not None and entry.editable)
        self.delete_button.setEnabled(entry is not None and entry.editable)
        self.note.setText(entry.error if entry is not None and entry.error else "")

    def _on_setting(self, key: str, _value: object) -> None:
        if key == "model_path" and self.isVisible():
            self.refresh()

    # -- actions -----------------------------------------------------------------------------
    def use_selected(self) -> None:
        entry = self.selected()
        if entry is None or entry.error:
            return
        self.window_.load_model(None if entry.kind == "bundled" else entry.path, remember=True)
        self.refresh()

    def _start_rename(self) -> None:
        items = self.tree.selectedItems()
        entry = self.selected()
        if items and entry is not None and entry.editable:
            self._filling = True
            items[0].setText(0, entry.name)  # edit the bare name, without "— in use"
            self._filling = False
            self.tree.editItem(items[0], 0)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._filling or column != 0:
            return
        path = Path(item.data(0, Qt.ItemDataRole.UserRole))
        new_name = item.text(0).strip()
        if new_name and new_name != path.stem:
            self.rename(path, new_name)
        else:
            self.refresh()

    def rename(self, path: Path, new_name: str) -> Path | None:
        was_default = self.registry.same(self.registry.default_path(), path)
        try:
            target = self.registry.rename(path, new_name)
        except (RegistryError, OSError) as exc:
            self.window_.show_error(self.tr("Could not rename the model"), str(exc))
            self.refresh()
            return None
        if was_default:
            self.window_.load_model(target, remember=True)  # the status bar shows the new name
        self.refresh()
        self.select(target)
        return target

    def delete_selected(self) -> bool:
        entry = self.selected()
        if entry is None or not entry.editable:
            return False
        answer = self.window_.ask_user(
            self.tr("Delete model"),
            self.tr("Delete the model “{0}”?").format(entry.name),
            [("delete", self.tr("Delete")), ("cancel", "")],
            default="cancel",
            informative=self.tr("The file is removed from your models folder; "
                                "training on the same texts makes a new one."),
        )
        if answer != "delete":
            return False
        return self.delete(entry.path)

    def delete(self, path: Path) -> bool:
        try:
            was_default = self.registry.delete(path)
        except (RegistryError, OSError) as exc:
            self.window_.show_error(self.tr("Could not delete the model"), str(exc))
            return False
        if was_default:
            self.window_.load_model(None, remember=True)
        self.refresh()
        return True
