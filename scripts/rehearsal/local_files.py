"""The local sources of the rehearsal: miRBase ``miRNA.dat`` and NONCODE's zipped FASTA, from the world."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

from scripts.rehearsal.world import World


def write_mirbase(world: World, path: Path) -> Path:
    """Hairpin ``k`` carries the mature accessions ``MIMAT<2k>`` (5p) and ``MIMAT<2k+1>`` (3p)."""
    lines: list[str] = []
    for k in range((world.counts["rna_mirbase"] + 1) // 2):
        if not world.found("mirbase", f"MI{k}", False):
            continue
        rng = random.Random(world._seed("hairpin", k))
        hairpin = "".join(rng.choices("acgu", k=rng.randint(70, 95)))
        name = f"syn-mir-{k}"
        lines += [f"ID   {name}      standard; RNA; SYN; {len(hairpin)} BP.", "XX",
                  f"AC   MI{k:07d};", "XX"]
        for arm, (start, end) in enumerate(((5, 26), (len(hairpin) - 26, len(hairpin) - 5))):
            lines += [f"FT   miRNA           {start}..{end}",
                      f'FT                   /accession="MIMAT{2 * k + arm:07d}"',
                      f'FT                   /product="{name}-{"5p" if arm == 0 else "3p"}"']
        lines.append(f"SQ   Sequence {len(hairpin)} BP;")
        lines += [f"     {hairpin[i:i + 60]}" for i in range(0, len(hairpin), 60)]
        lines.append("//")
    path.write_text("\n".join(lines) + "\n")
    return path


def write_noncode(world: World, path: Path) -> Path:
    """``NONHSAT<k>.1`` records (DNA letters) in a zip, as NONCODE ships them."""
    chunks: list[str] = []
    for k in range(world.counts["rna_noncode"]):
        key = f"NONHSAT{k:06d}.1"
        if not world.found("noncode", key, False):
            continue
        (length,) = world.isoform_lengths("noncode", key, False, n_max=1)
        seq = world.sequence("rna", f"noncode.{key}", length, length <= 1024).replace("U", "T")
        chunks.append(f">{key}\n" + "\n".join(seq[i:i + 80] for i in range(0, len(seq), 80)) + "\n")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("NONCODEv5_human.fa", "".join(chunks))
    return path
