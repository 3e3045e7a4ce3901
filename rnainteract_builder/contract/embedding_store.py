"""Per-residue embeddings by sequence id, read from Parquet as zero-copy float16 torch views.

Embedding files follow :func:`rnainteract_builder.contract.schema.embeddings_schema` (``id``, ``length``,
``embedding`` = list of fixed-size float16 vectors, ``model``, ``model_revision``). The values of every
row of a record batch sit in one contiguous Arrow buffer, so :class:`EmbeddingStore` wraps that buffer
once as a ``(residues, dim)`` float16 tensor and hands out row slices of it: no per-row conversion, no
upcast to float32 (the ``datasets`` torch formatter does both, which is far too slow for training).

:class:`EmbeddedPairs` joins an interactions split with an RNA store and a protein store by id and yields
padded batches (embeddings + attention masks + labels) for training and evaluation.

Bad input is refused when a store is opened, not in the middle of training: a wrong width, a NaN or
infinite value, a ``length`` that does not match the embedding, a duplicate id, or (in the join) an id
without an embedding raise :class:`InputError` naming the file and the id.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import torch

from rnainteract_builder.contract.batching import pad_sequences
from rnainteract_builder.contract.errors import InputError

PathLike = str | os.PathLike[str]


def parquet_files(source: PathLike | Sequence[PathLike]) -> list[Path]:
    """The Parquet files of a file, a folder (searched recursively, sorted) or a list of either."""
    if isinstance(source, str | os.PathLike):
        source = [source]
    files: list[Path] = []
    for item in source:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.parquet") if not p.name.startswith("."))
            if not found:
                raise InputError(f"{path}: folder holds no embedding Parquet files")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise InputError(f"{path}: no such embedding file or folder")
    return files


def _float16_rows(embedding: pa.Array, dim: int | None, where: str) -> tuple[np.ndarray, pa.Array, int, int]:
    """Row offsets (into residues) and the float16 value array of an ``embedding`` column chunk.

    Returns ``(offsets, values, first_value, width)`` where residue ``r`` of the chunk is
    ``values[first_value + r * width : first_value + (r + 1) * width]``.
    """
    if not (pa.types.is_list(embedding.type) or pa.types.is_large_list(embedding.type)):
        raise InputError(f"{where}: column 'embedding' has type {embedding.type}, expected a list of vectors")
    inner_type = embedding.type.value_type
    if pa.types.is_list(inner_type) or pa.types.is_large_list(inner_type):
        # Written without a fixed width (e.g. by another tool): every vector must have the same width.
        widths = pc.unique(pc.list_value_length(embedding.values)).to_pylist()
        widths = [w for w in widths if w is not None]
        if len(widths) > 1:
            raise InputError(f"{where}: embedding vectors of different widths {sorted(widths)}")
        width = widths[0] if widths else (dim or 0)
        embedding = embedding.cast(pa.list_(pa.list_(inner_type.value_type, width)))
        inner_type = embedding.type.value_type
    if not pa.types.is_fixed_size_list(inner_type):
        raise InputError(f"{where}: column 'embedding' has type {embedding.type}, expected list<vector>")
    width = inner_type.list_size
    if dim is not None and width != dim:
        raise InputError(f"{where}: embeddings are {width}-dimensional, expected {dim}")
    if embedding.null_count:
        raise InputError(f"{where}: {embedding.null_count} rows have a null embedding")
    if not pa.types.is_float16(inner_type.value_type):
        embedding = embedding.cast(pa.list_(pa.list_(pa.float16(), width)))
    offsets = embedding.offsets.to_numpy(zero_copy_only=False).astype(np.int64)
    vectors = embedding.values  # ignores the list's own slice offset: offsets index into it
    values = vectors.values
    first_value = vectors.offset * width + values.offset
    return offsets, values, first_value, width


def embeddings_table(
    ids: Sequence[str],
    embeddings: Sequence[np.ndarray],
    model: str,
    revision: str | None,
    dim: int | None = None,
) -> pa.Table:
    """Rows of :func:`schema.embeddings_schema` from ``L x dim`` arrays (stored as float16)."""
    from rnainteract_builder.contract.schema import embeddings_schema

    if len(ids) != len(embeddings):
        raise ValueError("ids and embeddings differ in number")
    width = dim if dim is not None else (embeddings[0].shape[1] if embeddings else 0)
    lengths = np.array([len(e) for e in embeddings], dtype=np.int32)
    for seq_id, array in zip(ids, embeddings, strict=True):
        if array.ndim != 2 or array.shape[1] != width:
            raise InputError(f"embedding of {seq_id} has shape {array.shape}, expected (length, {width})")
    flat = (
        np.concatenate([np.asarray(e, dtype=np.float16) for e in embeddings]).reshape(-1)
        if embeddings
        else np.zeros(0, dtype=np.float16)
    )
    if not np.isfinite(flat).all():
        raise InputError("embeddings contain NaN or infinite values (float16 overflow?)")
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int32)]).astype(np.int32)
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(flat, type=pa.float16()), width)
    column = pa.ListArray.from_arrays(pa.array(offsets), vectors)
    schema = embeddings_schema(width)
    return pa.Table.from_arrays(
        [
            pa.array(list(ids), pa.string()),
            pa.array(lengths, pa.int32()),
            column.cast(schema.field("embedding").type),
            pa.array([model] * len(ids), pa.string()),
            pa.array([revision] * len(ids), pa.string()),
        ],
        schema=schema,
    )


@dataclass(frozen=True)
class _Chunk:
    values: torch.Tensor  # (residues, dim) float16 view of an Arrow buffer
    array: np.ndarray  # the same memory as numpy (bulk copies; numpy's float16 conversion is faster)


class EmbeddingStore:
    """Embeddings of unique sequences by id; ``store.get(id)`` is a ``length x dim`` float16 view."""

    def __init__(
        self, tables: Sequence[tuple[str, pa.Table]], dim: int | None = None, check_finite: bool = True
    ):
        self._chunks: list[_Chunk] = []
        self._index: dict[str, tuple[int, int, int]] = {}  # id -> (chunk, first residue, residues)
        self._source: dict[str, str] = {}
        self.models: set[str] = set()
        self.revisions: set[str] = set()
        self.dim: int | None = dim
        for where, table in tables:
            self._add_table(where, table, check_finite)
        if self.dim is None:
            raise InputError("no embeddings given: cannot tell the embedding width")

    @classmethod
    def from_parquet(
        cls, source: PathLike | Sequence[PathLike], dim: int | None = None, check_finite: bool = True
    ) -> EmbeddingStore:
        """Open one Parquet file, a folder of shards or a list of them (memory-mapped reads)."""
        tables = []
        for path in parquet_files(source):
            try:
                table = pq.read_table(path, columns=None, memory_map=True)
            except (pa.ArrowInvalid, OSError) as err:
                raise InputError(f"{path}: not a readable Parquet file ({err})") from err
            tables.append((str(path), table))
        return cls(tables, dim=dim, check_finite=check_finite)

    @classmethod
    def from_table(cls, table: pa.Table, dim: int | None = None, name: str = "<table>") -> EmbeddingStore:
        return cls([(name, table)], dim=dim)

    def _add_table(self, where: str, table: pa.Table, check_finite: bool) -> None:
        missing = {"id", "length", "embedding"} - set(table.column_names)
        if missing:
            raise InputError(f"{where}: embedding table lacks column(s) {sorted(missing)}")
        for name in ("model", "model_revision"):
            if name in table.column_names:
                values = {v for v in pc.unique(table.column(name)).to_pylist() if v is not None}
                (self.models if name == "model" else self.revisions).update(values)
        for batch in table.to_batches():
            if batch.num_rows == 0:
                continue
            offsets, values, first, width = _float16_rows(batch.column("embedding"), self.dim, where)
            self.dim = width
            residues = int(offsets[-1])
            # One zero-copy float16 view of the whole batch's values: numpy for bulk work, torch for users.
            flat = np.frombuffer(
                values.buffers()[1], dtype=np.float16, count=residues * self.dim, offset=2 * first
            )
            array = flat.reshape(residues, self.dim)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # Arrow buffers are read-only; we never write
                view = torch.from_numpy(array)
            ids = batch.column("id").to_pylist()
            lengths = batch.column("length").to_numpy(zero_copy_only=False)
            counts = np.diff(offsets)
            bad = np.nonzero(counts != lengths)[0]
            if bad.size:
                i = int(bad[0])
                raise InputError(
                    f"{where}: id {ids[i]} has length {lengths[i]} but {counts[i]} embedding vectors"
                )
            # float16 NaN / inf = all exponent bits set; a bit test is ~10x faster than isfinite on halves.
            non_finite = (array.view(np.uint16) & 0x7C00) == 0x7C00 if check_finite and residues else None
            if non_finite is not None and non_finite.any():
                row_bad = int(np.nonzero(non_finite.any(axis=1))[0][0])
                i = int(np.searchsorted(offsets, row_bad, side="right") - 1)
                raise InputError(f"{where}: embedding of id {ids[i]} contains NaN or infinite values")
            chunk = len(self._chunks)
            self._chunks.append(_Chunk(view, array))
            for i, seq_id in enumerate(ids):
                if seq_id is None:
                    raise InputError(f"{where}: row {i} has no id")
                if seq_id in self._index:
                    raise InputError(
                        f"{where}: duplicate embedding id {seq_id} (also in {self._source[seq_id]})"
                    )
                self._index[seq_id] = (chunk, int(offsets[i]), int(counts[i]))
                self._source[seq_id] = where

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, seq_id: object) -> bool:
        return seq_id in self._index

    def ids(self) -> list[str]:
        return list(self._index)

    def length(self, seq_id: str) -> int:
        return self._lookup(seq_id)[2]

    def _lookup(self, seq_id: str) -> tuple[int, int, int]:
        try:
            return self._index[seq_id]
        except KeyError:
            raise InputError(f"no embedding for id {seq_id} in this store ({len(self)} ids)") from None

    def get(self, seq_id: str) -> torch.Tensor:
        """``length x dim`` float16 tensor sharing memory with the Arrow data (read-only: do not write)."""
        chunk, start, length = self._lookup(seq_id)
        return self._chunks[chunk].values[start : start + length]

    def get_many(self, ids: Iterable[str]) -> list[torch.Tensor]:
        return [self.get(seq_id) for seq_id in ids]

    def missing(self, ids: Iterable[str]) -> list[str]:
        """The ids (in order, once each) that have no embedding here."""
        seen: set[str] = set()
        out = []
        for seq_id in ids:
            if seq_id not in self._index and seq_id not in seen:
                seen.add(seq_id)
                out.append(seq_id)
        return out

    def get_numpy(self, seq_id: str) -> np.ndarray:
        """``length x dim`` float16 numpy view (read-only) of the same memory as :meth:`get`."""
        chunk, start, length = self._lookup(seq_id)
        return self._chunks[chunk].array[start : start + length]

    def padded(
        self, ids: Sequence[str], dtype: torch.dtype = torch.float16, max_length: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Stack embeddings into ``(batch, longest, dim)`` plus an attention mask (1 residue, 0 padding)."""
        target = np.float32 if dtype == torch.float32 else np.float16
        rows = [np.asarray(self.get_numpy(seq_id)[:max_length], dtype=target) for seq_id in ids]
        if not rows:
            return torch.zeros((0, 0, self.dim or 0), dtype=dtype), torch.zeros((0, 0), dtype=torch.long)
        tensor, mask = pad_sequences(rows)  # the one padding function (contract.batching)
        return (tensor if tensor.dtype == dtype else tensor.to(dtype)), mask


