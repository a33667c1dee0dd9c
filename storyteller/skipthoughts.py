"""Skip-thought vectors (Kiros et al., "Skip-Thought Vectors", NIPS 2015): uni-skip, bi-skip, combine-skip.

Reads the original files (``uni_skip.npz(.pkl)``, ``bi_skip.npz(.pkl)``, ``utable.npy``, ``btable.npy``,
``dictionary.txt``) or their converted form (``*.safetensors`` + ``*.json``, float32 ``utable.npy``/
``btable.npy`` matrices that are memory-mapped, so only the rows that are used get paged in).

``encode`` follows the original ``encode`` exactly: Punkt + ``word_tokenize``, case-sensitive lookup with
``UNK`` fallback, optional ``<eos>``, uni GRU over the uni table, forward+backward GRU over the bi table,
each half L2-normalised (no epsilon), concatenated (4800-d for the original models).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from . import formats
from .errors import InputError, ModelFileError
from .gru import KirosGRU

__all__ = ["SkipThoughts", "WordRows", "load_model", "load_tables", "load_encoders", "preprocess", "encode",
           "save_model", "save_encoders", "check_texts", "LongTextWarning", "MAX_TOKENS"]


class WordRows(Mapping):
    """``dictionary.txt`` word -> table row, as a read-only mapping (the last duplicate wins, as the original's
    ``OrderedDict(zip(words, range(n)))`` did).

    A dict of the original 930,913 words takes ~0.25 s to build and ~60 MB, so lookups go through a sorted
    array of the words' hashes instead (:meth:`rows_of`; built on first use or by :meth:`prepare`: about a third
    of the time and a quarter of the memory); the dict is built only for iteration and ``len``.
    """

    def __init__(self, words: Sequence[str]) -> None:
        self._words = words
        self._rows: dict[str, int] | None = None
        self._index: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def rows(self) -> dict[str, int]:
        if self._rows is None:
            self._rows = dict(zip(self._words, range(len(self._words))))
        return self._rows

    def prepare(self) -> None:
        """Build the hash index now (what the first lookup would otherwise pay)."""
        if self._index is None and self._rows is None:
            hashes = np.fromiter(map(hash, self._words), dtype=np.int64, count=len(self._words))
            order = np.argsort(hashes, kind="stable")  # equal hashes stay in row order
            self._index = (hashes[order], order)

    def rows_of(self, words: Sequence[str], default: int) -> dict[str, int]:
        """``{word: row}`` for each distinct word of ``words`` (``default`` for a word not in the dictionary)."""
        distinct = list(dict.fromkeys(words))
        if self._rows is not None:
            get = self._rows.get
            return {w: get(w, default) for w in distinct}
        self.prepare()
        assert self._index is not None
        hashes, order = self._index
        wanted = np.fromiter(map(hash, distinct), dtype=np.int64, count=len(distinct))
        last = np.searchsorted(hashes, wanted, side="right") - 1  # the last entry with an equal or lower hash
        out = {}
        for w, h, p in zip(distinct, wanted.tolist(), last.tolist()):
            row = default
            while p >= 0 and hashes[p] == h:  # from the highest row down: the first match is the last duplicate
                if self._words[order[p]] == w:
                    row = int(order[p])
                    break
                p -= 1
            out[w] = row
        return out

    def __getitem__(self, word: str) -> int:
        row = self.rows_of([word], -1)[word] if isinstance(word, str) else -1
        if row < 0:
            raise KeyError(word)
        return row

    def get(self, word: str, default=None):
        try:
            return self[word]
        except KeyError:
            return default

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.rows_of([word], -1)[word] >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"WordRows({len(self._words)} lines{'' if self._rows is None else ', built'})"


@dataclass
class SkipThoughts:
    """A loaded skip-thoughts model: the two encoders, the two word tables and the word -> row map."""

    uni: KirosGRU
    bi: KirosGRU
    utable: np.ndarray  # (n_words, dim_word) float32, possibly a read-only memory map
    btable: np.ndarray
    word_rows: Mapping[str, int]  # dictionary.txt word -> table row (last duplicate wins); a dict or WordRows
    words: list[str] = field(default_factory=list)  # dictionary.txt lines as stripped, in row order
    uoptions: dict = field(default_factory=dict)
    boptions: dict = field(default_factory=dict)

    @property
    def device(self) -> torch.device:
        return self.uni.weight_ih_l0.device

    @property
    def dim(self) -> int:
        """Size of a combine-skip vector."""
        return self.uni.hidden_size + 2 * self.bi.hidden_size

    def to(self, device: str | torch.device) -> "SkipThoughts":
        self.uni.to(device)
        self.bi.to(device)
        return self

    # dict-style access keeps old notebooks (model['utable'], model['uoptions']) working.
    def __getitem__(self, key: str):
        return getattr(self, key)


def preprocess(text: Sequence[str]) -> list[str]:
    """The original's tokenisation (:func:`storyteller.tokenize.preprocess`): one string of space-separated
    tokens per text. Items are checked as :func:`encode` checks them. NLTK is imported on first use, not with
    this module: it takes about a second, which ``load_all`` does not need to pay."""
    from .tokenize import preprocess as _preprocess

    return _preprocess(check_texts(text, "preprocess")[0])


# ----------------------------------------------------------------------------------------------- loading
# The files (uni_skip/bi_skip .npz + .pkl or converted .safetensors + .json, utable/btable .npy, dictionary.txt)
# are read and written by storyteller.formats; these are the skip-thoughts entry points into it.
def encoder_from_weights(w: formats.Weights, bidirectional: bool) -> KirosGRU:
    """Build one encoder (``uni_skip``, or ``bi_skip`` with ``bidirectional``) from what ``formats`` read."""
    with torch.device("meta"):  # no random init: the file's weights replace it
        gru = KirosGRU(w.options["dim_word"], w.options["dim"], bidirectional=bidirectional)
    formats.assign(gru, w)
    return gru


def load_encoders(path_to_models: str | Path, key: str = "skmodels") -> tuple[KirosGRU, KirosGRU, dict, dict]:
    """Load only the two encoders from a folder: ``(uni, bi, uoptions, boptions)``, from ``uni_skip``/``bi_skip``
    ``.safetensors`` + ``.json`` or the original ``.npz`` + ``.npz.pkl``; the word tables are not read."""
    out = []
    for name, part in (("uni_skip", "uni-skip"), ("bi_skip", "bi-skip")):
        w = formats.load_part(part, formats.encoder_file(path_to_models, name, key=key), key=key)
        out.append((encoder_from_weights(w, part == "bi-skip").eval(), w.options))
    (uni, uopts), (bi, bopts) = out
    return uni, bi, uopts, bopts


def load_tables(path_to_tables: str | Path, key: str = "sktables") -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Load ``utable.npy``, ``btable.npy`` (float32 ``(words, dim_word)``; converted ones memory-mapped) and
    ``dictionary.txt`` (stripped lines, row order) from a folder."""
    utable = formats.load_part("word-table", formats.table_file(path_to_tables, "utable.npy", key=key), key=key)
    btable = formats.load_part("word-table", formats.table_file(path_to_tables, "btable.npy", key=key), key=key)
    dict_path = formats.table_file(path_to_tables, "dictionary.txt", key=key)
    words = formats.load_part("word-list", dict_path, key=key)
    if len(words) != len(utable) or len(words) != len(btable):
        raise ModelFileError(
            f"config key '{key}': {dict_path} has {len(words)} words but utable/btable have "
            f"{len(utable)}/{len(btable)} rows; the three files must come from the same release."
        )
    return utable, btable, words


