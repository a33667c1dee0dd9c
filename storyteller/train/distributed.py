"""Data-parallel training across processes and hosts, on PyTorch's own engine (``torch.distributed`` + DDP).

``torchrun`` starts one process per device and gives each ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and the
rendezvous address; :func:`setup` joins them into one process group (gloo on CPU, NCCL on GPUs, the GPU picked by
``LOCAL_RANK``). Without those variables (or with ``WORLD_SIZE=1``) nothing is initialised and training runs on
one process exactly as before.

Every process reads the same data and builds the same model from the same seed; the seeded order of *global*
batches (``--batch-size`` per process x processes) is cut into one contiguous shard per process, and
DistributedDataParallel sums the gradients, so N processes at batch B/N follow the same loss curve as one process
at batch B (up to the order of float32 sums). Only rank 0 writes checkpoints and outputs; on ``--resume`` rank 0
reads the checkpoint and sends it to the others, so the other hosts need no shared disk.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import torch
import torch.distributed as dist
from torch import nn

from ..errors import InputError, StorytellerError
from ..runtime import parse_device, resolve_device

__all__ = ["World", "setup", "current", "fingerprint", "wrap", "report_errors", "note_exit", "WorldMismatch"]

T = TypeVar("T")
BACKENDS = ("auto", "gloo", "nccl")


class WorldMismatch(InputError):
    """The processes of one torchrun world were started with different settings or data (every process raises
    it, so only rank 0 prints it)."""


@dataclass
class World:
    """This process's place in the run: ``rank`` of ``size`` processes, ``local_rank`` on its host, its device.

    A single-process run is ``World()`` (rank 0 of 1); its methods then do nothing but return their input.
    """

    rank: int = 0
    size: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    backend: str | None = None

    @property
    def main(self) -> bool:
        """True on the one process that writes files and prints progress (rank 0)."""
        return self.rank == 0

    def span(self, n: int) -> tuple[int, int]:
        """This process's slice ``[lo, hi)`` of a global batch of ``n`` items: contiguous shards whose sizes
        differ by at most one, in rank order (empty when ``n`` is smaller than the number of processes)."""
        q, r = divmod(n, self.size)
        lo = self.rank * q + min(self.rank, r)
        return lo, lo + q + (self.rank < r)

    def sizes(self, n: int) -> list[int]:
        """The shard size of every rank for a global batch of ``n`` items."""
        q, r = divmod(n, self.size)
        return [q + (i < r) for i in range(self.size)]

    def shard(self, batch: Sequence[T]) -> tuple[list[T], bool]:
        """This process's items of a global ``batch`` and whether they count. A process left without items (a
        last batch smaller than the number of processes) gets the first item and ``False``: it still runs the
        forward and backward passes DDP expects, and its loss is multiplied by zero."""
        lo, hi = self.span(len(batch))
        return (list(batch[lo:hi]), True) if hi > lo else (list(batch[:1]), False)

    def all_sum(self, values: Sequence[float]) -> list[float]:
        """Element-wise sum over all processes (float64)."""
        if self.size == 1:
            return list(values)
        t = torch.tensor(list(values), dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return t.tolist()

    def any(self, flag: bool) -> bool:
        """True when ``flag`` is true on any process (a decision every process then takes together)."""
        return flag if self.size == 1 else self.all_sum([float(flag)])[0] > 0

    def broadcast(self, obj: T) -> T:
        """Rank 0's ``obj`` on every process (sent pickled)."""
        if self.size == 1:
            return obj
        box: list[Any] = [obj if self.main else None]
        dist.broadcast_object_list(box, src=0, device=self._object_device())
        return box[0]

    def gather(self, obj: T) -> list[T]:
        """Every process's ``obj``, in rank order, on every process."""
        if self.size == 1:
            return [obj]
        out: list[Any] = [None] * self.size
        dist.all_gather_object(out, obj)
        return out

    def all_rows(self, local: torch.Tensor, sizes: Sequence[int]) -> torch.Tensor:
        """Concatenate every process's rows (``sizes[r]`` rows from rank r) into the global batch. This process's
        rows are ``local`` itself, so gradients flow into them; the others' rows are constants here (their own
        process differentiates them)."""
        if self.size == 1:
            return local
        width = max(sizes)
        pad = torch.zeros((width - local.shape[0], *local.shape[1:]), dtype=local.dtype, device=local.device)
        parts = [local.new_empty((width, *local.shape[1:])) for _ in range(self.size)]
        dist.all_gather(parts, torch.cat([local.detach(), pad]))
        rows = [local if r == self.rank else parts[r][: sizes[r]] for r in range(self.size)]
        return torch.cat(rows)

    def barrier(self) -> None:
        """Wait until every process gets here (the others wait for rank 0 to finish writing: torchrun stops
        the whole world as soon as one process exits with an error status, such as 3 for a stopped run)."""
        if self.size > 1:
            dist.barrier()

    def check_same(self, settings: dict[str, Any]) -> None:
        """Raise :class:`WorldMismatch` on every process when the processes disagree on any of ``settings``
        (what each was started with: config, data, model shape), naming the first key that differs."""
        if self.size == 1:
            return
        everyone = self.gather({k: _plain(v) for k, v in settings.items()})
        for key in settings:
            values = [s[key] for s in everyone]
            odd = next((r for r, v in enumerate(values) if v != values[0]), None)
            if odd is None:
                continue
            a, b = values[0], values[odd]
            if isinstance(a, dict) and isinstance(b, dict):  # name the differing entries
                diff = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
                shown = ", ".join(f"{k}: {a.get(k)} on rank 0, {b.get(k)} on rank {odd}" for k in diff)
            else:
                shown = f"rank 0: {a}, rank {odd}: {b}"
            if len(shown) > 200:
                shown = f"ranks 0 and {odd} differ"
            # every process has received every other's settings before any of them exits: a process leaving
            # while another is still inside the gather makes gloo abort that one (SIGABRT, a C++ traceback)
            self.barrier()
            raise WorldMismatch(f"the {self.size} torchrun processes disagree on {key} ({shown}): start every "
                                f"process with the same command, the same files and the same model")

    def _object_device(self) -> torch.device | None:
        return self.device if self.backend == "nccl" else None


