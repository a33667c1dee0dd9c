"""The original Theano releases of Kiros et al.: ``.npz`` parameters beside ``.npz.pkl`` options.

* skip-thoughts encoders: ``uni_skip.npz`` (``encoder_*``) and ``bi_skip.npz`` (``encoder_*`` forward,
  ``encoder_r_*`` backward), each with ``.npz.pkl`` options (``dim_word``, ``dim``, ``encoder='gru'``);
  the vocabulary ``dictionary.txt`` (one word per line) whose lines index ``utable.npy``/``btable.npy``;
* the storyteller's decoder ``romance.npz`` + ``.npz.pkl`` (``n_words``, ``dim_word``, ``dimctx``, ``dim``,
  ``doutput`` - absent means True, as the storyteller's ``load_model`` sets it) and its dictionary
  ``romance_dictionary.pkl`` (word -> index; the first of the file's two pickles);
* the visual-semantic embedding ``coco_embedding.npz`` + ``.npz.pkl`` + ``.npz.dictionary.pkl``.

Parameter names and shapes follow the original ``init_params`` functions (:func:`shapes`); GRU arrays map to
``nn.GRU`` through :func:`storyteller.gru.theano_to_torch` and back through :func:`to_theano`.
"""
from __future__ import annotations

import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ModelFileError
from ..gru import THEANO_NAMES, theano_to_torch, torch_to_theano
from .common import REQUIRED_OPTIONS, Weights, check_options, where
from .pickles import load_npz, load_pickle, py2_text

__all__ = ["PARTS", "shapes", "read_options", "read_model", "read_word_dictionary", "read_word_list", "to_theano",
           "theano_to_state", "companions"]

PARTS = ("uni-skip", "bi-skip", "decoder", "vse")
# part -> the option that must say 'gru'
_RNN_OPTION = {"decoder": "decoder", "vse": "encoder", "uni-skip": "encoder", "bi-skip": "encoder"}
# part -> (torch module prefix, torch name suffix, Theano prefix) of its GRUs, and its linear layers
_GRUS = {"decoder": (("decoder.", "", "decoder"),), "vse": (("encoder.", "", "encoder"),),
         "uni-skip": (("", "", "encoder"),), "bi-skip": (("", "", "encoder"), ("", "_reverse", "encoder_r"))}
_LINEARS = {"decoder": ("ff_state", "ff_hid", "ff_logit"), "vse": ("ff_image",), "uni-skip": (), "bi-skip": ()}
_WHAT = {"decoder": "the decoder", "vse": "a VSE model", "uni-skip": "a skip-thoughts model",
         "bi-skip": "a skip-thoughts model"}


def _gru_shapes(prefix: str, n: int, d: int) -> dict[str, tuple[int, ...]]:
    return {f"{prefix}_W": (n, 2 * d), f"{prefix}_b": (2 * d,), f"{prefix}_U": (d, 2 * d),
            f"{prefix}_Wx": (n, d), f"{prefix}_Ux": (d, d), f"{prefix}_bx": (d,)}


