"""Leakage audit: how similar is each test RNA to the closest train RNA? (DESIGN §3 step 6)

A family-disjoint split keeps Rfam families apart, but unannotated RNAs, pseudo-family thresholds and
family boundaries can still leave near-copies on both sides. For every test sequence the audit finds the
highest identity to any train sequence and reports the distribution, so the dataset card can show it.

Identity = identical aligned positions / length of the *shorter* sequence (CD-HIT's definition), so a
fragment contained in a train RNA counts as a copy.

* ``align`` (small sets): Biopython ``PairwiseAligner``, local alignment with BLASTN scores; every train sequence is scored
  against the test sequence, and the identity is computed from the alignments of the ``top_k`` best
  scores (scoring every pair is fast in C; counting identities needs a traceback).
* ``mmseqs`` (large sets): ``mmseqs easy-search`` of test against train, forward strand; a test RNA with
  no hit is below MMseqs2's detection limit and is reported with identity 0 and no neighbour.
* ``auto`` picks ``align`` up to ``ALIGN_LIMIT`` test x train pairs.
"""

from __future__ import annotations

import json
import logging
import statistics
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from tqdm import tqdm

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet, write_text_atomic
from rnainteract_builder.contract.pairs_folder import SEQUENCE_FILES
from rnainteract_builder.contract.tools import require_tool

log = logging.getLogger(__name__)

ALIGN_LIMIT = 2_000_000
BINS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0)
METHODS = ("auto", "align", "mmseqs")


@dataclass(frozen=True)
class Neighbour:
    test_id: str
    identity: float
    train_id: str | None


def _aligner():  # noqa: ANN202 - Bio.Align.PairwiseAligner
    from Bio.Align import PairwiseAligner

    aligner = PairwiseAligner()
    aligner.mode = "local"  # a fragment aligns inside a longer RNA; unrelated stretches stay out
    # BLASTN's scores: mismatches and gaps cost enough that random sequences give short, low-identity hits.
    aligner.match_score, aligner.mismatch_score = 2.0, -3.0
    aligner.open_gap_score, aligner.extend_gap_score = -5.0, -2.0
    return aligner


def pair_identity(a: str, b: str, aligner=None) -> float:  # noqa: ANN001
    """Identical aligned positions / length of the shorter sequence."""
    aligner = aligner or _aligner()
    alignments = aligner.align(a, b)
    if aligner.score(a, b) <= 0:
        return 0.0
    return alignments[0].counts().identities / min(len(a), len(b))


def _by_alignment(test: Mapping[str, str], train: Mapping[str, str], top_k: int) -> list[Neighbour]:
    aligner = _aligner()
    train_ids = sorted(train)
    exact = {seq: i for i in reversed(train_ids) for seq in [train[i]]}
    out = []
    for test_id in tqdm(sorted(test), desc="leakage audit", unit="RNA", disable=None):
        seq = test[test_id]
        if seq in exact:
            out.append(Neighbour(test_id, 1.0, exact[seq]))
            continue
        scored = sorted(((aligner.score(seq, train[t]), t) for t in train_ids), key=lambda x: (-x[0], x[1]))
        candidates = [(pair_identity(seq, train[t], aligner), t) for _, t in scored[:top_k]]
        best = min(candidates, key=lambda x: (-x[0], x[1]))  # highest identity, then smallest id
        out.append(Neighbour(test_id, round(best[0], 4), best[1]))
    return out


def _by_mmseqs(
    test: Mapping[str, str], train: Mapping[str, str], molecule: str, threads: int
) -> list[Neighbour]:
    mmseqs = require_tool("mmseqs")
    with tempfile.TemporaryDirectory(prefix="rnainteract-leakage-") as tmp:
        work = Path(tmp)
        for name, seqs in (("test", test), ("train", train)):
            with open(work / f"{name}.fasta", "w", encoding="ascii") as handle:
                for seq_id in sorted(seqs):
                    letters = seqs[seq_id].replace("U", "T") if molecule == "rna" else seqs[seq_id]
                    handle.write(f">{seq_id}\n{letters}\n")
        command = [
            mmseqs,
            "easy-search",
            str(work / "test.fasta"),
            str(work / "train.fasta"),
            str(work / "hits.tsv"),
            str(work / "tmp"),
            "--format-output",
            "query,target,nident,qlen,tlen",
            "--threads",
            str(threads),
            "-v",
            "1",
            "--max-seqs",
            "50",
            "-a",
        ]  # fmt: skip  (-a: nident needs the backtrace)
        if molecule == "rna":
            command += ["--search-type", "3", "--strand", "1", "-k", "11"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"mmseqs easy-search failed: {(done.stderr or done.stdout).strip()[-300:]}")
        best: dict[str, tuple[float, str]] = {}
        for line in (work / "hits.tsv").read_text().splitlines():
            query, target, nident, qlen, tlen = line.split("\t")
            identity = min(1.0, float(nident) / min(int(qlen), int(tlen)))
            current = best.get(query)
            if current is None or (-identity, target) < (-current[0], current[1]):
                best[query] = (identity, target)
    return [
        Neighbour(t, round(best[t][0], 4), best[t][1]) if t in best else Neighbour(t, 0.0, None)
        for t in sorted(test)
    ]


