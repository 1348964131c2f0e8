"""The word-level LSTM language model, in two forms that share one set of weights.

`LanguageModel` trains fast: it runs PyTorch's fused `nn.LSTM` (or `nn.GRU` / `nn.RNN` for
`ModelConfig.cell` "gru" / "rnn"; their scan twins live in training/cells.py).
`ExportableLSTM` computes the same function with a handwritten cell stepped by `scan`, so the
ONNX graph can output what the editor shows (every step's h, c and gates, docs/MODEL_FORMAT.md);
the exported ONNX `LSTM` op only gives h. It reads `nn.LSTM`'s own parameters, so nothing is copied
and the two can never drift apart.

Shapes: B batch, T time, V vocabulary, E embedding, H hidden, L layers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import Tensor, nn

from training.config import ModelConfig
from training.softmax import AdaptiveSoftmax, Scores, full_scores

__all__ = ["ExportableLSTM", "LanguageModel", "ModelConfig", "count_parameters", "lstm_cell",
           "unrolled"]

_unrolled = False  # see `unrolled`


@contextlib.contextmanager
def unrolled() -> Iterator[None]:
    """Export the twins' time loop unrolled instead of as one `Scan`: for a graph whose token
    count is fixed (the one-token step of training/step_graph.py), where the loop's frame
    costs more than the step itself."""
    global _unrolled
    before, _unrolled = _unrolled, True
    try:
        yield
    finally:
        _unrolled = before


def scanned() -> bool:
    """Whether the twins step time with `scan` (exporting a graph with a dynamic length)."""
    return torch.compiler.is_exporting() and not _unrolled


class LanguageModel(nn.Module):
    """embedding -> LSTM -> (projection) -> decoder, for training."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        if config.vocab_size < 2:
            raise ValueError("vocab_size must hold at least <unk> and <doc>")
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.embedding)
        self.drop_in = nn.Dropout(config.dropout)
        # The recurrent layer keeps the name `lstm` whatever its cell: the parameter names
        # (lstm.weight_hh_l0...) are what checkpoints, weight drop and the ensemble merge use.
        recurrent = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[config.cell]
        self.lstm = recurrent(
            config.embedding,
            config.hidden,
            num_layers=config.layers,
            batch_first=True,
            dropout=config.dropout if config.layers > 1 else 0.0,
        )
        self.drop_out = nn.Dropout(config.dropout)
        self.proj = nn.Linear(config.hidden, config.embedding) if config.projected else None
        decoder_in = config.embedding if config.tie else config.hidden
        self.decoder = nn.Linear(decoder_in, config.vocab_size)
        if config.tie:
            self.decoder.weight = self.embed.weight
        # The decoder's rows stay the words' output vectors either way; the adaptive softmax
        # only adds one vector and bias per cluster (training/softmax.py).
        self.adaptive = (AdaptiveSoftmax(decoder_in, config.cutoffs, config.vocab_size)
                         if config.cutoffs else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # Small embeddings: N(0, 1) vectors (PyTorch's default) swamp the LSTM's inputs and,
        # when tied, the logits.
        nn.init.uniform_(self.embed.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        if not self.config.tie:
            nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        h = self.config.hidden
        if self.config.cell != "lstm":
            return  # the GRU and the RNN keep PyTorch's own initialisation
        for k in range(self.config.layers):
            # Forget-gate bias 1 (Jozefowicz et al. 2015): the cell starts out remembering,
            # which is what carrying context across a whole document needs.
            bias = getattr(self.lstm, f"bias_ih_l{k}")
            with torch.no_grad():
                bias[h : 2 * h].fill_(1.0)
                getattr(self.lstm, f"bias_hh_l{k}")[h : 2 * h].zero_()

    @property
    def has_cell(self) -> bool:
        """Only the LSTM has a cell state c; the others carry c as an empty [L, B, 0] tensor."""
        return self.config.cell == "lstm"

    def zero_state(self, batch: int) -> tuple[Tensor, Tensor]:
        shape = (self.config.layers, batch, self.config.hidden)
        cell = shape if self.has_cell else (self.config.layers, batch, 0)
        device = self.embed.weight.device
        return torch.zeros(shape, device=device), torch.zeros(cell, device=device)

    def recur(self, x: Tensor, state: tuple[Tensor, Tensor]
              ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """Run the recurrent layer over x [B, T, E]: top-layer outputs and the new (h, c)."""
        if self.has_cell:
            return self.lstm(x, state)
        # The (h, c) pair keeps one shape of state for every cell, so training, evaluation
        # and the checkpoint code need not know which cell runs; c stays empty.
        out, h = self.lstm(x, state[0])
        return out, (h, state[1])

    def head(self, top: Tensor) -> Tensor:
        """Top-layer hidden states [..., H] -> logits [..., V].

        With the adaptive softmax these are the log-probabilities of every entry: softmax of
        them gives the same probabilities, which is all the model file promises.
        """
        if self.proj is not None:
            top = self.proj(top)
        if self.adaptive is not None:
            return self.adaptive.log_prob(top, self.decoder.weight, self.decoder.bias)
        return self.decoder(top)

    def score(self, top: Tensor, targets: Tensor) -> Scores:
        """Cross-entropy and top-1 hits of top-layer states [..., H] against targets [...],
        without the full [positions x vocabulary] scores where the output layer allows."""
        top = top.reshape(-1, top.shape[-1])
        targets = targets.reshape(-1)
        if self.adaptive is None:
            return full_scores(self.head(top), targets)
        if self.proj is not None:
            top = self.proj(top)
        return self.adaptive.scores(top, targets, self.decoder.weight, self.decoder.bias)

    def target_log_probs(self, tokens: Tensor, state: tuple[Tensor, Tensor],
                         targets: Tensor) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """log P(target) [B, T] after each token (targets: any ids of the vocabulary), and
        the state. The adaptive softmax gets them without scoring every word."""
        x = self.drop_in(self.embed(tokens))
        out, (h, c) = self.recur(x, state)
        top = self.drop_out(out)
        if self.adaptive is None:
            logp = torch.log_softmax(self.head(top), dim=-1)
            return logp.gather(-1, targets[..., None])[..., 0], (h, c)
        flat = top.reshape(-1, top.shape[-1])
        if self.proj is not None:
            flat = self.proj(flat)
        logp = self.adaptive.target_log_prob(flat, targets.reshape(-1), self.decoder.weight,
                                             self.decoder.bias)
        return logp.view(targets.shape), (h, c)

    def forward(self, tokens: Tensor, state: tuple[Tensor, Tensor] | None = None,
                targets: Tensor | None = None
                ) -> tuple[Tensor | Scores, tuple[Tensor, Tensor]]:
        """tokens [B, T] -> logits [B, T, V], (h [L, B, H], c [L, B, H]).

        With `targets` [B, T] (IGNORE where nothing is scored) the first result is the chunk's
        Scores instead of its logits: what training and validation need, computed the cheap way.
        """
        if state is None:
            state = self.zero_state(tokens.shape[0])
        x = self.drop_in(self.embed(tokens))  # [B, T, E]
        out, (h, c) = self.recur(x, state)  # out [B, T, H] (top layer)
        if targets is not None:
            return self.score(self.drop_out(out), targets), (h, c)
        return self.head(self.drop_out(out)), (h, c)

    def lstm_weights(self, layer: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """The recurrent layer's parameters of one layer: W_ih [GH, in], W_hh [GH, H], b_ih [GH],
        b_hh [GH], with G = 4 for the LSTM, 3 for the GRU, 1 for the RNN."""
        return (
            getattr(self.lstm, f"weight_ih_l{layer}"),
            getattr(self.lstm, f"weight_hh_l{layer}"),
            getattr(self.lstm, f"bias_ih_l{layer}"),
            getattr(self.lstm, f"bias_hh_l{layer}"),
        )


def lstm_cell(pre: Tensor, h_prev: Tensor, c_prev: Tensor, w_hh: Tensor, hidden: int
              ) -> tuple[Tensor, Tensor, tuple[Tensor, Tensor, Tensor, Tensor]]:
    """One LSTM update, as the exported graphs compute it: `pre` [B, 4H] is the layer's input
    projection plus both biases; returns h, c [B, H] and the gates i, f, g, o (PyTorch's
    order). ExportableLSTM and the one-token step graph (training/step_graph.py) share it."""
    z = pre + h_prev @ w_hh.t()  # [B, 4H]
    i, f, g, o = z.split(hidden, dim=-1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c_prev + i * g
    return o * torch.tanh(c), c, (i, f, g, o)


class ExportableLSTM(nn.Module):
    """The trained model as the ONNX graph computes it (inference only: no dropout).

    forward(tokens [B, T] int64, h0 [L, B, H], c0 [L, B, H]) returns
    logits [B, T, V], h [L, B, H], c [L, B, H], h_seq [B, T, L, H], c_seq [B, T, L, H],
    gates [B, T, L, 4, H] with the gates in PyTorch's order i, f, g, o.
    """

    def __init__(self, model: LanguageModel) -> None:
        super().__init__()
        self.model = model  # a submodule, so its parameters are this module's parameters
        self.layers = model.config.layers
        self.hidden = model.config.hidden

    def forward(self, tokens: Tensor, h0: Tensor, c0: Tensor
                ) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
        from torch._higher_order_ops.scan import scan

        m = self.model
        n_layers, n_hidden = self.layers, self.hidden
        w_ih0, _, b_ih0, b_hh0 = m.lstm_weights(0)
        x = m.embed(tokens)  # [B, T, E]
        # The first layer's input projection needs no recurrence: one matmul for all steps.
        xw0 = (x @ w_ih0.t() + (b_ih0 + b_hh0)).transpose(0, 1)  # [T, B, 4H]
        weights = [m.lstm_weights(k) for k in range(n_layers)]

        def step(carry: tuple[Tensor, Tensor], xw: Tensor
                 ) -> tuple[tuple[Tensor, Tensor], tuple[Tensor, Tensor, Tensor]]:
            h_prev, c_prev = carry  # [L, B, H] each
            hs, cs, gs = [], [], []
            pre = xw  # [B, 4H]: the layer's input projection plus both biases
            for k in range(n_layers):
                w_ih, w_hh, b_ih, b_hh = weights[k]
                if k > 0:
                    pre = hs[-1] @ w_ih.t() + (b_ih + b_hh)
                h, c, (i, f, g, o) = lstm_cell(pre, h_prev[k], c_prev[k], w_hh, n_hidden)
                hs.append(h)
                cs.append(c)
                gs.append(torch.stack((i, f, g, o), dim=1))  # [B, 4, H]
            h_new, c_new = torch.stack(hs), torch.stack(cs)  # [L, B, H]
            # scan forbids outputs aliasing the carry: the per-step outputs are copies.
            return (h_new, c_new), (h_new.clone(), c_new.clone(), torch.stack(gs, dim=1))

        if scanned():
            # Traced as one ONNX Scan whose length is the input's: T stays dynamic.
            (h_last, c_last), (h_steps, c_steps, g_steps) = scan(step, (h0, c0), xw0)
        else:
            # Eager `scan` compiles itself for every new length (seconds); the same `step` in
            # a loop computes the same numbers at once (parity checks and tests run this).
            carry, ys = (h0, c0), []
            for t in range(xw0.shape[0]):
                carry, y = step(carry, xw0[t])
                ys.append(y)
            (h_last, c_last) = carry
            h_steps, c_steps, g_steps = (torch.stack(parts) for parts in zip(*ys, strict=True))
        # h_steps [T, L, B, H], g_steps [T, B, L, 4, H]
        h_seq = h_steps.permute(2, 0, 1, 3)  # [B, T, L, H]
        c_seq = c_steps.permute(2, 0, 1, 3)
        gates = g_steps.transpose(0, 1)  # [B, T, L, 4, H]
        logits = m.head(h_seq[:, :, n_layers - 1])  # [B, T, V]
        return logits, h_last, c_last, h_seq, c_seq, gates


def count_parameters(model: nn.Module) -> int:
    # Tied weights appear once in parameters(), so this counts them once.
    return sum(p.numel() for p in model.parameters())
