"""`--time-budget`: plan a training run to end, exported and checked, within a wall-clock time.

The budget counts from the moment the command starts. Part of it is kept back for what follows
training (rare words, the trigram, export and the onnxruntime check: `reserve_seconds`); the rest
is the training deadline. Once the speed is known (a few seconds into the first epoch) the plan
is fixed: as many epochs as the corpus would usually take (`natural_epochs`, the same rule of
thumb the editor's estimate uses), but never past the deadline. The learning rate then decays linearly to zero over the planned
time, as budgeted training does best (Li, Yumer and Ramanan 2020, "Budgeted training:
rethinking deep neural network training under resource constraints"), instead of being halved
after epochs that did not improve. Training stops when the plan is done, in the middle of an
epoch if need be, leaving time for one last validation, and the best weights on validation are
exported as usual. Corpora too small for a validation split (the poem) keep their own stopping
rule; the budget only cuts them off at the deadline.

The schedule follows the clock, so a budgeted run is not bit-for-bit reproducible.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field

# Rule of thumb for how many epochs early stopping lets a run last, by corpus size: fitted to
# the quality study's runs on fortunes-br (docs/BENCHMARKS.md), 65 epochs at 5 400 tokens,
# fewer on more text. editor/trainer.py estimates with the same numbers.
NATURAL_EPOCHS_AT = (5400, 65.0)
NATURAL_EPOCHS_EXPONENT = -0.31
NATURAL_EPOCHS_RANGE = (10, 100)
MIN_LR_FACTOR = 0.0  # where the linear decay ends
MEASURE_SECONDS = 5.0  # how long the first epoch runs before its speed is trusted
MEASURE_FRACTION = 0.2  # ... or how much of it, whichever comes first
# Kept back for after training, fitted on the gimp-help-pt-br corpus (docs/BENCHMARKS.md):
# a fixed part (export and check), a part per token (rare-word shares, the trigram) and one
# per vocabulary entry and hidden unit (the exported graph, the trigram's mixing weight).
RESERVE_FIXED_S = 8.0
RESERVE_PER_TOKEN_S = 4e-5
RESERVE_PER_ENTRY_S = 2e-4
SAFETY = 1.1  # plan a little short: an epoch measured now may run slower later
# The reserve above is for a machine that trains this many tokens a second. On a slower or
# busier one (measured in the first epoch) it is stretched in proportion, never shrunk.
NOMINAL_TOKENS_PER_S = 10_000
# With a validation split the final training metrics are measured on this many tokens.
TRAIN_METRIC_TOKENS = 100_000

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(h|min|m|sec|s)?")


def parse_duration(text: str) -> float:
    """'10m', '90s', '1h30m', '1.5h' or plain seconds ('600') -> seconds."""
    s = text.strip().lower().replace(" ", "")
    pos, total = 0, 0.0
    while pos < len(s):
        m = _DURATION.match(s, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"cannot read {text!r} as a duration: write e.g. 10m, 90s or 1h30m")
        total += float(m.group(1)) * _UNITS[m.group(2) or "s"]
        pos = m.end()
    if not s or total <= 0:
        raise ValueError(f"a time budget must be more than zero, got {text!r}")
    return total


def natural_epochs(tokens: int) -> int:
    """About how many epochs a run with early stopping lasts on `tokens` tokens."""
    ref_tokens, ref_epochs = NATURAL_EPOCHS_AT
    guess = ref_epochs * (max(1, tokens) / ref_tokens) ** NATURAL_EPOCHS_EXPONENT
    low, high = NATURAL_EPOCHS_RANGE
    return round(min(max(guess, low), high))


def reserve_seconds(tokens: int, vocab: int, *, ngram: bool) -> float:
    """Seconds to keep back for rare words, the trigram, export and the check."""
    per_token = RESERVE_PER_TOKEN_S if ngram else RESERVE_PER_TOKEN_S / 4
    return RESERVE_FIXED_S + per_token * tokens + RESERVE_PER_ENTRY_S * vocab


@dataclass
class Budget:
    """A time budget for one command, from `started` (time.monotonic())."""

    seconds: float
    started: float = field(default_factory=time.monotonic)
    reserve: float = 0.0  # kept back for after training
    scheduled: bool = True  # False: only the deadline (corpora without validation)
    epochs: int = 0  # the natural number of epochs for this corpus; 0: use all the time
    val_share: float = 0.1  # validation tokens per training token (a first guess at its cost)
    # The forward passes after training (final metrics, the trigram's weight), in units of one
    # epoch's training time; kept back from the deadline once that time is known.
    final_share: float = 0.0
    train_tokens: int = 0  # tokens of one training epoch (0: the reserve is not stretched)
    # The user left dropout, weight drop and embedding drop to the corpus defaults: a short
    # plan may ease them (regularisation_scale).
    ease_regularisation: bool = False
    # Filled in as training goes:
    train_started: float | None = None
    planned: float | None = None  # seconds of training planned (fixed once the speed is known)
    epoch_seconds: float | None = None  # one epoch's training, measured
    val_seconds: float | None = None  # one validation run, measured

    @property
    def deadline(self) -> float:
        """When training must be over (validation included)."""
        final = self.final_share * (self.epoch_seconds or 0.0)
        return self.started + self.seconds - self.reserve * self.slowness() - final

    def slowness(self) -> float:
        """How much slower than NOMINAL_TOKENS_PER_S this machine trains (at least 1)."""
        if not self.epoch_seconds or not self.train_tokens:
            return 1.0
        return max(1.0, self.epoch_seconds * NOMINAL_TOKENS_PER_S / self.train_tokens)

    def start(self, now: float | None = None) -> None:
        self.train_started = time.monotonic() if now is None else now

    def left(self, now: float | None = None) -> float:
        return self.deadline - (time.monotonic() if now is None else now)

    def _val_cost(self) -> float:
        if self.val_seconds is not None:
            return self.val_seconds
        if self.epoch_seconds is not None:  # a forward pass costs about a third of training
            return self.epoch_seconds * self.val_share / 3
        return 0.0

    def note_epoch_progress(self, fraction: float, epoch_started: float,
                            now: float | None = None) -> None:
        """Within the first epoch: once enough of it has run, fix the plan."""
        now = time.monotonic() if now is None else now
        if self.planned is not None or fraction <= 0:
            return
        if now - epoch_started >= MEASURE_SECONDS or fraction >= MEASURE_FRACTION:
            self.epoch_seconds = (now - epoch_started) / fraction
            self._plan(now)

    def note_epoch(self, train_seconds: float, val_seconds: float | None) -> None:
        """After an epoch: the measured times (the plan stays, only the deadline guard uses
        them)."""
        self.epoch_seconds = train_seconds
        if val_seconds is not None:
            self.val_seconds = val_seconds
        if self.planned is None:
            self._plan(time.monotonic())

    def _plan(self, now: float) -> None:
        assert self.train_started is not None and self.epoch_seconds is not None
        room = self.deadline - self.train_started - SAFETY * self._val_cost()
        want = math.inf
        if self.epochs:
            want = self.epochs * (self.epoch_seconds + self._val_cost()) * SAFETY
        self.planned = max(0.0, min(room, want))

    def lr_factor(self, now: float | None = None) -> float:
        """The learning rate's share of its starting value now: linear decay over the plan."""
        if not self.scheduled or self.planned is None or self.train_started is None:
            return 1.0
        now = time.monotonic() if now is None else now
        f = (now - self.train_started) / max(self.planned, 1e-9)
        return max(MIN_LR_FACTOR, 1.0 - f)

    def planned_epochs(self) -> float | None:
        """How many epochs the plan holds (None until the speed is known)."""
        if self.planned is None or not self.epoch_seconds:
            return None
        return self.planned / (self.epoch_seconds + self._val_cost())

    def regularisation_scale(self) -> float:
        """What the corpus defaults' dropout, weight drop and embedding drop are multiplied
        by: SHORT_PLAN_REGULARISATION for a plan of fewer than SHORT_PLAN_EPOCHS epochs when
        the user set none of them, else 1."""
        epochs = self.planned_epochs()
        if not (self.scheduled and self.ease_regularisation) or epochs is None:
            return 1.0
        return SHORT_PLAN_REGULARISATION if epochs < SHORT_PLAN_EPOCHS else 1.0

    def out_of_time(self, now: float | None = None) -> bool:
        """Whether training must stop now, leaving time for one validation."""
        now = time.monotonic() if now is None else now
        if now + SAFETY * self._val_cost() >= self.deadline:
            return True
        if self.scheduled and self.planned is not None and self.train_started is not None:
            return now >= self.train_started + self.planned
        return False

    def eta(self, now: float | None = None) -> float:
        """Seconds of training left, as planned."""
        now = time.monotonic() if now is None else now
        end = self.deadline
        if self.scheduled and self.planned is not None and self.train_started is not None:
            end = min(end, self.train_started + self.planned)
        return max(0.0, end - now)


