"""The dataset card (README.md) of a published folder: statistics, figures and the split reports."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from rnainteract_builder.contract.io import write_text_atomic
from rnainteract_builder.publish.config import DEFAULT_CONFIG, SPLITS, ConfigTables
from rnainteract_builder.publish.manifest import _relative

log = logging.getLogger(__name__)


def _split_reports(configs: list[ConfigTables]) -> dict[str, str]:
    """Markdown of each split folder's report and leakage audits (``rnainteract audit``), by config name."""
    reports = {}
    for item in configs:
        names = ["split_report.md", "leakage_audit_rna.md", "leakage_audit_protein.md"]
        parts = [
            (Path(item.source) / n).read_text(encoding="utf-8")
            for n in names
            if (Path(item.source) / n).exists()
        ]
        if parts:
            reports[item.name] = "\n\n".join(p.strip() for p in parts) + "\n"
    return reports


def _statistics(configs: list[ConfigTables], out: Path, figures: bool) -> tuple[str, list[str]]:
    """Table 1 of the default config (and figures under ``figures/``) via :mod:`rnainteract_builder.stats`."""
    from rnainteract_builder import stats

    default = next(c for c in configs if c.name == DEFAULT_CONFIG)
    ordered = {s: default.splits[s] for s in SPLITS if s in default.splits}
    try:
        computed = stats.compute_stats(ordered)
    except Exception as err:  # statistics are a courtesy; the data must still publish
        log.warning("statistics skipped: %s", err)
        return "", []
    drawn: list[str] = []
    if figures:
        positives = pa.concat_tables(list(ordered.values()))
        positives = positives.filter(pc.equal(positives.column("label"), 1))
        try:
            drawn.append(
                _relative(
                    stats.plot_category_heatmap(positives, out / "figures" / "category_heatmap.png"), out
                )
            )
        except Exception as err:
            log.warning("figure skipped: %s", err)
    return stats.stats_markdown(computed), drawn


def write_card(out: Path, manifest: dict[str, Any], features: dict[str, Any], configs: list[ConfigTables],
               repo_id: str, figures: bool) -> None:  # fmt: skip
    """Render README.md with :mod:`dataset_card` (statistics and figures of the default config)."""
    from dataset_card.render import CardContext, render_card

    stats_md, drawn = _statistics(configs, out, figures)
    card = render_card(
        CardContext(
            manifest=manifest,
            features=features,
            default_config=DEFAULT_CONFIG,
            repo_id=repo_id,
            statistics_markdown=stats_md,
            figures=drawn,
            split_reports=_split_reports(configs),
        )
    )
    write_text_atomic(out / "README.md", card)
