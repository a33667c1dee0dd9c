"""Old home of the safe readers of the original Python-2 files; they live in :mod:`storyteller.formats.pickles`.

Kept so that older code importing ``storyteller.legacy`` keeps working.
"""
from __future__ import annotations

from .errors import ModelFileError
from .formats.pickles import (
    _ALLOWED_GLOBALS,
    RestrictedUnpickler,
    load_npz,
    load_object_table,
    load_pickle,
    load_pickles,
    py2_text,
    read_npy_header,
    read_object_table,
)

__all__ = ["ModelFileError", "RestrictedUnpickler", "load_pickle", "load_pickles", "load_npz", "load_object_table",
           "read_object_table", "read_npy_header", "py2_text"]
_ALLOWED_GLOBALS = _ALLOWED_GLOBALS  # noqa: PLW0127  (older code reached for the allow-list here)
