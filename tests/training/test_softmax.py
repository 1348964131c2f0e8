"""The adaptive softmax: a real distribution over every word, trained cheaply, exported whole."""

import math

import numpy as np
import pytest
import torch

from editor.core.lm import LanguageModel as EditorModel
from training.after_training import expand_vocabulary
from training.config import ModelConfig
from training.data import IGNORE, Vocabulary
from training.export import export_model, random_vocab
from training.model import ExportableLSTM, LanguageModel
from training.softmax import choose_cutoffs, resolve_cutoffs
from training.studies.ensemble import merge_models

V = 90
CUTOFFS = (10, 40, V)  # a head of 10 entries, clusters [10, 40) and [40, 90)


def lively(config: ModelConfig, seed: int = 0) -> LanguageModel:
    torch.manual_seed(seed)
    model = LanguageModel(config).eval()
    with torch.no_grad():  # the init has zero biases and cluster vectors: make them matter
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.5)
    return model


@pytest.fixture
def model() -> LanguageModel:
    return lively(ModelConfig(vocab_size=V, embedding=12, hidden=16, tie=True, cutoffs=CUTOFFS))


def test_auto_keeps_the_plain_softmax_for_small_vocabularies():
    # The poem (24 entries) and fortunes-br (about 4 000 learnt entries) train as before.
    assert resolve_cutoffs("auto", 24) == ()
    assert resolve_cutoffs("auto", 4000) == ()
    assert resolve_cutoffs("full", 20000) == ()
    assert resolve_cutoffs("auto", 20000) == (1000, 5000, 20000)
    assert resolve_cutoffs("adaptive", 4000) == (1000, 4000)
    assert choose_cutoffs(8922)[-1] == 8922


def test_log_probs_are_a_distribution_over_every_word(model):
    tokens = torch.randint(0, V, (3, 7))
    with torch.no_grad():
        logp, _ = model(tokens)
    assert logp.shape == (3, 7, V)
    torch.testing.assert_close(logp.exp().sum(-1), torch.ones(3, 7), atol=1e-5, rtol=0)


def test_training_scores_match_the_full_distribution(model):
    """Loss and top-1 hits computed the cheap way (head + the target's cluster) equal what
    the whole distribution gives: what training optimises is what the editor will see."""
    gen = torch.Generator().manual_seed(3)
    tokens = torch.randint(0, V, (4, 9), generator=gen)
    targets = torch.randint(0, V, (4, 9), generator=gen)
    targets[0, :3] = IGNORE
    with torch.no_grad():
        logp, _ = model(tokens)
        scores, _ = model(tokens, None, targets)
        best = logp.argmax(-1)
        scores_best, _ = model(tokens, None, best)  # every guess right
    flat, y = logp.reshape(-1, V), targets.reshape(-1)
    keep = y != IGNORE
    want = -flat[keep].gather(1, y[keep, None]).sum()
    assert scores.count == int(keep.sum())
    assert float(scores.loss_sum) == pytest.approx(float(want), rel=1e-5)
    assert scores.correct == int((flat.argmax(-1) == y)[keep].sum())
    assert scores_best.correct == scores_best.count == 36


def test_gradients_flow_to_the_words_and_the_clusters(model):
    model.train()
    tokens = torch.randint(0, V, (2, 5))
    targets = torch.tensor([[1, 15, 60, 3, 89], [45, 2, 30, 11, 70]])
    scores, _ = model(tokens, None, targets)
    scores.loss_sum.backward()
    assert model.adaptive.cluster_weight.grad.abs().sum() > 0
    rows = model.decoder.weight.grad.abs().sum(-1)
    assert rows[60] > 0 and rows[89] > 0  # cluster words that were targets


