"""The GRU of Kiros et al. (skip-thoughts, VSE and the storyteller decoder share it), on ``torch.nn.GRU``.

Theano layout of the original ``gru_layer`` (skip-thoughts ``layers.py``), row-vector convention, for input size
n and hidden size d::

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

import contextlib
import weakref
from collections.abc import Iterator, Mapping
from typing import TypeVar

import numpy as np
import torch
from torch import nn

__all__ = ["KirosGRU", "theano_to_torch", "torch_to_theano", "no_tf32", "kiros_gates", "PackedLinear",
           "packed_linear_available", "packed_linear", "plain_paths", "assign_state", "embedding"]

THEANO_NAMES = ("W", "b", "U", "Wx", "Ux", "bx")
_M = TypeVar("_M", bound=nn.Module)


from .runtime import no_tf32  # noqa: E402  (re-exported)


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

    # Registered by nn.GRU.__init__; declared for the type checker (annotations only, no class attributes).
    weight_ih_l0: torch.Tensor
    weight_hh_l0: torch.Tensor
    bias_ih_l0: torch.Tensor
    bias_hh_l0: torch.Tensor

    def __init__(self, input_size: int, hidden_size: int, bidirectional: bool = False) -> None:
        super().__init__(input_size, hidden_size, num_layers=1, batch_first=True, bidirectional=bidirectional)

    @classmethod
    def from_theano(
        cls, forward: Mapping[str, np.ndarray], backward: Mapping[str, np.ndarray] | None = None
    ) -> "KirosGRU":
        n, d = np.shape(forward["Wx"])
        with torch.device("meta"):  # no random init: the arrays replace it
            gru = cls(n, d, bidirectional=backward is not None)
        state = theano_to_torch(forward)
        if backward is not None:
            state.update({k + "_reverse": v for k, v in theano_to_torch(backward).items()})
        return assign_state(gru, state)

    def step(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """One forward step: ``x`` (B, n), ``h`` (B, d) -> new ``h`` (B, d).

        Uses oneDNN's prepacked weights where :func:`packed_linear` allows it (CPU, no autograd), otherwise
        ``torch.gru_cell``; both compute the same gates (only the GEMMs' rounding can differ, by ~1e-6)."""
        ih = packed_linear(self, "ih", self.weight_ih_l0, self.bias_ih_l0, like=h)
        if ih is None:
            return torch.gru_cell(x, h, self.weight_ih_l0, self.weight_hh_l0, self.bias_ih_l0, self.bias_hh_l0)
        hh = packed_linear(self, "hh", self.weight_hh_l0, self.bias_hh_l0, like=h)
        assert hh is not None  # (the conditions that gave ih hold for hh)
        return kiros_gates(ih(x), hh(h), h)


def assign_state(module: _M, state: Mapping[str, torch.Tensor], copy: bool = False) -> _M:
    """``module.load_state_dict(state, strict=True, assign=True)`` with the tensors made float32 and contiguous.

    For modules built under ``torch.device("meta")``, which skips the random initialisation that loading would
    overwrite anyway. Mismatched names or shapes raise ``RuntimeError`` as ``load_state_dict`` does.
    ``copy=True`` copies every tensor into fresh memory (for ``safetensors.load_file``, whose tensors map the
    file: a file overwritten in place would change them). Tensors that are not 64-byte aligned are copied in any
    case: BLAS results can depend on the operands' alignment, and fresh allocations are aligned.
    """
    def prepare(v: torch.Tensor) -> torch.Tensor:
        w = v.to(torch.float32).contiguous()
        return w.clone() if (copy and w is v) or w.data_ptr() % 64 else w

    module.load_state_dict({k: prepare(v) for k, v in state.items()}, strict=True, assign=True)
    return module


def embedding(n_words: int, dim_word: int) -> nn.Embedding:
    """``nn.Embedding(n_words, dim_word)``. Under ``torch.device("meta")`` its random init is skipped: on the meta
    device ``normal_`` is a Python reference that imports ``torch._dynamo``, ~1 s on the first load."""
    get_default = getattr(torch, "get_default_device", None)
    if get_default is not None and get_default().type == "meta":
        return nn.Embedding(n_words, dim_word, _weight=torch.empty(n_words, dim_word))
    return nn.Embedding(n_words, dim_word)


def kiros_gates(gi: torch.Tensor, gh: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """The GRU update from the input projections ``gi = x W_ih^T + b_ih`` and the recurrent ones
    ``gh = h W_hh^T + b_hh`` (both (B, 3d), gates r, u, candidate), with the operations of ``torch.gru_cell``
    on CPU in the same order, so equal projections give bit-identical states."""
    ir, iu, ic = gi.chunk(3, 1)
    hr, hu, hc = gh.chunk(3, 1)
    r = torch.sigmoid(hr + ir)
    u = torch.sigmoid(hu + iu)
    c = torch.tanh(ic + hc * r)
    return (h - c) * u + c  # = u * h + (1 - u) * c


# ------------------------------------------------------------------ prepacked linear layers (CPU, oneDNN)
# torch.nn.functional.linear (MKL sgemm) repacks its weight matrix on every call; for the skinny products of a
# GRU step (a few dozen rows) that costs ~40 % of the time. oneDNN's prepacked linear -- the private ops
# torch.ops.mkldnn._reorder_linear_weight / _linear_pointwise, which torch.compile's freezing uses on CPU --
# packs once. They are private, so they are probed once per process and every caller falls back to the plain
# code when they are missing or fail, on other devices, and whenever autograd is recording.
_PACKED_OK: bool | None = None  # probe result, None = not probed yet
_PACK_BATCH_HINT = 64           # oneDNN's batch-size hint; it does not change the results, only the speed
_PACKS: "weakref.WeakKeyDictionary[nn.Module, dict[str, PackedLinear]]" = weakref.WeakKeyDictionary()


def packed_linear_available() -> bool:
    """Whether oneDNN's prepacked float32 linear exists and agrees with ``F.linear`` (probed once)."""
    global _PACKED_OK
    if _PACKED_OK is None:
        _PACKED_OK = _probe_packed_linear()
    return _PACKED_OK


@contextlib.contextmanager
def plain_paths() -> Iterator[None]:
    """Run with the prepacked CPU paths off, as where the oneDNN ops are missing (for checks and benchmarks)."""
    global _PACKED_OK
    saved, _PACKED_OK = _PACKED_OK, False
    try:
        yield
    finally:
        _PACKED_OK = saved


def _probe_packed_linear() -> bool:
    try:
        if not torch.backends.mkldnn.is_available():
            return False
        ops = torch.ops.mkldnn
        if not (hasattr(ops, "_reorder_linear_weight") and hasattr(ops, "_linear_pointwise")):
            return False
        # deterministic inputs: the probe must not consume the global random generator
        w = torch.linspace(-1, 1, 24, dtype=torch.float32).reshape(6, 4)
        b = torch.linspace(0, 1, 6, dtype=torch.float32)
        x = torch.linspace(1, -1, 12, dtype=torch.float32).reshape(3, 4)
        y = ops._linear_pointwise(x, ops._reorder_linear_weight(w, 3), b, "none", [], "")
        return bool(torch.allclose(y, nn.functional.linear(x, w, b), atol=1e-6))
    except Exception:  # noqa: BLE001 - whatever goes wrong, the plain path is used
        return False


def _stamp(*tensors: torch.Tensor | None) -> tuple:
    """Identity + in-place version of each tensor: changes when a parameter is replaced or modified.
    (Inference-mode tensors keep no version counter; only their identity counts.)"""
    return tuple(None if t is None else (id(t), t.data_ptr(), -1 if t.is_inference() else t._version)
                 for t in tensors)


class PackedLinear:
    """``y = x W^T + b`` with ``W`` (out, in) prepacked once for oneDNN (CPU, float32, 2-D ``x``)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None, batch_hint: int = _PACK_BATCH_HINT) -> None:
        self.source = (weight, bias)  # held, so the stamp's ids cannot be reused by other tensors
        self.stamp = _stamp(weight, bias)
        self.weight = torch.ops.mkldnn._reorder_linear_weight(weight.detach().contiguous(), batch_hint)
        self.bias = bias.detach() if bias is not None else None

    def fresh(self, weight: torch.Tensor, bias: torch.Tensor | None) -> bool:
        return self.source[0] is weight and self.source[1] is bias and self.stamp == _stamp(weight, bias)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.mkldnn._linear_pointwise(x, self.weight, self.bias, "none", [], "")


def packed_linear(owner: nn.Module, name: str, weight: torch.Tensor, bias: torch.Tensor | None,
                  like: torch.Tensor) -> PackedLinear | None:
    """The prepacked form of ``(weight, bias)``, cached for ``owner`` under ``name`` and re-packed when the
    tensors are replaced or changed in place; None where the plain path must be used (not CPU float32, autograd
    recording, or the oneDNN ops unavailable). ``like`` is an input of the layer (its device and dtype count)."""
    if (like.device.type != "cpu" or like.dtype != torch.float32 or weight.dtype != torch.float32
            or weight.device.type != "cpu" or torch.is_grad_enabled() or not packed_linear_available()):
        return None
    cache = _PACKS.setdefault(owner, {})
    packed = cache.get(name)
    if packed is None or not packed.fresh(weight, bias):
        packed = cache[name] = PackedLinear(weight, bias)
    return packed