def shapes(part: str, opts: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    """Parameter name -> shape of a part, from its options (the original ``init_params``; row-vector layout)."""
    dw, d = opts["dim_word"], opts["dim"]
    if part == "decoder":
        n, deep = opts["n_words"], bool(opts.get("doutput", True))
        out = {"Wemb": (n, dw), "ff_state_W": (opts["dimctx"], d), "ff_state_b": (d,), **_gru_shapes("decoder", dw, d),
               "ff_logit_W": (dw if deep else d, n), "ff_logit_b": (n,)}
        if deep:
            out.update({"ff_hid_W": (d, dw), "ff_hid_b": (dw,)})
        return out
    if part == "vse":
        return {"Wemb": (opts["n_words"], dw), "ff_image_W": (opts["dim_image"], d), "ff_image_b": (d,),
                **_gru_shapes("encoder", dw, d)}
    out = _gru_shapes("encoder", dw, d)  # Wemb (n_words_src, dim_word) is never used at encode time: not read
    if part == "bi-skip":
        out.update(_gru_shapes("encoder_r", dw, d))
    return out


def companions(part: str, path: str | Path) -> list[Path]:
    """Every file of an original part: the ``.npz`` and the files named by appending to it."""
    path = Path(path)
    extra = (".pkl", ".dictionary.pkl") if part == "vse" else (".pkl",)
    return [path] + [Path(f"{path}{s}") for s in extra]


def read_options(part: str, path: str | Path, *, key: str | None = None) -> dict[str, Any]:
    """The options dict of ``path`` (an original ``.npz``), read from ``path + '.pkl'`` and checked."""
    pkl = Path(f"{path}.pkl")
    opts = load_pickle(pkl, key=key)
    if not isinstance(opts, Mapping):
        raise ModelFileError(f"{where(pkl, key)} holds a {type(opts).__name__}, expected the options dict of "
                             f"{_WHAT[part]}.")
    opts = dict(opts)
    if part == "decoder":
        opts.setdefault("doutput", True)  # the storyteller's own default (its decoder.load_model)
    rnn = _RNN_OPTION[part]
    if opts.get(rnn, "gru") != "gru":
        raise ModelFileError(f"{where(pkl, key)} has {rnn}={opts[rnn]!r}; only 'gru' exists.")
    return check_options(part, opts, pkl, key)


def _check(part: str, params: Mapping[str, np.ndarray], opts: Mapping[str, Any], path: Path, key: str | None) -> None:
    need = shapes(part, opts)
    if part == "decoder" and "ff_hid_W" not in need and "ff_hid_W" in params:
        raise ModelFileError(f"{where(path, key)} has ff_hid_W but its options say doutput=False.")
    for name, shape in need.items():
        if name not in params:
            hint = " (options say doutput=True)" if name.startswith("ff_hid") else f" (is it {_WHAT[part]}?)"
            raise ModelFileError(f"{where(path, key)} has no parameter '{name}'{hint}.")
        got = tuple(params[name].shape)
        if got != shape:
            dims = ", ".join(f"{k}={opts[k]}" for k in REQUIRED_OPTIONS[part])
            raise ModelFileError(f"{where(path, key)} parameter '{name}' has shape {got}, expected {shape} from its "
                                 f"options ({dims}).")


def _f32(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(a, dtype=np.float32))


def theano_to_state(part: str, params: Mapping[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Original parameters (checked by :func:`shapes`) -> the part's ``nn.Module`` state dict (float32)."""
    state: dict[str, torch.Tensor] = {}
    if part in ("decoder", "vse"):
        state["Wemb.weight"] = _f32(params["Wemb"])
    for lin in _LINEARS[part]:
        if f"{lin}_W" in params:
            state[f"{lin}.weight"] = _f32(params[f"{lin}_W"]).T  # Theano x W (in, out); nn.Linear (out, in)
            state[f"{lin}.bias"] = _f32(params[f"{lin}_b"])
    for module, suffix, prefix in _GRUS[part]:
        gru = theano_to_torch({k: params[f"{prefix}_{k}"] for k in THEANO_NAMES})
        state.update({f"{module}{name}{suffix}": v for name, v in gru.items()})
    return state


def to_theano(part: str, state: Mapping[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """Inverse of :func:`theano_to_state`: a state dict -> parameters in the original naming (as the ``.npz``)."""
    out: dict[str, np.ndarray] = {}
    for module, suffix, prefix in _GRUS[part]:
        names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
        gru = types.SimpleNamespace(hidden_size=state[f"{module}weight_hh_l0{suffix}"].shape[1],
                                    **{n + suffix: state[f"{module}{n}{suffix}"] for n in names})
        out.update({f"{prefix}_{k}": v for k, v in torch_to_theano(gru, suffix).items()})  # type: ignore[arg-type]
    if "Wemb.weight" in state:
        out["Wemb"] = state["Wemb.weight"].detach().cpu().numpy()
    for lin in _LINEARS[part]:
        if f"{lin}.weight" in state:
            out[f"{lin}_W"] = state[f"{lin}.weight"].detach().cpu().numpy().T.copy()
            out[f"{lin}_b"] = state[f"{lin}.bias"].detach().cpu().numpy()
    return out


def read_model(part: str, path: str | Path, *, key: str | None = None) -> Weights:
    """Read an original part (``uni-skip``, ``bi-skip``, ``decoder`` or ``vse``) from its ``.npz`` + ``.npz.pkl``
    (+ ``.npz.dictionary.pkl`` for the VSE), checking every parameter's name and shape against the options.

    Raises :class:`ModelFileError` naming ``key``, the file and what is wrong.
    """
    path = Path(path)
    opts = read_options(part, path, key=key)
    vocab = read_word_dictionary(Path(f"{path}.dictionary.pkl"), key=key) if part == "vse" else None
    params = load_npz(path, key=key)
    _check(part, params, opts, path, key)
    return Weights(part, path, opts, theano_to_state(part, params), vocab=vocab, key=key)


def read_word_dictionary(path: str | Path, *, key: str | None = "dictionary") -> list[tuple[str, int]]:
    """A pickled word -> index dict (``romance_dictionary.pkl``, ``coco_embedding.npz.dictionary.pkl``) as
    ``(word, index)`` pairs in file order; byte strings become text (UTF-8, else kept as latin-1)."""
    path = Path(path)
    obj = load_pickle(path, key=key)
    if not isinstance(obj, Mapping):
        raise ModelFileError(f"{where(path, key)} holds a {type(obj).__name__}, expected a dict of word -> index.")
    pairs = []
    for w, i in obj.items():
        if not isinstance(w, str) or isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise ModelFileError(f"{where(path, key)} has the entry {w!r}: {i!r}; expected word -> integer index.")
        pairs.append((py2_text(w), int(i)))
    return pairs


def read_word_list(path: str | Path, *, key: str | None = "sktables") -> list[str]:
    """``dictionary.txt``: each line decoded as UTF-8, then ``str.strip()``ped (all Unicode whitespace), as the
    original ``load_tables`` does; line i names row i of the word tables. A final empty line is dropped."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{where(path, key)}: file not found. Check the path in config.yaml.")
    try:
        words = list(map(str.strip, path.read_bytes().decode("utf-8").split("\n")))
    except UnicodeDecodeError as e:
        raise ModelFileError(f"{where(path, key)} is not UTF-8 text ({e}); expected the skip-thoughts vocabulary "
                             "(dictionary.txt, one word per line).") from None
    if words and words[-1] == "":
        words.pop()
    return words
