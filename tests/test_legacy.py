"""Safe reading of the original Python-2 model files and load-time validation (the GRU equations are tested in
tests/test_gru.py, the recognition of every kind of file in tests/test_formats.py)."""
from __future__ import annotations

import pickle
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from storyteller import decoder, embedding, generate, skipthoughts, style
from storyteller.legacy import (
    ModelFileError,
    RestrictedUnpickler,
    load_npz,
    load_object_table,
    load_pickle,
    load_pickles,
)


# ------------------------------------------------------------------------------------------ helpers
def linked_copy(golden_dir: Path, dest: Path, replace: dict[str, bytes] | None = None) -> Path:
    """A copy of the golden model files (about 1 MB), with some files replaced by the given bytes."""
    dest.mkdir(parents=True, exist_ok=True)
    replace = replace or {}
    for p in golden_dir.iterdir():
        if p.is_file() and p.name not in replace and not p.name.startswith("golden."):
            shutil.copyfile(p, dest / p.name)
    for name, data in replace.items():
        (dest / name).write_bytes(data)
    return dest


def npz_bytes(arrays: dict[str, np.ndarray], tmp: Path) -> bytes:
    path = tmp / "x.npz"
    np.savez(path, **arrays)
    return path.read_bytes()


def npy_bytes(array: np.ndarray, tmp: Path) -> bytes:
    path = tmp / "x.npy"
    np.save(path, array)
    return path.read_bytes()


# --------------------------------------------------------------------------------- malicious pickles
def _proto0(module: str, name: str, arg: str) -> bytes:
    """GLOBAL module.name, called with one string argument: protocol 0, as Python 2 cPickle.dump writes."""
    return f"c{module}\n{name}\n(S'{arg}'\ntR.".encode()


def _proto2(module: str, name: str, arg: str) -> bytes:
    """The same call with protocol 2 opcodes (PROTO 2, GLOBAL, BINUNICODE, TUPLE1, REDUCE)."""
    a = arg.encode()
    return b"\x80\x02" + f"c{module}\n{name}\n".encode() + b"X" + struct.pack("<I", len(a)) + a + b"\x85R."


def _proto4(module: str, name: str, arg: str) -> bytes:
    """STACK_GLOBAL (protocol 4): module and name pushed as strings."""
    m, n, a = module.encode(), name.encode(), arg.encode()
    return (b"\x80\x04\x8c" + bytes([len(m)]) + m + b"\x8c" + bytes([len(n)]) + n + b"\x93"
            + b"\x8c" + bytes([len(a)]) + a + b"\x85R.")


def _payloads(marker: Path) -> list[tuple[str, bytes]]:
    """Pickles that would create ``marker`` if they were ever executed."""
    py = f"open({str(marker)!r}, 'w').write('pwned')"
    sh = f"touch {marker}"
    out = []
    for proto, make in (("p0", _proto0), ("p2", _proto2), ("p4", _proto4)):
        out += [
            (f"{proto}-os.system", make("os", "system", sh)),
            (f"{proto}-posix.system", make("posix", "system", sh)),
            (f"{proto}-builtins.eval", make("builtins", "eval", py)),
            (f"{proto}-__builtin__.eval", make("__builtin__", "eval", py)),
            (f"{proto}-builtins.exec", make("builtins", "exec", py)),
            (f"{proto}-subprocess.check_call", make("subprocess", "check_call", sh)),
        ]
    # subprocess.Popen with an argument list (protocol 2, as pickle.dumps would write it)
    class Evil:
        def __reduce__(self):
            import subprocess
            return (subprocess.Popen, (["touch", str(marker)],))

    out.append(("p2-subprocess.Popen", pickle.dumps(Evil(), protocol=2)))
    out.append(("p0-subprocess.Popen", pickle.dumps(Evil(), protocol=0)))
    return out


def test_payloads_really_are_dangerous(tmp_path):
    """Sanity check of the test itself: plain pickle.loads runs the payload."""
    marker = tmp_path / "marker"
    pickle.loads(_proto2("builtins", "eval", f"open({str(marker)!r}, 'w').write('x')"))
    assert marker.exists()


