"""VGG-19 weight files: the Lasagne model-zoo ``vgg19.pkl`` and torchvision-format state dicts.

The original storyteller loaded ``vgg19.pkl`` (Lasagne Recipes, ``modelzoo/vgg19.py``) with
``lasagne.layers.set_all_param_values`` (``build_convnet`` in the original ``generate.py``). This module reads that
file safely (:func:`storyteller.legacy.load_pickle`: restricted, latin-1) and maps its 38 arrays to torchvision's
``vgg19`` parameter names, so the weights load into :class:`storyteller.vision.VGG19`; it also reads torchvision
state dicts (``.pth``/``.pt`` with ``weights_only=True``, ``.safetensors``). Everything here is file layout; the
network itself lives in :mod:`storyteller.vision.vgg`.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from ..errors import ModelFileError
from . import common
from .pickles import load_pickle

__all__ = [
    "LASAGNE_LAYERS",
    "LASAGNE_NAMES",
    "LASAGNE_TO_TORCH",
    "VGG_HINT",
    "read_lasagne_params",
    "lasagne_to_state_dict",
    "load_state_dict_file",
    "read_vgg19_weights",
]

# The parameterised layers of the Lasagne Recipes VGG-19 (``build_model``), in the order of 'param values', with
# their output size. Convs are 3x3 over the previous layer's channels; a 2x2 max-pool ends each block (the digit
# after "conv"); fc6 reads pool5 (512, 7, 7) flattened in C order.
LASAGNE_LAYERS: tuple[tuple[str, int], ...] = tuple(
    [(f"conv{b}_{i}", c) for b, n, c in ((1, 2, 64), (2, 2, 128), (3, 4, 256), (4, 4, 512), (5, 4, 512))
     for i in range(1, n + 1)]
    + [("fc6", 4096), ("fc7", 4096), ("fc8", 1000)]
)

# Names of the 38 arrays of vgg19.pkl's 'param values', in order.
LASAGNE_NAMES: tuple[str, ...] = tuple(f"{layer}.{p}" for layer, _ in LASAGNE_LAYERS for p in ("W", "b"))


def _torch_name_map() -> dict[str, str]:
    """Lasagne name -> torchvision ``vgg19`` state-dict name: each conv is ``features.N`` (conv + ReLU take two
    indices, each pool one), fc6/fc7/fc8 are ``classifier.0/3/6``."""
    out: dict[str, str] = {}
    i, block = 0, "1"
    for layer, _ in LASAGNE_LAYERS:
        if layer.startswith("fc"):
            tname = f"classifier.{3 * (int(layer[2]) - 6)}"
        else:
            if layer[4] != block:  # a new block: the previous one ended with a max-pool
                i, block = i + 1, layer[4]
            tname, i = f"features.{i}", i + 2
        out[f"{layer}.W"], out[f"{layer}.b"] = f"{tname}.weight", f"{tname}.bias"
    return out


LASAGNE_TO_TORCH: dict[str, str] = _torch_name_map()

VGG_HINT = ("download the original weights with `python -m storyteller download --only vgg`, or set the path "
            "of vgg19.pkl (or a torchvision-format .pth/.safetensors) in config.yaml key 'vgg'")
_SUFFIXES = (".pkl", ".pth", ".pt", ".safetensors")


def where(path: str | os.PathLike | None, key: str | None) -> str:
    """How messages name a weights source: the config key and the file (:func:`.common.where`)."""
    return common.where(path, key, "VGG19 weights")


def _layout() -> str:
    """The real file's layout, for messages: 'conv1_1.W (64, 3, 3, 3), conv1_1.b (64,), ...'."""
    parts, prev = [], 3
    for layer, n in LASAGNE_LAYERS:
        w = (prev * 49 if layer == "fc6" else prev, n) if layer.startswith("fc") else (n, prev, 3, 3)
        parts += [f"{layer}.W {w}", f"{layer}.b ({n},)"]
        prev = n
    return ", ".join(parts)


