#!/usr/bin/env python
"""Beam-search speed figures of issue 11, one JSON object per line on stdout (progress on stderr).

  tell_many_speedup   ``Storyteller.tell_many`` on N images of the default bundle vs N ``tell`` calls, the
                      original's defaults (100 captions, beam width 50): seconds per image of each, and their
                      ratio (target 3). Also the CPU-time ratio (less sensitive to other jobs), how many of
                      ``tell``'s searches met a near tie (then ``tell`` searched again on the plain ops), how many
                      of ``tell_many``'s images were decoded alone, where ``tell_many``'s time went, and whether
                      every text equals ``tell``'s.
  plain_first_speedup one ``tell`` per image of the default bundle at the original's defaults, with the fast try
                      before the plain search always made vs skipped for a decoder whose recent fast searches
                      all met a near tie (``storyteller.ties.plain_first``, the default): seconds per image of
                      each (interleaved, image by image), their ratio, and whether every text is the same.
  settle_speedup      one ``tell`` per image of the default bundle at the original's defaults, with the search run
                      to its end (every hypothesis, as ``gen_sample`` returns them) vs stopped once the best one is
                      settled (``beam_search(settle=1)``, the default for stories): seconds per image of each
                      (interleaved, image by image), their ratio, the search steps of each, and whether every
                      text is the same (target 1.2).
  beam_step_bw50_parts  one beam step at width 50 at the original's full size (random decoder weights only, no
                      model files): GFLOP/s inside ``Decoder.step`` / the measured matmul peak (target 0.8), and
                      the time of its parts (the four GEMMs alone, softmax, gates) and of the search step's rest
                      (log, costs, top-k over 50 x 20,000).

Each figure is a function ``fn(emit, quick=..., ...)`` that measures and calls ``emit(name, value, unit,
**extra)`` once (``bench_speed.py`` registers them). ``--quick``: 3 images, beam width 8, 20 words.

  python benchmarks/bench_beams.py [--images 50] [--threads N] [--quick]
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"tell_many_speedup": (">=", 3.0), "beam_step_bw50_parts": (">=", 0.8),
           "plain_first_speedup": (">=", 1.0), "settle_speedup": (">=", 1.2)}
Emit = Callable[..., None]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def bundle_images(n: int) -> list:
    """``n`` pictures: the repository's photos (eval/photos, images/), then mirrored copies of them."""
    from PIL import Image, ImageOps

    paths = sorted(glob.glob(str(ROOT / "eval" / "photos" / "*.jpg"))) + sorted(glob.glob(str(ROOT / "images" /
                                                                                               "*.jpg")))
    if not paths:
        raise SystemExit("no photos found in eval/photos or images/")
    out: list = list(paths[:n])
    i = 0
    while len(out) < n:
        with Image.open(paths[i % len(paths)]) as im:
            out.append(ImageOps.mirror(im.convert("RGB")))
        i += 1
    return out


class Timings:
    """Wall and CPU seconds spent inside some functions (wrapped in place, restored on exit)."""

    def __init__(self, targets: dict[str, tuple[object, str]]) -> None:
        self.targets, self.wall, self.saved = targets, {k: 0.0 for k in targets}, {}

    def __enter__(self) -> Timings:
        for label, (owner, name) in self.targets.items():
            real = getattr(owner, name)
            self.saved[label] = real

            def timed(*a, _real=real, _label=label, **k):
                t = time.perf_counter()
                try:
                    return _real(*a, **k)
                finally:
                    self.wall[_label] += time.perf_counter() - t
            setattr(owner, name, timed)
        return self

    def __exit__(self, *exc) -> None:
        for label, (owner, name) in self.targets.items():
            setattr(owner, name, self.saved[label])


