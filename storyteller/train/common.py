"""Shared training plumbing: seeding, devices, batching, checkpoints that resume."""
from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm  # not tqdm.auto: it warns "IProgress not found" in notebooks without ipywidgets

from ..store import atomic_write

__all__ = ["seed_everything", "pick_device", "Checkpoint", "batches", "pad", "Timer", "fit", "output_on"]


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, numpy and torch; return a torch Generator for the data order."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def pick_device(device: str | None) -> torch.device:
    """``None``/``'auto'`` -> cuda when available, else cpu. TF32 stays off for float32 fidelity."""
    from ..runtime import resolve_device

    return resolve_device(device, option="--device")


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


def output_on(layer: Callable[[torch.Tensor], torch.Tensor], h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``layer(h)[mask]``, the output (softmax) layer at the real, unpadded positions of ``h`` (B, T, d).

    On CPU the layer runs on those positions only: it is most of the cost, and padding is a third of it. On GPU
    it runs on the whole padded tensor, exactly as when the default bundle was built (an H100), so that the
    build script reproduces the bundle bit for bit there; both give the same loss up to float rounding.
    """
    return layer(h[mask]) if h.device.type == "cpu" else layer(h)[mask]


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


def fit(
    name: str,
    modules: dict[str, nn.Module],
    opt: torch.optim.Optimizer,
    cfg: Any,
    train: Sequence[Any],
    held: Sequence[Any],
    batch_loss: Callable[[Sequence[Any]], tuple[torch.Tensor, int]],
    gen: torch.Generator,
    ckpt: Checkpoint,
    *,
    resume: bool = False,
    time_budget: float | None = None,
    checkpoint_every: int = 200,
) -> tuple[int, list[dict]]:
    """Mini-batch training with a held-out loss per epoch, periodic checkpoints and exact resume.

    ``batch_loss(items)`` returns the summed loss of a batch and the number of predicted tokens; ``cfg`` has
    ``epochs``, ``batch_size`` and ``grad_clip``. Returns (epochs done, per-epoch history).
    """
    params = [p for m in modules.values() for p in m.parameters()]
    epoch, step, history = 0, 0, []
    if resume and ckpt.exists():
        s = ckpt.load()
        for key, module in modules.items():
            module.load_state_dict(s[key])
        opt.load_state_dict(s["opt"])
        epoch, step, history = s["epoch"], s["step"], s["history"]
        gen.set_state(s["gen"])
    timer = Timer(time_budget)

    def save(gen_state: torch.Tensor) -> None:
        ckpt.save(**{k: m.state_dict() for k, m in modules.items()}, opt=opt.state_dict(), epoch=epoch, step=step,
                  history=history, gen=gen_state, config=asdict(cfg))

    while epoch < cfg.epochs and not timer.expired:
        for m in modules.values():
            m.train()
        epoch_gen = gen.get_state()  # saved with checkpoints, so a resumed epoch sees the same batch order
        order = batches(len(train), cfg.batch_size, gen)
        bar = tqdm(order[step:], desc=f"{name} epoch {epoch + 1}/{cfg.epochs}", unit="batch")
        for b in bar:
            loss, n = batch_loss([train[i] for i in b])
            opt.zero_grad()
            (loss / n).backward()
            nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            opt.step()
            step += 1
            bar.set_postfix(loss=f"{loss.item() / n:.3f}")
            if step % checkpoint_every == 0 or timer.expired:
                save(epoch_gen)
            if timer.expired:
                break
        else:
            for m in modules.values():
                m.eval()
            with torch.no_grad():
                tot, cnt = 0.0, 0
                for i in range(0, len(held), cfg.batch_size):
                    part, k = batch_loss(held[i:i + cfg.batch_size])
                    tot, cnt = tot + float(part), cnt + k
            history.append({"epoch": epoch + 1, "heldout_loss": tot / cnt, "heldout_ppl": math.exp(tot / cnt),
                            "train_loss_last": float(loss.detach()) / n})
            tqdm.write(f"{name} epoch {epoch + 1}: held-out loss {tot / cnt:.3f} (perplexity {math.exp(tot / cnt):.1f})")
            epoch, step = epoch + 1, 0
            save(gen.get_state())
    for m in modules.values():
        m.eval()
    return epoch, history
