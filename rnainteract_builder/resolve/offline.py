"""Offline resolvers: local files keyed by raw id (the default, and the only kind tests and CI use).

* :class:`TableResolver` - TSV or Parquet with columns ``raw_id`` and ``sequence`` (raw ids exactly as
  RNAInter writes them, e.g. ``NCBI:69889``); optional column ``accession``.
* :class:`FastaResolver` - FASTA files whose header's first word is the raw id (or, with ``prefix``, the
  id without its database prefix: ``prefix="NONCODE"`` reads ``>NONHSAT000001.2`` as ``NONCODE:NONHSAT000001.2``).
  Plain, ``.gz`` or ``.zip`` (every member of the archive is read, members may themselves be ``.gz``).
* :class:`NoncodeResolver` - NONCODE's FASTA download (shipped as ``.zip`` or ``.gz``, read as it is);
  version suffixes (``.2``) are optional on both sides.
* :class:`MirbaseResolver` - miRBase's ``miRNA.dat`` (EMBL-like): hairpin accessions (``MI…``) and names
  give the precursor, mature accessions (``MIMAT…``) and names give the mature sub-sequence.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
from Bio.SeqIO.FastaIO import SimpleFastaParser

from rnainteract_builder.contract.fasta import FastaRecord, iter_fasta
from rnainteract_builder.contract.sequences import Molecule
from rnainteract_builder.resolve.base import Resolved, Resolver, ResolverError, split_raw_id


class TableResolver(Resolver):
    """``raw_id -> sequence`` from a TSV or Parquet file (read once through DuckDB)."""

    def __init__(self, path: str | os.PathLike[str], name: str | None = None) -> None:
        self.path = Path(path)
        self.name = name or f"table:{self.path.name}"
        if not self.path.is_file():
            raise ResolverError(f"{self.path}: no such sequence table")
        if self.path.suffix == ".parquet":
            source = f"read_parquet('{_sql_path(self.path)}')"
        else:
            source = (
                f"read_csv('{_sql_path(self.path)}', delim='\t', header=true, quote='', escape='', "
                "all_varchar=true)"
            )
        con = duckdb.connect()
        try:
            columns = [row[0] for row in con.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()]
            if "raw_id" not in columns or "sequence" not in columns:
                raise ResolverError(f"{self.path}: needs columns raw_id and sequence (has {', '.join(columns)})")
            accession = "accession" if "accession" in columns else "NULL"
            rows = con.sql(
                f"SELECT raw_id, sequence, {accession} FROM {source} WHERE raw_id IS NOT NULL"
            ).fetchall()
        except duckdb.Error as err:
            raise ResolverError(f"{self.path}: cannot read the sequence table ({err})") from err
        finally:
            con.close()
        self._table: dict[str, tuple[str, str | None]] = {}
        for raw_id, sequence, acc in rows:
            raw_id = raw_id.strip()
            if raw_id in self._table and self._table[raw_id][0] != sequence:
                raise ResolverError(f"{self.path}: raw id {raw_id!r} has two different sequences")
            if sequence:
                self._table[raw_id] = (sequence, acc)

    def resolve(self, raw_ids: Sequence[str], molecule: Molecule) -> dict[str, Resolved]:
        out = {}
        for raw_id in raw_ids:
            hit = self._table.get(raw_id)
            if hit is not None:
                out[raw_id] = Resolved(raw_id, hit[0], hit[1] or raw_id, self.name)
        return out


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


class FastaResolver(Resolver):
    """FASTA records keyed by the header's first word (``prefix`` adds ``<prefix>:`` in front)."""

    def __init__(self, paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str], prefix: str | None = None,
                 name: str | None = None) -> None:
        paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
        self.paths = [Path(p) for p in paths]
        self.name = name or f"fasta:{','.join(p.name for p in self.paths)}"
        self.prefixes = (prefix,) if prefix else ()
        self._records: dict[str, tuple[str, str]] = {}
        for path in self.paths:
            for record in iter_fasta_archive(path):
                key = self._key(record.id)
                if key in self._records and self._records[key][0] != record.sequence:
                    raise ResolverError(f"{path}: id {record.id!r} appears twice with different sequences")
                self._records[key] = (record.sequence, record.id)

    def _key(self, header_id: str) -> str:
        return header_id

    def _lookup_key(self, raw_id: str) -> str:
        return split_raw_id(raw_id)[1] if self.prefixes else raw_id

    def resolve(self, raw_ids: Sequence[str], molecule: Molecule) -> dict[str, Resolved]:
        out = {}
        for raw_id in raw_ids:
            hit = self._records.get(self._lookup_key(raw_id))
            if hit is not None:
                out[raw_id] = Resolved(raw_id, hit[0], hit[1], self.name)
        return out


