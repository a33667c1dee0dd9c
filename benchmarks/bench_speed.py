#!/usr/bin/env python
"""The "Speed" figures of issue 11, one JSON object per line on stdout (progress on stderr), from one run.

Each figure is one function registered with ``@figure(name)``; it measures, then calls ``ctx.emit(...)`` once.
Add a figure by writing such a function (the order of definition is the order of the run). The full-size figures
use the synthetic model of ``bench_full_size.py`` (the original's dimensions, random weights), built once per run
in a temporary folder (``--reuse FOLDER`` measures a model kept with ``--keep``), with a pool of 10^6 captions.

  cli_wall_minus_import_torch_s  ``python -m storyteller images/cat.jpg`` on the default bundle, wall seconds,
                                 minus ``python -c "import torch"`` (medians of --runs fresh processes; target 2)
  encode_first_vs_warm           first ``skipthoughts.encode`` of 100 retrieved captions in a fresh process
                                 after loading / the best warm call (full size; the bundle's too; target 1.5)
  peak_rss_10e6_captions_gb      peak RSS (VmHWM) of ``load_all`` with the full-size model and 10^6 captions, GB
                                 (target 1.2); also after one retrieval over the whole pool
  tell_many_speedup              ``tell`` s / ``tell_many`` s per image, 50 images, default bundle (target 3;
                                 benchmarks/bench_beams.py)
  plain_first_speedup            ``tell`` s per image with the fast try always made / with ``ties.plain_first``
                                 (the default), 20 bundle images, same texts (benchmarks/bench_beams.py)
  settle_speedup                 ``tell`` s per image with the search run to its end / stopped once the best
                                 is settled (the default), 20 bundle images, same texts (benchmarks/bench_beams.py)
  beam_step_bw50_parts           full-size beam step, bw=50: GFLOP/s in ``Decoder.step`` / matmul peak, and where
                                 the step's time goes (target 0.8; benchmarks/bench_beams.py)

Usage:
  python benchmarks/bench_speed.py                        # full size: ~9 GB of temporary disk
  python benchmarks/bench_speed.py --quick                # scaled-down smoke run
  python benchmarks/bench_speed.py --keep --workdir W ; python benchmarks/bench_speed.py --reuse W/.../model
  python benchmarks/bench_speed.py --only encode_first_vs_warm,peak_rss_10e6_captions_gb
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_beams as beams  # noqa: E402  (tell_many vs tell, the beam step's parts)
import bench_full_size as full  # noqa: E402  (the synthetic model's builder)

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"cli_wall_minus_import_torch_s": ("<=", 2.0), "encode_first_vs_warm": ("<=", 1.5),
           "peak_rss_10e6_captions_gb": ("<=", 1.2), "tell_many_speedup": (">=", 3.0),
           "beam_step_bw50_parts": (">=", 0.8), "plain_first_speedup": (">=", 1.0),
           "settle_speedup": (">=", 1.2)}
FIGURES: dict[str, Callable[[Context], None]] = {}
USER_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}  # as the user started the run (the bundle's cache is theirs)
log = full.log


def figure(name: str) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    """Register a figure function under ``name`` (its JSON line's ``figure``)."""
    def register(fn: Callable[[Context], None]) -> Callable[[Context], None]:
        FIGURES[name] = fn
        return fn
    return register


@dataclass
class Context:
    """What the figure functions share: the options, the synthetic model folder (built on first use), emit."""

    args: argparse.Namespace
    dims: dict
    _model: Path | None = None
    _tmp: Path | None = None
    common: dict = field(default_factory=dict)

    @property
    def quick(self) -> bool:
        return bool(self.args.quick)

    def model(self) -> Path:
        """The synthetic full-size model folder (config.yaml, caption pool, cvec cache), built once."""
        if self._model is None:
            if self.args.reuse:
                self._model = Path(self.args.reuse)
            else:
                base = Path(self.args.workdir or tempfile.gettempdir())
                base.mkdir(parents=True, exist_ok=True)
                need, free = full.estimate_bytes(self.dims), shutil.disk_usage(base).free
                if need * 1.1 > free:
                    raise SystemExit(f"need about {need / 1e9:.1f} GB in {base} but only {free / 1e9:.1f} GB are "
                                     "free; use --workdir elsewhere, --captions N or --quick")
                self._tmp = Path(tempfile.mkdtemp(prefix="storyteller-speed-", dir=base))
                self._model = self._tmp / "model"
                t = time.perf_counter()
                full.build_model(self._model, self.dims, self.args.seed)
                full.fake_cache(self._model)
                log(f"built the synthetic model in {time.perf_counter() - t:.0f} s: {self._model}")
            os.environ.setdefault("STORYTELLER_CACHE", str(self._model.parent / "user-cache"))
        return self._model

    def emit(self, name: str, value: float, unit: str, **extra) -> None:
        rec = {"figure": name, "value": round(float(value), 4), "unit": unit, "quick": self.quick, **self.common}
        if name in TARGETS:
            op, bound = TARGETS[name]
            rec["target"] = f"{op} {bound:g}"
            rec["ok"] = bool(value >= bound if op == ">=" else value <= bound)
        rec.update(extra)
        print(json.dumps(rec), flush=True)

    def close(self) -> None:
        if self._tmp is not None:
            if self.args.keep:
                log(f"kept the synthetic model in {self._model}")
            else:
                shutil.rmtree(self._tmp, ignore_errors=True)


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def python(code: str, *args: str, env: dict | None = None) -> dict:
    """Run ``code`` in a fresh interpreter (this one, the repository importable; ``env`` default: this process's
    environment, with the synthetic model's cache folder); its last stdout line as JSON."""
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=1800,
                          cwd=ROOT, env=env or {**os.environ, "PYTHONPATH": str(ROOT)})
    if proc.returncode != 0:
        raise RuntimeError(f"subprocess failed: {proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def status_kb() -> str:
    """Python source of a function that reads VmHWM/VmRSS/RssAnon/RssFile of the running process, in kB."""
    return ("def status_kb():\n"
            "    return {l.split(':')[0]: int(l.split()[1]) for l in open('/proc/self/status')\n"
            "            if l.startswith(('VmHWM', 'VmRSS', 'RssAnon', 'RssFile'))}\n")


# ------------------------------------------------------------------------------------------------ figures
@figure("cli_wall_minus_import_torch_s")
def cli_wall(ctx: Context) -> None:
    """Fresh processes, alternating: ``python -c "import torch"`` and the story command on the bundle (its caches
    are built by one untimed run first). Value: median story wall time - median torch import wall time."""
    story = [sys.executable, "-m", "storyteller", "images/cat.jpg"] + (["--bw", "5"] if ctx.quick else [])
    torch_only = [sys.executable, "-c", "import torch"]
    env = dict(USER_ENV)

    def wall(cmd: list[str]) -> tuple[float, float]:
        t = time.perf_counter()
        before = os.times()
        subprocess.run(cmd, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=1800)
        after = os.times()
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        return time.perf_counter() - t, cpu

    wall(story)  # caches (caption vectors, tokens, file hashes) and the page cache, as a user's second run
    loads, torch_s, story_s, torch_cpu, story_cpu = [load_average()], [], [], [], []
    for _ in range(ctx.args.runs):
        w, c = wall(torch_only)
        torch_s.append(w)
        torch_cpu.append(c)
        w, c = wall(story)
        story_s.append(w)
        story_cpu.append(c)
        loads.append(load_average())
    med = statistics.median
    ctx.emit("cli_wall_minus_import_torch_s", med(story_s) - med(torch_s), "s", story_s=[round(x, 2) for x in story_s],
             import_torch_s=[round(x, 2) for x in torch_s], story_cpu_s=round(med(story_cpu), 2),
             import_torch_cpu_s=round(med(torch_cpu), 2), load_average=[round(x, 1) for x in loads],
             args=story[3:])


ENCODE_SCRIPT = r"""
import json, sys, time
import numpy as np
import torch
from storyteller import pipeline, skipthoughts
teller = pipeline.load(sys.argv[1] or None)
feats = np.maximum(np.random.default_rng(0).standard_normal(teller.vse.options["dim_image"]).astype(np.float32), 0)
sents = [c for c, _ in teller.nearest(feats, int(sys.argv[2]))]
out = {"n": len(sents)}
calls = {"direct": lambda: skipthoughts.encode(teller.skipthoughts, sents, nonascii_unk=True),
         "story": lambda: teller.caption_skipthoughts(sents)}
for name in sys.argv[3].split(","):
    times = []
    for _ in range(4):
        t = time.perf_counter()
        calls[name]()
        times.append(time.perf_counter() - t)
    out[name] = {"first_s": times[0], "warm_s": min(times[1:])}
print(json.dumps(out))
"""


@figure("encode_first_vs_warm")
def encode_first_vs_warm(ctx: Context) -> None:
    """A fresh process loads the model, retrieves 100 captions for random features and encodes them four
    times with ``skipthoughts.encode``: value = first call / best of the other three, at full size (its pool is
    too large for cached tokens, so NLTK comes with the load). On the default bundle: ``bundle_ratio`` for the
    story path (``Storyteller.caption_skipthoughts``: the pool's cached tokens, no NLTK), then
    ``bundle_direct_ratio`` for ``skipthoughts.encode`` of the same captions, whose first call imports NLTK."""
    big = python(ENCODE_SCRIPT, str(ctx.model()), "100", "direct")
    small = python(ENCODE_SCRIPT, "", "100", "story,direct", env=USER_ENV)
    r = lambda d: round(d["first_s"] / d["warm_s"], 3)  # noqa: E731
    ctx.emit("encode_first_vs_warm", r(big["direct"]), "ratio", first_s=round(big["direct"]["first_s"], 3),
             warm_s=round(big["direct"]["warm_s"], 3), bundle_ratio=r(small["story"]),
             bundle_first_s=round(small["story"]["first_s"], 3), bundle_warm_s=round(small["story"]["warm_s"], 3),
             bundle_direct_ratio=r(small["direct"]), bundle_direct_first_s=round(small["direct"]["first_s"], 3),
             captions=big["n"], load_average=round(load_average(), 1))


RSS_SCRIPT = r"""
import json, sys
import numpy as np
from storyteller import generate
""" + status_kb() + r"""
z = generate.load_all(sys.argv[1], verbose=False)
loaded = status_kb()
feats = np.maximum(np.random.default_rng(0).standard_normal(z["vse"].options["dim_image"]).astype(np.float32), 0)
generate.retrieve(z, feats, 100)
print(json.dumps({"loaded": loaded, "retrieved": status_kb(), "captions": len(z["cap"]),
                  "captions_type": type(z["cap"]).__name__}))
"""


@figure("peak_rss_10e6_captions_gb")
def peak_rss(ctx: Context) -> None:
    """VmHWM of a fresh process after ``load_all`` of the full-size model with its pool (10^6 captions unless
    ``--captions``); ``after_retrieval_*`` after one retrieval over the whole pool (its memory-mapped caption
    vectors count in RSS while mapped: ``rss_file_gb``)."""
    r = python(RSS_SCRIPT, str(ctx.model()))
    gb = lambda kb: round(kb / 2 ** 20, 3)  # noqa: E731
    lo, re = r["loaded"], r["retrieved"]
    ctx.emit("peak_rss_10e6_captions_gb", lo["VmHWM"] / 2 ** 20, "GB", captions=r["captions"],
             captions_type=r["captions_type"], rss_anon_gb=gb(lo.get("RssAnon", 0)),
             rss_file_gb=gb(lo.get("RssFile", 0)),
             after_retrieval_peak_gb=gb(re["VmHWM"]), after_retrieval_rss_anon_gb=gb(re.get("RssAnon", 0)),
             after_retrieval_rss_file_gb=gb(re.get("RssFile", 0)))


@figure("tell_many_speedup")
def tell_many_speedup(ctx: Context) -> None:
    """``tell_many`` on 50 bundle images vs 50 ``tell`` calls, per image (benchmarks/bench_beams.py)."""
    beams.tell_many_speedup(ctx.emit, quick=ctx.quick)


@figure("plain_first_speedup")
def plain_first_speedup(ctx: Context) -> None:
    """``tell`` with the fast try always made vs ``ties.plain_first``, per image (benchmarks/bench_beams.py)."""
    beams.plain_first_speedup(ctx.emit, quick=ctx.quick)


@figure("settle_speedup")
def settle_speedup(ctx: Context) -> None:
    """``tell`` with the search run to its end vs stopped once the best is settled (benchmarks/bench_beams.py)."""
    beams.settle_speedup(ctx.emit, quick=ctx.quick)


@figure("beam_step_bw50_parts")
def beam_step_parts(ctx: Context) -> None:
    """A full-size beam step (bw=50) against the measured matmul peak, and where its time goes (bench_beams.py)."""
    beams.beam_step_bw50_parts(ctx.emit, quick=ctx.quick)


# ----------------------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="scaled-down smoke run (small synthetic model, 1 run)")
    ap.add_argument("--only", default="", help=f"comma-separated figures (default all: {', '.join(FIGURES)})")
    ap.add_argument("--runs", type=int, default=None, help="fresh processes per timing (default 5; --quick 1)")
    ap.add_argument("--captions", type=int, default=None, help="caption pool of the synthetic model (default 10^6)")
    ap.add_argument("--table-rows", type=int, help="rows of each word table (default 930913)")
    ap.add_argument("--workdir", default=None, help="where the synthetic model goes (default: system temp)")
    ap.add_argument("--reuse", default=None, help="a model folder kept by an earlier --keep run")
    ap.add_argument("--keep", action="store_true", help="keep the synthetic model folder")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 5)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    if args.only.strip() and not names:
        ap.error(f"--only {args.only!r} names no figure; give comma-separated names of: {', '.join(FIGURES)}")
    names = names or list(FIGURES)
    unknown = sorted(set(names) - set(FIGURES))
    if unknown:
        raise SystemExit(f"unknown figure(s) {', '.join(unknown)}; known: {', '.join(FIGURES)}")
    dims = dict(full.QUICK if args.quick else full.FULL, captions=120_000 if args.quick else 1_000_000)
    if args.captions:
        dims["captions"] = args.captions
    if args.table_rows:
        dims["table_rows"] = args.table_rows
    ctx = Context(args, dims, common={"cpus": os.cpu_count()})
    try:
        for name in names:
            log(f"measuring {name} (load average {load_average():.1f})")
            FIGURES[name](ctx)
    finally:
        ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
