"""Model → Train on documents…: train a model on the user's own writing, in another process.

The dialog picks the documents, shows the estimate, the progress and the loss curve; the run
itself is `TrainingRun` (editor/ui/training_run.py), `caminho-train` in another process.

The dialog is added to the window by editor/ui/user_features.py.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPainterPath, QPen, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from editor.core import fileio
from editor.core.fileio import FileError
from editor.core.models import ModelRegistry, safe_name
from editor.core.trainer import (
    BUDGET_CHOICES_S,
    INSTALL_COMMAND,
    MAX_EPOCHS,
    SAMPLE_BYTES,
    TRAINER_MIN_TOKENS,
    CorpusStats,
    budget_arguments,
    corpus_stats,
    estimate_seconds,
    expected_epochs,
    format_duration,
    time_left,
)
from editor.ui.trainer_messages import stop_reason
from editor.ui.training_run import TrainingRun

if TYPE_CHECKING:
    from editor.ui.window import MainWindow

# --- widgets -----------------------------------------------------------------------------------

class LossCurve(QWidget):
    """Training (solid) and validation (dashed) loss per epoch; only draws what it is given."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.train: list[float] = []
        self.val: list[float | None] = []
        self.epochs = 0
        self.legend: list[tuple[str, QRectF]] = []  # as last drawn: label, where
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def clear(self) -> None:
        self.train, self.val, self.epochs = [], [], 0
        self.update()

    def add(self, loss: float, val_loss: float | None, epochs: int) -> None:
        self.train.append(loss)
        self.val.append(val_loss)
        self.epochs = max(epochs, len(self.train))
        self.update()

    def set_epochs(self, epochs: int) -> None:
        self.epochs = max(epochs, len(self.train))
        self.update()

    def paintEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        self.legend = []
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        metrics = painter.fontMetrics()
        # A row above the plot for the legend, so it never hides a line.
        plot = QRectF(self.rect()).adjusted(metrics.horizontalAdvance("00.0") + 10,
                                            metrics.height() + 10, -8, -metrics.height() - 6)
        painter.setPen(QPen(palette.mid().color()))
        painter.drawRect(plot)
        values = [v for v in self.train + self.val if v is not None and math.isfinite(v)]
        if not values or plot.width() <= 0 or plot.height() <= 0:
            painter.setPen(palette.placeholderText().color())
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "Loss per epoch")
            return
        top, bottom = max(values), min(0.0, min(values))
        span = top - bottom or 1.0
        count = max(self.epochs, 2)

        def point(index: int, value: float) -> tuple[float, float]:
            x = plot.left() + plot.width() * index / (count - 1)
            y = plot.bottom() - plot.height() * (value - bottom) / span
            return x, y

        painter.setPen(palette.text().color())
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for value, y in ((top, plot.top()), (bottom, plot.bottom())):
            painter.drawText(QRectF(0, y - metrics.height() / 2, plot.left() - 4, metrics.height()),
                             right, f"{value:.1f}")
        painter.drawText(QRectF(plot.left(), plot.bottom() + 3, plot.width(), metrics.height()),
                         Qt.AlignmentFlag.AlignLeft, "epoch 1")
        painter.drawText(QRectF(plot.left(), plot.bottom() + 3, plot.width(), metrics.height()),
                         Qt.AlignmentFlag.AlignRight, f"{count}")
        lines: list[tuple[str, list[float | None], QColor, Qt.PenStyle]] = [
            ("training text", list(self.train), palette.highlight().color(),
             Qt.PenStyle.SolidLine),
            ("held-out text", self.val, QColor(200, 110, 30), Qt.PenStyle.DashLine),
        ]
        for _label, series, color, style in lines:
            path = QPainterPath()
            started = False
            for index, value in enumerate(series):
                if value is None or not math.isfinite(value):
                    continue
                x, y = point(index, value)
                if started:
                    path.lineTo(x, y)
                else:
                    path.moveTo(x, y)
                    started = True
            painter.setPen(QPen(color, 2, style))
            painter.drawPath(path)
        self._draw_legend(painter, plot, [line for line in lines
                                          if any(v is not None for v in line[1])])

    def _draw_legend(self, painter: QPainter, plot: QRectF,
                     lines: list[tuple[str, list[float | None], QColor, Qt.PenStyle]]) -> None:
        """Which line is which: one row above the plot, each label after a piece of its line."""
        metrics = painter.fontMetrics()
        sample = 22
        x, y = plot.left(), plot.top() - metrics.height() - 5
        for label, _series, color, style in lines:
            text = f"loss on the {label}"
            middle = y + metrics.height() / 2
            painter.setPen(QPen(color, 2, style))
            painter.drawLine(int(x), int(middle), int(x + sample), int(middle))
            painter.setPen(self.palette().text().color())
            width = metrics.horizontalAdvance(text)
            rect = QRectF(x + sample + 6, y, width + 2, metrics.height())
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             text)
            self.legend.append((text, rect))
            x = rect.right() + 18


