"""UniProt REST: ``UniProt:<accession>`` -> protein sequence (``/uniprotkb/accessions``, FASTA, batched).

RNAInter keeps accessions as they were when an interaction was curated; many are now **secondary**
accessions (entries merged into another one). The accessions endpoint answers such an id with the entry
under its *primary* accession, so a header never names what was asked. When a batch's answer holds
entries that no requested accession names, each requested id left without an answer is asked alone, and
a single entry in that answer is kept for it (the recorded accession is the primary one). A secondary
accession split into several entries (a demerge) answers with more than one entry: ambiguous, so it
stays unresolved.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence

from Bio.SeqIO.FastaIO import SimpleFastaParser

from rnainteract_builder.contract.sequences import Molecule
from rnainteract_builder.resolve.online import Fetched, OnlineResolver

log = logging.getLogger(__name__)

UNIPROT_REST_URL = "https://rest.uniprot.org"
_ACCESSION = re.compile(r"^[A-Z0-9]{6,10}(-\d+)?$")


class UniProtResolver(OnlineResolver):
    name = "uniprot"
    prefixes = ("UniProt", "UniProtKB", "Swiss-Prot")
    batch_size = 100
    default_rate = 5.0

    def valid_key(self, key: str) -> bool:
        return bool(_ACCESSION.match(key))

    def namespace(self, molecule: Molecule) -> str:
        """A namespace of its own since secondary accessions are mapped: caches of earlier versions hold
        them as "not found"."""
        return f"{super().namespace(molecule)}:secondary=mapped"

    def entries(self, keys: Sequence[str]) -> dict[str, str]:
        """``{accession in the header: sequence}`` of the entries the service returns for ``keys``."""
        response = self.client.request(
            "GET",
            f"{self.base_url}/uniprotkb/accessions",
            params={"accessions": ",".join(keys), "format": "fasta"},
        )
        out: dict[str, str] = {}
        for title, seq in SimpleFastaParser(io.StringIO(response.text)):
            parts = title.split(maxsplit=1)[0].split("|") if title.strip() else [""]
            out[parts[1] if len(parts) >= 2 else parts[0]] = seq
        return out

    def fetch(self, keys: Sequence[str], molecule: Molecule) -> Fetched:
        """An accession absent from a batch's answer may be unknown or left out; asked alone, its answer is
        definitive (answered)."""
        if molecule != "protein":
            return Fetched(answered=set(keys))
        entries = self.entries(keys)
        out = {key: (key, entries[key]) for key in keys if key in entries}
        missing = [key for key in keys if key not in out]
        alone = set(keys) if len(keys) == 1 else set()
        if not missing or not set(entries) - set(keys):
            return Fetched(out, set(out) | alone)
        # Some entries came under other (primary) accessions: map them back by asking the missing ids alone.
        answers = {keys[0]: entries} if len(keys) == 1 else {key: self.entries([key]) for key in missing}
        for key, answer in answers.items():
            if len(answer) == 1:
                ((primary, seq),) = answer.items()
                out[key] = (primary, seq)
            elif len(answer) > 1:
                log.info("uniprot: %s answers with %d entries (%s); left unresolved (a demerged accession)",
                         key, len(answer), ", ".join(sorted(answer)))
        return Fetched(out, set(out) | set(answers))
