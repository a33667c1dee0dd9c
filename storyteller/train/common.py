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

from ..errors import InputError, StorytellerError
from ..store import atomic_write
from .distributed import World, current, wrap

__all__ = ["seed_everything", "pick_device", "Checkpoint", "batches", "pad", "Timer", "fit", "output_on", "rng_state",
           "set_rng_state"]


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
        """Write ``state`` plus this process's random-number-generator states (torch, numpy, Python)."""
        state["rng"] = rng_state()
        with atomic_write(self.path) as tmp:
            torch.save(state, tmp)

    def read(self) -> dict[str, Any]:
        """The saved state as written (the RNG states under ``"rng"``), restoring nothing."""
        # Our own file (weights, optimiser state, RNG states), so full unpickling is acceptable here.
        return torch.load(self.path, map_location="cpu", weights_only=False)

    def load(self) -> dict[str, Any]:
        """The saved state, after restoring this process's RNG states from it."""
        state = self.read()
        rng = state.pop("rng", None)
        if rng:
            set_rng_state(rng)
        return state


def rng_state() -> dict[str, Any]:
    """This process's global random-number-generator states (torch CPU, numpy, Python)."""
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}


def set_rng_state(rng: dict[str, Any]) -> None:
    torch.set_rng_state(rng["torch"])
    np.random.set_state(rng["numpy"])
    random.setstate(rng["python"])


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
    evaluate: Callable[[float, float], dict] | None = None,
    np_rng: np.random.Generator | None = None,
    global_loss: bool = False,
    data_id: str = "",
    world: World | None = None,
) -> tuple[int, list[dict]]:
    """Mini-batch training with a per-epoch evaluation, periodic checkpoints and exact resume, on one process or
    data-parallel over a torchrun world (DistributedDataParallel; see :mod:`storyteller.train.distributed`).

    ``batch_loss(items)`` returns the summed loss of a batch (a 0-d float32 tensor) and the number of predicted
    tokens it is normalised by (1 for a loss that is not normalised); ``cfg`` has ``epochs``, ``batch_size`` (per
    process) and ``grad_clip``. Each optimiser step takes the next global batch of ``batch_size`` x processes items
    of a seeded permutation of ``train`` (``gen``); each process gets a contiguous shard, the losses and token
    counts are summed over processes and DDP sums the gradients, so the step is that of one process on the whole
    global batch (up to the order of float32 sums). With ``global_loss`` every process gets the whole global batch
    instead and ``batch_loss`` returns the global batch's loss (the same value on every process) differentiable in
    this process's share (the VSE's contrastive loss, whose negatives are the whole batch).

    ``evaluate(train_loss_sum, last_train_loss)`` gives the metrics of an epoch's history record (run in eval mode
    without gradients; default: the held-out loss and perplexity over ``held``). ``np_rng`` is a numpy generator
    the batches draw from (checkpointed with them). ``data_id`` fingerprints the data, to check that all processes
    read the same. ``time_budget`` (seconds) stops the run, checkpointed, after the step during which it ran out
    (at least one step per call, so that repeated calls always advance). Only rank 0 writes the checkpoint
    (atomically) and shows progress; on resume it reads the checkpoint and sends it to the other processes.
    Returns (epochs done, per-epoch history).
    Raises :class:`~storyteller.errors.InputError` when the checkpoint was written with another global batch size,
    and :class:`~storyteller.train.distributed.WorldMismatch` when the processes disagree on their settings.
    """
    world = world or current()
    W = world.size
    params = [p for m in modules.values() for p in m.parameters()]
    if W > 1:
        world.check_same({"the trainer": name, "the training settings": asdict(cfg), "--resume": resume,
                          "the checkpoint interval": checkpoint_every, "the training items": len(train),
                          "the held-out items": len(held), "the training data": data_id,
                          "the model": [(k, n, list(p.shape)) for k, m in modules.items()
                                        for n, p in m.named_parameters()]})
    epoch, step, history, epoch_total, last = 0, 0, [], 0.0, math.nan
    if resume:
        s = _resume_state(ckpt, world)
        if s is not None:
            _check_global_batch(s, cfg.batch_size, W, ckpt)
            for key, module in modules.items():
                module.load_state_dict(s[key])
            opt.load_state_dict(s["opt"])
            epoch, step, history = s["epoch"], s.get("step", 0), s["history"]
            epoch_total, last = s.get("epoch_total", 0.0), s.get("train_last", math.nan)
            gen.set_state(s["gen"])
            if np_rng is not None and "np_gen" in s:
                np_rng.bit_generator.state = s["np_gen"]
    timer = Timer(time_budget)
    step_loss = wrap(world, modules, batch_loss)

    def save(gen_state: torch.Tensor) -> None:
        ranks = world.gather(rng_state()) if W > 1 else None  # each process's own RNG streams (dropout)
        if not world.main:
            return
        extra: dict[str, Any] = {"np_gen": np_rng.bit_generator.state} if np_rng is not None else {}
        if ranks:
            extra["rng_ranks"] = ranks
        ckpt.save(**{k: m.state_dict() for k, m in modules.items()}, opt=opt.state_dict(), epoch=epoch, step=step,
                  history=history, gen=gen_state, config=asdict(cfg), epoch_total=epoch_total, train_last=last,
                  global_batch=cfg.batch_size * W, processes=W, **extra)

    def heldout(last: float) -> dict:
        tot, cnt = 0.0, 0.0
        size = cfg.batch_size * W
        for i in range(0, len(held), size):
            part, counts = (held[i:i + size], True) if W == 1 or global_loss else world.shard(held[i:i + size])
            if counts:
                part_loss, k = batch_loss(part)
                tot, cnt = tot + float(part_loss), cnt + k
        if W > 1 and not global_loss:
            tot, cnt = world.all_sum([tot, cnt])
        if world.main:
            tqdm.write(f"{name} epoch {epoch + 1}: held-out loss {tot / cnt:.3f} "
                       f"(perplexity {math.exp(tot / cnt):.1f})")
        return {"heldout_loss": tot / cnt, "heldout_ppl": math.exp(tot / cnt), "train_loss_last": last}

    progressed = False  # every call makes at least one step, so that a run under a tiny budget still advances
    while epoch < cfg.epochs and not (progressed and world.any(timer.expired)):
        for m in modules.values():
            m.train()
        epoch_gen = gen.get_state()  # saved with checkpoints, so a resumed epoch sees the same batch order
        order = batches(len(train), cfg.batch_size * W, gen)
        bar = tqdm(order[step:], desc=f"{name} epoch {epoch + 1}/{cfg.epochs}", unit="batch", disable=not world.main)
        for b in bar:
            items = [train[i] for i in b]
            count: float
            if W == 1:
                loss, n = step_loss(items)
                opt.zero_grad()
                (loss / n).backward()
                total, count, expired = float(loss.detach()), n, False
            else:
                part, counts = (items, True) if global_loss else world.shard(items)
                loss, n = step_loss(part)
                if not counts:
                    loss, n = loss * 0.0, 0
                if global_loss:  # the same global value on every process
                    total, count, expired = float(loss.detach()), n, world.any(timer.expired)
                else:
                    total, count, flag = world.all_sum([float(loss.detach()), n, float(timer.expired)])
                    expired = flag > 0
                opt.zero_grad()
                # DDP averages the gradients over the W processes; x W makes that the sum, / count the mean
                ((loss * W) / count).backward()
            if not math.isfinite(total):  # stop before the step: the model and the last checkpoint stay finite
                raise StorytellerError(f"{name}: the training loss became {total} at epoch {epoch + 1}, step "
                                       f"{step + 1}; lower the learning rate (--lr) or the loss weights and run "
                                       "again (--resume continues from the last checkpoint)")
            nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            opt.step()
            if W == 1:  # (several processes agreed on it above, with the loss sums)
                expired = timer.expired
            step, progressed = step + 1, True
            epoch_total, last = epoch_total + total, total / count
            bar.set_postfix(loss=f"{last:.3f}")
            if step % checkpoint_every == 0 or expired:
                save(epoch_gen)
            if expired:
                break
        else:
            for m in modules.values():
                m.eval()
            with torch.no_grad():
                record = evaluate(epoch_total, last) if evaluate is not None else heldout(last)
            history.append({"epoch": epoch + 1, **record})
            epoch, step, epoch_total, progressed = epoch + 1, 0, 0.0, True
            save(gen.get_state())
    for m in modules.values():
        m.eval()
    return epoch, history


def _resume_state(ckpt: Checkpoint, world: World) -> dict[str, Any] | None:
    """The checkpoint's state with this process's RNG states restored, or None when there is none. Under torchrun
    rank 0 reads the file and sends it to the others (other hosts need no shared disk)."""
    if world.size == 1:
        return ckpt.load() if ckpt.exists() else None
    state = world.broadcast(ckpt.read() if world.main and ckpt.exists() else None)
    if state is None:
        return None
    rng, ranks = state.pop("rng", None), state.pop("rng_ranks", None)
    if ranks and len(ranks) == world.size:
        rng = ranks[world.rank]
    if rng:
        set_rng_state(rng)
    return state


def _check_global_batch(state: dict[str, Any], batch_size: int, processes: int, ckpt: Checkpoint) -> None:
    """A resumed run must cut the data into the same global batches, else it would skip the wrong items."""
    saved, n = state.get("global_batch"), state.get("processes", 1)
    if saved is not None and saved != batch_size * processes:
        raise InputError(f"{ckpt.path} was written by {n} process(es) x --batch-size {saved // n} (global batch "
                         f"{saved}), but this run has {processes} x --batch-size {batch_size}: resume with "
                         f"processes x --batch-size = {saved}, or start anew without --resume")
