"""Run one build stage in its own process under ``/usr/bin/time -v`` and collect wall, CPU, peak RSS,
disk and the load average while it ran."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_TIME_FIELDS = {
    "user": r"User time \(seconds\): ([\d.]+)",
    "system": r"System time \(seconds\): ([\d.]+)",
    "rss_kb": r"Maximum resident set size \(kbytes\): (\d+)",
    "wall": r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)",
}


@dataclass
class Measured:
    name: str
    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    disk_bytes: int
    load: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def load_text(self) -> str:
        if not self.load:
            return "-"
        return f"{sum(self.load) / len(self.load):.1f} (max {max(self.load):.1f})"


def _wall_seconds(text: str) -> float:
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def parse_time_output(text: str) -> dict[str, float]:
    out = {}
    for key, pattern in _TIME_FIELDS.items():
        match = re.search(pattern, text)
        if match:
            out[key] = _wall_seconds(match[1]) if key == "wall" else float(match[1])
    return out


def disk_usage(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total


class LoadSampler:
    """Samples the 1-minute load average every ``interval`` seconds in a thread."""

    def __init__(self, interval: float = 5.0) -> None:
        self.interval, self.values = interval, [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.values.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.values.append(os.getloadavg()[0])


def run_measured(name: str, command: list[str], log: Path, disk: list[Path], timeout: float,
                 env: dict[str, str] | None = None) -> Measured:
    """``/usr/bin/time -v command`` with stdout/stderr appended to ``log``; CPU includes waited-for children
    (cmscan, mmseqs), peak RSS is the largest single process."""
    time_file = log.with_suffix(f".{re.sub(r'[^A-Za-z0-9]+', '_', name)}.time")
    with open(log, "a") as handle, LoadSampler() as load:
        handle.write(f"\n==== {name}: {' '.join(command)}\n")
        handle.flush()
        process = subprocess.Popen(["/usr/bin/time", "-v", "-o", str(time_file), *command], stdout=handle,
                                   stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            code, note = process.wait(timeout=max(timeout, 1)), ""
        except subprocess.TimeoutExpired:  # the whole process group: time, the stage, cmscan / mmseqs
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            code, note = 124, f"killed after {timeout:.0f} s (deadline)"
    stats = parse_time_output(time_file.read_text()) if time_file.exists() else {}
    return Measured(name, code, stats.get("wall", float("nan")), stats.get("user", 0) + stats.get("system", 0),
                    stats.get("rss_kb", 0) / 1024, disk_usage(disk), load.values, note)


def stage_rows_table(rows: list[Measured]) -> str:
    lines = ["| stage | exit | wall | CPU (user+sys) | peak RSS | disk after | load avg (1 min) | note |",
             "|---|---|---|---|---|---|---|---|"]
    for m in rows:
        lines.append(
            f"| {m.name} | {m.returncode} | {_fmt_s(m.wall_s)} | {_fmt_s(m.cpu_s)} | {m.peak_rss_mib:,.0f} MiB | "
            f"{_fmt_bytes(m.disk_bytes)} | {m.load_text} | {m.note} |"
        )
    return "\n".join(lines)


def _fmt_s(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "-"
    return f"{seconds:,.1f} s" if seconds < 120 else f"{seconds / 60:,.1f} min"


def _fmt_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000:
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} TB"


def wait_for_port(process: subprocess.Popen, timeout: float = 60.0) -> int:
    """Read ``PORT <n>`` from the service's stdout."""
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("PORT "):
            return int(line.split()[1])
        if process.poll() is not None:
            break
    raise RuntimeError("the loopback services did not start")
