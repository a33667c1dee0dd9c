"""Train the visual-semantic embedding with the original's contrastive hinge loss (Kiros et al. 2014).

Two kinds of pairs are supported:

* real pairs: ``(image feature, caption)`` arrays, as the original trained on COCO VGG features;
* class pairs, for when no image–caption pairs exist (the default bundle): each caption is annotated with the
  ImageNet classes its subject covers, and the CNN's output for such an image is a probability distribution
  over those classes. The image side of a pair is therefore a *synthetic class distribution*: random
  (Dirichlet) weights over the caption's classes carrying most of the mass, the rest spread over a few random
  other classes, like the uncertain softmax of a real photo. At test time the CNN's real softmax goes through
  the same linear image encoder.
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
from .common import Checkpoint, Timer, pick_device, seed_everything
from .corpus import build_dictionary

__all__ = ["VSEConfig", "contrastive_loss", "synthetic_images", "train_vse", "recall_at_k"]


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


def contrastive_loss(im: torch.Tensor, s: torch.Tensor, margin: float, same: torch.Tensor | None = None) -> torch.Tensor:
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
                     rng: np.random.Generator) -> np.ndarray:
    """Class distributions (B, n_classes) for captions whose subjects cover ``class_sets``; L2-normalised like
    the pipeline normalises CNN features."""
    out = np.zeros((len(class_sets), n_classes), dtype=np.float32)
    for i, classes in enumerate(class_sets):
        classes = np.asarray(classes)
        mass = rng.uniform(cfg.min_mass, 1.0)
        out[i, classes] += mass * rng.dirichlet(np.full(len(classes), cfg.alpha))
        noise = rng.choice(n_classes, size=cfg.n_noise, replace=False)
        out[i, noise] += (1.0 - mass) * rng.dirichlet(np.full(cfg.n_noise, cfg.alpha))
    return out / np.linalg.norm(out, axis=1, keepdims=True)


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
    n_classes: int = 1000,
    image_features: np.ndarray | None = None,
    device: str | None = None,
    resume: bool = False,
    checkpoint: str | Path | None = None,
    time_budget: float | None = None,
    half: bool = False,
) -> dict:
    """Train a VSE and write ``out_path`` (``.safetensors`` + ``.json`` + ``.dictionary.json``).

    Give either ``image_features`` (N, D) paired row by row with ``captions`` (real pairs), or
    ``caption_classes`` (the class indices each caption describes) for synthetic class-distribution images.
    ``caption_groups`` (a subject id per caption) keeps same-subject pairs out of the negatives and defines a
    hit for the held-out recall@K.
    """
    if (image_features is None) == (caption_classes is None):
        raise ValueError("give exactly one of image_features (real pairs) or caption_classes (class pairs)")
    cfg = config or VSEConfig()
    dev = pick_device(device)
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
        return synthetic_images([caption_classes[i] for i in idx], n_classes, cfg, rng)

    held_feats = images(held)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    ckpt = Checkpoint(checkpoint or out_path.with_suffix(".ckpt"))
    epoch, history = 0, []
    if resume and ckpt.exists():
        s = ckpt.load()
        model.load_state_dict(s["model"]), opt.load_state_dict(s["opt"])
        epoch, history = s["epoch"], s["history"]
        gen.set_state(s["gen"])
        rng.bit_generator.state = s["np_gen"]
    timer = Timer(time_budget)
    bar = tqdm(total=cfg.epochs, initial=epoch, desc="VSE", unit="epoch")
    while epoch < cfg.epochs and not timer.expired:
        model.train()
        order = torch.randperm(len(train), generator=gen).tolist()
        total = 0.0
        for i in range(0, len(order), cfg.batch_size):
            idx = [train[j] for j in order[i:i + cfg.batch_size]]
            im = nn.functional.normalize(model.image_vectors(torch.from_numpy(images(idx)).to(dev)), dim=1)
            s = nn.functional.normalize(model.sentence_vectors([ids[j] for j in idx]), dim=1)
            g = torch.from_numpy(groups[idx]).to(dev)
            same = g[:, None] == g[None, :]
            loss = contrastive_loss(im, s, cfg.margin, same)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            total += float(loss.detach())
        model.eval()
        rec = recall_at_k(model, held_feats, [captions[i] for i in held], groups[held].tolist(),
                          groups[held].tolist())
        epoch += 1
        history.append({"epoch": epoch, "train_loss": total / len(train), **rec})
        bar.update(1)
        bar.set_postfix(loss=f"{total / len(train):.3f}", **{k: f"{v:.1f}" for k, v in rec.items()})
        ckpt.save(model=model.state_dict(), opt=opt.state_dict(), epoch=epoch, history=history,
                  gen=gen.get_state(), np_gen=rng.bit_generator.state, config=asdict(cfg))
    bar.close()
    model.eval().cpu()
    embedding.save_model(model, out_path, half=half)
    metrics = {"vocabulary": len(worddict) + 2, "train_captions": len(train), "heldout_captions": len(held),
               "epochs_done": epoch, "history": history, "config": asdict(cfg), "finished": epoch >= cfg.epochs,
               "recall_note": "image->text on held-out captions; a hit is a caption of the image's subject group"}
    out_path.with_suffix(".training.json").write_text(json.dumps(metrics, indent=1))
    return metrics