def load_model(
    path_to_models: str | Path, path_to_tables: str | Path, device: str | torch.device = "cpu"
) -> SkipThoughts:
    """Load the uni-skip and bi-skip encoders and their word tables (original or converted files)."""
    uni, bi, uopts, bopts = load_encoders(path_to_models)
    utable, btable, words = load_tables(path_to_tables)
    for name, table, gru in (("utable", utable, uni), ("btable", btable, bi)):
        if table.shape[1] != gru.input_size:
            raise ModelFileError(
                f"config key 'sktables': {name}.npy rows are {table.shape[1]}-d but the encoder expects "
                f"dim_word={gru.input_size}."
            )
    for needed in ("UNK", "<eos>"):
        if needed not in words:
            raise ModelFileError(
                f"config key 'sktables': {Path(path_to_tables) / 'dictionary.txt'} has no '{needed}' entry; "
                "the file is corrupt or truncated (skip-thoughts#85). Re-download it."
            )
    rows = WordRows(words)
    rows.prepare()  # ~0.1 s for the original's 930,913 words: here, not in the first encode
    model = SkipThoughts(uni, bi, utable, btable, rows, words, uopts, bopts)
    return model.to(device)


def save_model(model: SkipThoughts, path_to_models: str | Path, path_to_tables: str | Path | None = None,
               half: bool = False, *, tables: bool = True) -> None:
    """Write the converted format: ``uni_skip``/``bi_skip`` ``.safetensors`` + ``.json`` in ``path_to_models``,
    and (``tables=True``) float32 ``utable.npy``/``btable.npy`` and ``dictionary.txt`` in ``path_to_tables``.

    ``half=True`` stores weights and tables as float16 (half the disk; computation stays float32).
    ``tables=False`` writes the encoders only (see :func:`save_encoders`), e.g. when the tables were streamed.
    """
    save_encoders(model.uni, model.bi, path_to_models, model.uoptions, model.boptions, half=half)
    if not tables:
        return
    if path_to_tables is None:
        raise TypeError("save_model: path_to_tables is needed to write the word tables (or pass tables=False)")
    tables_dir = Path(path_to_tables)
    tables_dir.mkdir(parents=True, exist_ok=True)
    for name, table in (("utable", model.utable), ("btable", model.btable)):
        formats.native.save_table(tables_dir / f"{name}.npy", table, half=half)
    formats.native.save_words(tables_dir / "dictionary.txt", model.words)


