"""The three recurrent cells as the ONNX graph computes them, and what each graph carries.

`ExportableLSTM` (training/model.py) is the LSTM's twin; this module adds the GRU's and the
plain RNN's, written the same way: a handwritten cell that reads the fused `nn.GRU` / `nn.RNN`
parameters of a `LanguageModel` (nothing copied, so the two cannot drift apart) and is stepped
with `scan`, so the exported graph has a dynamic time axis and outputs every step's state.

Each graph outputs what its cell has (docs/MODEL_FORMAT.md, format 2):

- LSTM: inputs tokens, h0, c0; outputs logits, h, c, h_seq, c_seq, gates [B, T, L, 4, H]
  (input, forget, candidate, output);
- GRU (Cho et al. 2014, PyTorch's layout): inputs tokens, h0; outputs logits, h, h_seq,
  gates [B, T, L, 3, H] (reset r, update z, candidate n);
- RNN (Elman 1990, tanh): inputs tokens, h0; outputs logits, h, h_seq.

Shapes: B batch, T time, V vocabulary, E embedding, H hidden, L layers.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from editor.core.modelfile import CELL_GATES, CELL_INPUTS, CELL_OUTPUTS
from training.model import ExportableLSTM, LanguageModel, scanned

__all__ = ["GATES", "INPUTS", "OUTPUTS", "ExportableGRU", "ExportableRNN", "exportable"]

# What each cell's graph takes and gives: the model file's contract (editor/core/modelfile.py).
INPUTS = CELL_INPUTS
OUTPUTS = CELL_OUTPUTS
GATES = CELL_GATES  # the rows of `gates`, in the graph's order


def _stepped(step, h0: Tensor, xw0: Tensor) -> tuple[Tensor, tuple[Tensor, ...]]:
    """Run `step` over the time axis of `xw0` [T, B, ...]: one ONNX Scan when exporting (T stays
    dynamic), a plain loop otherwise (eager `scan` compiles itself for every new length)."""
    from torch._higher_order_ops.scan import scan

    if scanned():
        (h_last,), ys = scan(step, (h0,), xw0)
        return h_last, tuple(ys)
    carry, outs = (h0,), []
    for t in range(xw0.shape[0]):
        carry, y = step(carry, xw0[t])
        outs.append(y)
    return carry[0], tuple(torch.stack(parts) for parts in zip(*outs, strict=True))


class ExportableGRU(nn.Module):
    """forward(tokens [B, T], h0 [L, B, H]) -> logits [B, T, V], h [L, B, H],
    h_seq [B, T, L, H], gates [B, T, L, 3, H] (reset, update, candidate)."""

    def __init__(self, model: LanguageModel) -> None:
        super().__init__()
        if model.config.cell != "gru":
            raise ValueError(f"a GRU twin needs a GRU model, not {model.config.cell!r}")
        self.model = model
        self.layers = model.config.layers
        self.hidden = model.config.hidden

    def forward(self, tokens: Tensor, h0: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        m = self.model
        n_layers, n_hidden = self.layers, self.hidden
        w_ih0, _, b_ih0, _ = m.lstm_weights(0)
        # The input side of the first layer needs no recurrence: one matmul for all steps.
        xw0 = (m.embed(tokens) @ w_ih0.t() + b_ih0).transpose(0, 1)  # [T, B, 3H]
        weights = [m.lstm_weights(k) for k in range(n_layers)]

        def step(carry: tuple[Tensor], xw: Tensor) -> tuple[tuple[Tensor], tuple[Tensor, Tensor]]:
            (h_prev,) = carry  # [L, B, H]
            hs, gs = [], []
            px = xw
            for k in range(n_layers):
                w_ih, w_hh, b_ih, b_hh = weights[k]
                if k > 0:
                    px = hs[-1] @ w_ih.t() + b_ih
                ph = h_prev[k] @ w_hh.t() + b_hh  # [B, 3H]
                xr, xz, xn = px.split(n_hidden, dim=-1)
                hr, hz, hn = ph.split(n_hidden, dim=-1)
                r = torch.sigmoid(xr + hr)
                z = torch.sigmoid(xz + hz)
                n = torch.tanh(xn + r * hn)  # the reset gate scales only the recurrent part
                h = (1.0 - z) * n + z * h_prev[k]
                hs.append(h)
                gs.append(torch.stack((r, z, n), dim=1))  # [B, 3, H]
            h_new = torch.stack(hs)
            # scan forbids outputs aliasing the carry: the per-step output is a copy.
            return (h_new,), (h_new.clone(), torch.stack(gs, dim=1))

        h_last, (h_steps, g_steps) = _stepped(step, h0, xw0)
        h_seq = h_steps.permute(2, 0, 1, 3)  # [T, L, B, H] -> [B, T, L, H]
        gates = g_steps.transpose(0, 1)  # [T, B, L, 3, H] -> [B, T, L, 3, H]
        return m.head(h_seq[:, :, n_layers - 1]), h_last, h_seq, gates


class ExportableRNN(nn.Module):
    """forward(tokens [B, T], h0 [L, B, H]) -> logits [B, T, V], h [L, B, H], h_seq [B, T, L, H].

    h' = tanh(W_ih x + b_ih + W_hh h + b_hh): the whole state is rewritten at every token.
    """

    def __init__(self, model: LanguageModel) -> None:
        super().__init__()
        if model.config.cell != "rnn":
            raise ValueError(f"an RNN twin needs an RNN model, not {model.config.cell!r}")
        self.model = model
        self.layers = model.config.layers

    def forward(self, tokens: Tensor, h0: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        m = self.model
        n_layers = self.layers
        w_ih0, _, b_ih0, b_hh0 = m.lstm_weights(0)
        xw0 = (m.embed(tokens) @ w_ih0.t() + (b_ih0 + b_hh0)).transpose(0, 1)  # [T, B, H]
        weights = [m.lstm_weights(k) for k in range(n_layers)]

        def step(carry: tuple[Tensor], xw: Tensor) -> tuple[tuple[Tensor], tuple[Tensor]]:
            (h_prev,) = carry
            hs = []
            pre = xw
            for k in range(n_layers):
                w_ih, w_hh, b_ih, b_hh = weights[k]
                if k > 0:
                    pre = hs[-1] @ w_ih.t() + (b_ih + b_hh)
                hs.append(torch.tanh(pre + h_prev[k] @ w_hh.t()))
            h_new = torch.stack(hs)
            return (h_new,), (h_new.clone(),)

        h_last, (h_steps,) = _stepped(step, h0, xw0)
        h_seq = h_steps.permute(2, 0, 1, 3)
        return m.head(h_seq[:, :, n_layers - 1]), h_last, h_seq


def exportable(model: LanguageModel) -> nn.Module:
    """The scan twin of `model` for its cell; its outputs are OUTPUTS[cell], in that order."""
    twin = {"lstm": ExportableLSTM, "gru": ExportableGRU, "rnn": ExportableRNN}
    return twin[model.config.cell](model)
