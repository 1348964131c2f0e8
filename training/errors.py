"""Errors a user can act on. The CLI prints their message (no traceback) and exits with status 2.

Kept free of torch so the onnxruntime-only parts (evaluate, recite) can raise them too.
"""

from __future__ import annotations


class TrainError(Exception):
    """Base class: anything `caminho-train` reports as `caminho-train: error: <message>`."""


class CorpusError(TrainError):
    """A corpus that cannot be trained on; the message names the file and the reason."""


class CheckpointError(TrainError):
    """A checkpoint that is missing, damaged or does not fit the run that wants it."""


class ModelFileError(TrainError):
    """An ONNX model file that cannot be used for evaluate/recite."""


class ExportError(TrainError):
    """The exported ONNX file does not compute what the PyTorch model computes."""