def save_encoders(uni: KirosGRU, bi: KirosGRU, path_to_models: str | Path, uoptions: Mapping | None = None,
                  boptions: Mapping | None = None, half: bool = False) -> None:
    """Write the two encoders as ``uni_skip``/``bi_skip`` ``.safetensors`` + ``.json`` (what
    :func:`load_encoders` reads); options that are not plain JSON values are dropped."""
    models = Path(path_to_models)
    models.mkdir(parents=True, exist_ok=True)
    for name, gru, opts in (("uni_skip", uni, uoptions or {}), ("bi_skip", bi, boptions or {})):
        opts = {**formats.json_safe(opts), "dim_word": gru.input_size, "dim": gru.hidden_size, "encoder": "gru"}
        formats.native.save(models / f"{name}.safetensors", gru.state_dict(), opts, half=half)


# ---------------------------------------------------------------------------------------------- encoding
#: Tokens per sentence that :func:`encode` reads by default. The GRUs cost a fixed time per token and sentence
#: (~0.3 ms with the default bundle, several ms with the original 4800-d model on a CPU), so a multi-megabyte
#: "sentence" (a million tokens) would take hours; the skip-thought models were trained on sentences of a few
#: dozen tokens, and real sentences and passages stay far below this.
MAX_TOKENS = 10_000


class LongTextWarning(UserWarning):
    """:func:`encode` read only the first ``max_tokens`` tokens of some texts; ``items`` lists
    ``(index, tokens read)`` of each such text."""

    def __init__(self, message: str, items: list[int]) -> None:
        super().__init__(message)
        self.items = items


