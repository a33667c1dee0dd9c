"""The GRU of Kiros et al. (skip-thoughts, VSE and the storyteller decoder share it), on ``torch.nn.GRU``.

Theano layout (spec §3.4), row-vector convention, for input size n and hidden size d::

    W (n, 2d), b (2d), U (d, 2d)    columns [0:d] = reset gate r, [d:2d] = update gate u
    Wx (n, d), bx (d), Ux (d, d)
    r, u = sigmoid(h U + x W + b)
    h~   = tanh((h Ux) * r + x Wx + bx)       # reset applied after the recurrent product; no recurrent bias
    h'   = u * h + (1 - u) * h~

``torch.nn.GRU`` orders its gates (r, z, n) with n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) and
h' = (1 - z) * n + z * h, so with z = u the mapping is exact: ``weight_ih = [W.T; Wx.T]``,
``weight_hh = [U.T; Ux.T]``, ``bias_ih = [b; bx]``, ``bias_hh = 0``.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

__all__ = ["KirosGRU", "theano_to_torch", "torch_to_theano", "no_tf32"]

THEANO_NAMES = ("W", "b", "U", "Wx", "Ux", "bx")


def no_tf32() -> None:
    """Keep float32 matmuls in full float32 on CUDA (the original ran in float32; spec §8.1)."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def theano_to_torch(p: Mapping[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Map Theano GRU arrays (keys ``W b U Wx Ux bx``) to ``nn.GRU`` single-layer parameters."""
    t = {k: torch.as_tensor(np.asarray(p[k], dtype=np.float32)) for k in THEANO_NAMES}
    return {
        "weight_ih_l0": torch.cat([t["W"].T, t["Wx"].T], 0).contiguous(),
        "weight_hh_l0": torch.cat([t["U"].T, t["Ux"].T], 0).contiguous(),
        "bias_ih_l0": torch.cat([t["b"], t["bx"]], 0),
        "bias_hh_l0": torch.zeros(t["b"].shape[0] + t["bx"].shape[0]),
    }


def torch_to_theano(gru: nn.GRU, suffix: str = "") -> dict[str, np.ndarray]:
    """Inverse of :func:`theano_to_torch` for one direction (``suffix='_reverse'`` for the backward one)."""
    d = gru.hidden_size
    wih = getattr(gru, "weight_ih_l0" + suffix).detach().cpu().numpy()
    whh = getattr(gru, "weight_hh_l0" + suffix).detach().cpu().numpy()
    bih = getattr(gru, "bias_ih_l0" + suffix).detach().cpu().numpy()
    bhh = getattr(gru, "bias_hh_l0" + suffix).detach().cpu().numpy()
    if np.any(bhh[2 * d:]):
        raise ValueError("the Kiros GRU has no recurrent bias on the candidate; bias_hh[2d:] must be 0")
    bih = bih.copy()
    bih[: 2 * d] += bhh[: 2 * d]  # gate biases add up, so they fold into b
    return {
        "W": wih[: 2 * d].T.copy(), "Wx": wih[2 * d:].T.copy(), "b": bih[: 2 * d].copy(),
        "U": whh[: 2 * d].T.copy(), "Ux": whh[2 * d:].T.copy(), "bx": bih[2 * d:].copy(),
    }


class KirosGRU(nn.GRU):
    """One-layer ``nn.GRU`` (batch-first) holding a Kiros GRU; optionally bidirectional (bi-skip).

    Use :meth:`from_theano` to load original arrays. :meth:`step` runs a single step, as the decoder does.
    """

    def __init__(self, input_size: int, hidden_size: int, bidirectional: bool = False) -> None:
        super().__init__(input_size, hidden_size, num_layers=1, batch_first=True, bidirectional=bidirectional)

    @classmethod
    def from_theano(
        cls, forward: Mapping[str, np.ndarray], backward: Mapping[str, np.ndarray] | None = None
    ) -> "KirosGRU":
        n, d = np.shape(forward["Wx"])
        gru = cls(n, d, bidirectional=backward is not None)
        state = theano_to_torch(forward)
        if backward is not None:
            state.update({k + "_reverse": v for k, v in theano_to_torch(backward).items()})
        gru.load_state_dict(state)
        return gru

    def step(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """One forward step: ``x`` (B, n), ``h`` (B, d) -> new ``h`` (B, d)."""
        return torch.gru_cell(x, h, self.weight_ih_l0, self.weight_hh_l0, self.bias_ih_l0, self.bias_hh_l0)
