"""The Kiros GRU on ``nn.GRU`` against a numpy transcription of the original equations (``gru_layer`` of the
skip-thoughts code, shared by the encoders, the decoder and the VSE), and the Theano <-> torch parameter maps."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from storyteller.gru import KirosGRU, theano_to_torch, torch_to_theano


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_gru(p: dict[str, np.ndarray], xs: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
    """The original ``gru_layer`` equations, in float64: all states (B, T, d) for inputs xs (B, T, n)."""
    d = p["Ux"].shape[0]
    h = np.zeros((xs.shape[0], d)) if h0 is None else h0.astype(np.float64)
    out = []
    for t in range(xs.shape[1]):
        x = xs[:, t]
        pre = h @ p["U"] + x @ p["W"] + p["b"]
        r, u = _sigmoid(pre[:, :d]), _sigmoid(pre[:, d:])
        q = (h @ p["Ux"]) * r + x @ p["Wx"] + p["bx"]
        h = u * h + (1 - u) * np.tanh(q)
        out.append(h)
    return np.stack(out, 1)


def _random_gru(rng, n, d, scale=0.5):
    return {"W": rng.normal(0, scale, (n, 2 * d)), "b": rng.normal(0, scale, 2 * d),
            "U": rng.normal(0, scale, (d, 2 * d)), "Wx": rng.normal(0, scale, (n, d)),
            "Ux": rng.normal(0, scale, (d, d)), "bx": rng.normal(0, scale, d)}


def _f32(p):
    return {k: v.astype(np.float32) for k, v in p.items()}


def test_kiros_gru_matches_original_equations():
    rng = np.random.default_rng(1)
    n, d, B, T = 5, 4, 3, 7
    p = _f32(_random_gru(rng, n, d))
    xs = rng.normal(0, 1, (B, T, n)).astype(np.float32)
    gru = KirosGRU.from_theano(p)
    with torch.no_grad():
        out, h_n = gru(torch.from_numpy(xs))
    want = np_gru(p, xs)
    np.testing.assert_allclose(out.numpy(), want, atol=1e-5)
    np.testing.assert_allclose(h_n[0].numpy(), want[:, -1], atol=1e-5)
    # one step from a non-zero state (the decoder's f_next)
    h0 = rng.normal(0, 1, (B, d)).astype(np.float32)
    with torch.no_grad():
        h1 = gru.step(torch.from_numpy(xs[:, 0]), torch.from_numpy(h0))
    np.testing.assert_allclose(h1.numpy(), np_gru(p, xs[:, :1], h0)[:, 0], atol=1e-5)


def test_kiros_gru_reset_gate_after_recurrent_product():
    """The gate layout: columns [0:d] are the reset gate, [d:2d] the update gate (not torch's r,z order by
    accident): with U = W = 0 and b[:d] -> -inf, r = 0 removes h Ux entirely."""
    rng = np.random.default_rng(2)
    n, d = 3, 2
    p = _f32(_random_gru(rng, n, d))
    p["U"][:] = 0
    p["W"][:] = 0        # gates depend on the bias only
    p["b"][:d] = -50.0   # r = 0
    p["b"][d:] = 0.0     # u = 0.5
    x = rng.normal(0, 1, (1, n)).astype(np.float32)
    h = rng.normal(0, 1, (1, d)).astype(np.float32)
    with torch.no_grad():
        got = KirosGRU.from_theano(p).step(torch.from_numpy(x), torch.from_numpy(h)).numpy()
    want = 0.5 * h + 0.5 * np.tanh(x @ p["Wx"] + p["bx"])
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_kiros_gru_bidirectional_matches_original():
    rng = np.random.default_rng(3)
    n, d, B, T = 4, 3, 2, 5
    fwd, bwd = _f32(_random_gru(rng, n, d)), _f32(_random_gru(rng, n, d))
    xs = rng.normal(0, 1, (B, T, n)).astype(np.float32)
    gru = KirosGRU.from_theano(fwd, bwd)
    with torch.no_grad():
        _, h_n = gru(torch.from_numpy(xs))
    np.testing.assert_allclose(h_n[0].numpy(), np_gru(fwd, xs)[:, -1], atol=1e-5)
    # the backward GRU reads the time-reversed sequence; its final state is after the first token
    np.testing.assert_allclose(h_n[1].numpy(), np_gru(bwd, xs[:, ::-1])[:, -1], atol=1e-5)


def test_torch_to_theano_round_trip():
    rng = np.random.default_rng(4)
    fwd, bwd = _f32(_random_gru(rng, 6, 5)), _f32(_random_gru(rng, 6, 5))
    gru = KirosGRU.from_theano(fwd, bwd)
    for want, suffix in ((fwd, ""), (bwd, "_reverse")):
        got = torch_to_theano(gru, suffix)
        assert set(got) == set(want)
        for k in want:
            assert got[k].dtype == np.float32
            np.testing.assert_array_equal(got[k], want[k])
    state = theano_to_torch(fwd)
    assert state["weight_ih_l0"].shape == (15, 6) and state["weight_hh_l0"].shape == (15, 5)
    assert not state["bias_hh_l0"].any()


def test_torch_to_theano_folds_gate_bias_and_rejects_candidate_bias():
    rng = np.random.default_rng(5)
    n, d = 3, 2
    gru = torch.nn.GRU(n, d, batch_first=True)
    with torch.no_grad():
        gru.bias_hh_l0[2 * d:] = 0
    p = torch_to_theano(gru)
    xs = rng.normal(0, 1, (2, 4, n)).astype(np.float32)
    with torch.no_grad():
        out, _ = gru(torch.from_numpy(xs))
    np.testing.assert_allclose(out.numpy(), np_gru(p, xs), atol=1e-5)
    with torch.no_grad():
        gru.bias_hh_l0[2 * d:] = 0.1
    with pytest.raises(ValueError):
        torch_to_theano(gru)
