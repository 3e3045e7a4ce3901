"""Informed negatives from RNA families and protein clans (DESIGN §3 step 5), and random negatives.

``family`` strategy, two negatives per positive (RNA *r* of family *F*, protein *p* of clan *C*):

* ``protein_swap`` - keep *r*, draw a protein whose clan never interacts with *F* in the positives;
* ``rna_swap``     - keep *p*, draw an RNA whose family never interacts with *C*.

Among valid partners, those whose *category* never interacts with the kept molecule's category are
preferred (e.g. a protein category never seen with the RNA's category); when there are none, any valid
partner is used. A positive with no valid partner at all gets no negative of that kind: it is skipped and
counted, never forced. ``random`` pairs a random RNA with a random protein (the classic benchmarks' way).

Every negative differs from every known positive and from every other negative, gets the id
``neg:<strategy>:<rna_id>|<protein_id>``, records its ``negative_strategy`` and carries only per-sequence
attributes (family, clan, category, species, source ids): never the positive's score or evidence,
which would leak the label. Draws come from one seeded ``numpy`` generator over positives sorted by
``pair_id``, so the same input and seed give identical output bytes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.pairs_folder import PairsFolder
from rnainteract_builder.contract.report import Report

log = logging.getLogger(__name__)

STRATEGIES = ("family", "random")
PROTEIN_SWAP, RNA_SWAP, RANDOM = "protein_swap", "rna_swap", "random"
#: Per-sequence columns a negative inherits from its RNA / protein (never pair-level evidence).
RNA_ATTRIBUTES = ("rna_family", "rna_category", "rna_species", "rna_source_id", "rna_symbol")
PROTEIN_ATTRIBUTES = (
    "protein_clan",
    "protein_category",
    "protein_species",
    "protein_source_id",
    "protein_symbol",
)
#: Redraws before a duplicate draw is given up (then the whole candidate list is searched).
MAX_REDRAWS = 16
STEP = "negatives"


@dataclass(frozen=True)
class NegativesConfig:
    strategy: str = "family"
    seed: int = 0
    #: Negatives per positive for the random strategy (the family strategy makes one of each swap).
    random_per_positive: int = 2
    #: Keep negatives already in the input (e.g. a benchmark's published ones) instead of replacing them.
    keep_input_negatives: bool = False


@dataclass
class _Side:
    """Unique sequences of one molecule with integer codes for their label and category."""

    ids: np.ndarray  # object array of ids, sorted
    attributes: pa.Table  # one row per id, RNA_/PROTEIN_ATTRIBUTES columns
    label: np.ndarray  # int codes of family / clan
    category: np.ndarray  # int codes of category (null is a category of its own)


def _codes(values: list[object]) -> tuple[np.ndarray, int]:
    uniques = sorted({"" if v is None else str(v) for v in values})
    index = {v: i for i, v in enumerate(uniques)}
    return np.array([index["" if v is None else str(v)] for v in values], dtype=np.int64), len(uniques)


def _side(positives: pa.Table, id_column: str, attributes: tuple[str, ...]) -> tuple[_Side, int, int]:
    """Per-sequence attributes from the first positive row (by pair_id) of each sequence."""
    table = positives.select([id_column, *attributes])
    ids = table.column(id_column).to_numpy(zero_copy_only=False)
    unique, first = np.unique(ids, return_index=True)
    attrs = table.take(pa.array(first)).drop_columns([id_column])
    label, n_label = _codes(attrs.column(attributes[0]).to_pylist())
    category, n_category = _codes(attrs.column(attributes[1]).to_pylist())
    return _Side(unique, attrs, label, category), n_label, n_category


def _matrix(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    matrix = np.zeros(shape, dtype=bool)
    matrix[rows, cols] = True
    return matrix


class _Drawer:
    """Draws unused (rna, protein) index pairs; ``used`` holds positives and every negative made so far."""

    def __init__(self, rng: np.random.Generator, n_proteins: int, used: set[int]) -> None:
        self.rng, self.n_proteins, self.used = rng, n_proteins, used

    def key(self, rna: int, protein: int) -> int:
        return rna * self.n_proteins + protein

    def take(self, fixed: np.ndarray, candidates: np.ndarray, fixed_is_rna: bool) -> np.ndarray:
        """For each fixed index, one unused partner from ``candidates`` (-1 where none is left)."""
        picks = candidates[self.rng.integers(0, len(candidates), size=len(fixed))]
        out = np.empty(len(fixed), dtype=np.int64)
        for j, (a, b) in enumerate(zip(fixed.tolist(), picks.tolist(), strict=True)):
            choice = self._settle(a, b, candidates, fixed_is_rna)
            out[j] = choice
        return out

    def _settle(self, fixed: int, pick: int, candidates: np.ndarray, fixed_is_rna: bool) -> int:
        def key(partner: int) -> int:
            return self.key(fixed, partner) if fixed_is_rna else self.key(partner, fixed)

        for _ in range(MAX_REDRAWS):
            if key(pick) not in self.used:
                self.used.add(key(pick))
                return pick
            pick = int(candidates[self.rng.integers(0, len(candidates))])
        for partner in self.rng.permutation(candidates).tolist():  # rare: almost every partner is taken
            if key(partner) not in self.used:
                self.used.add(key(partner))
                return partner
        return -1


def _negatives_table(
    rna: _Side, protein: _Side, r: np.ndarray, p: np.ndarray, strategy: list[str]
) -> pa.Table:
    rna_ids, prot_ids = rna.ids[r], protein.ids[p]
    columns: dict[str, pa.Array] = {
        "pair_id": pa.array(
            [f"neg:{s}:{a}|{b}" for s, a, b in zip(strategy, rna_ids, prot_ids, strict=True)]
        ),
        "rna_id": pa.array(rna_ids.tolist(), pa.string()),
        "protein_id": pa.array(prot_ids.tolist(), pa.string()),
        "label": pa.array(np.zeros(len(r), dtype=np.int8)),
        "negative_strategy": pa.array(strategy, pa.string()),
        "source": pa.array(["negatives"] * len(r), pa.string()),
    }
    for side, idx in ((rna, r), (protein, p)):
        taken = side.attributes.take(pa.array(idx))
        for name in taken.column_names:
            columns[name] = taken.column(name).combine_chunks()
    return schema.conform(pa.table(columns), schema.INTERACTIONS)


def _family_negatives(
    positives: pa.Table, rna: _Side, protein: _Side, shapes: tuple[int, int, int, int], drawer: _Drawer,
    pos_r: np.ndarray, pos_p: np.ndarray, report: Report,
) -> tuple[list[np.ndarray], list[np.ndarray], list[str]]:  # fmt: skip
    n_fam, n_clan, n_rcat, n_pcat = shapes
    fam_clan = _matrix(rna.label[pos_r], protein.label[pos_p], (n_fam, n_clan))
    cat_cat = _matrix(rna.category[pos_r], protein.category[pos_p], (n_rcat, n_pcat))
    out_r: list[np.ndarray] = []
    out_p: list[np.ndarray] = []
    kinds: list[str] = []

    # Protein swap: group positives by the kept RNA's (family, category); candidates are computed once a group.
    group = rna.label[pos_r] * n_rcat + rna.category[pos_r]
    for g in np.unique(group):
        members = np.flatnonzero(group == g)
        fam, cat = divmod(int(g), n_rcat)
        valid = ~fam_clan[fam, protein.label]
        preferred = valid & ~cat_cat[cat, protein.category]
        candidates = np.flatnonzero(preferred if preferred.any() else valid)
        if len(candidates) == 0:
            report.drop(STEP, "protein_swap: no protein from a clan that never interacts with the RNA's family",
                        len(members), example=str(positives.column("pair_id")[int(members[0])]))  # fmt: skip
            continue
        picked = drawer.take(pos_r[members], candidates, fixed_is_rna=True)
        ok = picked >= 0
        report.drop(STEP, "protein_swap: every valid protein already paired", int((~ok).sum()))
        out_r.append(pos_r[members][ok])
        out_p.append(picked[ok])
        kinds += [PROTEIN_SWAP] * int(ok.sum())

    # RNA swap: group by the kept protein's (clan, category).
    group = protein.label[pos_p] * n_pcat + protein.category[pos_p]
    for g in np.unique(group):
        members = np.flatnonzero(group == g)
        clan, cat = divmod(int(g), n_pcat)
        valid = ~fam_clan[rna.label, clan]
        preferred = valid & ~cat_cat[rna.category, cat]
        candidates = np.flatnonzero(preferred if preferred.any() else valid)
        if len(candidates) == 0:
            report.drop(STEP, "rna_swap: no RNA from a family that never interacts with the protein's clan",
                        len(members), example=str(positives.column("pair_id")[int(members[0])]))  # fmt: skip
            continue
        picked = drawer.take(pos_p[members], candidates, fixed_is_rna=False)
        ok = picked >= 0
        report.drop(STEP, "rna_swap: every valid RNA already paired", int((~ok).sum()))
        out_r.append(picked[ok])
        out_p.append(pos_p[members][ok])
        kinds += [RNA_SWAP] * int(ok.sum())
    return out_r, out_p, kinds


def make_negatives(
    interactions: pa.Table,
    config: NegativesConfig = NegativesConfig(),
    known_positives: pa.Table | None = None,
) -> tuple[pa.Table, Report]:
    """Return positives + generated negatives (schema.INTERACTIONS) and a report of what was made/skipped.

    ``known_positives`` (optional ``rna_id`` / ``protein_id`` table) adds pairs no negative may equal
    beyond the input's positives, e.g. RNAInter positives removed by earlier filters.
    """
    if config.strategy not in STRATEGIES:
        raise InputError(
            f"unknown negative strategy {config.strategy!r}; choose one of {', '.join(STRATEGIES)}"
        )
    report = Report(f"Negatives ({config.strategy}, seed {config.seed})")
    report.facts["config"] = config.__dict__
    interactions = schema.conform(interactions, schema.INTERACTIONS)
    is_pos = pc.equal(interactions.column("label"), 1)
    positives = interactions.filter(is_pos).sort_by("pair_id")
    input_negatives = interactions.filter(pc.invert(is_pos))
    report.step("input pairs", interactions.num_rows)
    if not config.keep_input_negatives:
        report.drop(STEP, "input negative replaced by generated negatives", input_negatives.num_rows)
        input_negatives = input_negatives.slice(0, 0)
    if positives.num_rows == 0:
        raise InputError("no positive pairs (label 1) to make negatives from")
    if config.strategy == "family":
        for column in ("rna_family", "protein_clan"):
            nulls = positives.column(column).null_count
            if nulls:
                raise InputError(f"{nulls} positive(s) have no {column}; run the annotate stage (`rnainteract stage annotate`) first")
    report.step("positives", positives.num_rows)

    rna, n_fam, n_rcat = _side(positives, "rna_id", RNA_ATTRIBUTES)
    protein, n_clan, n_pcat = _side(positives, "protein_id", PROTEIN_ATTRIBUTES)
    pos_r = np.searchsorted(rna.ids, positives.column("rna_id").to_numpy(zero_copy_only=False))
    pos_p = np.searchsorted(protein.ids, positives.column("protein_id").to_numpy(zero_copy_only=False))
    used = set((pos_r * len(protein.ids) + pos_p).tolist())
    for table in (known_positives, input_negatives):
        if table is not None and table.num_rows:
            r = table.column("rna_id").to_numpy(zero_copy_only=False)
            p = table.column("protein_id").to_numpy(zero_copy_only=False)
            ri, pi = (
                np.searchsorted(rna.ids, r).clip(0, len(rna.ids) - 1),
                np.searchsorted(protein.ids, p).clip(0, len(protein.ids) - 1),
            )
            known = (rna.ids[ri] == r) & (protein.ids[pi] == p)
            used.update((ri[known] * len(protein.ids) + pi[known]).tolist())
    drawer = _Drawer(np.random.default_rng(config.seed), len(protein.ids), used)

    if config.strategy == "family":
        out_r, out_p, kinds = _family_negatives(
            positives, rna, protein, (n_fam, n_clan, n_rcat, n_pcat), drawer, pos_r, pos_p, report
        )
    else:
        n = config.random_per_positive * positives.num_rows
        fixed = drawer.rng.integers(0, len(rna.ids), size=n)
        picked = drawer.take(fixed, np.arange(len(protein.ids)), fixed_is_rna=True)
        ok = picked >= 0
        report.drop(STEP, "random: RNA already paired with every protein", int((~ok).sum()))
        out_r, out_p, kinds = [fixed[ok]], [picked[ok]], [RANDOM] * int(ok.sum())

    r = np.concatenate(out_r) if out_r else np.empty(0, np.int64)
    p = np.concatenate(out_p) if out_p else np.empty(0, np.int64)
    negatives = _negatives_table(rna, protein, r, p, kinds)
    result = pa.concat_tables([positives, input_negatives, negatives])
    report.step("negatives made", negatives.num_rows)
    report.step("pairs out", result.num_rows)
    names, counts = np.unique(np.array(kinds, dtype=object), return_counts=True) if kinds else ([], [])
    report.facts["negatives by strategy"] = {str(k): int(v) for k, v in zip(names, counts, strict=True)}
    report.facts["negatives per positive"] = round(negatives.num_rows / positives.num_rows, 4)
    return result, report


def used_sequences(interactions: pa.Table, rna: pa.Table, protein: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The sequence tables cut down to the ids the pairs use (replaced input negatives may leave some unused)."""
    return (
        rna.filter(pc.is_in(rna.column("id"), interactions.column("rna_id").combine_chunks().unique())),
        protein.filter(
            pc.is_in(protein.column("id"), interactions.column("protein_id").combine_chunks().unique())
        ),
    )


def negatives_dir(
    in_dir: str | Path, out_dir: str | Path, config: NegativesConfig = NegativesConfig()
) -> Report:
    """Read an annotated pairs folder, add negatives, write a pairs folder with ``negatives_report``."""
    folder = PairsFolder.read(in_dir)
    table, report = make_negatives(folder.interactions, config)
    PairsFolder(table, *used_sequences(table, folder.rna_sequences, folder.protein_sequences)).write(out_dir)
    report.write(Path(out_dir) / "negatives_report")
    return report
