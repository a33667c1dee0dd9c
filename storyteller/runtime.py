"""One policy for devices and float32 arithmetic, used by loading, vision, training and the CLI.

The original ran in float32 on Theano; on CUDA, TF32 matmuls would silently round to 10-bit mantissas, so every
CUDA device storyteller hands out has TF32 switched off first.
"""
from __future__ import annotations

import torch

from .errors import InputError

__all__ = ["no_tf32", "parse_device", "resolve_device"]


def no_tf32() -> None:
    """Keep float32 matmuls in full float32 on CUDA (the original computed in float32)."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def parse_device(device: str | torch.device, *, option: str = "device") -> torch.device:
    """``device`` ('cpu', 'cuda', 'cuda:N') as a ``torch.device``, without checking that it exists here.
    Raises :class:`~storyteller.errors.InputError` naming ``option`` for other names."""
    try:
        dev = torch.device(device.strip().lower() if isinstance(device, str) else device)
    except (RuntimeError, TypeError, ValueError):
        raise InputError(f"{option} {device!r} is not a device; use 'cpu', 'cuda', 'cuda:N' or 'auto'") from None
    if dev.type not in ("cpu", "cuda"):
        raise InputError(f"{option} {device!r} is not supported; use 'cpu', 'cuda', 'cuda:N' or 'auto'")
    return dev


def resolve_device(device: str | torch.device | None = "cpu", *, option: str = "device") -> torch.device:
    """``device`` as a ``torch.device`` that exists here, with TF32 off on CUDA.

    ``None`` or ``'auto'``: CUDA when available, else CPU. Raises :class:`~storyteller.errors.InputError` (naming
    ``option``, e.g. ``--device``) for a name torch does not know or a CUDA device that is not available.
    """
    if device is None or (isinstance(device, str) and device.strip().lower() == "auto"):
        device = "cuda" if torch.cuda.is_available() else "cpu"
    dev = parse_device(device, option=option)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise InputError(f"{option} {device!r} was asked for but no CUDA GPU is available; use 'cpu'")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise InputError(f"{option} {device!r}: only {torch.cuda.device_count()} CUDA device(s) exist")
        no_tf32()
    return dev
