"""Train the visual-semantic embedding with the original's contrastive hinge loss (Kiros et al. 2014).

Two kinds of pairs are supported:

* real pairs: ``(image feature, caption)`` arrays, as the original trained on COCO VGG features;
* class pairs, for when no image–caption pairs exist (the default bundle): each caption is annotated with the
  ImageNet classes its subject covers, and the CNN's output for such an image is a probability distribution
  over those classes. The image side of a pair is therefore a *synthetic class distribution*: random
  (Dirichlet) weights over the caption's classes carrying most of the mass, the rest spread over a few random
  other classes, like the uncertain softmax of a real photo. At test time the CNN's real softmax goes through
  the same linear image encoder. A real softmax puts its leftover mass on classes the CNN confuses with the
  subject (a cup photo: coffee mug, espresso, pitcher), not on random ones: with ``neighbour_noise`` > 0 that
  share of the noise classes comes from the caption class's nearest classes in the CNN's own classifier
  (``data/imagenet/neighbours.json``, :func:`load_class_neighbours`).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm  # not tqdm.auto: it warns "IProgress not found" in notebooks without ipywidgets

from .. import embedding
from ..store import atomic_write
from .common import Checkpoint, fit, seed_everything
from .corpus import build_dictionary
from .distributed import fingerprint, setup

__all__ = ["VSEConfig", "contrastive_loss", "synthetic_images", "train_vse", "recall_at_k", "load_class_neighbours"]


@dataclass
class VSEConfig:
    dim: int = 512          # joint space (1024 in the original)
    dim_word: int = 300
    margin: float = 0.2
    batch_size: int = 128
    epochs: int = 30
    lr: float = 2e-3
    grad_clip: float = 2.0
    seed: int = 1234
    heldout: float = 0.1
    alpha: float = 0.5      # Dirichlet concentration over a caption's classes
    min_mass: float = 0.5   # share of probability on the caption's classes (uniform in [min_mass, 1])
    n_noise: int = 20       # other classes that share the rest
    neighbour_noise: float = 0.0  # share of those drawn from the CNN's nearest classes (needs class_neighbours)


def contrastive_loss(im: torch.Tensor, s: torch.Tensor, margin: float,
                     same: torch.Tensor | None = None) -> torch.Tensor:
    """Sum of hinge terms ``max(0, margin - s(i,i) + s(i,j))`` in both directions (VSE/model.py).

    ``same[i, j]`` marks pairs that are not true negatives (the same subject); they are left out.
    """
    scores = im @ s.T
    diag = scores.diag()
    cost_s = (margin - diag[:, None] + scores).clamp(min=0)   # image i against caption j
    cost_im = (margin - diag[None, :] + scores).clamp(min=0)  # caption j against image i
    keep = ~torch.eye(len(scores), dtype=torch.bool, device=scores.device)
    if same is not None:
        keep &= ~same
    return (cost_s * keep).sum() + (cost_im * keep).sum()


def synthetic_images(class_sets: Sequence[Sequence[int]], n_classes: int, cfg: VSEConfig,
                     rng: np.random.Generator, neighbours: np.ndarray | None = None) -> np.ndarray:
    """Class distributions (B, n_classes) float32 for captions whose subjects cover ``class_sets``; L2-normalised
    like the pipeline normalises CNN features.

    ``neighbours`` (n_classes, K) int: each class's nearest classes, nearest first (:func:`load_class_neighbours`);
    needed when ``cfg.neighbour_noise`` > 0: then ``round(neighbour_noise * n_noise)`` of the noise classes are
    drawn from the K neighbours of the caption's heaviest class, the others at random as before. With
    ``neighbour_noise`` 0 the random draws are exactly those of earlier versions (same seed, same images).
    """
    n_near = int(round(cfg.neighbour_noise * cfg.n_noise))
    if n_near:
        if neighbours is None:
            raise ValueError("VSEConfig.neighbour_noise > 0 needs the class neighbours (load_class_neighbours)")
        if n_near > neighbours.shape[1]:
            raise ValueError(f"neighbour_noise * n_noise = {n_near} noise classes, but only "
                             f"{neighbours.shape[1]} neighbours per class are given")
    out = np.zeros((len(class_sets), n_classes), dtype=np.float32)
    for i, class_set in enumerate(class_sets):
        classes = np.asarray(class_set)
        mass = rng.uniform(cfg.min_mass, 1.0)
        weights = rng.dirichlet(np.full(len(classes), cfg.alpha))
        out[i, classes] += mass * weights
        if n_near and neighbours is not None:
            near = rng.choice(neighbours[classes[np.argmax(weights)]], size=n_near, replace=False)
            # random classes other than the chosen neighbours, so every noise class is distinct
            rest = rng.choice(np.setdiff1d(np.arange(n_classes), near), size=cfg.n_noise - n_near, replace=False)
            noise = np.concatenate([near, rest])
        else:
            noise = rng.choice(n_classes, size=cfg.n_noise, replace=False)
        out[i, noise] += (1.0 - mass) * rng.dirichlet(np.full(cfg.n_noise, cfg.alpha))
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def load_class_neighbours(path: str | Path) -> np.ndarray:
    """(n_classes, K) int64: each class's nearest classes in a CNN's classifier, nearest first, from a JSON file
    ``{"neighbours": [[...], ...]}`` as ``scripts/make_class_neighbours.py`` writes it. Raises ``ValueError``
    naming the file when it is not such a table."""
    path = Path(path)
    try:
        table = np.asarray(json.loads(path.read_text(encoding="utf-8"))["neighbours"], dtype=np.int64)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: not a class-neighbour table ({type(e).__name__}: {e}); "
                         "write it with scripts/make_class_neighbours.py") from None
    if table.ndim != 2 or table.size == 0 or table.min() < 0 or table.max() >= len(table) \
            or any(i in row for i, row in enumerate(table.tolist())):
        raise ValueError(f"{path}: expected one row of other class indices per class, got shape {table.shape}")
    return table


@torch.no_grad()
def recall_at_k(model: embedding.VSE, feats: np.ndarray, captions: Sequence[str], labels: Sequence[int],
                caption_labels: Sequence[int], ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """Image -> text recall@K where a hit is a retrieved caption of the image's subject group."""
    cvec = embedding.encode_sentences(model, list(captions))
    ivec = embedding.encode_images(model, feats)
    ranks = np.argsort(-(ivec @ cvec.T), axis=1)
    cap_lab = np.asarray(caption_labels)
    hits = cap_lab[ranks] == np.asarray(labels)[:, None]
    return {f"R@{k}": float(hits[:, :k].any(1).mean() * 100) for k in ks}


