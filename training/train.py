"""Training: truncated BPTT through the whole token stream, state carried across batches.

The stream (every document from its `<doc>`, closed by a final `<doc>`) is cut into `batch_size`
contiguous streams that are read side by side, `bptt` tokens at a time. The LSTM state at the end
of one chunk is the start of the next (detached: gradients stop at the chunk edge, memory does not),
so the model learns to use context from far back in a document, as the editor feeds it. Every epoch
starts from a zero state at the stream's first `<doc>`, again as the editor does.
"""

from __future__ import annotations

import copy
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.func import functional_call

from editor.core.modelfile import NgramModel
from editor.core.neural_cache import CacheParams
from training.budget import TRAIN_METRIC_TOKENS, Budget, make_budget
from training.cache_tune import tune_cache
from training.checkpoint import load_checkpoint, save_checkpoint
from training.config import RESUMABLE, ModelConfig, TrainConfig, fit_to_corpus
from training.data import (
    IGNORE,
    Document,
    Split,
    Stream,
    Vocabulary,
    split_corpus,
)
from training.distributed import Distributed, threads_per_process
from training.errors import CheckpointError, CorpusError, TrainError
from training.model import LanguageModel
from training.progress import EpochReport
from training.softmax import Scores, resolve_cutoffs, score_width
from training.stream import (
    TokenMatrix,
    TokenStore,
    matrix,
    read_corpus,
    split_store,
    store_from_documents,
)

# The most scores (positions x vocabulary) computed at once outside the training step itself:
# evaluation and the trigram's fit work through the text in blocks of this size, so their
# memory does not grow with the corpus (4M float32 scores: 16 MB; a [positions x vocabulary]
# array over a 40k-token validation split with 20k words would be 3.2 GB, 6.4 GB in float64).
SCORE_BLOCK = 1 << 22

# Called once training is over, before anything that follows it (evaluation, the trigram,
# export): with the checkpoint that holds the trained network (None if none could be saved)
# and, when saving failed, why.
Trained = Callable[[Path | None, str], None]


@dataclass
class Corpus:
    """Tokenized documents (as token ids: training/stream.py), their vocabulary and the
    train/validation streams."""

    names: list[str]  # corpus file names, for the model's metadata
    store: TokenStore
    vocab: Vocabulary  # what the network learns (rare words as <unk> with `rare_below`)
    split: Split
    full_vocab: Vocabulary | None = None  # what the exported model knows; None: `vocab`

    @property
    def tokens(self) -> int:
        return self.store.tokens

    @property
    def export_vocab(self) -> Vocabulary:
        return self.full_vocab or self.vocab


def learning_vocabulary(full: Vocabulary, rare_below: int) -> Vocabulary:
    """The entries seen at least `rare_below` times: a prefix of `full`, whose entries are
    sorted by falling count, so every id means the same in both."""
    k = 2 + sum(1 for c in full.counts[2:] if c >= rare_below)
    return Vocabulary(full.tokens[:k], full.surface[:k], full.counts[:k])


def load_corpus(paths: Sequence[str | Path], config: TrainConfig,
                vocab: Vocabulary | None = None,
                documents: list[Document] | TokenStore | None = None) -> Corpus:
    """Read (unless given), tokenize, build (or reuse, when resuming) the vocabulary and split.

    The corpus is read as a stream of token ids (training/stream.py): memory grows with the
    number of distinct words, not with the length of the text.
    """
    names = [Path(p).name for p in paths]
    if documents is None:
        store = read_corpus(paths, separator=config.doc_separator)
    elif isinstance(documents, TokenStore):
        store = documents
    else:
        store = store_from_documents(documents, names)
    full = store.vocabulary(min_count=config.min_count, max_vocab=config.max_vocab)
    if vocab is None:
        vocab = learning_vocabulary(full, config.rare_below)
    elif full.tokens[: len(vocab)] != vocab.tokens:
        raise CheckpointError("the checkpoint's vocabulary does not fit this corpus: resume "
                              "with the same corpus files")
    split = split_store(store, vocab, config.effective_val_fraction(store.tokens))
    return Corpus(names, store, vocab, split, full if len(full) > len(vocab) else None)


@dataclass
class TrainResult:
    model: LanguageModel
    model_config: ModelConfig
    train_config: TrainConfig
    vocab: Vocabulary
    corpus_names: list[str]
    tokens: int
    epochs: int  # epochs completed, earlier sessions included
    seconds: float  # training time, earlier sessions included
    stopped: str  # why training ended
    metrics: dict[str, float]
    history: list[dict[str, Any]] = field(default_factory=list)
    solved_at: int | None = None  # first epoch of the final run of 100% epochs (no validation)
    validation: str = "none"  # how the validation set was held out: none, tails or documents
    ngram: NgramModel | None = None  # the trigram to store in the model file (config.ngram)
    cache: CacheParams | None = None  # the neural cache's tuned θ and λ (training/cache_tune.py)

    def facts(self) -> dict[str, Any]:
        """The `training` metadata of the exported model (docs/MODEL_FORMAT.md)."""
        return training_facts(
            corpus=self.corpus_names, tokens=self.tokens, epochs=self.epochs,
            seconds=self.seconds, model_config=self.model_config,
            train_config=self.train_config, metrics=self.metrics, stopped=self.stopped,
            validation=self.validation,
        )


