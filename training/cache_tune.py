"""θ and λ of the editor's neural cache, tuned on the validation split after training.

The editor mixes P = (1 − λ)·P_model + λ·P_cache with P_cache(w) ∝ Σ exp(θ·h_t·h_i) over the
earlier positions i of the document followed by w (editor/core/neural_cache.py; Grave, Joulin &
Usunier 2017). As in the paper, θ and λ are the pair that gives the validation text the lowest
loss: every validation document is read from its start, each position's cache holds the states
of the positions before it in that document (at most the editor's cap), and the grid below is
searched, with the ramp the editor applies (λ reached once the cache holds `ramp` entries
before the cursor, CacheParams.weight_at) searched with them. With documents held out whole, all their tokens are scored; with tails held out
(few, long documents), the tail of each document is scored with the whole text before it in
the cache, as a writer continuing that document would have it.

P_model is what the editor mixes the cache into: the LSTM, with the model file's trigram when
it has one (counted on the training split here). Tokens outside the vocabulary are the token
`<unk>` for both the model and the cache (the cache's unknown words add up to `<unk>`), as
perplexity is measured everywhere else. The values go into the model file's metadata (`neural_cache`,
docs/MODEL_FORMAT.md); a corpus without a validation split gets none, and the editor uses
its defaults.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from editor.core.neural_cache import DEFAULT_SIZE, METADATA_KEY, CacheParams

if TYPE_CHECKING:
    from editor.core.modelfile import NgramModel
    from training.config import TrainConfig
    from training.corpus import Corpus
    from training.model import LanguageModel

THETAS = (0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0)
# Plain floats: the values reach checkpoints, which refuse numpy scalars when loaded.
LAMBDAS = tuple(round(float(x), 2) for x in np.arange(0.0, 0.51, 0.02))
# Entries at which the cache's weight reaches λ (CacheParams.weight_at); 0: full weight at once.
RAMPS = (0, 50, 100, 200, 400, 800)
MAX_SCORED = 40_000  # positions scored at most (evenly spread): bounds the time on big corpora
ROWS = 512  # query positions per block of the similarity matrix


def validation_documents(corpus: Corpus, config: TrainConfig) -> list[tuple[list[int], int]]:
    """Each validation document as `[<doc>] + ids` over the export vocabulary, with the index
    of its first scored token. The same documents (or tails) `split_corpus` holds out."""
    fraction = config.effective_val_fraction(corpus.tokens)
    if fraction <= 0:
        return []
    docs = corpus.store.document_ids(corpus.export_vocab)
    if len(docs) >= 20:  # split_corpus's rule: every k-th document, whole
        every = max(2, round(1 / fraction))
        return [(d, 0) for k, d in enumerate(docs) if k % every == every - 1 and len(d) > 1]
    out = []
    for d in docs:
        n = len(d) - 1
        out.append((d, n - max(1, round(n * fraction))))
    return [x for x in out if len(x[0]) > 1]


@torch.no_grad()
def states_and_probs(model: LanguageModel, ids: list[int], chunk: int = 1024
                     ) -> tuple[np.ndarray, np.ndarray]:
    """For `[<doc>] + tokens`: the top layer's state after each input but the last [n, H], and
    the model's probability of each token [n]."""
    model.eval()
    state = model.zero_state(1)
    feed = torch.tensor(ids[:-1])[None]
    targets = torch.tensor(ids[1:])
    hs, ps = [], []
    for a in range(0, feed.shape[1], chunk):
        out, state = model.recur(model.embed(feed[:, a : a + chunk]), state)
        logp = torch.log_softmax(model.head(out[0]).double(), -1)
        hs.append(out[0].float().numpy())
        ps.append(logp[torch.arange(out.shape[1]), targets[a : a + chunk]].exp().numpy())
    return np.concatenate(hs), np.concatenate(ps)


