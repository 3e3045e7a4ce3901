"""A loopback HTTP server that answers like NCBI E-utilities, UniProt REST and Ensembl REST.

Only what the resolvers use: ``elink`` / ``esummary`` / ``efetch`` (JSON / FASTA, POST form data),
``/uniprotkb/accessions`` (FASTA) and ``POST /sequence/id`` (JSON). Like the real services, UniProt answers a
secondary (merged) accession with the entry under its primary accession, the gene ``esummary`` carries
``genomicinfo`` (0-based ``chrstart`` / ``chrstop``, start > stop on the minus strand) and ``efetch`` with
``seq_start`` / ``seq_stop`` / ``strand`` cuts a chromosome (1-based, inclusive, strand 2 reverse
complemented). Scripted misbehaviour: a queue of error
statuses (500, 503, 429 with Retry-After) answered before real answers, partial batches (the first answer
for a batch leaves ids out), and a per-request delay (so a test can kill a client mid-run).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Transcript:
    uid: str
    accession: str
    sequence: str


@dataclass
class FakeWorld:
    """What the fake services know, and how they misbehave."""

    #: gene id -> {"rna": [Transcript], "protein": [Transcript]}
    genes: dict[str, dict[str, list[Transcript]]] = field(default_factory=dict)
    uniprot: dict[str, str] = field(default_factory=dict)
    #: secondary accession -> primary accessions (more than one: a demerged accession)
    uniprot_secondary: dict[str, list[str]] = field(default_factory=dict)
    #: gene id -> genomicinfo entries ``(chromosome accession, chrstart, chrstop)``, NCBI's 0-based numbers
    placements: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    #: chromosome accession -> sequence
    chromosomes: dict[str, str] = field(default_factory=dict)
    #: query id (ENSG/ENST) -> {transcript id: sequence}
    ensembl: dict[str, dict[str, str]] = field(default_factory=dict)
    errors: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    partial_once: bool = False
    delay: float = 0.0
    requests: Counter[str] = field(default_factory=Counter)
    asked_genes: list[str] = field(default_factory=list)
    #: arrival time (time.monotonic) of every request, and the most requests ever in flight at once
    arrivals: list[float] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def records(self, db: str) -> dict[str, Transcript]:
        molecule = "rna" if db == "nuccore" else "protein"
        return {t.uid: t for g in self.genes.values() for t in g.get(molecule, [])}


class _Handler(BaseHTTPRequestHandler):
    world: FakeWorld

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _params(self) -> dict[str, list[str]]:
        params = parse_qs(urlparse(self.path).query)
        if self.command == "POST":
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                params["__json__"] = [body]
            else:
                for k, v in parse_qs(body).items():
                    params.setdefault(k, []).extend(v)
        return params

    def _send(self, status: int, body: str, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        world = self.world
        with world.lock:
            world.arrivals.append(time.monotonic())
            world.in_flight += 1
            world.max_in_flight = max(world.max_in_flight, world.in_flight)
        try:
            self._answer()
        finally:
            with world.lock:
                world.in_flight -= 1

    def _answer(self) -> None:
        world = self.world
        params = self._params()
        endpoint = urlparse(self.path).path.rsplit("/", 1)[-1]
        if world.delay:
            time.sleep(world.delay)
        with world.lock:
            world.requests[endpoint] += 1
            error = world.errors.pop(0) if world.errors else None
        if error is not None:
            self._send(error[0], '{"error": "scripted"}', headers=error[1])
            return
        if endpoint == "esummary.fcgi" and params["db"][0] == "gene":
            self._gene_summary(params["id"][0].split(","))
        elif endpoint == "efetch.fcgi" and "seq_start" in params:
            self._interval(params)
        else:
            handler = {
                "elink.fcgi": self._elink,
                "esummary.fcgi": self._summary,
                "efetch.fcgi": self._efetch,
                "accessions": self._uniprot,
                "id": self._ensembl,
            }.get(endpoint)
            if handler is None:
                self._send(404, '{"error": "unknown endpoint"}')
            else:
                handler(params)

    def _summary(self, params: dict[str, list[str]]) -> None:
        records = self.world.records(params["db"][0])
        uids = params["id"][0].split(",")
        result: dict = {"uids": [u for u in uids if u in records]}
        for u in result["uids"]:
            result[u] = {"uid": u, "accessionversion": records[u].accession, "slen": len(records[u].sequence)}
        self._send(200, json.dumps({"result": result}))

    def _efetch(self, params: dict[str, list[str]]) -> None:
        records = self.world.records(params["db"][0])
        text = "".join(
            f">{records[u].accession} fake record\n{records[u].sequence}\n"
            for u in params["id"][0].split(",") if u in records
        )
        self._send(200, text, "text/plain")

    def _uniprot(self, params: dict[str, list[str]]) -> None:
        world = self.world
        answered: list[str] = []
        for a in params["accessions"][0].split(","):
            for primary in [a] if a in world.uniprot else world.uniprot_secondary.get(a, []):
                if primary not in answered:
                    answered.append(primary)
        text = "".join(f">sp|{a}|FAKE_HUMAN fake\n{world.uniprot[a]}\n" for a in answered)
        self._send(200, text, "text/plain")

    def _ensembl(self, params: dict[str, list[str]]) -> None:
        ids = json.loads(params["__json__"][0])["ids"]
        out = [
            {"id": tid, "query": q, "seq": seq, "molecule": "dna"}
            for q in ids for tid, seq in self.world.ensembl.get(q, {}).items()
        ]
        self._send(200, json.dumps(out))

    def _gene_summary(self, genes: list[str]) -> None:
        result: dict = {"uids": [g for g in genes if g in self.world.placements]}
        for gene in result["uids"]:
            result[gene] = {
                "uid": gene,
                "genomicinfo": [
                    {"chraccver": acc, "chrstart": start, "chrstop": stop, "exoncount": 1}
                    for acc, start, stop in self.world.placements[gene]
                ],
            }
        self._send(200, json.dumps({"result": result}))

    def _interval(self, params: dict[str, list[str]]) -> None:
        accession = params["id"][0]
        start, stop, strand = int(params["seq_start"][0]), int(params["seq_stop"][0]), params["strand"][0]
        piece = self.world.chromosomes[accession][start - 1 : stop]
        if strand == "2":
            piece = piece[::-1].translate(str.maketrans("ACGT", "TGCA"))
        self._send(200, f">{accession}:{start}-{stop} fake chromosome\n{piece}\n", "text/plain")

    def _elink(self, params: dict[str, list[str]]) -> None:
        world = self.world
        genes = params["id"]
        molecule = "rna" if params["db"][0] == "nuccore" else "protein"
        with world.lock:
            world.asked_genes.extend(genes)
            if world.partial_once and len(genes) > 1:
                world.partial_once = False
                genes = genes[:-1]  # a partial batch: the last gene is missing from the answer
        linksets = []
        for gene in genes:
            linkset: dict = {"dbfrom": "gene", "ids": [gene]}
            transcripts = world.genes.get(gene, {}).get(molecule, [])
            if transcripts:
                linkset["linksetdbs"] = [
                    {"dbto": params["db"][0], "linkname": params["linkname"][0], "links": [t.uid for t in transcripts]}
                ]
            linksets.append(linkset)
        self._send(200, json.dumps({"header": {}, "linksets": linksets}))


class FakeServer:
    """``with FakeServer(world) as url: ...`` - serves on 127.0.0.1 in a thread."""

    def __init__(self, world: FakeWorld) -> None:
        handler = type("Handler", (_Handler,), {"world": world})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> str:
        self.thread.start()
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def gene_world(n_genes: int = 6) -> FakeWorld:
    """Genes 1..n with two RNA transcripts (one over 1024 nt for even genes) and one protein each."""
    world = FakeWorld()
    for g in range(1, n_genes + 1):
        short = "ACGU" * (10 + g)
        longer = "GGCA" * (20 + g) if g % 2 else "U" * 1100
        world.genes[str(g)] = {
            "rna": [Transcript(f"{g}01", f"NR_{g:04d}01.1", short), Transcript(f"{g}02", f"XR_{g:04d}02.1", longer)],
            "protein": [Transcript(f"{g}09", f"NP_{g:04d}09.1", "MKV" * (5 + g))],
        }
    return world
