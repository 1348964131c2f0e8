"""Tuning the neural cache's θ and λ on validation text, and storing them in the model file."""

import json
import math
import random

import numpy as np
import pytest
import torch

from editor.core.neural_cache import METADATA_KEY, CacheParams
from editor.core.tokenizer import tokenize
from training.cache_tune import cache_probs, tune_cache, tune_documents, validation_documents
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


def test_the_ramp_is_tuned_with_theta_and_lambda():
    # The editor ramps λ with the entries before the cursor (CacheParams.weight_at): tuning
    # must score that same mixture. Here the cache is noise for the first 40 positions of each
    # document and right afterwards, so a ramp beats full weight at once.
    rng = np.random.default_rng(3)
    docs, hs, ps = [], {}, {}
    for d in range(6):
        n = 400
        ids = [0] + [int(x) for x in rng.integers(1, 50, n)]
        h = rng.normal(size=(n, 4)).astype(np.float32)
        p = np.full(n, 0.02)
        targets = np.asarray(ids[1:])
        for i in range(40, n):  # later on, the state recalls an earlier place with the same word
            j = int(rng.integers(0, i))
            targets[i] = targets[j]
            h[i] = 3 * h[j]
        ids = [0] + targets.tolist()
        docs.append((ids, 0))
        hs[d], ps[d] = h, p
    order = iter(range(6))

    def states(ids):
        d = next(order)
        return hs[d], ps[d]

    params, facts = tune_documents(states, docs)
    assert params is not None and params.weight > 0 and params.ramp > 0
    assert facts["cache_ramp"] == params.ramp


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
    assert stored["ramp"] == training["cache_ramp"]  # the ramp tuned with them is stored too
    params = CacheParams.from_metadata(meta)
    assert params.tuned and (params.theta, params.weight, params.ramp) == (
        stored["theta"], stored["lambda"], stored["ramp"])
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


def test_tuning_a_model_file_sees_what_tuning_after_training_sees(tmp_path):
    # `python -m training.cache_tune` must store what `train` would have: the same LSTM (run by
    # onnxruntime) mixed with the file's trigram, that trigram re-counted on the training
    # split only, so the validation text is unseen as it was at training time.
    from training.after_training import fit_ngram
    from training.cache_tune import retune, tune_file
    from training.export import export_model
    from training.kneser_ney import attach

    torch.manual_seed(3)
    rng = random.Random(4)
    common = "o a de que e pedra caminho meio tinha uma vida".split()
    texts = [" ".join(rng.choice(common + [f"nome{k}"] * 4) for _ in range(80)) + "."
             for k in range(24)]
    paths = []
    for k, t in enumerate(texts):
        paths.append(tmp_path / f"d{k:03d}.txt")
        paths[-1].write_text(t, encoding="utf-8")
    config = TrainConfig(val_fraction=0.25)
    corpus = load_corpus(paths, config)
    vocab = corpus.export_vocab
    model = LanguageModel(ModelConfig(vocab_size=len(vocab), embedding=8, hidden=16)).eval()
    ngram, _ = fit_ngram(model, corpus, config)
    assert 0 < ngram.weight < 1  # a mix, so the trigram really is part of what is tuned
    with_trigram = tune_cache(model, corpus, config, ngram)
    lstm_alone = tune_cache(model, corpus, config)
    # On top of the trigram the uncached perplexity is the mix's, not the LSTM's.
    assert (with_trigram[1]["val_perplexity_before_cache"]
            != pytest.approx(lstm_alone[1]["val_perplexity_before_cache"], rel=1e-3))
    path = tmp_path / "m.onnx"
    export_model(model, path, vocab=vocab.tokens, surface=vocab.surface,
                 training={"hyperparameters": config.to_dict()}, check=False)
    attach(path, ngram)
    params, facts = tune_file(path, corpus, config)
    assert (params.theta, params.weight) == (with_trigram[0].theta, with_trigram[0].weight)
    for key in ("val_perplexity_before_cache", "val_perplexity_cache"):
        assert facts[key] == pytest.approx(with_trigram[1][key], rel=1e-4)
    # From the file alone: the settings come from its metadata, the corpus from the paths.
    again, _ = retune(path, paths)
    assert (again.theta, again.weight) == (params.theta, params.weight)
    # A corpus the file was not trained on is refused in plain words, not tuned.
    other = tmp_path / "other.txt"
    other.write_text("palavras que o modelo nunca viu " * 30, encoding="utf-8")
    with pytest.raises(ValueError, match="not trained on this corpus"):
        tune_file(path, load_corpus([other], config), config)


@pytest.mark.slow
def test_export_of_an_ensemble_checkpoint_tunes_the_cache_as_train_does(cli, tmp_path):
    # `caminho-train export --corpus` of a finished ensemble used to fit the trigram but leave
    # θ and λ out: the exported file fell back on the editor's defaults.
    rng = random.Random(6)
    words = "o a de que e pedra caminho meio tinha uma vida retinas".split()
    docs = [" ".join(rng.choice(words + [f"nome{k}"] * 3) for _ in range(60)) + "."
            for k in range(40)]
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n%\n".join(docs) + "\n", encoding="utf-8")
    trained, ckpt = tmp_path / "t.onnx", tmp_path / "t.ckpt"
    result = cli(corpus, "--doc-separator", "%", "--out", trained, "--checkpoint",
                 ckpt, "--ensemble", "2", "--embedding", "8", "--hidden", "16", "--epochs", "1",
                 "--quiet", "--no-check", module="training.studies.ensemble")
    assert result.returncode == 0, result.stderr
    exported = tmp_path / "e.onnx"
    result = cli("export", ckpt, "--out", exported, "--corpus", corpus,
                 "--no-check")
    assert result.returncode == 0, result.stderr
    meta_t = dict(session(trained).get_modelmeta().custom_metadata_map)
    meta_e = dict(session(exported).get_modelmeta().custom_metadata_map)
    assert METADATA_KEY in meta_e
    assert json.loads(meta_e[METADATA_KEY]) == json.loads(meta_t[METADATA_KEY])
