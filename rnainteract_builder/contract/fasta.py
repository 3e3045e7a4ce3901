"""FASTA / FASTA.gz reading and writing through Biopython (a well-kept parser, not a hand-written one).

Ids are the first word of the header and are kept **case-sensitive**: PDB chain ids such as ``3cw1-V`` and
``3cw1-v`` are different chains.
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from Bio.SeqIO.FastaIO import SimpleFastaParser

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import atomic_path


class FastaError(InputError):
    """A FASTA file that cannot be read as asked; the message names the file (and id / record)."""


@dataclass(frozen=True)
class FastaRecord:
    id: str
    sequence: str
    description: str = ""


def _open_text(path: Path, mode: str) -> io.TextIOBase:
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return open(path, mode, encoding="utf-8")  # noqa: SIM115 - returned to a context manager


def iter_fasta(path: str | os.PathLike[str]) -> Iterator[FastaRecord]:
    """Yield the records of a FASTA or FASTA.gz file in file order (sequence lines joined, unchanged)."""
    path = Path(path)
    if not path.exists():
        raise FastaError(f"{path}: no such FASTA file")
    if not path.is_file():
        raise FastaError(f"{path}: not a file (a FASTA file is expected)")
    _refuse_binary(path)
    try:
        with _open_text(path, "r") as handle:
            for number, (title, seq) in enumerate(SimpleFastaParser(handle), start=1):
                words = title.split(maxsplit=1)
                if not words:
                    raise FastaError(f"{path}: record {number} has an empty header")
                yield FastaRecord(words[0], seq, words[1] if len(words) > 1 else "")
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, ValueError) as err:
        raise FastaError(f"{path}: not a readable FASTA file ({err})") from err


def _refuse_binary(path: Path) -> None:
    """A NUL byte in the first block means a binary file (an index, an archive) given where FASTA text belongs.

    Biopython would skip such bytes as text before the first ``>`` and report no records, or worse, read
    them; this names the real problem instead. Gzip files are checked after decompression.
    """
    try:
        with (gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")) as handle:
            head = handle.read(1 << 16)
    except (gzip.BadGzipFile, EOFError) as err:
        raise FastaError(f"{path}: not a readable FASTA file ({err})") from err
    if b"\x00" in head:
        raise FastaError(f"{path}: binary file (NUL bytes), not FASTA text")


def read_fasta(path: str | os.PathLike[str], allow_empty: bool = False) -> dict[str, str]:
    """Read a FASTA file into ``{id: sequence}``; duplicate ids and (unless allowed) empty files are errors."""
    records: dict[str, str] = {}
    for record in iter_fasta(path):
        if record.id in records:
            raise FastaError(f"{path}: duplicate id {record.id!r}")
        records[record.id] = record.sequence
    if not records and not allow_empty:
        raise FastaError(f"{path}: no FASTA records")
    return records


def write_fasta(
    records: Iterable[FastaRecord | tuple[str, str]],
    path: str | os.PathLike[str],
    line_width: int = 60,
) -> int:
    """Write records atomically (temp file + rename); ``.gz`` paths are gzip-compressed.

    Returns the number of records written. Gzip output has a zero mtime so equal inputs give equal bytes.
    """
    from Bio.Seq import Seq
    from Bio.SeqIO.FastaIO import FastaWriter
    from Bio.SeqRecord import SeqRecord

    path = Path(path)
    count = 0
    with atomic_path(path) as tmp, open(tmp, "wb") as raw:
        if path.suffix == ".gz":
            binary: io.BufferedIOBase = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="")  # type: ignore[assignment]
        else:
            binary = raw
        with io.TextIOWrapper(binary, encoding="utf-8", newline="\n") as text:
            writer = FastaWriter(text, wrap=line_width)
            for record in records:
                rec = record if isinstance(record, FastaRecord) else FastaRecord(*record)
                writer.write_record(SeqRecord(Seq(rec.sequence), id=rec.id, description=rec.description))
                count += 1
    return count
