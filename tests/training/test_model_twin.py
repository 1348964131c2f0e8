"""The scan-based export twin computes exactly what the fused nn.LSTM trains."""

import pytest
import torch

from training.model import ExportableLSTM, LanguageModel, ModelConfig

CONFIGS = [
    ModelConfig(vocab_size=17, embedding=8, hidden=12, layers=1),
    ModelConfig(vocab_size=17, embedding=8, hidden=12, layers=2, tie=True),  # with projection
    ModelConfig(vocab_size=17, embedding=12, hidden=12, layers=3, tie=True),  # no projection
]


@pytest.mark.parametrize("config", CONFIGS, ids=["plain", "tied-projected", "tied-3-layers"])
@pytest.mark.parametrize("length", [1, 7])
def test_twin_matches_fused_lstm(config, length):
    torch.manual_seed(0)
    model = LanguageModel(config).eval()
    twin = ExportableLSTM(model).eval()
    b, layers, hidden = 3, config.layers, config.hidden
    tokens = torch.randint(0, config.vocab_size, (b, length))
    h0 = torch.randn(layers, b, hidden) * 0.5
    c0 = torch.randn(layers, b, hidden) * 0.5
    with torch.no_grad():
        logits, h, c, h_seq, c_seq, gates = twin(tokens, h0, c0)
        ref_logits, (ref_h, ref_c) = model(tokens, (h0, c0))
    assert logits.shape == (b, length, config.vocab_size)
    assert h.shape == c.shape == (layers, b, hidden)
    assert h_seq.shape == c_seq.shape == (b, length, layers, hidden)
    assert gates.shape == (b, length, layers, 4, hidden)
    torch.testing.assert_close(logits, ref_logits, atol=1e-5, rtol=0)
    torch.testing.assert_close(h, ref_h, atol=1e-6, rtol=0)
    torch.testing.assert_close(c, ref_c, atol=1e-6, rtol=0)
    torch.testing.assert_close(h_seq[:, -1].transpose(0, 1), h, atol=0, rtol=0)
    # The gates are the ones the cell used: c' = f*c + i*g and h' = o*tanh(c'), in order i, f, g, o.
    i, f, g, o = gates.unbind(dim=3)
    c_prev = torch.cat([c0.permute(1, 0, 2).unsqueeze(1), c_seq[:, :-1]], dim=1)
    torch.testing.assert_close(c_seq, f * c_prev + i * g, atol=1e-6, rtol=0)
    torch.testing.assert_close(h_seq, o * torch.tanh(c_seq), atol=1e-6, rtol=0)
    assert float(g.min()) >= -1 and float(i.min()) >= 0 and float(o.max()) <= 1


def test_tied_weights_are_shared():
    model = LanguageModel(ModelConfig(vocab_size=11, embedding=6, hidden=10, tie=True))
    assert model.decoder.weight is model.embed.weight
    assert model.proj is not None and model.proj.weight.shape == (6, 10)


def test_dropout_only_in_training():
    torch.manual_seed(0)
    model = LanguageModel(ModelConfig(vocab_size=11, embedding=6, hidden=10, layers=2, dropout=0.5))
    tokens = torch.randint(0, 11, (2, 5))
    model.eval()
    with torch.no_grad():
        a, _ = model(tokens)
        b, _ = model(tokens)
    assert torch.equal(a, b)
    model.train()
    with torch.no_grad():
        c, _ = model(tokens)
    assert not torch.equal(a, c)


def test_config_rejects_nonsense():
    with pytest.raises(ValueError, match="hidden"):
        ModelConfig(hidden=0)
    with pytest.raises(ValueError, match="dropout"):
        ModelConfig(dropout=1.0)
