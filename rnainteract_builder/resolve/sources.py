"""Turn configured sources (``resolve.sources`` in the build config, or CLI options) into resolvers.

Each source is a mapping with ``kind`` and kind-specific keys::

    - {kind: table, path: sequences.tsv}          # raw_id / sequence (TSV or Parquet)
    - {kind: fasta, path: rna.fa, prefix: null}   # header = raw id (or id without prefix); .gz / .zip too
    - {kind: mirbase, path: miRNA.dat}
    - {kind: noncode, path: NONCODEv6_human.fa.zip}   # NONCODE's download as it is (.fa, .gz or .zip)
    - {kind: ncbi, base_url: ..., email: ..., api_key: ..., gene_mode: transcript, workers: 4}
      # api_key default: $NCBI_API_KEY; gene_mode transcript (RefSeq RNA) or interval (the paper's);
      # workers: batches in flight at once, all under the one rate limit (3/s, 10/s with a key);
      # default 4 (NCBI with a key: 10)
    - {kind: uniprot, base_url: ...}
    - {kind: ensembl, base_url: ...}

Order matters: ids go to the first source that handles and finds them (offline first is the default).
Relative paths are taken relative to ``base_dir`` (the folder of the config file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.resolve.base import Resolver
from rnainteract_builder.resolve.cache import ResolverCache
from rnainteract_builder.resolve.ensembl import ENSEMBL_REST_URL, EnsemblResolver
from rnainteract_builder.resolve.http import HttpClient, RetryPolicy
from rnainteract_builder.resolve.ncbi import NCBI_EUTILS_URL, NCBIResolver
from rnainteract_builder.resolve.offline import FastaResolver, MirbaseResolver, NoncodeResolver, TableResolver
from rnainteract_builder.resolve.uniprot import UNIPROT_REST_URL, UniProtResolver

SOURCE_KINDS = ("table", "fasta", "mirbase", "noncode", "ncbi", "uniprot", "ensembl")
ONLINE_KINDS = ("ncbi", "uniprot", "ensembl")
_ALLOWED_KEYS = {
    "table": {"path"},
    "fasta": {"path", "prefix"},
    "mirbase": {"path", "prefix"},
    "noncode": {"path", "prefix"},
    "ncbi": {"base_url", "email", "api_key", "batch_size", "rate", "gene_mode", "workers"},
    "uniprot": {"base_url", "batch_size", "rate", "workers"},
    "ensembl": {"base_url", "batch_size", "rate", "workers"},
}


def build_resolvers(
    sources: Sequence[Mapping[str, Any]],
    cache_path: Path | None,
    max_length: int | None,
    retry: RetryPolicy | None = None,
    base_dir: Path | None = None,
    progress: bool = False,
) -> tuple[list[Resolver], ResolverCache | None]:
    """Resolvers in source order, plus the shared cache (``None`` when no online source is configured)."""
    retry = retry or RetryPolicy()
    base_dir = base_dir or Path.cwd()
    cache: ResolverCache | None = None
    resolvers: list[Resolver] = []
    for number, spec in enumerate(sources, start=1):
        kind = spec.get("kind")
        if kind not in SOURCE_KINDS:
            raise InputError(f"resolve source {number}: kind must be one of {', '.join(SOURCE_KINDS)}, not {kind!r}")
        unknown = set(spec) - {"kind"} - _ALLOWED_KEYS[kind]
        if unknown:
            raise InputError(f"resolve source {number} ({kind}): unknown keys {', '.join(sorted(unknown))}")
        if kind in ONLINE_KINDS:
            if cache_path is None:
                raise InputError("online resolve sources need a cache path")
            cache = cache or ResolverCache(cache_path)
            resolvers.append(_online(kind, spec, cache, max_length, retry, progress))
            continue
        if not spec.get("path"):
            raise InputError(f"resolve source {number} ({kind}): 'path' is required")
        path = Path(spec["path"])
        path = path if path.is_absolute() else base_dir / path
        if kind == "table":
            resolvers.append(TableResolver(path))
        elif kind == "fasta":
            resolvers.append(FastaResolver(path, prefix=spec.get("prefix")))
        elif kind == "mirbase":
            resolvers.append(MirbaseResolver(path, prefix=spec.get("prefix") or "miRBase"))
        else:
            resolvers.append(NoncodeResolver(path, prefix=spec.get("prefix") or "NONCODE"))
    return resolvers, cache


def _workers(kind: str, spec: Mapping[str, Any]) -> int | None:
    """``workers`` of an online source; ``None`` = the resolver's default (NCBI: 4, or 10 with an API key)."""
    workers = spec.get("workers")
    if workers is None:
        return None
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise InputError(f"resolve source {kind}: workers must be a whole number >= 1, not {workers!r}")
    return workers


def _online(
    kind: str, spec: Mapping[str, Any], cache: ResolverCache, max_length: int | None, retry: RetryPolicy,
    progress: bool,
) -> Resolver:
    batch_size = spec.get("batch_size")
    workers = _workers(kind, spec)
    if kind == "ncbi":
        api_key = spec.get("api_key")
        client = HttpClient(rate=float(spec["rate"]), retry=retry) if spec.get("rate") else None
        return NCBIResolver(
            cache, spec.get("base_url") or NCBI_EUTILS_URL, api_key=api_key, email=spec.get("email"),
            max_length=max_length, batch_size=batch_size, retry=retry, client=client, progress=progress,
            gene_mode=spec.get("gene_mode") or "transcript", workers=workers,
        )
    cls, url = (UniProtResolver, UNIPROT_REST_URL) if kind == "uniprot" else (EnsemblResolver, ENSEMBL_REST_URL)
    client = HttpClient(rate=float(spec.get("rate") or cls.default_rate), retry=retry)
    return cls(cache, spec.get("base_url") or url, client, max_length, batch_size, progress, workers)