def tell_many_speedup(emit: Emit, quick: bool = False, images: int = 50, profile: bool = False) -> None:
    """``tell_many`` vs ``tell`` on the default bundle (see the module's docstring)."""
    import torch

    import storyteller
    from storyteller import batching, beams, generation

    n = 3 if quick else images
    knobs = {"num_beams": 8, "max_new_tokens": 20} if quick else {}
    teller = storyteller.load()
    pics = bundle_images(n)
    teller.tell(pics[0], **knobs)                       # warm-up: packs, caches, first-call imports
    teller.tell_many(pics[:2], **knobs)                 # ... and the batch-invariance probe
    near_ties = 0
    real_beam = generation._beam

    def counting(*a, check_ties=False, **k):
        nonlocal near_ties
        try:
            return real_beam(*a, check_ties=check_ties, **k)
        except generation._NearTie:
            near_ties += 1
            raise

    load0 = os.getloadavg()[0]
    generation._beam = counting
    try:
        t, c = time.perf_counter(), time.process_time()
        alone = [teller.tell(p, **knobs) for p in pics]
        t_tell, c_tell = time.perf_counter() - t, time.process_time() - c
    finally:
        generation._beam = real_beam
    searches = n  # one search per image: fast (plus a plain one after a near tie), or plain at once (plain_first)
    log(f"tell x {n}: {t_tell:.1f} s; near ties {near_ties}/{searches}")
    parts = {"features": (batching, "features"), "nearest": (batching, "nearest"),
             "skipthoughts": (teller, "caption_skipthoughts"), "search_many": (beams, "search_many")}
    decoded_alone = 0
    real_generate = generation.generate

    def counting_generate(*a, **k):
        nonlocal decoded_alone
        decoded_alone += 1
        return real_generate(*a, **k)

    from storyteller import modes
    modes.generate = counting_generate
    try:
        with Timings(parts) as tm:
            t, c = time.perf_counter(), time.process_time()
            many = teller.tell_many(pics, **knobs)
            t_many, c_many = time.perf_counter() - t, time.process_time() - c
    finally:
        modes.generate = real_generate
    same = [a.text == b.text for a, b in zip(alone, many)]
    log(f"tell_many: {t_many:.1f} s; same texts {sum(same)}/{n}")
    emit("tell_many_speedup", t_tell / t_many, "x (tell s / tell_many s, per image)",
         images=n, knobs=knobs, tell_s_per_image=round(t_tell / n, 3), tell_many_s_per_image=round(t_many / n, 3),
         cpu_ratio=round(c_tell / c_many, 3), tell_cpu_s_per_image=round(c_tell / n, 3),
         tell_many_cpu_s_per_image=round(c_many / n, 3), tell_near_ties=near_ties, tell_searches=searches,
         tell_many_decoded_alone=decoded_alone, same_texts=all(same), texts_differing=same.count(False),
         tell_many_parts_s={k: round(v, 2) for k, v in tm.wall.items()}, threads=torch.get_num_threads(),
         load_avg_before=round(load0, 2), load_avg_after=round(os.getloadavg()[0], 2))
    if profile:
        few = pics[: min(n, 10)]
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            teller.tell_many(few, **{**knobs, "max_new_tokens": 15})
        log(f"---- torch.profiler: tell_many, {len(few)} images, 15 words")
        log(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=20))


def interleaved_tells(teller, pics: list, knobs: dict, modes: dict[str, Callable[[], None]]
                      ) -> tuple[dict[str, float], list[bool]]:
    """One ``tell`` per picture and mode, interleaved image by image (so a busy spell weighs on every mode alike)
    after one warm-up ``tell``: the seconds of each mode (``modes``: name -> what switches to it), and for each
    picture whether its texts agree across the modes."""
    times = dict.fromkeys(modes, 0.0)
    same = []
    teller.tell(pics[0], **knobs)  # warm-up
    for p in pics:
        texts = []
        for mode, switch in modes.items():
            switch()
            t = time.perf_counter()
            texts.append(teller.tell(p, **knobs).text)
            times[mode] += time.perf_counter() - t
        same.append(len(set(texts)) == 1)
    return times, same


