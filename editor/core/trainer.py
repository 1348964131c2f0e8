"""Talking to `caminho-train` without Qt: finding it, sizing a corpus, estimating the time,
reading its progress lines and its errors. `editor/ui/training_run.py` drives it with QProcess."""

from __future__ import annotations

import importlib.util
import json
import math
import re
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from editor.core.tokenizer import tokenize

# --- finding the trainer -------------------------------------------------------------

# The same pin as pyproject's `train` extra and the Makefile: pip must never pick torch itself.
TORCH_PIN = "torch==2.13.0"
INSTALL_COMMAND = f"pip install '{TORCH_PIN}' 'caminho[train]'"
TRAINER_SCRIPT = "caminho-train"


def training_root() -> Path | None:
    """The folder holding our `training` package, if it is importable (and really ours)."""
    spec = importlib.util.find_spec("training")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        if (Path(location) / "cli.py").is_file():
            return Path(location).parent
    return None


def find_trainer() -> list[str] | None:
    """The command that runs `caminho-train`, or None where training is not installed.

    find_spec looks for torch without importing it (seconds, hundreds of MB). A frozen app
    has no torch inside; it can still use a `caminho-train` installed beside it with
    INSTALL_COMMAND.
    """
    if getattr(sys, "frozen", False):
        found = shutil.which(TRAINER_SCRIPT)
        return [found] if found else None
    needed = ("torch", "onnx", "onnxscript")
    if any(importlib.util.find_spec(name) is None for name in needed):
        return None
    if training_root() is None:
        return None
    return [sys.executable, "-m", "training"]


# --- corpus size and time ------------------------------------------------------------

EXACT_CHARS = 200_000  # tokenize this much exactly; beyond it, extrapolate (1 MB takes ~0.6 s)
SAMPLE_BYTES = 4 * EXACT_CHARS  # read no more of a file to count it: corpora may be huge
# caminho-train's defaults that the dialog needs too: this is their one home (training/config.py
# and training/data.py read them here; tests/training/test_train_cli.py ties the CLI to them).
MAX_VOCAB = 20_000  # the trainer's default vocabulary limit
STARTUP_S = 10.0  # importing torch, exporting and checking the model
# Seconds per token and epoch on 2 cores, the recurrent part plus the output layer, which grows
# with the vocabulary. Tiny texts train small networks (caminho-train's first column of
# defaults); from TINY_TOKENS on the corpus defaults (256 units) apply. Fitted to the quality
# study's runs on fortunes-br (docs/BENCHMARKS.md): 5 400, 16 600 and 55 000 tokens took 15,
# 35 and 123 s of training in 65, 41 and 31 epochs.
TINY_TOKEN_EPOCH_S = 2e-5
TINY_TOKEN_EPOCH_PER_WORD_S = 2e-8
TOKEN_EPOCH_S = 3.7e-5
TOKEN_EPOCH_PER_WORD_S = 4.4e-9
TINY_TOKENS = 2000  # below this the trainer learns the text by heart (no validation split)
# The trainer's adaptive softmax starts at 5 000 learnt words (seen twice or more): about this
# many different words in all. Its output layer then costs about what a plain softmax over
# ADAPTIVE_WORDS words does (training/softmax.py; docs/BENCHMARKS.md).
ADAPTIVE_DISTINCT = 10_000
ADAPTIVE_WORDS = 3_000
AUTO_EPOCHS_TINY = 150  # typical epochs to "solved" for a tiny text
# Early stopping comes sooner on more text: epochs ~ 65 * (tokens / 5 400) ** -0.31.
AUTO_EPOCHS_AT = (5400, 65.0)
AUTO_EPOCHS_EXPONENT = -0.31
AUTO_EPOCHS_RANGE = (10, 100)
MAX_EPOCHS = 400  # caminho-train's default --epochs: the most a run does unless told
TRAINER_MIN_TOKENS = 10  # caminho-train refuses a corpus with fewer tokens
# After the last epoch: exporting and checking the model. The poem model took 7.1 s of CPU
# there (docs/USER_MODELS.md has the command); bigger models take longer.
FINISH_S = 8.0