def cache_probs(h: np.ndarray, targets: np.ndarray, rows: np.ndarray,
                thetas: Sequence[float], size: int = DEFAULT_SIZE) -> np.ndarray:
    """P_cache(targets[i] | h[i]) for each i in `rows` and each θ [len(thetas), len(rows)], from
    the entries (h[j], targets[j]) with i − size ≤ j < i; NaN where there is no entry."""
    out = np.full((len(thetas), len(rows)), np.nan)
    for b in range(0, len(rows), ROWS):
        ii = rows[b : b + ROWS]
        lo, hi = max(0, int(ii[0]) - size), int(ii[-1])
        if hi <= lo:
            continue
        jj = np.arange(lo, hi)
        sim = (h[ii] @ h[lo:hi].T).astype(np.float64)  # [rows, entries]
        valid = (jj[None, :] < ii[:, None]) & (jj[None, :] >= ii[:, None] - size)
        same = valid & (targets[lo:hi][None, :] == targets[ii][:, None])
        has = valid.any(axis=1)
        for k, theta in enumerate(thetas):
            z = np.where(valid, theta * sim, -np.inf)
            z -= np.where(has, z.max(axis=1), 0.0)[:, None]
            e = np.exp(z)
            den = e.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[k, b : b + len(ii)] = np.where(has, (e * same).sum(axis=1) / den, np.nan)
    return out


