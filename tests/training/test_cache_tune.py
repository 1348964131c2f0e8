"""Tuning the neural cache's θ and λ on validation text, and storing them in the model file."""

import json
import math
import random

import numpy as np
import pytest
import torch

from editor.core.neural_cache import METADATA_KEY, CacheParams
from editor.core.tokenizer import tokenize
from training.cache_tune import cache_probs, tune_cache, validation_documents
from training.config import ModelConfig, TrainConfig
from training.corpus import load_corpus
from training.data import Document
from training.export import session
from training.model import LanguageModel


def test_cache_probabilities_match_the_formula():
    rng = np.random.default_rng(0)
    h = rng.normal(size=(30, 4)).astype(np.float32)
    targets = rng.integers(0, 5, size=30)
    rows = np.arange(0, 30)
    got = cache_probs(h, targets, rows, (0.5, 2.0), size=7)
    for k, theta in enumerate((0.5, 2.0)):
        for i in rows:
            entries = range(max(0, i - 7), i)
            if not entries:
                assert math.isnan(got[k, i])
                continue
            w = {j: math.exp(theta * float(h[i] @ h[j])) for j in entries}
            want = sum(v for j, v in w.items() if targets[j] == targets[i]) / sum(w.values())
            assert got[k, i] == pytest.approx(want, rel=1e-6, abs=1e-12)


def corpus_of(texts, tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, t in enumerate(texts):
        p = tmp_path / f"d{k:03d}.txt"
        p.write_text(t, encoding="utf-8")
        paths.append(p)
    config = TrainConfig(val_fraction=0.25)
    return load_corpus(paths, config), config


def test_tuning_turns_the_cache_on_only_where_documents_repeat_themselves(tmp_path):
    torch.manual_seed(0)
    rng = random.Random(1)
    common = "o a de que e pedra caminho meio tinha uma vida".split()
    # Each document keeps coming back to its own few words: what a cache is for.
    repeating = []
    for k in range(24):
        own = [f"nome{k}x{j}" for j in range(3)]
        repeating.append(" ".join(rng.choice(common + own * 4) for _ in range(120)) + ".")
    corpus, config = corpus_of(repeating, tmp_path / "r")
    model = LanguageModel(ModelConfig(vocab_size=len(corpus.export_vocab), embedding=8,
                                      hidden=16)).eval()
    params, facts = tune_cache(model, corpus, config)
    assert params is not None and params.tuned and params.weight > 0.1
    assert facts["val_perplexity_cache"] < 0.9 * facts["val_perplexity_before_cache"]
    # Documents that never repeat a token: the cache can only hurt, so λ = 0.
    fresh = [" ".join(f"w{k}y{j}" for j in range(80)) for k in range(24)]
    corpus, config = corpus_of(fresh, tmp_path / "f")
    model = LanguageModel(ModelConfig(vocab_size=len(corpus.export_vocab), embedding=8,
                                      hidden=16)).eval()
    params, facts = tune_cache(model, corpus, config)
    assert params.weight == 0.0
    assert facts["val_perplexity_cache"] == facts["val_perplexity_before_cache"]


def test_validation_documents_are_the_held_out_ones(tmp_path):
    texts = [f"documento {k} tem texto." for k in range(40)]
    corpus, config = corpus_of(texts, tmp_path)
    docs = validation_documents(corpus, config)
    # split_corpus holds out every 4th document at 25%: documents 3, 7, 11...
    assert len(docs) == 10 and all(first == 0 for _, first in docs)
    vocab = corpus.export_vocab
    assert docs[0][0] == [vocab.doc_id] + vocab.encode([t.norm for t in tokenize(texts[3])])
    # A corpus of few documents holds out each one's tail: scored from there, read from the start.
    few, config = corpus_of(["um dois três quatro cinco seis sete oito nove dez"] * 3,
                            tmp_path / "few")
    tails = validation_documents(few, config)
    assert [first for _, first in tails] == [8, 8, 8]  # 10 tokens: the last 25% ≈ 2


def test_no_validation_split_no_tuning(tmp_path):
    corpus = load_corpus([], TrainConfig(val_fraction=0.0),
                         documents=[Document("d", tokenize("um dois três " * 20))])
    model = LanguageModel(ModelConfig(vocab_size=len(corpus.export_vocab), embedding=8,
                                      hidden=16))
    assert tune_cache(model, corpus, TrainConfig(val_fraction=0.0)) == (None, {})


@pytest.mark.slow
def test_train_stores_theta_and_lambda_that_the_editor_reads(cli, tmp_path):
    rng = random.Random(5)
    words = "o a de que e pedra caminho meio tinha uma vida retinas".split()
    docs = [" ".join(rng.choice(words + [f"nome{k}"] * 3) for _ in range(60)) + "."
            for k in range(40)]
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n%\n".join(docs) + "\n", encoding="utf-8")
    out = tmp_path / "m.onnx"
    result = cli("train", corpus, "--doc-separator", "%", "--out", out, "--embedding", "8",
                 "--hidden", "16", "--epochs", "2", "--quiet", "--no-check")
    assert result.returncode == 0, result.stderr
    meta = dict(session(out).get_modelmeta().custom_metadata_map)
    stored = json.loads(meta[METADATA_KEY])
    training = json.loads(meta["training"])["metrics"]
    assert stored["theta"] == training["cache_theta"]
    assert stored["lambda"] == training["cache_lambda"]
    params = CacheParams.from_metadata(meta)
    assert params.tuned and (params.theta, params.weight) == (stored["theta"], stored["lambda"])
    # The editor's engine picks them up.
    from editor.core.lm import LanguageModel as EditorModel
    from editor.core.suggest import Suggester

    assert Suggester(EditorModel.load(out)).cache_params == params


def test_a_model_file_gives_the_states_the_network_does(tmp_path):
    # Re-tuning an exported file must see the same numbers as tuning right after training.
    from training.cache_tune import onnx_states, states_and_probs
    from training.export import export_model

    torch.manual_seed(2)
    vocab = ["<unk>", "<doc>"] + [f"w{k}" for k in range(30)]
    model = LanguageModel(ModelConfig(vocab_size=len(vocab), embedding=8, hidden=16)).eval()
    path = tmp_path / "m.onnx"
    export_model(model, path, vocab=vocab, training={}, check=False)
    ids = [1] + [2 + (k * 7) % 30 for k in range(50)]
    h1, p1 = states_and_probs(model, ids, chunk=16)
    h2, p2 = onnx_states(path)(ids, chunk=13)
    assert h1.shape == h2.shape == (50, 16)
    assert np.allclose(h1, h2, atol=1e-5) and np.allclose(p1, p2, rtol=1e-4)
