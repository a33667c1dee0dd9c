"""Tests for ``python -m storyteller download`` against a local HTTP server (never the real URLs)."""
from __future__ import annotations

import contextlib
import hashlib
import http.server
import io
import json
import os
import socket
import threading
import urllib.parse
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch

from storyteller import download as D
from storyteller.__main__ import main

torch.set_num_threads(1)

SHARED = Path(__file__).resolve().parents[2] / "shared"
GOLDEN = SHARED / "golden"
SK_FILES = ("dictionary.txt", "uni_skip.npz.pkl", "bi_skip.npz.pkl", "uni_skip.npz", "bi_skip.npz",
            "utable.npy", "btable.npy")
ZIP_FILES = ("romance.npz", "romance.npz.pkl", "romance_dictionary.pkl", "coco_embedding.npz",
             "coco_embedding.npz.pkl", "coco_embedding.npz.dictionary.pkl", "coco_train_caps.txt",
             "caption_style.npy", "romance_style.npy", "swift_style.npy")


# --------------------------------------------------------------------------------------- test server
@dataclass
class Site:
    """What the fake server serves and how it misbehaves."""

    files: dict[str, bytes] = field(default_factory=dict)
    ranges: bool = True  # honour Range requests
    cut_once: set[str] = field(default_factory=set)  # close the connection half-way, the first time only
    no_length: set[str] = field(default_factory=set)  # send no Content-Length (close-delimited body)
    status: dict[str, int] = field(default_factory=dict)  # answer with this HTTP error
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)


def _handler(site: Site):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest output clean
            pass

        def do_GET(self):  # noqa: N802 - http.server API
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/")
            rng = self.headers.get("Range")
            site.requests.append((path, rng))
            if path in site.status:
                self.send_error(site.status[path])
                return
            if path not in site.files:
                self.send_error(404)
                return
            data, start, code = site.files[path], 0, 200
            if rng and site.ranges:
                start = int(rng.split("=")[1].split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                code = 206
            body = data[start:]
            self.send_response(code)
            if code == 206:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            if site.ranges:
                self.send_header("Accept-Ranges", "bytes")
            if path not in site.no_length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if path in site.cut_once:
                site.cut_once.discard(path)
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)
            self.close_connection = True

    return Handler


@pytest.fixture
def server():
    """Start a server on 127.0.0.1 (ephemeral port); yields (site, base_url)."""
    site = Site()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    httpd.daemon_threads = True
    httpd.timeout = 2
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _fetch_kw(**kw):
    return {"retries": 0, "backoff": 0.0, "timeout": 5.0, "progress": False, "log": lambda *_: None, **kw}


def _remote(base: str, name: str, data: bytes | None = None, md5: str | None = None, group: str = "skipthoughts",
            **kw) -> D.Remote:
    if md5 is None and data is not None:
        md5 = hashlib.md5(data).hexdigest()
    return D.Remote(name, f"{base}/orig/{name}", group, md5, **kw)


# ----------------------------------------------------------------------------------------- URL logic
def test_mirror_url_building():
    r = D.Remote("utable.npy", "http://www.cs.toronto.edu/~rkiros/models/utable.npy", "skipthoughts")
    assert D.mirror_url("http://m.example/files", r) == "http://m.example/files/utable.npy"
    assert D.mirror_url("http://m.example/files/", r) == "http://m.example/files/utable.npy"
    assert D.mirror_url("http://mirror.nubenum.de/{path}", r) == \
        "http://mirror.nubenum.de/www.cs.toronto.edu/~rkiros/models/utable.npy"
    assert D.mirror_url("https://h/x?f={name}", r) == "https://h/x?f=utable.npy"
    assert D.mirror_url("/some/folder", r) == "file:///some/folder/utable.npy"
    assert D.candidate_urls(r) == [r.url]
    assert D.candidate_urls(r, ["http://a", "http://b/{name}"]) == ["http://a/utable.npy", "http://b/utable.npy"]
    assert {x.group for x in D.CATALOG} == set(D.GROUPS)
    assert all(x.url.startswith(("http://www.cs.toronto.edu/~rkiros/", "https://s3.amazonaws.com/lasagne/"))
               for x in D.CATALOG)