def training_facts(*, corpus: list[str], tokens: int, epochs: int, seconds: float,
                   model_config: ModelConfig, train_config: TrainConfig,
                   metrics: dict[str, float], stopped: str = "",
                   validation: str = "") -> dict[str, Any]:
    hyper = {k: v for k, v in model_config.to_dict().items() if k != "vocab_size"}
    hyper.update({k: v for k, v in train_config.to_dict().items() if k != "threads"})
    return {
        "corpus": list(corpus),
        "tokens": tokens,
        "epochs": epochs,
        "seconds": round(seconds, 2),
        "seed": train_config.seed,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "metrics": metrics,
        "hyperparameters": hyper,
        "validation": validation,
        "stopped": stopped,
    }


def head_of(stream: Stream, tokens: int) -> Stream:
    """The first `tokens` positions of a stream."""
    if len(stream) <= tokens:
        return stream
    return Stream(stream.inputs[:tokens], stream.targets[:tokens])


def batchify(stream: Stream, batch_size: int) -> tuple[TokenMatrix, TokenMatrix]:
    """One long stream -> [B, N] inputs and targets: B contiguous pieces read side by side.

    Up to B - 1 tokens at the very end are dropped so the pieces have one length. The
    matrices read a window at a time (`m[:, t0:t1]` is an int64 tensor), so a corpus on disk
    is never loaded whole.
    """
    return matrix(np.asarray(stream.inputs), batch_size), matrix(np.asarray(stream.targets),
                                                                 batch_size)


