"""Start-up: wall time and peak memory of `python -m kzbot check`, each run a fresh process."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Startup:
    runs: int
    median_seconds: float
    max_seconds: float
    peak_rss_bytes: int


def clean_environment() -> dict[str, str]:
    """This process's environment without kzbot or Discord settings, so a developer's own cannot skew a run."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "KZBOT_"))}


def measure_check(runs: int = 7) -> Startup:
    """Run `python -m kzbot check` `runs` times; each must exit 0. Peak RSS is the largest of the runs."""
    times: list[float] = []
    peak = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "kzbot", "check"],
            cwd=REPO_ROOT,
            env=clean_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - t0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            error = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"python -m kzbot check exited {proc.returncode}: {error.strip()}")
        if proc.stderr:
            proc.stderr.close()
        peak = max(peak, usage.ru_maxrss * 1024)  # kilobytes on Linux
    return Startup(runs, statistics.median(times), max(times), peak)
