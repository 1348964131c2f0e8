"""What a huge recovery file left by a crash costs at the next start (issue 13, item 10).

    python benchmarks/recovery_start.py [--mb 1000]

Makes a recovery file with a valid header and `--mb` MB of text (a sparse file: no disk
space, no time to write), then, in a fresh process, builds a window with crash recovery and
runs the start-up question (`offer_recovery`, answered "Not Now"). Prints the seconds that
took on the GUI thread and the process's peak memory. Run it with PYTHONPATH pointing at
another checkout to compare versions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = r"""
import os, resource, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication
app = QApplication([])
from editor.core.paths import recovery_dir
from editor.core.recovery_store import RecoveryStore
from editor.ui.recovery import AutoSaver, offer_recovery
from editor.ui.settings import Settings
from editor.ui.window import MainWindow
window = MainWindow(Settings())
window.ask_user = lambda *a, **k: "cancel"
window.show_error = lambda *a, **k: None
AutoSaver(window, RecoveryStore(recovery_dir()))
start = time.perf_counter()
offer_recovery(window)
took = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{took:.3f} {peak:.0f}")
"""


def make_file(folder: Path, megabytes: int) -> Path:
    # Only MAGIC and SUFFIX, the same in every version.
    from editor.core import recovery_store  # noqa: PLC0415

    folder.mkdir(parents=True, mode=0o700)
    length = megabytes << 20
    header = {"path": None, "encoding": "utf-8", "bom": False, "newline": "\n", "cursor": 0,
              "disk": None, "pid": 999_999_999, "owner": None, "time": 0, "length": length,
              "chars": length, "sha256": "0" * 64}
    file = folder / f"999999999-000000000000{recovery_store.SUFFIX}"
    head = recovery_store.MAGIC + json.dumps(header).encode() + b"\n"
    with open(file, "wb") as f:
        f.write(head)
        f.truncate(len(head) + length)
    return file


def main() -> None:
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="caminho-bench-") as config:
        make_file(Path(config) / "recovery", args.mb)
        env = dict(os.environ, CAMINHO_CONFIG_DIR=config, QT_QPA_PLATFORM="offscreen")
        env.setdefault("PYTHONPATH", str(ROOT))
        # cwd: `python -c` puts it first on sys.path, and PYTHONPATH must pick the version.
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                             text=True, check=True, cwd=config).stdout.split()
    took, peak = out[-2:]
    print(f"{args.mb} MB recovery file: offer_recovery took {took} s, peak memory {peak} MB")


if __name__ == "__main__":
    main()
