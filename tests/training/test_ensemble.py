"""Merging K LSTMs into one: the merged network gives exactly the mean of the members' logits."""

import pytest
import torch

from training.model import LanguageModel, ModelConfig
from training.studies.ensemble import merge_models


def members(config: ModelConfig, k: int) -> list[LanguageModel]:
    models = []
    for seed in range(k):
        torch.manual_seed(seed)
        model = LanguageModel(config).eval()
        with torch.no_grad():  # livelier than the init, so every block matters
            for p in model.parameters():
                p.add_(torch.randn_like(p) * 0.3)
        models.append(model)
    return models


@pytest.mark.parametrize("config", [
    ModelConfig(vocab_size=30, embedding=8, hidden=8, tie=True),
    ModelConfig(vocab_size=30, embedding=6, hidden=10, tie=True, layers=2),  # projected
    ModelConfig(vocab_size=30, embedding=6, hidden=10, layers=2),  # untied
    # A GRU has three weight bands, an RNN one (issue 19): the merge must not assume four.
    ModelConfig(vocab_size=30, embedding=6, hidden=10, layers=2, cell="gru"),
    ModelConfig(vocab_size=30, embedding=8, hidden=8, tie=True, cell="rnn"),
])
@pytest.mark.parametrize("k", [2, 3])
def test_merged_logits_are_the_mean_of_the_members(config, k):
    models = members(config, k)
    merged = merge_models(models)
    assert merged.config.hidden == k * config.hidden
    assert merged.config.embedding == k * config.embedding
    tokens = torch.randint(0, config.vocab_size, (2, 9), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        want = torch.stack([m(tokens)[0] for m in models]).mean(0)
        got, (h, c) = merged(tokens)
        # The state is the members' states side by side: the editor can carry it as one.
        states = [m(tokens)[1] for m in models]
    torch.testing.assert_close(got, want, atol=1e-5, rtol=0)
    torch.testing.assert_close(h, torch.cat([s[0] for s in states], dim=-1), atol=1e-6, rtol=0)
    torch.testing.assert_close(c, torch.cat([s[1] for s in states], dim=-1), atol=1e-6, rtol=0)


def test_merge_needs_the_same_settings():
    a = LanguageModel(ModelConfig(vocab_size=30, embedding=8, hidden=8))
    b = LanguageModel(ModelConfig(vocab_size=30, embedding=8, hidden=12))
    with pytest.raises(ValueError):
        merge_models([a, b])
    with pytest.raises(ValueError):
        merge_models([])
    assert merge_models([a]) is a


def fortunes(tmp_path):
    """A corpus of 60 short documents between `%` lines: big enough for a validation split."""
    import random

    rng = random.Random(0)
    words = "o a de que e pedra caminho meio tinha uma vida nunca me esquecerei".split()
    docs = [" ".join(rng.choice(words) for _ in range(rng.randint(8, 20))) + "."
            for _ in range(60)]
    path = tmp_path / "fortunes.txt"
    path.write_text("\n%\n".join(docs) + "\n", encoding="utf-8")
    return path


SMALL = ModelConfig(embedding=8, hidden=8, tie=True)


def test_ensemble_training_merges_the_seeds_members(tmp_path):
    from dataclasses import replace

    from training.config import TrainConfig
    from training.train import train

    corpus = fortunes(tmp_path)
    cfg = TrainConfig(epochs=2, seed=7, doc_separator="%", val_fraction=0.1, ngram=True)
    result = train([corpus], SMALL, replace(cfg, ensemble=2))
    assert result.model_config.hidden == 16 and result.model_config.embedding == 16
    assert result.ngram is not None and 0.0 <= result.metrics["ngram_weight"] <= 1.0
    assert result.stopped.startswith("ensemble of 2")
    # The same members trained one by one, merged: the very same network.
    members = [train([corpus], SMALL, replace(cfg, seed=s, ngram=False)).model for s in (7, 8)]
    want = merge_models(members).state_dict()
    got = result.model.state_dict()
    assert all(torch.equal(want[k], got[k]) for k in want)


@pytest.mark.slow
def test_the_study_command_trains_an_ensemble_the_shipped_one_refuses(cli, tmp_path):
    # `--ensemble` is a study's option (training/studies/ensemble.py, not in the wheel).
    corpus = fortunes(tmp_path)
    opts = ["--doc-separator", "%", "--embedding", "8", "--hidden", "8", "--epochs", "1",
            "--no-check", "--quiet"]
    shipped = cli("train", corpus, "--out", tmp_path / "one.onnx", "--ensemble", "2", *opts)
    assert shipped.returncode == 2 and "--ensemble" in shipped.stderr
    result = cli(corpus, "--out", tmp_path / "two.onnx", "--ensemble", "2", *opts,
                 module="training.studies.ensemble")
    assert result.returncode == 0, result.stderr
    from editor.core.lm import LanguageModel as EditorModel

    assert EditorModel.load(tmp_path / "two.onnx").info.hidden == 16  # two members of 8


@pytest.mark.slow
def test_merged_model_exports_with_parity(tmp_path):
    from training.export import check_parity, export_model

    config = ModelConfig(vocab_size=30, embedding=8, hidden=8, tie=True)
    merged = merge_models(members(config, 2))
    vocab = ["<unk>", "<doc>"] + [f"w{k}" for k in range(28)]
    report = export_model(merged, tmp_path / "merged.onnx", vocab=vocab)
    assert report.max_diff <= 1e-4
    assert max(check_parity(merged, tmp_path / "merged.onnx").values()) <= 1e-4
