"""Where `caminho-train` may write: checked before any training, so no run ends in a refusal
and no file a user cares about is replaced by a model.

Kept free of torch, like the CLI's other checks: they run before it is imported.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from training.errors import TrainError

MODEL_KEY = "caminho_format"  # the metadata key every Caminho model file has
MAX_MODEL_BYTES = 2**31  # protobuf's own limit: nothing larger is an ONNX file


def checkpoint_beside(out: str | Path) -> Path:
    """Where `train` keeps the trained network when no --checkpoint is given."""
    out = Path(out)
    return out.with_name(out.name + ".ckpt")


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (through links too); False if either is missing."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def is_caminho_model(path: str | Path) -> bool:
    """Whether `path` is an ONNX file with Caminho's metadata (what `--force` may replace)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            first = fh.read(1)
    except OSError:
        return False
    # A ModelProto starts with its ir_version field (tag 0x08): anything else, or anything
    # too large to be one, is not read at all.
    if first != b"\x08" or size > MAX_MODEL_BYTES:
        return False
    try:
        import onnx

        proto = onnx.load(str(path), load_external_data=False)
    except Exception:  # onnx's parse errors have no common class
        return False
    return any(entry.key == MODEL_KEY for entry in proto.metadata_props)


def looks_like_checkpoint(path: str | Path) -> bool:
    """Whether `path` is a file `torch.save` wrote (a zip with a pickle): what a checkpoint
    option may overwrite. `training.checkpoint.load_checkpoint` does the real check."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.endswith("/data.pkl") or name == "data.pkl"
                       for name in archive.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def check_folder(path: Path, option: str) -> None:
    """The folder `path` goes in can be written (or created): a run must not end in a
    refusal after hours of training, nor with the name of a hidden temporary file."""
    folder = path.absolute().parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise TrainError(f"{option} {path}: {existing} is not a folder",
                         code="outputs.parent_not_folder", option=option, path=path, folder=existing)
    try:
        with tempfile.TemporaryFile(dir=existing, prefix=".caminho-train-"):
            pass
    except OSError as exc:
        where = "folder" if existing == folder else "folder (to create it in)"
        raise TrainError(
            f"{option} {path}: cannot write in the {where} {existing} "
            f"({exc.strerror or exc}); choose another {option}",
            code="outputs.folder_not_writable" if existing == folder
            else "outputs.parent_not_writable",
            option=option, path=path, folder=existing, reason=exc.strerror or exc) from None


def check_output(out: Path, inputs: Iterable[str | Path], *, force: bool,
                 option: str = "--out") -> None:
    """Refuse an output that is one of the inputs, an existing file that is not a Caminho
    model, or (without `force`) an existing model; then check that its folder is writable."""
    for source in inputs:
        if same_file(out, source):
            raise TrainError(
                f"{option} {out} is one of the input files: writing the model there would "
                f"replace {source}; choose another {option}",
                code="outputs.out_is_input", option=option, path=out, source=source)
    try:
        info = out.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise TrainError(f"{option} {out}: {exc.strerror or exc}", code="outputs.unreadable",
                         option=option, path=out, reason=exc.strerror or exc) from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise TrainError(f"{option} {out} is a folder; give a file name for the model",
                             code="outputs.out_is_folder", option=option, path=out)
        if not stat.S_ISREG(info.st_mode) or not is_caminho_model(out):
            raise TrainError(
                f"{option} {out} already exists and is not a Caminho model; it is left alone: "
                f"choose another {option} (or move that file away)",
                code="outputs.not_a_model", option=option, path=out)
        if not force:
            raise TrainError(
                f"{option} {out} already holds a model; give --force to replace it, or "
                f"choose another {option}", code="outputs.model_exists", option=option, path=out)
    check_folder(out, option)


def check_checkpoint(path: Path, *, out: Path, inputs: Iterable[str | Path],
                     resume: str | Path | None, default: bool, force: bool) -> None:
    """The checkpoint `train` will write: not the model, not an input, not someone else's
    file, and (for the default one) not a run that was never exported."""
    option = "--checkpoint" if not default else "--out"
    if path.absolute() == out.absolute() or same_file(path, out):
        raise TrainError(f"--checkpoint {path} is the --out file; give them different names",
                         code="outputs.checkpoint_is_out", path=path)
    for source in inputs:
        if same_file(path, source):
            raise TrainError(
                f"--checkpoint {path} is one of the corpus files: writing the checkpoint there "
                f"would replace {source}; choose another --checkpoint",
                code="outputs.checkpoint_is_input", path=path, source=source)
    continuing = resume is not None and same_file(path, resume)
    if path.exists() and not continuing:
        if not path.is_file() or not looks_like_checkpoint(path):
            raise TrainError(
                f"{path} already exists and is not a Caminho checkpoint; it is left alone: "
                f"choose another {option} (or move that file away)",
                code="outputs.not_a_checkpoint", option=option, path=path)
        if default and not force:
            raise TrainError(
                f"{path} holds the network of an earlier run that was never made into a model. "
                f"Make a model of it (caminho-train export {path} --corpus ... --out ...), "
                f"continue it (--resume {path}), or give --force to train anew and replace it",
                code="outputs.unfinished_run", path=path)
    check_folder(path, option)