@dataclass(frozen=True)
class CorpusStats:
    chars: int
    tokens: int  # words, punctuation and line breaks, as the model sees them (estimated)
    distinct: int  # different words and marks: about the vocabulary size
    exact: bool  # False when extrapolated from a sample


def corpus_stats(texts: Iterable[str], total_chars: int | None = None) -> CorpusStats:
    """Count `texts`; with `total_chars`, they are samples of a corpus that long."""
    chars = tokens = 0
    seen: set[str] = set()
    sampled = 0
    for text in texts:
        chars += len(text)
        room = EXACT_CHARS - sampled
        if room <= 0:
            continue
        piece = text[:room]
        sampled += len(piece)
        found = tokenize(piece)
        tokens += len(found)
        seen.update(t.norm for t in found)
    if total_chars is not None and total_chars > chars:
        chars = total_chars
    exact = sampled >= chars
    distinct = len(seen)
    if not exact and sampled:
        scale = chars / sampled
        tokens = round(tokens * scale)
        # New words keep coming, but ever more slowly (Heaps' law, exponent ~0.5-0.7).
        distinct = round(distinct * scale ** 0.6)
    return CorpusStats(chars, tokens, min(distinct + 2, MAX_VOCAB), exact)


def expected_epochs(stats: CorpusStats, epochs: int | None) -> int:
    """The epochs a run will likely do: it stops by itself (early stopping on held-out text,
    or a tiny text learnt by heart) long before the most it may do, `epochs` or MAX_EPOCHS."""
    if stats.tokens < TINY_TOKENS:
        guess = float(AUTO_EPOCHS_TINY)
    else:
        ref_tokens, ref_epochs = AUTO_EPOCHS_AT
        guess = ref_epochs * (stats.tokens / ref_tokens) ** AUTO_EPOCHS_EXPONENT
        low, high = AUTO_EPOCHS_RANGE
        guess = min(max(guess, low), high)
    return min(round(guess), epochs or MAX_EPOCHS)


def estimate_seconds(stats: CorpusStats, epochs: int | None = None,
                     budget_s: float | None = None) -> float:
    """A rough figure for the whole run at the trainer's default sizes, start-up included.

    With a time budget (`caminho-train train --time-budget`) the trainer plans the run to end
    within it, so the estimate is never more than the budget.
    """
    if stats.tokens < TINY_TOKENS:
        per_token = TINY_TOKEN_EPOCH_S + TINY_TOKEN_EPOCH_PER_WORD_S * stats.distinct
    else:
        # From ADAPTIVE_DISTINCT different words on, the trainer's adaptive softmax makes the
        # output layer cost about what a plain one over ADAPTIVE_WORDS words would.
        words = stats.distinct if stats.distinct < ADAPTIVE_DISTINCT else ADAPTIVE_WORDS
        per_token = TOKEN_EPOCH_S + TOKEN_EPOCH_PER_WORD_S * words
    seconds = STARTUP_S + stats.tokens * expected_epochs(stats, epochs) * per_token
    return seconds if not budget_s else min(seconds, budget_s)


# "How long may it take": the dialog's choices, in seconds (0: no limit), and the option.
BUDGET_CHOICES_S = (0, 60, 5 * 60, 10 * 60, 30 * 60, 60 * 60, 3 * 60 * 60)


def budget_arguments(budget_s: float) -> list[str]:
    """The trainer's option for a time budget (none for 0: no limit)."""
    return ["--time-budget", f"{int(budget_s)}s"] if budget_s > 0 else []


