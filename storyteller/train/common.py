"""Shared training plumbing: seeding, devices, batching, checkpoints that resume."""
from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..store import atomic_write

__all__ = ["seed_everything", "pick_device", "Checkpoint", "batches", "pad", "Timer"]


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, numpy and torch; return a torch Generator for the data order."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def pick_device(device: str | None) -> torch.device:
    """``None``/``'auto'`` -> cuda when available, else cpu. TF32 stays off for float32 fidelity."""
    if device in (None, "auto"):
        device = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(device)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("--device cuda was asked for but no CUDA GPU is available")
        from ..gru import no_tf32

        no_tf32()
    return dev


def batches(n: int, batch_size: int, generator: torch.Generator, shuffle: bool = True) -> list[list[int]]:
    """Index batches over ``n`` items (a seeded permutation when ``shuffle``)."""
    order = torch.randperm(n, generator=generator).tolist() if shuffle else list(range(n))
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def pad(seqs: Sequence[Sequence[int]], value: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad id sequences into (B, T) plus their lengths."""
    lengths = torch.tensor([len(s) for s in seqs])
    out = torch.full((len(seqs), int(lengths.max())), value, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.as_tensor(s, dtype=torch.long)
    return out, lengths


class Checkpoint:
    """A resumable training state in one file, written atomically (never a half-written checkpoint)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.is_file()

    def save(self, **state: Any) -> None:
        state["rng"] = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
        with atomic_write(self.path) as tmp:
            torch.save(state, tmp)

    def load(self) -> dict[str, Any]:
        # Our own file (weights, optimiser state, RNG states), so full unpickling is acceptable here.
        state = torch.load(self.path, map_location="cpu", weights_only=False)
        rng = state.pop("rng", None)
        if rng:
            torch.set_rng_state(rng["torch"])
            np.random.set_state(rng["numpy"])
            random.setstate(rng["python"])
        return state


class Timer:
    """Wall-clock budget: ``expired`` once ``seconds`` have passed (None = never)."""

    def __init__(self, seconds: float | None) -> None:
        self.start, self.seconds = time.monotonic(), seconds

    @property
    def expired(self) -> bool:
        return self.seconds is not None and time.monotonic() - self.start > self.seconds

    def elapsed(self) -> float:
        return time.monotonic() - self.start


def chunks(seq: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]
