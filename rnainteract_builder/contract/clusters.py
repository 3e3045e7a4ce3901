"""Sequence clustering with MMseqs2 or CD-HIT (Debian packages ``mmseqs2`` and ``cd-hit``).

Used for the pseudo-families of sequences that Rfam / Pfam leave unannotated, for cluster-disjoint
cross-validation folds and for the leakage audit. :func:`cluster_sequences` maps every input id to the id
of its cluster representative and is deterministic: the same mapping gives the same result whatever the
input order, because the sequences are written to the tool sorted by id and the tools are run with their
input shuffling switched off.

How the tools' limits are handled (deliberately, not by accident):

* **Exact duplicates** are collapsed before clustering; all ids with the same sequence share a cluster
  whose representative is the smallest id among them (unless the tool merges them into a larger one).
* **CD-HIT identity limits**: ``cd-hit-est`` (RNA) refuses identities below 0.80 and ``cd-hit`` (protein)
  below 0.40. Such a request raises :class:`InputError` naming the limit and suggesting MMseqs2, rather
  than silently clustering at another threshold. The word size ``-n`` follows the CD-HIT user guide's
  table for the chosen identity.
* **Very short sequences**: CD-HIT discards sequences not longer than its throw-away length ``-l`` (set
  to the word size here, the shortest it can index), and MMseqs2 finds no k-mer seed for sequences
  shorter than its k-mer. Sequences the tool leaves out of its output become singleton clusters (or stay
  with their exact duplicates): a short RNA is never pooled into a shared "unclustered" group.
* **MMseqs2 nucleotide k-mer**: fixed to 11 (the tool's own default index is 15-mers, whose table costs
  ~12 s to initialise even for ten sequences, and 15-mers miss most hits between short ncRNAs). MMseqs2
  also matches the reverse complement of nucleotide sequences, so a sense/antisense pair may share a
  cluster, the conservative choice for a family-disjoint split. ``cd-hit-est`` is run on the given strand
  only (``-r 0``).
* RNA is written with ``T`` for ``U`` because both tools expect DNA letters.

**Methods** (``method``):

* ``greedy`` - the tool's own clustering (``mmseqs easy-cluster``: cascaded greedy set cover around
  representatives; CD-HIT). Two sequences above the identity threshold can still land in different
  clusters: each is compared with representatives, not with each other, and on RNA MMseqs2's nucleotide
  prefilter misses many pairs at 50-80 % identity. ``-s`` (sensitivity) does not help there: it tunes the
  similar-k-mer threshold of amino-acid prefilters, while nucleotide prefiltering matches exact k-mers.
* ``linkage`` (MMseqs2 only) - single linkage: an all-against-all ``mmseqs easy-search`` (nucleotide
  search, ``--search-type 3``, both strands, k-mer ``MMSEQS_LINKAGE_KMER``, no E-value filter) keeps
  every pair whose identity, counted over the *shorter* sequence (``--seq-id-mode 1``, the leakage
  audit's definition), reaches ``identity`` with ``coverage`` of the shorter sequence (``--cov-mode 1``
  in both search directions: a fragment contained in a longer RNA joins it, since the audit counts it as
  a copy), and the clusters are the connected components of those pairs (representative: the smallest
  id). So no pair the search finds at or above the threshold is ever split, which is what a
  family-disjoint split needs. On constructed RNA families (pairwise identities 0.72-0.95) ``greedy``
  split 156 such pairs over 12 sets and ``linkage`` none; it costs a few times more (3,200 RNAs: 6 s
  against 1.3 s; 12,877 RNAs of a rehearsal build: 83 s against 35 s). Still missed: RNAs of about 30 nt
  or less (below what MMseqs2's k-mer prefilter and scores can find) and pairs whose best local alignment
  covers too little of them (around 55-70 % identity with a weak stretch).
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.tools import require_tool

log = logging.getLogger(__name__)

Tool = Literal["mmseqs", "cd-hit"]
TOOLS: tuple[str, ...] = ("mmseqs", "cd-hit")
Method = Literal["greedy", "linkage"]
METHODS: tuple[str, ...] = ("greedy", "linkage")

#: Lowest identity each CD-HIT program accepts.
CDHIT_MIN_IDENTITY = {"rna": 0.80, "protein": 0.40}
#: k-mer length for MMseqs2 on nucleotides (see the module docstring).
MMSEQS_NUCLEOTIDE_KMER = 11
#: k-mer length of the ``linkage`` method's nucleotide search (more sensitive at 55-70 % identity than 11).
MMSEQS_LINKAGE_KMER = 9


class ClusteringToolError(RuntimeError):
    """An external clustering program failed (its stderr tail is in the message)."""


def cdhit_word_size(identity: float, molecule: str) -> int:
    """CD-HIT ``-n`` for an identity threshold (table in the CD-HIT user guide)."""
    if molecule == "rna":
        for low, word in ((0.95, 10), (0.90, 8), (0.88, 7), (0.85, 6), (0.80, 5)):
            if identity >= low:
                return word
    else:
        for low, word in ((0.70, 5), (0.60, 4), (0.50, 3), (0.40, 2)):
            if identity >= low:
                return word
    raise InputError(
        f"CD-HIT cannot cluster {molecule} at identity {identity:g}: the lowest it accepts is "
        f"{CDHIT_MIN_IDENTITY[molecule]:g}; use tool='mmseqs' for lower thresholds"
    )


def _require(program: str) -> str:
    return require_tool(program)


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise ClusteringToolError(f"{command[0]} failed (exit {done.returncode}): {' | '.join(tail)}")


def _write_fasta(path: Path, sequences: list[str], molecule: str) -> None:
    with open(path, "w", encoding="ascii") as handle:
        for index, seq in enumerate(sequences):
            letters = seq.replace("U", "T") if molecule == "rna" else seq
            handle.write(f">s{index}\n{letters}\n")


def _mmseqs(
    fasta: Path, work: Path, molecule: str, identity: float, coverage: float, threads: int
) -> list[tuple[str, str]]:
    command = [
        _require("mmseqs"), "easy-cluster", str(fasta), str(work / "out"), str(work / "tmp"),
        "--min-seq-id", f"{identity}", "-c", f"{coverage}", "--cov-mode", "0",
        "--dbtype", "2" if molecule == "rna" else "1", "--shuffle", "0",
        "--threads", str(threads), "-v", "1",
    ]  # fmt: skip
    if molecule == "rna":
        command += ["-k", str(MMSEQS_NUCLEOTIDE_KMER)]
    _run(command, work)
    pairs = []
    with open(work / "out_cluster.tsv", encoding="ascii") as handle:
        for line in handle:
            rep, member = line.split()
            pairs.append((rep, member))
    return pairs


def _mmseqs_linkage(
    fasta: Path, work: Path, molecule: str, identity: float, coverage: float, threads: int
) -> list[tuple[str, str]]:
    """Single-linkage clusters from an all-against-all search (see the module docstring), as
    (representative, member) pairs; the representative is a component's smallest ``s<index>``."""
    command = [
        _require("mmseqs"), "easy-search", str(fasta), str(fasta), str(work / "hits.m8"), str(work / "tmp"),
        "--min-seq-id", f"{identity}", "--seq-id-mode", "1", "-c", f"{coverage}", "--cov-mode", "1",
        "-e", "inf", "--max-seqs", "1000", "--threads", str(threads), "-v", "1",
        "--format-output", "query,target",
    ]  # fmt: skip
    if molecule == "rna":
        command += ["--search-type", "3", "-k", str(MMSEQS_LINKAGE_KMER), "--strand", "2"]
    else:
        command += ["-s", "7.5"]
    _run(command, work)
    with open(fasta, encoding="ascii") as handle:
        names = [line[1:].strip() for line in handle if line.startswith(">")]
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    def index(name: str) -> int:
        return int(name[1:])

    with open(work / "hits.m8", encoding="ascii") as handle:
        for line in handle:
            a, b = (root(name) for name in line.split())
            if a != b:
                low, high = sorted((a, b), key=index)
                parent[high] = low
    return [(root(name), name) for name in names]


