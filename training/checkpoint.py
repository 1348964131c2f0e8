"""Checkpoints: tensors and plain data only, written atomically, read with weights_only=True."""

from __future__ import annotations

import pickle
import stat
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from editor.core.atomic import replace_file
from training.errors import CheckpointError

KIND = "caminho-checkpoint"
VERSION = 1
REQUIRED = ("kind", "version", "model_config", "train_config", "vocab", "surface", "model", "epoch")


def atomic_write(path: str | Path, write: Callable[[str], None]) -> None:
    """Call write(tmp_path), then move the file into place: a crash never leaves half a file.

    The editor's one atomic replace (editor/core/atomic.py): temporary file in the same folder,
    file and folder fsynced, the temporary files of killed runs cleaned. Mode 0666 less the
    umask, not mkstemp's 0600, so the model stays readable to other users."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, lambda _fd, tmp: write(str(tmp)))


def save_checkpoint(path: str | Path, data: dict[str, Any]) -> None:
    payload = {"kind": KIND, "version": VERSION, **data}
    atomic_write(path, lambda tmp: torch.save(payload, tmp))


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """A checkpoint's data, or a CheckpointError that says in plain words what is wrong."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint not found: {path}", code="checkpoint.not_found",
                              path=path) from None
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc.strerror or exc}",
                              code="checkpoint.unreadable", path=path,
                              reason=exc.strerror or exc) from None
    if not stat.S_ISREG(info.st_mode):
        # A FIFO would block for ever, a device never end.
        raise CheckpointError(f"{path} is not a checkpoint: it is not a regular file",
                              code="checkpoint.not_regular", path=path)
    try:
        with warnings.catch_warnings():  # e.g. "Detected pickle protocol 4": not for users
            warnings.simplefilter("ignore")
            # weights_only: a checkpoint from elsewhere cannot run code when loaded.
            data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # zip, pickle and torch errors all mean "not a usable checkpoint"
        # Never PyTorch's own text: it suggests weights_only=False, the one unsafe way to
        # open the file.
        if isinstance(exc, pickle.UnpicklingError) and "GLOBAL" in str(exc):
            raise CheckpointError(
                f"{path} is not a Caminho checkpoint: it holds Python objects that no "
                "checkpoint holds, and they were not loaded (loading them could run code)",
                code="checkpoint.unsafe", path=path) from None
        raise CheckpointError(
            f"{path} is not a Caminho checkpoint, or it is damaged (truncated or another "
            "format)", code="checkpoint.damaged", path=path) from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise CheckpointError(f"{path} is not a Caminho checkpoint", code="checkpoint.not_ours",
                              path=path)
    version = data.get("version")
    if not _is_int(version):
        raise CheckpointError(f"{path} is not a usable Caminho checkpoint: its version "
                              f"({_shown(version)}) is not a whole number",
                              code="checkpoint.bad_version", path=path, version=_shown(version))
    if version > VERSION:
        raise CheckpointError(f"{path} was written by a newer caminho-train (version {version})",
                              code="checkpoint.newer_version", path=path, version=version)
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise CheckpointError(f"{path} is incomplete: it lacks {', '.join(missing)}",
                              code="checkpoint.incomplete", path=path, missing=", ".join(missing))
    problem = _problem(data)
    if problem:
        raise CheckpointError(f"{path} is not a usable Caminho checkpoint: {problem}",
                              code="checkpoint.unusable", path=path, reason=problem)
    return data


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _problem(data: dict[str, Any]) -> str:
    """What is wrong with the fields a checkpoint must have, in words; "" when nothing is."""
    from training.config import ModelConfig, TrainConfig

    for name in ("model_config", "train_config", "model"):
        if not isinstance(data[name], dict):
            return f"its {name} is not a table of settings or weights"
    for name in ("vocab", "surface"):
        value = data[name]
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            return f"its {name} is not a list of words"
    if len(data["vocab"]) != len(data["surface"]):
        return "its vocab and surface lists differ in length"
    if not _is_int(data["epoch"]) or data["epoch"] < 0:
        return f"its epoch ({_shown(data['epoch'])}) is not a whole number"
    for name, cls in (("model_config", ModelConfig), ("train_config", TrainConfig)):
        try:
            cls.from_dict(data[name])
        except (TypeError, ValueError) as exc:
            return f"its {name} is invalid ({exc})"
    return ""
