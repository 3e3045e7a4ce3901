"""``rnainteract fetch-databases``: download, check, decompress and press the databases of a real build.

Rfam and Pfam come from EBI's FTP server over HTTPS (the current releases), miRBase's ``miRNA.dat`` from
``https://mirbase.org/download/miRNA.dat`` (served uncompressed since miRBase moved its downloads). Each
download is streamed to a temporary file, its SHA-256 checked (:mod:`rnainteract_builder.contract.digests`:
a known digest, or the one pinned in ``sha256.lock.json`` of the folder on the first download) and only
then renamed; gzip files are decompressed the same way, then ``Rfam.cm`` is pressed with ``cmpress`` and
``Pfam-A.hmm`` with pyhmmer's ``hmmpress``. Files already present are kept, so a rerun resumes. Without
network access the command stops with one line naming the URL and how to provide the file by hand (the
annotate command and the resolve sources also take the paths directly).
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import requests
import typer
from tqdm import tqdm

from rnainteract_builder.contract.digests import LOCK_NAME, verify_download
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.tools import require_tool

log = logging.getLogger(__name__)

RFAM_BASE = "https://ftp.ebi.ac.uk/pub/databases/Rfam/CURRENT"
PFAM_BASE = "https://ftp.ebi.ac.uk/pub/databases/Pfam/current_release"
MIRBASE_URL = "https://mirbase.org/download/miRNA.dat"


@dataclass(frozen=True)
class DatabaseFile:
    name: str  # file name once decompressed
    url: str

    @property
    def compressed(self) -> bool:
        return self.url.endswith(".gz")


RFAM_FILES = (
    DatabaseFile("Rfam.cm", f"{RFAM_BASE}/Rfam.cm.gz"),
    DatabaseFile("Rfam.clanin", f"{RFAM_BASE}/Rfam.clanin"),
)
PFAM_FILES = (
    DatabaseFile("Pfam-A.hmm", f"{PFAM_BASE}/Pfam-A.hmm.gz"),
    DatabaseFile("Pfam-A.clans.tsv", f"{PFAM_BASE}/Pfam-A.clans.tsv.gz"),
)
MIRBASE_FILES = (DatabaseFile("miRNA.dat", MIRBASE_URL),)
CHUNK = 1 << 20


def download(url: str, target: Path, timeout: float = 60.0) -> Path:
    """Stream ``url`` to ``target`` (temp file, SHA-256 check, rename); a network failure or a digest
    mismatch is one InputError line."""
    tmp = target.with_name(f".{target.name}.part")
    try:
        with requests.get(url, stream=True, timeout=timeout) as response:
            response.raise_for_status()
            total = int(response.headers.get("Content-Length", 0)) or None
            with (
                open(tmp, "wb") as handle,
                tqdm(total=total, unit="B", unit_scale=True, desc=target.name, disable=None) as bar,
            ):
                for block in response.iter_content(CHUNK):
                    handle.write(block)
                    bar.update(len(block))
    except requests.RequestException as err:
        tmp.unlink(missing_ok=True)
        reason = type(err).__name__ if not str(err) else str(err).splitlines()[0][:160]
        raise InputError(
            f"could not download {url} ({reason}); download it by hand into {target.parent} "
            "or pass the database paths to `rnainteract stage annotate` directly"
        ) from err
    verify_download(tmp, target.name, target.parent / LOCK_NAME, url)
    os.replace(tmp, target)
    return target


def gunzip(source: Path, target: Path) -> Path:
    tmp = target.with_name(f".{target.name}.part")
    try:
        with gzip.open(source, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK)
    except (OSError, EOFError) as err:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{source}: not a complete gzip file ({err}); delete it and fetch again") from err
    os.replace(tmp, target)
    return target


def fetch(files: tuple[DatabaseFile, ...], directory: Path) -> list[Path]:
    out = []
    for item in files:
        target = directory / item.name
        if not target.exists():
            if item.compressed:
                archive = directory / f"{item.name}.gz"
                if not archive.exists():
                    download(item.url, archive)
                gunzip(archive, target)
                archive.unlink()
            else:
                download(item.url, target)
        out.append(target)
    return out


def press_rfam(cm: Path) -> None:
    if all(Path(f"{cm}{s}").exists() for s in (".i1m", ".i1i", ".i1f", ".i1p")):
        return
    require_tool("cmpress")
    done = subprocess.run(["cmpress", "-F", str(cm)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise InputError(f"cmpress {cm} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")


def press_pfam(hmm: Path) -> None:
    import pyhmmer
    from pyhmmer.plan7 import HMMFile

    if all(Path(f"{hmm}{s}").exists() for s in (".h3m", ".h3i", ".h3f", ".h3p")):
        return
    with HMMFile(hmm) as hmms:
        pyhmmer.hmmer.hmmpress(hmms, hmm)


def fetch_databases(
    directory: str | Path,
    rfam: bool = True,
    pfam: bool = True,
    rfam_files: tuple[DatabaseFile, ...] = RFAM_FILES,
    pfam_files: tuple[DatabaseFile, ...] = PFAM_FILES,
    mirbase: bool = False,
    mirbase_files: tuple[DatabaseFile, ...] = MIRBASE_FILES,
) -> dict[str, Path]:
    """Fetch and press the chosen databases into ``directory``; returns ``{file name: path}``.

    miRBase is off by default here (the command turns it on): only the resolve stage reads it.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    if rfam:
        cm, clanin = fetch(rfam_files, directory)
        press_rfam(cm)
        paths.update({"rfam_cm": cm, "rfam_clanin": clanin})
    if pfam:
        hmm, clans = fetch(pfam_files, directory)
        press_pfam(hmm)
        paths.update({"pfam_hmm": hmm, "pfam_clans": clans})
    if mirbase:
        (dat,) = fetch(mirbase_files, directory)
        paths["mirbase_dat"] = dat
    return paths


def fetch_databases_command(
    directory: Annotated[
        Path,
        typer.Argument(help="Folder to put Rfam.cm, Rfam.clanin, Pfam-A.hmm, Pfam-A.clans.tsv, miRNA.dat."),
    ],
    rfam: Annotated[bool, typer.Option(help="Fetch and cmpress Rfam.cm + Rfam.clanin.")] = True,
    pfam: Annotated[bool, typer.Option(help="Fetch and hmmpress Pfam-A.hmm + Pfam-A.clans.tsv.")] = True,
    mirbase: Annotated[bool, typer.Option(help="Fetch miRBase's miRNA.dat (a resolve source).")] = True,
) -> None:
    """Download the current Rfam, Pfam and miRBase releases, decompress and press them (needs internet).

    Every download is checked against a known SHA-256 or the one pinned in the folder's sha256.lock.json
    on the first download. Prints the paths to pass to `rnainteract stage annotate` (--rfam-cm, --rfam-clanin,
    --pfam-hmm, --pfam-clans) and to the resolve sources (miRNA.dat).
    """
    for key, path in fetch_databases(directory, rfam, pfam, mirbase=mirbase).items():
        print(f"{key}\t{path}")
