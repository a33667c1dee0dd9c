"""storyteller: a faithful Python 3 / PyTorch port of Ryan Kiros' neural-storyteller (2015).

Turn an image into a little story: VGG/EfficientNet features -> visual-semantic embedding -> nearest captions ->
skip-thought vectors -> style shift -> GRU decoder with beam search. The public API keeps the original's names::

    from storyteller import generate
    z = generate.load_all()            # the default bundle, or a config.yaml for the original files
    generate.story(z, 'images/cat.jpg')
"""
from .errors import (ConfigError, DownloadError, ImageError, InputError, ModelFileError, PunktDataError,
                     StorytellerError)

__version__ = "0.1.0"
__all__ = ["__version__", "StorytellerError", "ModelFileError", "ConfigError", "ImageError", "InputError",
           "DownloadError", "PunktDataError"]