class TrainDialog(QDialog):
    """Choose texts, see their size and a time estimate, train, watch, cancel. Non-modal."""

    model_installed = Signal(object)  # Path of a newly trained model, already loading

    def __init__(self, window: MainWindow, registry: ModelRegistry,
                 trainer: Sequence[str] | None, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else window)
        self.setWindowTitle(self.tr("Train on Documents"))
        self.window_ = window
        self.registry = registry
        self.trainer = list(trainer) if trainer else None
        self.files: list[Path] = []
        # Files that are not UTF-8, with the encoding the writer agreed to read them in.
        self.encodings: dict[Path, str] = {}
        self._planned = 0  # the epochs the running training will likely do (grows if passed)
        # Passed to caminho-train as they are: sizes and rates for tests and experiments.
        self.extra_args: list[str] = []
        self.installed: Path | None = None
        self._suggested_name = ""
        self._text_cache: dict[tuple[Path, int, int], tuple[str, int]] = {}
        self.stats = CorpusStats(0, 0, 0, True)
        self.run: TrainingRun | None = (
            TrainingRun(self.trainer, registry, self) if self.trainer else None)

        layout = QVBoxLayout(self)
        if self.run is None:
            self._build_unavailable(layout)
        else:
            self._build_trainer(layout)
            self.run.epoch_done.connect(self._on_epoch)
            self.run.log_grew.connect(self._on_log)
            self.run.succeeded.connect(self._on_succeeded)
            self.run.failed.connect(self._on_failed)
            self.run.cancelled.connect(self._on_cancelled)
            self.update_corpus()
        self.resize(560, 560 if self.run is not None else 200)

    # -- layout ------------------------------------------------------------------------------
    def _build_unavailable(self, layout: QVBoxLayout) -> None:
        frozen = getattr(sys, "frozen", False)
        why = (self.tr("This copy of Caminho cannot train models: training needs PyTorch, "
                       "which the packaged app leaves out. Install Caminho with training, "
                       "which adds the caminho-train command this dialog uses:")
               if frozen else
               self.tr("Training needs PyTorch, which this installation lacks. "
                       "Add it with this command, then restart Caminho:"))
        self.unavailable_label = QLabel(why, self)
        self.unavailable_label.setWordWrap(True)
        layout.addWidget(self.unavailable_label)
        row = QHBoxLayout()
        self.command_edit = QLineEdit(INSTALL_COMMAND, self)
        self.command_edit.setReadOnly(True)
        self.command_edit.setAccessibleName(self.tr("Command that installs the trainer"))
        self.command_edit.setFont(QGuiApplication.font())
        row.addWidget(self.command_edit, 1)
        copy = QPushButton(self.tr("Copy"), self)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(INSTALL_COMMAND))
        row.addWidget(copy)
        layout.addLayout(row)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.close_button = QPushButton(self.tr("Close"), self)
        self.close_button.clicked.connect(self.close)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.start_button = None

    def _build_trainer(self, layout: QVBoxLayout) -> None:
        layout.addWidget(QLabel(self.tr("Texts to learn from (text files):"), self))
        self.files_list = QListWidget(self)
        self.files_list.setAccessibleName(self.tr("Texts to learn from"))
        self.files_list.setMaximumHeight(110)
        layout.addWidget(self.files_list)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add Files…"), self)
        self.add_button.clicked.connect(self._choose_and_add)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.clicked.connect(self._remove_selected)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.use_document = QCheckBox(
            self.tr("Include the open document ({0})").format(self.window_.display_name()), self)
        self.use_document.setChecked(bool(self.window_.editor.text().strip()))
        self.use_document.toggled.connect(self.update_corpus)
        layout.addWidget(self.use_document)

        form = QFormLayout()
        self.corpus_label = QLabel(self)
        form.addRow(self.tr("Size:"), self.corpus_label)
        self.name_edit = QLineEdit(self)
        form.addRow(self.tr("Model name:"), self.name_edit)
        self.epochs_spin = QSpinBox(self)
        self.epochs_spin.setRange(0, 2000)
        self.epochs_spin.setSpecialValueText(self.tr("automatic"))
        self.epochs_spin.setToolTip(self.tr("The most passes over the texts; training stops "
                                            "earlier once the model stops improving"))
        self.epochs_spin.valueChanged.connect(self._update_estimate)
        form.addRow(self.tr("Epochs:"), self.epochs_spin)
        # How long may it take: caminho-train --time-budget plans its epochs to end in time.
        self.budget_combo = QComboBox(self)
        for seconds in BUDGET_CHOICES_S:
            if not seconds:
                label = self.tr("no limit")
            elif seconds < 3600:
                label = self.tr("{0} min").format(seconds // 60)
            else:
                label = self.tr("{0} h").format(seconds // 3600)
            self.budget_combo.addItem(label, seconds)
        self.budget_combo.setToolTip(self.tr("The longest the training may take, the model "
                                             "saved and checked included; it plans its epochs "
                                             "to finish in time"))
        self.budget_combo.currentIndexChanged.connect(self._update_estimate)
        form.addRow(self.tr("Time limit:"), self.budget_combo)
        self.estimate_label = QLabel(self)
        self.estimate_label.setWordWrap(True)
        form.addRow(self.tr("Estimated time:"), self.estimate_label)
        layout.addLayout(form)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        layout.addWidget(self.progress)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status_label)
        self.curve = LossCurve(self)
        layout.addWidget(self.curve, 1)
        self.log_view = QPlainTextEdit(self)
        self.log_view.setReadOnly(True)
        self.log_view.setPlaceholderText(self.tr("Training log"))
        self.log_view.hide()
        layout.addWidget(self.log_view, 1)

        # Why Start is greyed, said where the writer looks for the button.
        self.start_hint = QLabel(self)
        self.start_hint.setWordWrap(True)
        self.start_hint.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.start_hint)

        buttons = QHBoxLayout()
        self.log_button = QPushButton(self.tr("Show Log"), self)
        self.log_button.setCheckable(True)
        self.log_button.toggled.connect(self.log_view.setVisible)
        buttons.addWidget(self.log_button)
        buttons.addStretch(1)
        self.start_button = QPushButton(self.tr("Start"), self)
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(self.tr("Cancel Training"), self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton(self.tr("Close"), self)
        self.close_button.clicked.connect(self.close)
        for button in (self.start_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)

    # -- the corpus --------------------------------------------------------------------------
    def choose_files(self) -> list[Path]:
        """Ask for text files (a seam tests replace: a modal dialog would wait forever)."""
        folder = self.window_.path.parent if self.window_.path is not None else Path.home()
        names, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Texts to Train On"), str(folder),
            self.tr("Text files (*.txt *.md *.text);;All files (*)"))
        return [Path(n) for n in names]

    def _choose_and_add(self) -> None:
        self.add_files(self.choose_files())

    def add_files(self, paths: Iterable[Path | str]) -> None:
        for path in paths:
            path = Path(path).absolute()
            if path in self.files:
                continue
            encoding = self._ask_encoding(path)
            if encoding is False:
                continue  # the writer left it out
            label = str(path)
            if encoding:
                self.encodings[path] = encoding
                label += self.tr("  (read as {0})").format(fileio.FileFormat(encoding).label)
            self.files.append(path)
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.files_list.addItem(item)
        self.update_corpus()

    def _ask_encoding(self, path: Path) -> str | None | bool:
        """None for a UTF-8 file (or one the trainer will explain itself), the encoding to read
        it in if the writer agrees, False if not: caminho-train reads UTF-8 only, and telling
        a writer to run iconv is no answer."""
        try:
            text, fmt = fileio.read_text(path)
        except FileError:
            return None  # missing, binary...: caminho-train says what is wrong with it
        if fmt.encoding == "utf-8":
            return None
        words = []
        for word in text.split():
            if not word.isascii() and word not in words:
                words.append(word.strip(".,;:!?()«»\"'"))
            if len(words) == 3:
                break
        sample = ", ".join(f"“{w}”" for w in words)
        answer = self.window_.ask_user(
            self.tr("“{0}” is not UTF-8").format(path.name),
            self.tr("It reads as {0}{1}. Learn from it read that way?").format(
                fmt.label, self.tr(", with words such as {0}").format(sample) if sample else ""),
            [("convert", self.tr("Read as {0}").format(fmt.label)),
             ("cancel", self.tr("Leave It Out"))],
            default="convert",
            informative=self.tr("The file itself stays as it is; the trainer gets a UTF-8 copy."),
        )
        return fmt.encoding if answer == "convert" else False

    def _remove_selected(self) -> None:
        for item in self.files_list.selectedItems():
            path = Path(item.data(Qt.ItemDataRole.UserRole))
            self.files.remove(path)
            self.encodings.pop(path, None)
            self.files_list.takeItem(self.files_list.row(item))
        self.update_corpus()

    def _file_sample(self, path: Path) -> tuple[str, int]:
        """The start of a file and an estimate of its length in characters."""
        try:
            stat = path.stat()
            key = (path, stat.st_mtime_ns, stat.st_size)
            if key not in self._text_cache:
                with open(path, "rb") as f:
                    head = f.read(SAMPLE_BYTES)
                # Replacement characters only for counting; the trainer reports bad files itself.
                text = head.decode(self.encodings.get(path, "utf-8"), "replace")
                chars = round(stat.st_size * len(text) / len(head)) if head else 0
                self._text_cache[key] = (text, chars)
            return self._text_cache[key]
        except OSError:
            return "", 0

    def document(self) -> tuple[str, str] | None:
        """(title, text) of the open document when it is to be included."""
        if not self.use_document.isChecked():
            return None
        text = self.window_.editor.text()
        return (self.window_.display_name(), text) if text.strip() else None

    def update_corpus(self) -> None:
        """Recount the chosen texts; suggest a model name unless the user gave one."""
        if self.run is None:
            return
        self._count()
        current = self.name_edit.text().strip()
        if not current or current == self._suggested_name:
            doc = self.document()
            first = self.files[0].stem if self.files else (
                Path(doc[0]).stem if doc else "my-writing")
            self._suggested_name = safe_name(f"{first}-{date.today().isoformat()}")
            self.name_edit.setText(self._suggested_name)
        self._update_buttons()

    def _count(self) -> None:
        samples = [self._file_sample(p) for p in self.files]
        doc = self.document()
        if doc is not None:
            samples.append((doc[1], len(doc[1])))
        self.stats = corpus_stats([text for text, _ in samples],
                                  total_chars=sum(chars for _, chars in samples))
        about = "" if self.stats.exact else self.tr("about ")
        self.corpus_label.setText(
            self.tr("{0} characters, {1}{2} tokens (words, punctuation, line breaks)").format(
                f"{self.stats.chars:,}", about, f"{self.stats.tokens:,}"))
        self._update_estimate()

    def most_epochs(self) -> int:
        """The most epochs the run may do: the setting, else caminho-train's default."""
        return self.epochs_spin.value() or MAX_EPOCHS

    def budget_s(self) -> int:
        """The chosen time limit in seconds (0: none)."""
        return int(self.budget_combo.currentData() or 0)

    def _update_estimate(self) -> None:
        if self.run is None:
            return
        epochs = self.epochs_spin.value() or None
        if self.stats.tokens == 0:
            self.estimate_label.setText("—")
            return
        planned, most = expected_epochs(self.stats, epochs), self.most_epochs()
        duration = format_duration(estimate_seconds(self.stats, epochs, self.budget_s()))
        if planned >= most:
            text = self.tr("about {0} ({1} epochs)").format(duration, planned)
        else:
            # The same figures the progress shows: likely epochs, and the most it may do.
            text = self.tr("about {0}: about {1} epochs, at most {2} (it stops by itself once "
                           "it no longer improves)").format(duration, planned, most)
        self.estimate_label.setText(text)

    def start_blocker(self) -> str:
        """Why Start can't be pressed now, in words; "" when it can."""
        if self.run is not None and self.run.is_running():
            return self.tr("Training is running; Cancel Training stops it.")
        if not self.files and self.document() is None:
            if self.use_document.isChecked():
                return self.tr("The open document is empty: add text files to learn from.")
            return self.tr("Add text files to learn from (Add Files…), or include the open "
                           "document.")
        if self.stats.tokens < TRAINER_MIN_TOKENS:
            return self.tr("Too little text: {0} words and marks; training needs at least "
                           "{1}.").format(self.stats.tokens, TRAINER_MIN_TOKENS)
        return ""

    def _update_buttons(self) -> None:
        running = self.run is not None and self.run.is_running()
        if self.start_button is not None:
            blocker = self.start_blocker()
            self.start_button.setEnabled(not blocker)
            self.start_button.setToolTip(blocker or self.tr("Train a new model on these texts"))
            self.start_hint.setText("" if running else blocker)
            self.cancel_button.setEnabled(running)
            self.add_button.setEnabled(not running)
            self.remove_button.setEnabled(not running)
            self.use_document.setEnabled(not running)

    # -- running -----------------------------------------------------------------------------
    def start(self) -> None:
        if self.run is None or self.run.is_running():
            return
        self._count()  # the open document may have changed since
        if self.stats.tokens == 0:
            return
        args = list(self.extra_args)
        if self.epochs_spin.value():
            args += ["--epochs", str(self.epochs_spin.value())]
        args += budget_arguments(self.budget_s())
        self.installed = None
        self.curve.clear()
        self.log_view.clear()
        self._planned = expected_epochs(self.stats, self.epochs_spin.value() or None)
        self.progress.setRange(0, 0)  # busy until the first epoch is done
        self.status_label.setText(self.tr("Starting the trainer…"))
        name = self.name_edit.text().strip() or "my-writing"
        try:
            self.run.start(self.files, self.document(), name, args, self.encodings)
        except OSError as exc:
            self._on_failed(self.tr("Could not prepare training: {0}").format(exc), "")
            return
        self._update_buttons()

    def cancel(self) -> None:
        if self.run is not None and self.run.is_running():
            self.status_label.setText(self.tr("Cancelling…"))
            self.cancel_button.setEnabled(False)
            self.run.cancel()

    def _on_epoch(self, report: dict[str, Any]) -> None:
        epoch = int(report.get("epoch", 0))
        most = int(report.get("epochs", 0) or 0) or self.most_epochs()
        stopped = self._stopped(report, most)
        if epoch >= self._planned and not stopped:
            # Past the epochs it was expected to take: expect a few more, never a full bar.
            self._planned = min(most, epoch + max(2, math.ceil(epoch / 10)))
        planned = max(min(self._planned, most), epoch)
        template = (self.tr("Epoch {0} of {1}") if planned >= most else
                    self.tr("Epoch {0} of about {1} (at most {2})"))
        of = template.format(epoch, planned, most)
        parts = [of]
        loss, accuracy = report.get("loss"), report.get("accuracy")
        if isinstance(loss, int | float):
            parts.append(self.tr("loss {0:.3f}").format(loss))
        if isinstance(accuracy, int | float):
            parts.append(self.tr("accuracy {0:.1%}").format(accuracy))
        val = report.get("val_accuracy")
        if isinstance(val, int | float):
            parts.append(self.tr("held-out accuracy {0:.1%}").format(val))
        lines = [" · ".join(parts)]
        if stopped:
            # Training ends here; the trainer now exports and checks the model.
            self.progress.setRange(0, 0)
            lines.append(self.tr("Training ends at epoch {0}: {1}. Saving and checking the "
                                 "model…").format(epoch, stop_reason(stopped)))
        else:
            self.progress.setRange(0, planned)
            self.progress.setValue(epoch)
            self.progress.setFormat(self.tr("Epoch %v of %m") if planned >= most else
                                     self.tr("Epoch %v of about %m"))
            left = time_left(report, planned)
            if left is not None:
                likely, at_most = left
                lines.append(
                    self.tr("About {0} left at this pace").format(format_duration(likely))
                    + (self.tr(" (at most {0} if it never stops early)").format(
                        format_duration(at_most)) if planned < most else "") + ".")
            stale, patience = report.get("stale"), report.get("patience")
            if isinstance(stale, int) and isinstance(patience, int) and stale > 0:
                lines.append(self.tr("The loss on the held-out text has not improved for {0} "
                                     "epoch(s); after {1} without improvement training stops "
                                     "early.").format(stale, patience))
        self.status_label.setText("\n".join(lines))
        if isinstance(loss, int | float):
            val_loss = report.get("val_loss")
            self.curve.add(float(loss), float(val_loss) if isinstance(val_loss, int | float)
                           else None, planned)

    @staticmethod
    def _stopped(report: dict[str, Any], most: int) -> str:
        """Why training ends with this epoch ("" while it goes on), in caminho-train's words."""
        stopped = report.get("stopped")
        if isinstance(stopped, str) and stopped:
            return stopped
        if "stopped" in report or report.get("eta") != 0:
            return ""
        # A trainer too old to say: its last report has no time left.
        epoch = int(report.get("epoch", 0))
        if epoch >= most:
            return f"reached {most} epochs"
        if report.get("val_loss") is not None:
            return "early stopping: the validation loss stopped improving"
        return "solved: 100% accuracy"

    def _on_log(self, text: str) -> None:
        self.log_view.moveCursor(QTextCursor.MoveOperation.End)
        self.log_view.insertPlainText(text)

    def _on_succeeded(self, path: Path) -> None:
        self.installed = path
        summary = self.run.summary if self.run is not None else {}
        epochs = summary.get("epochs_run") or len(self.run.reports if self.run else [])
        self.progress.setRange(0, max(1, int(epochs or 1)))
        self.progress.setValue(self.progress.maximum())
        self.progress.setFormat(self.tr("Done after %v epochs") if epochs else self.tr("Done"))
        if epochs:
            self.curve.set_epochs(int(epochs))  # the axis ends where training did
        metrics = summary.get("metrics", {})
        accuracy = metrics.get("val_accuracy", metrics.get("train_accuracy"))
        measured = (self.tr(" Measured accuracy: {0:.1%}.").format(accuracy)
                    if isinstance(accuracy, int | float) else "")
        stopped = summary.get("stopped")
        why = (self.tr("Training ended after {0} epochs: {1}.\n").format(
            epochs, stop_reason(stopped)) if isinstance(stopped, str) and stopped else "")
        self.status_label.setText(why +
            self.tr("Done: “{0}” is saved and now suggests.{1} Your previous model stays "
                    "available under Model → Models….").format(path.stem, measured))
        self._update_buttons()
        self.window_.load_model(path, remember=True)
        self.window_.show_status(self.tr("Trained model saved: {0}").format(path.name))
        self.model_installed.emit(path)

    def _on_failed(self, message: str, log: str) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(self.tr("Failed"))
        kept = self.run is not None and self.run.kept_checkpoint is not None
        self.status_label.setText(message + "\n" + (
            self.tr("Your texts and the model you use now are as they were.") if kept else
            self.tr("Nothing was saved: your texts and the model you use now are as they were.")))
        self.log_view.setPlainText(log or self.tr("(the trainer wrote nothing)"))
        self.log_button.setChecked(True)
        self._update_buttons()

    def _on_cancelled(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(self.tr("Cancelled"))
        self.status_label.setText(self.tr("Cancelled; nothing was saved."))
        self._update_buttons()

    def closeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        # Closing the dialog is a Cancel: a run nobody watches would surprise later.
        self.cancel()
        super().closeEvent(event)
