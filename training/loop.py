"""The training loop: truncated BPTT through the whole token stream, state carried across
batches, with early stopping, checkpoints and the time budget's schedule.

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
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.func import functional_call

from training.after_training import expand_vocabulary, fit_ngram, rare_shares
from training.budget import TRAIN_METRIC_TOKENS, Budget
from training.cache_tune import tune_cache
from training.checkpoint import save_checkpoint
from training.config import ModelConfig, TrainConfig
from training.corpus import Corpus
from training.distributed import Distributed, threads_per_process
from training.errors import CheckpointError
from training.model import LanguageModel
from training.progress import EpochReport
from training.result import TrainResult
from training.scoring import Measure, batchify, evaluate_stream, head_of, streams_for
from training.softmax import resolve_cutoffs

# Called once training is over, before anything that follows it (evaluation, the trigram,
# export): with the checkpoint that holds the trained network (None if none could be saved)
# and, when saving failed, why.
Trained = Callable[[Path | None, str], None]


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
        # What a short budget's plan may scale (budget.regularisation_scale), and by how much now.
        self.base_regularisation = (self.model_config.dropout, self.config.weight_drop,
                                    self.config.embed_drop)
        self.regularisation_scale = 1.0
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
                "resume with the same corpus files", code="checkpoint.other_corpus",
                tokens=data["tokens"], files=", ".join(data.get("corpus", [])),
                corpus_tokens=self.corpus.tokens)
        try:
            self.model.load_state_dict(data["model"])
            self.optimizer.load_state_dict(data["optimizer"])
        except (RuntimeError, ValueError, KeyError) as exc:
            raise CheckpointError(f"the checkpoint's weights do not fit its settings ({exc})",
                                  code="checkpoint.weights_mismatch", reason=exc) from None
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
            raise CheckpointError(f"the checkpoint's training state is damaged ({exc})",
                                  code="checkpoint.damaged_state", reason=exc) from None
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
        values = [1.0, 0.0, 1.0]
        budget = self.budget
        if budget is not None and self.dist.is_main:
            if epoch == self.session_first_epoch:
                budget.note_epoch_progress(fraction, epoch_started)
            values = [budget.lr_factor(), float(budget.out_of_time()),
                      budget.regularisation_scale()]
        if self.dist.active:
            values = self.dist.sync_gradients(list(self.model.parameters()), values)
        if budget is not None and budget.scheduled:
            for group in self.optimizer.param_groups:
                group["lr"] = self.base_lr * values[0]
        if values[2] != self.regularisation_scale:
            self.scale_regularisation(values[2])
        return values[1] > 0.5

    def scale_regularisation(self, scale: float) -> None:
        """Dropout, weight drop and embedding drop at `scale` times where training started;
        the configs change too, so a checkpoint resumes with what was used."""
        dropout, weight_drop, embed_drop = (x * scale for x in self.base_regularisation)
        self.model_config = replace(self.model_config, dropout=dropout)
        self.config = replace(self.config, weight_drop=weight_drop, embed_drop=embed_drop)
        self.model.config = replace(self.model.config, dropout=dropout)  # what the file records
        self.model.drop_in.p = self.model.drop_out.p = dropout
        if self.model_config.layers > 1:
            self.model.lstm.dropout = dropout
        self.regularisation_scale = scale

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
        self.dist.finish()  # no collective follows: what is left is process 0's alone
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
