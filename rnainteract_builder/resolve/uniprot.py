"""UniProt REST: ``UniProt:<accession>`` -> protein sequence (``/uniprotkb/accessions``, FASTA, batched)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from Bio.SeqIO.FastaIO import SimpleFastaParser

from rnainteract_builder.contract.sequences import Molecule
from rnainteract_builder.resolve.online import OnlineResolver

UNIPROT_REST_URL = "https://rest.uniprot.org"
_ACCESSION = re.compile(r"^[A-Z0-9]{6,10}(-\d+)?$")


class UniProtResolver(OnlineResolver):
    name = "uniprot"
    prefixes = ("UniProt", "UniProtKB", "Swiss-Prot")
    batch_size = 100
    default_rate = 5.0

    def valid_key(self, key: str) -> bool:
        return bool(_ACCESSION.match(key))

    def fetch(self, keys: Sequence[str], molecule: Molecule) -> dict[str, tuple[str, str]]:
        if molecule != "protein":
            return {}
        response = self.client.request(
            "GET",
            f"{self.base_url}/uniprotkb/accessions",
            params={"accessions": ",".join(keys), "format": "fasta"},
        )
        wanted = set(keys)
        out: dict[str, tuple[str, str]] = {}
        for title, seq in SimpleFastaParser(io.StringIO(response.text)):
            parts = title.split(maxsplit=1)[0].split("|")
            accession = parts[1] if len(parts) >= 2 else parts[0]
            if accession in wanted:
                out[accession] = (accession, seq)
        return out
