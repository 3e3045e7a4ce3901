"""``rnainteract build``: the dataset pipeline as an ordered list of resumable stages.

Every stage reads the folders of earlier stages under one build directory and writes its own
``<build>/<stage>/`` folder plus ``<stage>_report.json/.md``. A stage is skipped when its stamp
(``<build>/<stage>/stage.json``) records the same fingerprint - its config section, the size and mtime of
its external input files, the fingerprints of the stages it reads and the package version - and all
its outputs exist. ``--force`` reruns it. After every stage the combined ``<build>/build_report.json/.md``
is rewritten.

Later stages (annotate, negatives, split, embed, publish) are appended with :func:`register_stage`; the
YAML config has one section per stage name::

    build_dir: build                 # relative to the config file
    ingest:
      input: Download_data_RP.tar.gz
      evidence: any                  # strong | weak | any
      drop_prediction_only: false
      min_score: null
      species: null                  # e.g. [Homo sapiens, Mus musculus]
      rna_categories: null           # null = the default ncRNA whitelist
      protein_categories: null       # null = RBP, TF, protein
    resolve:
      max_length: 1024
      cache: null                    # default <build>/resolve/cache.sqlite
      sources:
        - {kind: table, path: sequences.tsv}
        - {kind: ncbi}
      retry: {attempts: 6, initial_wait: 1.0, max_wait: 60.0, timeout: 60.0}
    positives:
      max_length: 1024
      letter_policy: reject          # reject | replace
      interactor_limit: 150
      interactor_limit_mode: drop    # drop | cap
      seed: 0
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated, Any

import typer

from rnainteract_builder import __version__
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import write_text_atomic
from rnainteract_builder.contract.report import Report

log = logging.getLogger(__name__)

STAMP_FILE = "stage.json"
BUILD_REPORT = "build_report"


@dataclass
class BuildContext:
    """Where a build lives and its whole config (one section per stage)."""

    build_dir: Path
    config: dict[str, Any] = field(default_factory=dict)
    #: Folder that relative paths in the config are relative to.
    base_dir: Path = field(default_factory=Path.cwd)
    progress: bool = True

    def stage_dir(self, name: str) -> Path:
        return self.build_dir / name

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.config.get(name) or {})

    def path(self, value: str | os.PathLike[str]) -> Path:
        path = Path(value)
        return path if path.is_absolute() else self.base_dir / path


@dataclass(frozen=True)
class Stage:
    """One pipeline step. ``run`` does the work and returns its report; the rest drives skipping."""

    name: str
    help: str
    run: Callable[[BuildContext], Report]
    #: Output files, relative to the stage folder (all must exist for the stage to count as done).
    outputs: tuple[str, ...]
    #: Earlier stages whose outputs this stage reads.
    depends: tuple[str, ...] = ()
    #: External input files named by the config (their size and mtime enter the fingerprint).
    inputs: Callable[[BuildContext], list[Path]] = lambda ctx: []
    #: Keys allowed in the config section (checked before anything runs).
    config_keys: frozenset[str] = frozenset()


STAGES: list[Stage] = []


def register_stage(stage: Stage) -> None:
    """Append a stage to the pipeline (stages run in registration order)."""
    if any(s.name == stage.name for s in STAGES):
        raise ValueError(f"stage {stage.name!r} is already registered")
    STAGES.append(stage)


def get_stage(name: str) -> Stage:
    for stage in STAGES:
        if stage.name == name:
            return stage
    raise InputError(f"unknown stage {name!r} (stages: {', '.join(s.name for s in STAGES)})")


# ---------------------------------------------------------------------------------------------- config


def load_config(path: str | os.PathLike[str]) -> tuple[dict[str, Any], Path]:
    """Read a YAML build config; returns it and the folder relative paths refer to."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such build config")
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise InputError(f"{path}: not valid YAML ({err})") from err
    if not isinstance(config, dict):
        raise InputError(f"{path}: a build config is a mapping of stage sections")
    return config, path.resolve().parent


