"""The stages after ``positives`` in ``rnainteract build``: annotate -> negatives -> split -> embed -> publish.

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
      configs: [family, random, cold_protein]   # family = TRinter / TSfam, the default config
      audit_method: auto              # leakage audit of the family split: auto | align | mmseqs
    embed:
      models:                         # one embedding config per entry
        - {name: rnafm, molecule: rna}
        - {name: esm2_t30_150M, molecule: protein}
      device: auto
      dtype: null                     # bf16 on a GPU that has it, else fp32
      tokens_per_batch: 4096
      length_policy: reject           # the paper's policy for the dataset
    publish:
      version: 0.1.0
      shard_size_mb: 500
      repo_id: rnainteract/rnainteract
"""

from __future__ import annotations

from pathlib import Path

from rnainteract_builder.build import BuildContext, Stage, dataclass_from_section, register_stage
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.report import Report

#: Split kinds, written to ``split/<kind>/``; ``family`` (TRinter / TSfam) becomes the default config.
SPLIT_KINDS = ("family", "random", "cold_protein")
DEFAULT_SPLIT = "family"
#: Where the embed stage writes (one folder per molecule and model) and where publish writes the dataset.
EMBEDDINGS_DIR = "embeddings"
DATASET_DIR = "dataset"
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
    if unknown or DEFAULT_SPLIT not in names:
        raise InputError(f"split.configs must include {DEFAULT_SPLIT!r} and only name {', '.join(SPLIT_KINDS)}; "
                         f"got {names}")
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
            kind=name,
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
    family = ctx.stage_dir("split") / DEFAULT_SPLIT
    audit = audit_split(family, method=section.get("audit_method", "auto"))
    report.facts["leakage audit (family split, RNA)"] = audit
    stats = write_stats(family, ctx.stage_dir("split") / "stats",
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
        outputs=tuple(f"{DEFAULT_SPLIT}/{name}.parquet" for name in ("train", "validation", "test"))
        + ("stats/stats.json",),
        depends=("negatives",),
        config_keys=frozenset({"seed", "test_fraction", "validation_fraction", "configs", "audit_method"}),
    )
)


def embed_models(ctx: BuildContext) -> list[dict]:
    models = ctx.section("embed").get("models") or [
        {"name": "rnafm", "molecule": "rna"},
        {"name": "esm2_t30_150M", "molecule": "protein"},
    ]
    for entry in models:
        if not isinstance(entry, dict) or not entry.get("name") or entry.get("molecule") not in ("rna", "protein"):
            raise InputError(f"embed.models: each entry needs a name and a molecule (rna | protein), got {entry!r}")
    return models


def run_embed_stage(ctx: BuildContext) -> Report:
    """Embed every unique sequence of the splits once per model into ``<build>/embeddings/<molecule>_<model>/``
    (the folder ``publish`` reads; the stage's stamp and report stay in ``<build>/embed/``)."""
    from rnainteract_builder.embed.stage import EmbedConfig, run_embed

    section = ctx.section("embed")
    report = Report("embed")
    for entry in embed_models(ctx):
        options = {k: v for k, v in section.items() if k != "models" and v is not None}
        if options.get("checkpoint"):
            options["checkpoint"] = ctx.path(options["checkpoint"])
        config = EmbedConfig(
            inputs=[ctx.stage_dir("split") / DEFAULT_SPLIT],
            output=ctx.build_dir / EMBEDDINGS_DIR / f"{entry['molecule']}_{entry['name']}",
            model=entry["name"],
            molecule=entry["molecule"],
            progress=ctx.progress,
            **{k: v for k, v in {**options, **entry}.items() if k not in ("name", "molecule")},
        )
        result = run_embed(config)
        report.facts[f"{entry['molecule']} {entry['name']}"] = str(config.output)
        for step, counter in result.report.drops.items():
            for reason, count in counter.items():
                report.drop(f"{entry['molecule']} {entry['name']}: {step}", reason, count)
    return report


def run_publish_stage(ctx: BuildContext) -> Report:
    from rnainteract_builder.publish import PublishConfig, run_publish

    section = ctx.section("publish")
    config = PublishConfig(
        build_dir=ctx.build_dir,
        output=ctx.build_dir / DATASET_DIR,
        version=str(section.get("version", "0.1.0")),
        shard_bytes=int(section.get("shard_size_mb", 500)) * 1_000_000,
        external={name: ctx.path(path) for name, path in (section.get("external") or {}).items()},
        repo_id=section.get("repo_id", "rnainteract/rnainteract"),
        progress=ctx.progress,
    )
    result = run_publish(config)
    result.report.facts["published folder"] = str(result.output)
    return result.report


register_stage(
    Stage(
        "embed",
        "Per-residue embeddings (RNA-FM, ESM-2, ...) of every unique sequence, once per model; resumable.",
        run_embed_stage,
        outputs=(),
        depends=("split",),
        config_keys=frozenset({"models", "device", "dtype", "tokens_per_batch", "length_policy", "overlap",
                               "checkpoint", "download"}),
    )
)
register_stage(
    Stage(
        "publish",
        "The Hugging Face dataset folder: Parquet shards per config and split, manifest.json, dataset card.",
        run_publish_stage,
        outputs=(f"../{DATASET_DIR}/manifest.json", f"../{DATASET_DIR}/README.md"),
        depends=("split",),
        config_keys=frozenset({"version", "shard_size_mb", "external", "repo_id"}),
    )
)
