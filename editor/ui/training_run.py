"""One run of `caminho-train` in another process (QProcess), for the training dialog.

Training never runs in the GUI process: the packaged editor has no torch, and importing torch
alone would freeze the window for seconds. The trainer writes into a hidden folder beside the
user's models; the model is validated with `LanguageModel.load` and only then moved into the
models folder, so a cancelled, crashed or broken run never leaves half a model where the Models
list would show it. The protocol (command, progress lines, errors) is editor/core/trainer.py.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from editor.core import fileio
from editor.core.fileio import FileError
from editor.core.lm import LanguageModel, ModelError
from editor.core.models import ModelRegistry, RegistryError, safe_name
from editor.core.trainer import (
    TrainerError,
    exit_error,
    parse_progress,
    reported_error,
    training_root,
)
from editor.ui.trainer_messages import explain

if TYPE_CHECKING:
    pass

class TrainingRun(QObject):
    """One `caminho-train train` process and its private folder; reports in signals."""

    epoch_done = Signal(dict)  # one --progress-json report
    log_grew = Signal(str)  # text the trainer wrote on stderr (and stray stdout)
    succeeded = Signal(object)  # Path of the validated model, now in the models folder
    failed = Signal(str, str)  # what went wrong, the whole log
    cancelled = Signal()

    KILL_AFTER_MS = 3000  # after terminate(); the trainer's SIGTERM default is to die at once

    def __init__(self, command: Sequence[str], registry: ModelRegistry,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.command = list(command)
        self.registry = registry
        self.log = ""
        self.reports: list[dict[str, Any]] = []
        self.summary: dict[str, Any] = {}
        self.error: TrainerError | None = None  # the fatal error the trainer reported
        self.temp: Path | None = None
        self.kept_checkpoint: Path | None = None  # where a failed run's trained network went
        self._checkpoint: Path | None = None
        self._out: Path | None = None
        self._name = ""
        self._stdout = b""
        self._cancelling = False
        self._process: QProcess | None = None
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.setInterval(self.KILL_AFTER_MS)
        self._kill_timer.timeout.connect(self._kill)

    def is_running(self) -> bool:
        return self._process is not None

    def start(self, files: Sequence[Path], document: tuple[str, str] | None, name: str,
              extra_args: Sequence[str] = (), encodings: dict[Path, str] | None = None) -> None:
        """Train on `files` and, if given, the open document (title, text) into model `name`.

        `encodings` names files that are not UTF-8 and how to read them: caminho-train reads
        UTF-8 only, so those go to it as UTF-8 copies (same names) in the run's folder.
        """
        if self.is_running():
            raise RuntimeError("a training run is already going on")
        self.log, self.reports, self.summary, self._stdout = "", [], {}, b""
        self.error = None
        self.kept_checkpoint = self._checkpoint = None
        self._cancelling = False
        self._name = name
        self.temp = self.registry.make_temp_dir()
        try:
            corpus = [self._as_utf8(Path(f).absolute(), (encodings or {}).get(Path(f)), index)
                      for index, f in enumerate(files)]
            if document is not None:
                title, text = document
                doc_file = self.temp / (safe_name(Path(title).stem, "document") + ".txt")
                doc_file.write_text(text, encoding="utf-8")
                corpus.append(str(doc_file))
        except OSError:
            self._done()  # a full disk must not leave the folder behind
            raise
        self._out = self.temp / "model.onnx"
        process = QProcess(self)
        process.setProgram(self.command[0])
        process.setArguments([*self.command[1:], "train", *corpus, "--out", str(self._out),
                              "--progress-json", *extra_args])
        process.setWorkingDirectory(str(self.temp))
        process.setProcessEnvironment(self._environment())
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self._process = process
        process.start()

    def _as_utf8(self, path: Path, encoding: str | None, index: int) -> str:
        if encoding is None or self.temp is None:
            return str(path)
        try:
            text, _fmt = fileio.read_text(path, encoding=encoding)
        except FileError as exc:
            raise OSError(f"{path.name}: {exc.reason}") from exc
        # A folder per file: two files of the same name from different folders stay apart.
        copy = self.temp / f"utf-8-{index}" / path.name
        copy.parent.mkdir()
        copy.write_text(text, encoding="utf-8")
        return str(copy)

    def _environment(self) -> QProcessEnvironment:
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONUNBUFFERED", "1")
        env.insert("PYTHONIOENCODING", "utf-8")
        root = training_root()
        if root is not None and self.command[1:3] == ["-m", "training"]:
            # The trainer runs in its own folder: name ours, the checkout need not be installed.
            old = env.value("PYTHONPATH", "")
            env.insert("PYTHONPATH", os.pathsep.join(p for p in (str(root), old) if p))
        return env

    def cancel(self) -> None:
        """Stop the trainer: ask first, kill if it does not go; `cancelled` follows."""
        if self._process is None or self._cancelling:
            return
        self._cancelling = True
        self._process.terminate()
        self._kill_timer.start()

    def abort_now(self, wait_ms: int = 3000) -> None:
        """Stop at once and wait (the editor is closing): nothing may outlive it."""
        if self._process is None:
            return
        self._cancelling = True
        self._process.kill()
        self._process.waitForFinished(wait_ms)

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()

    def _read_stdout(self) -> None:
        if self._process is None:
            return
        self._stdout += bytes(self._process.readAllStandardOutput().data())
        *lines, self._stdout = self._stdout.split(b"\n")
        for raw in lines:
            self._line(raw.decode("utf-8", "replace"))

    def _line(self, line: str) -> None:
        report = parse_progress(line)
        if report is None:
            if line.strip():
                self._add_log(line + "\n")
        elif report.get("done"):
            self.summary = report
        elif (error := reported_error(report)) is not None:
            self.error = error
        elif isinstance(report.get("checkpoint"), str):
            self._checkpoint = Path(report["checkpoint"])
        elif "epoch" in report:
            self.reports.append(report)
            self.epoch_done.emit(report)

    def _read_stderr(self) -> None:
        if self._process is not None:
            self._add_log(bytes(self._process.readAllStandardError().data()).decode("utf-8", "replace"))

    def _add_log(self, text: str) -> None:
        self.log += text
        self.log_grew.emit(text)

    def _error(self, error: QProcess.ProcessError) -> None:
        if error != QProcess.ProcessError.FailedToStart or self._process is None:
            return  # the others are followed by `finished`
        reason = self._process.errorString()
        self._done()
        self.failed.emit(f"Could not start the trainer ({self.command[0]}): {reason}", self.log)

    def _finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._kill_timer.stop()
        self._read_stdout()
        self._read_stderr()
        if self._stdout:
            self._line(self._stdout.decode("utf-8", "replace"))
            self._stdout = b""
        if self._cancelling:
            self._done()
            self.cancelled.emit()
            return
        crashed = status == QProcess.ExitStatus.CrashExit
        if crashed or code != 0:
            message = explain(exit_error(code, crashed, self.log, self.error)).rstrip(".")
            done = len(self.reports)
            if done == 1:
                text = self.tr("Training failed after 1 epoch: {0}.").format(message)
            elif done:
                text = self.tr("Training failed after {1} epochs: {0}.").format(message, done)
            else:
                text = self.tr("Training failed: {0}.").format(message)
            self._fail(text)
            return
        try:
            final = self._install()
        except (ModelError, RegistryError, OSError) as exc:
            self._fail(str(exc))
            return
        self._done()
        self.succeeded.emit(final)

    def _fail(self, message: str) -> None:
        """Report a failure, keeping the trained network if the trainer had saved one: an hour
        of training must not go with the private folder because a later step failed."""
        if self._checkpoint is not None and self.temp is not None:
            try:
                if self._checkpoint.is_file():
                    self.kept_checkpoint = self.registry.keep_checkpoint(self._checkpoint,
                                                                         self._name)
            except OSError as exc:
                message += " " + self.tr("The trained network could not be kept: {0}.").format(
                    exc.strerror or exc)
        if self.kept_checkpoint is not None:
            message += " " + self.tr(
                "The trained network was kept in {0}; the command caminho-train export {0} "
                "--out MODEL.onnx turns it into a model.").format(self.kept_checkpoint)
        self._done()
        self.failed.emit(message, self.log)

    def _install(self) -> Path:
        assert self._out is not None
        if not self._out.is_file():
            raise ModelError(self.tr("Training ended without writing a model."))
        try:
            LanguageModel.load(self._out)
        except ModelError as exc:
            raise ModelError(self.tr("The new model did not pass validation: {0}").format(exc)) from exc
        return self.registry.install(self._out, self._name)

    def _done(self) -> None:
        """Forget the process and remove the private folder, whatever is left in it."""
        if self._process is not None:
            self._process.deleteLater()
            self._process = None
        if self.temp is not None:
            shutil.rmtree(self.temp, ignore_errors=True)
            self.temp = None
