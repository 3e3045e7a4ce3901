"""Ensembl REST: ``Ensembl:<ENSG/ENST/ENSP id>`` -> sequence (``POST /sequence/id``, 50 ids per request).

RNA ids are fetched as ``cdna`` (spliced transcript), protein ids as ``protein``; a gene id returns all
its transcripts / translations (``multiple_sequences=1``) and one is chosen with
:func:`~rnainteract_builder.resolve.base.choose_isoform` (longest that passes the length cut-off).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from rnainteract_builder.contract.sequences import Molecule
from rnainteract_builder.resolve.base import Candidate, ResolverError, choose_isoform
from rnainteract_builder.resolve.online import Fetched, OnlineResolver

ENSEMBL_REST_URL = "https://rest.ensembl.org"


class EnsemblResolver(OnlineResolver):
    name = "ensembl"
    prefixes = ("Ensembl",)
    batch_size = 50
    default_rate = 10.0  # Ensembl allows 15 requests/s

    def valid_key(self, key: str) -> bool:
        return key.upper().startswith("ENS")

    def fetch(self, keys: Sequence[str], molecule: Molecule) -> Fetched:
        seq_type = "cdna" if molecule == "rna" else "protein"
        response = self.client.request(
            "POST",
            f"{self.base_url}/sequence/id",
            params={"type": seq_type, "multiple_sequences": 1},
            json={"ids": list(keys)},
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            records = response.json()
        except ValueError as err:
            raise ResolverError(f"{self.base_url}/sequence/id: answer is not JSON") from err
        by_query: dict[str, dict[str, str]] = defaultdict(dict)
        for record in records:
            query = record.get("query") or record.get("id")
            if query and record.get("seq"):
                by_query[query][record["id"]] = record["seq"]
        out: dict[str, tuple[str, str]] = {}
        for query, seqs in by_query.items():
            pick = choose_isoform((Candidate(i, len(s)) for i, s in seqs.items()), self.max_length)
            if pick is not None:
                out[query] = (pick.accession, seqs[pick.accession])
        return Fetched.only_found(out)  # an unknown id is just absent, like one left out
