"""Synthetic class distributions of VSE training and the CNN's class-neighbour table (data/imagenet)."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from storyteller.train.vse import VSEConfig, load_class_neighbours, synthetic_images

ROOT = Path(__file__).resolve().parents[1]
NEIGHBOURS = ROOT / "data" / "imagenet" / "neighbours.json"


@pytest.fixture(scope="module")
def table():
    return load_class_neighbours(NEIGHBOURS)


@pytest.fixture(scope="module")
def class_names():
    rows = (ROOT / "data" / "imagenet" / "classes.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [r.split("\t")[2].split(",")[0] for r in rows]


def test_neighbour_table_is_the_cnns_similar_classes(table, class_names):
    assert table.shape == (1000, 20)
    for i, row in enumerate(table.tolist()):
        assert len(set(row)) == 20 and i not in row
    near = {class_names[c]: [class_names[j] for j in table[c, :5]] for c in (285, 968, 817)}
    assert {"tabby", "tiger cat", "Siamese cat"} <= set(near["Egyptian cat"]), near
    assert "coffee mug" in near["cup"] and "espresso" in near["cup"], near
    assert "racer" in near["sports car"] and "convertible" in near["sports car"], near


def test_without_neighbour_noise_the_draws_are_unchanged(table):
    """neighbour_noise 0 (the default): the same seed gives the same images with or without a table."""
    cfg = VSEConfig()
    sets = [[963], [281, 282, 285], [968]]
    a = synthetic_images(sets, 1000, cfg, np.random.default_rng(3))
    b = synthetic_images(sets, 1000, cfg, np.random.default_rng(3), table)
    assert np.array_equal(a, b)


def test_neighbour_noise_puts_leftover_mass_on_similar_classes(table):
    cfg = replace(VSEConfig(), neighbour_noise=0.5)
    rng = np.random.default_rng(0)
    imgs = synthetic_images([[968]] * 50, 1000, cfg, rng, table)
    assert imgs.shape == (50, 1000) and imgs.dtype == np.float32
    assert np.allclose(np.linalg.norm(imgs, axis=1), 1, atol=1e-5)
    for img in imgs:
        noise = set(np.flatnonzero(img).tolist()) - {968}
        assert len(noise) == cfg.n_noise                      # distinct noise classes, as before
        assert len(noise & set(table[968].tolist())) >= 10    # half of them among the cup's 20 neighbours
    plain = synthetic_images([[968]] * 50, 1000, VSEConfig(), np.random.default_rng(0))
    near = table[968].tolist()
    assert (imgs[:, near] > 0).sum() > 3 * (plain[:, near] > 0).sum()


def test_neighbour_noise_needs_a_table(tmp_path):
    cfg = replace(VSEConfig(), neighbour_noise=0.5)
    with pytest.raises(ValueError, match="load_class_neighbours"):
        synthetic_images([[968]], 1000, cfg, np.random.default_rng(0))
    bad = tmp_path / "n.json"
    bad.write_text(json.dumps({"neighbours": [[0, 1], [0, 2], [0, 1]]}))
    with pytest.raises(ValueError, match="n.json: expected one row of other class indices"):
        load_class_neighbours(bad)
    bad.write_text("{")
    with pytest.raises(ValueError, match="n.json: not a class-neighbour table"):
        load_class_neighbours(bad)