@dataclass
class PairBatch:
    """One training batch: padded RNA and protein embeddings, their masks, labels and pair ids."""

    rna_embeddings: torch.Tensor
    rna_attention_mask: torch.Tensor
    protein_embeddings: torch.Tensor
    protein_attention_mask: torch.Tensor
    labels: torch.Tensor | None
    pair_ids: list[str]

    def to(self, device: torch.device | str) -> PairBatch:
        def move(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.to(device, non_blocking=True)

        return PairBatch(
            move(self.rna_embeddings),
            move(self.rna_attention_mask),
            move(self.protein_embeddings),
            move(self.protein_attention_mask),
            move(self.labels),
            self.pair_ids,
        )

    def model_inputs(self) -> dict[str, torch.Tensor]:
        """Keyword arguments of ``RPIembeddorModel.forward``."""
        inputs = {
            "rna_embeddings": self.rna_embeddings,
            "rna_attention_mask": self.rna_attention_mask,
            "protein_embeddings": self.protein_embeddings,
            "protein_attention_mask": self.protein_attention_mask,
        }
        if self.labels is not None:
            inputs["labels"] = self.labels
        return inputs


class EmbeddedPairs(torch.utils.data.Dataset):
    """An interactions split joined with its RNA and protein embedding stores by id.

    Every id is checked up front, so a missing embedding is an :class:`InputError` naming the id and the
    pair, not a ``KeyError`` in the middle of an epoch. Indexing gives one pair; :meth:`batches` and
    :meth:`collate` give padded batches (use ``collate`` as a ``DataLoader`` ``collate_fn``).
    """

    def __init__(
        self,
        interactions: pa.Table,
        rna_store: EmbeddingStore,
        protein_store: EmbeddingStore,
        dtype: torch.dtype = torch.float32,
        label_column: str | None = "label",
        name: str = "interactions",
    ):
        for column in ("pair_id", "rna_id", "protein_id"):
            if column not in interactions.column_names:
                raise InputError(f"{name}: interactions table lacks column {column!r}")
        self.pair_ids: list[str] = interactions.column("pair_id").to_pylist()
        self.rna_ids: list[str] = interactions.column("rna_id").to_pylist()
        self.protein_ids: list[str] = interactions.column("protein_id").to_pylist()
        self.labels: np.ndarray | None = None
        if label_column is not None and label_column in interactions.column_names:
            labels = interactions.column(label_column)
            if labels.null_count:
                raise InputError(f"{name}: {labels.null_count} rows have no {label_column!r}")
            self.labels = labels.to_numpy().astype(np.float32)
        for ids, store, kind in (
            (self.rna_ids, rna_store, "RNA"),
            (self.protein_ids, protein_store, "protein"),
        ):
            missing = store.missing(ids)
            if missing:
                row = ids.index(missing[0])
                raise InputError(
                    f"{name}: {len(missing)} {kind} id(s) have no embedding, e.g. {missing[0]} "
                    f"(pair {self.pair_ids[row]}, row {row})"
                )
        self.rna_store, self.protein_store, self.dtype = rna_store, protein_store, dtype

    @classmethod
    def from_parquet(
        cls,
        interactions: PathLike,
        rna_embeddings: PathLike | Sequence[PathLike],
        protein_embeddings: PathLike | Sequence[PathLike],
        **kwargs: object,
    ) -> EmbeddedPairs:
        from rnainteract_builder.contract.io import read_parquet

        table = read_parquet(interactions)
        return cls(
            table,
            EmbeddingStore.from_parquet(rna_embeddings),
            EmbeddingStore.from_parquet(protein_embeddings),
            name=str(interactions),
            **kwargs,  # type: ignore[arg-type]
        )

    def __len__(self) -> int:
        return len(self.pair_ids)

    def __getitem__(self, index: int) -> int:
        # Rows are gathered in ``collate``; the dataset hands out indices so a DataLoader stays cheap.
        return index

    def collate(self, indices: Sequence[int]) -> PairBatch:
        rna, rna_mask = self.rna_store.padded([self.rna_ids[i] for i in indices], self.dtype)
        protein, protein_mask = self.protein_store.padded([self.protein_ids[i] for i in indices], self.dtype)
        labels = None if self.labels is None else torch.from_numpy(self.labels[list(indices)])
        return PairBatch(rna, rna_mask, protein, protein_mask, labels, [self.pair_ids[i] for i in indices])

    def batches(
        self, batch_size: int, shuffle: bool = False, seed: int = 0, drop_last: bool = False
    ) -> Iterator[PairBatch]:
        """Padded batches in order (or a seeded permutation)."""
        order = np.arange(len(self))
        if shuffle:
            order = np.random.default_rng(seed).permutation(len(self))
        stop = len(order) - (len(order) % batch_size if drop_last else 0)
        for start in range(0, stop, batch_size):
            yield self.collate(order[start : start + batch_size].tolist())
