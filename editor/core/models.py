"""The installed models (Qt-free): the bundled poem model plus the user's own.

User models are the `.onnx` files directly in the user's models folder; a training run works
in a hidden `.training-*` folder beside them and moves its model in only once it has passed
validation, so the listing never shows half a file. The default model is the `model_path`
setting (None: the bundled one), the same key the Model menu writes.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from editor.core.lm import LanguageModel, ModelError

log = logging.getLogger(__name__)

SUFFIX = ".onnx"
TEMP_PREFIX = ".training-"
CHECKPOINTS = "checkpoints"  # failed runs' trained networks, inside the models folder
# A temp folder this old belongs to no live run even where process ids can't be checked.
STALE_AFTER_S = 24 * 3600
_UNSAFE = re.compile(r"[^\w\- .]+")


class SettingsLike(Protocol):
    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...


class RegistryError(Exception):
    """A rename or delete that cannot be done; the message is for the user."""


@dataclass(frozen=True)
class ModelEntry:
    path: Path
    kind: str  # "bundled", "user" or "other" (a file chosen elsewhere with Load Model…)
    size: int  # bytes
    created: str  # ISO 8601 date of training, or of the file when the model does not say
    corpus: list[str] = field(default_factory=list)
    tokens: int | None = None  # training tokens
    accuracy: float | None = None  # next-token accuracy measured by the trainer, 0..1
    accuracy_kind: str = ""  # "validation" or "training": held-out numbers are worth more
    error: str = ""  # why the file can't be used, if it can't

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def editable(self) -> bool:
        """Only the user's own models may be renamed or deleted."""
        return self.kind == "user"


def safe_name(text: str, fallback: str = "my-writing") -> str:
    """A file name stem from free text: no folders, no hidden files, no odd characters."""
    stem = _UNSAFE.sub("-", text.strip()).strip(" .-")
    stem = re.sub(r"-{2,}", "-", stem)[:80].strip(" .-")
    return stem or fallback


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":
        # os.kill on Windows terminates the process: never probe with it.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_entry_cache: dict[tuple[Path, str, int, int], ModelEntry] = {}


def read_entry(path: Path, kind: str) -> ModelEntry:
    """What a model file says about itself; a file that can't be loaded is listed with why."""
    try:
        stat = path.stat()
    except OSError as exc:
        return ModelEntry(path, kind, 0, "", error=exc.strerror or str(exc))
    key = (path, kind, stat.st_mtime_ns, stat.st_size)
    if key in _entry_cache:
        return _entry_cache[key]
    file_date = datetime.fromtimestamp(stat.st_mtime, UTC).replace(microsecond=0).isoformat()
    try:
        facts = LanguageModel.load(path).info.training
    except ModelError as exc:
        entry = ModelEntry(path, kind, stat.st_size, file_date, error=str(exc))
    except Exception as exc:  # the listing must show every file, however broken
        entry = ModelEntry(path, kind, stat.st_size, file_date, error=f"{type(exc).__name__}: {exc}")
    else:
        entry = _entry_from_facts(path, kind, stat.st_size, file_date, facts)
    _entry_cache[key] = entry
    return entry


def _entry_from_facts(path: Path, kind: str, size: int, file_date: str,
                      facts: dict[str, Any]) -> ModelEntry:
    metrics = facts.get("metrics") if isinstance(facts.get("metrics"), dict) else {}
    accuracy, accuracy_kind = None, ""
    for key, label in (("val_accuracy", "validation"), ("train_accuracy", "training")):
        value = metrics.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            accuracy, accuracy_kind = float(value), label
            break
    corpus = facts.get("corpus")
    tokens = facts.get("tokens")
    return ModelEntry(
        path=path,
        kind=kind,
        size=size,
        created=str(facts.get("created") or file_date),
        corpus=[str(c) for c in corpus] if isinstance(corpus, list) else [],
        tokens=tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else None,
        accuracy=accuracy,
        accuracy_kind=accuracy_kind,
    )


