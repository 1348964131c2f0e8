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

import pytest

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


def shipped_training_modules() -> list[str]:
    import training

    return [f"training.{m.name}" for m in pkgutil.iter_modules(training.__path__)
            if m.name not in ("__main__", "studies")]


def test_the_shipped_training_modules_never_load_the_studies():
    # The studies are left out of the wheel: a shipped module that imported one at load time
    # would fail there with ModuleNotFoundError.
    names = shipped_training_modules()
    assert "training.train" in names and "training.loop" in names
    loaded = modules_loaded_after(names)
    assert not {name for name in loaded if name.startswith("training.studies")}


def test_the_wheel_lists_every_package_but_the_studies():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(init.parent.relative_to(ROOT).parts)
             for top_dir in ("editor", "training") for init in (ROOT / top_dir).rglob("__init__.py")}
    assert "training.studies" in found  # the walk sees the studies
    # A package missing from the list would be missing from the installed editor; a study in
    # it would ship code only docs/BENCHMARKS.md uses.
    assert found - listed == {"training.studies"}
    assert not {name for name in listed if "studies" in name}


@pytest.mark.slow
def test_the_built_wheel_holds_no_study(tmp_path):
    # Built from a copy of the sources: a build in the tree would leave build/ and egg-info.
    import shutil
    import zipfile

    src = tmp_path / "src"
    for name in ("editor", "training", "resources"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path / "dist"), str(src)], check=True, timeout=300,
                   capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("caminho-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "training/train.py" in names and "training/loop.py" in names
    assert "editor/core/modelfile.py" in names
    assert not [n for n in names if "studies" in n or n.endswith(("ensemble.py",
                                                                   "seed_baseline.py"))]
