"""Stage ``embed``: per-residue embeddings of every unique sequence of the splits, once per model.

Writes ``<build>/embeddings/<molecule>_<model>/`` (the folders ``publish`` reads); the stamp and report
stay in ``<build>/embed/``. Each model folder is a declared output, so deleting one reruns the stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


def run(ctx: BuildContext, config: Config) -> Report:
    from rnainteract_builder.embed.stage import EmbedConfig, run_embed

    report = Report("embed")
    options: dict[str, Any] = {k: v for k, v in config.__dict__.items() if k != "models" and v is not None}
    if config.checkpoint:
        options["checkpoint"] = ctx.path(config.checkpoint)
    for entry in config.models:
        embed_config = EmbedConfig(
            inputs=[ctx.stage_dir(split.NAME) / DEFAULT_SPLIT],
            output=ctx.build_dir / model_dir(entry),
            model=entry["name"],
            molecule=entry["molecule"],
            progress=ctx.progress,
            **{k: v for k, v in {**options, **entry}.items() if k not in ("name", "molecule")},
        )
        result = run_embed(embed_config)
        report.facts[f"{entry['molecule']} {entry['name']}"] = str(embed_config.output)
        report.absorb(result.report, f"{entry['molecule']} {entry['name']}")
    return report


STAGE = StageSpec(
    NAME,
    "Per-residue embeddings (RNA-FM, ESM-2, ...) of every unique sequence, once per model; resumable.",
    Config,
    run,
    outputs=lambda config: tuple(model_dir(entry) for entry in config.models),
    depends=(split.NAME,),
)
