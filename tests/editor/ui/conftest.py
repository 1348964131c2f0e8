"""Fixtures for editor tests: settings in a temporary folder and a real main window.

Offscreen, a modal dialog waits forever for a click that never comes, so every question
and file dialog of the window fails the test unless the test scripts its answer.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths

from editor.app import build_parser, build_window
from editor.core.paths import CONFIG_DIR_ENV
from editor.ui import i18n
from editor.ui.settings import Settings
from editor.ui.window import MainWindow


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own settings file, never the developer's real one."""
    config_dir = tmp_path / "config"
    monkeypatch.setenv(CONFIG_DIR_ENV, str(config_dir))
    QStandardPaths.setTestModeEnabled(True)
    yield config_dir
    QStandardPaths.setTestModeEnabled(False)


@pytest.fixture(autouse=True)
def no_unexpected_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: MainWindow, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"unexpected dialog: {args[:2]!r}")

    for name in ("ask_user", "choose_open_path", "choose_save_path", "choose_model_path"):
        monkeypatch.setattr(MainWindow, name, refuse)


class Prompts:
    """Scripted answers for MainWindow.ask_user, with a record of what was asked."""

    def __init__(self) -> None:
        self.answers: list[str] = []
        self.asked: list[dict[str, object]] = []

    def ask(
        self, title: str, text: str, choices: Sequence[tuple[str, str]], **kwargs: object
    ) -> str:
        keys = [key for key, _ in choices]
        self.asked.append({"title": title, "text": text, "keys": keys, **kwargs})
        if not self.answers:
            raise AssertionError(f"no answer scripted for {title!r}: {text!r}")
        answer = self.answers.pop(0)
        assert answer in keys, f"{answer!r} is not one of {keys}"
        return answer


@pytest.fixture
def prompts(monkeypatch: pytest.MonkeyPatch) -> Prompts:
    scripted = Prompts()
    monkeypatch.setattr(
        MainWindow,
        "ask_user",
        lambda self, title, text, choices, **kw: scripted.ask(title, text, choices, **kw),
    )
    return scripted


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def make_window(qtbot, settings: Settings):
    """Build shown main windows; teardown closes them without the unsaved-changes question."""

    def make(window_settings: Settings | None = None) -> MainWindow:
        window = MainWindow(window_settings if window_settings is not None else settings)
        qtbot.addWidget(window, before_close_func=lambda w: w.editor.document().setModified(False))
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window()


def app_args(**kw: object) -> argparse.Namespace:
    """`caminho`'s parsed command line: no file, the default model, unless `kw` says otherwise
    (the real parser's defaults, so a new option is never missing here)."""
    args = build_parser().parse_args([])
    for key, value in kw.items():
        assert hasattr(args, key), f"caminho has no option {key!r}"
        setattr(args, key, value)
    return args


@pytest.fixture(scope="session")
def make_args() -> Callable[..., argparse.Namespace]:
    return app_args


@pytest.fixture
def app_window(qtbot, settings: Settings):
    default_settings = settings
    """Build the window `caminho` shows (suggestions, panel, training, user words), shown and
    focused; teardown closes it without the unsaved-changes question and stops its worker.

    `make(settings=..., wait_for_model=True, model=..., no_model=...)`.
    """
    windows: list[MainWindow] = []

    def make(*, settings: Settings | None = None, wait_for_model: bool = False,
             **args: object) -> MainWindow:
        w = build_window(app_args(**args), settings if settings is not None else default_settings)
        qtbot.addWidget(w, before_close_func=lambda x: x.editor.document().setModified(False))
        w.show()
        qtbot.waitExposed(w)
        w.activateWindow()
        w.editor.setFocus()
        windows.append(w)
        if wait_for_model:
            qtbot.waitUntil(lambda: w.suggestions.model_name is not None, timeout=10000)
        return w

    yield make
    for w in windows:
        if w.suggestions is not None:
            w.suggestions.shutdown()


TRANSLATIONS = Path(__file__).resolve().parents[3] / "translations"


def find_qt_tool(name: str) -> str:
    """pyside6-lupdate / pyside6-lrelease from this interpreter's environment."""
    beside = Path(sys.executable).parent / f"pyside6-{name}"
    found = str(beside) if beside.is_file() else shutil.which(f"pyside6-{name}")
    if found is None:
        pytest.fail(f"pyside6-{name} not found: it comes with PySide6-Essentials")
    return found


@pytest.fixture(scope="session")
def qt_tool() -> Callable[[str], str]:
    return find_qt_tool


@pytest.fixture(scope="session")
def compiled_catalogue() -> Path:
    """resources/translations/caminho_pt_BR.qm as `make translations` builds it, rebuilt when
    missing or older than the .ts (pytest run without make)."""
    ts = TRANSLATIONS / "caminho_pt_BR.ts"
    qm = i18n.catalogue_path("pt_BR")
    if not qm.is_file() or qm.stat().st_mtime < ts.stat().st_mtime:
        qm.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([find_qt_tool("lrelease"), "-silent", str(ts), "-qm", str(qm)],
                       check=True)
    return qm
