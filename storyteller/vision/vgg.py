"""VGG-19 (configuration "E" of Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", 2014) as the original storyteller used it, in torchvision's ``cfgs``/``make_layers`` habit.

Parameter names are torchvision's (``features.N``/``classifier.N``), so both the Lasagne ``vgg19.pkl`` and
torchvision-format state dicts load into it (the files are read by :mod:`storyteller.formats.lasagne`). Do **not**
use torchvision's own ImageNet weights: another training run, and they expect RGB in [0, 1] with mean/std scaling.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from ..errors import InputError, ModelFileError
from ..formats.lasagne import LASAGNE_TO_TORCH, read_vgg19_weights, where
from ..runtime import resolve_device
from .preprocess import CROP

__all__ = ["cfgs", "TORCH_NAMES", "make_layers", "VGG19", "load_vgg19"]

# Configuration "E" (Simonyan & Zisserman 2014, Table 1): conv3x3 output channels, "M" = 2x2 max-pool, stride 2.
cfgs: dict[str, list[int | str]] = {
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def _torch_names(cfg: Sequence[int | str]) -> list[str]:
    """torchvision state-dict names in order: conv layers at their ``features`` index, fc6/7/8 at 0/3/6."""
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
    """VGG-19 (configuration "E") as the storyteller used it (``build_convnet`` in the original ``generate.py``).

    16 conv3x3 (pad 1, cross-correlation) + ReLU, 5 max-pools, fc6 + ReLU, fc7 + ReLU, fc8. The input is fixed at
    (B, 3, 224, 224) float32 (BGR, mean-subtracted, see :func:`storyteller.vision.load_image`). There is no adaptive
    pooling (the identity at 224) and no dropout: the Lasagne net had none, so ``classifier[2]``/``[5]`` are
    identities that only keep torchvision's indices (``classifier.0/3/6`` = fc6/fc7/fc8).

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
        fc7 = self.classifier[3]
        assert isinstance(fc7, nn.Linear)
        return fc7.out_features

    def _check(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor) or x.ndim != 4 or tuple(x.shape[1:]) != (3, CROP, CROP):
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise InputError(f"VGG19 expects a float32 tensor of shape (B, 3, {CROP}, {CROP}) from load_image, got "
                             f"{shape}; preprocess images with storyteller.vision.load_image")

    def pool5(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        return self.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """fc7 after its ReLU, (B, hidden): the storyteller's image feature."""
        return self.classifier[:5](torch.flatten(self.pool5(x), 1))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """fc8, (B, num_classes): the ImageNet class scores before the softmax."""
        return self.classifier(torch.flatten(self.pool5(x), 1))


def _state_dict_into(model: VGG19, sd: Mapping[str, torch.Tensor], here: str) -> VGG19:
    """Check names and shapes of ``sd`` against ``model`` and assign the tensors (float32, CPU) into it."""
    want = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    missing = [k for k in want if k not in sd]
    extra = [k for k in sd if k not in want]
    if missing or extra:
        raise ModelFileError(f"{here}: not a VGG-19 state dict: missing {missing[:6]}"
                             f"{'...' if len(missing) > 6 else ''}, unexpected {extra[:6]}"
                             f"{'...' if len(extra) > 6 else ''} (expected torchvision vgg19 names "
                             "features.N.weight/bias, classifier.0/3/6.weight/bias).")
    lasagne = {t: n for n, t in LASAGNE_TO_TORCH.items()}
    for k, shape in want.items():
        if not isinstance(sd[k], (torch.Tensor, np.ndarray)):
            raise ModelFileError(f"{here}: parameter '{k}' is a {type(sd[k]).__name__}, not a tensor.")
        got = tuple(sd[k].shape)
        if got != shape:
            raise ModelFileError(f"{here}: parameter '{k}' ({lasagne.get(k, k)}) has shape {got}, expected {shape}. "
                                 "Is it the VGG-19 (configuration E, 1000 classes) model?")
    sd = {k: torch.as_tensor(v).detach().to("cpu", torch.float32).contiguous() for k, v in sd.items()}
    model.load_state_dict(sd, strict=True, assign=True)
    return model


def load_vgg19(weights: str | os.PathLike | Mapping[str, torch.Tensor], *, device: str | torch.device = "cpu",
               width: int | None = None, hidden: int = 4096, key: str | None = "vgg") -> VGG19:
    """A :class:`VGG19` in eval mode with the original weights: ``vgg19.pkl`` (Lasagne), ``.pth``/``.pt`` or
    ``.safetensors`` (torchvision names), or an in-memory state dict. A missing, unreadable or wrong file, or wrong
    shapes, raise :class:`ModelFileError` naming the config key, the file, the parameter and both shapes; a bad
    ``device`` raises :class:`~storyteller.errors.InputError`."""
    dev = resolve_device(device)
    if isinstance(weights, Mapping):
        sd, here = dict(weights), where(None, key)
    else:
        sd, here = read_vgg19_weights(weights, key=key), where(weights, key)
    with torch.device("meta"):  # skip the random init of 143M parameters; the weights replace it anyway
        model = VGG19(width=width, hidden=hidden)
    return _state_dict_into(model, sd, here).eval().requires_grad_(False).to(dev)