# ------------------------------------------------------------------------------- resume and restart
def test_resume_after_cut_connection(server, tmp_path):
    site, base = server
    data = os.urandom(300_000)
    site.files["orig/big.npz.bin"] = data
    site.cut_once.add("orig/big.npz.bin")
    remote = _remote(base, "big.bin", data)
    dest = tmp_path / "dl"
    with pytest.raises(D.DownloadError, match=r"big\.bin.*(closed|resume)"):
        D.download(dest, catalog=[D.Remote("big.bin", f"{base}/orig/big.npz.bin", "skipthoughts", remote.md5)],
                   **_fetch_kw())
    part = dest / "big.bin.part"
    assert not (dest / "big.bin").exists(), "a cut download must not appear under its final name"
    assert 0 < part.stat().st_size < len(data)
    have = part.stat().st_size
    D.download(dest, catalog=[D.Remote("big.bin", f"{base}/orig/big.npz.bin", "skipthoughts", remote.md5)],
               **_fetch_kw())
    assert (dest / "big.bin").read_bytes() == data
    assert not part.exists()
    assert site.requests[-1] == ("orig/big.npz.bin", f"bytes={have}-"), "the second run must resume with Range"
    rec = json.loads((dest / "checksums.json").read_text())["files"]["big.bin"]
    assert rec["sha256"] == hashlib.sha256(data).hexdigest() and rec["verified"] == "md5"


def test_resume_within_one_run_with_retries(server, tmp_path):
    site, base = server
    data = os.urandom(100_000)
    site.files["orig/f.bin"] = data
    site.cut_once.add("orig/f.bin")
    logs: list[str] = []
    D.download(tmp_path, catalog=[_remote(base, "f.bin", data)], **_fetch_kw(retries=2, log=logs.append))
    assert (tmp_path / "f.bin").read_bytes() == data
    assert any("retrying" in line for line in logs)
    assert site.requests[-1][1] is not None  # the retry resumed


def test_server_without_range_restarts_cleanly(server, tmp_path):
    site, base = server
    site.ranges = False
    data = os.urandom(120_000)
    site.files["orig/f.bin"] = data
    site.cut_once.add("orig/f.bin")
    cat = [_remote(base, "f.bin", data)]
    with pytest.raises(D.DownloadError):
        D.download(tmp_path, catalog=cat, **_fetch_kw())
    assert (tmp_path / "f.bin.part").exists()
    logs: list[str] = []
    D.download(tmp_path, catalog=cat, **_fetch_kw(log=logs.append))
    assert (tmp_path / "f.bin").read_bytes() == data  # not the old half followed by the whole file
    assert site.requests[-1][1] is not None  # it asked to resume ...
    assert any("starting again" in line for line in logs)  # ... and restarted on the 200 answer


def test_stale_part_longer_than_file(server, tmp_path):
    site, base = server
    data = os.urandom(5000)
    site.files["orig/f.bin"] = data
    (tmp_path / "f.bin.part").write_bytes(os.urandom(6000))  # HTTP 416 on resume: start again
    D.download(tmp_path, catalog=[_remote(base, "f.bin", data)], **_fetch_kw(retries=1))
    assert (tmp_path / "f.bin").read_bytes() == data


# ----------------------------------------------------------------------------------- verification
def test_checksum_mismatch_names_file_and_keeps_nothing(server, tmp_path):
    site, base = server
    site.files["orig/uni_skip.npz.pkl"] = b"not the published file."
    cat = [_remote(base, "uni_skip.npz.pkl", md5="e1a0ead377877ff3ea5388bb11cfe8d7")]
    with pytest.raises(D.DownloadError, match=r"uni_skip\.npz\.pkl.*MD5") as e:
        D.download(tmp_path, catalog=cat, **_fetch_kw())
    assert "\n" not in str(e.value) and "spec" not in str(e.value)
    assert not (tmp_path / "uni_skip.npz.pkl").exists()
    assert not (tmp_path / "uni_skip.npz.pkl.part").exists()


def test_recorded_sha256_is_checked_on_later_downloads(server, tmp_path):
    site, base = server
    site.files["orig/vgg19.pkl"] = b"\x80\x02}q\x00." * 10
    cat = [_remote(base, "vgg19.pkl", group="vgg", md5="")]
    D.download(tmp_path, catalog=cat, **_fetch_kw())
    rec = json.loads((tmp_path / "checksums.json").read_text())["files"]["vgg19.pkl"]
    assert rec["verified"] == "recorded"
    (tmp_path / "vgg19.pkl").unlink()
    site.files["orig/vgg19.pkl"] = b"\x80\x02}q\x01." * 10  # the server now has other bytes
    with pytest.raises(D.DownloadError, match=r"vgg19\.pkl.*SHA-256"):
        D.download(tmp_path, catalog=cat, **_fetch_kw())
    assert not (tmp_path / "vgg19.pkl").exists() and not (tmp_path / "vgg19.pkl.part").exists()


