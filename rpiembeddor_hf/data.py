"""Pairs for RPIembeddor: interactions tables joined with embedding stores, checked, and batched.

* :class:`EmbeddedPairDataset` (a torch ``Dataset`` of one split) joins one interactions table (``pair_id``,
  ``rna_id``, ``protein_id``, ``label``) with an RNA and a protein
  :class:`~rnainteract_builder.contract.embedding_store.EmbeddingStore` and checks everything a training step
  would trip over *before* the first step: missing embedding ids, embedding width different from the model's,
  NaN / infinite values, empty sequences, labels outside {0, 1}. Each problem is one :class:`InputError`
  naming the table, the row and the id.
* Batches are padded dynamically (to the longest RNA / protein in the batch, never to a fixed 1024) and
  :class:`LengthGroupedBatchSampler` puts pairs of similar RNA and protein lengths together (seeded,
  different batches every epoch), so little compute goes to padding. ``max_length`` optionally truncates
  longer sequences.
* :func:`ablation_store` builds one-hot or random embeddings from a sequence table for the paper's
  ablations (``--rna-embedding onehot`` ...), through the project's embedders.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch

from rnainteract_builder.contract.embedders import WEIGHT_FREE
from rnainteract_builder.contract.embedding_store import EmbeddedPairs, EmbeddingStore
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet
from rnainteract_builder.contract.schema import embeddings_schema

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
SPLITS = ("train", "validation", "test")
#: Embedding sources: the stored embeddings (default) or an ablation computed from the sequences.
EMBEDDING_SOURCES = ("stored", *WEIGHT_FREE)


class EmbeddedPairDataset(torch.utils.data.Dataset):
    """One split: interactions joined with embeddings; items are row indices, :meth:`collate` pads them."""

    def __init__(
        self,
        interactions: pa.Table,
        rna_store: EmbeddingStore,
        protein_store: EmbeddingStore,
        name: str = "interactions",
        max_length: int | None = None,
        require_labels: bool = True,
    ) -> None:
        if interactions.num_rows == 0:
            raise InputError(f"{name}: the interactions table has no rows")
        if require_labels and "label" not in interactions.column_names:
            raise InputError(f"{name}: interactions table lacks the 'label' column")
        if "label" in interactions.column_names:
            _check_labels(interactions.column("label"), interactions.column("pair_id"), name)
        # The join (and its missing-id check) is the embedding store's.
        joined = EmbeddedPairs(interactions, rna_store, protein_store, name=name)
        self.name = name
        self.pair_ids: list[str] = joined.pair_ids
        self.rna_ids: list[str] = joined.rna_ids
        self.protein_ids: list[str] = joined.protein_ids
        self.labels: np.ndarray | None = joined.labels
        #: Category columns in row order, for per-category metrics (``rna_category``, ``protein_category``).
        self.groups: dict[str, list[str | None]] = {
            column: interactions.column(column).to_pylist()
            for column in ("rna_category", "protein_category")
            if column in interactions.column_names
        }
        self.rna_store, self.protein_store = rna_store, protein_store
        self.max_length = max_length
        self.rna_lengths = np.array([rna_store.length(i) for i in self.rna_ids], dtype=np.int64)
        self.protein_lengths = np.array([protein_store.length(i) for i in self.protein_ids], dtype=np.int64)
        for lengths, ids, kind in (
            (self.rna_lengths, self.rna_ids, "RNA"),
            (self.protein_lengths, self.protein_ids, "protein"),
        ):
            empty = np.nonzero(lengths == 0)[0]
            if empty.size:
                row = int(empty[0])
                raise InputError(
                    f"{name}: {empty.size} pair(s) have an empty {kind} sequence, e.g. {ids[row]} "
                    f"(pair {self.pair_ids[row]}, row {row})"
                )
        if max_length is not None:
            if max_length < 1:
                raise InputError(f"max_length must be positive, got {max_length}")
            longer = int(((self.rna_lengths > max_length) | (self.protein_lengths > max_length)).sum())
            if longer:
                log.info(
                    "%s: %d of %d pairs have a partner longer than %d residues; truncated",
                    name,
                    longer,
                    len(self),
                    max_length,
                )

    def check_widths(self, rna_dim: int, protein_dim: int) -> None:
        """Raise unless the stores' embedding widths are what the model takes."""
        for kind, store, expected in (
            ("RNA", self.rna_store, rna_dim),
            ("protein", self.protein_store, protein_dim),
        ):
            if store.dim != expected:
                raise InputError(
                    f"{self.name}: {kind} embeddings are {store.dim}-dimensional but the model takes {expected}; "
                    "use the embeddings the model was trained on"
                )

    def embedder_options(self, molecule: str) -> dict | None:
        """Options of the weight-free embedder that computed ``molecule``'s inputs (None: its defaults, or
        stored embeddings); training records them in the model config (``<molecule>_embedding_options``)."""
        return embedder_options_of(self.rna_store if molecule == "rna" else self.protein_store)

    def __len__(self) -> int:
        return len(self.pair_ids)

    def __getitem__(self, index: int) -> int:
        return index  # rows are gathered in ``collate``: no per-item tensor work

    def lengths(self) -> np.ndarray:
        """Residues per pair after truncation (RNA + protein)."""
        return self.pair_lengths().sum(axis=1)

    def pair_lengths(self) -> np.ndarray:
        """``(pairs, 2)``: RNA and protein residues of each pair after truncation: the key of length grouping
        (each molecule is padded separately, so both lengths matter, not only their sum)."""
        rna, protein = self.rna_lengths, self.protein_lengths
        if self.max_length is not None:
            rna, protein = np.minimum(rna, self.max_length), np.minimum(protein, self.max_length)
        return np.stack([rna, protein], axis=1)

    def collate(self, indices: Sequence[int]) -> dict[str, torch.Tensor]:
        """Pad a batch to its own longest RNA and protein; float16 (the model casts to its own dtype)."""
        indices = [int(i) for i in indices]
        rna, rna_mask = self.rna_store.padded([self.rna_ids[i] for i in indices], max_length=self.max_length)
        protein, protein_mask = self.protein_store.padded(
            [self.protein_ids[i] for i in indices], max_length=self.max_length
        )
        batch = {
            "rna_embeddings": rna,
            "rna_attention_mask": rna_mask,
            "protein_embeddings": protein,
            "protein_attention_mask": protein_mask,
            "index": torch.tensor(indices, dtype=torch.long),
        }
        if self.labels is not None:
            batch["labels"] = torch.from_numpy(self.labels[indices])
        return batch

    def label_array(self) -> np.ndarray:
        if self.labels is None:
            raise InputError(f"{self.name}: no labels")
        return self.labels.astype(np.int64)


