"""What a file is, from its content (not its name): the first bytes, the member names of an archive, the keys
of a safetensors header, the header of an ``.npy``, or the first opcodes of a pickle.

Cheap by design: nothing large is read (a table's header, a pickle's first 64 KB, a zip's directory), nothing
is unpickled (pickles are only tokenised with :mod:`pickletools`, which never resolves a global), so it can run
before every load. Returns ``"unknown"`` when it cannot tell; the loaders then report what is wrong.
"""
from __future__ import annotations

import io
import json
import pickletools
import zipfile
from pathlib import Path

from .pickles import read_npy_header

__all__ = ["identify"]

_PEEK = 1 << 16
_PICKLE_PEEK = 1 << 20  # vgg19.pkl may hold its 1000 class names before the 'param values' key
_MAX_STRINGS = 2000
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")
_OPTION_KEYS = {"dimctx", "dim_image", "dim_word"}


def identify(path: str | Path) -> str:
    """The kind of file at ``path`` (see ``storyteller.formats.KINDS``), e.g. ``'decoder'`` for ``romance.npz``,
    ``'native-vse'`` for a converted VSE, ``'word-table'`` for ``utable.npy``, ``'unknown'`` if it cannot tell.

    Raises ``FileNotFoundError``/``IsADirectoryError`` if ``path`` is not a file.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(str(path))
    with open(path, "rb") as f:
        head = f.read(_PEEK)
    size = path.stat().st_size
    if not head:
        return "unknown"
    if head.startswith(b"PK\x03\x04"):
        return _zip(path)
    if head.startswith(b"\x93NUMPY"):
        return _npy(path)
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if head[:1] == b"\x80" or path.suffix == ".pkl" or head.startswith((b"(dp", b"(lp", b"ccollections\n")):
        if len(head) == _PEEK:
            with open(path, "rb") as f:
                head = f.read(_PICKLE_PEEK)
        return _pickle(head)
    if len(head) > 9 and head[8:9] == b"{":
        n = int.from_bytes(head[:8], "little")
        if 2 <= n <= size - 8:
            return _safetensors(path, n)
    if b"\x00" in head:
        return "unknown"
    text = head.decode("utf-8", errors="replace")
    if text.lstrip()[:1] in ("{", "["):
        return _json(path, size)
    return _text(text)


def _zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if any(n.endswith("data.pkl") for n in names):  # torch.save's zip format
                pkl = next(n for n in names if n.endswith("data.pkl"))
                strings, _ = _tokens(zf.open(pkl).read(_PEEK))
                return "torchvision-state-dict" if any(s.startswith("features.") for s in strings) else "unknown"
    except (zipfile.BadZipFile, OSError, EOFError):
        return "unknown"  # e.g. truncated (the directory is at the end); the loader says so
    keys = {n[:-4] for n in names if n.endswith(".npy")}
    # (the released uni_skip.npz also holds its training decoder's arrays, e.g. ff_logit_W: encoders first)
    if "ff_image_W" in keys:
        return "vse"
    if "encoder_r_W" in keys:
        return "bi-skip"
    if "encoder_W" in keys:
        return "uni-skip"
    if keys & {"ff_state_W", "decoder_W"}:
        return "decoder"
    return "npz" if keys else "unknown"


def _npy(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            shape, _, dtype = read_npy_header(f)
    except Exception:
        return "unknown"
    if dtype.hasobject:
        return "word-table" if len(shape) == 1 else "unknown"
    if dtype.kind not in "fiu":
        return "unknown"
    if len(shape) == 1 or (len(shape) == 2 and shape[0] == 1):
        return "style-vector"
    return "native-word-table" if len(shape) == 2 else "unknown"


def _tokens(data: bytes) -> tuple[list[str], list[str]]:
    """The strings and the opcode names at the start of a pickle (as far as ``data`` reaches)."""
    strings: list[str] = []
    ops: list[str] = []
    try:
        for op, arg, _ in pickletools.genops(io.BytesIO(data)):
            ops.append(op.name)
            if isinstance(arg, bytes):
                arg = arg.decode("latin1")
            if isinstance(arg, str):
                strings.append(arg)
                if arg == "param values" or len(strings) >= _MAX_STRINGS:
                    break
            if op.name == "STOP":
                break
    except Exception:  # cut off by the peek, or not a pickle after all
        pass
    return strings, ops


def _pickle(head: bytes) -> str:
    strings, ops = _tokens(head)
    first = [o for o in ops if o not in ("PROTO", "FRAME", "MARK")][:2]
    mapping = bool(first) and (first[0] in ("EMPTY_DICT", "DICT") or "collections OrderedDict" in strings[:1]
                               or strings[:2] == ["collections", "OrderedDict"])
    if "param values" in strings:
        return "vgg19-lasagne"
    if not mapping:
        return "unknown"
    if _OPTION_KEYS & set(strings) and len(strings) < _MAX_STRINGS:
        return "options"
    return "word-dictionary" if any(o.endswith("INT1") or o.endswith("INT") or o == "BININT2" for o in ops) \
        else "unknown"


def _safetensors(path: Path, n: int) -> str:
    if n > 64 << 20:
        return "unknown"
    with open(path, "rb") as f:
        f.seek(8)
        try:
            keys = set(json.loads(f.read(n))) - {"__metadata__"}
        except ValueError:
            return "unknown"
    if "ff_image.weight" in keys:
        return "native-vse"
    if keys & {"ff_state.weight", "decoder.weight_ih_l0"}:
        return "native-decoder"
    if "weight_ih_l0_reverse" in keys:
        return "native-bi-skip"
    if "weight_ih_l0" in keys:
        return "native-uni-skip"
    if any(k.startswith("features.") for k in keys):
        return "torchvision-state-dict"
    return "unknown"


def _json(path: Path, size: int) -> str:
    if size > 256 << 20:
        return "unknown"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return "unknown"
    if isinstance(data, dict) and _OPTION_KEYS & set(data) and "dim" in data:
        return "native-options"
    if isinstance(data, list) and data and all(isinstance(w, str) for w in data):
        return "native-word-dictionary"
    if isinstance(data, dict) and data and all(isinstance(i, int) for i in data.values()):
        return "native-word-dictionary"
    return "unknown"


def _text(text: str) -> str:
    lines = [line.strip() for line in text.split("\n")[:-1] or text.split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        return "unknown"
    spaced = sum((" " in line or "\t" in line) for line in lines)
    return "captions" if spaced * 2 > len(lines) else "word-list"