def test_truncated_file_without_checksum_is_detected(server, tmp_path):
    site, base = server
    buf = io.BytesIO()
    np.save(buf, np.arange(1000, dtype=np.float32))
    site.files["orig/romance_style.npy"] = buf.getvalue()[:-100]  # short body, no length: only structure tells
    site.no_length.add("orig/romance_style.npy")
    cat = [_remote(base, "romance_style.npy", group="vgg", md5="")]
    with pytest.raises(D.DownloadError, match=r"romance_style\.npy.*bytes"):
        D.download(tmp_path, catalog=cat, **_fetch_kw())
    assert not (tmp_path / "romance_style.npy").exists()


def test_existing_files_are_verified(server, tmp_path):
    site, base = server
    data = os.urandom(4000)
    site.files["orig/f.bin"] = data
    cat = [_remote(base, "f.bin", data)]
    D.download(tmp_path, catalog=cat, **_fetch_kw())
    n = len(site.requests)
    D.download(tmp_path, catalog=cat, **_fetch_kw())
    assert len(site.requests) == n, "a verified file is not fetched again"
    path = tmp_path / "f.bin"
    st = path.stat()
    path.write_bytes(b"X" * len(data))  # same size ...
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # ... same mtime: only --verify notices
    D.download(tmp_path, catalog=cat, **_fetch_kw())
    assert path.read_bytes() != data
    D.download(tmp_path, catalog=cat, **_fetch_kw(verify=True))
    assert path.read_bytes() == data and len(site.requests) == n + 1


# -------------------------------------------------------------------------------------- dead URLs
def test_404_gives_one_line_with_mirror_hint(server, tmp_path):
    _, base = server
    with pytest.raises(D.DownloadError) as e:
        D.download(tmp_path, catalog=[_remote(base, "dictionary.txt", b"x")], **_fetch_kw())
    msg = str(e.value)
    assert f"{base}/orig/dictionary.txt" in msg and "404" in msg and "--mirror" in msg and "\n" not in msg


def test_403_and_connection_refused(server, tmp_path):
    site, base = server
    site.status["orig/a.txt"] = 403
    with pytest.raises(D.DownloadError, match=r"403.*--mirror"):
        D.download(tmp_path, catalog=[_remote(base, "a.txt", b"x")], **_fetch_kw())
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = D.Remote("a.txt", f"http://127.0.0.1:{port}/a.txt", "skipthoughts")
    with pytest.raises(D.DownloadError, match=r"127\.0\.0\.1:\d+/a\.txt: connection refused.*--mirror"):
        D.download(tmp_path, catalog=[dead], **_fetch_kw())


def test_mirrors_are_tried_in_order(server, tmp_path):
    site, base = server
    site.files["good/f.bin"] = b"data"
    remote = D.Remote("f.bin", "http://www.cs.toronto.edu/~rkiros/models/f.bin", "skipthoughts",
                      hashlib.md5(b"data").hexdigest())
    D.download(tmp_path, catalog=[remote], mirrors=[f"{base}/bad", f"{base}/good/{{name}}"], **_fetch_kw())
    assert (tmp_path / "f.bin").read_bytes() == b"data"
    assert [p for p, _ in site.requests] == ["bad/f.bin", "good/f.bin"]


def test_cli_mirror_404_is_one_line(server, tmp_path, capsys):
    site, base = server
    rc = main(["download", "--dest", str(tmp_path), "--only", "vgg", "--mirror", base, "--quiet", "--retries", "0"])
    err = capsys.readouterr().err
    assert rc == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("storyteller: error:")
    assert f"{base}/vgg19.pkl" in lines[0] and "404" in lines[0] and "--mirror" in lines[0]
    assert [p for p, _ in site.requests] == ["vgg19.pkl"]  # the real host is never contacted with --mirror


