"""Loopback stand-ins for NCBI E-utilities, UniProt REST and Ensembl REST that answer every id of a
:class:`~scripts.rehearsal.world.World`, with latency, HTTP 429 / 503 answers and partial batches.

Serves on 127.0.0.1 only, and stops by itself after ``--max-seconds`` or ``--max-requests``, or when its
parent process is gone. Run as ``python -m scripts.rehearsal.services --world world.json``; it prints
``PORT <n>`` on stdout once it listens, and request counts on stderr when it stops.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from scripts.rehearsal.world import NCBI_PROTEIN_BASE, NCBI_RNA_BASE, World


class Behaviour:
    """How the services misbehave (probabilities per request) and how slow they are."""

    def __init__(self, seed: int, p429: float, p503: float, p_partial: float, latency_ms: float) -> None:
        self.rng = random.Random(seed)
        self.p429, self.p503, self.p_partial, self.latency = p429, p503, p_partial, latency_ms / 1000
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def draw(self, endpoint: str) -> tuple[float, int | None, bool]:
        """(delay in s, error status or None, partial answer?) for one request."""
        with self.lock:
            self.counts[endpoint] += 1
            u, slow = self.rng.random(), self.rng.random() < 0.01
            partial = self.rng.random() < self.p_partial
        delay = self.latency * (30 if slow else 0.5 + self.rng.random())
        status = 429 if u < self.p429 else 503 if u < self.p429 + self.p503 else None
        if status:
            with self.lock:
                self.counts[f"HTTP {status}"] += 1
        if partial:
            with self.lock:
                self.counts["partial"] += 1
        return delay, status, partial


class Catalogue:
    """NCBI / UniProt / Ensembl records of the world (computed per request, nothing stored)."""

    def __init__(self, world: World) -> None:
        self.w = world

    def gene(self, gene: int, molecule: str) -> tuple[str, str, bool] | None:
        """(source, key, hub) of an NCBI gene id of the right molecule, else None."""
        c = self.w.counts
        if molecule == "rna" and 0 <= gene - NCBI_RNA_BASE < c["rna_ncbi"]:
            return "ncbi", str(gene), gene - NCBI_RNA_BASE < self.w.hubs
        if molecule == "protein" and 0 <= gene - NCBI_PROTEIN_BASE < c["protein_ncbi"]:
            return "ncbi_protein", str(gene), gene - NCBI_PROTEIN_BASE < self.w.hubs
        return None

    def links(self, gene: int, molecule: str) -> list[int]:
        info = self.gene(gene, molecule)
        if info is None or not self.w.found(*info):
            return []
        return [gene * 10 + t for t in range(len(self.w.isoform_lengths(*info)))]

    def record(self, uid: int, molecule: str) -> tuple[str, int, bool, str, str] | None:
        """(accession, length, short, source, key) of a RefSeq uid."""
        gene, t = divmod(uid, 10)
        info = self.gene(gene, molecule)
        if info is None:
            return None
        lengths = self.w.isoform_lengths(*info)
        if t >= len(lengths):
            return None
        prefix = ("NR_" if t % 2 == 0 else "XR_") if molecule == "rna" else ("NP_" if t % 2 == 0 else "XP_")
        return f"{prefix}{uid}.1", lengths[t], lengths[t] <= 1024, info[0], f"{info[1]}.{t}"

    def fasta(self, uid: int, molecule: str) -> str:
        rec = self.record(uid, molecule)
        if rec is None:
            return ""
        accession, length, short, _, key = rec
        seq = self.w.sequence(molecule, key, length, short)
        if molecule == "rna":
            seq = seq.replace("U", "T")
        return f">{accession} synthetic record\n{seq}\n"

    def uniprot(self, accession: str) -> tuple[str, str] | None:
        """(accession in the header, sequence): ~2 % are secondary accessions answered under a primary."""
        c = self.w.counts
        if not (accession.startswith("Q") and accession[1:].isdigit() and int(accession[1:]) < c["protein_uniprot"]):
            return None
        if not self.w.found("uniprot", accession, False):
            return None
        lengths = self.w.isoform_lengths("uniprot", accession, False, n_max=1)
        seq = self.w.sequence("protein", f"uniprot.{accession}", lengths[0], lengths[0] <= 1024)
        primary = "A" + accession[1:] if int(accession[1:]) % 50 == 7 else accession
        return primary, seq

    def ensembl(self, query: str, molecule: str) -> dict[str, str]:
        if molecule != "rna" or not query.startswith(("ENSG", "ENST")) or not query[4:].isdigit():
            return {}
        if int(query[4:]) >= self.w.counts["rna_ensembl"] or not self.w.found("ensembl", query, False):
            return {}
        lengths = self.w.isoform_lengths("ensembl", query, False, n_max=1 if query.startswith("ENST") else 3)
        out = {}
        for t, length in enumerate(lengths):
            tid = query if query.startswith("ENST") else f"ENST9{query[4:]}{t}"
            out[tid] = self.w.sequence("rna", f"ensembl.{query}.{t}", length, length <= 1024).replace("U", "T")
        return out


class Handler(BaseHTTPRequestHandler):
    catalogue: Catalogue
    behaviour: Behaviour
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _params(self) -> dict[str, list[str]]:
        params = parse_qs(urlparse(self.path).query)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode() if self.command == "POST" else ""
        if self.headers.get("Content-Type", "").startswith("application/json"):
            params["__json__"] = [body]
        else:
            for key, values in parse_qs(body).items():
                params.setdefault(key, []).extend(values)
        return params

    def _send(self, status: int, body: str, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        params = self._params()
        endpoint = urlparse(self.path).path.rsplit("/", 1)[-1]
        delay, status, partial = self.behaviour.draw(endpoint)
        time.sleep(delay)
        if status == 429:
            self._send(429, '{"error": "API rate limit exceeded"}', headers={"Retry-After": "1"})
            return
        if status is not None:
            self._send(status, '{"error": "service unavailable"}')
            return
        handler = {"elink.fcgi": self._elink, "esummary.fcgi": self._esummary, "efetch.fcgi": self._efetch,
                   "accessions": self._uniprot, "id": self._ensembl}.get(endpoint)
        if handler is None:
            self._send(404, '{"error": "unknown endpoint"}')
        else:
            handler(params, partial)

    @staticmethod
    def _molecule(params: dict[str, list[str]]) -> str:
        return "rna" if params["db"][0] == "nuccore" else "protein"

    def _elink(self, params: dict[str, list[str]], partial: bool) -> None:
        genes = params["id"][:-1] if partial and len(params["id"]) > 1 else params["id"]
        molecule, linksets = self._molecule(params), []
        for gene in genes:
            linkset: dict = {"dbfrom": "gene", "ids": [gene]}
            uids = self.catalogue.links(int(gene), molecule) if gene.isdigit() else []
            if uids:
                linkset["linksetdbs"] = [{"dbto": params["db"][0], "linkname": params["linkname"][0], "links": uids}]
            linksets.append(linkset)
        self._send(200, json.dumps({"header": {}, "linksets": linksets}))

    def _esummary(self, params: dict[str, list[str]], partial: bool) -> None:
        molecule, result = self._molecule(params), {"uids": []}
        for uid in params["id"][0].split(","):
            rec = self.catalogue.record(int(uid), molecule) if uid.isdigit() else None
            if rec is not None:
                result["uids"].append(uid)
                result[uid] = {"uid": uid, "accessionversion": rec[0], "slen": rec[1]}
        self._send(200, json.dumps({"result": result}))

    def _efetch(self, params: dict[str, list[str]], partial: bool) -> None:
        molecule = self._molecule(params)
        text = "".join(self.catalogue.fasta(int(u), molecule) for u in params["id"][0].split(",") if u.isdigit())
        self._send(200, text, "text/plain")

    def _uniprot(self, params: dict[str, list[str]], partial: bool) -> None:
        keys = params["accessions"][0].split(",")
        keys = keys[:-1] if partial and len(keys) > 1 else keys
        hits = [hit for hit in map(self.catalogue.uniprot, keys) if hit is not None]
        self._send(200, "".join(f">sp|{a}|SYN_HUMAN synthetic\n{s}\n" for a, s in hits), "text/plain")

    def _ensembl(self, params: dict[str, list[str]], partial: bool) -> None:
        ids = json.loads(params["__json__"][0])["ids"]
        ids = ids[:-1] if partial and len(ids) > 1 else ids
        molecule = "rna" if params.get("type", ["cdna"])[0] == "cdna" else "protein"
        out = [{"id": tid, "query": q, "seq": seq, "molecule": "dna"}
               for q in ids for tid, seq in self.catalogue.ensembl(q, molecule).items()]
        self._send(200, json.dumps(out))


def _watchdog(server: ThreadingHTTPServer, behaviour: Behaviour, max_seconds: float, max_requests: int) -> None:
    start, parent = time.monotonic(), os.getppid()
    while True:
        time.sleep(0.5)
        total = sum(v for k, v in behaviour.counts.items() if not k.startswith(("HTTP", "partial")))
        if time.monotonic() - start > max_seconds or total > max_requests or os.getppid() != parent:
            server.shutdown()
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=5.0, help="Mean answer delay (1 %% of answers 30x).")
    parser.add_argument("--p429", type=float, default=0.002)
    parser.add_argument("--p503", type=float, default=0.001)
    parser.add_argument("--p-partial", type=float, default=0.01)
    parser.add_argument("--max-seconds", type=float, default=3 * 3600)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--stats", type=Path, help="Write request counts (JSON) here when stopping.")
    args = parser.parse_args(argv)
    behaviour = Behaviour(1, args.p429, args.p503, args.p_partial, args.latency_ms)
    handler = type("BoundHandler", (Handler,), {"catalogue": Catalogue(World.load(args.world)), "behaviour": behaviour})
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    server.daemon_threads = True
    threading.Thread(target=_watchdog, args=(server, behaviour, args.max_seconds, args.max_requests),
                     daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # terminate() still writes the request counts
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if args.stats:
            args.stats.write_text(json.dumps(dict(behaviour.counts), indent=1, sort_keys=True))
        print(json.dumps(dict(behaviour.counts), sort_keys=True), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