def plain_first_speedup(emit: Emit, quick: bool = False, images: int = 20) -> None:
    import torch

    import storyteller
    from storyteller import ties

    n = 3 if quick else images
    knobs = {"num_beams": 8, "max_new_tokens": 20} if quick else {}
    teller = storyteller.load()
    pics = bundle_images(n)
    real = ties.plain_first
    plain_first_searches = 0

    def counting(dec, width):
        nonlocal plain_first_searches
        skip = real(dec, width)
        plain_first_searches += skip
        return skip

    def use(plain_first):
        return lambda: setattr(ties, "plain_first", plain_first)

    try:
        times, same = interleaved_tells(teller, pics, knobs, {"always_fast_first": use(lambda dec, width: False),
                                                              "plain_first": use(counting)})
    finally:
        ties.plain_first = real
    log(f"plain_first: {times}; same texts {sum(same)}/{n}")
    emit("plain_first_speedup", times["always_fast_first"] / times["plain_first"],
         "x (s per image with the fast try always made / with plain_first)", images=n, knobs=knobs,
         **{f"{k}_s_per_image": round(v / n, 3) for k, v in times.items()},
         searches_plain_at_once=plain_first_searches, same_texts=all(same), threads=torch.get_num_threads(),
         load_avg=round(os.getloadavg()[0], 2))


def settle_speedup(emit: Emit, quick: bool = False, images: int = 20) -> None:
    import torch

    import storyteller
    from storyteller import generation

    n = 3 if quick else images
    knobs = {"num_beams": 8, "max_new_tokens": 20} if quick else {}
    teller = storyteller.load()
    pics = bundle_images(n)
    real = generation.beam_search
    steps = {"to_the_end": 0, "settled": 0}

    def search(mode):  # the search's steps: its longest hypothesis (the search ends with it)
        def run(*a, settle=None, **k):
            hyps = real(*a, settle=settle if mode == "settled" else None, **k)
            steps[mode] += max((len(t) for t, _ in hyps), default=0)
            return hyps
        return lambda: setattr(generation, "beam_search", run)

    try:
        times, same = interleaved_tells(teller, pics, knobs, {mode: search(mode) for mode in steps})
    finally:
        generation.beam_search = real
    log(f"settle: {times}; search steps {steps}; same texts {sum(same)}/{n}")
    emit("settle_speedup", times["to_the_end"] / times["settled"],
         "x (s per image with the search run to its end / stopped once the best is settled)", images=n,
         knobs=knobs, **{f"{k}_s_per_image": round(v / n, 3) for k, v in times.items()},
         **{f"{k}_steps_per_image": round(v / n, 1) for k, v in steps.items()}, same_texts=all(same),
         threads=torch.get_num_threads(), load_avg=round(os.getloadavg()[0], 2))


