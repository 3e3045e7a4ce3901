"""Stage ``embed``: per-residue embeddings of every unique sequence of the splits, once per model.

Writes ``<build>/embeddings/<molecule>_<model>/`` (the folders ``publish`` reads); the stamp and report
stay in ``<build>/embed/``. Each model folder is a declared output, so deleting one reruns the stage.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.report import Report
from rnainteract_builder.pipeline.context import DEFAULT_SPLIT, EMBEDDINGS_DIR, BuildContext, StageSpec
from rnainteract_builder.pipeline.options import HELP
from rnainteract_builder.pipeline.stages import split

NAME = "embed"
DEFAULT_MODELS = ({"name": "rnafm", "molecule": "rna"}, {"name": "esm2_t30_150M", "molecule": "protein"})


@dataclass(frozen=True)
class Config:
    models: tuple[dict[str, Any], ...] = field(
        default=DEFAULT_MODELS,
        metadata=HELP("One embedding config per entry: {name: rnafm|esm2_*|onehot|random, molecule: rna|protein}, "
                      "plus any option below to override it for that model."),
    )  # fmt: skip
    device: str = field(default="auto", metadata=HELP("auto (the accelerate process's device), cpu, cuda, cuda:1 ..."))
    dtype: Literal["bf16", "fp16", "fp32"] | None = field(
        default=None, metadata=HELP("Compute dtype (default bf16 on a GPU that has it, else fp32).")
    )
    tokens_per_batch: int = field(default=4096, metadata=HELP("Padded tokens per model call (incl. BOS/EOS)."))
    length_policy: Literal["reject", "truncate", "chunk"] = field(
        default="reject", metadata=HELP("reject (drop and count), truncate, or chunk (overlapping windows).")
    )
    overlap: int = field(default=128, metadata=HELP("Residues shared by neighbouring windows (chunk)."))
    checkpoint: Path | None = field(default=None, metadata=HELP("A local checkpoint file instead of the cache."))
    download: bool = field(default=False, metadata=HELP("Download missing weights (needs internet)."))

    def __post_init__(self) -> None:
        for entry in self.models:
            if not entry.get("name") or entry.get("molecule") not in ("rna", "protein"):
                raise InputError(f"embed.models: each entry needs a name and a molecule (rna | protein), got {entry!r}")


def model_dir(entry: dict[str, Any]) -> str:
    return f"{EMBEDDINGS_DIR}/{entry['molecule']}_{entry['name']}"


def embed_configs(ctx: BuildContext, config: Config) -> dict[str, Any]:
    """One engine config per model, keyed by its folder name (e.g. ``rna_rnafm``)."""
    from rnainteract_builder.embed.stage import EmbedConfig

    options: dict[str, Any] = {k: v for k, v in config.__dict__.items() if k != "models" and v is not None}
    if config.checkpoint:
        options["checkpoint"] = ctx.path(config.checkpoint)
    folders = [model_dir(entry) for entry in config.models]
    if len(set(folders)) < len(folders):
        raise InputError(f"embed.models: a model is listed twice ({', '.join(folders)})")
    return {
        model_dir(entry).rsplit("/", 1)[-1]: EmbedConfig(
            inputs=[ctx.stage_dir(split.NAME) / DEFAULT_SPLIT],
            output=ctx.build_dir / model_dir(entry),
            model=entry["name"],
            molecule=entry["molecule"],
            progress=ctx.progress,
            **{k: v for k, v in {**options, **entry}.items() if k not in ("name", "molecule")},
        )
        for entry in config.models
    }


def run(ctx: BuildContext, config: Config) -> Report:
    from rnainteract_builder.embed.stage import run_embed

    report = Report("embed")
    for entry, embed_config in zip(config.models, embed_configs(ctx, config).values(), strict=True):
        result = run_embed(embed_config)
        report.facts[f"{entry['molecule']} {entry['name']}"] = str(embed_config.output)
        report.absorb(result.report, f"{entry['molecule']} {entry['name']}")
    return report


# Parts (the Snakemake workflow): ``run_part`` per model and part writes that part's shards straight into
# the model's folder (shard k belongs to part k mod n) plus a small record; the stage run that follows
# finds every shard complete and only verifies them and writes the manifests.
PART_FILE = NAME + "/parts/{model}/part-{part}-of-{parts}.json"


def _embed_config(ctx: BuildContext, config: Config, model: str) -> Any:
    configs = embed_configs(ctx, config)
    if model not in configs:
        raise InputError(f"embed: no model {model!r} in the config (models: {', '.join(configs)})")
    return configs[model]


def run_part(ctx: BuildContext, config: Config, model: str, part: int, parts: int) -> dict[str, Any]:
    """Embed part ``part`` of ``parts`` of one model's shards; returns (and writes) the part's record."""
    from rnainteract_builder.contract.io import write_text_atomic
    from rnainteract_builder.embed.stage import run_embed

    embed_config = replace(_embed_config(ctx, config, model), part=part, parts=parts)
    result = run_embed(embed_config)
    # embedded / reused: shards of the main process (all of the part when it runs as one process)
    record = {"model": model, "part": part, "parts": parts, "fingerprint": result.fingerprint,
              "dtype": result.dtype, "embedded": result.embedded, "reused": result.reused}  # fmt: skip
    path = ctx.build_dir / PART_FILE.format(model=model, part=part, parts=parts)
    if int(os.environ.get("RANK", "0")) == 0:  # one writer under accelerate launch
        write_text_atomic(path, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


def check_parts(ctx: BuildContext, config: Config, parts: int) -> None:
    """Before the stage run that merges the parts: it must resolve the dtype the parts used, or it would
    find their shards made with other settings and embed everything again on this node."""
    from rnainteract_builder.embed.stage import resolved_dtype

    for model, embed_config in embed_configs(ctx, config).items():
        here = resolved_dtype(embed_config)
        for part in range(parts):
            path = ctx.build_dir / PART_FILE.format(model=model, part=part, parts=parts)
            try:
                used = json.loads(path.read_text(encoding="utf-8"))["dtype"]
            except (OSError, ValueError, KeyError) as err:
                raise InputError(f"{path}: missing or unreadable embed part record ({err}); rerun that part") from err
            if used != here:
                raise InputError(
                    f"{path}: part embedded in {used} but this node resolves {here}; run the merge on the "
                    f"same kind of node as the parts or set embed.dtype: {used} in the config"
                )


STAGE = StageSpec(
    NAME,
    "Per-residue embeddings (RNA-FM, ESM-2, ...) of every unique sequence, once per model; resumable.",
    Config,
    run,
    outputs=lambda config: tuple(model_dir(entry) for entry in config.models),
    depends=(split.NAME,),
)