def streams_for(length: int, batch_size: int, bptt: int) -> int:
    """Parallel streams for a corpus: never so many that a stream is shorter than one chunk.

    A short corpus (the poem) then stays one stream read from its `<doc>`, as in the editor.
    """
    return max(1, min(batch_size, length // bptt))


@dataclass
class Measure:
    loss: float = 0.0  # summed cross-entropy
    correct: int = 0
    count: int = 0

    def add(self, scores: Scores) -> Tensor:
        """Count one chunk's scores (the model's output given targets); returns the mean
        loss (for backward) over its scored targets."""
        self.loss += float(scores.loss_sum.detach())
        self.correct += scores.correct
        self.count += scores.count
        return scores.loss_sum / max(1, scores.count)

    @property
    def mean_loss(self) -> float:
        return self.loss / self.count if self.count else float("nan")

    @property
    def accuracy(self) -> float:
        return self.correct / self.count if self.count else float("nan")


def block_steps(rows: int, vocab_size: int, most: int) -> int:
    """Time steps per model run so that `rows` x steps x vocabulary stays within SCORE_BLOCK."""
    return max(1, min(most, SCORE_BLOCK // max(1, rows * vocab_size)))


@torch.no_grad()
def evaluate_stream(model: LanguageModel, stream: Stream, batch_size: int,
                    chunk: int = 1024, dist: Distributed | None = None) -> Measure:
    """Loss and top-1 accuracy over a stream, state carried, dropout off.

    With `dist`, each process scores its share of the parallel streams and the sums are added
    up, so every process gets the same Measure.
    """
    was_training = model.training
    model.eval()
    dist = dist or Distributed()
    device = model.embed.weight.device
    b = dist.streams(streams_for(len(stream), batch_size, chunk))
    inputs, targets = batchify(stream, b)
    inputs, targets = inputs[dist.rows(b)], targets[dist.rows(b)]
    # The streams' split does not depend on this: only how many steps run at once.
    chunk = block_steps(inputs.shape[0], score_width(model), chunk)
    state = model.zero_state(inputs.shape[0])
    measure = Measure()
    for t in range(0, inputs.shape[1], chunk):
        scores, state = model(inputs[:, t : t + chunk].to(device), state,
                              targets[:, t : t + chunk].to(device))
        measure.add(scores)
    model.train(was_training)
    if dist.active:
        measure.loss, correct, count = dist.sum([measure.loss, measure.correct, measure.count])
        measure.correct, measure.count = int(correct), int(count)
    return measure


def state_copy(model: LanguageModel) -> dict[str, Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


class Trainer:
    """One training run: build or resume, then `run()` epoch by epoch."""

    def __init__(self, corpus: Corpus, model_config: ModelConfig, config: TrainConfig, *,
                 checkpoint_path: str | Path | None = None,
                 resume: dict[str, Any] | None = None,
                 checkpoint_every: float = 5.0, checkpoint_optional: bool = False,
                 budget: Budget | None = None, dist: Distributed | None = None) -> None:
        self.corpus = corpus
        self.config = config
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path else None
        self.checkpoint_every = checkpoint_every
        # Optional: a checkpoint the user did not ask for (the CLI's default) that cannot be
        # written (a full disk) must not end a run that would have worked without it.
        self.checkpoint_optional = checkpoint_optional
        self.save_error = ""  # why the last save failed ("" when it did not)
        self.budget = budget
        self.dist = dist or Distributed()
        threads = config.effective_threads(model_config.hidden)
        if self.dist.active and config.threads == 0:
            threads = threads_per_process(threads, self.dist.local_world)
        torch.set_num_threads(threads)
        # CPU kernels are deterministic already; this turns any that are not into warnings.
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.manual_seed(config.seed)
        self.model_config = replace(model_config, vocab_size=len(corpus.vocab))
        if not self.model_config.cutoffs:  # a resumed run keeps the checkpoint's clusters
            self.model_config = replace(self.model_config, cutoffs=resolve_cutoffs(
                model_config.softmax, len(corpus.vocab)))
        self.model = LanguageModel(self.model_config).to(self.dist.device)
        self.optimizer = torch.optim.AdamW(
            self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay
        )
        self.epoch = 0
        self.seconds = 0.0
        self.history: list[dict[str, Any]] = []
        self.best_val = math.inf
        self.best_state: dict[str, Tensor] | None = None
        self.bad_epochs = 0
        self.streak = 0
        self.stopped = ""
        self.out_of_time = False  # the time budget ended the last epoch early
        if resume is not None:
            self._restore(resume)
        self.base_lr = self.optimizer.param_groups[0]["lr"]  # where a budget's schedule starts
        self.session_first_epoch = self.epoch + 1  # the epoch whose speed a budget measures

    # -- checkpoints -------------------------------------------------------------------------

    def checkpoint_data(self) -> dict[str, Any]:
        return {
            "model_config": self.model_config.to_dict(),
            "train_config": self.config.to_dict(),
            "vocab": list(self.corpus.vocab.tokens),
            "surface": list(self.corpus.vocab.surface),
            "counts": list(self.corpus.vocab.counts),
            "corpus": list(self.corpus.names),
            "tokens": self.corpus.tokens,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "best_model": self.best_state,
            "best_val": self.best_val,
            "bad_epochs": self.bad_epochs,
            "streak": self.streak,
            "epoch": self.epoch,
            "seconds": self.seconds,
            "history": self.history,
            "stopped": self.stopped,
            "rng": torch.get_rng_state(),
        }

    def save(self) -> None:
        if self.checkpoint_path is None or not self.dist.is_main:
            return  # in a distributed run the first process writes for all
        try:
            save_checkpoint(self.checkpoint_path, self.checkpoint_data())
        except OSError as exc:
            if not self.checkpoint_optional:
                raise
            self.save_error = exc.strerror or str(exc)
        else:
            self.save_error = ""

    def _restore(self, data: dict[str, Any]) -> None:
        if data["tokens"] != self.corpus.tokens:
            raise CheckpointError(
                f"the checkpoint was trained on {data['tokens']} tokens of "
                f"{', '.join(data.get('corpus', []))}, this corpus has {self.corpus.tokens}: "
                "resume with the same corpus files"
            )
        try:
            self.model.load_state_dict(data["model"])
            self.optimizer.load_state_dict(data["optimizer"])
        except (RuntimeError, ValueError, KeyError) as exc:
            raise CheckpointError(f"the checkpoint's weights do not fit its settings ({exc})") from None
        try:
            self.best_state = data.get("best_model")
            if self.best_state is not None:
                self.final_model()  # the best weights must fit as well as the current ones
            self.best_val = float(data.get("best_val", math.inf))
            self.bad_epochs = int(data.get("bad_epochs", 0))
            self.streak = int(data.get("streak", 0))
            self.epoch = int(data["epoch"])
            self.seconds = float(data.get("seconds", 0.0))
            self.history = list(data.get("history", []))
        except (RuntimeError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise CheckpointError(f"the checkpoint's training state is damaged ({exc})") from None
        if isinstance(data.get("rng"), Tensor):
            torch.set_rng_state(data["rng"])

    # -- training ----------------------------------------------------------------------------

    def train_epoch(self, epoch: int,
                    on_batch: Callable[[int, float], None] | None = None) -> Measure:
        cfg = self.config
        model = self.model
        model.train()
        b = self.dist.streams(streams_for(len(self.corpus.split.train), cfg.batch_size, cfg.bptt))
        inputs, targets = batchify(self.corpus.split.train, b)
        inputs, targets = inputs[self.dist.rows(b)], targets[self.dist.rows(b)]  # this shard
        state = model.zero_state(inputs.shape[0])
        measure = Measure()
        steps = inputs.shape[1]
        started = time.monotonic()
        t = 0
        while t < steps:
            n = self._chunk_length() if cfg.variable_bptt else cfg.bptt
            device = self.dist.device
            x, y = inputs[:, t : t + n].to(device), targets[:, t : t + n].to(device)
            if cfg.weight_drop > 0 or cfg.embed_drop > 0:
                # The dropped weights stand in for the parameters for this one batch; the
                # gradients reach the parameters through the masks.
                scores, state = functional_call(model, self._dropped_weights(), (x, state, y),
                                                tie_weights=False)
            else:
                scores, state = model(x, state, y)
            state = (state[0].detach(), state[1].detach())
            loss = measure.add(scores)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.out_of_time = self._after_backward(epoch, min(1.0, (t + n) / steps), started)
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            self.optimizer.step()
            t += n
            if on_batch is not None:
                on_batch(epoch, min(1.0, t / steps))
            if self.out_of_time:
                break
        return measure

    def _after_backward(self, epoch: int, fraction: float, epoch_started: float) -> bool:
        """Average the gradients across processes, follow the time budget's learning-rate
        schedule; True when the budget says training is over."""
        values = [1.0, 0.0]
        budget = self.budget
        if budget is not None and self.dist.is_main:
            if epoch == self.session_first_epoch:
                budget.note_epoch_progress(fraction, epoch_started)
            values = [budget.lr_factor(), float(budget.out_of_time())]
        if self.dist.active:
            values = self.dist.sync_gradients(list(self.model.parameters()), values)
        if budget is not None and budget.scheduled:
            for group in self.optimizer.param_groups:
                group["lr"] = self.base_lr * values[0]
        return values[1] > 0.5

    def _chunk_length(self) -> int:
        """A BPTT length around `bptt` (now and then around half of it), as in AWD-LSTM: the
        chunk edges fall elsewhere every epoch. Drawn from torch's generator: reproducible."""
        base = self.config.bptt if float(torch.rand(())) < 0.95 else self.config.bptt / 2
        return max(5, round(base + 5 * float(torch.randn(()))))

    def _dropped_weights(self) -> dict[str, Tensor]:
        cfg = self.config
        weights = dict(self.model.named_parameters())
        for k in range(self.model_config.layers):
            name = f"lstm.weight_hh_l{k}"
            if cfg.weight_drop > 0:  # DropConnect: the same mask at every step of the batch
                weights[name] = F.dropout(weights[name], cfg.weight_drop, training=True)
        if cfg.embed_drop > 0:  # whole word types vanish from the input for this batch
            emb = weights["embed.weight"]
            keep = emb.new_empty(emb.shape[0], 1).bernoulli_(1 - cfg.embed_drop)
            # Not the tied decoder: only the input side is dropped (tie_weights=False above).
            weights["embed.weight"] = emb * keep / (1 - cfg.embed_drop)
        return weights

    def run(self, *, progress: Callable[[EpochReport], None] | None = None,
            on_batch: Callable[[int, float], None] | None = None,
            should_stop: Callable[[], bool] | None = None,
            trained: Trained | None = None) -> TrainResult | None:
        """Train until solved, early-stopped, `epochs` done, the time budget is spent or
        `should_stop()` says so. None in processes other than the first of a distributed run.

        `progress` gets an EpochReport after every epoch (a GUI hook), `on_batch(epoch, fraction)`
        is called within epochs, `trained` once training is over and saved, before the steps
        that follow it.
        """
        cfg = self.config
        split = self.corpus.split
        session_start = time.monotonic()
        session_epochs = 0
        last_save = time.monotonic()
        self.session_first_epoch = self.epoch + 1
        if self.budget is not None:
            self.budget.start(session_start)
        while self.epoch < cfg.epochs and not self.stopped:
            started = time.monotonic()
            epoch = self.epoch + 1
            fit = self.train_epoch(epoch, on_batch)
            train_s = time.monotonic() - started
            val: Measure | None = None
            if split.val is not None:
                val = evaluate_stream(self.model, split.val, cfg.batch_size, dist=self.dist)
                self._early_stopping(val.mean_loss)
            else:
                # The exported model is what must be right: measure it as it stands now.
                fit = evaluate_stream(self.model, split.train, cfg.batch_size, dist=self.dist)
                self.streak = self.streak + 1 if fit.correct == fit.count else 0
                if self.streak >= cfg.solved_epochs and fit.mean_loss <= cfg.solved_loss:
                    self.stopped = (f"solved: 100% accuracy for {self.streak} epochs, "
                                    f"loss {fit.mean_loss:.4f}")
            self.epoch = epoch
            self.seconds += time.monotonic() - started
            session_epochs += 1
            per_epoch = (time.monotonic() - session_start) / session_epochs
            eta = per_epoch * (cfg.epochs - epoch)
            epochs = cfg.epochs
            if self.budget is not None:
                self.budget.note_epoch(train_s, time.monotonic() - started - train_s
                                       if val is not None else None)
                over = self.out_of_time or self.budget.out_of_time()
                if self.dist.main_says(over) and not self.stopped:
                    self.stopped = (f"time budget: training stopped after {self.seconds:.0f} s "
                                    f"to finish within {self.budget.seconds:.0f} s")
                eta = min(eta, self.budget.eta())
                # The plan's epochs, not --epochs: a progress bar then fills up in time.
                epochs = min(cfg.epochs, epoch + (0 if self.stopped else math.ceil(
                    eta / max(per_epoch, 1e-9))))
            if should_stop is not None and not self.stopped and should_stop():
                self.stopped = f"stopped on request after epoch {epoch}"
            if self.epoch >= cfg.epochs and not self.stopped:
                self.stopped = f"reached {cfg.epochs} epochs"
            # The last report says why it is the last, so a GUI can tell at once.
            report = EpochReport(
                epoch=epoch, epochs=epochs, loss=fit.mean_loss, accuracy=fit.accuracy,
                val_loss=val.mean_loss if val else None, val_accuracy=val.accuracy if val else None,
                seconds=self.seconds, eta=0.0 if self.stopped else eta,
                stopped=self.stopped,
                stale=self.bad_epochs if val else None,
                patience=cfg.patience if val else None,
            )
            self.history.append(asdict(report))
            if self.stopped or time.monotonic() - last_save >= self.checkpoint_every:
                self.save()
                last_save = time.monotonic()
            if progress is not None:
                progress(report)
        if not self.stopped:  # resumed a run that had already done all its epochs
            self.stopped = f"reached {cfg.epochs} epochs"
        if session_epochs == 0:
            self.save()  # the loop saves after its last epoch; here it never ran
        if not self.dist.is_main:
            return None  # only process 0 finishes the model and exports it
        if trained is not None:
            saved = self.checkpoint_path if self.checkpoint_path and not self.save_error else None
            trained(saved, self.save_error)
        return self.result()

    def _early_stopping(self, val_loss: float) -> None:
        if val_loss < self.best_val - 1e-4:
            self.best_val = val_loss
            self.best_state = state_copy(self.model)
            self.bad_epochs = 0
            return
        self.bad_epochs += 1
        if self.budget is None or not self.budget.scheduled:  # a budget has its own schedule
            for group in self.optimizer.param_groups:
                group["lr"] *= self.config.lr_decay
        if self.bad_epochs >= self.config.patience:
            self.stopped = (
                f"early stopping: validation loss did not improve for {self.bad_epochs} epochs"
            )

    def final_model(self) -> LanguageModel:
        """The weights to export: the best on validation when there is a validation split."""
        model = self.model
        if self.best_state is not None:
            model = copy.deepcopy(self.model)
            model.load_state_dict(self.best_state)
        return model.eval()

    def result(self) -> TrainResult:
        model = self.final_model()
        split = self.corpus.split
        # With a validation split the training figures are only for the record: the start of
        # the training stream tells them as well as all of it, at a fraction of the cost.
        sample = split.train if split.val is None else head_of(split.train, TRAIN_METRIC_TOKENS)
        fit = evaluate_stream(model, sample, self.config.batch_size)
        metrics: dict[str, float] = {
            "train_loss": round(fit.mean_loss, 6),
            "train_accuracy": round(fit.accuracy, 6),
            "train_perplexity": round(math.exp(min(fit.mean_loss, 50.0)), 4),
            "train_tokens": fit.count,
        }
        if split.val is not None:
            val = evaluate_stream(model, split.val, self.config.batch_size)
            metrics.update({
                "val_loss": round(val.mean_loss, 6),
                "val_accuracy": round(val.accuracy, 6),
                "val_perplexity": round(math.exp(min(val.mean_loss, 50.0)), 4),
                "val_tokens": val.count,
            })
        solved_at = None
        if split.val is None and self.streak:
            solved_at = self.epoch - self.streak + 1
        model = model.cpu()  # what follows (and the export) runs on the CPU
        vocab = self.corpus.export_vocab
        if len(vocab) > len(self.corpus.vocab):
            model = expand_vocabulary(model, vocab, rare_shares(self.corpus.store.type_counts(),
                                                                vocab, len(self.corpus.vocab)))
        ngram = None
        if self.config.ngram and split.val is not None:
            ngram, facts = fit_ngram(model, self.corpus, self.config)
            metrics.update(facts)
        cache, facts = tune_cache(model, self.corpus, self.config, ngram)
        metrics.update(facts)
        return TrainResult(
            model=model, model_config=model.config, train_config=self.config,
            vocab=vocab, corpus_names=self.corpus.names, tokens=self.corpus.tokens,
            epochs=self.epoch, seconds=self.seconds, stopped=self.stopped, metrics=metrics,
            history=self.history, solved_at=solved_at, validation=split.how, ngram=ngram,
            cache=cache,
        )


def rare_shares(counts: Counter[str], vocab: Vocabulary,
                first_rare: int) -> tuple[np.ndarray, float]:
    """How the <unk> class's probability splits between its words and words never seen.

    Good-Turing: all words seen c times together get (c + 1)·n(c+1) / N of the probability of
    what comes next, and words never seen n(1) / N, where n(c) is the number of word types seen
    c times. Returns each rare entry's share of the class (ids `first_rare` on) and the share
    left to `<unk>` (new words). `counts`: how often each distinct token occurs in the corpus.
    """
    n_of = Counter(counts.values())

    def mass(c: int) -> float:
        # With no type seen c + 1 times the estimate is 0; the plain count c stands in.
        return (c + 1) * n_of[c + 1] / n_of[c] if n_of[c + 1] else float(c)

    rare = np.array([mass(c) for c in vocab.counts[first_rare:]], dtype=np.float64)
    new = float(n_of[1])
    total = new + rare.sum()
    return rare / total, new / total


def expand_vocabulary(model: LanguageModel, vocab: Vocabulary,
                      shares: tuple[np.ndarray, float]) -> LanguageModel:
    """The model over the whole vocabulary: each rare word gets `<unk>`'s vectors (it was read
    and predicted as `<unk>` in training) and its share of `<unk>`'s probability through the
    decoder bias, so P(word) = P(<unk>) · share; `<unk>` keeps the share of new words."""
    word_share, new_share = shares
    small = model.config.vocab_size
    config = replace(model.config, vocab_size=len(vocab))
    big = LanguageModel(config)
    state = big.state_dict()
    floor = 1e-9  # log(0) would make a word impossible to suggest
    if model.adaptive is not None:
        # The adaptive softmax adds the rare entries after its clusters (training/softmax.py).
        shares_t = torch.tensor(np.maximum(word_share, floor), dtype=torch.float32)
        state["adaptive.rare_log_share"] = torch.log(shares_t)
        state["adaptive.unk_log_share"] = torch.tensor(math.log(max(new_share, floor)))
    with torch.no_grad():
        for name, value in model.state_dict().items():
            if name.startswith("adaptive.") and name.endswith("log_share"):
                continue
            if name in ("embed.weight", "decoder.weight"):
                state[name][:small] = value
                state[name][small:] = value[0]
            elif name == "decoder.bias" and model.adaptive is not None:
                state[name][:small] = value  # rows past the clusters are never read
            elif name == "decoder.bias":
                state[name][:small] = value
                state[name][small:] = value[0] + torch.log(
                    torch.tensor(np.maximum(word_share, floor), dtype=value.dtype))
                state[name][0] = value[0] + math.log(max(new_share, floor))
            else:
                state[name].copy_(value)
    big.load_state_dict(state)
    return big.eval()


def documents_of(stream: Stream, doc_id: int) -> list[list[int]]:
    """The token ids of each document in a stream's inputs (each starts with `<doc>`)."""
    docs: list[list[int]] = []
    for i in stream.inputs:
        if i == doc_id:
            docs.append([])
        elif docs:
            docs[-1].append(i)
    return docs


@torch.no_grad()
def fit_ngram(model: LanguageModel, corpus: Corpus, config: TrainConfig,
              chunk: int = 1024) -> tuple[NgramModel, dict[str, float]]:
    """The Kneser-Ney trigram to mix with `model` (over the export vocabulary).

    The mixing weight β is the one that gives the validation split the lowest loss, with the
    trigram counted on the training split only; the trigram that is stored is then counted
    on every document.
    """
    from training.kneser_ney import estimate

    vocab = corpus.export_vocab
    doc_id = vocab.doc_id
    ids = corpus.store.document_ids(vocab)
    split = split_corpus(ids, config.effective_val_fraction(corpus.tokens))
    assert split.val is not None
    trigram = estimate(len(vocab), documents_of(split.train, doc_id), doc_id=doc_id)
    p_lstm, p_kn = validation_probabilities(model, split.val, trigram, chunk)
    betas = np.round(np.arange(0.0, 1.0001, 0.05), 2)
    losses = [float(-np.log(b * p_lstm + (1 - b) * p_kn).mean()) for b in betas]
    best = int(np.argmin(losses))
    beta = float(betas[best])
    final = estimate(len(vocab), [d[1:] for d in ids], doc_id=doc_id, weight=beta)
    facts = {
        "ngram_weight": beta,
        "val_perplexity_lstm": round(math.exp(float(-np.log(p_lstm).mean())), 4),
        "val_perplexity_ngram": round(math.exp(float(-np.log(p_kn).mean())), 4),
        "val_perplexity_mixed": round(math.exp(losses[best]), 4),
    }
    return final, facts


@torch.no_grad()
def validation_probabilities(model: LanguageModel, stream: Stream, trigram: NgramModel,
                             chunk: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """P(target) under the LSTM and under the trigram at each scored position of `stream`.

    Only those two numbers per position are kept: the LSTM's scores are read a block at a
    time (SCORE_BLOCK) and the trigram's distribution is computed once per context.
    """
    targets = np.array(stream.targets, dtype=np.int64)
    scored = np.flatnonzero(targets != IGNORE)
    inputs = torch.tensor(stream.inputs, dtype=torch.long)
    step = block_steps(1, score_width(model), chunk)
    state = model.zero_state(1)
    p_lstm = np.empty(len(scored))
    done = 0
    for t in range(0, len(inputs), step):
        if model.adaptive is not None:  # only each target's probability, never every word's
            rows = scored[(scored >= t) & (scored < t + step)]
            y = torch.zeros((1, min(step, len(inputs) - t)), dtype=torch.long)
            y[0, rows - t] = torch.from_numpy(targets[rows])
            logp, state = model.target_log_probs(inputs[None, t : t + step], state, y)
            p_lstm[done : done + len(rows)] = logp[0, rows - t].double().exp().numpy()
            done += len(rows)
            continue
        logits, state = model(inputs[None, t : t + step], state)
        rows = scored[(scored >= t) & (scored < t + step)]
        if len(rows) == 0:
            continue
        z = logits[0, torch.from_numpy(rows - t)].double()
        picked = z.gather(1, torch.from_numpy(targets[rows])[:, None])[:, 0]
        p_lstm[done : done + len(rows)] = torch.exp(picked - torch.logsumexp(z, -1)).numpy()
        done += len(rows)
    # The trigram only sees the two previous tokens: one distribution per distinct pair.
    by_context: dict[tuple[int, ...], list[int]] = {}
    for k, i in enumerate(scored):
        by_context.setdefault(tuple(stream.inputs[max(0, i - 1) : i + 1]), []).append(k)
    p_kn = np.empty(len(scored))
    for context, ks in by_context.items():
        where = np.array(ks)
        p_kn[where] = trigram.next_distribution(list(context))[targets[scored[where]]]
    return p_lstm, p_kn


def resume_configs(data: dict[str, Any],
                   explicit: dict[str, Any]) -> tuple[ModelConfig, TrainConfig]:
    """The checkpoint's settings, with `epochs`/`threads` from the command line.

    Any other explicitly given setting must agree with the checkpoint: silently ignoring it would
    hide that the resumed run is not the run asked for.
    """
    saved_model = ModelConfig.from_dict(data["model_config"])
    saved_train = TrainConfig.from_dict(data["train_config"])
    for name, value in explicit.items():
        if name in RESUMABLE or value is None:
            continue
        saved = data["model_config"].get(name, data["train_config"].get(name, value))
        if saved != value:
            raise CheckpointError(
                f"--{name.replace('_', '-')} {value} differs from the checkpoint's {saved}; "
                "a resumed run keeps the checkpoint's settings (only --epochs may change)"
            )
    overrides = {k: explicit[k] for k in RESUMABLE if explicit.get(k) is not None}
    return saved_model, replace(saved_train, **overrides)


def train(paths: Sequence[str | Path], model_config: ModelConfig | None = None,
          train_config: TrainConfig | None = None, *,
          checkpoint: str | Path | None = None, resume: str | Path | None = None,
          progress: Callable[[EpochReport], None] | None = None,
          on_batch: Callable[[int, float], None] | None = None,
          should_stop: Callable[[], bool] | None = None,
          explicit: dict[str, Any] | None = None,
          documents: list[Document] | TokenStore | None = None,
          trained: Trained | None = None,
          checkpoint_optional: bool = False,
          time_budget: float | None = None, started: float | None = None,
          dist: Distributed | None = None) -> TrainResult | None:
    """Train on corpus files (the API behind `caminho-train train`).

    `explicit`: the settings the user gave (resuming checks them against the checkpoint);
    `documents`: the files already read with `stream.read_corpus` (or `load_documents`; not
    with `resume`);
    `trained`: called once training is over and the checkpoint saved, before the steps that
    follow (evaluation, the trigram); `checkpoint_optional`: a checkpoint that cannot be
    written (a full disk) is reported to `trained` instead of ending the run;
    `time_budget`: seconds from `started` (time.monotonic(), default now) to a finished model
    (training/budget.py); `dist`: the device and, under torchrun, the other processes
    (training/distributed.py). Returns None in the processes other than the first.
    """
    model_config = model_config or ModelConfig()
    train_config = train_config or TrainConfig()
    data = None
    vocab = None
    if resume is not None:
        data = load_checkpoint(resume)
        model_config, train_config = resume_configs(data, explicit or {})
        vocab = Vocabulary(list(data["vocab"]), list(data["surface"]), list(data.get("counts", [])))
    else:
        if documents is None:
            documents = read_corpus(paths, separator=train_config.doc_separator)
        tokens = (documents.tokens if isinstance(documents, TokenStore)
                  else sum(len(d.tokens) for d in documents))
        # Settings the user left alone follow the corpus' size (config.CORPUS_DEFAULTS).
        model_config, train_config = fit_to_corpus(tokens, model_config, train_config, explicit)
    corpus = load_corpus(paths, train_config, vocab, None if resume is not None else documents)
    if len(corpus.split.train) < 2:
        raise CorpusError("corpus too small: nothing left to train on after the validation split")
    budget = None
    if time_budget is not None:
        val = corpus.split.val
        budget = make_budget(
            time_budget, time.monotonic() if started is None else started,
            tokens=corpus.tokens, train_tokens=len(corpus.split.train),
            val_tokens=0 if val is None else val.scored, vocab=len(corpus.export_vocab),
            ngram=train_config.ngram)
    if train_config.ensemble > 1:
        if resume is not None:
            raise CheckpointError(
                "an ensemble cannot be resumed: its checkpoint holds the merged network, "
                "written once every member is trained; make a model of it with "
                "`caminho-train export`")
        if budget is not None or (dist is not None and dist.active):
            raise TrainError("an ensemble trains its networks one after the other: train it "
                             "without --time-budget and without torchrun")
        return train_ensemble(corpus, model_config, train_config, progress=progress,
                              on_batch=on_batch, should_stop=should_stop,
                              checkpoint=checkpoint, checkpoint_optional=checkpoint_optional,
                              trained=trained)
    trainer = Trainer(corpus, model_config, train_config, checkpoint_path=checkpoint, resume=data,
                      checkpoint_optional=checkpoint_optional, budget=budget, dist=dist)
    return trainer.run(progress=progress, on_batch=on_batch, should_stop=should_stop,
                       trained=trained)


def finish_checkpoint(checkpoint: str | Path, paths: Sequence[str | Path]) -> TrainResult:
    """The model a checkpoint stands for, as `train` would have returned it: its best weights,
    with the rare words put back and the trigram fitted, both of which need the corpus."""
    data = load_checkpoint(checkpoint)
    model_config, train_config = resume_configs(data, {})
    vocab = Vocabulary(list(data["vocab"]), list(data["surface"]), list(data.get("counts", [])))
    corpus = load_corpus(paths, train_config, vocab, None)
    if not data.get("finished"):
        return Trainer(corpus, model_config, train_config, resume=data).result()
    # A merged ensemble: already over the whole vocabulary, only the trigram is left to fit.
    from training.export import model_from_checkpoint

    if data.get("tokens") != corpus.tokens:
        raise CheckpointError(
            f"the checkpoint was trained on {data.get('tokens')} tokens, this corpus has "
            f"{corpus.tokens}: give the corpus files it was trained on")
    model = model_from_checkpoint(data)
    metrics = dict(data.get("metrics") or {})
    ngram = None
    if train_config.ngram and corpus.split.val is not None:
        ngram, facts = fit_ngram(model, corpus, train_config)
        metrics.update(facts)
    # θ and λ as train_ensemble tunes them, so an exported ensemble has the same cache.
    cache, facts = tune_cache(model, corpus, train_config, ngram)
    metrics.update(facts)
    return TrainResult(
        model=model, model_config=model.config, train_config=train_config, vocab=corpus.vocab,
        corpus_names=corpus.names, tokens=corpus.tokens, epochs=int(data["epoch"]),
        seconds=float(data.get("seconds", 0.0)), stopped=str(data.get("stopped", "")),
        metrics=metrics, history=list(data.get("history", [])),
        validation=corpus.split.how, ngram=ngram, cache=cache,
    )


def needs_corpus(train_config: TrainConfig) -> bool:
    """Whether exporting a checkpoint without its corpus would leave something out."""
    return train_config.rare_below > 1 or train_config.ngram


def train_ensemble(corpus: Corpus, model_config: ModelConfig, config: TrainConfig, *,
                   progress: Callable[[EpochReport], None] | None = None,
                   on_batch: Callable[[int, float], None] | None = None,
                   should_stop: Callable[[], bool] | None = None,
                   checkpoint: str | Path | None = None, checkpoint_optional: bool = False,
                   trained: Trained | None = None) -> TrainResult:
    """`config.ensemble` networks from seeds seed, seed + 1, ..., merged into one LSTM.

    Every member early-stops on the same validation split, so none of them has seen it, and
    the trigram's weight is then fitted for the merged network on that split. A stop on request
    ends the ensemble with the members trained so far. The merged network is saved to
    `checkpoint` before the trigram is fitted: `caminho-train export` makes a model of it
    (it cannot be resumed: members hold no optimizer state there).
    """
    from training.ensemble import merge_models

    results: list[TrainResult] = []
    for k in range(config.ensemble):
        # The members' trigram is left out: it is fitted once, for the merged network.
        member = replace(config, seed=config.seed + k, ensemble=1, ngram=False)
        results.append(Trainer(corpus, model_config, member).run(
            progress=progress, on_batch=on_batch, should_stop=should_stop))
        if results[-1].stopped.startswith("stopped on request"):
            break
    model = merge_models([r.model for r in results])
    # The usual keys hold the members' mean (the merged network is over the export vocabulary,
    # the validation stream over the learnt one); each member's own figures follow.
    metrics: dict[str, float] = {
        name: round(float(np.mean([r.metrics[name] for r in results])), 6)
        for name in results[0].metrics
    }
    metrics.update({f"member{k}_{name}": value for k, r in enumerate(results)
                    for name, value in r.metrics.items()})
    first = results[0]
    result = TrainResult(
        model=model, model_config=model.config, train_config=config, vocab=first.vocab,
        corpus_names=first.corpus_names, tokens=first.tokens,
        epochs=sum(r.epochs for r in results), seconds=sum(r.seconds for r in results),
        stopped=f"ensemble of {len(results)}: " + "; ".join(r.stopped for r in results),
        metrics=metrics, history=[h for r in results for h in r.history],
        validation=first.validation,
    )
    saved, problem = None, ""
    if checkpoint is not None:
        try:
            save_checkpoint(checkpoint, merged_checkpoint_data(result))
            saved = Path(checkpoint)
        except OSError as exc:
            if not checkpoint_optional:
                raise
            problem = exc.strerror or str(exc)
    if trained is not None:
        trained(saved, problem)
    if config.ngram and corpus.split.val is not None:
        result.ngram, facts = fit_ngram(model, corpus, config)
        metrics.update(facts)
    result.cache, facts = tune_cache(model, corpus, config, result.ngram)
    metrics.update(facts)
    return result


def merged_checkpoint_data(result: TrainResult) -> dict[str, Any]:
    """A finished ensemble as a checkpoint: exportable, not resumable (`finished`)."""
    return {
        "model_config": result.model_config.to_dict(),
        "train_config": result.train_config.to_dict(),
        "vocab": list(result.vocab.tokens),
        "surface": list(result.vocab.surface),
        "counts": list(result.vocab.counts),
        "corpus": list(result.corpus_names),
        "tokens": result.tokens,
        "model": result.model.state_dict(),
        "best_model": None,
        "epoch": result.epochs,
        "seconds": result.seconds,
        "history": result.history,
        "stopped": result.stopped,
        "metrics": dict(result.metrics),
        "finished": True,
    }
