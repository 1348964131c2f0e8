"""Scoring a token stream: the streams read side by side, loss and accuracy, state carried.

Training, early stopping and the figures of a finished run all measure a stream this way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from training.data import Stream
from training.distributed import Distributed
from training.model import LanguageModel
from training.softmax import Scores, score_width
from training.stream import TokenMatrix, matrix

# The most scores (positions x vocabulary) computed at once outside the training step itself:
# evaluation and the trigram's fit work through the text in blocks of this size, so their
# memory does not grow with the corpus (4M float32 scores: 16 MB; a [positions x vocabulary]
# array over a 40k-token validation split with 20k words would be 3.2 GB, 6.4 GB in float64).
SCORE_BLOCK = 1 << 22


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
