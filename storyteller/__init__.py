"""storyteller: a faithful Python 3 / PyTorch port of Ryan Kiros' neural-storyteller (2015).

Turn an image into a little story: VGG/EfficientNet features -> visual-semantic embedding -> nearest captions ->
skip-thought vectors -> style shift -> GRU decoder with beam search::

    import storyteller
    teller = storyteller.load()                # the default bundle, or a config.yaml for the original files
    story = teller.tell('images/cat.jpg')      # a Story: .text, .captions (with scores), .image, .settings
    print(story)

The original's API keeps its names: ``from storyteller import generate; z = generate.load_all();
generate.story(z, 'images/cat.jpg')``. ``load``, ``Storyteller``, ``Story`` and ``GenerationConfig`` are imported on
first use, so ``import storyteller`` stays light (no torch).
"""
from __future__ import annotations

from .errors import ConfigError, DownloadError, ImageError, InputError, ModelFileError, PunktDataError, StorytellerError

TYPE_CHECKING = False  # (typing.TYPE_CHECKING without importing typing)
if TYPE_CHECKING:
    from .generation import GenerationConfig
    from .pipeline import Story, Storyteller, load

__version__ = "0.1.0"
__all__ = ["__version__", "load", "Storyteller", "Story", "GenerationConfig", "StorytellerError", "ModelFileError",
           "ConfigError", "ImageError", "InputError", "DownloadError", "PunktDataError"]

_LAZY = {"load": "pipeline", "Storyteller": "pipeline", "Story": "pipeline", "GenerationConfig": "generation"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