def train_vse(
    captions: Sequence[str],
    out_path: str | Path,
    config: VSEConfig | None = None,
    *,
    caption_classes: Sequence[Sequence[int]] | None = None,
    caption_groups: Sequence[int] | None = None,
    class_neighbours: np.ndarray | None = None,
    n_classes: int = 1000,
    image_features: np.ndarray | None = None,
    device: str | None = None,
    resume: bool = False,
    checkpoint: str | Path | None = None,
    time_budget: float | None = None,
    half: bool = False,
    checkpoint_every: int = 200,
) -> dict:
    """Train a VSE and write ``out_path`` (``.safetensors`` + ``.json`` + ``.dictionary.json``).

    Give either ``image_features`` (N, D) paired row by row with ``captions`` (real pairs), or
    ``caption_classes`` (the class indices each caption describes) for synthetic class-distribution images.
    ``caption_groups`` (a subject id per caption) keeps same-subject pairs out of the negatives and defines a
    hit for the held-out recall@K. ``class_neighbours`` (:func:`load_class_neighbours`) is needed when
    ``config.neighbour_noise`` > 0 (see :func:`synthetic_images`).

    Under torchrun every process calls this with the same arguments: each embeds its shard of every batch
    (``config.batch_size`` per process) and the contrastive loss is taken over the whole global batch (the
    embeddings of the other shards are gathered), so the negatives are the same as on one process. Only rank 0
    writes the files; every process returns the metrics.
    """
    if (image_features is None) == (caption_classes is None):
        raise ValueError("give exactly one of image_features (real pairs) or caption_classes (class pairs)")
    cfg = config or VSEConfig()
    world = setup(device)
    dev = world.device
    gen = seed_everything(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    out_path = Path(out_path)
    groups = np.asarray(caption_groups if caption_groups is not None else range(len(captions)))
    dim_image = image_features.shape[1] if image_features is not None else n_classes
    worddict = build_dictionary(c.split() for c in captions)
    model = embedding.VSE(len(worddict) + 2, cfg.dim_word, cfg.dim, dim_image)  # +2: no off-by-two UNKs here
    model.worddict = worddict
    model.to(dev)
    ids = [model.word_ids(c) for c in captions]

    perm = torch.randperm(len(captions), generator=gen).tolist()
    n_held = max(1, int(len(captions) * cfg.heldout))
    held, train = perm[:n_held], perm[n_held:]

    def images(idx: Sequence[int]) -> np.ndarray:
        if image_features is not None:
            f = image_features[idx].astype(np.float32)
            return f / np.linalg.norm(f, axis=1, keepdims=True)
        assert caption_classes is not None  # (checked above: exactly one of the two is given)
        return synthetic_images([caption_classes[i] for i in idx], n_classes, cfg, rng, class_neighbours)

    held_feats = images(held)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    ckpt = Checkpoint(checkpoint or out_path.with_suffix(".ckpt"))

    def batch_loss(idx: Sequence[int]) -> tuple[torch.Tensor, int]:
        """The hinge loss of the whole global batch ``idx`` (on every process: its images draw from ``rng``)."""
        feats = images(idx)
        if world.size == 1:
            im = nn.functional.normalize(model.image_vectors(torch.from_numpy(feats).to(dev)), dim=1)
            s = nn.functional.normalize(model.sentence_vectors([ids[j] for j in idx]), dim=1)
        else:  # embed this process's shard; the others' embeddings come from their processes
            lo, hi = world.span(len(idx))
            mine = slice(lo, hi) if hi > lo else slice(0, 1)  # an empty shard still runs (DDP), weighted 0
            im_mine = nn.functional.normalize(model.image_vectors(torch.from_numpy(feats[mine]).to(dev)), dim=1)
            s_mine = nn.functional.normalize(model.sentence_vectors([ids[j] for j in idx[mine]]), dim=1)
            sizes = world.sizes(len(idx))
            im, s = world.all_rows(im_mine[: hi - lo], sizes), world.all_rows(s_mine[: hi - lo], sizes)
        g = torch.from_numpy(groups[idx]).to(dev)
        same = g[:, None] == g[None, :]
        loss = contrastive_loss(im, s, cfg.margin, same)
        if world.size > 1 and hi == lo:
            loss = loss + 0.0 * (im_mine.sum() + s_mine.sum())
        return loss, 1  # a sum over the batch, not normalised (as the original)

    def evaluate(train_total: float, _last: float) -> dict:
        rec = recall_at_k(model, held_feats, [captions[i] for i in held], groups[held].tolist(),
                          groups[held].tolist())
        if world.main:
            tqdm.write("VSE: train loss {:.3f}, held-out {}".format(
                train_total / len(train), ", ".join(f"{k} {v:.1f}" for k, v in rec.items())))
        return {"train_loss": train_total / len(train), **rec}

    data = fingerprint(ids, groups, image_features if image_features is not None else caption_classes)
    epoch, history = fit("VSE", {"model": model}, opt, cfg, train, held, batch_loss, gen, ckpt, resume=resume,
                         time_budget=time_budget, checkpoint_every=checkpoint_every, evaluate=evaluate, np_rng=rng,
                         global_loss=True, data_id=data)
    model.eval().cpu()
    metrics = {"vocabulary": len(worddict) + 2, "train_captions": len(train), "heldout_captions": len(held),
               "epochs_done": epoch, "history": history, "config": asdict(cfg), "finished": epoch >= cfg.epochs,
               "recall_note": "image->text on held-out captions; a hit is a caption of the image's subject group"}
    if world.main:
        embedding.save_model(model, out_path, half=half)
        with atomic_write(out_path.with_suffix(".training.json")) as tmp:
            tmp.write_text(json.dumps(metrics, indent=1))
    return metrics