# ------------------------------------------------------------------------------------------- unzip
def _zip(entries: dict[str, bytes], symlink: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


@pytest.mark.parametrize("bad", ["../evil.txt", "/abs/evil.txt", "a/../../evil.txt", "symlink"])
def test_unsafe_zip_members_are_refused(server, tmp_path, bad):
    site, base = server
    entries = {"neural_storyteller/ok.txt": b"ok"}
    data = _zip(entries, symlink="neural_storyteller/link") if bad == "symlink" else _zip({**entries, bad: b"x"})
    site.files["orig/neural_storyteller.zip"] = data
    dest = tmp_path / "dest"
    with pytest.raises(D.DownloadError, match="refusing"):
        D.download(dest, catalog=[_remote(base, "neural_storyteller.zip", data, group="storyteller", unzip=True)],
                   **_fetch_kw())
    assert not (tmp_path / "evil.txt").exists() and not Path("/abs/evil.txt").exists()
    assert not (dest / "neural_storyteller" / "link").exists()


def test_corrupt_zip_is_not_kept(server, tmp_path):
    site, base = server
    data = bytearray(_zip({"a.txt": os.urandom(2000)}))
    data[60:70] = b"0123456789"  # damage the compressed stream: CRC check fails
    site.files["orig/neural_storyteller.zip"] = bytes(data)
    with pytest.raises(D.DownloadError, match=r"neural_storyteller\.zip"):
        D.download(tmp_path, catalog=[_remote(base, "neural_storyteller.zip", group="storyteller", md5="",
                                              unzip=True)], **_fetch_kw())
    assert not (tmp_path / "neural_storyteller.zip").exists() and not (tmp_path / "a.txt").exists()


# ------------------------------------------------------------------------- end to end: golden files
@pytest.fixture(scope="module")
def golden_dir() -> Path:
    if not (GOLDEN / "golden.json").is_file():
        pytest.skip(f"golden fixtures not found at {GOLDEN} (expected ../shared beside the repo)")
    return GOLDEN


def test_download_all_then_load_all(server, tmp_path, golden_dir):
    """Serve the golden files (original formats) as the 'original release'; download writes a config that
    load_all reads, and the story matches the golden output."""
    from storyteller import generate

    site, base = server
    cat = []
    for name in SK_FILES:
        data = (golden_dir / name).read_bytes()
        site.files[f"models/{name}"] = data
        md5 = hashlib.md5(data).hexdigest()
        cat.append(D.Remote(name, f"{base}/models/{name}", "skipthoughts", md5[:31] if name == "utable.npy" else md5))
    zdata = _zip({f"neural_storyteller/{n}": (golden_dir / n).read_bytes() for n in ZIP_FILES})
    site.files["neural_storyteller.zip"] = zdata
    cat.append(D.Remote("neural_storyteller.zip", f"{base}/neural_storyteller.zip", "storyteller", unzip=True))
    cat.append(D.Remote("vgg19.pkl", f"{base}/vgg19.pkl", "vgg"))
    dest = tmp_path / "models"
    D.download(dest, only=["skipthoughts", "storyteller"], catalog=cat, **_fetch_kw())
    assert not (dest / "neural_storyteller.zip").exists()
    assert not list(dest.rglob("*.part")) and not list(dest.rglob("*.tmp"))
    sums = json.loads((dest / "checksums.json").read_text())["files"]
    assert set(sums) == {*SK_FILES, "neural_storyteller.zip"}
    assert len(sums["neural_storyteller.zip"]["members"]) == len(ZIP_FILES)
    text = (dest / "config.yaml").read_text()
    assert text.startswith(D.CONFIG_MARKER) and "decmodel: neural_storyteller/romance.npz" in text
    assert "vgg: ''" in text and "cnn: vgg19" in text

    n = len(site.requests)
    D.download(dest, only=["skipthoughts", "storyteller"], catalog=cat, **_fetch_kw())
    assert len(site.requests) == n, "nothing is fetched again once everything is in place"

    z = generate.load_all(dest, verbose=False)
    assert z["net"] is None and len(z["cap"]) == 268 and set(z["styles"]) == {"romance", "swift"}
    gold = json.loads((golden_dir / "golden.json").read_text(encoding="utf-8"))
    feats = np.load(golden_dir / "golden.npz")["image_features"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        generate.story(z, feats[0])
    assert out.getvalue() == gold["images"][0]["story_default"]["stdout"]


def test_cli_local_mirror_folder(tmp_path, golden_dir, capsys):
    """--mirror may be a local folder; --no-md5 because the golden files are not the published ones."""
    dest = tmp_path / "m"
    rc = main(["download", "--dest", str(dest), "--only", "skipthoughts", "--mirror", str(golden_dir),
               "--quiet", "--no-md5"])
    assert rc == 0, capsys.readouterr().err
    for name in SK_FILES:
        assert (dest / name).read_bytes() == (golden_dir / name).read_bytes()
    assert "skmodels: ." in (dest / "config.yaml").read_text()
    rc = main(["download", "--dest", str(tmp_path / "m2"), "--only", "skipthoughts", "--mirror", str(golden_dir),
               "--quiet"])
    assert rc == 1 and "MD5" in capsys.readouterr().err  # the published sums reject the fixture files


def test_zip_without_expected_members_warns(server, tmp_path):
    site, base = server
    data = _zip({"neural_storyteller/romance.npz": b"PK-not-really", "README": b"hi"})
    site.files["orig/neural_storyteller.zip"] = data
    logs: list[str] = []
    D.download(tmp_path, catalog=[_remote(base, "neural_storyteller.zip", data, group="storyteller", unzip=True)],
               **_fetch_kw(log=logs.append))
    assert any(line.startswith("warning: neural_storyteller.zip lacks") and "coco_train_caps.txt" in line
               for line in logs)
    assert (tmp_path / "neural_storyteller" / "romance.npz").read_bytes() == b"PK-not-really"
    # romance.npz lacks its .pkl and nothing else is there: no part is complete, so no (all-empty) config
    assert not (tmp_path / "config.yaml").exists()
    assert any("no config.yaml written" in line for line in logs)


# ------------------------------------------------------------------ the config after a failed download
def test_failed_download_writes_no_empty_config(server, tmp_path):
    """A download where every file fails leaves no all-empty config.yaml behind (it used to write one) and
    says so; a config.yaml written by an earlier run that names files now gone is removed too."""
    _, base = server
    cat = [_remote(base, "uni_skip.npz", md5=""), _remote(base, "neural_storyteller.zip", group="storyteller",
                                                          md5="", unzip=True)]
    logs: list[str] = []
    with pytest.raises(D.DownloadError, match="uni_skip.npz"):
        D.download(tmp_path, catalog=cat, **_fetch_kw(log=logs.append))
    assert not (tmp_path / "config.yaml").exists()
    assert any("no config.yaml written" in line and "complete" in line for line in logs)
    (tmp_path / "config.yaml").write_text(D.CONFIG_MARKER + "\ndecmodel: romance.npz\ndictionary: d.pkl\n")
    with pytest.raises(D.DownloadError):
        D.download(tmp_path, catalog=cat, **_fetch_kw())
    assert not (tmp_path / "config.yaml").exists()
    (tmp_path / "config.yaml").write_text("decmodel: mine.npz\n")  # the user's own: never touched
    with pytest.raises(D.DownloadError):
        D.download(tmp_path, catalog=cat, **_fetch_kw())
    assert (tmp_path / "config.yaml").read_text() == "decmodel: mine.npz\n"


def test_failed_download_configures_the_complete_parts(server, tmp_path, golden_dir):
    """Skip-thoughts arrive, the storyteller zip fails: config.yaml names the skip-thoughts only, says what is
    missing, loads for encoding, and a story config check names the missing keys at load."""
    from storyteller import config as C
    from storyteller.errors import ConfigError

    site, base = server
    cat = []
    for name in SK_FILES:
        site.files[f"models/{name}"] = (golden_dir / name).read_bytes()
        cat.append(D.Remote(name, f"{base}/models/{name}", "skipthoughts"))
    cat.append(D.Remote("neural_storyteller.zip", f"{base}/gone/neural_storyteller.zip", "storyteller", unzip=True))
    logs: list[str] = []
    with pytest.raises(D.DownloadError, match="neural_storyteller.zip"):
        D.download(tmp_path, catalog=cat, **_fetch_kw(log=logs.append))
    text = (tmp_path / "config.yaml").read_text()
    assert text.startswith(D.CONFIG_MARKER) and "Not yet available: decmodel, vsemodel" in text
    cfg = C.load_config(tmp_path, require=("skmodels", "sktables"))
    assert cfg["skmodels"] == str(tmp_path) and cfg["decmodel"] == "" and cfg["captions"] == ""
    with pytest.raises(ConfigError, match=r"'decmodel'.*'vsemodel'.*'captions'.*'negbias'.*'posbias'"):
        C.load_config(tmp_path, require=C.STORY_KEYS)
    assert any(line.startswith("wrote") and "not yet available: decmodel" in line for line in logs)


def test_messages_cite_no_internal_spec():
    """Users do not have the project's spec: messages and docstrings cite the original code or papers."""
    import inspect

    from storyteller import catalog, config, fetching

    for module in (D, catalog, config, fetching):
        assert "spec §" not in inspect.getsource(module), module.__name__
