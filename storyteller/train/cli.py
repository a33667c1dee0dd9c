"""CLI subcommands: ``make-style``, ``train-skipthoughts``, ``train-decoder``, ``train-vse``.

Each trainer starts from a model (``--config``: a folder or config.yaml; default the bundle) and writes a complete
``config.yaml`` into its output folder (``config.write_config``): the parts it trained, by relative paths, and
every other part from the model it started from, by **absolute paths** (nothing is copied: the bundle's files
are ~50 MB; move or ``convert`` the base model and the output's config must be written again). What each keeps:

* ``train-skipthoughts``: the new encoder (``skmodels``/``sktables``); the base's VSE, captions and CNN. The base's
  decoder and style vectors live in the old encoder's vector space, so they are left out: train a decoder with
  ``train-decoder TEXTS --config OUT`` (it also makes the style vectors) to tell stories.
* ``train-decoder``: the new decoder and its book style (``posbias`` and style ``book``, the mean skip-thought
  vector of the training passages); the base's skip-thoughts (the decoder is conditioned on them), VSE, captions,
  CNN and styles. The caption style (``negbias``) is the base's, or, when the base has none, made from the base's
  captions (their mean skip-thought vector, the definition of the original caption_style.npy).
* ``train-vse``: the new VSE and its captions as the caption pool (``captions.txt``); the caption style is made
  anew from that pool with the base's skip-thoughts; the rest comes from the base.

Training across processes and hosts
-----------------------------------
The same commands run data-parallel under PyTorch's launcher, one process per device (``torch.distributed`` +
DistributedDataParallel; gloo on CPU, NCCL on GPUs; ``LOCAL_RANK`` picks each process's GPU)::

    torchrun --nproc_per_node=4 -m storyteller train-decoder TEXTS --out OUT --batch-size 16 --resume

``--batch-size`` is per process: each optimiser step takes ``batch size x processes`` items of the same seeded
order one process would take, each process its contiguous share; losses, token counts and gradients are summed
over the processes, so 4 processes at 16 follow the loss curve of one process at 64 (up to the order of float32
sums; the VSE's contrastive loss is taken over the whole global batch, its embeddings gathered). Without torchrun
(or with one process) a command trains exactly as before. Only rank 0 writes: checkpoints (atomically, every
``--checkpoint-every`` steps and after each epoch), the trained files, ``config.yaml``, the progress bars and the
result line. ``--resume`` continues from the last checkpoint after a stop or a crash of any process: rank 0 reads
it and sends it to the others (weights, optimiser, data order, every process's random generators), so the run
continues as if never interrupted. ``--time-budget`` is decided by all processes together; a run stopped by it
exits with status 3 (torchrun reports that as a failure and names the reason: run the same command again).

Several hosts: start the same command on every host, each with its ``--node_rank``, all pointing at host 0::

    # on each of 2 hosts with 8 GPUs (node_rank 0 on the host at 10.0.0.1, 1 on the other)
    torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --master_addr=10.0.0.1 --master_port=29500 \
        -m storyteller train-skipthoughts BOOKS/ --out run1 --batch-size 16 --resume
    # or elastic, restarting the world from the last checkpoint after a failure (any --node_rank order):
    torchrun --nnodes=2 --nproc_per_node=8 --rdzv-backend=c10d --rdzv-endpoint=10.0.0.1:29500 \
        --rdzv-id=run1 --max-restarts=3 -m storyteller train-decoder TEXTS --out run1 --resume

Every host needs the same code, the same input files at the same paths and the same ``--config`` model (the
processes compare their settings, data and model shapes at the start and stop with one line naming the first
difference). ``--out`` matters on rank 0's host only: with a fixed ``--node_rank`` rank 0 is always the first
process of node 0, and the other hosts need no shared disk; with the elastic rendezvous rank 0 may land on
another host after a restart, so there ``--out`` must be a folder every host shares. ``--backend gloo`` also runs
on GPUs; ``--backend nccl`` without GPUs, ``--device cuda:N`` under torchrun, or more processes on a host than it
has GPUs stop with one clear line. Under
torchrun an error every process meets alike is printed once per host (by its ``LOCAL_RANK`` 0), other errors by the
process that met them, prefixed with its rank; torchrun then prints its own failure summary.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import fields
from pathlib import Path

import numpy as np

from .. import config as model_config
from ..errors import InputError
from ..store import atomic_write

__all__ = ["register", "run"]


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, required=True, help="output folder (gets a complete config.yaml)")
    if not any(a.dest == "config" for a in p._actions):
        p.add_argument("--config", default=None, help="the model the untrained parts come from (a folder or "
                                                      "config.yaml; default: the bundle)")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu or cuda; under torchrun each "
                                                    "process takes the GPU of its LOCAL_RANK")
    p.add_argument("--seed", type=int, default=1234, help="random seed (default 1234)")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=None, help="batch size per process (under torchrun the "
                                                                "optimiser step takes batch size x processes)")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    p.add_argument("--time-budget", type=float, default=None, help="stop (checkpointed) after this many seconds")
    p.add_argument("--checkpoint-every", type=int, default=200, metavar="STEPS",
                   help="write the checkpoint every STEPS optimiser steps (default 200) and after every epoch")
    p.add_argument("--backend", default="auto", choices=("auto", "gloo", "nccl"),
                   help="torch.distributed backend under torchrun: auto (NCCL on GPUs, gloo on CPU), gloo or nccl")
    p.add_argument("--half", action="store_true", help="store weights as float16 (half the disk)")


def register(parser: argparse.ArgumentParser, command: str) -> None:
    if command == "make-style":
        parser.add_argument("source", type=Path, help="a text file (passages separated by blank lines; one passage "
                                                        "per line if it has no blank line), a CSV (one passage per "
                                                        "row) or a folder of .txt/.txt.gz/.csv files")
        parser.add_argument("--out", type=Path, required=True, help="the .npy file to write")
        parser.add_argument("--config", default=None, help="model whose skip-thoughts to use (default: bundle)")
        parser.add_argument("--min-words", type=int, default=0, help="drop passages shorter than this")
        parser.add_argument("--column", default=None, help="CSV column (name or index; default the first)")
        parser.add_argument("--device", default="cpu")
    elif command == "train-skipthoughts":
        parser.add_argument("texts", nargs="+", type=Path,
                            help="text files (.txt/.txt.gz) or folders; one document each")
        _add_common(parser)
        parser.add_argument("--dim-word", type=int, default=None)
        parser.add_argument("--uni-dim", type=int, default=None)
        parser.add_argument("--bi-dim", type=int, default=None)
        parser.add_argument("--dec-dim", type=int, default=None, help="size of the training-only decoders")
        parser.add_argument("--max-words", type=int, default=None)
    elif command == "train-decoder":
        parser.add_argument("texts", nargs="+", type=Path, help="text files (.txt/.txt.gz) or folders")
        parser.add_argument("--config", default=None, help="model whose skip-thoughts condition the decoder and "
                                                           "whose other parts the output uses (a folder or "
                                                           "config.yaml; default: the bundle)")
        _add_common(parser)
        parser.add_argument("--dim-word", type=int, default=None)
        parser.add_argument("--dim", type=int, default=None)
        parser.add_argument("--max-words", type=int, default=None)
        parser.add_argument("--word-dropout", type=float, default=None)
        parser.add_argument("--bow-weight", type=float, default=None)
        parser.add_argument("--min-tokens", type=int, default=80)
        parser.add_argument("--max-tokens", type=int, default=200)
        parser.add_argument("--stride", type=int, default=3)
    elif command == "train-vse":
        parser.add_argument("--captions", type=Path, required=True,
                            help="captions: .txt (one per line, with --features) or .jsonl with 'caption' and "
                                 "'group'/'groups' (with --groups)")
        parser.add_argument("--features", type=Path, default=None,
                            help=".npy (N, D) image features, row i for caption i")
        parser.add_argument("--groups", type=Path, default=None, help="groups.json: name -> ImageNet classes")
        _add_common(parser)
        parser.add_argument("--dim", type=int, default=None)
        parser.add_argument("--dim-word", type=int, default=None)
        parser.add_argument("--margin", type=float, default=None)
    _document(parser, command)


# What the options without their own help mean; "(default: X)" comes from the trainer's config dataclass.
_HELP = {
    "epochs": "passes over the training data", "lr": "Adam learning rate", "dim_word": "word embedding size",
    "dim": "GRU state size (train-decoder) / joint embedding size (train-vse)", "uni_dim": "uni-skip GRU size",
    "bi_dim": "bi-skip GRU size per direction", "max_words": "vocabulary size (most frequent words)",
    "min_tokens": "shortest training passage, in tokens", "max_tokens": "longest training passage, in tokens",
    "stride": "paragraphs between the starts of two passages", "margin": "contrastive hinge loss margin",
    "device": "cpu or cuda",
    "word_dropout": "share of the decoder's previous-word inputs replaced by UNK while training (makes it use "
                    "the conditioning vector)",
    "bow_weight": "weight of a training-only bag-of-words loss on the initial state (makes the state carry the "
                  "passage's content)",
}


def _document(parser: argparse.ArgumentParser, command: str) -> None:
    """Give every option a help line with its real default (the trainers' ``None`` means "the config's")."""
    from dataclasses import MISSING, fields

    from .decoder import DecoderConfig
    from .skipthoughts import SkipThoughtConfig
    from .vse import VSEConfig

    cls = {"train-decoder": DecoderConfig, "train-skipthoughts": SkipThoughtConfig, "train-vse": VSEConfig}.get(command)
    defaults = {f.name: f.default for f in fields(cls) if f.default is not MISSING} if cls else {}
    for action in parser._actions:
        if action.help is not None and "default" in action.help or not action.option_strings or action.dest == "help":
            continue
        value = action.default if action.default is not None else defaults.get(action.dest)
        text = action.help or _HELP.get(action.dest, "")
        if value is not None and not isinstance(value, bool):
            text = f"{text} (default: {value})" if text else f"default: {value}"
        action.help = text or None


def _files(paths: list[Path]) -> list[Path]:
    out = []
    for p in paths:
        if p.is_dir():
            out += sorted(q for q in p.rglob("*") if q.name.endswith((".txt", ".txt.gz")))
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    if not out:
        raise ValueError("no .txt or .txt.gz files found in " + ", ".join(map(str, paths)))
    return out


def _docs(paths: list[Path]) -> list[list[list[str]]]:
    from .corpus import paragraphs, read_text, tokenize_paragraphs

    return [[s for para in tokenize_paragraphs(paragraphs(read_text(f))) for s in para] for f in _files(paths)]


def _config(cls, args: argparse.Namespace, **names: str):
    """A trainer config from the dataclass defaults, overridden by the CLI flags that were given."""
    cfg = cls()
    for f in fields(cls):
        value = getattr(args, names.get(f.name, f.name), None)
        if value is not None:
            setattr(cfg, f.name, value)
    return cfg


def _caption_style(stv, captions: str | Path, out: Path) -> Path:
    """``out/caption_style.npy``: the mean skip-thought vector of the caption pool (the original's caption style
    c: "mean of the skip-thought vectors for Microsoft COCO training captions", neural-storyteller README)."""
    from .. import generate, skipthoughts

    caps = [c for c in generate.read_captions(captions) if c.strip()]
    vec = skipthoughts.encode(stv, caps, batch_size=256).mean(0).astype(np.float32)
    path = out / "caption_style.npy"
    with atomic_write(path) as tmp, open(tmp, "wb") as f:
        np.save(f, vec)
    return path


def write_output_config(out: Path, base: model_config.Config, command: str, **trained: object) -> Path:
    """Write ``out/config.yaml``: ``base``'s parts overridden by ``trained`` (config keys -> paths, '' to drop a
    part, or ``styles``), with a header naming the command and the base model. Returns its path."""
    entries = base.to_dict()
    entries.update(trained)
    entries["name"] = f"{command} output (from {base.name or base.origin})"
    gaps = model_config.missing(entries)
    header = (f"# Written by `python -m storyteller {command}`: the trained parts are in this folder; the others "
              f"come from {base.origin} (absolute paths).\n"
              + (f"Not set, needed to tell stories: {', '.join(gaps)}"
                 + (" (train a decoder with: python -m storyteller train-decoder TEXTS --config THIS_FOLDER)"
                    if "decmodel" in gaps else "") if gaps else ""))
    path = model_config.write_config(out, entries, header=header)
    print(f"wrote {path}" + (f" (not set: {', '.join(gaps)})" if gaps else ""))
    return path


def _make_style(args: argparse.Namespace) -> int:
    """``make-style``: read the passages first (bad input fails before the model loads), encode, write the mean."""
    import sys
    import warnings

    from .. import skipthoughts
    from ..errors import InputError
    from ..style import make_style, read_corpus
    from ..tokenize import sent_tokenize

    def note(msg: str) -> None:
        print(f"note: {msg}", file=sys.stderr)

    passages = read_corpus(args.source, args.min_words, args.column, report=note)
    if not passages:
        raise InputError(f"{args.source}: no passages of at least {max(args.min_words, 1)} word(s)")
    files = len({p.source.rsplit(":", 1)[0] for p in passages})
    base = model_config.load(args.config, require=("skmodels", "sktables"))
    stv = skipthoughts.load_model(base.skmodels, base.sktables, args.device)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", skipthoughts.LongTextWarning)
        vec = make_style(stv, passages, verbose=sys.stderr.isatty())  # (a bar only on a terminal, as `story`)
    for w in caught:
        if isinstance(w.message, skipthoughts.LongTextWarning):
            where = ", ".join(passages[i].source for i in w.message.items[:5])
            more = f" and {len(w.message.items) - 5} more" if len(w.message.items) > 5 else ""
            note(f"{len(w.message.items)} passage(s) longer than {skipthoughts.MAX_TOKENS} tokens were read only up "
                 f"to that length ({where}{more}); split them into shorter passages to use all of their text")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    sentences = sum(len(sent_tokenize(p)) for p in passages)
    with atomic_write(args.out) as tmp, open(tmp, "wb") as f:
        np.save(f, vec)
    print(f"wrote {args.out}: mean of {len(passages)} passages ({sentences} sentences) from {files} file(s), "
          f"{vec.size}-d")
    return 0


def run(args: argparse.Namespace) -> int:
    cmd = args.command
    if cmd == "make-style":
        return _make_style(args)
    from .distributed import report_errors

    return report_errors(lambda: _train(args))


def _train(args: argparse.Namespace) -> int:
    """One training command on this process's share of the torchrun world (or alone). Rank 0 writes the
    outputs while the other processes wait for it (torchrun would stop it if one exited first with status 3)."""
    from .distributed import current

    code = _train_and_write(args)
    current().barrier()
    if code == 3:
        from .distributed import note_exit

        note_exit("stopped before the last epoch (--time-budget): run the same command with --resume to continue")
    return code


def _train_and_write(args: argparse.Namespace) -> int:
    from .. import skipthoughts
    from .distributed import setup

    cmd = args.command
    if args.checkpoint_every < 1:
        raise InputError(f"--checkpoint-every {args.checkpoint_every}: give a number of steps of at least 1")
    if cmd == "train-decoder":  # bad settings are named before anything loads or --out is made
        from .decoder import DecoderConfig, check_config

        check_config(_config(DecoderConfig, args))
    world = setup(args.device, args.backend)
    if world.main:
        args.out.mkdir(parents=True, exist_ok=True)
    out = args.out.resolve()
    common = {"device": args.device, "resume": args.resume, "time_budget": args.time_budget, "half": args.half,
              "checkpoint_every": args.checkpoint_every}
    if cmd == "train-skipthoughts":
        from .skipthoughts import SkipThoughtConfig, train_skipthoughts

        base = model_config.load(args.config)
        cfg = _config(SkipThoughtConfig, args)
        m = train_skipthoughts(_docs(args.texts), args.out, args.out, cfg, **common)
        if not world.main:
            return _status(m)
        # the base's decoder and styles belong to the old encoder's vector space
        write_output_config(out, base, cmd, skmodels=str(out), sktables=str(out), decmodel="", dictionary="",
                            negbias="", posbias="", styles={})
    elif cmd == "train-decoder":
        from .decoder import DecoderConfig, make_passages, train_decoder

        base = model_config.load(args.config, require=("skmodels", "sktables"))
        cfg = _config(DecoderConfig, args)
        stv = skipthoughts.load_model(base.skmodels, base.sktables)
        token_passages = make_passages(_docs(args.texts), args.min_tokens, args.max_tokens, args.stride)
        if not token_passages:
            raise ValueError("no passages of the asked length; lower --min-tokens")
        m = train_decoder(token_passages, stv, args.out / "decoder.safetensors", cfg, **common)
        if not world.main:
            return _status(m)
        book = skipthoughts.encode(stv, [" ".join(p) for p in token_passages], preprocessed=True).mean(0)
        with atomic_write(args.out / "book_style.npy") as tmp, open(tmp, "wb") as f:
            np.save(f, book.astype(np.float32))
        negbias = base.negbias or (str(_caption_style(stv, base.captions, out)) if base.captions else "")
        write_output_config(out, base, cmd, decmodel=str(out / "decoder.safetensors"),
                            dictionary=str(out / "decoder.dictionary.json"), posbias=str(out / "book_style.npy"),
                            negbias=negbias, styles={**base.styles, "book": str(out / "book_style.npy")})
    elif cmd == "train-vse":
        from .vse import VSEConfig, train_vse

        base = model_config.load(args.config)
        cfg = _config(VSEConfig, args)
        if (args.features is None) == (args.groups is None):
            raise ValueError("give --features (real image features) or --groups (ImageNet class groups)")
        if args.features is not None:
            caps = [c.strip() for c in args.captions.read_text(encoding="utf-8").splitlines() if c.strip()]
            feats = np.load(args.features)
            if len(feats) != len(caps):
                raise ValueError(f"{args.features} has {len(feats)} rows but {args.captions} has {len(caps)} captions")
            m = train_vse(caps, args.out / "vse.safetensors", cfg, image_features=feats, **common)
        else:
            groups = json.loads(args.groups.read_text())
            by_name = {g["name"]: (i, g["classes"]) for i, g in enumerate(groups)}
            caps, classes, gids = [], [], []
            for line in args.captions.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    rec = json.loads(line)
                    names = rec.get("groups") or [rec["group"]]
                    caps.append(rec["caption"])
                    classes.append(sorted({c for n in names for c in by_name[n][1]}))
                    gids.append(by_name[names[0]][0])
            m = train_vse(caps, args.out / "vse.safetensors", cfg, caption_classes=classes, caption_groups=gids,
                          **common)
        if not world.main:
            return _status(m)
        # the captions the VSE was trained on are its caption pool; the caption style follows the pool
        with atomic_write(out / "captions.txt") as tmp:
            tmp.write_text("".join(" ".join(c.split()) + "\n" for c in caps), encoding="utf-8")
        negbias = ""
        if base.skmodels:
            negbias = str(_caption_style(skipthoughts.load_model(base.skmodels, base.sktables),
                                         out / "captions.txt", out))
        write_output_config(out, base, cmd, vsemodel=str(out / "vse.safetensors"),
                            captions=str(out / "captions.txt"), negbias=negbias)
    else:  # pragma: no cover - argparse only routes the commands above
        raise ValueError(f"unknown command {cmd}")
    last = m["history"][-1] if m["history"] else {}
    print(json.dumps({"finished": m["finished"], "epochs_done": m["epochs_done"], **last}))
    return _status(m)


def _status(metrics: dict) -> int:
    """The exit status of a training command: 0 when finished, 3 when stopped early (resume to finish)."""
    return 0 if metrics["finished"] else 3

