"""``rnainteract build`` and ``rnainteract stage <name>``: the dataset pipeline under one build directory.

Every stage reads the outputs of earlier stages under the build directory and writes its own outputs
plus ``<build>/<stage>/<stage>_report.json/.md``. A stage is skipped while its stamp
(``<build>/<stage>/stage.json``) matches the fingerprint of its real inputs (its config section, the
files it names, the outputs of the stages it reads, the package version) and its outputs are still the
files it wrote; a deleted or rewritten output reruns it and everything downstream. ``--force`` reruns it.
After every stage the combined ``<build>/build_report.json/.md`` is rewritten.

The YAML config has ``build_dir`` (relative to the config file) and one section per stage; the keys of a
section are the fields of that stage's Config (see ``rnainteract stage <name> --help``), e.g.::

    build_dir: build
    ingest: {input: Download_data_RP.tar.gz, evidence: any}
    resolve: {sources: [{kind: table, path: sequences.tsv}, {kind: ncbi}]}
    positives: {max_length: 1024, interactor_limit: 150, interactor_limit_mode: drop}
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from rnainteract_builder.contract.errors import InputError, yaml_problem
from rnainteract_builder.contract.report import Report
from rnainteract_builder.dataset_stages import STAGES, get_stage
from rnainteract_builder.pipeline import runner
from rnainteract_builder.pipeline.context import BuildContext, StageSpec
from rnainteract_builder.pipeline.freshness import STAMP_FILE, read_stamp
from rnainteract_builder.pipeline.options import config_parameters, config_values
from rnainteract_builder.pipeline.runner import BUILD_REPORT, run_stage

__all__ = [
    "BUILD_REPORT", "STAGES", "STAMP_FILE", "BuildContext", "get_stage", "load_config", "read_stamp",
    "run_pipeline", "run_stage", "validate_config", "write_build_report",
]  # fmt: skip


def load_config(path: str | os.PathLike[str]) -> tuple[dict[str, Any], Path]:
    """Read a YAML build config; returns it and the folder relative paths refer to."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such build config")
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise InputError(f"{path}: not valid YAML ({yaml_problem(err)})") from err
    if not isinstance(config, dict):
        raise InputError(f"{path}: a build config is a mapping of stage sections")
    return config, path.resolve().parent


def validate_config(config: dict[str, Any]) -> dict[str, Any]:
    """Check every section (keys and value types) against its stage's Config; returns the Configs."""
    return runner.stage_configs(config, STAGES)


def run_pipeline(ctx: BuildContext, stages: Sequence[str] | None = None, force: bool = False) -> Report:
    """Run the named stages (default: every stage with a config section) in pipeline order."""
    return runner.run_pipeline(ctx, STAGES, stages, force=force)


def write_build_report(ctx: BuildContext) -> Report:
    return runner.write_build_report(ctx, STAGES)


def apply_settings(config: dict[str, Any], settings: Sequence[str]) -> None:
    """``stage.key=value`` overrides (``value`` read as YAML) applied to a loaded config."""
    import yaml

    for item in settings:
        target, sep, text = item.partition("=")
        stage, dot, key = target.partition(".")
        if not sep or not dot or not stage or not key:
            raise InputError(f"--set wants STAGE.KEY=VALUE, got {item!r}")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise InputError(f"--set {target}: not valid YAML ({yaml_problem(err)})") from err
        section = config.get(stage)
        config[stage] = {**(section if isinstance(section, dict) else {}), key: value}


def build_context(
    config_path: Path | None, build_dir: Path | None, quiet: bool, settings: Sequence[str] = ()
) -> BuildContext:
    config: dict[str, Any] = {}
    base_dir = Path.cwd()
    if config_path is not None:
        config, base_dir = load_config(config_path)
    apply_settings(config, settings)
    if build_dir is not None:
        directory = build_dir.resolve()
    elif config.get("build_dir"):
        directory = (base_dir / config["build_dir"]).resolve()
    else:
        directory = Path.cwd() / "build"
    return BuildContext(directory, config, base_dir, progress=not quiet)


# ---------------------------------------------------------------------------------------------- CLI

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML build config (one section per stage).")
]
BuildDirOption = Annotated[
    Path | None,
    typer.Option("--build-dir", "-b", help="Build directory (default: build_dir of the config, else ./build)."),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Rerun even if the outputs are up to date.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]


def build_command(
    config: ConfigOption = None,
    build_dir: BuildDirOption = None,
    stage: Annotated[
        list[str] | None, typer.Option("--stage", "-s", help="Run only these stages (repeatable), in pipeline order.")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override one config key: STAGE.KEY=VALUE (VALUE read as YAML; repeatable)."),
    ] = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run the pipeline: every stage with a section in the config (or the --stage ones), skipping fresh stages.

    Stages, in order: ingest, resolve, positives, annotate, negatives, split, embed, publish. The keys of
    each config section are the options of `rnainteract stage <name> --help`. Prints the build report path.
    """
    if config is None and not set_:
        raise InputError("rnainteract build needs --config (or --set STAGE.KEY=VALUE); see rnainteract build --help")
    ctx = build_context(config, build_dir, quiet, set_ or ())
    run_pipeline(ctx, stage or None, force=force)
    print(ctx.build_dir / f"{BUILD_REPORT}.md")


_COMMON = {"config": ConfigOption, "build_dir": BuildDirOption, "force": ForceOption, "quiet": QuietOption}
_COMMON_DEFAULTS = {"config": None, "build_dir": None, "force": False, "quiet": False}


def stage_command(stage: StageSpec) -> Any:
    """A command running one stage; its options are the fields of the stage's Config (overriding --config)."""
    options = config_parameters(stage.config)
    clash = {p.name for p in options} & set(_COMMON)
    if clash:
        raise ValueError(f"stage {stage.name}: Config fields {sorted(clash)} clash with the common options")

    def command(**given: Any) -> None:
        ctx = build_context(given.pop("config"), given.pop("build_dir"), given.pop("quiet"))
        force = given.pop("force")
        ctx.config[stage.name] = {**ctx.section(stage.name), **config_values(stage.config, given)}
        configs = validate_config(ctx.config)
        run_stage(ctx, stage, configs[stage.name], force=force)
        write_build_report(ctx)
        print(ctx.stage_dir(stage.name))

    common = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=_COMMON_DEFAULTS[name], annotation=tp)
        for name, tp in _COMMON.items()
    ]
    command.__signature__ = inspect.Signature(common + options)  # type: ignore[attr-defined]
    command.__doc__ = f"{stage.help}\n\nOptions override the --config section {stage.name!r}."
    command.__name__ = f"{stage.name}_command"
    return command


def stage_app() -> typer.Typer:
    """``rnainteract stage <name>``: one sub-command per registered stage."""
    from rnainteract_builder.contract.cli import new_app

    app = new_app("Run one stage of the build (options generated from the stage's config; see `rnainteract build`).")
    for stage in STAGES:
        command = stage_command(stage)
        app.command(stage.name, help=command.__doc__)(command)
    return app