def test_rare_words_share_unk_probability_after_expansion(model):
    tokens = random_vocab(V + 5)
    vocab = Vocabulary(tokens, tokens, [0] * len(tokens))
    shares = np.array([0.1, 0.2, 0.05, 0.05, 0.1])
    big = expand_vocabulary(model, vocab, (shares, 0.5))
    x = torch.randint(0, V, (2, 6))
    with torch.no_grad():
        small_logp, _ = model(x)
        big_logp, _ = big(x)
    torch.testing.assert_close(big_logp[..., 1:V], small_logp[..., 1:])
    torch.testing.assert_close(big_logp[..., 0], small_logp[..., 0] + math.log(0.5))
    torch.testing.assert_close(big_logp[..., V:], small_logp[..., :1] + torch.log(
        torch.tensor(shares, dtype=torch.float32)))
    torch.testing.assert_close(big_logp.exp().sum(-1), torch.ones(2, 6), atol=1e-5, rtol=0)


def test_exported_adaptive_model_keeps_the_model_file_contract(model, tmp_path):
    """The file has the usual `logits` over the whole vocabulary (here the log-probabilities,
    which softmax turns into the same probabilities), passes the onnxruntime parity check and
    loads in the editor."""
    tokens = random_vocab(V + 3)
    big = expand_vocabulary(model, Vocabulary(tokens, tokens, [0] * len(tokens)),
                            (np.array([0.2, 0.2, 0.1]), 0.5))
    path = tmp_path / "adaptive.onnx"
    report = export_model(big, path, vocab=tokens, surface=tokens, training={}, check=True)
    assert report.max_diff < 1e-4
    editor = EditorModel.load(path)
    ids = [1, 5, 17, 63]
    h, c = editor.zero_state()
    out = editor.run(ids, h, c)
    with torch.no_grad():
        want = torch.softmax(ExportableLSTM(big)(torch.tensor([ids]), torch.zeros(1, 1, 16),
                                                 torch.zeros(1, 1, 16))[0][0], -1).numpy()
    e = np.exp(out.logits - out.logits.max(-1, keepdims=True))
    np.testing.assert_allclose(e / e.sum(-1, keepdims=True), want, atol=1e-5)


def test_ensemble_of_adaptive_members_averages_head_and_clusters():
    config = ModelConfig(vocab_size=V, embedding=8, hidden=8, tie=True, cutoffs=CUTOFFS)
    members = [lively(config, seed) for seed in (1, 2)]
    merged = merge_models(members)
    x = torch.randn(5, 8)
    with torch.no_grad():
        heads = [m.adaptive.head_logits(m.proj(x) if m.proj else x, m.decoder.weight,
                                        m.decoder.bias) for m in members]
        cat = torch.cat([x, x], -1)
        got = merged.adaptive.head_logits(cat, merged.decoder.weight, merged.decoder.bias)
    torch.testing.assert_close(got, torch.stack(heads).mean(0), atol=1e-5, rtol=0)


@pytest.mark.parametrize("expanded", [False, True])
def test_target_log_probs_are_the_distribution_at_the_targets(model, expanded):
    """The trigram's mixing weight is fitted on P(target) alone: the cheap path must give
    exactly the whole distribution's entries, rare words and <unk> included."""
    if expanded:
        tokens = random_vocab(V + 4)
        model = expand_vocabulary(model, Vocabulary(tokens, tokens, [0] * len(tokens)),
                                  (np.array([0.1, 0.2, 0.1, 0.1]), 0.5))
    size = model.config.vocab_size
    gen = torch.Generator().manual_seed(5)
    x = torch.randint(0, V, (2, 11), generator=gen)
    y = torch.randint(0, size, (2, 11), generator=gen)
    y[0, 0], y[1, 0] = 0, size - 1  # <unk> and the last (maybe rare) entry
    state = model.zero_state(2)
    with torch.no_grad():
        full, _ = model(x, state)
        got, _ = model.target_log_probs(x, state, y)
    torch.testing.assert_close(got, full.gather(-1, y[..., None])[..., 0], atol=1e-5, rtol=0)
