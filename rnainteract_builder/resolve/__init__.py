"""Sequence resolution for RNAInter raw ids (``DB:ID``): offline files first, online services optionally.

Backends: :class:`TableResolver` (TSV/Parquet ``raw_id``/``sequence``), :class:`FastaResolver`,
:class:`NoncodeResolver`, :class:`MirbaseResolver` (offline); :class:`NCBIResolver`,
:class:`UniProtResolver`, :class:`EnsemblResolver` (online, sharing a :class:`ResolverCache`).
:func:`build_resolvers` turns the ``resolve.sources`` list of a build config into resolvers.
"""

from rnainteract_builder.resolve.base import (
    Candidate,
    Resolved,
    Resolver,
    ResolverError,
    Unresolved,
    choose_isoform,
    resolve_all,
    split_raw_id,
)
from rnainteract_builder.resolve.cache import CacheEntry, ResolverCache
from rnainteract_builder.resolve.ensembl import EnsemblResolver
from rnainteract_builder.resolve.http import HttpClient, RateLimiter, RetryPolicy
from rnainteract_builder.resolve.ncbi import NCBIResolver
from rnainteract_builder.resolve.offline import FastaResolver, MirbaseResolver, NoncodeResolver, TableResolver
from rnainteract_builder.resolve.sources import SOURCE_KINDS, build_resolvers
from rnainteract_builder.resolve.uniprot import UniProtResolver

__all__ = [
    "SOURCE_KINDS",
    "CacheEntry",
    "Candidate",
    "EnsemblResolver",
    "FastaResolver",
    "HttpClient",
    "MirbaseResolver",
    "NCBIResolver",
    "NoncodeResolver",
    "RateLimiter",
    "Resolved",
    "Resolver",
    "ResolverCache",
    "ResolverError",
    "RetryPolicy",
    "TableResolver",
    "UniProtResolver",
    "Unresolved",
    "build_resolvers",
    "choose_isoform",
    "resolve_all",
    "split_raw_id",
]
