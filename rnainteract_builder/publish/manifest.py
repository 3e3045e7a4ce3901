"""``manifest.json``: versions, checksums of every input and output, parameters, seeds and counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rnainteract_builder import __version__
from rnainteract_builder.contract.io import portable, sha256_file, write_text_atomic


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _published_stamp(stamp: dict[str, Any]) -> dict[str, Any]:
    """What a stage stamp tells a dataset user: the stage, its builder version and its output sizes. The
    freshness fingerprint and file mtimes stay local: they differ between two builds of the same bytes."""
    def size(state: Any) -> Any:  # [size, mtime] of a file; [[name, size, mtime], ...] of a folder
        if isinstance(state, list) and state and isinstance(state[0], list):
            return sum(int(entry[1]) for entry in state)
        return state[0] if isinstance(state, list) and state else state

    outputs = stamp.get("outputs") or {}
    return {
        "stage": stamp.get("stage"),
        "version": stamp.get("version"),
        "output_bytes": {path: size(state) for path, state in sorted(outputs.items())},
    }


#: Reports that hold the publish stage's own facts from an earlier run (the build report combines them).
OWN_REPORTS = ("build_report.json", "publish/publish_report.json")


def build_provenance(build: Path) -> dict[str, Any]:
    """Parameters, seeds and tool versions recorded by earlier stages (stamps, stage reports, build config)."""
    provenance: dict[str, Any] = {"stages": {}, "seeds": {}}
    for stamp in sorted(build.glob("*/stage.json")):
        data = _read_json(stamp)
        if data is not None:
            provenance["stages"][stamp.parent.name] = _published_stamp(data)
    for path in sorted(build.glob("**/*_report.json")):
        if _relative(path, build) in OWN_REPORTS:
            continue  # a rerun would otherwise publish the previous publish's facts: other bytes
        data = _read_json(path)
        if data and data.get("facts"):
            provenance.setdefault("report_facts", {})[_relative(path, build)] = data["facts"]
    for candidate in ("build_config.json", "config.json"):
        data = _read_json(build / candidate)
        if data is not None:
            provenance["config"] = data
    seeds = provenance["seeds"]

    def collect(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                collect(f"{prefix}.{key}" if prefix else key, inner)
        elif prefix.split(".")[-1] == "seed" and isinstance(value, int):
            seeds[prefix] = value

    collect("", {"stages": provenance["stages"], "config": provenance.get("config", {})})
    return provenance


def _tool_versions(provenance: dict[str, Any]) -> dict[str, str]:
    """Tool / database versions earlier stages recorded under a ``versions`` or ``tools`` key."""
    found: dict[str, str] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("versions", "tools", "databases") and isinstance(inner, dict):
                    found.update({str(k): str(v) for k, v in inner.items() if not isinstance(v, dict | list)})
                else:
                    walk(inner)

    walk(provenance)
    return found




#: Distributions whose versions the manifest records.
RECORDED_PACKAGES = ["rnainteract", "torch", "pyarrow", "datasets", "duckdb", "fair-esm", "rna-fm", "pyhmmer"]


def publish_options(config: Any) -> dict[str, Any]:
    """The publish options that shape the output (paths and progress bars left out)."""
    from dataclasses import asdict

    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()}
    options["external"] = {k: str(v) for k, v in config.external.items()}
    for volatile in ("build_dir", "output", "progress"):
        options.pop(volatile, None)
    return options


def manifest_dict(
    config: Any, published: Any, inputs: list[Path], drops: dict[str, Any]
) -> dict[str, Any]:
    """The manifest of a published folder (no timestamps: the same build gives the same bytes)."""
    from rnainteract_builder.embed.stage import package_versions

    build, out = Path(config.build_dir), config.out_dir
    provenance = build_provenance(build)
    manifest = {
        "name": "RNAInterAct",
        "version": config.version,
        "provenance": config.provenance,
        "builder_version": __version__,
        "configs": {
            name: {
                "splits": published.rows[name],
                "bytes": published.sizes[name],
                "labels": published.labels.get(name),
                "files": sorted(_relative(p, out) for p in paths),
            }
            for name, paths in published.files.items()
        },
        "embedding_models": published.models,
        "inputs": {_relative(p, build): sha256_file(p) for p in sorted(set(inputs))},
        "files": {
            _relative(p, out): {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
            for paths in published.files.values()
            for p in paths
        },
        "parameters": {
            "publish": publish_options(config), "build": provenance.get("config"), "stages": provenance["stages"],
        },
        "seeds": provenance["seeds"],
        "versions": package_versions(RECORDED_PACKAGES) | _tool_versions(provenance),
        "report_facts": provenance.get("report_facts", {}),
        "drops": drops,
    }
    manifest["versions"].pop("rnainteract", None)
    return portable(manifest, build)  # nothing local is published: paths relative to the build folder


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    write_text_atomic(out / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