def onnx_states(path: str | Path) -> Callable[[list[int]], tuple[np.ndarray, np.ndarray]]:
    """`states_and_probs` for an exported model file, run by onnxruntime (re-tuning a file)."""
    from editor.core.lm import LanguageModel as OnnxModel

    lm = OnnxModel.load(path)

    def states(ids: list[int], chunk: int = 1024) -> tuple[np.ndarray, np.ndarray]:
        h, c = lm.zero_state()
        hs, ps = [], []
        for a in range(0, len(ids) - 1, chunk):
            out = lm.run(ids[a : min(a + chunk, len(ids) - 1)], h, c)
            h, c = out.h, out.c
            z = out.logits.astype(np.float64)
            z -= z.max(axis=1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            targets = ids[a + 1 : a + 1 + len(z)]
            hs.append(out.h_seq[:, -1])
            ps.append(np.exp(logp[np.arange(len(z)), targets]))
        return np.concatenate(hs), np.concatenate(ps)

    return states


def tune_cache(model: LanguageModel, corpus: Corpus, config: TrainConfig,
               ngram: NgramModel | None = None, size: int = DEFAULT_SIZE
               ) -> tuple[CacheParams | None, dict[str, float]]:
    """The (θ, λ) with the lowest validation loss, and facts for the model's metadata; None
    when the corpus has no validation split.

    With the model file's trigram (`ngram`, its weight β), the cache is tuned on top of what
    the editor mixes: β·P_lstm + (1 − β)·P_kn, the trigram counted on the training split only
    (as its own β was fitted), so the validation text stays unseen."""
    return _tune(lambda ids: states_and_probs(model, ids), corpus, config,
                 None if ngram is None else ngram.weight, size)


def tune_file(path: str | Path, corpus: Corpus, config: TrainConfig, size: int = DEFAULT_SIZE
              ) -> tuple[CacheParams | None, dict[str, float]]:
    """`tune_cache` for a model file already exported (run by onnxruntime), with the corpus it
    was trained on: what `train` would have stored. The file's vocabulary must be the corpus'."""
    from editor.core.lm import LanguageModel as OnnxModel
    from editor.core.modelfile import NgramModel

    lm = OnnxModel.load(path)
    if lm.info.vocab != corpus.export_vocab.tokens:
        raise ValueError(f"{Path(path).name} was not trained on this corpus with these settings")
    ngram = NgramModel.from_model(lm)
    return _tune(onnx_states(path), corpus, config, None if ngram is None else ngram.weight,
                 size)


def _tune(lstm: Callable[[list[int]], tuple[np.ndarray, np.ndarray]], corpus: Corpus,
          config: TrainConfig, beta: float | None, size: int
          ) -> tuple[CacheParams | None, dict[str, float]]:
    docs = validation_documents(corpus, config)
    if not docs:
        return None, {}
    kn = _training_split_trigram(corpus, config) if beta is not None else None

    def states(ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        h, p = lstm(ids)
        if kn is None or beta is None:
            return h, p
        p_kn = np.array([kn.next_distribution(ids[max(0, i - 1) : i + 1])[ids[i + 1]]
                         for i in range(len(ids) - 1)])
        return h, beta * p + (1 - beta) * p_kn

    return tune_documents(states, docs, size)


def _training_split_trigram(corpus: Corpus, config: TrainConfig) -> NgramModel:
    from training.after_training import documents_of
    from training.data import split_corpus
    from training.kneser_ney import estimate

    vocab = corpus.export_vocab
    # The same split fit_ngram counts its β's trigram on.
    split = split_corpus(corpus.store.document_ids(vocab),
                         config.effective_val_fraction(corpus.tokens))
    return estimate(len(vocab), documents_of(split.train, vocab.doc_id), doc_id=vocab.doc_id)


def tune_documents(states: Callable[[list[int]], tuple[np.ndarray, np.ndarray]],
                   docs: Sequence[tuple[list[int], int]], size: int = DEFAULT_SIZE
                   ) -> tuple[CacheParams | None, dict[str, float]]:
    """The grid search over `docs` (`[<doc>] + ids`, first scored token), with `states`
    giving each document's top-layer states and the model's probability of each token."""
    if not docs:
        return None, {}
    scored = sum(len(d) - 1 - first for d, first in docs)
    keep_every = max(1, math.ceil(scored / MAX_SCORED))
    p_model, p_cache, entries = [], [], []
    seen = 0
    for ids, first in docs:
        h, p = states(ids)
        targets = np.asarray(ids[1:])
        rows = np.arange(first, len(targets))
        # Every keep_every-th scored position across the whole validation text.
        rows = rows[(rows - first + seen) % keep_every == 0]
        seen += len(targets) - first
        if len(rows) == 0:
            continue
        p_model.append(p[rows])
        p_cache.append(cache_probs(h, targets, rows, THETAS, size))
        entries.append(np.minimum(rows, size))  # what the editor's cache holds before each
    pm = np.concatenate(p_model)
    pc = np.concatenate(p_cache, axis=1)
    n = np.concatenate(entries).astype(np.float64)
    pc = np.nan_to_num(pc)  # no entry: the ramp gives the cache no weight there
    base = float(-np.log(np.maximum(pm, 1e-300)).mean())
    best = (base, 0.0, THETAS[0], 0)
    for ramp in RAMPS:
        share = np.minimum(1.0, n / ramp) if ramp else (n > 0).astype(np.float64)
        for k, theta in enumerate(THETAS):
            for lam in LAMBDAS[1:]:
                w = lam * share
                mixed = (1 - w) * pm + w * pc[k]
                loss = float(-np.log(np.maximum(mixed, 1e-300)).mean())
                if loss < best[0]:
                    best = (loss, lam, theta, ramp)
    loss, lam, theta, ramp = best
    lam, theta = float(lam), float(theta)
    facts = {
        "cache_theta": theta,
        "cache_lambda": lam,
        "cache_ramp": int(ramp),
        "val_perplexity_before_cache": round(math.exp(base), 4),
        "val_perplexity_cache": round(math.exp(loss), 4),
        "cache_scored_tokens": int(len(pm)),
    }
    return CacheParams(theta=theta, weight=lam, size=size, tuned=True, ramp=int(ramp)), facts


def attach_cache(path: str | Path, params: CacheParams) -> None:
    """Store θ and λ in an exported model file (metadata `neural_cache`), atomically."""
    import onnx

    from training.checkpoint import atomic_write

    proto = onnx.load(str(path))
    for entry in list(proto.metadata_props):
        if entry.key == METADATA_KEY:
            proto.metadata_props.remove(entry)
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, params.to_text()
    blob = proto.SerializeToString()
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(blob))


def retune(path: str | Path, corpus_paths: Sequence[str | Path]) -> tuple[
        CacheParams | None, dict[str, float]]:
    """Tune a model file on the corpus it was trained on, with the settings its metadata
    records (for files trained before the cache existed, or to check a file's values)."""
    import json

    from training.config import TrainConfig
    from training.corpus import load_corpus

    meta = session_metadata(path)
    hyper = json.loads(meta.get("training", "{}")).get("hyperparameters", {})
    config = TrainConfig.from_dict(hyper)
    corpus = load_corpus(corpus_paths, config)
    return tune_file(path, corpus, config)


def session_metadata(path: str | Path) -> dict[str, str]:
    from editor.core.lm import LanguageModel as OnnxModel

    return dict(OnnxModel.load(path).session.get_modelmeta().custom_metadata_map)


def main(argv: Sequence[str] | None = None) -> int:
    """python -m training.cache_tune MODEL CORPUS... [--write]: tune θ and λ for a model file."""
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m training.cache_tune",
                                     description=main.__doc__)
    parser.add_argument("model")
    parser.add_argument("corpus", nargs="+", help="the files the model was trained on")
    parser.add_argument("--write", action="store_true", help="store the values in the file")
    args = parser.parse_args(argv)
    params, facts = retune(args.model, args.corpus)
    print(json.dumps(facts))
    if params is None:
        print("no validation split for this corpus: nothing to tune")
        return 1
    if args.write:
        attach_cache(args.model, params)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
