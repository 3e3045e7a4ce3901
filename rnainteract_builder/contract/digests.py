"""SHA-256 checks of every file the project downloads (model weights, Rfam / Pfam / miRBase files).

Digests published or verified elsewhere are recorded in :data:`KNOWN_SHA256` (one table for the project).
Files without a known digest (the "current release" of a database, which changes over time) are pinned on
their first download in a lock file next to them (:data:`LOCK_NAME`, JSON ``{file name: {sha256, source}}``);
a later download of the same name must then give the same bytes. A mismatch is one
:class:`DigestMismatch` line naming the file, the expected and the actual digest; the bad download is never
left under its final name.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import sha256_file, write_text_atomic

#: File name -> SHA-256 of the published file. RNA-FM: ``RNA-FM_pretrained.pth`` of the Hugging Face
#: repository ``cuhkaih/rnafm`` (the same bytes the former CUHK download URL served).
KNOWN_SHA256: dict[str, str] = {
    "RNA-FM_pretrained.pth": "5b5d7d87b37c291ef42c140ef9edf7aea29f255fa2a4fd435f776c52e93d5e99",
}
LOCK_NAME = "sha256.lock.json"


class DigestMismatch(InputError):
    """A downloaded file whose SHA-256 is not the recorded one."""


def read_lock(path: str | os.PathLike[str]) -> dict[str, dict[str, str]]:
    """The lock file's entries (empty when there is none yet)."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a readable digest lock file ({err})") from err
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a digest lock file (a JSON object is expected)")
    return data


def expected_sha256(name: str, lock_path: str | os.PathLike[str]) -> tuple[str | None, str]:
    """``(digest, where it is recorded)`` for a file name: the known table first, then the lock file."""
    if name in KNOWN_SHA256:
        return KNOWN_SHA256[name], "the project's table of known digests"
    entry = read_lock(lock_path).get(name)
    return (entry.get("sha256"), str(lock_path)) if entry else (None, str(lock_path))


def verify_download(
    downloaded: str | os.PathLike[str],
    name: str,
    lock_path: str | os.PathLike[str],
    source: str,
) -> str:
    """Check a freshly downloaded file (still under its temporary name) before it is moved into place.

    ``name`` is the file name the digest is recorded under. An unknown digest is recorded in
    ``lock_path`` (with ``source``, the URL or repository it came from). On a mismatch the download is
    deleted and :class:`DigestMismatch` is raised. Returns the hex digest.
    """
    downloaded = Path(downloaded)
    actual = sha256_file(downloaded)
    expected, where = expected_sha256(name, lock_path)
    if expected is None:
        lock = read_lock(lock_path)
        lock[name] = {"sha256": actual, "source": source}
        write_text_atomic(lock_path, json.dumps(lock, indent=2, sort_keys=True) + "\n")
    elif expected != actual:
        downloaded.unlink(missing_ok=True)
        hint = (
            "fetch again (the transfer was corrupted or the file changed upstream)"
            if name in KNOWN_SHA256
            else f"if upstream published a new release on purpose, remove the entry from {lock_path} and fetch again"
        )
        raise DigestMismatch(
            f"{name} from {source}: SHA-256 {actual} does not match the expected {expected} "
            f"(recorded in {where}); the download was deleted - {hint}"
        )
    return actual