def read_lasagne_params(path: str | Path, *, key: str | None = "vgg") -> list[np.ndarray]:
    """The 38 float32 arrays of ``'param values'`` in the Lasagne model-zoo ``vgg19.pkl``.

    The original passed them to ``lasagne.layers.set_all_param_values`` (``build_convnet``). Checks the count, the
    W/b alternation and that the layers chain (W is (out, in, 3, 3) for convs and (in, out) for dense layers);
    shapes themselves are checked against the network when loading, so toy-sized files parse too. Raises
    :class:`ModelFileError` naming the config key, the file, the array and the expected layout.
    """
    here = where(path, key)
    obj = load_pickle(path, key=key)
    if not isinstance(obj, Mapping) or "param values" not in obj:
        found = sorted(map(str, obj)) if isinstance(obj, Mapping) else type(obj).__name__
        raise ModelFileError(f"{here}: expected the Lasagne model-zoo vgg19.pkl, a dict with key 'param values' "
                             f"(found {found}). {VGG_HINT}.")
    pv = obj["param values"]
    if not isinstance(pv, (list, tuple)) or len(pv) != len(LASAGNE_NAMES):
        n = len(pv) if isinstance(pv, (list, tuple)) else type(pv).__name__
        raise ModelFileError(f"{here}: 'param values' must be a list of {len(LASAGNE_NAMES)} arrays (VGG-19: "
                             f"{_layout()}); found {n}. Is it the VGG-19 (not VGG-16) pickle?")
    out: list[np.ndarray] = []
    prev = 3  # channels into conv1_1
    for i, (name, a) in enumerate(zip(LASAGNE_NAMES, pv)):
        shape = getattr(a, "shape", None)
        dense, is_w = name.startswith("fc"), name.endswith(".W")
        if not isinstance(a, np.ndarray) or not np.issubdtype(a.dtype, np.number):
            raise ModelFileError(f"{here}: 'param values'[{i}] ({name}) is not a numeric array "
                                 f"({type(a).__name__}). Expected layout: {_layout()}.")
        if is_w:
            want_in = prev * 49 if name == "fc6.W" else prev  # fc6 reads pool5 (C, 7, 7) flattened
            ok = a.ndim == 2 if dense else (a.ndim == 4 and a.shape[2:] == (3, 3))
            if not ok or a.shape[0 if dense else 1] != want_in:
                kind = "(in, out)" if dense else "(out, in, 3, 3)"
                raise ModelFileError(f"{here}: 'param values'[{i}] ({name}) has shape {shape}; expected a {kind} "
                                     f"array with {want_in} inputs. Expected layout: {_layout()}.")
            prev = a.shape[1] if dense else a.shape[0]
        elif a.shape != (prev,):
            raise ModelFileError(f"{here}: 'param values'[{i}] ({name}) has shape {shape}; expected ({prev},) "
                                 f"after the W/b alternation. Expected layout: {_layout()}.")
        out.append(np.ascontiguousarray(a, dtype=np.float32))
    return out


def lasagne_to_state_dict(params: Sequence[np.ndarray]) -> dict[str, torch.Tensor]:
    """Map the 38 Lasagne arrays to torchvision ``vgg19`` names; dense W (in, out) is transposed to (out, in)."""
    if len(params) != len(LASAGNE_NAMES):
        raise ModelFileError(f"expected {len(LASAGNE_NAMES)} arrays (VGG-19), got {len(params)}")
    sd = {}
    for lname, a in zip(LASAGNE_NAMES, params):
        a = np.asarray(a, dtype=np.float32)
        if lname.startswith("fc") and lname.endswith(".W"):
            a = a.T  # Lasagne DenseLayer W is (in, out); nn.Linear.weight is (out, in)
        sd[LASAGNE_TO_TORCH[lname]] = torch.from_numpy(np.ascontiguousarray(a))
    return sd


def _first_line(e: BaseException, limit: int = 200) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0][:limit] if text else ''}"


def load_state_dict_file(path: str | Path, *, key: str | None = "vgg") -> dict[str, torch.Tensor]:
    """A torchvision-format state dict from ``.pth``/``.pt`` (``torch.load(weights_only=True)``) or
    ``.safetensors``; a training checkpoint's ``'state_dict'`` entry is unwrapped. Raises :class:`ModelFileError`."""
    path = Path(path)
    here = where(path, key)
    if not path.is_file():
        raise ModelFileError(f"{here}: file not found; {VGG_HINT}.")
    try:
        if path.suffix == ".safetensors":
            sd = load_file(str(path), device="cpu")
        else:
            sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise ModelFileError(f"{here}: cannot read it as a PyTorch state dict ({_first_line(e)}); re-download or "
                             "re-convert it.") from None
    if isinstance(sd, Mapping) and "state_dict" in sd and isinstance(sd["state_dict"], Mapping):
        sd = sd["state_dict"]  # training checkpoints wrap it
    if not isinstance(sd, Mapping) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise ModelFileError(f"{here}: expected a mapping of parameter names to tensors (a torchvision vgg19 "
                             "state_dict()).")
    return dict(sd)


def read_vgg19_weights(path: str | os.PathLike, *, key: str | None = "vgg") -> dict[str, torch.Tensor]:
    """VGG-19 weights as a torchvision-named state dict, from whichever file ``path`` is (chosen by suffix):
    ``vgg19.pkl`` (Lasagne) or a torchvision-format ``.pth``/``.pt``/``.safetensors``.

    Raises :class:`ModelFileError` for a path that is missing, a folder (naming the weight files inside), or of
    another kind; shapes are checked when the dict is loaded into the network.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ModelFileError(f"{where(None, key)}: expected the path of the VGG-19 weights, got "
                             f"{type(path).__name__}; {VGG_HINT}.")
    p = Path(path)
    here = where(p, key)
    if p.is_dir():
        inside = sorted(q.name for q in p.iterdir() if q.suffix in _SUFFIXES and "vgg" in q.name.lower())
        found = f" (inside: {', '.join(inside[:4])})" if inside else ""
        raise ModelFileError(f"{here}: is a folder; give the weights file itself{found}; {VGG_HINT}.")
    if not p.is_file():
        raise ModelFileError(f"{here}: file not found; {VGG_HINT}.")
    if p.suffix == ".pkl":
        return lasagne_to_state_dict(read_lasagne_params(p, key=key))
    if p.suffix in (".pth", ".pt", ".safetensors"):
        return load_state_dict_file(p, key=key)
    raise ModelFileError(f"{here}: unknown weights format '{p.suffix}'; expected vgg19.pkl (Lasagne) or a "
                         "torchvision-format .pth/.pt/.safetensors. (The Caffe .caffemodel is not read; use "
                         "vgg19.pkl, which holds the same weights.)")