def _check_labels(labels: pa.ChunkedArray, pair_ids: pa.ChunkedArray, name: str) -> None:
    if labels.null_count:
        row = int(pc.index(pc.is_null(labels), True).as_py())
        raise InputError(
            f"{name}: {labels.null_count} row(s) have no label, e.g. pair {pair_ids[row]} (row {row})"
        )
    bad = pc.invert(pc.is_in(labels.cast(pa.float64()), value_set=pa.array([0.0, 1.0])))
    if pc.any(bad).as_py():
        row = int(pc.index(bad, True).as_py())
        raise InputError(
            f"{name}: labels must be 0 or 1, found {labels[row].as_py()!r} for pair {pair_ids[row]} (row {row})"
        )


class LengthGroupedBatchSampler(torch.utils.data.Sampler[list[int]]):
    """Batches of pairs with similar lengths, in a seeded random order that changes every epoch.

    Each epoch: shuffle the pairs, cut them into pools of ``batch_size * mega_batches`` pairs, split each
    pool into batches of similar lengths, shuffle the batches. Every batch has ``batch_size`` pairs except
    possibly one (last, so distributed sharding sees full batches first). ``group_by_length=False`` gives
    plain shuffled batches.

    ``lengths`` is one length per pair, or ``(pairs, 2)`` RNA and protein lengths
    (:meth:`EmbeddedPairDataset.pair_lengths`). A batch pads each molecule to its own longest, so both lengths
    count. A pool is split like a k-d tree: sort it by the molecule whose lengths span more residues, cut
    it at a batch boundary near the middle, and split both halves the same way down to single batches;
    each batch thus covers a small range of both lengths. The cut lies at a random boundary within +-10 %
    of the middle, which changes the batches from epoch to epoch at almost no cost in padding.

    The pool size trades padding for variety: a batch can only be as uniform as the pairs its pool holds.
    With the default 1,024 batches per pool (65,536 pairs at batch size 64) the paper's length mix at its
    109,214 training pairs is 96 % real tokens (``scripts/bench_train.py``); with 50 batches per pool (as in
    transformers' length-grouped sampler) 85 %.
    """

    def __init__(
        self,
        lengths: Sequence[int] | np.ndarray,
        batch_size: int,
        seed: int = 0,
        group_by_length: bool = True,
        mega_batches: int = 1024,
    ) -> None:
        if batch_size < 1:
            raise InputError(f"batch size must be positive, got {batch_size}")
        if mega_batches < 1:
            raise InputError(f"batches per pool must be positive, got {mega_batches}")
        self.lengths = np.asarray(lengths)
        if self.lengths.ndim not in (1, 2) or (self.lengths.ndim == 2 and self.lengths.shape[1] != 2):
            raise ValueError(f"lengths must be (pairs,) or (pairs, 2), got shape {self.lengths.shape}")
        self.batch_size = batch_size
        self.drop_last = False
        self.seed = seed
        self.group_by_length = group_by_length
        self.mega_batches = mega_batches
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    def batches(self) -> list[list[int]]:
        rng = np.random.default_rng([self.seed, self.epoch])
        order = rng.permutation(len(self.lengths))
        if self.group_by_length:
            pool = self.batch_size * self.mega_batches
            out = [b for i in range(0, len(order), pool) for b in self._grouped(order[i : i + pool], rng)]
        else:
            out = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        full = [b.tolist() for b in out if len(b) == self.batch_size]
        short = [b.tolist() for b in out if len(b) < self.batch_size]
        return [full[i] for i in rng.permutation(len(full))] + short

    def _grouped(self, pool: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
        """One pool split into batches of similar lengths (the k-d split of the class docstring)."""
        lengths = self.lengths.reshape(len(self.lengths), -1)
        done: list[np.ndarray] = []
        todo = [pool]
        while todo:
            part = todo.pop()
            count = -(-len(part) // self.batch_size)  # batches in this part; only the last may be short
            if count <= 1:
                done.append(part)
                continue
            values = lengths[part]
            axis = int(np.argmax(values.max(axis=0) - values.min(axis=0)))
            part = part[np.argsort(values[:, axis], kind="stable")]  # ties keep the shuffled order
            left = round(count / 2 + rng.uniform(-0.1, 0.1) * count)
            cut = min(max(left, 1), count - 1) * self.batch_size
            todo += [part[cut:], part[:cut]]
        return done

    def __iter__(self) -> Iterator[list[int]]:
        yield from self.batches()


def length_sorted_order(data: EmbeddedPairDataset) -> list[int]:
    """Row order for evaluation: by length, so fixed-size sequential batches pad little."""
    return np.argsort(-data.lengths(), kind="stable").tolist()


# -- loading -----------------------------------------------------------------------------------------------
def split_files(data_dir: PathLike, config: str = "interactions") -> dict[str, list[Path]]:
    """The interactions Parquet files of each split in a split folder or a published dataset folder.

    Understands ``<dir>/{train,validation,test}.parquet`` (the builder's split stage) and
    ``<dir>/<config>/{split}-*.parquet`` (the published dataset, DESIGN §4).
    """
    root = Path(data_dir)
    if not root.is_dir():
        raise InputError(f"{root}: no such dataset folder")
    found: dict[str, list[Path]] = {}
    for split in SPLITS:
        flat = root / f"{split}.parquet"
        shards = sorted((root / config).glob(f"{split}-*.parquet")) if (root / config).is_dir() else []
        if flat.exists():
            found[split] = [flat]
        elif shards:
            found[split] = shards
    if not found:
        raise InputError(
            f"{root}: no split files found (expected train.parquet / validation.parquet / test.parquet or "
            f"{config}/train-*.parquet ...)"
        )
    return found


def read_tables(paths: Sequence[Path]) -> pa.Table:
    return pa.concat_tables([read_parquet(p) for p in paths], promote_options="default")


def sequence_table(data_dir: PathLike | None, molecule: str, explicit: PathLike | None = None) -> pa.Table:
    """A sequence table (``id``, ``sequence``) from an explicit file/folder or beside the split files."""
    candidates = [Path(explicit)] if explicit else []
    if data_dir is not None:
        root = Path(data_dir)
        candidates += [
            root / f"{molecule}_sequences.parquet",
            root / f"{molecule}_sequences",
            root.parent / f"{molecule}_sequences.parquet",
        ]
    for path in candidates:
        if path.is_file():
            return read_parquet(path)
        if path.is_dir():
            files = sorted(path.rglob("*.parquet"))
            if files:
                return read_tables(files)
    where = ", ".join(str(c) for c in candidates) or "(no folder given)"
    raise InputError(f"no {molecule} sequence table found (looked at {where}); pass --{molecule}-sequences")


def ablation_store(
    sequences: pa.Table,
    molecule: str,
    kind: str,
    ids: Sequence[str] | None = None,
    seed: int = 0,
    options: dict | None = None,
) -> EmbeddingStore:
    """Weight-free per-residue embeddings (one-hot, kmer-context, random ...) of the sequences (only ``ids``
    if given) as a store; ``options`` go to the embedder."""
    from rnainteract_builder.contract.embedders import get_embedder

    if kind not in WEIGHT_FREE:
        raise InputError(f"ablation embedding must be one of {', '.join(WEIGHT_FREE)}, not {kind!r}")
    for column in ("id", "sequence"):
        if column not in sequences.column_names:
            raise InputError(f"{molecule} sequence table lacks column {column!r}")
    table = sequences.select(["id", "sequence"])
    if ids is not None:
        wanted = pa.array(sorted(set(ids)), pa.string())
        table = table.filter(pc.is_in(table.column("id"), value_set=wanted))
        missing = set(wanted.to_pylist()) - set(table.column("id").to_pylist())
        if missing:
            raise InputError(f"{len(missing)} {molecule} id(s) have no sequence, e.g. {sorted(missing)[0]}")
    seq_ids = table.column("id").to_pylist()
    seqs = table.column("sequence").to_pylist()
    for seq_id, seq in zip(seq_ids, seqs, strict=True):
        if not seq:
            raise InputError(f"{molecule} sequence {seq_id} is empty")
    embedder = get_embedder(kind, molecule=molecule, seed=seed, options=options)
    arrays = embedder.embed(seqs)
    lengths = np.array([len(a) for a in arrays], dtype=np.int32)
    flat = np.concatenate(arrays).astype(np.float16).ravel() if arrays else np.zeros(0, np.float16)
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(flat, pa.float16()), embedder.dim)
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
    embedding = pa.ListArray.from_arrays(offsets, vectors)
    out = pa.Table.from_arrays(
        [
            pa.array(seq_ids, pa.string()),
            pa.array(lengths, pa.int32()),
            embedding,
            pa.array([embedder.name] * len(seq_ids), pa.string()),
            pa.array([embedder.revision] * len(seq_ids), pa.string()),
        ],
        schema=embeddings_schema(embedder.dim),
    )
    store = EmbeddingStore.from_table(out, name=f"{kind} {molecule} embeddings")
    store.embedder_options = dict(options) if options else None  # type: ignore[attr-defined]
    return store


def embedder_options_of(store: EmbeddingStore) -> dict | None:
    """The options of the weight-free embedder that computed ``store`` (:func:`ablation_store`; None for its
    defaults and for stored embeddings): a model trained on it records them in its config, so prediction
    and evaluation rebuild the same embedder."""
    return getattr(store, "embedder_options", None)


@dataclass
class EmbeddingSource:
    """Where one molecule's embeddings come from: stored Parquet files, or a weight-free embedder over
    sequences (``options``: its keyword arguments, e.g. ``{"window": 5}`` of ``kmer-context``)."""

    kind: str = "stored"
    paths: Sequence[PathLike] = ()
    sequences: PathLike | None = None
    options: dict | None = None

    def open(
        self, molecule: str, data_dir: PathLike | None, ids: Sequence[str], seed: int = 0
    ) -> EmbeddingStore:
        if self.kind not in EMBEDDING_SOURCES:
            raise InputError(
                f"--{molecule}-embedding must be one of {', '.join(EMBEDDING_SOURCES)}, not {self.kind!r}"
            )
        if self.kind != "stored":
            return ablation_store(
                sequence_table(data_dir, molecule, self.sequences), molecule, self.kind, ids, seed,
                self.options,
            )
        if not self.paths:
            raise InputError(f"no {molecule} embeddings given: pass --{molecule}-embeddings (file or folder)")
        return EmbeddingStore.from_parquet(list(self.paths))
