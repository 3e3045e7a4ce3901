"""The model card (``model/README.md``) of a trained RPIembeddor, rendered from a Jinja2 template.

The prose lives in ``rpiembeddor_hf/templates/model_card.md.j2`` (like the dataset card's template); this
module only gathers what the card states: the model's size and inputs, the data it saw, how it was
trained, the decision threshold and how it was chosen, and the validation / test tables.
"""

from __future__ import annotations

from typing import Any

import jinja2

from rnainteract_builder.contract.templates import markdown_templates
from rpiembeddor_hf.configuration_rpiembeddor import RPIembeddorConfig
from rpiembeddor_hf.evaluation import EvaluationReport
from rpiembeddor_hf.training.config import TrainingConfig
from rpiembeddor_hf.training.results import RunSplits, TrainingResult

TEMPLATE = "model_card.md.j2"


def _environment() -> jinja2.Environment:
    return markdown_templates("rpiembeddor_hf")


def result_tables(reports: dict[str, EvaluationReport]) -> list[str]:
    """Each split's Markdown table, its heading naming the split's role (validation / test)."""
    return [
        report.markdown().replace(f"### {report.name}", f"### {role}: {report.name}")
        for role, report in reports.items()
    ]


def render_model_card(
    model_config: RPIembeddorConfig,
    config: TrainingConfig,
    result: TrainingResult,
    splits: RunSplits,
    reports: dict[str, EvaluationReport],
) -> str:
    """The complete ``README.md`` of the model folder: YAML front matter + prose."""
    pairs: dict[str, Any] = {
        "train": len(splits.train),
        "train_positive": int(splits.train.label_array().sum()),
        "validation": len(splits.validation) if splits.validation else 0,
        "test": len(splits.test) if splits.test else 0,
    }
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            n_params=sum(p.numel() for p in result.model.parameters()),
            model=model_config,
            training=config,
            pairs=pairs,
            num_processes=result.num_processes,
            best_epoch=result.best_epoch,
            threshold=result.threshold,
            results=result_tables(reports),
        )
    )
