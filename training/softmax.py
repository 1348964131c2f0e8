"""The output layer: a plain softmax for small vocabularies, an adaptive one for large ones.

Over a 20 000-word vocabulary the decoder (256 x 20 000 multiply-adds per token, forward and
backward, plus a softmax over 20 000 scores) costs about ten times the LSTM itself. The adaptive
softmax of Grave et al. (2017, "Efficient softmax approximation for GPUs") splits the vocabulary,
whose ids are already sorted by falling frequency, into a *head* of frequent words plus one
entry per *cluster* of rarer words, and a softmax inside each cluster:

    P(w) = P_head(w)                          w in the head
    P(w) = P_head(cluster k) · P_k(w)         w in cluster k

In training a token needs the head softmax and only its own cluster's; with a head of 2 000
entries covering most running text, the output layer gets several times cheaper. Unlike
`torch.nn.AdaptiveLogSoftmaxWithLoss`, the clusters here score words with the decoder's own
rows (full width, no down-projection), so the decoder stays one [V, E] matrix that can be tied
to the embedding, and the model keeps exactly the parameters of the plain softmax plus one
vector and bias per cluster. It is a normalised distribution over every word, so the exported
graph computes it whole: its `logits` output is then the log-probabilities themselves, which
the editor's softmax turns back into the same probabilities (docs/MODEL_FORMAT.md).

Words learnt as `<unk>` and exported as entries of their own (`rare_below`) are appended after
the learnt vocabulary: log P(word) = log P(<unk>) + log share, `<unk>` keeping the share of
words never seen (training/train.py, `expand_vocabulary`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from training.config import AUTO_ADAPTIVE_VOCAB
from training.data import IGNORE

# From config.AUTO_ADAPTIVE_VOCAB learnt entries on, `softmax="auto"` uses the adaptive
# softmax. Below it the output layer is cheap next to the LSTM (the poem has 24 entries,
# fortunes-br about 4 000) and the plain softmax is kept, so small models train as before.
# Entries of the head, specials included. On gimp-help-pt-br (395 000 tokens, 8 922 learnt
# entries) the first 1 000 ids cover more than 80% of the running text; only the rest pays for
# a cluster softmax as well. A head of 1 000 with clusters [1 000, 5 000) and [5 000, V) costs
# about half the multiply-adds per token of a head of 2 000 with one cluster.
HEAD_SIZE = 1000
CLUSTER_GROWTH = 4  # each cluster is this many times larger than the one before
MIN_CLUSTER = 1000  # a last cluster smaller than this is merged into the one before


def choose_cutoffs(vocab_size: int, head: int = HEAD_SIZE) -> tuple[int, ...]:
    """Cluster boundaries for a learnt vocabulary of `vocab_size` entries.

    `(1000, 5000, 20000)` for 20 000 entries: a head of ids [0, 1000), then clusters
    [1000, 5000) and [5000, 20000). The last boundary is always `vocab_size`.
    """
    if vocab_size <= head + MIN_CLUSTER:
        raise ValueError(f"a vocabulary of {vocab_size} entries is too small for clusters")
    bounds = [head]
    size = head * CLUSTER_GROWTH
    while bounds[-1] + size < vocab_size:
        bounds.append(bounds[-1] + size)
        size *= CLUSTER_GROWTH
    if vocab_size - bounds[-1] < MIN_CLUSTER and len(bounds) > 1:
        bounds.pop()
    return (*bounds, vocab_size)


def resolve_cutoffs(softmax: str, vocab_size: int) -> tuple[int, ...]:
    """The cutoffs `softmax` ("auto", "full" or "adaptive") asks for, for this vocabulary."""
    if softmax == "full" or (softmax == "auto" and vocab_size < AUTO_ADAPTIVE_VOCAB):
        return ()
    if vocab_size <= HEAD_SIZE + MIN_CLUSTER:
        return ()  # "adaptive" on a small vocabulary: nothing to cluster, the plain softmax
    return choose_cutoffs(vocab_size)


@dataclass
class Scores:
    """What one chunk scored: summed cross-entropy (differentiable), right guesses, targets."""

    loss_sum: Tensor
    correct: int
    count: int


def full_scores(logits: Tensor, targets: Tensor) -> Scores:
    """Scores of a plain softmax's logits [N, V] against targets [N]."""
    loss_sum = F.cross_entropy(logits, targets, ignore_index=IGNORE, reduction="sum")
    mask = targets != IGNORE
    correct = int((logits.detach().argmax(-1) == targets)[mask].sum())
    return Scores(loss_sum, correct, int(mask.sum()))


