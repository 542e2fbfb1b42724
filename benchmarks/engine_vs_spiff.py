#!/usr/bin/env python3
"""Potok's engine against SpiffWorkflow 3.2 on the complaint-review process, in one run.

Usage: python benchmarks/engine_vs_spiff.py [--quick] [--target SECONDS] [--runs N] [--in-memory-only]

Measures, in memory (Potok on its MemoryStore), with the data of ../shared/bench/spiff_baseline.py:
  (a) start → first user task, instances per second
  (b) a full instance (3–4 user tasks completed with data), instances per second
Each figure is the median of --runs runs (at least 3) of N instances, N calibrated to about
--target seconds; the ratio Potok / SpiffWorkflow is printed on the last lines.

Then parts (c)–(f) with the product's persistence (benchmarks/engine_persistence.py, run as a child so
Django is configured apart): (c) full instances committed step by step to SQLite against SpiffWorkflow
saving and reloading its JSON after every step, (d) starts and completions per second on PostgreSQL,
(e) the cost of one completion with few vs many instances waiting, (f) a worker's memory with many
instances waiting. `--in-memory-only` stops after (b).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO.parent / "shared" / "bench"
MODEL = BENCH / "complaint_review.bpmn"
PROCESS_ID = "complaint_review"
# A new store every so many instances keeps memory flat in long runs (SpiffWorkflow's
# workflows are dropped after each instance too).
STORE_CHUNK = 5000


def _baseline() -> ModuleType:
    """spiff_baseline.py from the shared bench folder: its data_for and its way of driving Spiff."""
    path = BENCH / "spiff_baseline.py"
    if not path.is_file():
        sys.exit(f"{path} is missing: the benchmark needs the shared bench folder next to the repository")
    spec = importlib.util.spec_from_file_location("spiff_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class PotokBench:
    """Potok on a MemoryStore, driven like spiff_baseline drives SpiffWorkflow."""

    def __init__(self, data_for: Callable[[str, int], dict[str, object]]) -> None:
        from potok.engine import Engine, MemoryStore, read_bpmn

        self._store_class = MemoryStore
        self.process = read_bpmn(MODEL.read_bytes(), source_name=MODEL.name).process(PROCESS_ID)
        self.store = MemoryStore()
        self.engine = Engine(self.store)
        self.data_for = data_for
        self.count = 0

    def _fresh_store_now_and_then(self) -> None:
        self.count += 1
        if self.count % STORE_CHUNK == 0:
            self.store = self._store_class()
            self.engine.store = self.store

    def start(self, _: int) -> None:
        self._fresh_store_now_and_then()
        instance = self.engine.start(self.process)
        tasks = self.store.open_tasks(instance.id)
        assert tasks[0].node_id == "register"

    def full(self, i: int) -> None:
        from potok.engine import InstanceStatus

        self._fresh_store_now_and_then()
        instance = self.engine.start(self.process)
        store = self.store
        while True:
            tasks = store.open_tasks(instance.id)
            if not tasks:
                break
            task = tasks[0]
            self.engine.complete_task(task.id, self.data_for(task.node_id, i))
        assert store.instance(instance.id).state is InstanceStatus.COMPLETED


def _timed(fn: Callable[[int], None], n: int) -> float:
    gc.collect()
    started = time.perf_counter()
    for i in range(n):
        fn(i)
    return time.perf_counter() - started


def _calibrate(fn: Callable[[int], None], target: float) -> int:
    n, elapsed = 10, 0.0
    while elapsed < min(0.5, target / 2):
        n *= 2
        elapsed = _timed(fn, n)
    return max(1, int(n * target / elapsed))


def throughput(name: str, fn: Callable[[int], None], target: float, runs: int) -> float:
    n = _calibrate(fn, target)
    rates = [n / _timed(fn, n) for _ in range(runs)]
    median = statistics.median(rates)
    print(
        f"  {name:28s} N={n:7d} runs/s={[round(rate) for rate in rates]} median={median:,.0f}/s", flush=True
    )
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="about a second per run: done within a minute")
    parser.add_argument("--target", type=float, default=None, help="seconds per measured run (default 4)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is reported (>= 3)")
    parser.add_argument("--in-memory-only", action="store_true", help="measure (a) and (b) only")
    args = parser.parse_args(argv)
    runs = max(3, args.runs)
    target = args.target if args.target is not None else (0.8 if args.quick else 4.0)

    baseline = _baseline()
    import SpiffWorkflow

    print(
        f"python {platform.python_version()} SpiffWorkflow {SpiffWorkflow.__version__} "
        f"{platform.machine()} target={target}s runs={runs}",
        flush=True,
    )
    spec, subprocesses = baseline.load()
    potok = PotokBench(baseline.data_for)

    def spiff_start(_: int) -> None:
        baseline.ready(baseline.start(spec, subprocesses))

    def spiff_full(i: int) -> None:
        baseline.run_full(spec, subprocesses, i)

    results: dict[str, tuple[float, float]] = {}
    for label, potok_fn, spiff_fn in (
        ("(a) start -> first user task", potok.start, spiff_start),
        ("(b) full instance", potok.full, spiff_full),
    ):
        print(label, flush=True)
        potok_rate = throughput("Potok (MemoryStore)", potok_fn, target, runs)
        spiff_rate = throughput("SpiffWorkflow 3.2", spiff_fn, target, runs)
        results[label] = (potok_rate, spiff_rate)
    print("results (instances per second, medians; ratio = Potok / SpiffWorkflow):")
    for label, (potok_rate, spiff_rate) in results.items():
        print(
            f"{label}: Potok {potok_rate:,.0f}/s  SpiffWorkflow {spiff_rate:,.0f}/s  "
            f"ratio {potok_rate / spiff_rate:.2f}x"
        )
    if args.in_memory_only:
        return 0
    import subprocess

    persistence = Path(__file__).resolve().parent / "engine_persistence.py"
    command = [sys.executable, str(persistence), "--runs", str(runs)] + (["--quick"] if args.quick else [])
    return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
