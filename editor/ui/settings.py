"""User settings: one dict of defaults over QSettings.

Every key the editor knows is in DEFAULTS; the default's type is the type `get` returns,
because QSettings' INI backend hands back strings ("true", "3", "0.35"), a bare str for a
one-item list and None for an empty one.
"""

from __future__ import annotations

import logging
import os
import urllib.parse
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal

# Where the settings file goes is decided in editor.core.paths, with the other user folders.
from editor.core.paths import APPLICATION, ORGANIZATION, settings_file_override

log = logging.getLogger(__name__)

MAX_RECENT_FILES = 10

DEFAULTS: dict[str, Any] = {
    "model_path": None,  # None: the bundled model
    "recent_files": [],  # most recent first, at most MAX_RECENT_FILES
    "zoom": 0,  # font size steps (points) away from the base font
    "ghost_enabled": True,
    "ghost_threshold": 0.35,
    "ghost_max_words": 4,
    "accept_key": "Tab",
    "panel_visible": True,
    "user_dictionary": True,  # remember words the user types often (editor/core/userwords.py)
    # Word list for completing any word (editor/core/lexicon.py): "auto" (the model's language,
    # else the system's), a language code ("pt", "en") or "off".
    "lexicon_language": "auto",
    "window_geometry": None,  # bytes from QWidget.saveGeometry()
    "panel_width": 0,  # pixels, as the writer left the split; 0: a third of the window
    "theme": "system",  # View → Theme: "system", "light" or "dark" (editor/ui/theme.py)
    "language": "",  # "" follows the system locale; "en", "pt_BR" (editor/ui/i18n.py); on restart
}

# Keys whose default is None still need a type to coerce to.
_NULLABLE_TYPES: dict[str, type] = {
    "model_path": str,
    "window_geometry": bytes,
}

_TRUE_STRINGS = frozenset({"true", "1", "yes", "on"})
_FALSE_STRINGS = frozenset({"false", "0", "no", "off", ""})


def _coerce(kind: type, raw: Any) -> Any:
    """Turn what QSettings returned into `kind`; raises ValueError/TypeError when it can't."""
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int | float):
            return bool(raw)
        text = str(raw).strip().lower()
        if text in _TRUE_STRINGS:
            return True
        if text in _FALSE_STRINGS:
            return False
        raise ValueError(f"not a boolean: {raw!r}")
    if kind is int:
        if isinstance(raw, bool):
            raise TypeError("bool is not an int setting")
        return int(float(raw)) if isinstance(raw, str) and "." in raw else int(raw)
    if kind is float:
        return float(raw)
    if kind is str:
        if isinstance(raw, list | tuple):
            # A string containing ", " written by another tool may come back split.
            return ", ".join(str(part) for part in raw)
        return str(raw)
    if kind is list:
        if raw is None:
            return []
        if isinstance(raw, str):
            return [raw]
        return [str(item) for item in raw]
    if kind is bytes:
        if isinstance(raw, QByteArray):
            return bytes(raw.data())
        if isinstance(raw, bytes | bytearray):
            return bytes(raw)
        raise TypeError(f"not bytes: {type(raw).__name__}")
    raise TypeError(f"unsupported setting type {kind.__name__}")


_URL_PREFIX = "file://"


def _stored_path(path: str) -> str:
    """A path as the settings file can keep it. A name with bytes that are not UTF-8 reaches
    Python as lone surrogates, which Qt drops on the way in (so "caf\\xe9.txt" came back as
    "caf.txt", a file that does not exist, and never matched itself again): such a path is
    stored as a file:// URL with those bytes percent-encoded; other paths as they are."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return _URL_PREFIX + urllib.parse.quote(os.fsencode(path))
    return path


def _loaded_path(entry: str) -> str:
    if entry.startswith(_URL_PREFIX):
        return os.fsdecode(urllib.parse.unquote_to_bytes(entry[len(_URL_PREFIX):]))
    return entry


class Settings(QObject):
    """Typed access to the user's settings; `changed(key, value)` fires on every real change."""

    changed = Signal(str, object)

    def __init__(self, path: Path | str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        path = Path(path) if path is not None else settings_file_override()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._qsettings = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            # INI everywhere (not the Windows registry) so the file is the same on every OS.
            self._qsettings = QSettings(
                QSettings.Format.IniFormat,
                QSettings.Scope.UserScope,
                ORGANIZATION,
                APPLICATION,
            )

    @property
    def file_path(self) -> Path:
        return Path(self._qsettings.fileName())

    @staticmethod
    def type_of(key: str) -> type:
        default = DEFAULTS[key]
        return _NULLABLE_TYPES[key] if default is None else type(default)

    def get(self, key: str) -> Any:
        """The stored value as the default's type; the default when missing or unreadable."""
        if key not in DEFAULTS:
            raise KeyError(f"unknown setting {key!r}")
        default = DEFAULTS[key]
        if not self._qsettings.contains(key):
            return list(default) if isinstance(default, list) else default
        raw = self._qsettings.value(key)
        if raw is None and default is None:
            return None
        try:
            value = _coerce(self.type_of(key), raw)
        except (TypeError, ValueError) as exc:
            # A hand-edited or old file must not stop the editor from starting.
            log.warning("ignoring setting %s=%r: %s", key, raw, exc)
            return list(default) if isinstance(default, list) else default
        if key == "recent_files":
            value = [_loaded_path(entry) for entry in value[:MAX_RECENT_FILES]]
        return value

    def set(self, key: str, value: Any) -> None:
        if key not in DEFAULTS:
            raise KeyError(f"unknown setting {key!r}")
        if value is not None:
            value = _coerce(self.type_of(key), value)
        if key == "recent_files" and value:
            value = [_stored_path(entry) for entry in value]
        before = self.get(key)
        if value is None:
            self._qsettings.remove(key)
        elif isinstance(value, bytes):
            self._qsettings.setValue(key, QByteArray(value))
        else:
            self._qsettings.setValue(key, value)
        after = self.get(key)
        if after != before:
            self.changed.emit(key, after)

    def reset(self, key: str) -> None:
        """Forget the stored value so `get` returns the default again."""
        if self._qsettings.contains(key):
            self._qsettings.remove(key)
            self.changed.emit(key, self.get(key))

    def add_recent_file(self, path: Path | str) -> list[str]:
        """Put `path` first in the recent files (once), keep at most MAX_RECENT_FILES."""
        entry = str(Path(path).absolute())
        recent = [item for item in self.get("recent_files") if item != entry]
        recent.insert(0, entry)
        self.set("recent_files", recent[:MAX_RECENT_FILES])
        return self.get("recent_files")

    def remove_recent_file(self, path: Path | str) -> None:
        entry = str(Path(path).absolute())
        self.set("recent_files", [item for item in self.get("recent_files") if item != entry])

    def sync(self) -> None:
        self._qsettings.sync()
