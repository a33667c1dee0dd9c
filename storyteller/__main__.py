"""Command line: ``python -m storyteller IMAGE... [options]`` tells stories; subcommands do the rest.

    python -m storyteller images/cat.jpg                    # default bundle, nearest captions + a story
    python -m storyteller images/                           # every image of a folder (other files are skipped)
    python -m storyteller IMG --config config.yaml --k 100 --bw 50 --lyric --device cuda
    python -m storyteller images/ --json --out stories.jsonl       # JSON Lines, one object per image
    python -m storyteller IMG --do-sample --temperature 0.8 --seed 1 --num-return-sequences 3
    python -m storyteller download|convert|make-style|train-*|eval-vse|eval-decoder ...

Errors print as one line on stderr and exit non-zero; ``--debug`` shows the traceback. An image that fails is
reported (one line) and the others go on; the exit status is 1 when any failed. When the reader of a pipe goes
away (``... | head -3``) the command stops quietly with status 141 (128 + SIGPIPE), as Unix tools do.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from . import cli
from .cli import Parser, run_story

# subcommand -> (module, help). Each module defines ``register(parser, command)`` and ``run(args) -> int``.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "download": ("storyteller.download", "fetch and verify the original model files"),
    "convert": ("storyteller.convert", "convert original files into the fast, safe format"),
    "make-style": ("storyteller.train.cli", "mean skip-thought vector of a corpus (a style .npy)"),
    "train-skipthoughts": ("storyteller.train.cli", "train a skip-thoughts encoder on contiguous sentences"),
    "train-decoder": ("storyteller.train.cli", "train the conditional GRU decoder on passages"),
    "train-vse": ("storyteller.train.cli", "train the visual-semantic embedding"),
    "eval-vse": ("storyteller.evaluate", "R@1/5/10 and median rank of the VSE on an image-caption set (JSON)"),
    "eval-decoder": ("storyteller.evaluate", "perplexity of a text file under the decoder (JSON)"),
    "index-captions": ("storyteller.index_build", "embed a caption pool once into a (faiss) caption index"),
}


def story_parser() -> argparse.ArgumentParser:
    """The story command's parser (options in :mod:`storyteller.cli`)."""
    return cli.story_parser(SUBCOMMANDS)


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
        print(f"storyteller: error: {cli.one_line(e)}", file=sys.stderr)
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
