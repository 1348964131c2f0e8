"""Per-epoch reports, a hand-written progress bar for stderr, and JSON lines for a GUI."""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class EpochReport:
    """What a finished epoch tells the outside world (CLI bar, --progress-json, a GUI).

    Without a validation split `loss`/`accuracy` are measured after the epoch over the whole
    training stream with dropout off (what the exported model would score); with one, they are
    the running averages of the training pass and `val_*` are the held-out numbers.
    """

    epoch: int  # 1-based
    epochs: int  # the most this run will do (early stopping may end it sooner)
    loss: float  # mean cross-entropy per token (nats)
    accuracy: float  # top-1 next-token accuracy, 0..1
    val_loss: float | None
    val_accuracy: float | None
    seconds: float  # training time so far, earlier sessions of a resumed run included
    eta: float  # seconds left if all `epochs` run; 0 on the last epoch
    stopped: str = ""  # on the last epoch: why training ends here (early stopping, solved...)
    # With a validation split: epochs since the held-out loss last improved, and how many
    # such epochs end training (early stopping).
    stale: int | None = None
    patience: int | None = None

    def to_json(self) -> str:
        def num(x: float | None, digits: int = 6) -> float | None:
            return None if x is None or not math.isfinite(x) else round(x, digits)

        return json.dumps({
            "epoch": self.epoch,
            "epochs": self.epochs,
            "loss": num(self.loss),
            "accuracy": num(self.accuracy),
            "val_loss": num(self.val_loss),
            "val_accuracy": num(self.val_accuracy),
            "seconds": num(self.seconds, 3),
            "eta": num(self.eta, 3),
            "stopped": self.stopped,
            "stale": self.stale,
            "patience": self.patience,
        })


def format_seconds(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressBar:
    """One self-updating line on a terminal; an occasional plain line in a log file."""

    def __init__(self, stream: TextIO | None = None, *, width: int = 20,
                 log_interval: float = 10.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.width = width
        self.log_interval = log_interval
        self._last_draw = 0.0
        self._drawn_len = 0  # characters on the terminal line now, to blank a shorter redraw
        self._last_line = ""  # newest line, drawn or not yet
        self._report: EpochReport | None = None

    def batch(self, epoch: int, epochs: int, fraction: float) -> None:
        """Within-epoch progress, for corpora whose epochs take long."""
        if not self.tty or time.monotonic() - self._last_draw < 0.2:
            return
        self._draw(self._line(epoch - 1 + fraction, epochs, self._report, epoch))

    def epoch(self, report: EpochReport) -> None:
        self._report = report
        line = self._line(report.epoch, report.epochs, report, report.epoch)
        now = time.monotonic()
        if self.tty:
            if now - self._last_draw >= 0.1 or report.epoch == report.epochs:
                self._draw(line)
            else:
                self._last_line = line
        elif report.epoch == 1 or now - self._last_draw >= self.log_interval:
            self.stream.write(line + "\n")
            self.stream.flush()
            self._last_draw = now
        else:
            self._last_line = line

    def close(self, message: str = "") -> None:
        """Show the last epoch's line for good, then an optional message."""
        if self.tty and self._last_line:
            self._draw(self._last_line)
        if self.tty and self._last_draw:
            self.stream.write("\n")
        elif not self.tty and self._last_line:
            self.stream.write(self._last_line + "\n")
        if message:
            self.stream.write(message + "\n")
        self.stream.flush()
        # A second close (the CLI closes once training is over and again on its way out)
        # writes nothing more.
        self._last_line = ""
        self._last_draw = 0.0
        self._drawn_len = 0

    def _draw(self, line: str) -> None:
        pad = max(0, self._drawn_len - len(line))
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._drawn_len = len(line)
        self._last_line = line
        self._last_draw = time.monotonic()

    def _line(self, done: float, epochs: int, report: EpochReport | None, epoch: int) -> str:
        fraction = min(1.0, done / max(1, epochs))
        filled = int(round(fraction * self.width))
        bar = "#" * filled + "-" * (self.width - filled)
        parts = [f"epoch {epoch:>{len(str(epochs))}}/{epochs} [{bar}]"]
        if report is not None:
            parts.append(f"loss {report.loss:.4f} acc {report.accuracy:6.1%}")
            if report.val_loss is not None and report.val_accuracy is not None:
                parts.append(f"val loss {report.val_loss:.4f} acc {report.val_accuracy:6.1%}")
            parts.append(f"{format_seconds(report.seconds)} ETA {format_seconds(report.eta)}")
        return "  ".join(parts)