def check_texts(X, func: str = "encode") -> tuple[list[str], list[bool]]:
    """Check a list of sentences given to an encoder: returns ``(texts, was_bytes)``.

    Each item must be a ``str`` or ``bytes``. Bytes are what the original (Python 2) received; they are decoded
    as UTF-8 (latin-1 where they are not valid UTF-8), as the caption file is read. Anything else (a single
    string instead of a list, ``None``, numbers, nested lists) raises :class:`~storyteller.errors.InputError`
    naming the item's index and type.
    """
    if isinstance(X, (str, bytes, bytearray)):
        raise InputError(f"{func}() takes a list of sentences, not a single {type(X).__name__}; "
                         f"wrap it in a list: {func}(model, [text])")
    try:
        items = list(X)
    except TypeError:
        raise InputError(f"{func}() takes a list of sentences (str), got {type(X).__name__}") from None
    texts, was_bytes = [], []
    for i, x in enumerate(items):
        if isinstance(x, str):
            texts.append(str(x))
            was_bytes.append(False)
        elif isinstance(x, (bytes, bytearray)):
            try:
                texts.append(bytes(x).decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(bytes(x).decode("latin-1"))
            was_bytes.append(True)
        else:
            hint = "; pass a flat list of sentences" if isinstance(x, (list, tuple)) else ""
            err = InputError(f"{func}(): sentence {i} is {type(x).__name__} ({_preview(x)}), expected a str "
                             f"(or bytes){hint}")
            err.index = i
            raise err
    return texts, was_bytes


def _preview(x, n: int = 60) -> str:
    r = repr(x)
    return r if len(r) <= n else r[:n - 3] + "..."


def _token_rows(model: SkipThoughts, tokens: list[str], use_eos: bool, nonascii_unk: bool,
                rows: Mapping[str, int] | None = None) -> list[int]:
    """Table rows of one sentence's tokens (UNK for unknown ones). ``rows``: word -> row for (at least) these
    tokens, from :func:`_rows_for` (else looked up here)."""
    rows_of = model.word_rows
    unk = rows_of["UNK"]
    if rows is None:
        rows = _rows_for(model, [tokens])
    if nonascii_unk:
        # Python-2 byte strings never matched the unicode table keys, so non-ASCII tokens were UNK
        out = [rows[w] if w.isascii() else unk for w in tokens]
    else:
        out = [rows[w] for w in tokens]
    if use_eos:
        out.append(rows_of["<eos>"])
    return out


def _rows_for(model: SkipThoughts, sentences: Sequence[Sequence[str]]) -> Mapping[str, int]:
    """word -> table row (UNK's for unknown words) for every token of ``sentences``, looked up at once."""
    rows_of = model.word_rows
    unk = rows_of["UNK"]
    words = [w for toks in sentences for w in toks]
    if isinstance(rows_of, WordRows):
        return rows_of.rows_of(words, unk)
    return {w: rows_of.get(w, unk) for w in dict.fromkeys(words)}


@torch.no_grad()
def _run(gru: KirosGRU, table: np.ndarray, rows: list[list[int]], device: torch.device) -> torch.Tensor:
    """Final GRU state(s) for a batch of row-id sequences; (B, d) or (B, 2d) for bidirectional."""
    lengths = torch.tensor([len(r) for r in rows])
    flat = np.concatenate([np.asarray(r, dtype=np.int64) for r in rows])
    uniq, inv = np.unique(flat, return_inverse=True)  # gather each needed row once from the (mapped) table
    vecs = torch.from_numpy(np.ascontiguousarray(table[uniq], dtype=np.float32)).to(device)
    x = vecs[torch.from_numpy(inv).to(device)]
    seqs = torch.nn.utils.rnn.pad_sequence(list(torch.split(x, lengths.tolist())), batch_first=True)
    packed = pack_padded_sequence(seqs, lengths, batch_first=True, enforce_sorted=False)
    _, h_n = gru(packed)
    return torch.cat(list(h_n), dim=1)  # h_n is (directions, B, d)


def encode(
    model: SkipThoughts,
    X: Sequence[str],
    use_norm: bool = True,
    use_eos: bool = False,
    batch_size: int = 128,
    verbose: bool = False,
    *,
    nonascii_unk: bool = False,
    preprocessed: bool = False,
    max_tokens: int | None = MAX_TOKENS,
) -> np.ndarray:
    """Encode sentences into combine-skip vectors: ``[uni-skip ; bi-skip]``, float32 (N, dim).

    Follows the original ``encode``: Punkt sentences + ``word_tokenize``, case-sensitive lookup with ``UNK``
    fallback, optional ``<eos>``, uni GRU, forward+backward bi GRU, each half L2-normalised (no epsilon).

    ``X``: a list of ``str`` (``bytes`` items are accepted, as the original received them: decoded as UTF-8 and,
    like Python-2 byte strings, their non-ASCII tokens are ``UNK``). ``nonascii_unk=True`` applies that rule to
    every item (the storyteller pipeline, where captions were Python-2 byte strings).
    ``preprocessed=True`` skips tokenising (``X`` already holds space-separated tokens).
    ``max_tokens``: a text with more tokens is read only up to its first ``max_tokens`` tokens, with a
    :class:`LongTextWarning` (``None`` reads everything, at about 0.3 ms per token with the default bundle).

    Raises :class:`~storyteller.errors.InputError` for a single string instead of a list, items that are not
    text (naming the index and type), and sentences without any token (naming the index and the sentence).
    """
    from .errors import InputError

    texts, was_bytes = check_texts(X, "encode")
    if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int)
                                   or max_tokens < 1):
        raise InputError(f"encode(): max_tokens must be a positive int or None, got {max_tokens!r}")
    long: list[tuple[int, int | None]]  # (index, token count where known)
    if preprocessed:
        tokens = [t.split() for t in texts]
        long = [(i, len(t)) for i, t in enumerate(tokens) if max_tokens is not None and len(t) > max_tokens]
        tokens = [t[:max_tokens] if max_tokens is not None else t for t in tokens]
    else:
        from .tokenize import text_tokens

        tokens, long = [], []
        for i, t in enumerate(texts):
            toks, more = text_tokens(t, max_tokens)
            tokens.append(toks)
            if more:
                long.append((i, None))
    row_of = _rows_for(model, tokens)
    seqs = [_token_rows(model, t, use_eos, nonascii_unk or b, row_of) for t, b in zip(tokens, was_bytes)]
    for i, s in enumerate(seqs):
        if not s:
            err = InputError(f"encode(): sentence {i} ({_preview(texts[i])}) has no tokens; skip-thoughts cannot "
                             "encode an empty sentence (neither could the original). Remove it or replace it.")
            err.index = i  # lets callers name where the sentence came from (make_style: file and line)
            raise err
    if long:
        import warnings

        shown = ", ".join(str(i) for i, _ in long[:10]) + (", ..." if len(long) > 10 else "")
        warnings.warn(LongTextWarning(
            f"encode(): {len(long)} text(s) (index {shown}) have more than max_tokens={max_tokens} tokens; "
            f"only their first {max_tokens} tokens were read (pass max_tokens=None to read everything, slowly, or "
            "split long texts into sentences or passages).", [i for i, _ in long]), stacklevel=2)
    device = model.device
    uni_d, bi_d = model.uni.hidden_size, 2 * model.bi.hidden_size
    out = np.empty((len(seqs), uni_d + bi_d), dtype=np.float32)
    # Batch sentences of similar length together (like the original) so little padding is computed.
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if verbose:  # (a tqdm, even disabled, creates a multiprocessing lock on first use: ~15 ms per process)
        from tqdm import tqdm  # not tqdm.auto: it warns "IProgress not found" in notebooks without ipywidgets

        batches = tqdm(batches, desc="skip-thoughts", unit="batch")
    for idx in batches:
        rows = [seqs[i] for i in idx]
        uf = _run(model.uni, model.utable, rows, device)
        bf = _run(model.bi, model.btable, rows, device)
        if use_norm:
            uf = uf / torch.linalg.vector_norm(uf, dim=1, keepdim=True)
            bf = bf / torch.linalg.vector_norm(bf, dim=1, keepdim=True)
        out[idx] = torch.cat([uf, bf], 1).cpu().numpy()
    return out


def to_theano(model: SkipThoughts) -> dict[str, dict[str, np.ndarray]]:
    """The encoders' parameters back in the original Theano naming (for inspection or export)."""
    return {"uni_skip": formats.kiros.to_theano("uni-skip", model.uni.state_dict()),
            "bi_skip": formats.kiros.to_theano("bi-skip", model.bi.state_dict())}
