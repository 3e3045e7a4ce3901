"""A loopback HTTP server that answers like NCBI E-utilities, UniProt REST and Ensembl REST.

Only what the resolvers use: ``elink`` / ``esummary`` / ``efetch`` (JSON / FASTA, POST form data),
``/uniprotkb/accessions`` (FASTA) and ``POST /sequence/id`` (JSON). Scripted misbehaviour: a queue of error
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
    #: query id (ENSG/ENST) -> {transcript id: sequence}
    ensembl: dict[str, dict[str, str]] = field(default_factory=dict)
    errors: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    partial_once: bool = False
    delay: float = 0.0
    requests: Counter[str] = field(default_factory=Counter)
    asked_genes: list[str] = field(default_factory=list)
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
        if endpoint == "elink.fcgi":
            self._elink(params)
        elif endpoint == "esummary.fcgi":
            records = world.records(params["db"][0])
            uids = params["id"][0].split(",")
            result: dict = {"uids": [u for u in uids if u in records]}
            for u in result["uids"]:
                result[u] = {"uid": u, "accessionversion": records[u].accession, "slen": len(records[u].sequence)}
            self._send(200, json.dumps({"result": result}))
        elif endpoint == "efetch.fcgi":
            records = world.records(params["db"][0])
            text = "".join(
                f">{records[u].accession} fake record\n{records[u].sequence}\n"
                for u in params["id"][0].split(",") if u in records
            )
            self._send(200, text, "text/plain")
        elif endpoint == "accessions":
            wanted = params["accessions"][0].split(",")
            text = "".join(f">sp|{a}|FAKE_HUMAN fake\n{world.uniprot[a]}\n" for a in wanted if a in world.uniprot)
            self._send(200, text, "text/plain")
        elif endpoint == "id":
            ids = json.loads(params["__json__"][0])["ids"]
            out = [
                {"id": tid, "query": q, "seq": seq, "molecule": "dna"}
                for q in ids for tid, seq in world.ensembl.get(q, {}).items()
            ]
            self._send(200, json.dumps(out))
        else:
            self._send(404, '{"error": "unknown endpoint"}')

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
