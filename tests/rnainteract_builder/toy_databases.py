"""Toy Rfam covariance models and Pfam HMMs built at test time (Infernal / pyhmmer), with known members."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

from rnainteract_builder.contract.tools import require_tool

COMPLEMENT = {"A": "U", "U": "A", "G": "C", "C": "G"}
AMINO = "ACDEFGHIKLMNPQRSTVWY"


def _mutate(rng: random.Random, seq: str, positions: list[int], n: int, alphabet: str) -> str:
    letters = list(seq)
    for pos in rng.sample(positions, n):
        letters[pos] = rng.choice(alphabet)
    return "".join(letters)


def build_toy_rfam(directory: Path, seed: int = 5) -> tuple[Path, Path, dict[str, str]]:
    """Two hairpin families (toyA RF90001, toyB RF90002) in one clan; returns cm, clanin, family roots."""
    rng = random.Random(seed)
    roots: dict[str, str] = {}
    cms = []
    for name, accession in (("toyA", "RF90001"), ("toyB", "RF90002")):
        stem = "".join(rng.choice("ACGU") for _ in range(12))
        root = (
            "".join(rng.choice("ACGU") for _ in range(10)) + stem + "".join(rng.choice("ACGU") for _ in range(8))
            + "".join(COMPLEMENT[c] for c in reversed(stem)) + "".join(rng.choice("ACGU") for _ in range(10))
        )  # fmt: skip
        structure = "." * 10 + "<" * 12 + "." * 8 + ">" * 12 + "." * 10
        unpaired = list(range(10)) + list(range(22, 30)) + list(range(42, 52))
        members = [_mutate(rng, root, unpaired, 3, "ACGU") for _ in range(6)]
        sto = directory / f"{name}.sto"
        lines = ["# STOCKHOLM 1.0", f"#=GF ID {name}", f"#=GF AC {accession}", "#=GF GA 20.0"]
        lines += [f"{name}_{i} {s}" for i, s in enumerate(members)]
        lines += [f"#=GC SS_cons {structure}", "//", ""]
        sto.write_text("\n".join(lines))
        cm = directory / f"{name}.cm"
        subprocess.run([require_tool("cmbuild"), "-F", str(cm), str(sto)], check=True, capture_output=True)
        cms.append(cm.read_text())
        roots[accession] = root
    cm = directory / "Rfam.cm"
    cm.write_text("".join(cms))
    subprocess.run([require_tool("cmcalibrate"), "-L", "0.01", "--cpu", "1", str(cm)], check=True, capture_output=True)
    subprocess.run(["cmpress", "-F", str(cm)], check=True, capture_output=True)
    clanin = directory / "Rfam.clanin"
    clanin.write_text("CL99001\ttoyA\ttoyB\n")  # Rfam.clanin lists family *names*
    return cm, clanin, roots


def build_toy_pfam(directory: Path, press: bool, seed: int = 11) -> tuple[Path, Path, dict[str, str]]:
    """Three protein families: PF90001 and PF90002 in clan CL9001, PF90003 without a clan."""
    import pyhmmer
    from pyhmmer.easel import Alphabet, TextMSA, TextSequence
    from pyhmmer.plan7 import Background, Builder

    rng = random.Random(seed)
    alphabet = Alphabet.amino()
    builder, background = Builder(alphabet), Background(alphabet)
    hmms, roots = [], {}
    for accession, name in (("PF90001", "ToyKinase"), ("PF90002", "ToyBinder"), ("PF90003", "ToyLoner")):
        root = "".join(rng.choice(AMINO) for _ in range(80))
        members = [_mutate(rng, root, list(range(80)), 8, AMINO) for _ in range(8)]
        msa = TextMSA(
            name=name.encode(),
            sequences=[TextSequence(name=f"{name}_{i}".encode(), sequence=s) for i, s in enumerate(members)],
        ).digitize(alphabet)
        hmm, _, _ = builder.build_msa(msa, background)
        hmm.accession = f"{accession}.1".encode() if isinstance(hmm.name, bytes) else f"{accession}.1"
        hmm.cutoffs.gathering = (25.0, 25.0)
        hmms.append(hmm)
        roots[accession] = root
    path = directory / "Pfam-A.hmm"
    with open(path, "wb") as handle:
        for hmm in hmms:
            hmm.write(handle)
    if press:
        pyhmmer.hmmer.hmmpress(hmms, path)
    clans = directory / "Pfam-A.clans.tsv"
    clans.write_text(
        "PF90001\tCL9001\tToyClan\tToyKinase\tToy kinase\n"
        "PF90002\tCL9001\tToyClan\tToyBinder\tToy binder\n"
        "PF90003\t\t\tToyLoner\tToy family without clan\n"
    )
    return path, clans, roots
