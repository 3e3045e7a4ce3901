"""NCBI E-utilities: Entrez Gene ids (``NCBI:<GeneID>``) -> one RefSeq transcript (RNA) or protein.

Per batch of genes: ``elink`` (gene -> RefSeq records: ``gene_nuccore_refseqrna`` for RNA,
``gene_protein_refseq`` for proteins), ``esummary`` (accession and length of every candidate, no
sequences yet), :func:`~rnainteract_builder.resolve.base.choose_isoform` (longest that passes the length
cut-off), ``efetch`` (FASTA of the chosen records only). The chosen accession is recorded.

Gene mode for RNA (``gene_mode``):

* ``transcript`` (default) - the RefSeq RNA chosen by the isoform rule above: a spliced, curated product;
* ``interval`` - what the paper's code did: the gene's genomic interval (``esummary`` of the gene gives
  ``genomicinfo``: chromosome accession, 0-based start and stop; ``efetch`` of ``nuccore`` with
  ``seq_start`` / ``seq_stop`` and ``strand`` 2 for genes on the minus strand), introns included. The
  recorded accession is ``<chromosome>:<from>-<to>`` (NCBI's ``c<to>-<from>`` for the minus strand); a
  gene with several placements takes the first that NCBI lists (the reference assembly's). It costs one
  ``efetch`` per gene, and intervals longer than the length cut-off are fetched too (and later counted as
  too long) so the counts stay comparable with the transcript mode. Proteins always use RefSeq proteins.

Rate limit: 3 requests/s, or 10/s with an API key in ``NCBI_API_KEY`` (NCBI's published limits), shared
by ``workers`` batches in flight (default 4, or 10 with a key: enough to keep the limit busy at ~1 s of
latency); ``NCBI_EMAIL`` is sent as ``email`` as NCBI asks.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import Any, Literal

from Bio.SeqIO.FastaIO import SimpleFastaParser

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.sequences import Molecule
from rnainteract_builder.resolve.base import DEFAULT_MAX_LENGTH, Candidate, ResolverError, choose_isoform
from rnainteract_builder.resolve.cache import ResolverCache
from rnainteract_builder.resolve.http import HttpClient, RetryPolicy
from rnainteract_builder.resolve.online import DEFAULT_WORKERS, Fetched, OnlineResolver

NCBI_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
_LINKS: dict[str, tuple[str, str]] = {
    "rna": ("nuccore", "gene_nuccore_refseqrna"),
    "protein": ("protein", "gene_protein_refseq"),
}
GeneMode = Literal["transcript", "interval"]
#: Batches in flight with an API key (10 requests/s); without one, DEFAULT_WORKERS (4) for 3/s.
KEYED_WORKERS = 10
GENE_MODES: tuple[GeneMode, ...] = ("transcript", "interval")


class NCBIResolver(OnlineResolver):
    name = "ncbi"
    prefixes = ("NCBI",)
    batch_size = 100

    def __init__(
        self,
        cache: ResolverCache,
        base_url: str = NCBI_EUTILS_URL,
        api_key: str | None = None,
        email: str | None = None,
        max_length: int | None = DEFAULT_MAX_LENGTH,
        batch_size: int | None = None,
        retry: RetryPolicy | None = None,
        client: HttpClient | None = None,
        progress: bool = False,
        gene_mode: GeneMode = "transcript",
        workers: int | None = None,
    ) -> None:
        if gene_mode not in GENE_MODES:
            raise InputError(f"ncbi gene_mode must be one of {', '.join(GENE_MODES)}, not {gene_mode!r}")
        self.gene_mode = gene_mode
        self.api_key = api_key if api_key is not None else os.environ.get("NCBI_API_KEY") or None
        self.email = email if email is not None else os.environ.get("NCBI_EMAIL") or None
        rate = 10.0 if self.api_key else 3.0
        # enough batches in flight to keep the rate busy at ~1 s latency
        workers = workers or (KEYED_WORKERS if self.api_key else DEFAULT_WORKERS)
        client = client or HttpClient(rate=rate, retry=retry or RetryPolicy())
        super().__init__(cache, base_url, client, max_length, batch_size, progress, workers)

    def valid_key(self, key: str) -> bool:
        return key.isdigit()

    def namespace(self, molecule: Molecule) -> str:
        """Interval answers are cached apart from transcript answers (the transcript namespace is unchanged)."""
        base = super().namespace(molecule)
        return f"{base}:gene_mode=interval" if self._interval(molecule) else base

    def _interval(self, molecule: Molecule) -> bool:
        return molecule == "rna" and self.gene_mode == "interval"

    def _params(self, **extra: Any) -> dict[str, Any]:
        params: dict[str, Any] = {"tool": "rnainteract", **extra}
        if self.api_key:
            params["api_key"] = self.api_key
        if self.email:
            params["email"] = self.email
        return params

    def _json(self, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        # POST keeps long id lists out of the URL (NCBI recommends it above ~200 ids).
        response = self.client.request("POST", f"{self.base_url}/{endpoint}", data=data)
        try:
            payload = response.json()
        except ValueError as err:
            raise ResolverError(f"{self.base_url}/{endpoint}: answer is not JSON ({response.text[:100]!r})") from err
        if "error" in payload and not payload.get("result") and not payload.get("linksets"):
            raise ResolverError(f"{self.base_url}/{endpoint}: {payload['error']}")
        return payload

    def links(self, genes: Sequence[str], molecule: Molecule) -> dict[str, list[str]]:
        """gene id -> linked RefSeq uids; genes missing from the answer are missing from the result."""
        db, linkname = _LINKS[molecule]
        # Repeating ``id`` (not a comma list) makes elink answer one linkset per gene.
        data = self._params(dbfrom="gene", db=db, linkname=linkname, retmode="json", id=list(genes))
        payload = self._json("elink.fcgi", data)
        out: dict[str, list[str]] = {}
        for linkset in payload.get("linksets", []):
            ids = [str(i) for i in linkset.get("ids", [])]
            uids = [
                str(uid)
                for linksetdb in linkset.get("linksetdbs", [])
                if linksetdb.get("linkname") == linkname
                for uid in linksetdb.get("links", [])
            ]
            for gene in ids:
                out.setdefault(gene, []).extend(uids)
        return out

    def summaries(self, uids: Sequence[str], molecule: Molecule) -> dict[str, Candidate]:
        db = _LINKS[molecule][0]
        out: dict[str, Candidate] = {}
        for start in range(0, len(uids), 200):
            chunk = uids[start : start + 200]
            result = self._json("esummary.fcgi", self._params(db=db, id=",".join(chunk), retmode="json"))
            for uid in result.get("result", {}).get("uids", []):
                doc = result["result"].get(str(uid), {})
                accession = doc.get("accessionversion") or doc.get("caption")
                if accession and doc.get("slen"):
                    out[str(uid)] = Candidate(accession, int(doc["slen"]))
        return out

    def sequences(self, uids: Sequence[str], molecule: Molecule) -> dict[str, str]:
        """accession.version -> sequence."""
        db = _LINKS[molecule][0]
        out: dict[str, str] = {}
        for start in range(0, len(uids), 200):
            chunk = uids[start : start + 200]
            data = self._params(db=db, id=",".join(chunk), rettype="fasta", retmode="text")
            text = self.client.request("POST", f"{self.base_url}/efetch.fcgi", data=data).text
            for title, seq in SimpleFastaParser(io.StringIO(text)):
                word = title.split(maxsplit=1)[0] if title.strip() else ""
                accession = next((part for part in word.split("|") if "_" in part), word)
                out[accession] = seq
        return out

    def placements(self, genes: Sequence[str]) -> dict[str, tuple[str, int, int, int] | None]:
        """gene id -> ``(chromosome accession, from, to, strand)`` (1-based, from <= to; strand 1 or 2), or
        ``None`` for a gene NCBI lists without a placement; genes left out of the answer are left out."""
        result = self._json("esummary.fcgi", self._params(db="gene", id=",".join(genes), retmode="json"))
        out: dict[str, tuple[str, int, int, int] | None] = {}
        for uid in result.get("result", {}).get("uids", []):
            info = result["result"].get(str(uid), {}).get("genomicinfo") or []
            first = next((i for i in info if i.get("chraccver") and "chrstart" in i and "chrstop" in i), None)
            if first is None:
                out[str(uid)] = None
                continue
            start, stop = int(first["chrstart"]), int(first["chrstop"])
            low, high = sorted((start, stop))
            out[str(uid)] = (first["chraccver"], low + 1, high + 1, 1 if start <= stop else 2)
        return out

    def interval_sequence(self, accession: str, low: int, high: int, strand: int) -> str | None:
        data = self._params(db="nuccore", id=accession, seq_start=low, seq_stop=high, strand=strand,
                            rettype="fasta", retmode="text")
        text = self.client.request("POST", f"{self.base_url}/efetch.fcgi", data=data).text
        records = list(SimpleFastaParser(io.StringIO(text)))
        return records[0][1] if records and records[0][1] else None

    def fetch_intervals(self, genes: Sequence[str]) -> Fetched:
        placements = self.placements(genes)
        found: dict[str, tuple[str, str]] = {}
        for gene, place in sorted(placements.items()):
            if place is None:
                continue
            accession, low, high, strand = place
            sequence = self.interval_sequence(accession, low, high, strand)
            if sequence:
                where = f"{low}-{high}" if strand == 1 else f"c{high}-{low}"
                found[gene] = (f"{accession}:{where}", sequence)
        # answered: found, or listed by NCBI without a placement (an empty interval is asked again)
        return Fetched(found, set(found) | {gene for gene, place in placements.items() if place is None})

    def fetch(self, keys: Sequence[str], molecule: Molecule) -> Fetched:
        """One batch of genes. A gene in elink's answer without any RefSeq link is definitively not found
        (answered); a gene left out of the answer, or whose records did not come back, is not."""
        if self._interval(molecule):
            return self.fetch_intervals(keys)
        links = self.links(keys, molecule)
        summaries = self.summaries(sorted({uid for uids in links.values() for uid in uids}), molecule)
        chosen: dict[str, tuple[str, Candidate]] = {}
        for gene, uids in links.items():
            candidates = {uid: summaries[uid] for uid in uids if uid in summaries}
            pick = choose_isoform(candidates.values(), self.max_length)
            if pick is not None:
                uid = next(u for u, c in candidates.items() if c == pick)
                chosen[gene] = (uid, pick)
        fetched = self.sequences(sorted({uid for uid, _ in chosen.values()}), molecule)
        found = {
            gene: (cand.accession, fetched[cand.accession])
            for gene, (_, cand) in chosen.items()
            if cand.accession in fetched
        }
        return Fetched(found, set(found) | {gene for gene, uids in links.items() if not uids})