def validate_config(config: Mapping[str, Any]) -> None:
    known = {s.name for s in STAGES} | {"build_dir"}
    unknown = sorted(set(config) - known)
    if unknown:
        raise InputError(f"build config: unknown sections {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    for stage in STAGES:
        section = config.get(stage.name) or {}
        if not isinstance(section, dict):
            raise InputError(f"build config: section {stage.name!r} must be a mapping")
        bad = sorted(set(section) - stage.config_keys)
        if bad:
            raise InputError(
                f"build config: unknown keys in {stage.name!r}: {', '.join(bad)} "
                f"(allowed: {', '.join(sorted(stage.config_keys))})"
            )


def dataclass_from_section(cls: type, section: Mapping[str, Any], skip: Sequence[str] = ()) -> Any:
    """Build a config dataclass from a section; ``None`` values fall back to the dataclass defaults."""
    kwargs = {}
    for f in fields(cls):
        value = section.get(f.name)
        if f.name in skip or value is None:
            continue
        kwargs[f.name] = tuple(value) if isinstance(value, list) else value
    try:
        return cls(**kwargs)
    except TypeError as err:
        raise InputError(f"build config: {err}") from err


# ---------------------------------------------------------------------------------------------- running


def _file_fingerprint(path: Path) -> list[Any]:
    if not path.exists():
        raise InputError(f"{path}: input file does not exist")
    stat = path.stat()
    return [str(path.resolve()), stat.st_size, stat.st_mtime_ns]


def read_stamp(ctx: BuildContext, name: str) -> dict[str, Any] | None:
    path = ctx.stage_dir(name) / STAMP_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def fingerprint(ctx: BuildContext, stage: Stage) -> str:
    upstream = {}
    for dep in stage.depends:
        stamp = read_stamp(ctx, dep)
        if stamp is None:
            raise InputError(f"stage {stage.name!r} needs stage {dep!r} first (no {ctx.stage_dir(dep) / STAMP_FILE})")
        upstream[dep] = stamp["fingerprint"]
    material = {
        "stage": stage.name,
        "version": __version__,
        "config": ctx.section(stage.name),
        "inputs": [_file_fingerprint(p) for p in stage.inputs(ctx)],
        "upstream": upstream,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def is_up_to_date(ctx: BuildContext, stage: Stage) -> bool:
    stamp = read_stamp(ctx, stage.name)
    if stamp is None or stamp.get("fingerprint") != fingerprint(ctx, stage):
        return False
    return all((ctx.stage_dir(stage.name) / out).exists() for out in stage.outputs)


def run_stage(ctx: BuildContext, stage: Stage, force: bool = False) -> tuple[Report, bool]:
    """Run one stage unless up to date; returns its report and whether it ran."""
    validate_config(ctx.config)
    stage_dir = ctx.stage_dir(stage.name)
    if not force and is_up_to_date(ctx, stage):
        log.info("stage %s is up to date (use --force to rerun)", stage.name)
        return load_report(stage_dir / f"{stage.name}_report.json"), False
    fp = fingerprint(ctx, stage)
    (stage_dir / STAMP_FILE).unlink(missing_ok=True)  # a crash from here on leaves the stage "not done"
    log.info("stage %s: running", stage.name)
    report = stage.run(ctx)
    report.write(stage_dir / f"{stage.name}_report")
    stamp = {"stage": stage.name, "fingerprint": fp, "outputs": list(stage.outputs), "version": __version__}
    write_text_atomic(stage_dir / STAMP_FILE, json.dumps(stamp, indent=2) + "\n")
    return report, True


def run_pipeline(ctx: BuildContext, stages: Sequence[str] | None = None, force: bool = False) -> Report:
    """Run the chosen stages (default: every registered stage whose config section is present) in order,
    rewriting the combined build report after each."""
    validate_config(ctx.config)
    chosen = [get_stage(n) for n in stages] if stages else [s for s in STAGES if s.name in ctx.config]
    if not chosen:
        raise InputError("nothing to build: the config has no stage sections and no --stage was given")
    chosen.sort(key=STAGES.index)
    for stage in chosen:
        run_stage(ctx, stage, force=force)
        combined = write_build_report(ctx)
    return combined


def load_report(path: Path) -> Report:
    data = json.loads(path.read_text(encoding="utf-8"))
    report = Report(data["title"])
    report.steps = [(s["step"], s["rows"]) for s in data["steps"]]
    for step, reasons in data["drops"].items():
        for reason, count in reasons.items():
            report.drop(step, reason, count)
    report.examples = data.get("examples", {})
    report.facts = data.get("facts", {})
    return report


def write_build_report(ctx: BuildContext) -> Report:
    """Combine the reports of every finished stage into ``<build>/build_report.json/.md``."""
    combined = Report("RNAInterAct build")
    for stage in STAGES:
        path = ctx.stage_dir(stage.name) / f"{stage.name}_report.json"
        if not path.exists():
            continue
        report = load_report(path)
        combined.steps += [(f"{stage.name}: {name}", rows) for name, rows in report.steps]
        for step, counter in report.drops.items():
            for reason, count in counter.items():
                combined.drop(f"{stage.name}: {step}", reason, count)
        combined.examples.update({f"{stage.name}: {k}": v for k, v in report.examples.items()})
        combined.facts.update({f"{stage.name}: {k}": v for k, v in report.facts.items()})
    combined.write(ctx.build_dir / BUILD_REPORT)
    return combined


# ---------------------------------------------------------------------------------------------- stages


INGESTED_FILE = "rnainter.parquet"


def _ingest_config(ctx: BuildContext) -> Any:
    from rnainteract_builder.ingest import IngestConfig

    return dataclass_from_section(IngestConfig, ctx.section("ingest"), skip=("block_size",))


def _ingest_input(ctx: BuildContext) -> Path:
    value = ctx.section("ingest").get("input")
    if not value:
        raise InputError("stage ingest: no input file (ingest.input in the config, or --input)")
    return ctx.path(value)


def run_ingest(ctx: BuildContext) -> Report:
    from rnainteract_builder.ingest import ingest_rnainter

    report = Report("ingest RNAInter")
    config = _ingest_config(ctx)
    source = _ingest_input(ctx)
    ingest_rnainter(source, ctx.stage_dir("ingest") / INGESTED_FILE, config, report, progress=ctx.progress)
    report.facts["input"] = str(source)
    report.facts["filters"] = {
        "rna_categories": list(config.rna_categories),
        "protein_categories": list(config.protein_categories),
        "species": list(config.species) if config.species else None,
        "min_score": config.min_score,
        "evidence": config.evidence,
        "drop_prediction_only": config.drop_prediction_only,
    }
    return report


def _resolve_sources(ctx: BuildContext) -> list[dict[str, Any]]:
    sources = ctx.section("resolve").get("sources") or []
    if not isinstance(sources, list) or not sources:
        raise InputError("stage resolve: no sequence sources (resolve.sources in the config, or --table/--fasta/...)")
    return [dict(s) for s in sources]


def _resolve_inputs(ctx: BuildContext) -> list[Path]:
    return [ctx.path(s["path"]) for s in _resolve_sources(ctx) if s.get("path")]


def run_resolve(ctx: BuildContext) -> Report:
    from rnainteract_builder.resolve.http import RetryPolicy
    from rnainteract_builder.resolve.sources import build_resolvers
    from rnainteract_builder.resolve.stage import resolve_stage

    section = ctx.section("resolve")
    stage_dir = ctx.stage_dir("resolve")
    cache_path = ctx.path(section["cache"]) if section.get("cache") else stage_dir / "cache.sqlite"
    retry = dataclass_from_section(RetryPolicy, section.get("retry") or {})
    max_length = section.get("max_length", 1024)
    resolvers, cache = build_resolvers(
        _resolve_sources(ctx), cache_path, max_length, retry, ctx.base_dir, progress=ctx.progress
    )
    report = Report("resolve sequences")
    try:
        resolve_stage(ctx.stage_dir("ingest") / INGESTED_FILE, stage_dir, resolvers, report)
    finally:
        for resolver in resolvers:
            resolver.close()
        if cache is not None:
            cache.close()
    report.facts["sources"] = [s.get("kind") for s in _resolve_sources(ctx)]
    return report


def run_positives(ctx: BuildContext) -> Report:
    from rnainteract_builder.positives import PositivesConfig, build_positives
    from rnainteract_builder.resolve.stage import RESOLVED_FILES

    config = dataclass_from_section(PositivesConfig, ctx.section("positives"))
    report = Report("clean and select positives")
    resolved = ctx.stage_dir("resolve")
    positives = build_positives(
        ctx.stage_dir("ingest") / INGESTED_FILE,
        resolved / RESOLVED_FILES["rna"],
        resolved / RESOLVED_FILES["protein"],
        config,
        report,
    )
    positives.write(ctx.stage_dir("positives"))
    report.facts["parameters"] = {
        "max_length": config.max_length,
        "letter_policy": config.letter_policy,
        "interactor_limit": config.interactor_limit,
        "interactor_limit_mode": config.interactor_limit_mode,
        "seed": config.seed,
    }
    return report


register_stage(
    Stage(
        "ingest",
        "Stream RNAInter's RNA-protein file through the filters into ingest/rnainter.parquet.",
        run_ingest,
        outputs=(INGESTED_FILE,),
        inputs=lambda ctx: [_ingest_input(ctx)],
        config_keys=frozenset(
            {"input", "rna_categories", "protein_categories", "species", "min_score", "evidence",
             "drop_prediction_only", "tar_member", "threads", "memory_limit"}
        ),
    )
)
register_stage(
    Stage(
        "resolve",
        "Find a sequence for every unique RNA and protein raw id (offline files first, then online services).",
        run_resolve,
        outputs=("rna_resolved.parquet", "protein_resolved.parquet"),
        depends=("ingest",),
        inputs=_resolve_inputs,
        config_keys=frozenset({"sources", "cache", "max_length", "retry"}),
    )
)
register_stage(
    Stage(
        "positives",
        "Normalise, filter by length, dedupe and apply the interactor limit: the positives pairs folder.",
        run_positives,
        outputs=("interactions.parquet", "rna_sequences.parquet", "protein_sequences.parquet"),
        depends=("resolve",),
        config_keys=frozenset({"max_length", "letter_policy", "interactor_limit", "interactor_limit_mode", "seed"}),
    )
)


# The stages after positives (annotate, negatives, split, ...) register themselves on import.
from rnainteract_builder import dataset_stages  # noqa: E402,F401

# ---------------------------------------------------------------------------------------------- CLI

app = typer.Typer(
    help=(
        "Build the dataset stage by stage under one build directory.\n\n"
        "`rnainteract build --config rnainteract.yaml` runs every stage that has a section in the config "
        "(skipping stages whose outputs are up to date); `rnainteract build <stage> ...` runs one stage, "
        "with options that override the config. Stages: "
        + ", ".join(f"{s.name}" for s in STAGES)
        + "."
    ),
    no_args_is_help=False,
    invoke_without_command=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML build config (one section per stage).")
]
BuildDirOption = Annotated[
    Path | None,
    typer.Option("--build-dir", "-b", help="Build directory (default: build_dir of the config, else ./build)."),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Rerun even if the outputs are up to date.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]


def _context(config_path: Path | None, build_dir: Path | None, quiet: bool) -> BuildContext:
    config: dict[str, Any] = {}
    base_dir = Path.cwd()
    if config_path is not None:
        config, base_dir = load_config(config_path)
    if build_dir is not None:
        directory = build_dir.resolve()
    elif config.get("build_dir"):
        directory = (base_dir / config["build_dir"]).resolve()
    else:
        directory = Path.cwd() / "build"
    return BuildContext(directory, config, base_dir, progress=not quiet)


def _override(ctx: BuildContext, stage: str, values: Mapping[str, Any]) -> None:
    section = ctx.section(stage)
    section.update({k: v for k, v in values.items() if v is not None})
    ctx.config[stage] = section


def _finish(ctx: BuildContext, stage: str, force: bool) -> None:
    _, ran = run_stage(ctx, get_stage(stage), force=force)
    write_build_report(ctx)
    print(ctx.stage_dir(stage))
    if not ran:
        log.info("%s: up to date, nothing done", stage)


@app.callback()
def build_command(
    typer_ctx: typer.Context,
    config: ConfigOption = None,
    build_dir: BuildDirOption = None,
    stage: Annotated[
        list[str] | None, typer.Option("--stage", "-s", help="Run only these stages (repeatable), in pipeline order.")
    ] = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run the pipeline from a YAML config, or one stage with a sub-command."""
    if typer_ctx.invoked_subcommand is not None:
        return
    if config is None:
        print(typer_ctx.get_help())
        raise typer.Exit(0)
    ctx = _context(config, build_dir, quiet)
    run_pipeline(ctx, stage or None, force=force)
    print(ctx.build_dir / f"{BUILD_REPORT}.md")


@app.command("ingest")
def ingest_command(
    input: Annotated[
        Path | None, typer.Option("--input", "-i", help="Download_data_RP.txt, .txt.gz or the original .tar.gz.")
    ] = None,
    config: ConfigOption = None,
    build_dir: BuildDirOption = None,
    rna_category: Annotated[
        list[str] | None,
        typer.Option(help="RNA categories to keep (repeatable; default: ncRNA classes, no mRNA/unknown)."),
    ] = None,
    protein_category: Annotated[
        list[str] | None, typer.Option(help="Protein categories to keep (repeatable; default RBP, TF, protein).")
    ] = None,
    species: Annotated[
        list[str] | None, typer.Option(help="Keep rows whose RNA and protein species are both listed (repeatable).")
    ] = None,
    min_score: Annotated[float | None, typer.Option(help="Minimum RNAInter score (0-1).")] = None,
    evidence: Annotated[
        str | None,
        typer.Option(help="strong: a strong method listed; weak: strong or weak listed; any: no filter (default)."),
    ] = None,
    drop_prediction_only: Annotated[
        bool | None,
        typer.Option("--drop-prediction-only/--keep-prediction-only", help="Drop rows with prediction-only evidence."),
    ] = None,
    tar_member: Annotated[str | None, typer.Option(help="Member of a .tar.gz to read (default: the .txt).")] = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Stage ingest: stream RNAInter through the filters into <build>/ingest/rnainter.parquet."""
    ctx = _context(config, build_dir, quiet)
    _override(ctx, "ingest", {
        "input": str(input.resolve()) if input else None, "rna_categories": rna_category or None,
        "protein_categories": protein_category or None, "species": species or None, "min_score": min_score,
        "evidence": evidence, "drop_prediction_only": drop_prediction_only, "tar_member": tar_member,
    })
    _finish(ctx, "ingest", force)


@app.command("resolve")
def resolve_command(
    config: ConfigOption = None,
    build_dir: BuildDirOption = None,
    table: Annotated[list[Path] | None, typer.Option(help="TSV/Parquet with raw_id and sequence (repeatable).")] = None,
    fasta: Annotated[list[Path] | None, typer.Option(help="FASTA whose header is the raw id (repeatable).")] = None,
    mirbase: Annotated[Path | None, typer.Option(help="miRBase miRNA.dat for miRBase:<id> raw ids.")] = None,
    noncode: Annotated[Path | None, typer.Option(help="NONCODE FASTA for NONCODE:<id> raw ids.")] = None,
    online: Annotated[
        list[str] | None,
        typer.Option(help="Online services to ask after the files: ncbi, uniprot, ensembl (repeatable)."),
    ] = None,
    ncbi_url: Annotated[str | None, typer.Option(help="E-utilities base URL (for mirrors / tests).")] = None,
    uniprot_url: Annotated[str | None, typer.Option(help="UniProt REST base URL.")] = None,
    ensembl_url: Annotated[str | None, typer.Option(help="Ensembl REST base URL.")] = None,
    cache: Annotated[Path | None, typer.Option(help="SQLite cache (default <build>/resolve/cache.sqlite).")] = None,
    max_length: Annotated[
        int | None, typer.Option(help="Length cut-off used to choose one transcript / isoform per gene (1024).")
    ] = None,
    retries: Annotated[int | None, typer.Option(help="Attempts per request before giving up (6).")] = None,
    backoff: Annotated[float | None, typer.Option(help="First back-off in seconds, doubling (1.0).")] = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Stage resolve: a sequence for every unique raw id (files first, then online; cached, resumable).

    NCBI's API key is read from NCBI_API_KEY (10 requests/s instead of 3); NCBI_EMAIL is sent as email.
    """
    ctx = _context(config, build_dir, quiet)
    sources: list[dict[str, Any]] = []
    sources += [{"kind": "table", "path": str(p.resolve())} for p in table or []]
    sources += [{"kind": "fasta", "path": str(p.resolve())} for p in fasta or []]
    if mirbase:
        sources.append({"kind": "mirbase", "path": str(mirbase.resolve())})
    if noncode:
        sources.append({"kind": "noncode", "path": str(noncode.resolve())})
    urls = {"ncbi": ncbi_url, "uniprot": uniprot_url, "ensembl": ensembl_url}
    for kind in online or []:
        if kind not in urls:
            raise InputError(f"--online: unknown service {kind!r} (ncbi, uniprot, ensembl)")
        sources.append({"kind": kind, **({"base_url": urls[kind]} if urls[kind] else {})})
    retry = {k: v for k, v in {"attempts": retries, "initial_wait": backoff}.items() if v is not None}
    _override(ctx, "resolve", {
        "sources": sources or None, "cache": str(cache.resolve()) if cache else None,
        "max_length": max_length, "retry": {**(ctx.section("resolve").get("retry") or {}), **retry} or None,
    })
    _finish(ctx, "resolve", force)


@app.command("positives")
def positives_command(
    config: ConfigOption = None,
    build_dir: BuildDirOption = None,
    max_length: Annotated[int | None, typer.Option(help="Longest RNA and protein kept (1024).")] = None,
    letter_policy: Annotated[
        str | None, typer.Option(help="reject (default) or replace non-standard letters by N / X.")
    ] = None,
    interactor_limit: Annotated[int | None, typer.Option(help="Interactor limit (150).")] = None,
    interactor_limit_mode: Annotated[
        str | None,
        typer.Option(help="drop (default, paper): remove interactors with >= limit pairs; cap: keep a seeded sample."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the cap-mode sample (0).")] = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Stage positives: the cleaned positives pairs folder <build>/positives/."""
    ctx = _context(config, build_dir, quiet)
    _override(ctx, "positives", {
        "max_length": max_length, "letter_policy": letter_policy, "interactor_limit": interactor_limit,
        "interactor_limit_mode": interactor_limit_mode, "seed": seed,
    })
    _finish(ctx, "positives", force)
