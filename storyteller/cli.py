"""The story command of ``python -m storyteller``: its options and its output (text as the original, or JSON Lines).

Every field of :class:`storyteller.generation.GenerationConfig` becomes an option named as in Hugging Face
(``num_beams`` -> ``--num-beams``), typed and defaulted from the dataclass, so a new knob needs at most a line in
:data:`KNOB_HELP`. The original's ``--k``/``--bw`` stay as aliases of ``--num-captions``/``--num-beams``.

Output: without ``--json`` exactly what the original ``story()`` printed (one ``=== IMAGE`` header per image when
there are several). With ``--json`` one JSON object per line and image (``Story.to_dict()``: image, captions with
scores, text, settings, ...); an image that fails gives ``{"image", "captions": [], "text": "", "settings",
"error"}`` and the rest go on. ``--out FILE`` writes the same to FILE atomically (nothing is left on failure).
"""
from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import os
import re
import sys
import typing
import warnings
from pathlib import Path
from typing import Any, TextIO

__all__ = ["KNOB_HELP", "Parser", "add_generation_options", "generation_from_args", "run_story", "story_parser"]

# One help line per GenerationConfig field; a field missing here still gets an option (with a generic line).
KNOB_HELP = {
    "num_beams": "beam width (the original's bw)",
    "do_sample": "draw words from the distribution instead of beam search",
    "temperature": "sampling temperature (> 0; with --do-sample)",
    "top_k": "sample only among the k most likely words (0 = off; with --do-sample)",
    "top_p": "nucleus sampling: the smallest set of words with this total probability (1.0 = off; with --do-sample)",
    "num_return_sequences": "number of texts to generate",
    "seed": "random seed: the same seed gives the same sampled story on the same device",
    "no_repeat_ngram_size": "forbid repeating any n-gram of this size (0 = off)",
    "repetition_penalty": "> 1 discourages words already written (1.0 = off)",
    "max_new_tokens": "at most this many words (the original's maxlen)",
    "min_new_tokens": "no end of story before this many words",
    "length_penalty": "rank finished beams by cost / length ** this (None: the original's unnormalised cost)",
    "use_unk": "allow the UNK word in stories",
}
ALIASES = {"num_beams": ("--bw",)}  # the original's name first, as its errors name it


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2), like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"storyteller: error: {message} (see {self.prog} --help)\n")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _scalar_type(hint: Any) -> type:
    """``int``/``float``/``bool``/``str`` of a field's annotation (``int | None`` -> ``int``)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if args else hint


def add_generation_options(parser: argparse.ArgumentParser) -> None:
    """One option per :class:`GenerationConfig` field (dest = the field name), help and default from the class."""
    from .generation import GenerationConfig

    hints = typing.get_type_hints(GenerationConfig)
    group = parser.add_argument_group("generation (Hugging Face names; defaults are the original's)")
    for f in dataclasses.fields(GenerationConfig):
        kind, default = _scalar_type(hints[f.name]), f.default
        text = KNOB_HELP.get(f.name, f"generation option {f.name} (see storyteller.GenerationConfig)")
        names = [*ALIASES.get(f.name, ()), _flag(f.name)]
        if kind is bool:
            group.add_argument(*names, dest=f.name, action=argparse.BooleanOptionalAction, default=default,
                               help=f"{text} (default: {default})")
        else:
            group.add_argument(*names, dest=f.name, type=kind, default=default, metavar=kind.__name__.upper(),
                               help=f"{text} (default: {default})")


def story_parser(subcommands: dict[str, tuple[str, str]] | None = None) -> argparse.ArgumentParser:
    p = Parser(
        prog="python -m storyteller",
        description="Turn images into little stories (neural-storyteller, Kiros 2015)."
                    + (f" Subcommands: {', '.join(subcommands)} (use SUBCOMMAND --help)." if subcommands else ""),
    )
    p.add_argument("images", nargs="+", metavar="IMAGE",
                   help="image file(s) (JPEG, PNG, ...) or folder(s) of images; other files are skipped with a note")
    p.add_argument("--config", default=None,
                   help="config.yaml or model folder (default: the bundled model); see config.yaml for the "
                        "original files")
    p.add_argument("--k", "--num-captions", dest="k", type=int, default=100,
                   help="number of nearest captions to condition on (default 100)")
    p.add_argument("--lyric", action="store_true", help="print the passage one comma-separated piece per line")
    p.add_argument("--style", default=None,
                   help="book style: a .npy file or a style name from the config's 'styles' (e.g. 'sea')")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto (default cpu)")
    p.add_argument("--writer", choices=("rnn", "lm"), default="rnn",
                   help="rnn: the storyteller's decoder (default); lm: the optional pretrained LM (pip install .[lm])")
    modes = p.add_argument_group("modes")
    modes.add_argument("--prompt", metavar="TEXT", default=None, help="start the story with these words")
    modes.add_argument("--dialogue", metavar="LINE", action="append", default=None,
                       help="a line of dialogue about the image that steers the story (repeatable)")
    modes.add_argument("--context", metavar="TEXT", default=None, help="extra text that steers the story")
    modes.add_argument("--sequence", action="store_true",
                       help="the IMAGE arguments form one story, one passage per image, in order")
    modes.add_argument("--next", dest="next_passage", action="store_true",
                       help="tell one passage more: what happens next")
    out = p.add_argument_group("output")
    out.add_argument("--json", action="store_true",
                     help="one JSON object per image and line (image, captions with scores, text, settings)")
    out.add_argument("--out", metavar="FILE", default=None,
                     help="write the output to FILE (atomically: complete or not at all) instead of stdout")
    out.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="progress bar on stderr (default: when there are several images and stderr is a terminal)")
    p.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    add_generation_options(p)
    return p


def generation_from_args(args: argparse.Namespace):
    """The checked :class:`GenerationConfig` of the parsed options; errors name the option (``--top-p``)."""
    from .errors import InputError
    from .generation import GenerationConfig

    knobs = {f.name: getattr(args, f.name) for f in dataclasses.fields(GenerationConfig)}
    if knobs["num_beams"] < 1:  # the original's option name first, as before
        raise InputError(f"--bw/--num-beams must be at least 1, got {knobs['num_beams']}")
    try:
        return GenerationConfig(**knobs).validate()
    except InputError as e:
        msg = re.sub(r"generation option (\w+)=", lambda m: _flag(m.group(1)) + " ", str(e))
        msg = msg.replace("; use None or ", "; use ")  # (None is the flag left out, not a value to type)
        raise InputError(re.sub(r"\b(num_beams|max_new_tokens)\b", lambda m: _flag(m.group(1)), msg)) from None


def _mode_kwargs(args: argparse.Namespace, tell: Any) -> dict[str, Any]:
    """The mode options given, as ``tell`` keywords; a clear error when this ``tell`` lacks one."""
    from .errors import InputError

    given = {"prompt": args.prompt, "dialogue": args.dialogue, "context": args.context,
             "next_passage": args.next_passage or None}
    given = {k: v for k, v in given.items() if v is not None}
    params = inspect.signature(tell).parameters
    for name in given:
        if name not in params:
            raise InputError(f"--{'next' if name == 'next_passage' else name} is not supported by this version "
                             f"of Storyteller.tell")
    return given


def _note(message: Warning | str, *args: object, **kwargs: object) -> None:
    print(f"storyteller: note: {message}", file=sys.stderr)


def one_line(e: BaseException) -> str:
    msg = str(e) or type(e).__name__
    return msg.splitlines()[0]


def _check_images(args: argparse.Namespace) -> tuple[list[str], int]:
    """Images to tell (folders expanded, skipped files noted) and how many were plainly missing (reported)."""
    from .errors import InputError
    from .vision import expand_images

    images, skipped = expand_images(args.images)
    for path, reason in skipped:
        _note(f"skipping {path} ({reason})")
    todo, failed = [], 0
    for img in map(str, images):  # fail before the (slow) load when a file is plainly missing
        if Path(img).is_file():
            todo.append(img)
        else:
            print(f"storyteller: error: image '{img}' not found", file=sys.stderr)
            failed += 1
    if not todo and not failed:
        raise InputError(f"no image to tell a story about among {', '.join(map(str, args.images))} "
                         "(give image files, or folders holding them)")
    return todo, failed


def _load(args: argparse.Namespace, device: Any):
    from . import pipeline
    from .errors import InputError

    extra = {}
    if args.writer != "rnn":
        if "writer" not in inspect.signature(pipeline.load).parameters:
            raise InputError(f"--writer {args.writer} is not supported by this version of storyteller.load")
        extra["writer"] = args.writer
    st = pipeline.load(args.config, device=device, **extra)
    if args.style:
        st.use_style(args.style)
    return st


class _NoBar:
    """What ``_tell_all`` uses of a progress bar, doing nothing (a tqdm, even disabled, creates a multiprocessing
    lock on first use, ~15 ms of a one-image run)."""

    def __enter__(self) -> "_NoBar":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self) -> None:
        return None

    def clear(self) -> None:
        return None


def _progress(args: argparse.Namespace, total: int):
    show = args.progress if args.progress is not None else total > 1 and sys.stderr.isatty()
    if not show:
        return _NoBar()
    from tqdm import tqdm  # not tqdm.auto: no "IProgress not found" warning

    return tqdm(total=total, file=sys.stderr, unit="image", leave=False)


def _emit_text(out: TextIO, story: Any, args: argparse.Namespace, header: str | None, first: bool) -> None:
    from . import generate

    if header is not None:
        out.write(("" if first else "\n") + f"=== {header}\n")
    passages = list(getattr(story, "passages", None) or [])
    if len(passages) > 1:  # --sequence / --next: each passage under its image and that image's captions
        images = story.image if isinstance(story.image, list) else [story.image]
        nears = list(getattr(story, "passage_captions", None) or [])
        for i, text in enumerate(passages):
            what = images[i] if i < len(images) else "what happens next"
            out.write(("" if i == 0 else "\n") + f"--- passage {i + 1} ({what})\n")
            if i < len(nears):
                out.write("NEAREST-CAPTIONS: \n" + "".join(c + "\n" for c, _ in nears[i][:5]) + "\n")
            out.write("OUTPUT: \n" + "".join(line + "\n" for line in
                                              (generate.lyric_lines(text) if args.lyric else [text])))
        return
    out.write(generate.format_story(story, lyric=args.lyric))
    for n, text in enumerate(list(getattr(story, "texts", None) or [])[1:], 2):  # --num-return-sequences
        out.write(f"\nOUTPUT {n}: \n" + "".join(line + "\n" for line in
                                                (generate.lyric_lines(text) if args.lyric else [text])))


def _error_row(image: str, settings: dict[str, Any], msg: str) -> dict[str, Any]:
    """The JSON object of an image that failed: a Story's fields, empty, with ``error`` set."""
    from .pipeline import Story

    try:
        return Story(text="", captions=[], image=image, settings=settings, error=msg).to_dict()  # type: ignore[call-arg]
    except TypeError:  # a Story without an error field
        return {"image": image, "captions": [], "text": "", "settings": settings, "error": msg}


