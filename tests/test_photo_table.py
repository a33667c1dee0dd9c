"""The photo table (data/photos.yaml) read by scripts/fetch_photos.py agrees with the photos, labels and
credits in the repository. Offline and fast: nothing is downloaded.
"""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "fetch_photos.py"


@pytest.fixture(scope="module")
def fetch_photos():
    spec = importlib.util.spec_from_file_location("fetch_photos", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_table_names_exactly_the_shipped_photos(fetch_photos):
    dests = [p["dest"] for p in fetch_photos.PHOTOS]
    assert len(set(dests)) == len(dests)
    on_disk = sorted(str(p.relative_to(ROOT)) for folder in ("images", "eval/photos", "eval/heldout")
                     for p in (ROOT / folder).glob("*.jpg"))
    assert sorted(dests) == on_disk


def test_labels_json_is_current(fetch_photos, tmp_path):
    """Each eval split's labels.json is what --labels-only writes from the table (byte for byte)."""
    res = subprocess.run([sys.executable, str(SCRIPT), "--labels-only", "--root", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["eval/heldout/labels.json", "eval/photos/labels.json"]
    for name in written:
        assert (tmp_path / name).read_bytes() == (ROOT / name).read_bytes(), name


@pytest.mark.parametrize("folder", ["images", "eval/photos", "eval/heldout"])
def test_credits_match_table(fetch_photos, folder):
    """Each photo's section of CREDITS.md carries the table's title, source, author and licence lines
    (the rest, source size and changes, needs the downloaded source)."""
    text = (ROOT / folder / "CREDITS.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\S+)\n(.*?)(?=^## |\Z)", text, re.M | re.S))
    photos = [p for p in fetch_photos.PHOTOS if p["dest"].rsplit("/", 1)[0] == folder]
    assert sorted(sections) == sorted(Path(p["dest"]).name for p in photos)
    for p in photos:
        body = sections[Path(p["dest"]).name]
        expected = fetch_photos.credits_md("eval", [p], {}).split("\n## ", 1)[1].split("\n", 1)[1].strip()
        assert body.strip().startswith(expected), p["dest"]


def test_bad_table_gives_one_line(fetch_photos, tmp_path):
    bad = tmp_path / "photos.yaml"
    bad.write_text((ROOT / "data" / "photos.yaml").read_text(encoding="utf-8")
                   .replace("    licence: CC0-1.0\n", "    license: CC0-1.0\n", 1), encoding="utf-8")
    with pytest.raises(SystemExit, match=r"photos.yaml: photo 1 \(images/cat.jpg\): missing key\(s\) licence$"):
        fetch_photos.load_table(bad)


def test_splits_are_disjoint_and_in_their_folders(fetch_photos):
    """Every eval photo names its split and lies in that split's folder; no held-out source file is also
    a dev or sample photo (images/)."""
    ev = [p for p in fetch_photos.PHOTOS if p["dest"].startswith("eval/")]
    assert {p["split"] for p in ev} == {"dev", "heldout"}
    for p in ev:
        assert p["dest"].rsplit("/", 1)[0] == fetch_photos.SPLITS[p["split"]], p["dest"]
    held = {p["sha256"] for p in ev if p["split"] == "heldout"}
    others = {p["sha256"] for p in fetch_photos.PHOTOS if p.get("split") != "heldout"}
    assert not held & others
    assert sum(p["split"] == "heldout" for p in ev) >= 40


@pytest.mark.parametrize("new, message", [
    ("    split: test\n", r"split 'test' is not one of dev, heldout$"),
    ("    split: heldout\n", r"a heldout photo belongs in eval/heldout/$"),
    ("", r"an eval photo needs subject, accept, note \(labels.json\) and split$"),
])
def test_bad_split_gives_one_line(fetch_photos, tmp_path, new, message):
    bad = tmp_path / "photos.yaml"
    bad.write_text((ROOT / "data" / "photos.yaml").read_text(encoding="utf-8")
                   .replace("    split: dev\n", new, 1), encoding="utf-8")
    with pytest.raises(SystemExit, match=r"photos.yaml: photo \d+ \(eval/photos/giraffes.jpg\): " + message):
        fetch_photos.load_table(bad)