def format_duration(seconds: float) -> str:
    seconds = max(0, int(math.ceil(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}:{secs:02d} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def time_left(report: dict[str, Any], planned: int) -> tuple[float, float] | None:
    """(likely, at most) seconds left after this epoch report, from the pace so far: to the
    `planned` epoch, and to the most the run may do. None before there is a pace."""
    epoch, most = int(report.get("epoch", 0)), int(report.get("epochs", 0) or 0)
    seconds = report.get("seconds")
    if epoch <= 0 or not isinstance(seconds, int | float):
        return None
    pace = seconds / epoch
    most = max(most, epoch)
    likely = pace * max(0, min(planned, most) - epoch) + FINISH_S
    return likely, max(likely, pace * (most - epoch) + FINISH_S)


def stop_code(stopped: str) -> tuple[str, dict[str, str]]:
    """caminho-train's reason for ending (its `stopped` text) as a code and its values; the
    dialog words it in the interface's language (editor/ui/trainer_messages.py). ("", {})
    for a reason this editor does not know: the dialog shows the trainer's text."""
    found = re.match(r"early stopping\D*(\d+) epochs?", stopped)
    if found:
        return "stop.early_epochs", {"epochs": found.group(1)}
    if stopped.startswith("early stopping"):
        return "stop.early", {}
    if stopped.startswith("solved"):
        return "stop.solved", {}
    found = re.match(r"reached (\d+) epochs", stopped)
    if found:
        return "stop.all_epochs", {"epochs": found.group(1)}
    if stopped.startswith("stopped on request"):
        return "stop.request", {}
    if stopped.startswith("time budget"):
        return "stop.time_budget", {}
    return "", {}


# Signals that end a process from outside. SIGKILL is what the kernel's out-of-memory killer
# sends; a shell reports a process it killed as 128 + the signal (137).
SIGKILL = 9
_SIGNAL_NAMES = {1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV",
                 15: "SIGTERM"}


@dataclass(frozen=True)
class TrainerError:
    """Why a run ended without a model: a stable `code` (caminho-train's own, "trainer.*" for
    what the editor saw happen to the process, "" for none), the values its words are made
    of, and the English words themselves. editor/ui/trainer_messages.py translates it."""

    code: str
    params: dict[str, str | int]
    message: str


def reported_error(report: dict[str, Any]) -> TrainerError | None:
    """The fatal error a `{"error": {...}}` progress line reports; None for other lines."""
    error = report.get("error")
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        return None
    code, params = error.get("code"), error.get("params")
    # Only what a template can show: a trainer of another version may send anything.
    kept = {str(k): v for k, v in params.items()
            if isinstance(v, str | int) and not isinstance(v, bool)} \
        if isinstance(params, dict) else {}
    return TrainerError(code if isinstance(code, str) else "", kept, error["message"])


def exit_error(code: int, crashed: bool, log: str,
               reported: TrainerError | None = None) -> TrainerError:
    """Why the trainer ended without a model: killed or crashed, else the error it reported
    (`reported`, from its --progress-json line), else what its log says."""
    signal = code if crashed else code - 128 if 128 < code < 160 else None
    if signal == SIGKILL:
        return TrainerError(
            "trainer.killed", {},
            "the system stopped the trainer (it was killed, SIGKILL), most likely because the "
            "computer ran out of memory. Try fewer or shorter texts, or close other programs "
            "and try again")
    if signal is not None:
        name = _SIGNAL_NAMES.get(signal, f"signal {signal}")
        return TrainerError("trainer.crashed", {"signal": name}, f"the trainer crashed ({name})")
    if reported is not None:
        return reported
    logged = _logged_error(log)
    if logged is not None:
        # An older trainer, or a traceback: English words and nothing to translate them from.
        return TrainerError("", {}, logged)
    return TrainerError("trainer.exit_code", {"code": code},
                        f"the trainer stopped with exit code {code}")


def exit_summary(code: int, crashed: bool, log: str, reported: TrainerError | None = None) -> str:
    """Why the trainer ended without a model, in English words a user can act on."""
    return exit_error(code, crashed, log, reported).message


def parse_progress(line: str) -> dict[str, Any] | None:
    """One `--progress-json` line as a dict; None for anything else the trainer printed."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def error_summary(log: str, exit_code: int) -> str:
    """The trainer's own error line if it printed one, else a plain description."""
    return _logged_error(log) or f"the trainer stopped with exit code {exit_code}"


def _logged_error(log: str) -> str | None:
    """The trainer's `caminho-train: error:` line, else the last line of a traceback."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith(f"{TRAINER_SCRIPT}: error:"):
            return line[len(f"{TRAINER_SCRIPT}: error:"):].strip()
    for line in reversed(lines):
        if re.match(r"^\w*(Error|Exception)\b", line):
            return line
    return None