def iter_fasta_archive(path: Path) -> Iterator[FastaRecord]:
    """Records of a FASTA file, plain / ``.gz`` or a ``.zip`` archive of FASTA (or FASTA.gz) members."""
    if path.suffix.lower() != ".zip":
        yield from iter_fasta(path)
        return
    if not path.is_file():
        raise ResolverError(f"{path}: no such FASTA archive")
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir() and not _zip_junk(m.filename)]
            if not members:
                raise ResolverError(f"{path}: the zip archive holds no file")
            for member in members:
                yield from _zip_member_records(archive, member, path)
    except (zipfile.BadZipFile, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as err:
        raise ResolverError(f"{path}: not a readable zip archive of FASTA files ({err})") from err


def _zip_junk(name: str) -> bool:
    """Folders and metadata that archivers add (``__MACOSX/``, ``._name``, ``.DS_Store``)."""
    return name.startswith("__MACOSX/") or Path(name).name.startswith(".")


def _zip_member_records(archive: zipfile.ZipFile, member: zipfile.ZipInfo, path: Path) -> Iterator[FastaRecord]:
    with archive.open(member) as raw:
        binary = gzip.GzipFile(fileobj=raw) if member.filename.endswith(".gz") else raw
        text = io.TextIOWrapper(binary, encoding="utf-8")  # type: ignore[arg-type]
        for number, (title, seq) in enumerate(SimpleFastaParser(text), start=1):
            words = title.split(maxsplit=1)
            if not words:
                raise ResolverError(f"{path}: {member.filename}: record {number} has an empty header")
            yield FastaRecord(words[0], seq, words[1] if len(words) > 1 else "")


_VERSION = re.compile(r"\.\d+$")


class NoncodeResolver(FastaResolver):
    """NONCODE FASTA (``>NONHSAT000001.2``) for raw ids ``NONCODE:NONHSAT000001[.2]``; versions optional."""

    def __init__(self, paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str], prefix: str = "NONCODE") -> None:
        super().__init__(paths, prefix=prefix, name="noncode")

    def _key(self, header_id: str) -> str:
        return _VERSION.sub("", header_id.split("|")[0])

    def _lookup_key(self, raw_id: str) -> str:
        return _VERSION.sub("", split_raw_id(raw_id)[1])


class MirbaseResolver(Resolver):
    """miRBase ``miRNA.dat`` (plain or ``.gz``) for raw ids ``miRBase:<accession or name>``."""

    name = "mirbase"

    def __init__(self, path: str | os.PathLike[str], prefix: str = "miRBase") -> None:
        self.path = Path(path)
        self.prefixes = (prefix,)
        if not self.path.is_file():
            raise ResolverError(f"{self.path}: no such miRBase miRNA.dat file")
        self._by_key: dict[str, tuple[str, str]] = {}
        opener = gzip.open if self.path.suffix == ".gz" else open
        with opener(self.path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
            for entry in _embl_entries(handle.read(), self.path):
                self._index(entry)

    def _index(self, entry: dict) -> None:
        hairpin = entry["sequence"]
        for key in (entry["accession"], entry["name"]):
            if key:
                self._by_key.setdefault(key, (hairpin, entry["accession"] or entry["name"]))
        for feature in entry["matures"]:
            mature = hairpin[feature["start"] - 1 : feature["end"]]
            for key in (feature.get("accession"), feature.get("product")):
                if key:
                    self._by_key.setdefault(key, (mature, feature.get("accession") or key))

    def resolve(self, raw_ids: Sequence[str], molecule: Molecule) -> dict[str, Resolved]:
        out = {}
        for raw_id in raw_ids:
            key = split_raw_id(raw_id)[1]
            hit = self._by_key.get(key) or self._by_key.get(_VERSION.sub("", key))
            if hit is not None:
                out[raw_id] = Resolved(raw_id, hit[0].upper().replace("T", "U"), hit[1], self.name)
        return out


_FT_RANGE = re.compile(r"^FT\s+miRNA\s+(\d+)\.\.(\d+)")
_FT_QUALIFIER = re.compile(r'^FT\s+/(\w+)="([^"]*)"')


def _embl_entries(text: str, path: Path) -> list[dict]:
    entries: list[dict] = []
    current: dict | None = None
    in_sequence = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("ID "):
            current = {"name": line.split()[1], "accession": None, "matures": [], "sequence": ""}
            in_sequence = False
        elif current is None:
            if line.strip():
                raise ResolverError(f"{path}: line {number}: expected an 'ID' line, got {line[:40]!r}")
        elif line.startswith("AC "):
            current["accession"] = line[2:].strip().rstrip(";").split(";")[0].strip()
        elif (match := _FT_RANGE.match(line)) is not None:
            current["matures"].append({"start": int(match[1]), "end": int(match[2])})
        elif (match := _FT_QUALIFIER.match(line)) is not None and current["matures"]:
            current["matures"][-1][match[1]] = match[2]
        elif line.startswith("SQ "):
            in_sequence = True
        elif line.startswith("//"):
            entries.append(current)
            current, in_sequence = None, False
        elif in_sequence:
            current["sequence"] += "".join(ch for ch in line if ch.isalpha())
    if current is not None:
        raise ResolverError(f"{path}: the last entry is not terminated by '//'")
    return entries