class AdaptiveSoftmax(nn.Module):
    """Head + clusters over a decoder's rows [V, E] and bias [V] (see the module docstring).

    `cutoffs` = (head, b1, ..., learnt): cluster k holds ids [cutoffs[k], cutoffs[k + 1]).
    Entries from `learnt` up to the model's vocabulary size are rare words that share `<unk>`'s
    probability (buffer `rare_log_share`, one per such entry, and `unk_log_share`).
    """

    def __init__(self, in_features: int, cutoffs: tuple[int, ...], vocab_size: int) -> None:
        super().__init__()
        if len(cutoffs) < 2 or list(cutoffs) != sorted(set(cutoffs)) or cutoffs[0] < 2:
            raise ValueError(f"bad adaptive softmax cutoffs {cutoffs}")
        if vocab_size < cutoffs[-1]:
            raise ValueError(f"cutoffs {cutoffs} go past the vocabulary ({vocab_size})")
        self.cutoffs = tuple(int(c) for c in cutoffs)
        self.head_size = self.cutoffs[0]
        self.learnt = self.cutoffs[-1]
        n = len(self.cutoffs) - 1
        self.cluster_weight = nn.Parameter(torch.zeros(n, in_features))
        self.cluster_bias = nn.Parameter(torch.zeros(n))
        self.register_buffer("rare_log_share", torch.zeros(vocab_size - self.learnt))
        self.register_buffer("unk_log_share", torch.zeros(()))

    @property
    def clusters(self) -> int:
        return len(self.cutoffs) - 1

    def head_logits(self, x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
        """[N, E] -> [N, head + clusters]: the frequent words' scores, then one per cluster."""
        w = torch.cat((weight[: self.head_size], self.cluster_weight))
        b = torch.cat((bias[: self.head_size], self.cluster_bias))
        return F.linear(x, w, b)

    def cluster_log_prob(self, x: Tensor, weight: Tensor, bias: Tensor, k: int) -> Tensor:
        """log P_k(w) inside cluster k, for every word of it: [N, size of cluster k]."""
        lo, hi = self.cutoffs[k], self.cutoffs[k + 1]
        return F.log_softmax(F.linear(x, weight[lo:hi], bias[lo:hi]), dim=-1)

    def log_prob(self, x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
        """log P(w) for every entry of the vocabulary: [..., E] -> [..., V].

        Only traceable tensor operations: the exported ONNX graph computes this.
        """
        head = F.log_softmax(self.head_logits(x, weight, bias), dim=-1)
        parts = [head[..., : self.head_size]]
        for k in range(self.clusters):
            at = self.head_size + k
            parts.append(head[..., at : at + 1] + self.cluster_log_prob(x, weight, bias, k))
        if self.rare_log_share.numel():
            unk = parts[0][..., :1]
            parts[0] = torch.cat((unk + self.unk_log_share, parts[0][..., 1:]), dim=-1)
            parts.append(unk + self.rare_log_share)
        return torch.cat(parts, dim=-1)

    def scores(self, x: Tensor, targets: Tensor, weight: Tensor, bias: Tensor) -> Scores:
        """Cross-entropy and top-1 hits of targets [N] (ids below `learnt` or IGNORE) given
        x [N, E], computing only the head and, per token, its own cluster.

        The top-1 guess is exact without scoring every word: a cluster whose total
        probability is below the best head word's cannot hold a better word, so only the
        clusters above it are opened, and only for the rows where that happens.
        """
        keep = targets != IGNORE
        if not bool(keep.all()):
            x, targets = x[keep], targets[keep]
        n = targets.shape[0]
        if n == 0:
            return Scores(x.sum() * 0.0, 0, 0)
        head = F.log_softmax(self.head_logits(x, weight, bias), dim=-1)
        in_head = targets < self.head_size
        picked = head.gather(1, targets.clamp(max=self.head_size - 1)[:, None])[:, 0]
        logp = torch.where(in_head, picked, torch.zeros_like(picked))
        for k in range(self.clusters):
            lo, hi = self.cutoffs[k], self.cutoffs[k + 1]
            rows = torch.nonzero((targets >= lo) & (targets < hi))[:, 0]
            if rows.numel() == 0:
                continue
            inner = self.cluster_log_prob(x[rows], weight, bias, k)
            word = inner.gather(1, (targets[rows] - lo)[:, None])[:, 0]
            logp = logp.index_put((rows,), head[rows, self.head_size + k] + word)
        correct = self._hits(x.detach(), head.detach(), targets, weight.detach(), bias.detach())
        return Scores(-logp.sum(), correct, n)

    def target_log_prob(self, x: Tensor, targets: Tensor, weight: Tensor,
                        bias: Tensor) -> Tensor:
        """log P(target) for x [N, E] and targets [N] of the whole (expanded) vocabulary, rare
        words included, without scoring every word: what `log_prob(x)[n, targets[n]]` is."""
        head = F.log_softmax(self.head_logits(x, weight, bias), dim=-1)
        unk = head[:, 0]
        out = head.gather(1, targets.clamp(max=self.head_size - 1)[:, None])[:, 0]
        out = torch.where(targets == 0, unk + self.unk_log_share, out)
        for k in range(self.clusters):
            lo, hi = self.cutoffs[k], self.cutoffs[k + 1]
            rows = torch.nonzero((targets >= lo) & (targets < hi))[:, 0]
            if rows.numel():
                inner = self.cluster_log_prob(x[rows], weight, bias, k)
                word = inner.gather(1, (targets[rows] - lo)[:, None])[:, 0]
                out = out.index_put((rows,), head[rows, self.head_size + k] + word)
        rare = targets >= self.learnt
        if bool(rare.any()):
            share = self.rare_log_share[(targets[rare] - self.learnt)]
            out = out.index_put((torch.nonzero(rare)[:, 0],), unk[rare] + share)
        return out

    @torch.no_grad()
    def _hits(self, x: Tensor, head: Tensor, targets: Tensor, weight: Tensor,
              bias: Tensor) -> int:
        best_p, best = head[:, : self.head_size].max(dim=-1)
        for k in range(self.clusters):
            rows = torch.nonzero(head[:, self.head_size + k] > best_p)[:, 0]
            if rows.numel() == 0:
                continue
            inner = head[rows, self.head_size + k, None] + self.cluster_log_prob(
                x[rows], weight, bias, k)
            p, arg = inner.max(dim=-1)
            better = p > best_p[rows]
            best_p[rows] = torch.where(better, p, best_p[rows])
            best[rows] = torch.where(better, arg + self.cutoffs[k], best[rows])
        return int((best == targets).sum())


def score_width(model: nn.Module) -> int:
    """The widest row of scores a model computes at once when it scores targets: the whole
    vocabulary for the plain softmax, the head or the largest cluster for the adaptive one."""
    adaptive = getattr(model, "adaptive", None)
    if adaptive is None:
        return int(model.config.vocab_size)
    sizes = [hi - lo for lo, hi in zip(adaptive.cutoffs, adaptive.cutoffs[1:], strict=False)]
    return max(adaptive.head_size + adaptive.clusters, *sizes)
