"""Command line: ``python -m storyteller IMAGE... [options]`` tells stories; subcommands do the rest.

    python -m storyteller images/cat.jpg                    # default bundle, nearest captions + a story
    python -m storyteller IMG --config config.yaml --k 100 --bw 50 --lyric --device cuda
    python -m storyteller download|convert|make-style|train-skipthoughts|train-decoder|train-vse ...

Errors print as one line on stderr and exit non-zero; ``--debug`` shows the traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

# subcommand -> (module, help). Each module defines ``register(parser, command)`` and ``run(args) -> int``.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "download": ("storyteller.download", "fetch and verify the original model files"),
    "convert": ("storyteller.convert", "convert original files into the fast, safe format"),
    "make-style": ("storyteller.train.cli", "mean skip-thought vector of a corpus (a style .npy)"),
    "train-skipthoughts": ("storyteller.train.cli", "train a skip-thoughts encoder on contiguous sentences"),
    "train-decoder": ("storyteller.train.cli", "train the conditional GRU decoder on passages"),
    "train-vse": ("storyteller.train.cli", "train the visual-semantic embedding"),
}


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2), like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"storyteller: error: {message} (see {self.prog} --help)\n")


def story_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="python -m storyteller",
        description="Turn images into little stories (neural-storyteller, Kiros 2015). "
                    f"Subcommands: {', '.join(SUBCOMMANDS)} (use SUBCOMMAND --help).",
    )
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image file(s) (JPEG, PNG, ...)")
    p.add_argument("--config", default=None,
                   help="config.yaml or model folder (default: the bundled model); see config.yaml for the original files")
    p.add_argument("--k", type=int, default=100, help="number of nearest captions to condition on (default 100)")
    p.add_argument("--bw", type=int, default=50, help="beam width (default 50)")
    p.add_argument("--lyric", action="store_true", help="print the passage one comma-separated piece per line")
    p.add_argument("--style", default=None,
                   help="book style: a .npy file or a style name from the config's 'styles' (e.g. 'swift')")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    return p


def run_story(args: argparse.Namespace) -> int:
    from pathlib import Path

    if args.k < 1 or args.bw < 1:
        raise ValueError(f"--k and --bw must be at least 1 (got --k {args.k}, --bw {args.bw})")
    for img in args.images:  # fail before the (slow) load when a file is plainly missing
        if not Path(img).is_file():
            raise FileNotFoundError(f"image '{img}' not found")
    from . import generate, style

    z = generate.load_all(args.config, device=args.device, verbose=False)
    if args.style:
        styles = z.get("styles") or {}
        path = styles.get(args.style, args.style)
        if not Path(path).is_file():
            known = f" (known styles: {', '.join(styles)})" if styles else ""
            raise FileNotFoundError(f"style '{args.style}' is neither a file nor a style of this model{known}")
        z["bpos"] = style.load_style(path, z["stv"].dim, "posbias")
    for i, img in enumerate(args.images):
        if len(args.images) > 1:
            print(("" if i == 0 else "\n") + f"=== {img}")
        generate.story(z, img, k=args.k, bw=args.bw, lyric=args.lyric)
    return 0


def _guard(fn: Callable[[], int], debug: bool) -> int:
    try:
        return fn()
    except KeyboardInterrupt:
        print("storyteller: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # one clear line, no traceback, unless --debug
        if debug:
            raise
        msg = str(e) or type(e).__name__
        print(f"storyteller: error: {msg.splitlines()[0] if msg else type(e).__name__}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if argv and argv[0] in SUBCOMMANDS:
        name = argv[0]
        module = importlib.import_module(SUBCOMMANDS[name][0])
        parser = Parser(prog=f"python -m storyteller {name}", description=SUBCOMMANDS[name][1])
        parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
        module.register(parser, name)
        args = parser.parse_args(argv[1:])
        args.command = name
        return _guard(lambda: module.run(args) or 0, debug)
    args = story_parser().parse_args(argv)
    return _guard(lambda: run_story(args), debug)


if __name__ == "__main__":
    sys.exit(main())
