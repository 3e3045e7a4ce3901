"""Paper-scale rehearsal of ``rnainteract build``: a synthetic RNAInter file of 37 M rows through every
stage, against loopback NCBI / UniProt / Ensembl services, measuring each stage.

What it sets up under ``--out`` (default ``/tmp/rehearsal/full``):

* ``inputs/Download_data_RP.txt`` - 13 tab-separated columns as RNAInter v4 writes them, ``--rows`` rows
  (default 37,067,587); raw ids per source follow the paper's Table 4 (494 k NCBI RNA genes, 288 k NCBI
  protein genes, 45 k Ensembl, 11 k miRBase, 26 k NONCODE, 3 k UniProt; scaled with ``--rows``), most rows
  are mRNA / filtered categories, hub interactors carry most ncRNA rows so the interactor limit (drop at
  150) removes most positives (see ``scripts/rehearsal/world.py`` and ``rnainter_file.py``);
* ``inputs/miRNA.dat``, ``inputs/ncrna_NONCODE[v5.0].fasta.zip`` - local miRBase / NONCODE sources;
* ``inputs/databases/`` - toy Rfam CMs (Infernal) and Pfam HMMs (pyhmmer) whose family roots are planted
  in a few percent of the sequences;
* loopback services (``scripts/rehearsal/services.py``, 127.0.0.1 only, stop by themselves) answering every
  NCBI / UniProt / Ensembl id with latency, HTTP 429 (``Retry-After``) / 503 answers and partial batches;
* ``rehearsal.yaml`` - the paper config with these inputs; embeddings with the weight-free ``onehot``
  embedder (5-d RNA, 21-d protein: the reduced width).

Then it runs every stage as ``rnainteract build --config rehearsal.yaml --stage <stage>`` under
``/usr/bin/time -v`` (wall, user+system CPU including cmscan / mmseqs children, peak RSS of the largest
process), records disk per stage and the load average, embeds a sample of ``--embed-sample`` sequences per
molecule at the real width (640-d float16, ``random`` embedder) to extrapolate the embedding disk, runs the
whole ``rnainteract build --config rehearsal.yaml`` once more (every stage up to date), and writes
``rehearsal_report.md`` (printed too).

    python scripts/rehearse_paper_scale.py --rows 370676 --out /tmp/rehearsal/small   # 1/100 scale
    nohup python scripts/rehearse_paper_scale.py --out /tmp/rehearsal/full > full.log 2>&1 &
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.rehearsal.measure import (  # noqa: E402
    Measured,
    disk_usage,
    run_measured,
    stage_rows_table,
    wait_for_port,
)
from scripts.rehearsal.world import PAPER_ROWS, World  # noqa: E402

STAGES = ("ingest", "resolve", "positives", "annotate", "negatives", "split", "embed", "publish")
RFAM_NAMES = ("Rfam.cm", "Rfam.clanin")
NONCODE_NAME = "ncrna_NONCODE[v5.0].fasta.zip"
#: Requests per second the real services allow (NCBI with an API key / without, UniProt, Ensembl).
REAL_RATES = {"ncbi (API key, 10/s)": 10.0, "ncbi (no key, 3/s)": 3.0, "uniprot (5/s)": 5.0, "ensembl (10/s)": 10.0}


# ---------------------------------------------------------------------------------------------- inputs


def prepare_inputs(out: Path, rows: int, log: Path) -> World:
    """Toy databases, world, local files and the RNAInter file (each reused when already there)."""
    from scripts.rehearsal.local_files import write_mirbase, write_noncode
    from scripts.rehearsal.rnainter_file import write_rnainter
    from tests.rnainteract_builder.toy_databases import build_toy_pfam, build_toy_rfam

    inputs = out / "inputs"
    databases = inputs / "databases"
    databases.mkdir(parents=True, exist_ok=True)
    world_file = inputs / "world.json"
    if world_file.exists() and World.load(world_file).rows == rows:
        return World.load(world_file)
    world = World.scaled(rows)
    t0 = time.time()
    _, _, rfam_roots = build_toy_rfam(databases)
    _, _, pfam_roots = build_toy_pfam(databases, press=False)
    world.roots = {"rfam": rfam_roots, "pfam": pfam_roots}
    _note(log, f"toy Rfam / Pfam databases: {time.time() - t0:.1f} s")
    t0 = time.time()
    write_mirbase(world, inputs / "miRNA.dat")
    write_noncode(world, inputs / NONCODE_NAME)
    _note(log, f"miRNA.dat and NONCODE zip: {time.time() - t0:.1f} s")
    t0 = time.time()
    write_rnainter(world, inputs / "Download_data_RP.txt")
    _note(log, f"Download_data_RP.txt ({rows:,} rows, {disk_usage([inputs / 'Download_data_RP.txt']):,} bytes): "
               f"{time.time() - t0:.1f} s")
    world.save(world_file)  # last: its presence means every input is complete
    return world


def write_config(out: Path, port: int, ncbi_rate: float) -> Path:
    import yaml

    url = f"http://127.0.0.1:{port}"
    retry = {"attempts": 6, "initial_wait": 0.2, "max_wait": 5.0, "timeout": 30.0}
    config = {
        "build_dir": "build",
        "ingest": {"input": "inputs/Download_data_RP.txt", "evidence": "any", "drop_prediction_only": False,
                   "threads": 2, "memory_limit": "1GB"},
        "resolve": {"max_length": 1024, "retry": retry, "sources": [
            {"kind": "mirbase", "path": "inputs/miRNA.dat"},
            {"kind": "noncode", "path": f"inputs/{NONCODE_NAME}"},
            {"kind": "ncbi", "gene_mode": "transcript", "base_url": f"{url}/entrez/eutils", "rate": ncbi_rate},
            {"kind": "ensembl", "base_url": url, "rate": ncbi_rate},
            {"kind": "uniprot", "base_url": url, "rate": ncbi_rate},
        ]},
        "positives": {"max_length": 1024, "letter_policy": "reject", "interactor_limit": 150,
                      "interactor_limit_mode": "drop", "seed": 0},
        "annotate": {"rfam_cm": "inputs/databases/Rfam.cm", "rfam_clanin": "inputs/databases/Rfam.clanin",
                     "pfam_hmm": "inputs/databases/Pfam-A.hmm", "pfam_clans": "inputs/databases/Pfam-A.clans.tsv",
                     "rna_cluster_identity": 0.5, "protein_cluster_identity": 0.5, "cluster_tool": "mmseqs",
                     "threads": 2},
        "negatives": {"strategy": "family", "seed": 0},
        "split": {"seed": 0, "test_fraction": 0.1, "validation_fraction": 0.1,
                  "configs": ["family", "random", "cold_protein"], "audit_method": "mmseqs"},
        "embed": {"models": [{"name": "onehot", "molecule": "rna"}, {"name": "onehot", "molecule": "protein"}],
                  "device": "cpu", "length_policy": "reject"},
        "publish": {"version": "1.0.0", "shard_size_mb": 500, "repo_id": "rnainteract/rnainteract-rehearsal"},
    }
    path = out / "rehearsal.yaml"
    path.write_text("# Written by scripts/rehearse_paper_scale.py (synthetic inputs, loopback services).\n"
                    + yaml.safe_dump(config, sort_keys=False))
    return path


def _note(log: Path, text: str) -> None:
    line = f"[{time.strftime('%H:%M:%S')}] {text}"
    print(line, flush=True)
    with open(log, "a") as handle:
        handle.write(line + "\n")


# ---------------------------------------------------------------------------------------------- stages


def _stage_disk(build: Path, stage: str) -> list[Path]:
    if stage == "embed":
        return [build / "embed", build / "embeddings"]
    if stage == "publish":
        return [build / "publish", build / "dataset"]
    if stage == "resolve":
        return [build / "resolve"]
    return [build / stage]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("NCBI_API_KEY", None)
    return env


def _build_command(config: Path, stages: list[str]) -> list[str]:
    command = [sys.executable, "-m", "rnainteract_builder.cli", "build", "--config", str(config), "-q"]
    for stage in stages:
        command += ["--stage", stage]
    return command


def _time_left(args: argparse.Namespace) -> float:
    """Seconds a stage may run: ``--stage-timeout``, and no later than ``--deadline`` (epoch seconds)."""
    left = args.stage_timeout
    if args.deadline:
        left = min(left, args.deadline - time.time())
    return left


def start_services(out: Path, args: argparse.Namespace) -> subprocess.Popen:
    command = [sys.executable, "-m", "scripts.rehearsal.services", "--world", str(out / "inputs" / "world.json"),
               "--latency-ms", str(args.latency_ms), "--max-seconds", str(_time_left(args) + 60),
               "--stats", str(out / "services_stats.json")]
    return subprocess.Popen(command, cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)


def run_stages(out: Path, args: argparse.Namespace, log: Path) -> list[Measured]:
    services = start_services(out, args)
    measured: list[Measured] = []
    try:
        config = write_config(out, wait_for_port(services), args.service_rate)
        for stage in args.stages:
            if stage == "publish":
                services.terminate()
            _note(log, f"stage {stage} ...")
            m = run_measured(stage, _build_command(config, [stage]), log, _stage_disk(out / "build", stage),
                             _time_left(args), _env())
            measured.append(m)
            _note(log, f"stage {stage}: exit {m.returncode}, wall {m.wall_s:.1f} s, CPU {m.cpu_s:.1f} s, "
                       f"peak RSS {m.peak_rss_mib:.0f} MiB, disk {m.disk_bytes:,} B {m.note}")
            if m.returncode != 0:
                break
    finally:
        if services.poll() is None:
            services.terminate()
        services.wait(timeout=30)
    if measured and all(m.returncode == 0 for m in measured) and len(measured) == len(STAGES):
        full = run_measured("full build (all up to date)", _build_command(config, []), log, [out / "build"],
                            args.stage_timeout, _env())
        measured.append(full)
    return measured


# ---------------------------------------------------------------------------------------------- embedding disk


def embed_sample(out: Path, args: argparse.Namespace, log: Path) -> dict[str, dict[str, float]]:
    """640-d float16 bytes of ``--embed-sample`` sequences per molecule, extrapolated to every sequence of
    the family split (see ``scripts/rehearsal/embedding_disk.py``)."""
    from scripts.rehearsal.embedding_disk import measure

    split = out / "build" / "split" / "family"
    result = {}
    for molecule in ("rna", "protein"):
        source = split / f"{molecule}_sequences.parquet"
        if source.exists():
            result[molecule] = measure(source, out / "embed_sample", args.embed_sample)
            _note(log, f"640-d sample ({molecule}): {result[molecule]}")
    return result


# ---------------------------------------------------------------------------------------------- report


def _facts(build: Path) -> dict[str, object]:
    path = build / "build_report.json"
    if not path.exists():
        return {}
    report = json.loads(path.read_text())
    return {"steps": report.get("steps", []), "facts": report.get("facts", {})}


def _request_lines(out: Path) -> list[str]:
    path = out / "services_stats.json"
    if not path.exists():
        return []
    counts = json.loads(path.read_text())
    ncbi = sum(v for k, v in counts.items() if k.endswith(".fcgi"))
    per = {"ncbi (API key, 10/s)": ncbi, "ncbi (no key, 3/s)": ncbi, "uniprot (5/s)": counts.get("accessions", 0),
           "ensembl (10/s)": counts.get("id", 0)}
    lines = [f"- loopback services answered: {json.dumps(counts, sort_keys=True)}"]
    for name, rate in REAL_RATES.items():
        lines.append(f"- at the real rate limit, {name}: {per[name]:,} requests = {per[name] / rate / 3600:.2f} h")
    return lines


def _embedding_lines(sample: dict[str, dict[str, float]]) -> list[str]:
    lines = []
    for molecule, s in sample.items():
        lines.append(
            f"- {molecule}: {s['sample_sequences']:,} sequences at 640-d float16 took {s['sample_bytes']:,.0f} B "
            f"({s['bytes_per_1000_sequences'] / 1e6:,.1f} MB per 1,000 sequences, {s['bytes_per_residue']:,.0f} B "
            f"per residue); all {s['all_sequences']:,} sequences ({s['all_residues']:,} residues) -> "
            f"**{s['extrapolated_bytes'] / 1e9:,.2f} GB** (embed folder; publish hard-links these shards)")
    if sample:
        lines.append("- sample embeddings: Gaussian float16 through the builder's embeddings_table / "
                     "write_parquet_atomic (a model's output is about as incompressible)")
    total = sum(s["extrapolated_bytes"] for s in sample.values())
    if sample:
        lines.append(f"- both molecules: **{total / 1e9:,.2f} GB** (embed stage); publish hard-links the shards, so "
                     "the dataset folder adds no second copy on the same file system (x2 only where it must copy)")
    return lines


def write_report(out: Path, args: argparse.Namespace, measured: list[Measured],
                 sample: dict[str, dict[str, float]], started: float) -> str:
    facts = _facts(out / "build")
    steps = "\n".join(f"| {s['step']} | {s['rows']:,} |" for s in facts.get("steps", []))
    text = "\n".join([
        f"# Paper-scale rehearsal of `rnainteract build` ({args.rows:,} rows, {args.rows / PAPER_ROWS:.4g} x paper)",
        "",
        f"Command: `{' '.join(_build_command(out / 'rehearsal.yaml', ['<stage>']))}` per stage, under "
        "`/usr/bin/time -v`. CPU = user + system of the stage process and the tools it waited for (cmscan, "
        "mmseqs); peak RSS = the largest single process. Embeddings: weight-free `onehot` (5-d RNA, 21-d "
        "protein) in the build; the 640-d disk is extrapolated from a sample below.",
        f"Machine: {os.cpu_count()} cores; started {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(started))}, "
        f"total {(time.time() - started) / 60:.1f} min.",
        "", stage_rows_table(measured), "", "## Services (requests answered; time at the real rate limits)", "",
        *_request_lines(out), "", "## Embedding disk at 640-d float16", "", *_embedding_lines(sample), "",
        "## Rows after every step (build_report.json)", "", "| step | rows |", "|---|---|", steps, "",
    ])
    (out / "rehearsal_report.md").write_text(text)
    (out / "rehearsal_measurements.json").write_text(json.dumps(
        {"stages": [m.__dict__ for m in measured], "embedding_sample": sample}, indent=1, default=str))
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=PAPER_ROWS, help="RNAInter rows (default: the real file's).")
    parser.add_argument("--out", type=Path, default=Path("/tmp/rehearsal/full"))
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    parser.add_argument("--latency-ms", type=float, default=5.0, help="Mean answer delay of the services.")
    parser.add_argument("--service-rate", type=float, default=200.0,
                        help="Client rate limit towards the loopback services (requests/s).")
    parser.add_argument("--stage-timeout", type=float, default=3 * 3600, help="Seconds before a stage is killed.")
    parser.add_argument("--deadline", type=float, default=None,
                        help="Epoch seconds at which a running stage is killed and the report written.")
    parser.add_argument("--embed-sample", type=int, default=1000, help="Sequences per molecule embedded at 640-d.")
    parser.add_argument("--clean", action="store_true", help="Delete the big files (input, embeddings) at the end.")
    args = parser.parse_args(argv)
    started = time.time()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    log = out / "rehearsal.log"
    prepare_inputs(out, args.rows, log)
    measured = run_stages(out, args, log)
    sample = embed_sample(out, args, log) if all(m.returncode == 0 for m in measured) else {}
    text = write_report(out, args, measured, sample, started)
    print(text)
    if args.clean:
        clean(out)
    return 0 if all(m.returncode == 0 for m in measured) else 1


def clean(out: Path) -> None:
    """Remove the large files; the report, logs, configs and stage reports stay."""
    import shutil

    (out / "inputs" / "Download_data_RP.txt").unlink(missing_ok=True)
    for folder in ("build/embeddings", "build/dataset", "embed_sample", "build/ingest", "build/resolve"):
        shutil.rmtree(out / folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
