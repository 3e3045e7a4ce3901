"""Render the RNAInterAct dataset card (README.md): YAML metadata built in Python, prose from a template.

The YAML block is what the Hub and ``datasets.load_dataset`` read: ``configs`` (data files per split,
``interactions`` the default), ``dataset_info`` (features - ``label`` a ClassLabel, embeddings as
``length x dim`` float16 lists - and split sizes), the licence and the search metadata. It is built as a
dict and dumped with PyYAML rather than templated, so it is always valid YAML; the Jinja2 template only
writes the prose sections.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2
import yaml

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.templates import markdown_templates

LICENSE_NAME = "rnainter-terms"
LICENSE_LINK = "http://www.rnainter.org/"
#: Why ``license: other``: RNAInter's data are free for non-commercial use with citation, which no SPDX
#: licence expresses; the Hub wants ``license_name`` / ``license_link`` for such a licence.
LICENSE_NOTE = (
    "Derived from RNAInter v4, whose data are free for academic / non-commercial use provided RNAInter is "
    "cited. Commercial use needs permission from the RNAInter authors. The builder code is Apache-2.0."
)
TASK_CATEGORIES = ["tabular-classification", "feature-extraction"]
TAGS = [
    "biology",
    "bioinformatics",
    "rna",
    "protein",
    "rna-protein-interaction",
    "ncrna",
    "embeddings",
]
#: Model-name prefix -> Hub tag; a tag is added only when the build really holds that model's embeddings.
MODEL_TAGS = {"rnafm": "rna-fm", "esm2": "esm2"}
#: ``manifest["provenance"]`` of a build whose input is not RNAInter (the demo's generated sample).
SYNTHETIC = "synthetic"


def is_synthetic(manifest: Mapping[str, Any]) -> bool:
    return manifest.get("provenance") == SYNTHETIC


def card_tags(manifest: Mapping[str, Any]) -> list[str]:
    """Search tags that are true of this build: model tags only for models it used; synthetic data says so."""
    models = {str(m.get("model", "")) for m in manifest.get("embedding_models", {}).values()}
    tags = list(TAGS) + [tag for prefix, tag in MODEL_TAGS.items() if any(m.startswith(prefix) for m in models)]
    return [SYNTHETIC, *[t for t in tags if t != "ncrna"]] if is_synthetic(manifest) else tags


@dataclass
class CardContext:
    manifest: Mapping[str, Any]
    features: Mapping[str, Any]  # config name -> datasets.Features
    default_config: str = "interactions"
    repo_id: str = "rnainteract/rnainteract"
    statistics_markdown: str = ""
    figures: list[str] = field(default_factory=list)
    split_reports: Mapping[str, str] = field(default_factory=dict)


def size_category(rows: int) -> str:
    bounds = [
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
        (100_000_000, "10M<n<100M"),
    ]
    for bound, name in bounds:
        if rows < bound:
            return name
    return "100M<n<1B"


def _ordered_configs(manifest: Mapping[str, Any], default: str) -> list[str]:
    names = list(manifest["configs"])
    return [default] + sorted(n for n in names if n != default)


def card_metadata(context: CardContext) -> dict[str, Any]:
    manifest = context.manifest
    configs, infos = [], []
    for name in _ordered_configs(manifest, context.default_config):
        entry = manifest["configs"][name]
        splits = list(entry["splits"])
        config: dict[str, Any] = {"config_name": name}
        if name == context.default_config:
            config["default"] = True
        config["data_files"] = [{"split": split, "path": f"{name}/{split}-*.parquet"} for split in splits]
        configs.append(config)
        infos.append(
            {
                "config_name": name,
                "features": context.features[name]._to_yaml_list(),
                "splits": [
                    {
                        "name": split,
                        "num_bytes": int(entry.get("bytes", {}).get(split, 0)),
                        "num_examples": int(n),
                    }
                    for split, n in entry["splits"].items()
                ],
            }
        )
    default_rows = sum(manifest["configs"][context.default_config]["splits"].values())
    return {
        "pretty_name": "RNAInterAct (SYNTHETIC demo data)" if is_synthetic(manifest) else "RNAInterAct",
        "license": "other",
        "license_name": LICENSE_NAME,
        "license_link": LICENSE_LINK,
        "task_categories": TASK_CATEGORIES,
        "tags": card_tags(manifest),
        "size_categories": [size_category(default_rows)],
        "configs": configs,
        "dataset_info": infos,
    }


def _environment() -> jinja2.Environment:
    return markdown_templates("dataset_card")


def _column_rows(features: Any) -> list[dict[str, str]]:
    from rnainteract_builder.contract.schema import COLUMN_DESCRIPTIONS

    return [
        {"name": name, "type": _type_name(feature), "description": COLUMN_DESCRIPTIONS.get(name, "")}
        for name, feature in features.items()
    ]


def _type_name(feature: Any) -> str:
    kind = type(feature).__name__
    if kind == "Value":
        return feature.dtype
    if kind == "ClassLabel":
        return "ClassLabel(" + ", ".join(f"{i}={n}" for i, n in enumerate(feature.names)) + ")"
    if kind in ("List", "Sequence", "LargeList"):
        inner = feature.feature
        if type(inner).__name__ in ("List", "Sequence") and getattr(inner, "length", -1) > 0:
            return f"float16 [length x {inner.length}]"
        return f"list of {_type_name(inner)}"
    return kind


def render_card(context: CardContext) -> str:
    """The complete README.md: YAML front matter + prose."""
    manifest = context.manifest
    metadata = yaml.safe_dump(card_metadata(context), sort_keys=False, allow_unicode=True, width=120)
    default = manifest["configs"][context.default_config]
    split_table = []
    for name in _ordered_configs(manifest, context.default_config):
        entry = manifest["configs"][name]
        for split, rows in entry["splits"].items():
            labels = (entry.get("labels") or {}).get(split) or {}
            split_table.append(
                {
                    "config": name,
                    "split": split,
                    "rows": rows,
                    "positives": labels.get(schema.LABEL_NAMES[1], ""),
                    "negatives": labels.get(schema.LABEL_NAMES[0], ""),
                }
            )
    embedding_configs = {n: m for n, m in manifest.get("embedding_models", {}).items()}
    prose = (
        _environment()
        .get_template("README.md.j2")
        .render(
            manifest=manifest,
            version=manifest["version"],
            repo_id=context.repo_id,
            default_config=context.default_config,
            default_rows=sum(default["splits"].values()),
            configs=_ordered_configs(manifest, context.default_config),
            split_table=split_table,
            interaction_columns=_column_rows(context.features[context.default_config]),
            embedding_configs=embedding_configs,
            statistics=context.statistics_markdown,
            figures=context.figures,
            split_report=_demote_headings(context.split_reports.get(context.default_config, "")),
            license_note=LICENSE_NOTE,
            label_names=schema.LABEL_NAMES,
            seeds=manifest.get("seeds", {}),
            versions=manifest.get("versions", {}),
            synthetic=is_synthetic(manifest),
            models={str(m.get("model", "")) for m in embedding_configs.values()},
        )
    )
    return f"---\n{metadata}---\n\n{prose}"


def _demote_headings(markdown: str, levels: int = 2) -> str:
    """Nest an embedded report's headings under the card's own section."""
    return "\n".join("#" * levels + line if line.startswith("#") else line for line in markdown.splitlines())


def card_summary(readme_text: str) -> str:
    """The first paragraph of the card's Summary section, e.g. for printing after a load."""
    body = readme_text.split("---", 2)[-1]
    lines, started = [], False
    for line in body.splitlines():
        if line.startswith("## "):
            if started:
                break
            started = True
            continue
        if started:
            if not line.strip() and lines:
                break
            if line.strip():
                lines.append(line)
    return " ".join(lines).strip()
