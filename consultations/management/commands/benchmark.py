"""`manage.py benchmark` (`make bench`): whole pages at 20,000 (S), 100,000 (M) or 1,000,000 (L) positions.

Builds its dataset with COPY in a throwaway database on the configured server (``<name>_bench_<size>``; never the
user's data), requests every page of ``consultations.bench.pages.PAGES`` as a signed-in user through the full
middleware stack, and reports for each the p50 and p95, the query count, the SQL floor (the page's own queries
replayed alone) and the ratios to the floor and to the Django admin's changelist; then the digests' throughput and
the exports' peak memory. Prints a table and, with ``--json PATH``, writes the measurements as JSON.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from consultations.bench import dataset as bench_dataset
from consultations.bench.measure import Measurement, Runner, digests, judge
from consultations.bench.pages import EXPORTS, PAGES


def machine() -> str:
    cpus = os.cpu_count() or 0
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kb = int(meminfo.readline().split()[1])
            memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    except OSError:
        pass
    return f"{cpus} cores{memory}, {model or platform.processor()}, Python {platform.python_version()}"


class Command(BaseCommand):
    help = "Benchmark whole pages against a synthetic dataset in a throwaway database (S, M or L)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", choices=list(bench_dataset.SIZES), default="S")
        parser.add_argument("--json", dest="json_path", help="write the measurements to this file")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="keep the benchmark database after the run and reuse it next time (built only once)",
        )
        parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
        parser.add_argument("--warmup", type=int, default=2, help="untimed requests per page first (default 2)")
        parser.add_argument("--digests", type=int, default=300, help="recipients whose digest is rendered")
        parser.add_argument("--only", default="", help="measure only the pages whose name contains this text")

    def handle(self, *args: Any, **options: Any) -> None:
        size = options["dataset"]
        # As in production: no query log kept in memory, no template debugging.
        debug, settings.DEBUG = settings.DEBUG, False
        try:
            self._run(size, options)
        finally:
            settings.DEBUG = debug

    def _run(self, size: str, options: dict[str, Any]) -> None:
        log = self.stdout.write
        started = time.perf_counter()
        with bench_dataset.bench_database(size, reuse=options["reuse"], log=log) as (_name, built):
            if not built:
                log(f"Building dataset {size} ({bench_dataset.SIZES[size]})")
                bench_dataset.build(size, log=log)
            world = bench_dataset.world(size)
            log(f"{world.positions:,} positions; measuring {options['requests']} requests per page")
            measurements = self._measure(world, options)
        elapsed = time.perf_counter() - started
        self._print(measurements)
        if options["json_path"]:
            report = {
                "dataset": size,
                "positions": world.positions,
                "machine": machine(),
                "seconds": round(elapsed, 1),
                "measurements": [m.as_json() for m in measurements],
            }
            Path(options["json_path"]).write_text(json.dumps(report, indent=2, ensure_ascii=False))
            log(f"JSON written to {options['json_path']}")

    def _measure(self, world: bench_dataset.World, options: dict[str, Any]) -> list[Measurement]:
        runner = Runner(world, requests=options["requests"], warmup=options["warmup"])
        pages = [page for page in PAGES if options["only"] in page.name]
        measurements = []
        for page in pages:
            measurement = runner.page(page)
            self.stdout.write(f"  {page.name}: p50 {measurement.p50_ms} ms", ending="\n")
            measurements.append(measurement)
        judge(measurements, pages)
        measurements += [runner.export(page) for page in EXPORTS if options["only"] in page.name]
        if options["digests"] and not options["only"]:
            measurements.append(digests(world, sample=options["digests"], log=self.stdout.write))
        return measurements

    def _print(self, measurements: list[Measurement]) -> None:
        def cell(value: Any, width: int) -> str:
            return f"{'–' if value is None else value:>{width}}"

        header = (
            f"{'page':<42}{'p50 ms':>9}{'p95 ms':>9}{'cpu ms':>8}{'queries':>8}{'floor ms':>9}{'÷floor':>8}"
            f"{'÷admin':>8}  ok"
        )
        self.stdout.write("\n" + header)
        self.stdout.write("-" * len(header))
        for m in measurements:
            if m.kind != "page":
                continue
            met = {True: "yes", False: "NO", None: "ref"}[m.targets_met]
            if not m.ok:
                met = f"HTTP {m.status}"
            self.stdout.write(
                f"{m.name[:41]:<42}{cell(m.p50_ms, 9)}{cell(m.p95_ms, 9)}{cell(m.cpu_ms, 8)}{cell(m.queries, 8)}"
                f"{cell(m.floor_ms, 9)}{cell(m.ratio_floor, 8)}{cell(m.ratio_admin, 8)}  {met}"
            )
        for m in measurements:
            if m.kind == "digest":
                self.stdout.write(
                    f"\ndigests: {m.extra['digests_per_second']} per second over {m.extra['sampled']} of "
                    f"{m.extra['recipients']} recipients, {m.extra['queries_per_recipient']} queries per recipient"
                )
            elif m.kind == "export":
                rows = f"{m.extra['rows']:,} rows, " if m.extra.get("rows") is not None else ""
                met = {True: "yes", False: "NO"}[bool(m.targets_met)] if m.ok else f"HTTP {m.status}"
                self.stdout.write(
                    f"export {m.name}: {rows}peak {m.extra['peak_mb']} MB (target < {m.extra['target_peak_mb']:g}) "
                    f"in {m.p50_ms} ms  {met}"
                )
        if not any(m.kind == "export" for m in measurements):
            self.stdout.write("exports: none yet (CSV/XLSX exports go in consultations.bench.pages.EXPORTS)")
        self.stdout.write(f"machine: {machine()}")