@pytest.mark.parametrize("index", range(len(_payloads(Path("/x")))))
def test_restricted_unpickler_refuses_and_never_executes(tmp_path, index):
    marker = tmp_path / "pwned"
    label, data = _payloads(marker)[index]
    path = tmp_path / "romance.npz.pkl"
    path.write_bytes(data)
    with pytest.raises(ModelFileError) as e:
        load_pickle(path, key="decmodel")
    msg = str(e.value)
    assert "refusing" in msg and str(path) in msg, (label, msg)
    with pytest.raises(ModelFileError):
        load_pickles(path)
    import io
    with pytest.raises(ModelFileError):
        RestrictedUnpickler(io.BytesIO(data)).load()
    assert not marker.exists(), f"{label} was executed"


def test_malicious_second_pickle_in_dictionary(tmp_path):
    """romance_dictionary.pkl holds two pickles; a payload in the second one is never run by load_pickle,
    and load_pickles (all objects) refuses it."""
    marker = tmp_path / "pwned"
    good = pickle.dumps({"a": 2}, protocol=2)
    path = tmp_path / "romance_dictionary.pkl"
    path.write_bytes(good + _proto0("os", "system", f"touch {marker}"))
    assert load_pickle(path) == {"a": 2}
    with pytest.raises(ModelFileError):
        load_pickles(path)
    assert not marker.exists()


def test_malicious_object_table(tmp_path):
    """An .npy object array whose pickle payload names os.system is refused."""
    marker = tmp_path / "pwned"
    header = npy_bytes(np.empty(1, dtype=object), tmp_path)
    # keep the .npy header of an object array, replace the pickle after it
    import io
    f = io.BytesIO(header)
    np.lib.format.read_magic(f)
    np.lib.format.read_array_header_1_0(f)
    path = tmp_path / "utable.npy"
    path.write_bytes(header[: f.tell()] + _proto2("os", "system", f"touch {marker}"))
    with pytest.raises(ModelFileError, match="refusing"):
        load_object_table(path, key="sktables")
    assert not marker.exists()


def test_malicious_option_pickle_through_load_all(tmp_path, golden, config_factory):
    marker = tmp_path / "pwned"
    folder = linked_copy(golden.dir, tmp_path / "m",
                         {"romance.npz.pkl": _proto0("os", "system", f"touch {marker}")})
    with pytest.raises(ModelFileError, match="refusing"):
        generate.load_all(config_factory(folder), verbose=False)
    assert not marker.exists()


def test_npz_with_pickled_object_refused(tmp_path):
    path = tmp_path / "romance.npz"
    np.savez(path, Wemb=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelFileError, match=str(path).replace(".", r"\.")):
        load_npz(path, key="decmodel")


# ------------------------------------------------------------------------------ truncated / missing
def test_truncated_pickle_names_the_file(tmp_path, golden):
    data = (golden.dir / "romance_dictionary.pkl").read_bytes()
    path = tmp_path / "romance_dictionary.pkl"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelFileError) as e:
        load_pickle(path, key="dictionary")
    assert str(path) in str(e.value) and "'dictionary'" in str(e.value)
    with pytest.raises(ModelFileError, match="romance_dictionary.pkl"):
        decoder.load_model(golden.dir / "romance.npz", path)


def test_truncated_second_pickle(tmp_path, golden):
    data = (golden.dir / "romance_dictionary.pkl").read_bytes()
    first_len = len(pickle.dumps(load_pickle(golden.dir / "romance_dictionary.pkl"), protocol=2))
    assert first_len < len(data)
    path = tmp_path / "d.pkl"
    path.write_bytes(data[:-10])
    assert load_pickle(path) == load_pickle(golden.dir / "romance_dictionary.pkl")  # only the first is read
    with pytest.raises(ModelFileError, match="d.pkl"):
        load_pickles(path)


def test_empty_pickle(tmp_path):
    path = tmp_path / "empty.pkl"
    path.write_bytes(b"")
    with pytest.raises(ModelFileError, match="empty"):
        load_pickle(path)


