"""Image reading and the original VGG preprocessing, exactly (``load_image`` of the original ``generate.py``).

:func:`load_image`: short side to 256 with skimage-0.11 bilinear resizing (no anti-aliasing, cval-0 borders), one
centre crop of 224, BGR, mean subtraction, float32. The image modes the original crashed on are converted (see
:func:`_faithful_array`); the modern RGB conversion used by other CNNs is :func:`modern_rgb`. Every bad input
raises one :class:`~storyteller.errors.ImageError` naming the image and the fix.
"""
from __future__ import annotations

import io
import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from ..errors import ImageError

__all__ = ["ImageLike", "MEAN_VALUE", "RESIZE_SHORT", "CROP", "load_image", "resize_bilinear", "open_image",
           "modern_rgb"]

ImageLike = str | os.PathLike | Image.Image | np.ndarray | BinaryIO

# BGR pixel mean of the VGG training set, hard-coded in the original load_image.
MEAN_VALUE = np.array([103.939, 116.779, 123.68], dtype=np.float64)
RESIZE_SHORT = 256
CROP = 224
_ACCEPTED = "a path, a PIL image, an open binary file or a uint8 array HxW / HxWx3 (RGB) / HxWx4 (RGBA)"

# ----------------------------------------------------------------------------------------------- reading
_TRUNCATED_LOCK = threading.Lock()


@contextmanager
def _allow_truncated() -> Iterator[None]:
    # The original sets ImageFile.LOAD_TRUNCATED_IMAGES = True at import. Pillow reads this global at decode
    # time, so set it only while decoding instead of changing it for the whole process.
    with _TRUNCATED_LOCK:
        old = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = old


def label(image: object) -> str:
    """How messages name an image: its path, or a short description of the object."""
    if isinstance(image, (str, os.PathLike)):
        return f"'{os.fspath(image)}'"
    if isinstance(image, Image.Image):
        return f"<PIL image {image.mode} {image.size[0]}x{image.size[1]}>"
    if isinstance(image, np.ndarray):
        return f"<array {image.dtype} {image.shape}>"
    if isinstance(image, io.IOBase) or hasattr(image, "read"):
        name = getattr(image, "name", None)
        return f"'{name}'" if isinstance(name, str) else f"<{type(image).__name__}>"
    return f"<{type(image).__name__}>"


