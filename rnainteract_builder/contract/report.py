"""Build / import reports: row counts after every step and every dropped row counted by reason.

Nothing disappears silently: a stage that removes rows calls :meth:`Report.drop` with a reason (and
optionally examples), and :meth:`Report.step` records the count that remains. The report is written as
JSON (for machines, the manifest) and Markdown (for people, the dataset card).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnainteract_builder.contract.io import portable, write_text_atomic

MAX_EXAMPLES = 20


@dataclass
class Report:
    title: str
    steps: list[tuple[str, int]] = field(default_factory=list)
    drops: dict[str, Counter[str]] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    def step(self, name: str, rows: int) -> None:
        """Record the number of rows left after step ``name``."""
        self.steps.append((name, int(rows)))

    def drop(self, step: str, reason: str, count: int = 1, example: str | None = None) -> None:
        """Count ``count`` rows dropped at ``step`` for ``reason`` (keeps a few examples for the reader)."""
        if count <= 0:
            return
        self.drops.setdefault(step, Counter())[reason] += int(count)
        if example is not None:
            bucket = self.examples.setdefault(f"{step}: {reason}", [])
            if len(bucket) < MAX_EXAMPLES:
                bucket.append(example)

    def dropped(self, step: str | None = None) -> int:
        counters = self.drops.values() if step is None else [self.drops.get(step, Counter())]
        return sum(sum(c.values()) for c in counters)

    def absorb(self, other: Report, prefix: str) -> None:
        """Add another report's steps, drops, examples and facts under ``<prefix>: <name>``."""
        self.steps += [(f"{prefix}: {name}", rows) for name, rows in other.steps]
        for step, counter in other.drops.items():
            for reason, count in counter.items():
                self.drop(f"{prefix}: {step}", reason, count)
        self.examples.update({f"{prefix}: {k}": v for k, v in other.examples.items()})
        self.facts.update({f"{prefix}: {k}": v for k, v in other.facts.items()})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """The inverse of :meth:`to_dict` (reads a written ``<stem>.json`` back)."""
        report = cls(data["title"])
        report.steps = [(s["step"], s["rows"]) for s in data["steps"]]
        for step, reasons in data["drops"].items():
            for reason, count in reasons.items():
                report.drop(step, reason, count)
        report.examples = data.get("examples", {})
        report.facts = data.get("facts", {})
        return report

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "steps": [{"step": name, "rows": rows} for name, rows in self.steps],
            "drops": {step: dict(sorted(c.items())) for step, c in self.drops.items()},
            "examples": self.examples,
            "facts": self.facts,
        }

    def to_markdown(self) -> str:
        lines = [f"## {self.title}", ""]
        if self.steps:
            lines += ["| step | rows |", "|---|---:|"]
            lines += [f"| {name} | {rows:,} |" for name, rows in self.steps]
            lines.append("")
        if self.drops:
            lines += ["| step | dropped because | rows |", "|---|---|---:|"]
            for step, counter in self.drops.items():
                lines += [f"| {step} | {reason} | {n:,} |" for reason, n in sorted(counter.items())]
            lines.append("")
        for key, value in self.facts.items():
            lines.append(f"- **{key}**: {value}")
        if self.examples:
            lines += ["", "Examples of dropped rows:", ""]
            for key, values in self.examples.items():
                lines.append(f"- {key}: {', '.join(values)}")
        return "\n".join(lines).rstrip() + "\n"

    def write(
        self, stem: str | os.PathLike[str], relative_to: str | os.PathLike[str] | None = None
    ) -> tuple[Path, Path]:
        """Write ``<stem>.json`` and ``<stem>.md`` atomically; returns both paths.

        Local paths in the report are written relative to ``relative_to`` (default: the report's folder), so
        a report never carries the builder's absolute folders.
        """
        stem = Path(stem)
        json_path, md_path = stem.with_suffix(".json"), stem.with_suffix(".md")
        data = portable(self.to_dict(), relative_to if relative_to is not None else stem.parent)
        write_text_atomic(json_path, json.dumps(data, indent=2, sort_keys=False) + "\n")
        write_text_atomic(md_path, Report.from_dict(data).to_markdown())
        return json_path, md_path