def test_truncated_table_names_the_file(tmp_path, golden):
    data = (golden.dir / "utable.npy").read_bytes()
    path = tmp_path / "utable.npy"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError) as e:
        load_object_table(path, key="sktables")
    assert str(path) in str(e.value)


def test_truncated_npz_names_the_file(tmp_path, golden):
    data = (golden.dir / "romance.npz").read_bytes()
    folder = linked_copy(golden.dir, tmp_path / "t", {"romance.npz": data[: len(data) // 2]})
    with pytest.raises(ModelFileError) as e:
        decoder.load_model(folder / "romance.npz", folder / "romance_dictionary.pkl")
    assert str(folder / "romance.npz") in str(e.value) and "'decmodel'" in str(e.value)


@pytest.mark.parametrize("key", ["skmodels", "sktables", "decmodel", "dictionary", "vsemodel", "captions",
                                 "negbias", "posbias"])
def test_missing_file_names_key_and_path(tmp_path, config_factory, key):
    missing = tmp_path / "nowhere" / ("dir" if key in ("skmodels", "sktables") else "file.bin")
    cfg = config_factory(**{key: missing})
    with pytest.raises(ModelFileError) as e:
        generate.load_all(cfg, verbose=False)
    msg = str(e.value)
    assert f"'{key}'" in msg, msg
    assert str(missing) in msg, msg
    assert "not found" in msg


# ------------------------------------------------------------------------------------- wrong content
def test_wrong_shaped_decoder_parameter(tmp_path, golden):
    with np.load(golden.dir / "romance.npz") as f:
        params = {k: f[k] for k in f.files}
    params["ff_state_W"] = params["ff_state_W"].T.copy()
    folder = linked_copy(golden.dir, tmp_path / "w", {"romance.npz": npz_bytes(params, tmp_path)})
    with pytest.raises(ModelFileError) as e:
        decoder.load_model(folder / "romance.npz", folder / "romance_dictionary.pkl")
    msg = str(e.value)
    assert "ff_state_W" in msg and "(48, 32)" in msg and "(32, 48)" in msg, msg


def test_missing_decoder_parameter(tmp_path, golden):
    with np.load(golden.dir / "romance.npz") as f:
        params = {k: f[k] for k in f.files if k != "ff_hid_W"}
    folder = linked_copy(golden.dir, tmp_path / "w", {"romance.npz": npz_bytes(params, tmp_path)})
    with pytest.raises(ModelFileError, match="ff_hid_W"):
        decoder.load_model(folder / "romance.npz", folder / "romance_dictionary.pkl")


def test_wrong_shaped_skipthoughts_parameter(tmp_path, golden):
    with np.load(golden.dir / "bi_skip.npz") as f:
        params = {k: f[k] for k in f.files}
    params["encoder_r_Ux"] = np.zeros((12, 13), np.float32)
    folder = linked_copy(golden.dir, tmp_path / "w", {"bi_skip.npz": npz_bytes(params, tmp_path)})
    with pytest.raises(ModelFileError) as e:
        skipthoughts.load_model(folder, folder)
    assert "encoder_r_Ux" in str(e.value) and "(12, 12)" in str(e.value)


def test_wrong_shaped_vse_parameter(tmp_path, golden):
    with np.load(golden.dir / "coco_embedding.npz") as f:
        params = {k: f[k] for k in f.files}
    params["ff_image_W"] = params["ff_image_W"][:10]
    folder = linked_copy(golden.dir, tmp_path / "w", {"coco_embedding.npz": npz_bytes(params, tmp_path)})
    with pytest.raises(ModelFileError) as e:
        embedding.load_model(folder / "coco_embedding.npz")
    assert "ff_image_W" in str(e.value) and "(64, 20)" in str(e.value)


def test_style_vector_of_wrong_size(tmp_path, golden, config_factory):
    bad = tmp_path / "bad_style.npy"
    np.save(bad, np.zeros(47, np.float32))
    with pytest.raises(ModelFileError) as e:
        generate.load_all(config_factory(posbias=bad), verbose=False)
    assert "'posbias'" in str(e.value) and "47" in str(e.value) and "48" in str(e.value)
    with pytest.raises(ModelFileError, match="'negbias'"):
        generate.load_all(config_factory(negbias=bad), verbose=False)


def test_style_vector_shapes(tmp_path):
    v = np.arange(48, dtype=np.float32)
    for shape in ((48,), (1, 48)):
        np.save(tmp_path / "s.npy", v.reshape(shape))
        out = style.load_style(tmp_path / "s.npy", 48)
        assert out.shape == (48,) and out.dtype == np.float32
        np.testing.assert_array_equal(out, v)


def test_dictionary_without_unk(tmp_path, golden):
    lines = (golden.dir / "dictionary.txt").read_bytes().split(b"\n")
    assert b"UNK" in lines
    lines[lines.index(b"UNK")] = b"UNKNOWN"
    folder = linked_copy(golden.dir, tmp_path / "d", {"dictionary.txt": b"\n".join(lines)})
    with pytest.raises(ModelFileError) as e:
        skipthoughts.load_model(folder, folder)
    assert "'UNK'" in str(e.value) and "dictionary.txt" in str(e.value)


def test_dictionary_table_row_mismatch(tmp_path, golden):
    data = (golden.dir / "dictionary.txt").read_bytes()
    folder = linked_copy(golden.dir, tmp_path / "d", {"dictionary.txt": data + b"extraword\n"})
    with pytest.raises(ModelFileError) as e:
        skipthoughts.load_tables(folder)
    assert "525" in str(e.value) and "524" in str(e.value)


# ------------------------------------------------------------------------------------------ word tables
def test_utable_object_array(golden):
    raw = np.load(golden.dir / "utable.npy", allow_pickle=True, encoding="latin1")
    shapes = {np.shape(v) for v in raw}
    assert shapes == {(16,), (1, 16)}  # training vocabulary and vocabulary-expansion rows
    table = load_object_table(golden.dir / "utable.npy")
    assert table.dtype == np.float32 and table.shape == (524, 16)
    for i, v in enumerate(raw):
        np.testing.assert_array_equal(table[i], np.asarray(v).reshape(-1))


def test_object_table_written_by_numpy(tmp_path):
    rng = np.random.default_rng(0)
    arr = np.empty(3, dtype=object)
    arr[0] = rng.standard_normal(4).astype(np.float32)
    arr[1] = rng.standard_normal((1, 4)).astype(np.float32)
    arr[2] = rng.standard_normal(4).astype(np.float64)
    np.save(tmp_path / "t.npy", arr, allow_pickle=True)
    table = load_object_table(tmp_path / "t.npy")
    assert table.dtype == np.float32 and table.shape == (3, 4)
    for i in range(3):
        np.testing.assert_array_equal(table[i], np.asarray(arr[i], np.float32).reshape(-1))


def test_float_table_rejected_by_object_loader(tmp_path):
    np.save(tmp_path / "t.npy", np.zeros((3, 4), np.float32))
    with pytest.raises(ModelFileError):
        load_object_table(tmp_path / "t.npy")


def test_load_tables_matches_object_array(golden):
    utable, btable, words = skipthoughts.load_tables(golden.dir)
    assert utable.dtype == btable.dtype == np.float32
    assert utable.shape == btable.shape == (len(words), 16)


# --------------------------------------------------------------------------------------- option pickles
def test_option_pickles_protocol0_equal_protocol2(golden):
    for name in ("uni_skip.npz.pkl", "bi_skip.npz.pkl", "romance.npz.pkl", "coco_embedding.npz.pkl",
                 "coco_embedding.npz.dictionary.pkl", "romance_dictionary.pkl"):
        a = load_pickle(golden.dir / name)
        b = load_pickle(golden.dir / "py2_protocol0" / name)
        assert a == b and isinstance(a, dict), name
        assert list(a) == list(b), name  # OrderedDict order kept