def _plain(value: Any) -> Any:
    """A comparable, printable form of a setting (json-like)."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def fingerprint(*objs: Any) -> str:
    """A short hash of training data (lists of ids, arrays), to check that every process read the same data."""
    h = hashlib.sha256()
    for obj in objs:
        h.update(obj.tobytes() if hasattr(obj, "tobytes") else pickle.dumps(obj, protocol=4))
    return h.hexdigest()[:16]


_WORLD: World | None = None


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw.strip() else default
    except ValueError:
        raise InputError(f"environment variable {name}={raw!r} is not a number (torchrun sets it)") from None


def launched() -> bool:
    """True when this process is one of several started by torchrun (``WORLD_SIZE`` > 1)."""
    return _env_int("WORLD_SIZE", 1) > 1


def current() -> World:
    """The world :func:`setup` made, or a single-process world."""
    return _WORLD if _WORLD is not None else World()


def setup(device: str | torch.device | None = "auto", backend: str = "auto") -> World:
    """Join the torchrun world (once per process) and return it; outside torchrun, a single-process World on
    ``device`` (resolved as ``--device`` always was).

    Under torchrun: ``device`` ``auto``/``cuda`` puts each process on GPU ``LOCAL_RANK`` (one process per GPU)
    with NCCL, ``cpu`` uses gloo; ``backend`` overrides (``gloo`` also works on GPUs). Raises
    :class:`~storyteller.errors.InputError` for NCCL without GPUs, more processes on a host than GPUs, an explicit
    ``cuda:N`` under torchrun, or a rendezvous that cannot be joined.
    """
    global _WORLD
    if backend not in BACKENDS:
        raise InputError(f"--backend {backend!r} is not one of {', '.join(BACKENDS)}")
    if isinstance(device, str) and device.strip().lower() in ("", "auto"):
        device = None
    if _WORLD is not None and _WORLD.size > 1:
        if device is not None and parse_device(device, option="--device").type != _WORLD.device.type:
            raise InputError(f"--device {device} differs from the device this process already trains on "
                             f"({_WORLD.device})")
        return _WORLD
    if not launched() and not (dist.is_available() and dist.is_initialized()):
        dev = resolve_device(device, option="--device")
        if backend == "nccl" and dev.type != "cuda":
            raise InputError("--backend nccl needs CUDA GPUs (one per process), but this run trains on the CPU: "
                             "use --backend gloo (or auto), or --device cuda on a GPU machine")
        return World(device=dev)
    if not dist.is_available():
        raise InputError("this PyTorch build has no torch.distributed: install a standard build to train with torchrun")
    local_rank = _env_int("LOCAL_RANK", 0)
    asked = None if device is None else parse_device(device, option="--device")
    want_cuda = torch.cuda.is_available() if asked is None else asked.type == "cuda"
    if backend == "nccl" and not want_cuda:
        raise InputError("--backend nccl needs CUDA GPUs (one per process), but this run trains on the CPU"
                         + ("" if torch.cuda.is_available() else " (no GPU here)")
                         + ": use --backend gloo (or auto), or --device cuda on a GPU machine")
    if want_cuda:
        if asked is not None and asked.index is not None:
            raise InputError(f"--device {device}: under torchrun give --device cuda; each process takes the GPU "
                             f"of its LOCAL_RANK")
        n_gpu = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if local_rank >= n_gpu:
            raise InputError(f"torchrun started more processes on this host than it has GPUs ({n_gpu}): use "
                             f"--nproc_per_node={n_gpu}" if n_gpu else
                             "--device cuda was asked for but this host has no CUDA GPU: use --device cpu")
        dev = resolve_device(f"cuda:{local_rank}", option="--device")
        torch.cuda.set_device(dev)
    else:
        dev = torch.device("cpu")
    chosen = backend if backend != "auto" else ("nccl" if dev.type == "cuda" else "gloo")
    if chosen == "nccl" and not dist.is_nccl_available():
        raise InputError("--backend nccl: this PyTorch build has no NCCL; use --backend gloo")
    if not dist.is_initialized():
        try:
            dist.init_process_group(chosen, device_id=dev if chosen == "nccl" else None)
        except (RuntimeError, ValueError) as e:
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise InputError(f"could not join the torchrun world ({first}); launch with torchrun and check "
                             f"MASTER_ADDR/MASTER_PORT (--rdzv-endpoint) reach rank 0's host") from e
        atexit.register(_shutdown)
    _WORLD = World(dist.get_rank(), dist.get_world_size(), local_rank, dev, dist.get_backend())
    return _WORLD


def _shutdown() -> None:
    global _WORLD
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
    _WORLD = None


class _LossModule(nn.Module):
    """The trained modules plus the batch-loss function, as one module whose ``forward`` DDP can wrap."""

    def __init__(self, modules: dict[str, nn.Module], fn: Callable[[Any], tuple[torch.Tensor, int]]) -> None:
        super().__init__()
        self.parts = nn.ModuleDict(modules)
        self.fn = fn

    def forward(self, items: Any) -> tuple[torch.Tensor, int]:
        return self.fn(items)


def wrap(world: World, modules: dict[str, nn.Module],
         batch_loss: Callable[[Any], tuple[torch.Tensor, int]]) -> Callable[[Any], tuple[torch.Tensor, int]]:
    """``batch_loss`` run through DistributedDataParallel (gradients summed over processes in backward);
    ``batch_loss`` itself when there is one process."""
    if world.size == 1:
        return batch_loss
    from torch.nn.parallel import DistributedDataParallel

    ids = [world.device.index] if world.device.type == "cuda" else None
    return DistributedDataParallel(_LossModule(modules, batch_loss), device_ids=ids)


def report_errors(fn: Callable[[], int]) -> int:
    """Run a training command; under torchrun, make an error one line in all, not one per process.

    An error every process meets alike (a :class:`~storyteller.errors.StorytellerError`, a bad value or a missing
    file: the same inputs on every process of a host) is printed by ``LOCAL_RANK`` 0 only (a disagreement
    between processes by rank 0 only); the others exit with status 1 silently. Any other error is printed by
    each process that meets it, prefixed with its rank. The line is also left in torchrun's error file, so its
    failure summary names the cause.
    """
    try:
        return fn()
    except Exception as e:
        if not launched():
            raise
        rank, local_rank = _env_int("RANK", 0), _env_int("LOCAL_RANK", 0)
        alike = isinstance(e, (StorytellerError, ValueError, OSError))
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        line = first if alike else f"rank {rank}: {first}"
        _error_file(f"storyteller: error: {line}")
        speaks = rank == 0 if isinstance(e, WorldMismatch) else (local_rank == 0 or not alike)
        if not speaks:
            sys.stderr.flush()
            raise SystemExit(1) from None
        if alike:
            raise
        raise RuntimeError(line) from e


def note_exit(message: str) -> None:
    """Under torchrun, leave ``message`` (why this process exits with a non-zero status that is no error, e.g. a
    run stopped by its time budget) where torchrun's failure summary shows it."""
    if launched():
        _error_file(message)


def _error_file(message: str) -> None:
    path = os.environ.get("TORCHELASTIC_ERROR_FILE")
    if path:  # torchrun's own per-process file (not an output): its failure summary shows this message
        try:
            with open(path, "w") as f:
                json.dump({"message": message, "timestamp": int(time.time())}, f)
        except OSError:
            pass
