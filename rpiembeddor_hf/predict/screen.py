"""Scoring a screen in blocks whose memory follows the budget, not the number of pairs.

Rows are numbered in input order: for all-vs-all, row ``r * proteins + p`` is RNA ``r`` with protein
``p``; for a pairs file, its row. :func:`plan_blocks` cuts the rows into consecutive blocks such that a
block holds at most :func:`~rpiembeddor_hf.predict.budget.pairs_per_block` rows and the molecule
encodings one side keeps resident fit in a quarter of the budget. :meth:`Screen.block` scores one block
with the fast path (or the plain forward) and returns its output rows; nothing in it grows with M x N.
The rows of a pairs file are never all in memory: planning, counting skipped rows and scoring each read
the file again in chunks (:mod:`.pairs_file`), a block's rows at a time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import pyarrow as pa

from rpiembeddor_hf.modeling_rpiembeddor import RPIembeddorModel
from rpiembeddor_hf.predict.budget import ATTENTION_SHARE, FLOAT, tokens_per_chunk
from rpiembeddor_hf.predict.embedding_cache import CachedEmbedder, LazyEmbeddings, PlannedEmbedding
from rpiembeddor_hf.predict.inputs import MoleculeRecord
from rpiembeddor_hf.predict.output import OUTPUT_SCHEMA, ROW
from rpiembeddor_hf.predict.pairs_file import ListedPairs, PairChunk
from rpiembeddor_hf.predict.scoring import score_pairs_fast, score_pairs_plain

Progress = Callable[[int], None] | None


@dataclass
class Side:
    """One molecule type: its records in input order, and embeddings of the usable ones."""

    molecule: str
    records: list[MoleculeRecord]
    usable: np.ndarray  # record -> embedding index, -1 when the record cannot be scored
    lengths: np.ndarray  # record -> embedding length (0 when unusable)
    embeddings: LazyEmbeddings
    position: dict[str, int]  # source id -> record index

    @classmethod
    def build(
        cls,
        molecule: str,
        records: dict[str, MoleculeRecord],
        plans: dict[str, PlannedEmbedding],
        source: CachedEmbedder,
    ) -> Side:
        listed = list(records.values())
        usable_ids = [s for s, p in plans.items() if p.error is None]
        index = {s: i for i, s in enumerate(usable_ids)}
        usable = np.array(
            [index.get(r.seq_id, -1) if r.error is None else -1 for r in listed], dtype=np.int64
        ).reshape(-1)
        lengths = np.array(
            [plans[r.seq_id].length if u >= 0 else 0 for r, u in zip(listed, usable, strict=True)]
        )
        embeddings = LazyEmbeddings(source, [plans[s] for s in usable_ids])
        return cls(
            molecule,
            listed,
            usable,
            lengths.astype(np.int64),
            embeddings,
            {r.source_id: i for i, r in enumerate(listed)},
        )

    def warnings(self) -> list[list[str]]:
        return [r.warnings for r in self.records]


def _encoding_bytes(config: object, lengths: np.ndarray) -> np.ndarray:
    """Resident bytes of encoded molecules (projected input and self-attention output, float32)."""
    return lengths.astype(np.int64) * int(getattr(config, "d_model", 256)) * FLOAT * 2


class Screen:
    """A scoring run over rows of an input (see module docs)."""

    def __init__(
        self,
        model: RPIembeddorModel,
        rna: Side,
        protein: Side,
        listed: ListedPairs | None,
        threshold: float,
        batch_size: int,
        budget: int,
        fast: bool = True,
    ):
        self.model, self.rna, self.protein, self.listed = model, rna, protein, listed
        self.threshold, self.batch_size, self.budget, self.fast = threshold, batch_size, budget, fast
        self.resident_budget = budget // ATTENTION_SHARE
        self.count = len(rna.records) * len(protein.records) if listed is None else listed.count

    # -- rows ---------------------------------------------------------------------------------------
    def rows(self, start: int, stop: int, chunk: PairChunk | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Record indices (RNA, protein) of rows ``start:stop`` (of a pairs file: the rows of ``chunk``);
        -1 for an id that names no record."""
        if chunk is not None:
            return (
                np.array([self.rna.position.get(i, -1) for i in chunk.rna_ids], dtype=np.int64),
                np.array([self.protein.position.get(i, -1) for i in chunk.protein_ids], dtype=np.int64),
            )
        rows = np.arange(start, stop, dtype=np.int64)
        return rows // len(self.protein.records), rows % len(self.protein.records)

    def chunks(self, blocks: list[tuple[int, int]]) -> Iterator[PairChunk | None]:
        """The rows of each block of a pairs file, read in turn (None for every all-vs-all block)."""
        if self.listed is None:
            return repeat(None, len(blocks))
        return self.listed.ranges(blocks)

    def reasons(self, r: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Why each row cannot be scored (None: it can), the first problem in RNA, protein order."""
        reason = np.full(len(r), None, dtype=object)
        for side, idx in ((self.protein, p), (self.rna, r)):  # later assignments win: RNA first
            kinds = np.array([rec.error_kind or "unusable" for rec in side.records] + [None], dtype=object)
            bad = (idx < 0) | (side.usable[idx] < 0)
            kind_of = np.where(idx < 0, len(side.records), idx)
            reason[bad] = kinds[kind_of[bad]]
            reason[bad & (idx < 0)] = f"unknown_{side.molecule}_id"
        return reason

    def plan_blocks(self, max_pairs: int) -> list[tuple[int, int]]:
        """Consecutive row ranges: at most ``max_pairs`` rows, resident encodings within the budget."""
        cost_r = _encoding_bytes(self.model.config, self.rna.lengths)
        cost_p = _encoding_bytes(self.model.config, self.protein.lengths)
        if self.listed is None:
            return _all_vs_all_blocks(cost_r, len(self.protein.records), max_pairs, self.resident_budget)
        rows = (self.rows(0, 0, chunk) for chunk in self.listed.chunks())
        return _greedy_rows(rows, cost_r, cost_p, max_pairs, self.resident_budget)

    # -- scoring ------------------------------------------------------------------------------------
    def _resident(self, r: np.ndarray, p: np.ndarray) -> str:
        """The side kept encoded: fewer distinct molecules, unless its encodings pass the budget."""
        ur, up = np.unique(r), np.unique(p)
        bytes_r = int(_encoding_bytes(self.model.config, self.rna.lengths[ur]).sum())
        bytes_p = int(_encoding_bytes(self.model.config, self.protein.lengths[up]).sum())
        first = "rna" if len(ur) <= len(up) else "protein"
        if (bytes_r if first == "rna" else bytes_p) > self.resident_budget:
            return "protein" if first == "rna" else "rna"
        return first

    def _score(self, r: np.ndarray, p: np.ndarray, progress: Progress) -> np.ndarray:
        pairs = np.stack([self.rna.usable[r], self.protein.usable[p]], axis=1)
        if not self.fast:
            return score_pairs_plain(
                self.model, self.rna.embeddings, self.protein.embeddings, pairs, self.batch_size, progress
            )
        resident = self._resident(r, p)
        longest = int((self.rna.lengths[r] if resident == "rna" else self.protein.lengths[p]).max())
        tokens = tokens_per_chunk(self.model.config, self.budget, longest)
        return score_pairs_fast(
            self.model,
            self.rna.embeddings,
            self.protein.embeddings,
            pairs,
            self.batch_size,
            progress,
            max_tokens=tokens,
            resident=resident,
        )

    def block(
        self, start: int, stop: int, progress: Progress = None, chunk: PairChunk | None = None
    ) -> pa.Table:
        """Output rows ``start:stop`` (with ``_row``; of a pairs file: the rows of ``chunk``), scored."""
        r, p = self.rows(start, stop, chunk)
        reason = self.reasons(r, p)
        ok = np.array([x is None for x in reason], dtype=bool)
        probability = np.full(len(r), np.nan, dtype=np.float32)
        if ok.any():
            probability[ok] = self._score(r[ok], p[ok], progress)
        return self._table(start, stop, r, p, reason, ok, probability, chunk)

    def _ids(
        self, r: np.ndarray, p: np.ndarray, chunk: PairChunk | None
    ) -> tuple[list[str], list[str], list[str]]:
        if chunk is not None:
            return chunk.pair_ids, chunk.rna_ids, chunk.protein_ids
        rna_names = [self.rna.records[i].source_id for i in r.tolist()]
        protein_names = [self.protein.records[i].source_id for i in p.tolist()]
        return [f"{a}__{b}" for a, b in zip(rna_names, protein_names, strict=True)], rna_names, protein_names

    def _table(
        self,
        start: int,
        stop: int,
        r: np.ndarray,
        p: np.ndarray,
        reason: np.ndarray,
        ok: np.ndarray,
        probability: np.ndarray,
        chunk: PairChunk | None = None,
    ) -> pa.Table:
        pair_ids, rna_names, protein_names = self._ids(r, p, chunk)
        rna_seq = [None if i < 0 else self.rna.records[i].seq_id for i in r.tolist()]
        protein_seq = [None if i < 0 else self.protein.records[i].seq_id for i in p.tolist()]
        warnings: list[str | None] = []
        for row, (i, j) in enumerate(zip(r.tolist(), p.tolist(), strict=True)):
            notes = [f"skipped: {reason[row]}"] if reason[row] is not None else []
            notes += (self.rna.records[i].warnings if i >= 0 else []) + (
                self.protein.records[j].warnings if j >= 0 else []
            )
            warnings.append("; ".join(notes) or None)
        label = np.where(probability >= self.threshold, 1, 0).astype(np.int8)
        columns = {
            "pair_id": pa.array(pair_ids, pa.string()),
            "rna_source_id": pa.array(rna_names, pa.string()),
            "protein_source_id": pa.array(protein_names, pa.string()),
            "rna_id": pa.array(rna_seq, pa.string()),
            "protein_id": pa.array(protein_seq, pa.string()),
            "probability": pa.array(probability, pa.float32(), mask=~ok),
            "label": pa.array(label, pa.int8(), mask=~ok),
            "status": pa.array(np.where(ok, "scored", "skipped").tolist(), pa.string()),
            "warnings": pa.array(warnings, pa.string()),
        }
        table = pa.Table.from_pydict(columns, schema=OUTPUT_SCHEMA)
        return table.append_column(ROW, pa.array(np.arange(start, stop, dtype=np.int64)))

    # -- what cannot be scored -----------------------------------------------------------------------
    def skipped(
        self, blocks: list[tuple[int, int]]
    ) -> tuple[Counter[str], dict[str, str], Counter[tuple[str, str]]]:
        """Rows skipped by reason, an example pair per reason, and pairs lost per (molecule, source id).

        A pass over the rows without scoring (cheap), so a resumed run reports the same as a whole one.
        """
        by_reason: Counter[str] = Counter()
        example: dict[str, str] = {}
        lost: Counter[tuple[str, str]] = Counter()
        for (start, stop), chunk in zip(blocks, self.chunks(blocks), strict=True):
            r, p = self.rows(start, stop, chunk)
            reason = self.reasons(r, p)
            bad = np.flatnonzero(np.array([x is not None for x in reason], dtype=bool))
            if not len(bad):
                continue
            for row in bad.tolist():
                kind = str(reason[row])
                by_reason[kind] += 1
                example.setdefault(kind, self._pair_id(row, r[row], p[row], chunk))
            for side, idx, names in (
                (self.rna, r, chunk.rna_ids if chunk else None),
                (self.protein, p, chunk.protein_ids if chunk else None),
            ):
                sel = idx[bad]
                failing = (sel < 0) | (side.usable[sel] < 0)
                for row, i in zip(bad[failing].tolist(), sel[failing].tolist(), strict=True):
                    name = side.records[i].source_id if i >= 0 else (names[row] if names is not None else "")
                    lost[(side.molecule, name)] += 1
        return by_reason, example, lost

    def _pair_id(self, row: int, i: int, j: int, chunk: PairChunk | None) -> str:
        if chunk is not None:
            return chunk.pair_ids[row]
        return f"{self.rna.records[int(i)].source_id}__{self.protein.records[int(j)].source_id}"


def _greedy(costs: np.ndarray, max_items: int, max_bytes: int) -> list[tuple[int, int]]:
    """Consecutive ranges of items: at most ``max_items`` each and ``max_bytes`` of summed cost."""
    ranges: list[tuple[int, int]] = []
    start, total = 0, 0
    for i, cost in enumerate(costs.tolist()):
        if i > start and (i - start >= max_items or total + cost > max_bytes):
            ranges.append((start, i))
            start, total = i, 0
        total += cost
    if len(costs):
        ranges.append((start, len(costs)))
    return ranges


def _all_vs_all_blocks(
    cost_r: np.ndarray, n_proteins: int, max_pairs: int, max_bytes: int
) -> list[tuple[int, int]]:
    """Blocks of whole RNAs x every protein; an RNA with more proteins than ``max_pairs`` is split."""
    blocks: list[tuple[int, int]] = []
    for first, last in _greedy(cost_r, max(1, max_pairs // max(1, n_proteins)), max_bytes):
        if n_proteins <= max_pairs:
            blocks.append((first * n_proteins, last * n_proteins))
            continue
        for r in range(first, last):
            base = r * n_proteins
            blocks += [
                (base + a, base + min(a + max_pairs, n_proteins)) for a in range(0, n_proteins, max_pairs)
            ]
    return blocks or [(0, 0)]


def _greedy_rows(
    chunks: Iterable[tuple[np.ndarray, np.ndarray]],
    cost_r: np.ndarray,
    cost_p: np.ndarray,
    max_rows: int,
    max_bytes: int,
) -> list[tuple[int, int]]:
    """Row ranges of a pairs list (read as chunks of record indices) whose distinct RNAs and distinct
    proteins each fit ``max_bytes``."""
    blocks: list[tuple[int, int]] = []
    start = row = 0
    seen: tuple[set[int], set[int]] = (set(), set())
    totals = [0, 0]
    for i, j in _pairs_of(chunks):
        add = [
            cost_r[i] if i >= 0 and i not in seen[0] else 0,
            cost_p[j] if j >= 0 and j not in seen[1] else 0,
        ]
        full = row - start >= max_rows or any(t + a > max_bytes for t, a in zip(totals, add, strict=True))
        if row > start and full:
            blocks.append((start, row))
            start, seen, totals = row, (set(), set()), [0, 0]
            add = [cost_r[i] if i >= 0 else 0, cost_p[j] if j >= 0 else 0]
        seen[0].add(i)
        seen[1].add(j)
        totals = [totals[0] + int(add[0]), totals[1] + int(add[1])]
        row += 1
    if row:
        blocks.append((start, row))
    return blocks


def _pairs_of(chunks: Iterable[tuple[np.ndarray, np.ndarray]]) -> Iterator[tuple[int, int]]:
    for r, p in chunks:
        yield from zip(r.tolist(), p.tolist(), strict=True)
