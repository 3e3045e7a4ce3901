"""Opening RNAInter's file (``.txt``, ``.txt.gz``, a ``.tar.gz`` member) and handing it to DuckDB's CSV reader."""

from __future__ import annotations

import contextlib
import gzip
import os
import tarfile
import threading
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.ingest.format import RNAINTER_COLUMNS, IngestConfig


def _is_tar(path: Path) -> bool:
    return path.name.lower().endswith((".tar.gz", ".tgz", ".tar"))


@contextlib.contextmanager
def open_rnainter(path: str | os.PathLike[str], tar_member: str | None = None) -> Iterator[IO[bytes]]:
    """Open RNAInter's file as a binary stream: ``.txt``, ``.txt.gz`` or a member of ``.tar.gz``.

    A ``.tar.gz`` is read in streaming mode (``r|gz``): the member is decompressed as it is read,
    never extracted to disk or held in memory.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such RNAInter file")
    if _is_tar(path):
        try:
            archive = tarfile.open(path, mode="r|*")  # noqa: SIM115 - closed by the with below
        except (tarfile.TarError, OSError, EOFError, zlib.error) as err:
            raise InputError(f"{path}: unreadable archive ({err})") from err
        with archive:
            yield _tar_member(archive, path, tar_member)
    elif path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            yield handle  # type: ignore[misc]
    else:
        with open(path, "rb") as handle:
            yield handle


def _tar_member(archive: tarfile.TarFile, path: Path, tar_member: str | None) -> IO[bytes]:
    """The stream of the wanted member (by name or base name; default: the first ``.txt``)."""
    try:
        for member in archive:
            wanted = member.name == tar_member or Path(member.name).name == tar_member
            if member.isfile() and (wanted or (tar_member is None and member.name.endswith(".txt"))):
                handle = archive.extractfile(member)
                assert handle is not None  # a regular file always has a stream
                return handle
    except (tarfile.TarError, OSError, EOFError, zlib.error) as err:
        raise InputError(f"{path}: unreadable archive ({err})") from err
    raise InputError(f"{path}: no member {tar_member or '*.txt'} in the archive")


def check_header(line: bytes, source: Path) -> None:
    """Raise InputError unless ``line`` is RNAInter's RNA-protein header."""
    if not line:
        raise InputError(f"{source}: the file is empty (expected RNAInter's header line)")
    try:
        names = line.decode("utf-8-sig").rstrip("\r\n").split("\t")
    except UnicodeDecodeError as err:
        raise InputError(f"{source}: the header line is not UTF-8 ({err})") from err
    if tuple(names) != RNAINTER_COLUMNS:
        raise InputError(
            f"{source}: header {'/'.join(names)!r} is not RNAInter's RNA-protein header "
            f"{'/'.join(RNAINTER_COLUMNS)!r}"
        )


class _Pipe(threading.Thread):
    """Copies a binary stream into a FIFO that DuckDB reads, so a tar member is parsed while it is
    decompressed (nothing extracted, nothing held). Errors are kept for the caller to raise."""

    def __init__(self, stream: IO[bytes], fifo: Path, block_size: int) -> None:
        super().__init__(name="rnainter-pipe", daemon=True)
        self.stream, self.fifo, self.block_size = stream, fifo, block_size
        self.error: BaseException | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            with open(self.fifo, "wb") as out:
                while not self.stop.is_set() and (block := self.stream.read(self.block_size)):
                    out.write(block)
        except BrokenPipeError:  # the reader went away; its own error is what the caller reports
            pass
        except BaseException as err:  # noqa: BLE001 - handed to the caller, never lost
            self.error = err

    def release(self) -> None:
        """Stop the copy and wait for it. A writer still blocked (no reader came, or the reader stopped
        reading after an error) is unblocked by opening and draining the FIFO here."""
        self.stop.set()
        if self.is_alive():
            fd = os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK)
            try:
                while self.is_alive():
                    with contextlib.suppress(BlockingIOError):
                        os.read(fd, 1 << 20)
                    self.join(0.01)
            finally:
                os.close(fd)
        self.join()


@contextlib.contextmanager
def _duckdb_input(source: Path, config: IngestConfig, workdir: Path) -> Iterator[tuple[Path, bool, str]]:
    """Check the header and give DuckDB something to read: ``(path, header line still there, compression)``.

    Plain and gzip files are read by DuckDB itself (in parallel for plain text); a tar member is piped
    through a FIFO by a thread (a temporary copy on disk where the platform has no FIFOs).
    """
    with open_rnainter(source, config.tar_member) as handle:
        try:
            first_line = handle.readline()
        except (OSError, EOFError, zlib.error) as err:
            raise InputError(f"{source}: unreadable compressed file ({err})") from err
        check_header(first_line, source)
        if not _is_tar(source):
            handle.close()
            yield source, True, "gzip" if source.name.lower().endswith(".gz") else "none"
            return
        fifo = workdir / "member.txt"
        if not hasattr(os, "mkfifo"):
            with open(fifo, "wb") as copy:
                while block := handle.read(config.block_size):
                    copy.write(block)
            yield fifo, False, "none"
            return
        os.mkfifo(fifo)
        pipe = _Pipe(handle, fifo, config.block_size)
        pipe.start()
        try:
            yield fifo, False, "none"
        finally:
            pipe.release()
        if pipe.error is not None:
            raise InputError(f"{source}: unreadable archive member ({pipe.error})") from pipe.error


def _sql_string(value: str | os.PathLike[str]) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _quote(values: Sequence[str]) -> str:
    return ", ".join(_sql_string(v) for v in values)


def read_csv_sql(path: Path, header: bool, compression: str) -> str:
    """DuckDB's reader for RNAInter's format: all text, verbatim (no quote / escape character, no NULL
    strings), 13 columns exactly; other lines go to the rejects table ``ingest_rejects``."""
    columns = ", ".join(f"{_sql_string(c)}: 'VARCHAR'" for c in RNAINTER_COLUMNS)
    return (
        f"read_csv({_sql_string(path)}, columns = {{{columns}}}, delim = '\\t', quote = '', escape = '', "
        f"force_not_null = [{_quote(RNAINTER_COLUMNS)}], "  # an empty field stays '' (NULL is decided in SQL)
        f"header = {str(header).lower()}, compression = '{compression}', auto_detect = false, "
        "strict_mode = true, store_rejects = true, rejects_table = 'ingest_rejects', "
        "rejects_scan = 'ingest_scans')"
    )


