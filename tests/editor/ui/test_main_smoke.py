"""The `caminho` command: argument parsing in process, a real start in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from editor.app import build_parser, startup_model
from editor.core.paths import CONFIG_DIR_ENV
from editor.ui.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def run_editor(*args: str, config_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        CONFIG_DIR_ENV: str(config_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "editor", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_parser_accepts_file_and_model_flags() -> None:
    args = build_parser().parse_args(["--model", "m.onnx", "notes.txt"])
    assert args.file == Path("notes.txt") and args.model == Path("m.onnx")
    assert build_parser().parse_args(["--no-model"]).no_model
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--model", "m.onnx", "--no-model"])


def test_startup_model_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path))
    settings = Settings()
    settings.set("model_path", "/chosen.onnx")
    parse = build_parser().parse_args
    assert startup_model(parse(["--no-model"]), settings) is None
    assert startup_model(parse(["--model", "x.onnx"]), settings) == Path("x.onnx")
    assert startup_model(parse([]), settings) == Path("/chosen.onnx")


@pytest.mark.slow
def test_version(tmp_path: Path) -> None:
    result = run_editor("--version", config_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "caminho 0.1.0"


@pytest.mark.slow
def test_starts_and_quits_with_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "novo.txt"
    result = run_editor("--no-model", "--quit-after-start", str(path), config_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not path.exists()  # opening a new name writes nothing until saved
    assert "Traceback" not in result.stderr