def nearest_train_identity(
    test: Mapping[str, str], train: Mapping[str, str], molecule: str = "rna", method: str = "auto",
    threads: int = 1, top_k: int = 5,
) -> list[Neighbour]:  # fmt: skip
    """For each test sequence, the highest identity to any train sequence (sorted by test id)."""
    if method not in METHODS:
        raise InputError(f"unknown audit method {method!r}; choose one of {', '.join(METHODS)}")
    if not test or not train:
        return [Neighbour(t, 0.0, None) for t in sorted(test)]
    if method == "auto":
        method = "align" if len(test) * len(train) <= ALIGN_LIMIT else "mmseqs"
    if method == "align":
        return _by_alignment(test, train, top_k)
    return _by_mmseqs(test, train, molecule, threads)


def summarise(
    neighbours: list[Neighbour], flag_identity: float = 0.9, method: str = "auto"
) -> dict[str, Any]:
    values = [n.identity for n in neighbours]
    histogram = []
    for low, high in zip(BINS[:-1], BINS[1:], strict=True):
        last = high == BINS[-1]
        count = sum(1 for v in values if low <= v < high or (last and v == high))
        histogram.append({"bin": f"[{low:.2f}, {high:.2f}{']' if last else ')'}", "test_sequences": count})
    flagged = sorted(
        (n for n in neighbours if n.identity >= flag_identity), key=lambda n: (-n.identity, n.test_id)
    )
    return {
        "method": method,
        "test_sequences": len(values),
        "mean": round(statistics.fmean(values), 4) if values else None,
        "median": round(statistics.median(values), 4) if values else None,
        "max": max(values) if values else None,
        "identical_to_train": sum(1 for v in values if v >= 1.0),
        "flag_identity": flag_identity,
        "flagged": len(flagged),
        "flagged_examples": [
            {"test_id": n.test_id, "train_id": n.train_id, "identity": n.identity} for n in flagged[:20]
        ],
        "histogram": histogram,
    }


def audit_markdown(summary: Mapping[str, Any], molecule: str = "RNA") -> str:
    lines = [
        f"### Leakage audit: highest {molecule} identity of each test sequence to any train sequence",
        "",
        f"{summary['test_sequences']:,} test {molecule}s; mean {summary['mean']}, median {summary['median']}, "
        f"max {summary['max']}; {summary['identical_to_train']} identical to or contained in a train {molecule}; "
        f"{summary['flagged']} at identity >= {summary['flag_identity']} (method: {summary['method']}).",
        "",
        "| identity to nearest train sequence | test sequences |",
        "|---|---:|",
    ]
    lines += [f"| {row['bin']} | {row['test_sequences']:,} |" for row in summary["histogram"]]
    return "\n".join(lines) + "\n"


def audit_split(
    split_dir: str | Path, molecule: str = "rna", method: str = "auto", flag_identity: float = 0.9, threads: int = 1,
    write: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Audit ``test`` against ``train`` of a split folder; writes ``leakage_audit_<molecule>.json/.md``."""
    split_dir = Path(split_dir)
    id_column = "rna_id" if molecule == "rna" else "protein_id"
    sequences = read_parquet(split_dir / SEQUENCE_FILES["rna" if molecule == "rna" else "protein"])
    seq_of = dict(
        zip(sequences.column("id").to_pylist(), sequences.column("sequence").to_pylist(), strict=True)
    )
    ids = {
        name: set(read_parquet(split_dir / f"{name}.parquet").column(id_column).to_pylist())
        for name in ("train", "test")
    }
    missing = sorted((ids["train"] | ids["test"]) - seq_of.keys())
    if missing:
        raise InputError(f"{split_dir}: {id_column} {missing[0]!r} has no sequence")
    neighbours = nearest_train_identity({i: seq_of[i] for i in ids["test"]}, {i: seq_of[i] for i in ids["train"]},
                                        molecule, method, threads)  # fmt: skip
    used = (
        method
        if method != "auto"
        else ("align" if len(ids["test"]) * len(ids["train"]) <= ALIGN_LIMIT else "mmseqs")
    )
    summary = summarise(neighbours, flag_identity, used)
    if write:
        write_text_atomic(split_dir / f"leakage_audit_{molecule}.json", json.dumps(
            {**summary, "per_sequence": [n.__dict__ for n in neighbours]}, indent=2) + "\n")  # fmt: skip
        write_text_atomic(
            split_dir / f"leakage_audit_{molecule}.md",
            audit_markdown(summary, "RNA" if molecule == "rna" else "protein"),
        )
    return summary


def audit_command(
    split: Annotated[Path, typer.Argument(help="Split folder (train/test.parquet + sequence tables).")],
    molecule: Annotated[str, typer.Option(help="'rna' (the paper's audit) or 'protein'.")] = "rna",
    method: Annotated[str, typer.Option(help="'align' (exact, small sets), 'mmseqs' or 'auto'.")] = "auto",
    flag_identity: Annotated[
        float, typer.Option(help="Report test sequences at or above this identity.")
    ] = 0.9,
    threads: Annotated[int, typer.Option(help="MMseqs2 threads.")] = 1,
) -> None:
    """Leakage audit: for each test sequence the highest identity to any train sequence (prints Markdown)."""
    if molecule not in ("rna", "protein"):
        raise InputError(f"--molecule must be 'rna' or 'protein', not {molecule!r}")
    summary = audit_split(split, molecule, method, flag_identity, threads)
    print(audit_markdown(summary, "RNA" if molecule == "rna" else "protein"), end="")
