"""The steps after the network is trained: the rare words put back into its vocabulary and the
Kneser-Ney trigram fitted, with the weight it gets against the LSTM.

Both read the corpus again, a block of scores at a time (training/scoring.py's SCORE_BLOCK), so
their memory does not grow with the text.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

import numpy as np
import torch

from editor.core.modelfile import NgramModel
from training.config import TrainConfig
from training.corpus import Corpus
from training.data import IGNORE, Stream, Vocabulary, split_corpus
from training.model import LanguageModel
from training.scoring import block_steps
from training.softmax import score_width


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