def _emit_json(out: TextIO, obj: dict[str, Any]) -> None:
    out.write(json.dumps(obj, allow_nan=False) + "\n")


def _tell_all(args: argparse.Namespace, todo: list[str], out: TextIO, gen: Any, device: Any) -> int:
    """Tell the stories and write them to ``out``; returns the number of images that failed."""
    from .modes import check_search

    st = _load(args, device)
    modes = _mode_kwargs(args, st.tell)
    check_search(st, gen)  # (a width too wide for memory: one error, not one per image)
    # one story over every image (--sequence), else one per image
    jobs: list[Any] = [todo] if args.sequence else list(todo)
    failed, told = 0, 0
    settings = {f.name: getattr(gen, f.name) for f in dataclasses.fields(gen)} | {"num_captions": args.k}
    several = len(args.images) > 1 or len(todo) > 1
    with _progress(args, len(jobs)) as bar:
        for job in jobs:
            label = ", ".join(job) if isinstance(job, list) else job
            try:
                with warnings.catch_warnings(record=True) as caught:  # each image's notes, naming it
                    warnings.simplefilter("always")
                    try:
                        story = st.tell(job, generation=gen, num_captions=args.k, **modes)
                    finally:
                        if caught:
                            bar.clear()
                        for w in caught:
                            _note(f"{label}: {w.message}" if several and label not in str(w.message)
                                  else w.message)
            except (BrokenPipeError, KeyboardInterrupt):
                raise
            except Exception as e:
                if args.debug:
                    raise
                msg = one_line(e)
                bar.clear()
                print(f"storyteller: error: {msg if label in msg else f'{label}: {msg}'}", file=sys.stderr)
                failed += 1
                if args.json:
                    _emit_json(out, _error_row(label, settings, msg))
                bar.update()
                continue
            if args.json:
                _emit_json(out, story.to_dict())
            else:
                _emit_text(out, story, args, label if several else None, told == 0)
            told += 1
            bar.update()
    return failed


