"""Pushing a published dataset folder to the Hugging Face Hub as a tagged version.

``plan_push`` lists what would be uploaded (no network) - ``rnainteract push --dry-run`` prints it.
``push_to_hub`` creates the dataset repo if needed, uploads the folder and tags the resulting commit
with the version (``vX.Y.Z``), so ``load_dataset(repo, revision="v1.0.0")`` gets exactly that release.
A release *replaces* the previous one: remote data shards and figures that the new folder does not hold
(:data:`REPLACED`) are deleted in the same commit (``upload_folder(delete_patterns=...)``); otherwise the
card's ``{config}/{split}-*.parquet`` globs would load the shards of both releases.

The token is the one ``huggingface_hub`` finds itself (``HF_TOKEN`` or ``huggingface-cli login``); it is
passed to the client and never printed or logged.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from rnainteract_builder.contract.errors import InputError

REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
TAG = re.compile(r"^v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")
#: Never uploaded: temp files of interrupted writes and the upload client's own cache.
IGNORE = (".cache", ".tmp")
#: Remote files a release replaces (``fnmatch``: ``*`` crosses folders); ``.gitattributes`` is always kept.
REPLACED = ("*.parquet", "figures/*")


def check_push_arguments(repo_id: str, tag: str, version: str) -> None:
    if not REPO_ID.match(repo_id):
        raise InputError(f"--repo wants ORG/NAME, got {repo_id!r}")
    if not TAG.match(tag):
        raise InputError(f"--tag wants vMAJOR.MINOR.PATCH, got {tag!r}")
    if tag != f"v{version}":
        raise InputError(f"tag {tag} does not match the dataset version {version} (expected v{version})")


@dataclass(frozen=True)
class PushPlan:
    repo_id: str
    tag: str
    folder: Path
    files: list[tuple[str, int]]  # (path in repo, bytes)

    @property
    def total_bytes(self) -> int:
        return sum(size for _, size in self.files)

    def describe(self) -> str:
        lines = [
            f"repo: {self.repo_id} (dataset)",
            f"tag: {self.tag}",
            f"files: {len(self.files)}, {_human(self.total_bytes)}",
        ]
        lines += [f"  {size:>14,}  {path}" for path, size in self.files]
        lines.append(f"replaces: remote files matching {', '.join(REPLACED)} that this release does not hold")
        return "\n".join(lines)


def _human(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1000
    return f"{size} B"


def plan_push(folder: Path, repo_id: str, tag: str) -> PushPlan:
    """What a push would upload: every file of the folder but temp files and caches (no network)."""
    folder = Path(folder)
    manifest = folder / "manifest.json"
    if not (folder / "README.md").exists() or not manifest.exists():
        raise InputError(f"{folder}: not a published dataset folder (README.md and manifest.json expected)")
    version = json.loads(manifest.read_text()).get("version")
    check_push_arguments(repo_id, tag, str(version))
    files = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and not any(part.startswith(".") for part in relative.split("/")):
            files.append((relative, path.stat().st_size))
    return PushPlan(repo_id, tag, folder, files)


def push_to_hub(plan: PushPlan, private: bool = False, api: Any = None) -> str:
    """Create the repo (if needed), upload the folder, tag the commit; returns the repo URL.

    Uses ``upload_large_folder`` where the installed ``huggingface_hub`` has it (resumable, multi-commit);
    newer releases fold that into ``upload_folder``, which then splits large folders into several commits.
    """
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()  # finds HF_TOKEN / the login token itself
    url = api.create_repo(plan.repo_id, repo_type="dataset", private=private, exist_ok=True)
    ignore = [f"{prefix}*" for prefix in IGNORE] + ["**/.*"]
    revision = None
    if hasattr(api, "upload_large_folder"):
        api.upload_large_folder(
            repo_id=plan.repo_id, folder_path=str(plan.folder), repo_type="dataset", ignore_patterns=ignore
        )
        _delete_stale(api, plan)  # upload_large_folder cannot delete; a second commit removes the old shards
    else:
        info = api.upload_folder(
            repo_id=plan.repo_id,
            folder_path=str(plan.folder),
            repo_type="dataset",
            commit_message=f"RNAInterAct {plan.tag}",
            ignore_patterns=ignore,
            delete_patterns=list(REPLACED),  # files uploaded in the same commit are not deleted
        )
        revision = getattr(info, "oid", None)
    api.create_tag(
        plan.repo_id,
        tag=plan.tag,
        tag_message=f"RNAInterAct {plan.tag}",
        repo_type="dataset",
        revision=revision,
    )
    return str(url)


def _delete_stale(api: Any, plan: PushPlan) -> None:
    """Delete remote shards / figures of earlier releases that ``plan`` does not upload again."""
    uploaded = {path for path, _ in plan.files}
    remote = api.list_repo_files(plan.repo_id, repo_type="dataset")
    stale = [
        path for path in remote
        if path not in uploaded and path != ".gitattributes" and any(fnmatch.fnmatchcase(path, p) for p in REPLACED)
    ]
    if stale:
        api.delete_files(
            plan.repo_id, delete_patterns=stale, repo_type="dataset",
            commit_message=f"RNAInterAct {plan.tag}: remove files of earlier releases",
        )


def push_command(
    dataset: Annotated[Path, typer.Argument(help="Published dataset folder (e.g. BUILD/dataset).")],
    repo: Annotated[str, typer.Option("--repo", help="Hub dataset repo ORG/NAME.")],
    tag: Annotated[str | None, typer.Option(help="Hub tag of this release (default v<manifest version>).")] = None,
    dry_run: Annotated[bool, typer.Option(help="List repo, files, sizes and tag; no network.")] = False,
    private: Annotated[bool, typer.Option(help="Create the Hub repo as private.")] = False,
) -> None:
    """Upload a published dataset folder to the Hub and tag the commit with its version.

    The token comes from `huggingface-cli login` or HF_TOKEN and is never printed.
    """
    manifest = dataset / "manifest.json"
    if not manifest.is_file():
        raise InputError(f"{dataset}: no manifest.json (run `rnainteract stage publish` first)")
    version = str(json.loads(manifest.read_text()).get("version"))
    plan = plan_push(dataset, repo, tag or f"v{version}")
    if dry_run:
        print(plan.describe())
    else:
        print(f"pushed {repo} tag {plan.tag}: {push_to_hub(plan, private=private)}")
