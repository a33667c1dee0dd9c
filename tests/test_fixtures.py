"""The golden fixtures that travel with the repository equal the project's shared set (where that exists)."""
from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
from conftest import FIXTURES, SHARED


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", ["golden", "golden-vgg"])
def test_repository_copy_equals_shared(name: str) -> None:
    ours = FIXTURES / name
    assert (ours / "README.md").is_file(), f"{ours} is missing from the repository"
    shared = SHARED / name
    if not shared.is_dir():
        pytest.skip(f"{shared} not present (only CI and the developers have the shared folder)")
    assert _files(ours) == _files(shared)
    differ = [f for f in sorted(_files(ours)) if not filecmp.cmp(ours / f, shared / f, shallow=False)]
    assert not differ, f"tests/fixtures/{name} differs from {shared}: {differ} (copy the shared files in)"
