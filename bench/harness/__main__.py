"""`python -m bench.harness [--quick]`: installs the peers, runs every workload against each, writes the report."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uvloop

from bench.harness import peers
from bench.harness.campaign import run_campaign
from bench.harness.load import run_for
from bench.harness.machine import CoreSplit, describe_machine, load_average, pin_self, plan_cores
from bench.harness.report import chart_ratios, render
from bench.harness.results import Measurement, Missing, RunResults, metric_catalog, save
from bench.harness.wire import Endpoint, encode_call
from bench.harness.workloads import FULL, QUICK, Plan, boto3_rate, put_body

DOCS = peers.REPO / "docs"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


async def measure_sink(plan: Plan, cores: CoreSplit, results: RunResults) -> None:
    """The ceilings: the load generator and one boto3 client against a server that answers at once."""
    port = peers.free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "bench.harness.sink", str(port)], stdout=subprocess.PIPE, cwd=peers.REPO,
        preexec_fn=lambda: __import__("os").sched_setaffinity(0, cores.server), start_new_session=True,
    )
    try:
        assert sink.stdout is not None
        sink.stdout.readline()
        endpoint = Endpoint(peers.HOST, port)
        requests = [encode_call(endpoint, "PutItem", put_body("sink", f"k{i}", i)) for i in range(10_000)]
        runs = [await run_for(endpoint, requests, connections=plan.connections, seconds=plan.seconds)
                for _ in range(plan.repeats)]
        results.harness["sink.load.rate"] = Measurement([run.rate for run in runs], "requests/s")
        rates = [await asyncio.to_thread(boto3_rate, endpoint, "sink", plan.boto3_seconds)
                 for _ in range(plan.repeats)]
        results.harness["sink.boto3.rate"] = Measurement(rates, "calls/s")
    finally:
        sink.terminate()
        sink.wait(timeout=10)


async def sample_load_average(samples: list[float]) -> None:
    while True:
        samples.append(load_average())
        await asyncio.sleep(5)


def draw_chart(results: RunResults, chart: Path) -> str | None:
    ratios = chart_ratios(results)
    if not ratios:
        results.notes.append("no chart: no ratio could be computed")
        return None
    spec = peers.CACHE / "chart-ratios.json"
    spec.write_text(json.dumps({"ratios": ratios, "title": f"shardline (durable) vs peers, {results.started}"}))
    done = subprocess.run([str(peers.tools_python()), str(Path(__file__).with_name("chart.py")), str(spec),
                           str(chart)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        results.notes.append(f"no chart: matplotlib failed: {done.stderr.strip().splitlines()[-1:]}")
        return None
    return chart.name


async def main_async(arguments: argparse.Namespace) -> None:
    plan = QUICK if arguments.quick else FULL
    started = time.perf_counter()
    cores = plan_cores()
    pin_self(cores.load)
    command = arguments.command or f"python -m bench.harness{' --quick' if arguments.quick else ''}"
    results = RunResults(command, plan.mode, datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                         describe_machine(), cores.description, plan.table_sizes)
    wanted = [spec for spec in peers.ALL_PEERS if not arguments.peers or spec.name in arguments.peers]
    log(f"{plan.mode} plan; {cores.description}")
    tools = peers.install_tools()
    if not tools.ok:
        results.notes.append(f"bench tools (matplotlib, py-spy) not installed: {tools.error}")
    for family in dict.fromkeys(spec.family for spec in wanted):
        log(f"installing {family}")
        installation = peers.install(family)
        results.installs[family] = {"version": installation.version, "error": installation.error}
        if not installation.ok:
            log(f"{family} could not be installed: {installation.error}")
    log("measuring the harness ceilings against an instant sink")
    await measure_sink(plan, cores, results)
    runnable = []
    for spec in wanted:
        results.settings[spec.name] = spec.settings
        error = results.installs[spec.family]["error"]
        if error:
            results.peers[spec.name] = {m.key: Missing(f"not installed: {error}")
                                        for m in metric_catalog(plan.table_sizes)}
        else:
            runnable.append(spec)
    samples: list[float] = []
    sampler = asyncio.create_task(sample_load_average(samples))
    with tempfile.TemporaryDirectory(prefix="shardline-bench-") as work:
        measured = await run_campaign(runnable, plan, cores, Path(work), log=log,
                                      profile=tools.ok and not arguments.no_profile)
    sampler.cancel()
    for spec in wanted:
        if spec.name in measured:
            results.peers[spec.name], profile = measured[spec.name]
            if profile:
                results.profiles[spec.name] = profile
    if samples:
        results.load_average = {"min": f"{min(samples):.1f}", "median": f"{statistics.median(samples):.1f}",
                                "max": f"{max(samples):.1f}"}
    if peers.SHARDLINE_RELAXED.name in results.peers:
        results.notes.append("shardline relaxed runs only the PutItem (both clients) and stream workloads; "
                             "the rest is the same code.")
    results.duration_seconds = time.perf_counter() - started
    save(results, peers.CACHE / "results" / f"{plan.mode}.json")
    chart_name = draw_chart(results, arguments.chart) if tools.ok else None
    arguments.out.write_text(render(results, chart_name))
    log(f"wrote {arguments.out} in {results.duration_seconds / 60:.1f} minutes")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.harness", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 10k and 100k items (under 3 minutes)")
    parser.add_argument("--peers", nargs="*", help="only these rows (e.g. shardline dynalite)")
    parser.add_argument("--out", type=Path, default=DOCS / "benchmarks.md")
    parser.add_argument("--chart", type=Path, default=DOCS / "benchmarks.png")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profiles of shardline")
    parser.add_argument("--command", help="the command line to cite in the report (set by the Makefile)")
    # SIGTERM unwinds like Ctrl-C, so the campaign's clean-up stops the peers (each runs in its own session).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    uvloop.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