def run_story(args: argparse.Namespace) -> int:
    """The story command: exit status 0 when every image got its story, 1 when any failed."""
    from .errors import InputError
    from .runtime import resolve_device
    from .store import atomic_write

    if args.k < 1:
        raise InputError(f"--k/--num-captions must be at least 1, got {args.k}")
    gen = generation_from_args(args)
    device = resolve_device(args.device, option="--device")
    if args.out is not None and Path(args.out).is_dir():
        raise InputError(f"--out {args.out} is a folder; give the name of the file to write (e.g. stories.jsonl)")
    todo, failed = _check_images(args)
    if not todo:
        return 1
    if args.sequence and failed:
        return 1  # one story over all the images: a missing one spoils it
    if args.out is not None and os.path.exists(args.out):
        for image in todo:  # the stories would replace the photo
            if os.path.samefile(args.out, image):
                raise InputError(f"--out {args.out} is one of the input images; give another file name for the "
                                 "stories (e.g. stories.txt)")
    with warnings.catch_warnings():
        warnings.showwarning = _note  # one line on stderr, restored on exit
        if args.out is None:
            failed += _tell_all(args, todo, sys.stdout, gen, device)
        else:
            try:
                with atomic_write(args.out) as tmp, open(tmp, "w", encoding="utf-8") as out:
                    failed += _tell_all(args, todo, out, gen, device)
            except OSError as e:  # atomic_write's own steps name the file they write (its folder, temp, rename)
                if e.filename != str(Path(args.out)):
                    raise
                raise InputError(f"--out {args.out}: cannot write there ({e.strerror}); give a file in a folder "
                                 "you can write to") from None
    return 1 if failed else 0
