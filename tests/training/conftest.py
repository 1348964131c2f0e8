import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess]:
    """Run `python -m training ARGS...` as a user would, from the repository root (a study:
    `module="training.studies.evaluate"`)."""

    def run(*args: str, timeout: float = 180,
            module: str = "training") -> subprocess.CompletedProcess:
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
        return subprocess.run(
            [sys.executable, "-m", module, *map(str, args)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
        )

    return run
