"""Every error storyteller raises on purpose, in one place (re-exported at the top of the package).

All derive from :class:`StorytellerError`, so ``except storyteller.StorytellerError`` catches every message meant
for a user. Each message is one line that names the file, config key or value at fault and the fix; the CLI prints
it as ``storyteller: error: ...`` (``--debug`` shows the traceback).
"""
from __future__ import annotations

from collections.abc import Callable

__all__ = ["StorytellerError", "ModelFileError", "ConfigError", "ImageError", "InputError", "DownloadError",
           "PunktDataError"]


class StorytellerError(Exception):
    """Base class of the errors meant for a user (one line, naming what is wrong and how to fix it)."""


class ModelFileError(StorytellerError, ValueError):
    """A model file is missing, unreadable, unsafe, the wrong part, or has the wrong content.

    The message names the file, the config key (when known), what was expected and how to fix it.
    """


class ConfigError(ModelFileError):
    """A config (file, folder or dict) is malformed or lacks a part that is needed (names the key)."""


class ImageError(StorytellerError, ValueError):
    """An image cannot be read or is unusable; the message names the file (or the object) and why."""


class InputError(StorytellerError, ValueError):
    """A value given to a public function or the CLI is of the wrong type, size or range (names it and the fix)."""

    # Set by the text checks to the position of the item at fault; read with getattr(e, "index", None).
    index: int


class DownloadError(StorytellerError, RuntimeError):
    """A file could not be fetched or failed verification. The message is one line and names the file/URL."""


class PunktDataError(StorytellerError, ValueError):
    """The vendored Punkt sentence-splitter data is missing or corrupt."""


def run_script(prog: str, run: Callable[[], int]) -> int:
    """``run()`` for a command-line script (``scripts/``): a :class:`StorytellerError` or ``OSError`` becomes one
    line ``prog: message`` on stderr and exit status 2; with ``--debug`` among the arguments it propagates (the
    traceback), as the CLI's ``--debug`` does."""
    import sys

    try:
        return run()
    except (StorytellerError, OSError) as e:
        if "--debug" in sys.argv:
            raise
        print(f"{prog}: {e}", file=sys.stderr)
        return 2
