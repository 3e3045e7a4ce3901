"""Downloaded databases are checked by SHA-256: pinned on the first download, a mismatch is one line."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rnainteract_builder.annotate.databases import DatabaseFile, fetch_databases
from rnainteract_builder.contract.digests import KNOWN_SHA256, LOCK_NAME, DigestMismatch, verify_download
from rnainteract_builder.contract.io import sha256_file
from rnainteract_builder.resolve import MirbaseResolver
from tests.rnainteract_builder.test_resolve_offline import MIRNA_DAT


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A loopback static file server: ``(folder it serves, base URL)``."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_first_download_pins_the_digest_and_a_changed_file_is_refused(tmp_path, served) -> None:
    folder, base = served
    (folder / "miRNA.dat").write_text(MIRNA_DAT)
    files = (DatabaseFile("miRNA.dat", f"{base}/miRNA.dat"),)
    paths = fetch_databases(tmp_path / "db", rfam=False, pfam=False, mirbase=True, mirbase_files=files)
    lock = json.loads((tmp_path / "db" / LOCK_NAME).read_text())
    assert lock["miRNA.dat"] == {"sha256": sha256_file(folder / "miRNA.dat"), "source": f"{base}/miRNA.dat"}
    resolved = MirbaseResolver(paths["mirbase_dat"]).resolve(["miRBase:MIMAT0000062"], "rna")
    assert resolved["miRBase:MIMAT0000062"].sequence == "GGAUGA"  # uncompressed miRNA.dat, read as it is

    (tmp_path / "db" / "miRNA.dat").unlink()
    pinned = lock["miRNA.dat"]["sha256"]
    (folder / "miRNA.dat").write_text(MIRNA_DAT.replace("ugggaugagg", "ugggaugagc"))  # upstream changed
    with pytest.raises(DigestMismatch) as info:
        fetch_databases(tmp_path / "db", rfam=False, pfam=False, mirbase=True, mirbase_files=files)
    message = str(info.value)
    assert "\n" not in message and "miRNA.dat" in message
    assert pinned in message and sha256_file(folder / "miRNA.dat") in message
    assert not (tmp_path / "db" / "miRNA.dat").exists()  # the bad download is not kept
    assert not list((tmp_path / "db").glob(".*part"))


def test_compressed_databases_are_checked_before_decompression(tmp_path, served) -> None:
    folder, base = served
    (folder / "Rfam.clanin.gz").write_bytes(gzip.compress(b"CL00001\tRF00001\tRF00002\n"))
    target = tmp_path / "db"
    target.mkdir()
    (target / LOCK_NAME).write_text(json.dumps({"Rfam.clanin.gz": {"sha256": "0" * 64, "source": "x"}}))
    files = (DatabaseFile("Rfam.clanin", f"{base}/Rfam.clanin.gz"),)
    with pytest.raises(DigestMismatch, match=r"Rfam\.clanin\.gz from .*SHA-256 [0-9a-f]{64} does not match the "
                       r"expected 0{64}"):
        fetch_databases(target, pfam=False, rfam_files=files + files)
    assert sorted(p.name for p in target.iterdir()) == [LOCK_NAME]


def test_known_digests_win_over_the_lock(tmp_path) -> None:
    part = tmp_path / ".RNA-FM_pretrained.pth.tmp"
    part.write_bytes(b"not the published weights")
    lock = tmp_path / LOCK_NAME
    lock.write_text(json.dumps({"RNA-FM_pretrained.pth": {"sha256": sha256_file(part), "source": "x"}}))
    with pytest.raises(DigestMismatch, match=KNOWN_SHA256["RNA-FM_pretrained.pth"]):
        verify_download(part, "RNA-FM_pretrained.pth", lock, "https://example.org/w")
    assert not part.exists()
