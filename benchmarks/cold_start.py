"""Start-up time of the frozen bundle against running from source, measured side by side.

    python benchmarks/cold_start.py [--runs 7] [--bundle dist/caminho/caminho] [--markdown]

For each way of starting (the PyInstaller bundle, and `python -m editor` from this checkout
with the interpreter running this script), and each scenario, it starts a fresh process several
times, alternating bundle and source so that load on a shared machine hits both alike, and
prints the median (min-max) wall time:

- `--quit-after-start`: from spawn until the process has shown its window and exited;
- `--type "No meio do " --json`: from spawn until the probe's JSON (with the model's
  suggestions) is printed, i.e. Qt up, model loaded and the first suggestions ranked.

Every run gets an empty settings folder (CAMINHO_CONFIG_DIR) so both load the bundled model.
The first run of each kind is a discarded warm-up: the figures are for a warm page cache, as
after a first start; a start right after boot adds the disk reads on top.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE_TEXT = "No meio do "
SCENARIOS = {
    "--quit-after-start": ["--quit-after-start"],
    f'--type "{PROBE_TEXT}" --json': ["--type", PROBE_TEXT, "--json"],
}


def clean_env(platform: str, config_dir: str) -> dict[str, str]:
    """This environment without anything that points Python elsewhere."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "QT_", "CAMINHO_"))}
    env["QT_QPA_PLATFORM"] = platform
    env["CAMINHO_CONFIG_DIR"] = config_dir
    return env


def time_once(cmd: list[str], wait_for_json: bool, platform: str, timeout_s: float = 120) -> float:
    """Seconds from spawn to the JSON line (wait_for_json) or to the process's exit."""
    with tempfile.TemporaryDirectory(prefix="caminho-bench-") as config_dir:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=clean_env(platform, config_dir),
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout is not None
        elapsed = None
        try:
            if wait_for_json:
                for line in proc.stdout:
                    if line.startswith("{"):
                        elapsed = time.perf_counter() - start
                        break
            proc.wait(timeout=timeout_s)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if not wait_for_json:
            elapsed = time.perf_counter() - start
        if proc.returncode != 0 or elapsed is None:
            raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode})")
        return elapsed


def summarize(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} s ({min(times):.2f}-{max(times):.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per cell (default 7)")
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "caminho" / "caminho",
                        help="the frozen executable (default dist/caminho/caminho)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter for the source run (default: this one)")
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM (default offscreen)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)

    if not args.bundle.is_file():
        print(f"no bundle at {args.bundle}: run `make package` first", file=sys.stderr)
        return 2
    variants = {
        "frozen bundle": [str(args.bundle)],
        "from source": [args.python, "-m", "editor"],
    }
    results: dict[tuple[str, str], list[float]] = {}
    for scenario, extra in SCENARIOS.items():
        wait_for_json = "--json" in extra
        for cmd in variants.values():  # warm-up, not counted
            time_once(cmd + extra, wait_for_json, args.platform)
        for _ in range(args.runs):
            for name, cmd in variants.items():  # alternate so machine load hits both alike
                times = results.setdefault((scenario, name), [])
                times.append(time_once(cmd + extra, wait_for_json, args.platform))

    names = list(variants)
    title = (f"Caminho start-up, QT_QPA_PLATFORM={args.platform}, median (min-max) of "
             f"{args.runs} runs, warm page cache, {os.cpu_count()} CPUs")
    if args.markdown:
        print(title + "\n")
        print("| scenario | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for scenario in SCENARIOS:
            cells = [summarize(results[(scenario, n)]) for n in names]
            print(f"| `{scenario}` | " + " | ".join(cells) + " |")
    else:
        print(title)
        width = max(len(s) for s in SCENARIOS) + 2
        print("scenario".ljust(width) + "".join(n.ljust(24) for n in names))
        for scenario in SCENARIOS:
            cells = [summarize(results[(scenario, n)]).ljust(24) for n in names]
            print(scenario.ljust(width) + "".join(cells))
    print(f"\nfrozen: {args.bundle}\nsource: {args.python} -m editor (in {ROOT})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
