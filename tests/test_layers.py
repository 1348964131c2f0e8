"""The layout is the rule (issue 14): editor.core is Qt-free and torch-free, and training uses
the editor only through editor.core. Each check runs in a fresh interpreter, since this test
process has long imported PySide6 and torch."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import editor.core

ROOT = Path(__file__).resolve().parents[1]


def modules_loaded_after(imports: list[str]) -> set[str]:
    code = ("import importlib, json, sys\n"
            f"for name in {imports!r}:\n"
            "    importlib.import_module(name)\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=120, check=True).stdout
    return set(json.loads(out))


def top(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def test_every_core_module_loads_neither_qt_nor_torch_nor_training():
    core = [f"editor.core.{m.name}" for m in pkgutil.iter_modules(editor.core.__path__)]
    assert "editor.core.lm" in core and "editor.core.paths" in core  # the walk found them
    loaded = modules_loaded_after(core)
    assert set(core) <= loaded
    assert not top(loaded) & {"PySide6", "shiboken6", "torch", "training"}


def test_training_uses_the_editor_only_through_its_core():
    import training

    names = [f"training.{m.name}" for m in pkgutil.iter_modules(training.__path__)
             if m.name != "__main__"]
    loaded = modules_loaded_after(names)
    editor_modules = {name for name in loaded if name.startswith("editor.")}
    assert "editor.core.modelfile" in editor_modules  # the contract export writes
    assert {name for name in editor_modules if not name.startswith("editor.core")} == set()
    assert "PySide6" not in top(loaded)
