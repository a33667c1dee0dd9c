"""Training across processes: real ``torchrun`` runs (2 processes, gloo on the CPU, localhost) of the plain
``python -m storyteller train-...`` commands, against the same command on one process.

Every launch is checked for what it wrote: a ``sitecustomize`` on the launched processes' path records (Python audit
hooks) each file opened for writing, created, renamed or removed under the test's folder, per rank.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from storyteller.__main__ import main
from storyteller.errors import InputError
from storyteller.train import corpus, distributed
from storyteller.train.skipthoughts import SkipThoughtConfig, train_skipthoughts

pytestmark = pytest.mark.skipif(not (torch.distributed.is_available() and torch.distributed.is_gloo_available()),
                                reason="this PyTorch build has no torch.distributed with gloo")
torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[1]
# One process at batch B and two at B/2 compute the same sums in another order (a batch's token losses, each
# gradient entry: at most ~2,000 float32 terms here), which may differ by n x 2^-24 ~ 1.2e-4 relative at worst;
# a few Adam steps carry such differences into the weights at the same scale (measured: ~1e-7).
RTOL, ATOL = 1e-4, 1e-4

AUDIT_HOOK = '''
import os, sys
_dir, _root, _rank = os.environ.get("AUDIT_DIR"), os.environ.get("AUDIT_ROOT"), os.environ.get("RANK")
if _dir and _root and _rank is not None:
    _log = open(os.path.join(_dir, f"rank{_rank}.{os.getpid()}.log"), "a", buffering=1)
    _WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    def _hook(event, args):
        if event == "open":
            path, mode, flags = args
            if not (any(c in mode for c in "wax+") if isinstance(mode, str) else (flags or 0) & _WRITE):
                return
        elif event in ("os.rename", "os.mkdir", "os.remove", "os.rmdir", "os.truncate", "os.symlink", "os.link"):
            path = args[1] if event == "os.rename" else args[0]
        else:
            return
        if isinstance(path, (str, os.PathLike)) and os.path.abspath(path).startswith(_root):
            _log.write(f"{event} {os.path.abspath(path)}\\n")
    sys.addaudithook(_hook)
'''


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """Tiny inputs: a book, a skip-thoughts model trained here (the decoder's conditioning), 41 captions with
    random image features (an odd number of training pairs: the last batch leaves one process without items)."""
    tmp = tmp_path_factory.mktemp("dist")
    paras = corpus.paragraphs(corpus.read_text(ROOT / "data" / "austen" / "persuasion.txt.gz"))[:30]
    (tmp / "book.txt").write_text("\n\n".join(paras))
    docs = [[s for p in corpus.tokenize_paragraphs(paras) for s in p]]
    cfg = SkipThoughtConfig(dim_word=8, uni_dim=8, bi_dim=4, dec_dim=16, max_words=200, epochs=1, batch_size=32)
    train_skipthoughts(docs, tmp / "st", tmp / "st", cfg, device="cpu")
    (tmp / "st.yaml").write_text(f"skmodels: {tmp / 'st'}\nsktables: {tmp / 'st'}\n")
    (tmp / "none.yaml").write_text(f"cache: {tmp / 'cache'}\n")  # a base model without parts
    caps = [f"{d} {n} {a}" for n in ("cat", "dog", "pizza", "car", "boat") for d in ("A", "The")
            for a in ("on a table", "in a field", "near the water", "at night")] + ["A horse in the snow"]
    (tmp / "caps.txt").write_text("\n".join(caps) + "\n")
    np.save(tmp / "feats.npy", np.random.default_rng(0).normal(size=(len(caps), 12)).astype(np.float32))
    (tmp / "site").mkdir()
    (tmp / "site" / "sitecustomize.py").write_text(AUDIT_HOOK)
    return tmp


def decoder_args(w: Path) -> list[str]:
    return ["train-decoder", str(w / "book.txt"), "--config", str(w / "st.yaml"), "--device", "cpu",
            "--dim-word", "8", "--dim", "16", "--max-words", "200", "--min-tokens", "20", "--max-tokens", "60",
            "--stride", "1", "--epochs", "3"]


def vse_args(w: Path) -> list[str]:
    return ["train-vse", "--captions", str(w / "caps.txt"), "--features", str(w / "feats.npy"), "--config",
            str(w / "none.yaml"), "--device", "cpu", "--dim", "8", "--dim-word", "8", "--epochs", "3"]


def launch(w: Path, args: list[str], out: str, *, nproc: int = 2, torchrun_args: tuple | None = None,
           wait: bool = True):
    """``torchrun ... -m storyteller ARGS --out w/OUT`` with writes audited into ``w/audit-OUT``."""
    audit = w / f"audit-{out}"
    audit.mkdir(exist_ok=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(w / "site")]), AUDIT_DIR=str(audit),
               AUDIT_ROOT=str(w), OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    if torchrun_args is None:
        torchrun_args = ("--nnodes=1", "--master_addr=127.0.0.1", f"--master_port={_free_port()}")
    cmd = [sys.executable, "-m", "torch.distributed.run", *torchrun_args, f"--nproc_per_node={nproc}",
           "-m", "storyteller", *args, "--out", str(w / out)]
    if not wait:  # output into files: a pipe nobody reads could fill and stall the run
        return subprocess.Popen(cmd, env=env, stdout=open(audit / "stdout", "w"), stderr=open(audit / "stderr", "w"),
                                text=True)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def run_here(args: list[str]) -> str:
    """The plain command on this one process."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(args) == 0
    return buf.getvalue()


def writes(w: Path, out: str) -> dict[str, list[str]]:
    """Rank -> files that rank wrote (audited) during the launches into ``out``."""
    seen: dict[str, list[str]] = {}
    for log in (w / f"audit-{out}").glob("rank*.log"):
        seen.setdefault(log.name.split(".")[0], []).extend(log.read_text().splitlines())
    return seen


def only_rank0_wrote(w: Path, out: str) -> None:
    seen = writes(w, out)
    assert seen.get("rank0"), f"rank 0 wrote nothing: {seen}"
    assert all(not lines for rank, lines in seen.items() if rank != "rank0"), seen


def weights(folder: Path, name: str) -> dict[str, np.ndarray]:
    return load_file(folder / name)


def history(folder: Path, name: str) -> list[dict]:
    return json.loads((folder / name).read_text())["history"]


def assert_close_runs(a: Path, b: Path, model: str, keys: tuple[str, ...]) -> None:
    log = model.replace(".safetensors", ".training.json")
    ha, hb = history(a, log), history(b, log)
    assert [h["epoch"] for h in ha] == [h["epoch"] for h in hb] == [1, 2, 3]
    for x, y in zip(ha, hb):
        for k in keys:
            assert y[k] == pytest.approx(x[k], rel=RTOL), (k, ha, hb)
    wa, wb = weights(a, model), weights(b, model)
    assert wa.keys() == wb.keys()
    for k in wa:
        np.testing.assert_allclose(wb[k], wa[k], rtol=RTOL, atol=ATOL, err_msg=k)


def test_two_processes_follow_one_process_decoder_curve(work):
    """train-decoder: 2 processes x batch 8 == 1 process x batch 16 (the default path, unchanged)."""
    run_here(decoder_args(work) + ["--out", str(work / "dec1"), "--batch-size", "16"])
    r = launch(work, decoder_args(work) + ["--batch-size", "8"], "dec2")
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count('{"finished": true') == 1  # rank 0 alone reports
    assert_close_runs(work / "dec1", work / "dec2", "decoder.safetensors", ("heldout_loss", "train_loss_last"))
    assert {p.name for p in (work / "dec2").iterdir()} == {p.name for p in (work / "dec1").iterdir()}
    only_rank0_wrote(work, "dec2")


def test_vse_stopped_by_time_budget_and_resumed_follows_one_process(work):
    """train-vse on 2 processes x batch 6 == 1 process x batch 12: the contrastive loss is taken over the whole
    global batch (embeddings gathered); 37 training pairs leave rank 1 without items in each epoch's last batch.
    The run is stopped by --time-budget, which all processes decide together (none is left waiting in a
    collective): after its first step, checkpointed, status 3; --resume finishes it."""
    run_here(vse_args(work) + ["--out", str(work / "vse1"), "--batch-size", "12"])
    args = vse_args(work) + ["--batch-size", "6"]
    r = launch(work, args + ["--time-budget", "0.000001"], "vse2")
    assert r.returncode != 0 and r.stdout.count('{"finished": false') == 1, r.stderr[-3000:]
    assert "stopped before the last epoch" in r.stderr  # torchrun's failure summary names the reason
    stopped = torch.load(work / "vse2" / "vse.ckpt", weights_only=False)
    assert (stopped["epoch"], stopped["step"], stopped["processes"]) == (0, 1, 2)
    r = launch(work, args + ["--resume"], "vse2")
    assert r.returncode == 0, r.stderr[-3000:]
    assert_close_runs(work / "vse1", work / "vse2", "vse.safetensors", ("train_loss",))
    only_rank0_wrote(work, "vse2")


def _pid_of_rank(parent: int, rank: int, timeout: float = 60) -> int:
    """The pid of the torchrun worker with RANK=rank among ``parent``'s descendants (Linux /proc)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for proc in Path("/proc").iterdir():
            with contextlib.suppress(OSError, ValueError):
                if f"RANK={rank}".encode() in (proc / "environ").read_bytes().split(b"\0") \
                        and _descends(int(proc.name), parent):
                    return int(proc.name)
        time.sleep(0.05)
    raise AssertionError(f"no worker with RANK={rank} under pid {parent}")


def _descends(pid: int, ancestor: int) -> bool:
    while pid > 1:
        try:
            pid = int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
        if pid == ancestor:
            return True
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the rank-1 process through /proc")
def test_resume_after_rank1_crash_continues_exactly(work):
    """Kill rank 1 mid-run (SIGKILL, after a checkpoint): `--resume` on 2 processes ends with the same weights and
    history, bit for bit, as the uninterrupted 2-process run of test 1."""
    if not (work / "dec2" / "decoder.safetensors").exists():
        pytest.skip("needs the uninterrupted run of test_two_processes_follow_one_process_decoder_curve")
    args = decoder_args(work) + ["--batch-size", "8", "--checkpoint-every", "1"]
    ckpt = work / "dec3" / "decoder.ckpt"
    p = launch(work, args, "dec3", wait=False)
    try:
        rank1 = _pid_of_rank(p.pid, 1)
        end = time.monotonic() + 120
        while not ckpt.exists() and p.poll() is None and time.monotonic() < end:
            time.sleep(0.02)
        os.kill(rank1, signal.SIGKILL)
        p.wait(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode != 0, "the run ended before rank 1 was killed"
    stopped = torch.load(ckpt, weights_only=False)
    assert stopped["epoch"] < 3 and not (work / "dec3" / "decoder.safetensors").exists()
    r = launch(work, args + ["--resume"], "dec3")
    assert r.returncode == 0, r.stderr[-3000:]
    want, got = weights(work / "dec2", "decoder.safetensors"), weights(work / "dec3", "decoder.safetensors")
    assert all(np.array_equal(want[k], got[k]) for k in want)
    assert history(work / "dec3", "decoder.training.json") == history(work / "dec2", "decoder.training.json")
    only_rank0_wrote(work, "dec3")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_mismatched_processes_give_one_line(work):
    """Two 'hosts' joined by hand (the env:// variables torchrun sets: RANK, WORLD_SIZE, MASTER_ADDR/PORT) but
    started with different --batch-size: one clear line, from rank 0; no traceback; nothing written."""
    port, audit = _free_port(), work / "audit-mismatch"
    audit.mkdir()
    procs = []
    for rank, batch in enumerate(("6", "4")):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(work / "site")]), AUDIT_DIR=str(audit),
                   AUDIT_ROOT=str(work), OMP_NUM_THREADS="1", RANK=str(rank), LOCAL_RANK="0", WORLD_SIZE="2",
                   LOCAL_WORLD_SIZE="1", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        procs.append(subprocess.Popen([sys.executable, "-m", "storyteller", *vse_args(work), "--batch-size", batch,
                                       "--out", str(work / "mismatch")], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=300) for p in procs]
    results = [subprocess.CompletedProcess(p.args, p.returncode, *o) for p, o in zip(procs, outputs)]
    assert [r.returncode for r in results] == [1, 1]
    lines = [ln for r in results for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("storyteller: error: the 2 torchrun processes disagree on the "
                                                   "training settings (batch_size: 6 on rank 0, 4 on rank 1)"), lines
    seen = writes(work, "mismatch")
    assert not seen.get("rank1") and all(ln.startswith("os.mkdir") for ln in seen.get("rank0", [])), seen


def test_backend_and_device_errors_are_one_line(work, monkeypatch, capsys):
    """NCCL on the CPU: a clear error before anything starts, on one process or under torchrun; under torchrun
    only LOCAL_RANK 0 says it (the others exit 1 silently)."""
    assert main(vse_args(work) + ["--out", str(work / "x"), "--backend", "nccl"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--backend nccl needs CUDA GPUs" in err[0] and not (work / "x").exists()
    for var, value in {"WORLD_SIZE": "2", "RANK": "1", "LOCAL_RANK": "1", "TORCHELASTIC_ERROR_FILE": ""}.items():
        monkeypatch.setenv(var, value)
    with pytest.raises(InputError, match="nccl needs CUDA GPUs"):
        distributed.setup("cpu", "nccl")
    with pytest.raises(SystemExit) as stop:
        main(vse_args(work) + ["--out", str(work / "x"), "--backend", "nccl"])
    assert stop.value.code == 1 and capsys.readouterr().err == ""
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert main(vse_args(work) + ["--out", str(work / "x"), "--backend", "nccl"]) == 1
    assert capsys.readouterr().err.count("storyteller: error:") == 1
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="no CUDA GPU"):
            distributed.setup("cuda")


def test_shards_cover_a_global_batch_in_order():
    for n in range(0, 9):
        for size in (1, 2, 3):
            spans = [distributed.World(rank=r, size=size).span(n) for r in range(size)]
            assert spans[0][0] == 0 and spans[-1][1] == n
            assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
            assert max(hi - lo for lo, hi in spans) - min(hi - lo for lo, hi in spans) <= 1
            assert [hi - lo for lo, hi in spans] == distributed.World(size=size).sizes(n)
    items, counts = distributed.World(rank=1, size=2).shard(["a"])
    assert items == ["a"] and counts is False


def test_vse_resumes_mid_epoch_exactly_on_one_process(work):
    """train-vse now runs on the shared fit loop: a run stopped mid-epoch (checkpointed) resumes to exactly the
    weights of an uninterrupted run (its image noise generator is checkpointed too)."""
    from storyteller.train.vse import VSEConfig, train_vse

    caps = (work / "caps.txt").read_text().splitlines()
    classes = [[i % 7, 100 + i % 5] for i in range(len(caps))]
    cfg = VSEConfig(dim=8, dim_word=8, epochs=2, batch_size=8, heldout=0.2)
    full = train_vse(caps, work / "v1" / "vse.safetensors", cfg, caption_classes=classes, device="cpu")
    part = train_vse(caps, work / "v2" / "vse.safetensors", cfg, caption_classes=classes, device="cpu",
                     time_budget=1e-6)
    assert not part["finished"] and torch.load(work / "v2" / "vse.ckpt", weights_only=False)["step"] == 1
    again = train_vse(caps, work / "v2" / "vse.safetensors", cfg, caption_classes=classes, device="cpu",
                      resume=True)
    assert again["history"] == full["history"]
    a, b = weights(work / "v1", "vse.safetensors"), weights(work / "v2", "vse.safetensors")
    assert all(np.array_equal(a[k], b[k]) for k in a)
    # resuming with another (global) batch size would skip the wrong items: refused, naming both
    train_vse(caps, work / "v3" / "vse.safetensors", cfg, caption_classes=classes, device="cpu", time_budget=1e-6)
    cfg.batch_size = 4
    with pytest.raises(InputError, match="global batch 8.*--batch-size 4"):
        train_vse(caps, work / "v3" / "vse.safetensors", cfg, caption_classes=classes, device="cpu", resume=True)