def _exif_transpose(im: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(im)
    except Exception:  # a broken EXIF block should not make the picture unusable
        return im.copy()


def _not_an_image(image: object) -> ImageError:
    what = label(image)
    if isinstance(image, (list, tuple)):
        return ImageError(f"{what}: one image was expected, got a {type(image).__name__} of {len(image)}; pass "
                          "several images to extractor.features(images), which returns one row per image")
    if isinstance(image, (bytes, bytearray)):
        return ImageError(f"{what}: bytes are ambiguous; give the path as a str, or encoded image data as "
                          "io.BytesIO(data)")
    if type(image).__module__.split(".")[0] == "torch":
        return ImageError(f"{what}: torch tensors are not read as images; give {_ACCEPTED} "
                          "(for a CHW uint8 tensor t: t.permute(1, 2, 0).cpu().numpy())")
    return ImageError(f"{what}: not an image; give {_ACCEPTED}")


def _check_array(a: np.ndarray) -> np.ndarray:
    """A uint8 HxW / HxWx3 / HxWx4 view of an array given as an image, or one ImageError naming the fix."""
    what = label(a)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))):
        hint = ""
        if a.ndim == 4:
            hint = "; a 4-D array is a batch: pass it to extractor.features(), or give one image a[i]"
        elif a.ndim == 3 and a.shape[0] in (1, 3, 4):
            hint = "; channels first? give a.transpose(1, 2, 0)"
        raise ImageError(f"{what}: expected an image array of shape HxW (grey), HxWx1, HxWx3 (RGB) or HxWx4 "
                         f"(RGBA){hint}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ImageError(f"{what}: the image is empty (no pixels)")
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.bool_:  # a bilevel image, as Pillow's mode "1": black 0, white 255
        return np.where(a, 255, 0).astype(np.uint8)
    if not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise ImageError(f"{what}: dtype {a.dtype} is not a pixel type; expected uint8 pixels (0-255)")
    if np.issubdtype(a.dtype, np.floating) and not np.isfinite(a).all():
        raise ImageError(f"{what}: contains NaN or infinite values; expected uint8 pixels (0-255)")
    lo, hi = a.min(), a.max()
    if np.issubdtype(a.dtype, np.integer) and 0 <= lo and hi <= 255:
        return a.astype(np.uint8)  # exact: every value fits
    fix = ("values 0-1? give (a * 255).round().astype(np.uint8)" if 0 <= lo and hi <= 1
           else "give np.clip(a, 0, 255).astype(np.uint8) if 0-255 is meant")
    raise ImageError(f"{what}: expected uint8 pixels (0-255), got {a.dtype} with values {lo:g} to {hi:g}; {fix}")


def _decode(source: str | os.PathLike | BinaryIO, what: str, exif: bool) -> Image.Image:
    """Open and fully decode a file (path or binary file object); the pixels are detached from the file."""
    try:
        with Image.open(source) as f:
            try:
                f.load()  # strictly first: a complete file decodes the same either way
                return _exif_transpose(f) if exif else f.copy()  # EXIF is read while the file is open
            except (UnidentifiedImageError, Image.DecompressionBombError):
                raise
            except Exception:  # noqa: BLE001 - truncated or damaged: decoded as far as it goes below
                pass
        if hasattr(source, "seek"):
            source.seek(0)
        with Image.open(source) as f, _allow_truncated():  # as the original (LOAD_TRUNCATED_IMAGES = True)
            f.load()
            out = _exif_transpose(f) if exif else f.copy()
        warnings.warn(f"{what} is truncated or damaged: decoded the readable part, as the original did",
                      UserWarning, stacklevel=3)
        return out
    except UnidentifiedImageError:
        raise ImageError(f"cannot identify image file {what}: is it an image?") from None
    except Image.DecompressionBombError as e:
        raise ImageError(f"{what}: refused as a possible decompression bomb ({e}); shrink the image, or raise "
                         "PIL.Image.MAX_IMAGE_PIXELS if you trust the file") from None
    except Exception as e:  # corrupt beyond what truncated loading recovers
        raise ImageError(f"{what}: cannot decode the image ({type(e).__name__}: {e}); is it a valid image "
                         "file?") from None


def open_image(image: ImageLike, *, exif: bool = False) -> Image.Image | np.ndarray:
    """A decoded PIL image, or a validated uint8 array (HxW, HxWx3 or HxWx4), from any accepted input.

    ``exif`` applies EXIF orientation (the modern path only; the original did not). Raises :class:`ImageError`
    naming the image for a missing file, a folder, an undecodable file, a decompression bomb, an empty image, an
    array of the wrong shape or values, or an object that is not an image.
    """
    if isinstance(image, np.ndarray):
        return _check_array(image)
    what = label(image)
    if isinstance(image, Image.Image):
        im = image
        try:
            with _allow_truncated():
                im.load()
        except Exception as e:
            raise ImageError(f"{what}: cannot decode the image ({type(e).__name__}: {e})") from None
        if exif:
            im = _exif_transpose(im)
    elif isinstance(image, (str, os.PathLike)):
        path = Path(image)
        if path.is_dir():
            raise ImageError(f"{what}: is a folder, not an image; give an image file (storyteller.vision."
                             "expand_images lists the images of a folder)")
        if not path.is_file():
            raise ImageError(f"{what}: no such file")
        im = _decode(path, what, exif)
    elif hasattr(image, "read") and not isinstance(image, io.TextIOBase):
        im = _decode(image, what, exif)  # an open binary file or io.BytesIO
    else:
        raise _not_an_image(image)
    if im.size[0] == 0 or im.size[1] == 0:
        raise ImageError(f"{what}: the image is empty (no pixels)")
    return im


_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
_HIGH_BIT_MODES = ("I", "I;16", "I;16L", "I;16B", "I;16N", "F")


def _on_white(im: Image.Image) -> Image.Image:
    """Composite an image with transparency onto white (how it looks on a page); returns RGB."""
    rgba = (im.convert("LA") if im.mode == "La" else im).convert("RGBA")  # Pillow has no La -> RGBA
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def _to_uint8_grey(im: Image.Image) -> np.ndarray:
    """16-bit/32-bit integer grey (I;16*, I) is taken as 0..65535 and scaled by 255/65535; float grey (F) as 0..255."""
    arr = np.asarray(im)
    if im.mode == "F":
        return np.clip(np.rint(np.nan_to_num(arr.astype(np.float64))), 0, 255).astype(np.uint8)
    return np.rint(np.clip(arr.astype(np.float64), 0, 65535) / 257.0).astype(np.uint8)


def _to_rgb(im: Image.Image, what: str) -> Image.Image:
    try:
        return im.convert("RGB")
    except (ValueError, OSError) as e:
        raise ImageError(f"{what}: unsupported image mode {im.mode!r} ({e}); save it as RGB") from None


def _faithful_array(im: Image.Image | np.ndarray, what: str) -> np.ndarray:
    """``numpy.array(Image.open(f))`` as the original, with the modes it crashed on converted.

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
    return np.asarray(_to_rgb(im, what))


def modern_rgb(im: Image.Image | np.ndarray) -> Image.Image:
    """RGB for modern CNNs: any mode converted, transparency composited on white (EXIF: see :func:`open_image`)."""
    if isinstance(im, np.ndarray):
        im = Image.fromarray(im, "L" if im.ndim == 2 else ("RGB" if im.shape[2] == 3 else "RGBA"))
    if im.mode in _ALPHA_MODES or (im.mode == "P" and "transparency" in im.info):
        return _on_white(im)
    if im.mode in _HIGH_BIT_MODES:
        return Image.fromarray(_to_uint8_grey(im), "L").convert("RGB")
    return im if im.mode == "RGB" else _to_rgb(im, label(im))


# ------------------------------------------------------------------------------------------------- resize
def _axis(n_in: int, n_out: int, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    # Pixel-centre grid of skimage 0.11 resize: src = (in/out)·(dst + 0.5) − 0.5.
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
    """The original ``generate.load_image``: returns ``(rawim, im)``.

    ``rawim``: (224, 224, 3) uint8, the crop (for display). ``im``: (1, 3, 224, 224) float32, the VGG input: BGR,
    0-255 minus the BGR mean, no std scaling. ``image`` is a path, a PIL image, an open binary file or a uint8
    HxW/HxWx3/HxWx4 array (integer arrays within 0-255 and bool arrays are accepted too). EXIF orientation is
    **not** applied (the original did not). See :func:`_faithful_array` for image modes: P keeps the original's
    palette-index quirk; transparency is composited on white. Raises :class:`ImageError` (see :func:`open_image`).
    """
    what = label(image)
    arr = _faithful_array(open_image(image), what)
    if arr.ndim == 2:  # grey (and palette indices): repeat to 3 channels
        arr = np.repeat(arr[:, :, np.newaxis], 3, axis=2)
    h, w = arr.shape[:2]
    # Python-2 integer division of the original; a square image takes the else branch.
    nh, nw = (RESIZE_SHORT, w * RESIZE_SHORT // h) if h < w else (h * RESIZE_SHORT // w, RESIZE_SHORT)
    top, left = nh // 2 - CROP // 2, nw // 2 - CROP // 2
    if top < 0 or left < 0 or top + CROP > nh or left + CROP > nw:
        # The original silently returned a smaller crop that VGG then rejected.
        raise ImageError(f"{what}: a {w}x{h} image resizes to {nw}x{nh}, too small for the {CROP}x{CROP} centre crop")
    crop = resize_bilinear(arr, (nh, nw), rows=(top, top + CROP), cols=(left, left + CROP))
    rawim = crop.astype(np.uint8)
    im = np.swapaxes(np.swapaxes(crop, 1, 2), 0, 1)  # HWC -> CHW
    im = im[::-1, :, :] - MEAN_VALUE[:, None, None]  # RGB -> BGR, then the mean, in float64
    return rawim, np.ascontiguousarray(im[np.newaxis], dtype=np.float32)
