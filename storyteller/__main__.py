"""Command line: ``python -m storyteller IMAGE... [options]`` tells stories; subcommands do the rest.

    python -m storyteller images/cat.jpg                    # default bundle, nearest captions + a story
    python -m storyteller images/                           # every image of a folder (other files are skipped)
    python -m storyteller IMG --config config.yaml --k 100 --bw 50 --lyric --device cuda
    python -m storyteller download|convert|make-style|train-skipthoughts|train-decoder|train-vse ...

Errors print as one line on stderr and exit non-zero; ``--debug`` shows the traceback. An image that fails is
reported (one line) and the others go on; the exit status is 1 when any failed. When the reader of a pipe goes
away (``... | head -3``) the command stops quietly with status 141 (128 + SIGPIPE), as Unix tools do.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

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
    p.add_argument("images", nargs="+", metavar="IMAGE",
                   help="image file(s) (JPEG, PNG, ...) or folder(s) of images; other files are skipped with a note")
    p.add_argument("--config", default=None,
                   help="config.yaml or model folder (default: the bundled model); see config.yaml for the original files")
    p.add_argument("--k", "--num-captions", dest="k", type=int, default=100,
                   help="number of nearest captions to condition on (default 100)")
    p.add_argument("--bw", "--num-beams", dest="bw", type=int, default=50, help="beam width (default 50)")
    p.add_argument("--lyric", action="store_true", help="print the passage one comma-separated piece per line")
    p.add_argument("--style", default=None,
                   help="book style: a .npy file or a style name from the config's 'styles' (e.g. 'swift')")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto (default cpu)")
    p.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    return p


def _count_option(value: int, names: str) -> None:
    from .errors import InputError

    if value < 1:
        raise InputError(f"{names} must be at least 1, got {value}")


def _note(message: Warning | str, *args: object, **kwargs: object) -> None:
    print(f"storyteller: note: {message}", file=sys.stderr)


def _one_line(e: BaseException) -> str:
    msg = str(e) or type(e).__name__
    return msg.splitlines()[0]


def run_story(args: argparse.Namespace) -> int:
    from .errors import InputError

    _count_option(args.k, "--k/--num-captions")
    _count_option(args.bw, "--bw/--num-beams")
    from .runtime import resolve_device

    device = resolve_device(args.device, option="--device")
    from .vision import expand_images

    images, skipped = expand_images(args.images)
    failed = 0
    for path, reason in skipped:
        _note(f"skipping {path} ({reason})")
    todo = []
    for img in map(str, images):  # fail before the (slow) load when a file is plainly missing
        if Path(img).is_file():
            todo.append(img)
        else:
            print(f"storyteller: error: image '{img}' not found", file=sys.stderr)
            failed += 1
    if not todo:
        if failed:
            return 1
        raise InputError(f"no images found in {', '.join(map(str, args.images))}")
    from . import generate, pipeline

    with warnings.catch_warnings():
        warnings.showwarning = _note  # one line on stderr, restored on exit
        st = pipeline.load(args.config, device=device)
        if args.style:
            st.use_style(args.style)
        told = 0
        for img in todo:
            try:
                story = st.tell(img, num_captions=args.k, num_beams=args.bw)
            except (BrokenPipeError, KeyboardInterrupt):
                raise
            except Exception as e:
                if args.debug:
                    raise
                msg = _one_line(e)
                print(f"storyteller: error: {msg if img in msg else f'{img}: {msg}'}", file=sys.stderr)
                failed += 1
                continue
            if len(args.images) > 1 or len(todo) > 1:
                print(("" if told == 0 else "\n") + f"=== {img}")
            sys.stdout.write(generate.format_story(story, lyric=args.lyric))
            told += 1
    return 1 if failed else 0


def _guard(fn: Callable[[], int], debug: bool) -> int:
    try:
        return fn()
    except KeyboardInterrupt:
        print("storyteller: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise
    except Exception as e:  # one clear line, no traceback, unless --debug
        if debug:
            raise
        print(f"storyteller: error: {_one_line(e)}", file=sys.stderr)
        return 1


def _main(argv: Sequence[str] | None) -> int:
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (141 when stdout's reader went away)."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # output to a pipe is buffered: a reader that went away shows up here
    except BrokenPipeError:
        try:  # Python flushes stdout again at exit: point it at /dev/null so that says nothing
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141


if __name__ == "__main__":
    sys.exit(main())