# A planned run starts from this many times the default learning rate when the user gave none:
# its linear decay spends half the run below the default, and a short run has no epochs to
# waste. On the 350 k-word Portuguese manual, 10 minutes (docs/BENCHMARKS.md, "Time budget"):
# 0.002 (the default) ended at validation perplexity 55.0, 0.004 at 47.1, 0.008 at 49.1.
BUDGET_LR_SCALE = 2.0
# The corpus defaults' regularisation (dropout 0.4, weight drop 0.5, embedding drop 0.1) was
# tuned on runs of 50-65 epochs over 50 000 tokens; a plan of a few epochs over a large
# corpus sees each token too rarely to overfit, and the noise only slows it down. Halved
# below SHORT_PLAN_EPOCHS: on the manual, 10 minutes (14-15 epochs), validation perplexity
# 47.1 -> 42.15 (median of three; the full run: 41.05; docs/BENCHMARKS.md, "Training at
# scale"). Small corpora plan more epochs (natural_epochs: 33 on 50 000 tokens) and keep them.
SHORT_PLAN_EPOCHS = 20
SHORT_PLAN_REGULARISATION = 0.5
REGULARISATION_SETTINGS = ("dropout", "weight_drop", "embed_drop")


def make_budget(seconds: float, started: float, *, tokens: int, train_tokens: int,
                val_tokens: int, vocab: int, ngram: bool) -> Budget:
    """The budget for a corpus: scheduled when it has a validation split."""
    scheduled = val_tokens > 0
    val_share = val_tokens / max(1, train_tokens)
    # Final metrics read (the start of) the training stream and the validation stream once,
    # the trigram's weight the validation stream again: forward passes, each about a third of
    # a training pass per token.
    train_share = min(1.0, TRAIN_METRIC_TOKENS / max(1, train_tokens)) if scheduled else 1.0
    final = (train_share + val_share * (2 if ngram else 1)) / 3
    return Budget(seconds, started, reserve=reserve_seconds(tokens, vocab, ngram=ngram),
                  scheduled=scheduled, epochs=natural_epochs(tokens) if scheduled else 0,
                  val_share=val_share, final_share=final, train_tokens=train_tokens)
