"""Image features: the original VGG-19 path, exactly, and a small modern CNN for the default bundle.

The storyteller describes an image by the fc7 activations (4096-d, after the ReLU) of VGG-19, configuration "E"
of Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition" (2014), with the
original Caffe/Lasagne weights and the original preprocessing (``load_image``/``build_convnet``/
``compute_features`` of the original ``generate.py``). The package:

* :mod:`.preprocess` - :func:`load_image` (short side to 256 with skimage-0.11 bilinear resizing, one centre crop
  of 224, BGR, mean subtraction, float32), :func:`resize_bilinear`, image modes, input checks.
* :mod:`.vgg` - :class:`VGG19` (torchvision's ``cfgs``/``make_layers`` habit and parameter names) and
  :func:`load_vgg19`; the weight files are read by :mod:`storyteller.formats.lasagne`.
* :mod:`.extractors` - :class:`FeatureExtractor` (``name``, ``dim``, ``features``, ``__call__``, ``to``), the
  ``'vgg19'`` and ``'efficientnet-lite0'`` extractors, and :func:`build_cnn` over the :data:`CNN_REGISTRY`.
* :mod:`.files` - :func:`is_image_file` and :func:`expand_images` (arguments and folders -> image files).

Features are raw (not L2-normalised); the pipeline normalises them like the original ``story``.
"""
from __future__ import annotations

from ..errors import ImageError
from ..formats.lasagne import (
                               LASAGNE_NAMES,
                               lasagne_to_state_dict,
                               load_state_dict_file,
                               read_lasagne_params,
                               read_vgg19_weights,
)
from .extractors import (
                               CNN_CHOICES,
                               CNN_REGISTRY,
                               EfficientNetLite0Features,
                               FeatureExtractor,
                               VGGFeatures,
                               build_cnn,
                               compute_features,
                               register_cnn,
)
from .files import IMAGE_SUFFIXES, expand_images, is_image_file
from .preprocess import CROP, MEAN_VALUE, RESIZE_SHORT, ImageLike, load_image, resize_bilinear
from .vgg import TORCH_NAMES, VGG19, cfgs, load_vgg19, make_layers

__all__ = [
    "ImageError",
    "ImageLike",
    "MEAN_VALUE",
    "RESIZE_SHORT",
    "CROP",
    "CNN_CHOICES",
    "CNN_REGISTRY",
    "load_image",
    "resize_bilinear",
    "is_image_file",
    "expand_images",
    "IMAGE_SUFFIXES",
    "cfgs",
    "LASAGNE_NAMES",
    "TORCH_NAMES",
    "make_layers",
    "VGG19",
    "read_lasagne_params",
    "lasagne_to_state_dict",
    "load_state_dict_file",
    "read_vgg19_weights",
    "load_vgg19",
    "FeatureExtractor",
    "VGGFeatures",
    "EfficientNetLite0Features",
    "register_cnn",
    "build_cnn",
    "compute_features",
]