class ModelRegistry:
    """Lists, renames and deletes models; knows the default.

    `settings` is editor.ui.settings.Settings (duck-typed: this module stays Qt-free).
    """

    def __init__(self, folder: Path | str, bundled: Path | None, settings: SettingsLike) -> None:
        self.folder = Path(folder)
        self.bundled = bundled
        self.settings = settings

    # -- listing ---------------------------------------------------------------------------
    def user_paths(self) -> list[Path]:
        try:
            found = [p for p in self.folder.iterdir()
                     if p.suffix == SUFFIX and not p.name.startswith(".") and p.is_file()]
        except OSError:
            return []
        return sorted(found, key=lambda p: p.name.lower())

    def entries(self) -> list[ModelEntry]:
        """Bundled first, then the user's models newest first (unusable ones last), then a
        default chosen elsewhere."""
        out: list[ModelEntry] = []
        if self.bundled is not None and self.bundled.is_file():
            out.append(read_entry(self.bundled, "bundled"))
        users = [read_entry(p, "user") for p in self.user_paths()]
        users.sort(key=lambda e: e.created, reverse=True)
        out += sorted(users, key=lambda e: bool(e.error))  # unusable files last
        default = self.default_path()
        if default is not None and default.is_file() and not any(self.same(default, e.path)
                                                                  for e in out):
            out.append(read_entry(default, "other"))
        return out

    @staticmethod
    def same(a: Path | None, b: Path | None) -> bool:
        if a is None or b is None:
            return a is b
        try:
            return os.path.samefile(a, b)
        except OSError:
            return Path(os.path.abspath(a)) == Path(os.path.abspath(b))

    # -- the default -----------------------------------------------------------------------
    def default_path(self) -> Path | None:
        """The model chosen for the next start; None means the bundled one."""
        value = self.settings.get("model_path")
        return Path(value) if value else None

    def is_default(self, entry: ModelEntry) -> bool:
        default = self.default_path()
        if default is None:
            return entry.kind == "bundled"
        return self.same(default, entry.path)

    def set_default(self, path: Path | None) -> None:
        bundled = path is not None and self.bundled is not None and self.same(path, self.bundled)
        self.settings.set("model_path", None if path is None or bundled else str(path))

    # -- changes ---------------------------------------------------------------------------
    def _own(self, path: Path) -> Path:
        path = Path(path)
        if path.parent.resolve() != self.folder.resolve() or path.suffix != SUFFIX:
            raise RegistryError(f"{path.name} is not one of your models; only those can change.")
        if not path.is_file():
            raise RegistryError(f"{path.name} no longer exists.")
        return path

    def rename(self, path: Path, new_name: str) -> Path:
        """Give a user model a new name; the default follows it. Returns the new path."""
        path = self._own(path)
        target = self.folder / (safe_name(new_name, fallback=path.stem) + SUFFIX)
        if target == path:
            return path
        if target.exists():
            raise RegistryError(f"A model named “{target.stem}” already exists.")
        was_default = self.same(self.default_path(), path)
        os.rename(path, target)
        if was_default:
            self.set_default(target)
        return target

    def delete(self, path: Path) -> bool:
        """Delete a user model; returns whether it was the default (now the bundled one)."""
        path = self._own(path)
        was_default = self.same(self.default_path(), path)
        path.unlink()
        if was_default:
            self.set_default(None)
        return was_default

    # -- training output -------------------------------------------------------------------
    def unique_path(self, name: str, folder: Path | None = None, suffix: str = SUFFIX) -> Path:
        """A free file name for `name` in `folder` (the models folder): name.onnx, name-2.onnx…"""
        folder = self.folder if folder is None else folder
        stem = safe_name(name)
        candidate = folder / (stem + suffix)
        n = 2
        while candidate.exists():
            candidate = folder / f"{stem}-{n}{suffix}"
            n += 1
        return candidate

    def keep_checkpoint(self, checkpoint: Path, name: str) -> Path:
        """Move a failed run's checkpoint out of its private folder, which is about to go.

        The trained network is the expensive part of a run: when a later step fails (memory, a
        full disk, a broken export) `caminho-train export` can still turn it into a model. It
        goes to a `checkpoints` folder so the Models list, which shows .onnx files only, is not
        cluttered, under a name no other run holds.
        """
        folder = self.folder / CHECKPOINTS
        folder.mkdir(parents=True, exist_ok=True)
        target = self.unique_path(name, folder, ".ckpt")
        shutil.move(str(checkpoint), target)
        return target

    def make_temp_dir(self) -> Path:
        """A private folder beside the models (same file system, so the final move is atomic)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        path.mkdir(mode=0o700)  # it gets a copy of the open document
        return path

    def install(self, trained: Path, name: str) -> Path:
        """Move a validated model into the folder under a free name; returns where it went."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.unique_path(name)
        # link() fails instead of replacing a file another run put there a moment ago.
        for _ in range(5):
            try:
                os.link(trained, target)
            except FileExistsError:
                target = self.unique_path(name)
                continue
            except OSError:
                # No hard links here (some file systems): a rename onto a fresh name.
                os.replace(trained, target)
                return target
            trained.unlink()
            return target
        raise RegistryError(f"could not find a free name for {name}")

    def clean_stale_temp(self) -> list[Path]:
        """Remove training folders left by runs that died with the editor (crash, power cut)."""
        removed = []
        try:
            candidates = [p for p in self.folder.iterdir() if p.name.startswith(TEMP_PREFIX)]
        except OSError:
            return []
        now = time.time()
        for path in candidates:
            pid_text = path.name[len(TEMP_PREFIX):].split("-", 1)[0]
            pid = int(pid_text) if pid_text.isdigit() else None
            try:
                old = now - path.stat().st_mtime > STALE_AFTER_S
            except OSError:
                continue
            if pid == os.getpid() and not old:
                continue  # a run of this editor, going on now
            if old or pid is None or not _pid_alive(pid):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        return removed
