"""Errors a user can act on. The CLI prints their message (no traceback) and exits with status 2.

Kept free of torch so the onnxruntime-only parts (evaluate, recite) can raise them too.

Each error also has a stable `code` and the `params` its message was made from, so that a
program driving `caminho-train` (the editor's training dialog) can say the same thing in its
user's language: `--progress-json` prints them as one JSON line. The English message stays
what the command line shows. Every code raised here needs an entry in the editor's catalogue
(editor/ui/trainer_messages.py; tests/editor/ui/test_i18n.py checks it).
"""

from __future__ import annotations

import json
from typing import Any

Param = str | int


class TrainError(Exception):
    """Base class: anything `caminho-train` reports as `caminho-train: error: <message>`."""

    def __init__(self, message: str, *, code: str = "", **params: Any) -> None:
        super().__init__(message)
        self.code = code  # "" for errors no program needs to tell apart (the studies')
        # Paths and numbers as JSON carries them: a path is shown, never opened, by the reader.
        self.params: dict[str, Param] = {
            name: value if isinstance(value, int) and not isinstance(value, bool) else str(value)
            for name, value in params.items()}

    def to_json(self) -> str:
        """The `--progress-json` line that reports this error."""
        return json.dumps({"error": {"code": self.code, "params": self.params,
                                     "message": str(self)}})


class CorpusError(TrainError):
    """A corpus that cannot be trained on; the message names the file and the reason."""


class CheckpointError(TrainError):
    """A checkpoint that is missing, damaged or does not fit the run that wants it."""


class ModelFileError(TrainError):
    """An ONNX model file that cannot be used for evaluate/recite."""


class ExportError(TrainError):
    """The exported ONNX file does not compute what the PyTorch model computes."""
