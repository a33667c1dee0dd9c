"""How ``convert`` builds its output folder: incrementally (:class:`Job`: which parts are up to date, from the
manifest of the previous run) and atomically (:class:`StagedFolder`: everything is written into a temporary
folder beside DEST and moved in at the end, so a conversion that fails midway leaves nothing new behind).
"""
from __future__ import annotations

import concurrent.futures
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from .store import sha256_file

__all__ = ["Job", "StagedFolder"]


class StagedFolder:
    """A temporary folder ``.NAME.converting`` beside ``final`` to build a new version of ``final`` in.

    ``keep`` (paths relative to ``final``) are hard-linked (or copied) into the stage first, so an incremental
    build sees the outputs of the earlier run. :meth:`commit` moves the result in: a new ``final`` is one rename;
    into an existing one, each new file is renamed over the old (``last`` files at the very end, e.g. the config
    naming the others) and the kept files that the build removed are removed. :meth:`discard` deletes the stage
    (and the parent folders created for it): ``final`` is as it was.
    """

    def __init__(self, final: str | Path, keep: Iterable[str] = (), log: Callable[[str], None] = print) -> None:
        self.final = Path(final)
        self.created = [p for p in [self.final.parent, *self.final.parent.parents] if not p.exists()]
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.path = self.final.parent / f".{self.final.name}.converting"
        if self.path.exists():  # left by a run that was killed
            log(f"removing {self.path}, left by an interrupted run")
            shutil.rmtree(self.path)
        self.path.mkdir()
        self.kept: set[str] = set()
        for rel in keep:
            if not isinstance(rel, str) or PurePosixPath(rel).is_absolute() or ".." in PurePosixPath(rel).parts:
                continue  # only files inside final (a manifest is data, not a list of paths to trust)
            src = self.final / rel
            if src.is_file() and not src.is_symlink():
                (self.path / rel).parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(src, self.path / rel)
                except OSError:  # a file system without hard links
                    shutil.copy2(src, self.path / rel)
                self.kept.add(rel)

    def commit(self, last: Iterable[str] = ()) -> None:
        last = list(last)
        if not self.final.exists():
            os.replace(self.path, self.final)
            return
        removed = [rel for rel in self.kept if not (self.path / rel).exists()]  # e.g. stale caches
        for rel in last:  # first out, last in: the folder never names a mixture of old and new files
            (self.final / rel).unlink(missing_ok=True)
        for f in sorted(p for p in self.path.rglob("*") if p.is_file()):
            rel = f.relative_to(self.path).as_posix()
            target = self.final / rel
            if rel in last or (target.exists() and os.path.samefile(f, target)):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, target)
        for rel in removed:
            (self.final / rel).unlink(missing_ok=True)
        for rel in last:
            if (self.path / rel).exists():
                os.replace(self.path / rel, self.final / rel)
        shutil.rmtree(self.path)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        for p in self.created:  # innermost first
            try:
                p.rmdir()
            except OSError:
                break


class Job:
    """Bookkeeping for one conversion: hashes of sources (in a background thread), outputs, skipping."""

    def __init__(self, dest: Path, old: Mapping[str, Any], force: bool, log: Callable[[str], None]) -> None:
        self.dest, self.force, self.log = dest, force, log
        self.old_parts: Mapping[str, Any] = old.get("parts", {}) if isinstance(old, Mapping) else {}
        self.parts: dict[str, Any] = {}
        self.kept: set[str] = set()  # parts skipped because their sources are unchanged
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
        self.hashes: dict[Path, concurrent.futures.Future] = {}
        self.known: dict[str, dict[str, Any]] = {}
        for part in self.old_parts.values():
            for s in part.get("sources", []):
                self.known[s.get("path", "")] = s

    def source_record(self, path: Path) -> dict[str, Any]:
        st = path.stat()
        return {"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}

    def _unchanged(self, path: Path) -> dict[str, Any] | None:
        rec, old = self.source_record(path), self.known.get(str(path))
        if old and old.get("size") == rec["size"] and old.get("mtime_ns") == rec["mtime_ns"] and old.get("sha256"):
            return {**rec, "sha256": old["sha256"]}
        return None

    def hash_later(self, paths: list[Path]) -> None:
        for p in paths:
            if p not in self.hashes and self._unchanged(p) is None:
                self.hashes[p] = self.pool.submit(sha256_file, p)

    def skip(self, name: str, sources: list[Path], outputs: list[str]) -> bool:
        """True if part ``name`` was made from these unchanged sources and its outputs are still there."""
        old = self.old_parts.get(name)
        if self.force or not old:
            return False
        if sorted(s["path"] for s in old.get("sources", [])) != sorted(str(p) for p in sources):
            return False
        if any(self._unchanged(p) is None for p in sources):
            return False
        for out in outputs:
            rec = old.get("outputs", {}).get(out)
            f = self.dest / out
            if not rec or not f.is_file() or f.stat().st_size != rec.get("size"):
                return False
        self.parts[name] = old
        self.kept.add(name)
        self.log(f"{name}: unchanged, kept")
        return True

    def done(self, name: str, sources: list[Path], outputs: list[str], **extra: Any) -> None:
        self.hash_later(sources)
        self.parts[name] = {"sources": sources, "outputs": {o: {"size": (self.dest / o).stat().st_size}
                                                            for o in outputs}, **extra}

    def finish(self) -> dict[str, Any]:
        """Resolve the source hashes (waiting for the background thread) into the manifest's parts."""
        out = {}
        for name, part in self.parts.items():
            srcs = []
            for s in part["sources"]:
                if isinstance(s, Mapping):
                    srcs.append(dict(s))
                    continue
                rec = self._unchanged(s)
                if rec is None:
                    fut = self.hashes.get(s)
                    rec = {**self.source_record(s), "sha256": fut.result() if fut else sha256_file(s)}
                srcs.append(rec)
            out[name] = {**part, "sources": srcs}
        self.pool.shutdown()
        return out

