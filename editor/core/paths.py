"""The user's folders, in one place: settings, data, models, recovery files, word lists.

Two variables point them elsewhere (tests, portable use, screenshots):
- CAMINHO_CONFIG_DIR: the settings file goes there, and the data beside it in `data/`;
- CAMINHO_DATA_DIR: the data folder itself (models, word lists, recovery files); it wins.

Otherwise the data folder is the platform's application-data location. Inside the editor Qt is
loaded and QStandardPaths answers (it knows every platform and honours its test mode); a
process without Qt (training, scripts) follows the same rules by hand, so both agree on Linux,
Windows and macOS. This module never imports Qt itself: editor.core stays Qt-free.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ORGANIZATION = "Caminho"
APPLICATION = "Caminho"
CONFIG_DIR_ENV = "CAMINHO_CONFIG_DIR"
DATA_DIR_ENV = "CAMINHO_DATA_DIR"

SETTINGS_FILE = "caminho.ini"
MODELS_FOLDER = "models"
RECOVERY_FOLDER = "recovery"
USERWORDS_FILE = "userwords.json"


def settings_file_override() -> Path | None:
    """The INI file named through CAMINHO_CONFIG_DIR, if that variable is set."""
    folder = os.environ.get(CONFIG_DIR_ENV)
    return Path(folder) / SETTINGS_FILE if folder else None


def _platform_data_dir() -> Path | None:
    qtcore = sys.modules.get("PySide6.QtCore")
    if qtcore is not None:
        paths = qtcore.QStandardPaths
        location = paths.writableLocation(paths.StandardLocation.AppDataLocation)
        return Path(location) if location else None
    # QStandardPaths' AppDataLocation: <generic data folder>/<organization>/<application>.
    if sys.platform == "win32":
        base = os.environ.get("APPDATA")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / ORGANIZATION / APPLICATION if base else None


def data_dir() -> Path:
    """The user's data folder: models, word lists and recovery files."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    config = os.environ.get(CONFIG_DIR_ENV)
    if config:
        return Path(config) / "data"
    return _platform_data_dir() or Path.home() / ".caminho"


def models_dir() -> Path:
    return data_dir() / MODELS_FOLDER


def recovery_dir() -> Path:
    return data_dir() / RECOVERY_FOLDER


def userwords_path() -> Path:
    return data_dir() / USERWORDS_FILE
