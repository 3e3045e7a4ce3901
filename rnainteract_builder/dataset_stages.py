"""The stages after ``positives`` in ``rnainteract build``: annotate -> negatives -> split.

Each stage only adapts a config section to the stage's own function (which stays usable on its own, from
Python or its own sub-command); :mod:`rnainteract_builder.build` runs them in order and skips what is up
to date. YAML sections (all keys optional)::

    annotate:
      rfam_cm: Rfam.cm                # with rfam_clanin; absent -> RNA families from sequence clusters
      rfam_clanin: Rfam.clanin
      pfam_hmm: Pfam-A.hmm            # with pfam_clans; absent -> protein clans from sequence clusters
      pfam_clans: Pfam-A.clans.tsv
      family_table: null              # precomputed id -> family table (TSV/Parquet), used first
      clan_table: null
      rna_cluster_identity: 0.5
      protein_cluster_identity: 0.5
      cluster_tool: mmseqs            # mmseqs | cd-hit
      threads: 1
    negatives:
      strategy: family                # family (informed, 2 per positive) | random
      seed: 0
    split:
      seed: 0
      test_fraction: 0.1
      validation_fraction: 0.1
      configs: [default, random, cold_protein]
      audit_method: auto              # leakage audit of the default split: auto | align | mmseqs
"""

from __future__ import annotations

from pathlib import Path

from rnainteract_builder.build import BuildContext, Stage, dataclass_from_section, register_stage
from rnainteract_builder.errors import InputError
from rnainteract_builder.report import Report

#: Split config name -> SplitConfig.kind. ``default`` is the paper's TRinter / TSfam family-disjoint split.
SPLIT_KINDS = {"default": "family", "random": "random", "cold_protein": "cold_protein"}
PAIRS_OUTPUTS = ("interactions.parquet", "rna_sequences.parquet", "protein_sequences.parquet")


def _annotate_paths(ctx: BuildContext) -> list[Path]:
    section = ctx.section("annotate")
    keys = ("rfam_cm", "rfam_clanin", "pfam_hmm", "pfam_clans", "family_table", "clan_table")
    return [ctx.path(section[k]) for k in keys if section.get(k)]


def run_annotate(ctx: BuildContext) -> Report:
    from rnainteract_builder.annotate.annotate import AnnotateConfig, annotate_dir

    section = ctx.section("annotate")
    for key in ("rfam_cm", "rfam_clanin", "pfam_hmm", "pfam_clans", "family_table", "clan_table"):
        if section.get(key):
            section[key] = ctx.path(section[key])
    section["work_dir"] = ctx.stage_dir("annotate") / "work"
    config = dataclass_from_section(AnnotateConfig, section)
    return annotate_dir(ctx.stage_dir("positives"), ctx.stage_dir("annotate"), config)


def run_negatives(ctx: BuildContext) -> Report:
    from rnainteract_builder.negatives import NegativesConfig, negatives_dir

    config = dataclass_from_section(NegativesConfig, ctx.section("negatives"))
    return negatives_dir(ctx.stage_dir("annotate"), ctx.stage_dir("negatives"), config)


def split_configs(ctx: BuildContext) -> list[str]:
    names = ctx.section("split").get("configs") or list(SPLIT_KINDS)
    unknown = [n for n in names if n not in SPLIT_KINDS]
    if unknown or "default" not in names:
        raise InputError(f"split.configs must include 'default' and only name {', '.join(SPLIT_KINDS)}; got {names}")
    return list(names)


def run_split(ctx: BuildContext) -> Report:
    """Write every split config, audit the default split for leakage and compute the paper's statistics."""
    from rnainteract_builder.leakage import audit_split
    from rnainteract_builder.splits import SplitConfig, split_dir
    from rnainteract_builder.stats import write_stats

    section = ctx.section("split")
    report = Report("split")
    for name in split_configs(ctx):
        config = SplitConfig(
            kind=SPLIT_KINDS[name],
            test_fraction=section.get("test_fraction", 0.1),
            validation_fraction=section.get("validation_fraction", 0.1),
            seed=section.get("seed", 0),
        )
        sub = split_dir(ctx.stage_dir("negatives"), ctx.stage_dir("split") / name, config)
        report.steps += [(f"{name}: {step}", rows) for step, rows in sub.steps]
        for step, counter in sub.drops.items():
            for reason, count in counter.items():
                report.drop(f"{name}: {step}", reason, count)
        report.facts.update({f"{name}: {k}": v for k, v in sub.facts.items()})
    audit = audit_split(ctx.stage_dir("split") / "default", method=section.get("audit_method", "auto"))
    report.facts["leakage audit (default split, RNA)"] = audit
    stats = write_stats(ctx.stage_dir("split") / "default", ctx.stage_dir("split") / "stats",
                        annotate_dir=ctx.stage_dir("annotate"))
    report.facts["table1"] = stats["table1"]
    return report


register_stage(
    Stage(
        "annotate",
        "Rfam families / Pfam clans (or precomputed tables), cluster pseudo-families for the rest.",
        run_annotate,
        outputs=PAIRS_OUTPUTS + ("rna_families.parquet", "protein_clans.parquet"),
        depends=("positives",),
        inputs=_annotate_paths,
        config_keys=frozenset({"rfam_cm", "rfam_clanin", "pfam_hmm", "pfam_clans", "family_table", "clan_table",
                               "rna_cluster_identity", "protein_cluster_identity", "cluster_tool", "threads"}),
    )
)
register_stage(
    Stage(
        "negatives",
        "Two informed negatives per positive (protein swap, RNA swap), seeded; or random pairing.",
        run_negatives,
        outputs=PAIRS_OUTPUTS,
        depends=("annotate",),
        config_keys=frozenset({"strategy", "seed", "random_per_positive", "keep_input_negatives"}),
    )
)
register_stage(
    Stage(
        "split",
        "TRinter / TSfam family-disjoint split (+ random and cold-protein configs), leakage audit, statistics.",
        run_split,
        outputs=("default/train.parquet", "default/validation.parquet", "default/test.parquet",
                 "stats/stats.json"),
        depends=("negatives",),
        config_keys=frozenset({"seed", "test_fraction", "validation_fraction", "configs", "audit_method"}),
    )
)
