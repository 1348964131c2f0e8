"""Checkpoints: tensors and plain data only, written atomically, read with weights_only=True."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import torch

from training.errors import CheckpointError

KIND = "caminho-checkpoint"
VERSION = 1
REQUIRED = ("kind", "version", "model_config", "train_config", "vocab", "surface", "model", "epoch")


def atomic_write(path: str | Path, write: Any) -> None:
    """Call write(tmp_path), then move the file into place: a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp: its 0600 mode would make the model unreadable to other users.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _remove_stale_temporaries(path)


def _remove_stale_temporaries(path: Path) -> None:
    """Half-written files of runs that were killed while writing `path` (SIGKILL leaves them)."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        pid = stale.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            stale.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def save_checkpoint(path: str | Path, data: dict[str, Any]) -> None:
    payload = {"kind": KIND, "version": VERSION, **data}
    atomic_write(path, lambda tmp: torch.save(payload, tmp))


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        # weights_only: a checkpoint from elsewhere cannot run code when loaded.
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle, zip and torch errors all mean "not a usable checkpoint"
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise CheckpointError(f"{path} is not a Caminho checkpoint or is damaged ({first})") from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise CheckpointError(f"{path} is not a Caminho checkpoint")
    if int(data.get("version", 0)) > VERSION:
        raise CheckpointError(f"{path} was written by a newer caminho-train (version {data['version']})")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise CheckpointError(f"{path} is incomplete: it lacks {', '.join(missing)}")
    return data
