"""What every format reader hands back (:class:`Weights`), and the small helpers they share."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..errors import ModelFileError
from ..gru import assign_state

__all__ = ["Weights", "REQUIRED_OPTIONS", "where", "json_safe", "check_options", "assign"]

# part -> the options it cannot be built without (positive integers), in the original and the native format
REQUIRED_OPTIONS = {"decoder": ("n_words", "dim_word", "dimctx", "dim"),
                    "vse": ("n_words", "dim_word", "dim", "dim_image"),
                    "uni-skip": ("dim_word", "dim"), "bi-skip": ("dim_word", "dim")}


@dataclass
class Weights:
    """A model part as read from a file, in a format-neutral form.

    ``state``: the ``nn.Module`` state dict in torch naming (float32, or float16 from a ``half`` native file);
    ``options``: the part's options (original keys, e.g. ``dim_word``, ``dim``, ``dimctx``); ``vocab``: the word
    -> index pairs that come with the part (the VSE's dictionary), in file order; ``mapped``: the tensors map the
    file (safetensors), so they must be copied before use.
    """

    kind: str
    path: Path
    options: dict[str, Any]
    state: dict[str, torch.Tensor]
    vocab: list[tuple[str, int]] | None = None
    mapped: bool = False
    key: str | None = field(default=None, repr=False)


def where(path: str | os.PathLike | None, key: str | None, unnamed: str = "<in memory>") -> str:
    """``config key 'KEY': PATH`` (or just the path / the key; ``unnamed`` when neither) to start a message."""
    if path is None:
        return f"config key '{key}'" if key else unnamed
    return f"config key '{key}': {os.fspath(path)}" if key else os.fspath(path)


def json_safe(opts: Mapping[str, Any]) -> dict[str, Any]:
    """The options that are plain JSON values (others, e.g. numpy scalars in old pickles, are dropped)."""
    return {k: v for k, v in opts.items() if isinstance(v, (str, int, float, bool, type(None)))}


def check_options(part: str, opts: dict[str, Any], path: Path, key: str | None) -> dict[str, Any]:
    """Check that ``opts`` (read from ``path``) has the options ``part`` needs, as positive integers."""
    for name in REQUIRED_OPTIONS[part]:
        if name not in opts:
            raise ModelFileError(f"{where(path, key)} has no option '{name}' (options found: "
                                 f"{', '.join(map(str, opts)) or 'none'}).")
        v = opts[name]
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ModelFileError(f"{where(path, key)} option '{name}' is {v!r}; expected a positive integer.")
        opts[name] = int(v)
    return opts


def assign(module: nn.Module, weights: Weights) -> nn.Module:
    """Load ``weights.state`` into ``module`` (built under ``torch.device("meta")``), strictly.

    Raises :class:`ModelFileError` naming the file when names or shapes do not match the module its options
    describe.
    """
    try:
        return assign_state(module, weights.state, copy=weights.mapped)
    except RuntimeError as e:
        raise ModelFileError(f"{where(weights.path, weights.key)} does not match its options: {e}") from None