def _cdhit(
    fasta: Path, work: Path, molecule: str, identity: float, coverage: float, threads: int
) -> list[tuple[str, str]]:
    word = cdhit_word_size(identity, molecule)
    program = "cd-hit-est" if molecule == "rna" else "cd-hit"
    command = [
        _require(program), "-i", str(fasta), "-o", str(work / "out"), "-c", f"{identity}", "-n", str(word),
        "-l", str(word), "-d", "0", "-g", "1", "-M", "0", "-T", str(threads),
        "-aS", f"{coverage}", "-aL", f"{coverage}",
    ]  # fmt: skip
    if molecule == "rna":
        command += ["-r", "0"]
    _run(command, work)
    pairs: list[tuple[str, str]] = []
    rep: str | None = None
    members: list[str] = []
    with open(work / "out.clstr", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(">Cluster"):
                pairs += [(rep, m) for m in members] if rep else []
                rep, members = None, []
                continue
            name = line.split(">", 1)[1].split("...", 1)[0]
            members.append(name)
            if line.rstrip().endswith("*"):
                rep = name
    pairs += [(rep, m) for m in members] if rep else []
    return pairs


def _check_options(molecule: str, tool: str, method: str, identity: float, coverage: float) -> None:
    if molecule not in ("rna", "protein"):
        raise ValueError(f"molecule must be 'rna' or 'protein', not {molecule!r}")
    if tool not in TOOLS:
        raise InputError(f"unknown clustering tool {tool!r}; choose one of {', '.join(TOOLS)}")
    if not 0.0 < identity <= 1.0:
        raise InputError(f"clustering identity must be in (0, 1], not {identity}")
    if not 0.0 <= coverage <= 1.0:
        raise InputError(f"clustering coverage must be in [0, 1], not {coverage}")
    if method not in METHODS:
        raise InputError(f"unknown clustering method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "linkage" and tool != "mmseqs":
        raise InputError("clustering method 'linkage' needs the tool mmseqs")
    if tool == "cd-hit":
        cdhit_word_size(identity, molecule)  # fail on an unsupported identity before doing any work


def cluster_sequences(
    sequences: Mapping[str, str],
    molecule: Literal["rna", "protein"],
    identity: float = 0.5,
    tool: Tool = "mmseqs",
    threads: int = 1,
    coverage: float = 0.8,
    method: Method = "greedy",
) -> dict[str, str]:
    """Cluster ``{id: sequence}`` at ``identity``; returns ``{id: representative id}`` for every input id.

    ``method``: ``greedy`` (the tool's clustering) or ``linkage`` (MMseqs2 only: no pair found at or above
    the threshold is split; see the module docstring).

    ``coverage`` is the aligned fraction required of both sequences (MMseqs2 ``-c`` with ``--cov-mode 0``,
    CD-HIT ``-aS`` and ``-aL``), so a short fragment does not join the cluster of a long RNA containing it;
    under ``linkage`` only of the shorter one. Sequences should be normalised (upper case); see the module
    docstring for limits.
    """
    _check_options(molecule, tool, method, identity, coverage)
    empty = sorted(seq_id for seq_id, seq in sequences.items() if not seq)
    if empty:
        raise InputError(f"cannot cluster empty {molecule} sequence(s): {', '.join(empty[:5])}")

    # Collapse exact duplicates; a group is named by its smallest id and groups are ordered by that id.
    group_of_sequence: dict[str, str] = {}
    for seq_id in sorted(sequences):
        group_of_sequence.setdefault(sequences[seq_id], seq_id)
    groups = sorted(group_of_sequence.items(), key=lambda item: item[1])
    group_names = [name for _, name in groups]

    rep_of_group = {name: name for name in group_names}
    if len(groups) > 1:
        with tempfile.TemporaryDirectory(prefix="rnainteract-cluster-") as tmp:
            work = Path(tmp)
            fasta = work / "input.fasta"
            _write_fasta(fasta, [seq for seq, _ in groups], molecule)
            runner = _mmseqs_linkage if method == "linkage" else _mmseqs if tool == "mmseqs" else _cdhit
            pairs = runner(fasta, work, molecule, identity, coverage, max(1, threads))
        for rep, member in pairs:
            rep_of_group[group_names[int(member[1:])]] = group_names[int(rep[1:])]
        seen = {member for _, member in pairs}
        if len(seen) < len(groups):
            log.info("%s left %d short %s sequence(s) unclustered; they stay singletons",
                     tool, len(groups) - len(seen), molecule)  # fmt: skip
    return {seq_id: rep_of_group[group_of_sequence[sequences[seq_id]]] for seq_id in sorted(sequences)}


def clusters_of(
    ids: Sequence[str],
    sequences: Mapping[str, str],
    molecule: Literal["rna", "protein"],
    identity: float = 0.5,
    tool: Tool = "mmseqs",
    threads: int = 1,
) -> list[str]:
    """Cluster representative of every id in ``ids`` (repeats allowed, e.g. one id per RNA-protein pair).

    The unique ids are clustered once with :func:`cluster_sequences`; ``sequences`` must hold every id.
    """
    unique = sorted(set(ids))
    missing = [seq_id for seq_id in unique if seq_id not in sequences]
    if missing:
        raise InputError(f"{len(missing)} {molecule} id(s) have no sequence to cluster, e.g. {missing[0]!r}")
    reps = cluster_sequences({i: sequences[i] for i in unique}, molecule, identity, tool, threads)
    return [reps[i] for i in ids]
