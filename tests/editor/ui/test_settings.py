"""Settings: typed values that survive the trip through the INI file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from editor.ui.settings import DEFAULTS, MAX_RECENT_FILES, Settings


def reread_in_new_process(config_dir: Path, key: str) -> str:
    """What a fresh process reads: QSettings objects in one process share a cache, which
    would hide the INI file's string-typed values."""
    code = f"from editor.ui.settings import Settings; print(repr(Settings().get({key!r})))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
        env={"CAMINHO_CONFIG_DIR": str(config_dir), "PATH": "/usr/bin:/bin"},
    )
    return out.stdout.strip()


def test_defaults_when_empty(isolated_settings: Path) -> None:
    settings = Settings()
    for key, default in DEFAULTS.items():
        assert settings.get(key) == default
    assert settings.file_path.parent == isolated_settings


def test_values_round_trip_with_types(isolated_settings: Path) -> None:
    settings = Settings()
    settings.set("recent_files", ["/só/um.txt"])
    settings.set("ghost_enabled", False)
    settings.set("ghost_threshold", 0.5)
    settings.set("zoom", -2)
    settings.set("window_geometry", b"\x00\x01geo")
    settings.sync()
    # A one-item list comes back from INI as a bare string, booleans as "false".
    assert reread_in_new_process(isolated_settings, "recent_files") == "['/só/um.txt']"
    assert reread_in_new_process(isolated_settings, "ghost_enabled") == "False"
    assert reread_in_new_process(isolated_settings, "ghost_threshold") == "0.5"
    assert reread_in_new_process(isolated_settings, "zoom") == "-2"
    assert reread_in_new_process(isolated_settings, "window_geometry") == "b'\\x00\\x01geo'"
    settings.set("recent_files", [])
    settings.sync()
    assert reread_in_new_process(isolated_settings, "recent_files") == "[]"


def test_recent_files_dedupe_and_cap(tmp_path: Path) -> None:
    settings = Settings()
    for i in range(MAX_RECENT_FILES + 3):
        settings.add_recent_file(tmp_path / f"{i}.txt")
    settings.add_recent_file(tmp_path / "5.txt")
    recent = settings.get("recent_files")
    assert len(recent) == MAX_RECENT_FILES
    assert recent[0] == str(tmp_path / "5.txt") and recent.count(str(tmp_path / "5.txt")) == 1


def test_changed_signal_and_none(qtbot) -> None:
    settings = Settings()
    with qtbot.waitSignal(settings.changed) as changed:
        settings.set("model_path", "/m.onnx")
    assert changed.args == ["model_path", "/m.onnx"]
    with qtbot.assertNotEmitted(settings.changed):
        settings.set("model_path", "/m.onnx")
    settings.set("model_path", None)
    assert settings.get("model_path") is None


def test_bad_values_fall_back_to_defaults(isolated_settings: Path) -> None:
    isolated_settings.mkdir(parents=True, exist_ok=True)
    (isolated_settings / "caminho.ini").write_text(
        "[General]\nzoom=big\nghost_enabled=maybe\nghost_threshold=0.2\n", encoding="utf-8"
    )
    settings = Settings()
    assert settings.get("zoom") == 0
    assert settings.get("ghost_enabled") is True
    assert settings.get("ghost_threshold") == 0.2


def test_unknown_key_is_an_error() -> None:
    with pytest.raises(KeyError):
        Settings().get("nope")
