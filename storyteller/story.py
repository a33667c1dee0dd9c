"""The :class:`Story` a :class:`storyteller.Storyteller` tells: its text, where it came from, and its displays
(``str``, ``to_dict`` for JSON, ``_repr_html_`` for notebooks)."""
from __future__ import annotations

import base64
import html
import io
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Story", "thumbnail_png"]

THUMBNAIL = 192  # px, the longer side of the notebook thumbnail


@dataclass(frozen=True)
class Story:
    """A story and what it came from. ``str(story)`` is the text.

    ``text``: the story (tokens separated by single spaces, as the decoder writes them; a sequence's passages
    joined by one space; "" when ``error`` is set). ``captions``: the ``num_captions`` nearest captions of the
    (first) image as ``(caption, cosine score)``, nearest first. ``image``: the image path or a short description
    of the object given; for an image sequence, a list of them. ``settings``: the generation config in force, the
    mode options, the model folder, its manifest hash and the device.

    ``error``: one line saying why no story could be told (``tell_many`` only; ``tell`` raises instead).
    ``passages``: one text per passage (per image of a sequence, plus the "what happens next" one); ``[text]``
    for one image. ``prompt``: the prompt the story starts with, as given. ``texts``: the
    ``num_return_sequences`` alternative texts, best first (``text`` is ``texts[0]``).
    ``passage_captions``: the nearest captions of each image of a sequence (``[captions]`` for one image).
    ``source``: the image objects given (for the notebook thumbnail; not part of ``to_dict``).
    """

    text: str
    captions: list[tuple[str, float]]
    image: str | list[str]
    settings: dict[str, Any]
    error: str | None = None
    passages: list[str] | None = None
    prompt: str | None = None
    texts: list[str] | None = None
    passage_captions: list[list[tuple[str, float]]] | None = None
    source: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.passages is None:
            object.__setattr__(self, "passages", [self.text] if self.error is None else [])
        if self.texts is None:
            object.__setattr__(self, "texts", [self.text] if self.error is None else [])
        if self.passage_captions is None:
            object.__setattr__(self, "passage_captions", [list(self.captions)] if self.captions else [])

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"image", "captions": [{"caption", "score"}...], "text", "texts", "passages",
        "passage_captions", "prompt", "error", "settings"}`` (plain str/float/int/bool/None/list/dict)."""
        def caps(cs):
            return [{"caption": c, "score": float(s)} for c, s in cs]

        return {"image": self.image if isinstance(self.image, str) else list(self.image),
                "captions": caps(self.captions), "text": self.text, "texts": list(self.texts or []),
                "passages": list(self.passages or []),
                "passage_captions": [caps(cs) for cs in self.passage_captions or []],
                "prompt": self.prompt, "error": self.error, "settings": _json_ready(self.settings)}

    def _repr_html_(self) -> str:
        """A notebook view: a thumbnail of each image (base64 PNG; a short note for image features), its top-5
        captions with scores, and the story (one paragraph per passage), all HTML-escaped."""
        esc = html.escape
        images = self.image if isinstance(self.image, list) else [self.image]
        sources = self.source if isinstance(self.source, (list, tuple)) else [self.source] * len(images)
        parts = ['<div class="storyteller-story">']
        for i, desc in enumerate(images):
            src = sources[i] if i < len(sources) else None
            png = thumbnail_png(src)
            pic = (f'<img src="data:image/png;base64,{png}" alt="{esc(desc)}" style="max-width:{THUMBNAIL}px">'
                   if png else f"<p><i>{esc(desc)}</i> (image features; no picture to show)</p>")
            per = self.passage_captions or []
            caps = per[i] if i < len(per) else []
            rows = "".join(f"<li>{esc(c)} <small>({s:.3f})</small></li>" for c, s in caps[:5])
            parts.append(f'<div style="display:flex;gap:1em;align-items:flex-start">{pic}'
                         f"<div><b>Nearest captions</b><ol>{rows}</ol></div></div>")
        if self.error:
            parts.append(f'<p style="color:#b00"><b>Error:</b> {esc(self.error)}</p>')
        else:
            parts.append("<div><b>Story</b>" + "".join(f"<p>{esc(p)}</p>" for p in self.passages or []) + "</div>")
        parts.append("</div>")
        return "".join(parts)


def thumbnail_png(image: Any, size: int = THUMBNAIL) -> str | None:
    """A base64 PNG thumbnail (longer side ``size`` px) of a path, PIL image or uint8 (H, W[, C]) array; None for
    anything else (image features) or an image that cannot be read (the story view never fails on it)."""
    try:
        from PIL import Image

        if isinstance(image, (str, os.PathLike)):
            with Image.open(image) as im:
                pic = im.convert("RGB")
        elif hasattr(image, "getbands"):
            pic = image.convert("RGB")
        elif isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.ndim in (2, 3):
            pic = Image.fromarray(image).convert("RGB")
        else:
            return None
        pic.thumbnail((size, size))
        buf = io.BytesIO()
        pic.save(buf, format="PNG")
        return base64.b64encode(buf.getvalue()).decode("ascii")
    except (OSError, ValueError, TypeError):
        return None


def _json_ready(value: Any) -> Any:
    """``value`` with numpy scalars/arrays, tuples and paths turned into plain JSON types."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value