def beam_step_bw50_parts(emit: Emit, quick: bool = False, reps: int = 7) -> None:
    """One beam step at width 50 of a decoder of the original's size (dimctx 4800, dim_word 620, dim 2400,
    20,000 words, deep output; random weights, no model files): GFLOP/s inside ``Decoder.step`` / the measured
    matmul peak (oneDNN prepacked 2048^3), and where the step's and the search step's time goes: the four
    prepacked GEMMs alone, the softmax, the gates, and outside ``Decoder.step`` the log, the costs and the top-k
    over 50 x 20,000. Best of ``reps`` for each part, the parts measured in turn three times."""
    import torch

    from storyteller import decoder, gru

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_full_size as full

    V, dw, d, dc, L = (2000, 62, 240, 480, 50) if quick else (20000, 620, 2400, 4800, 50)
    gen = torch.Generator().manual_seed(0)
    with torch.device("meta"):
        dec = decoder.Decoder(V, dw, dc, d)
    state = {k: torch.randn(p.shape, generator=gen) * (0.02 if p.dim() > 1 else 0.01)
             for k, p in dec.state_dict().items()}
    state["decoder.bias_hh_l0"].zero_()
    gru.assign_state(dec, state)
    dec.eval()
    prev = torch.randint(2, V, (L,), generator=gen)
    h0 = torch.rand(L, d, generator=gen) * 2 - 1
    flops = full.step_flops(L, dec.options)

    def best(fn) -> float:
        fn()
        b = float("inf")
        for _ in range(reps):
            t = time.perf_counter()
            fn()
            b = min(b, time.perf_counter() - t)
        return b

    with torch.no_grad():
        fast = gru.packed_linear_available()
        dec.step(prev, h0)
        x = dec.embed(prev)
        if fast:
            ih, hh = gru._PACKS[dec.decoder]["ih"], gru._PACKS[dec.decoder]["hh"]
            hid, logit = gru._PACKS[dec]["hid"], gru._PACKS[dec]["logit"]
        else:
            ih, hh = (lambda a: torch.nn.functional.linear(a, dec.decoder.weight_ih_l0, dec.decoder.bias_ih_l0),
                      lambda a: torch.nn.functional.linear(a, dec.decoder.weight_hh_l0, dec.decoder.bias_hh_l0))
            hid, logit = dec.ff_hid, dec.ff_logit
        y = torch.tanh(hid(h0))
        z = logit(y)
        gi, gh = ih(x), hh(h0)
        probs = torch.softmax(z, -1)
        logp = torch.log(probs)
        scores = torch.rand(L, generator=gen) * 50
        parts: dict[str, list[float]] = {}
        n = 512 if quick else 2048
        for _ in range(3):
            parts.setdefault("peak_gflops", []).append(-full.matmul_gflops(n, "cpu", onednn=fast))
            parts.setdefault("step", []).append(best(lambda: dec.step(prev, h0)))
            parts.setdefault("gemms", []).append(best(lambda: (ih(x), hh(h0), hid(h0), logit(y))))
            parts.setdefault("softmax", []).append(best(lambda: torch.softmax(z, -1)))
            parts.setdefault("gates_tanh_embed", []).append(best(lambda: (gru.kiros_gates(gi, gh, h0),
                                                                          torch.tanh(y), dec.embed(prev))))
            parts.setdefault("log", []).append(best(lambda: torch.log(probs)))
            parts.setdefault("costs", []).append(best(lambda: scores[:, None] - logp))
            parts.setdefault("topk", []).append(best(lambda: torch.topk(logp.reshape(-1), L, largest=False,
                                                                         sorted=True)))
    b = {k: min(v) for k, v in parts.items()}
    peak = -b.pop("peak_gflops")
    step = b["step"]
    emit("beam_step_bw50_parts", flops / step / 1e9 / peak, "fraction of matmul_peak (Decoder.step, width 50)",
         matmul_peak_gflops=round(peak, 1),
         gflops_step=round(flops / step / 1e9, 1), gemms_fraction_of_peak=round(flops / b["gemms"] / 1e9 / peak, 3),
         ms={k: round(1e3 * v, 3) for k, v in b.items()},
         non_gemm_share_of_step=round(max(0.0, step - b["gemms"]) / step, 3),
         weights_mb_streamed_per_step=round(4 * (dw * 3 * d + d * 3 * d + d * dw + dw * V) / 1e6, 1),
         fast_cpu_paths=fast, threads=torch.get_num_threads(), load_avg=round(os.getloadavg()[0], 2))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 images, beam width 8, 20 words")
    ap.add_argument("--images", type=int, default=50, help="images (default 50)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    ap.add_argument("--profile", action="store_true", help="torch.profiler table of tell_many (stderr)")
    ap.add_argument("--only", default="", choices=["", "tell_many_speedup", "beam_step_bw50_parts",
                                                   "plain_first_speedup", "settle_speedup"],
                    help="one figure only")
    args = ap.parse_args(argv)
    import torch

    if args.threads > 0:
        torch.set_num_threads(args.threads)

    def emit(name: str, value: float, unit: str, **extra) -> None:
        line = {"figure": name, "value": round(value, 4), "unit": unit, "quick": args.quick}
        if name in TARGETS:
            op, target = TARGETS[name]
            line.update(target=target, ok=bool(value >= target if op == ">=" else value <= target))
        print(json.dumps({**line, **extra}), flush=True)

    if args.only in ("", "beam_step_bw50_parts"):
        beam_step_bw50_parts(emit, quick=args.quick)
    if args.only in ("", "tell_many_speedup"):
        tell_many_speedup(emit, quick=args.quick, images=args.images, profile=args.profile)
    if args.only in ("", "plain_first_speedup"):
        plain_first_speedup(emit, quick=args.quick, images=min(args.images, 20))
    if args.only in ("", "settle_speedup"):
        settle_speedup(emit, quick=args.quick, images=min(args.images, 20))
    return 0


if __name__ == "__main__":
    sys.exit(main())
