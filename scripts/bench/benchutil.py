"""Timing blocks for the PyTorch side of `npm run bench`, with the same policy as benchutil.ts (policy.json).

Foreign load of a block: CPU time the whole machine spent busy (/proc/stat) minus this process's own CPU time
(all its threads), as a fraction of wall time x CPUs. A block over policy.maxForeign is retried while the
retry budget (env TE_BENCH_RETRY_UNTIL, epoch ms) lasts; the least disturbed attempt is kept.
"""
import json
import os
import statistics
import time

_POLICY = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "policy.json")))
_HZ = os.sysconf("SC_CLK_TCK")


def _machine():
    with open("/proc/stat") as f:
        lines = f.read().splitlines()
    v = [int(x) for x in lines[0].split()[1:9]]
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]  # user nice system irq softirq steal
    cpus = sum(1 for line in lines if line.startswith("cpu") and line[3:4].isdigit())
    return busy / _HZ, cpus


def policy(name):
    return {**_POLICY["default"], **_POLICY["workloads"].get(name, {})}


def _attempt(fn, p):
    for _ in range(p["warmup"]):
        fn()
    times = []
    busy0, cpus = _machine()
    own0, wall0 = time.process_time(), time.perf_counter()
    while True:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        elapsed = (time.perf_counter() - wall0) * 1000
        if (len(times) >= p["minRuns"] and elapsed >= p["minMs"]) or (len(times) >= 3 and elapsed >= p["capMs"]) \
                or len(times) >= p["maxRuns"]:
            break
    wall = time.perf_counter() - wall0
    busy1, _ = _machine()
    foreign = max(0.0, (busy1 - busy0 - (time.process_time() - own0)) / (wall * cpus))
    return {"ms": round(statistics.median(times), 4), "min_ms": round(min(times), 4), "runs": len(times),
            "foreign_load": round(foreign, 3)}


def _wait_for_quiet(until):
    """Waits (at most quietWaitMs, never past `until`) for a window in which other processes leave the machine idle."""
    end = min(until, time.time() * 1000 + _POLICY["quietWaitMs"])
    while time.time() * 1000 < end:
        busy0, cpus = _machine()
        own0, wall0 = time.process_time(), time.perf_counter()
        time.sleep(_POLICY["quietWindowMs"] / 1000)
        busy1, _ = _machine()
        foreign = (busy1 - busy0 - (time.process_time() - own0)) / ((time.perf_counter() - wall0) * cpus)
        if foreign <= _POLICY["maxForeign"]:
            return


def time_block(fn, name):
    p = policy(name)
    until = float(os.environ.get("TE_BENCH_RETRY_UNTIL", "inf"))
    best, attempts = None, 0
    while True:
        started = time.perf_counter()
        r = _attempt(fn, p)
        limit = _POLICY["slowMaxAttempts"] if (time.perf_counter() - started) * 1000 > _POLICY["slowAttemptMs"] \
            else _POLICY["maxAttempts"]
        attempts += 1
        if best is None or r["foreign_load"] < best["foreign_load"]:
            best = r
        if best["foreign_load"] <= _POLICY["maxForeign"] or attempts >= limit \
                or time.time() * 1000 > until:
            break
        _wait_for_quiet(until)
    return {**best, "attempts": attempts}
