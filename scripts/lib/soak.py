#!/usr/bin/env python3
"""What scripts/ops/soak measures, one 10 s round at a time; the verdict is verdicts.py's `soak`.

  soak.py wrk WRK_OUTPUT T                 one JSON line: the round's requests/s, p99, errors
  soak.py sample T NAME PID METRICS_URL PREV.json
                                           one JSON line for a replica: RSS, descriptors, pool
                                           connections, and the p99 of its requests since the
                                           last sample (its histogram's buckets then, in PREV)
"""
import json
import re
import sys
import urllib.request
from pathlib import Path


def wrk(output: str, t: float) -> dict:
    """The figures of one `wrk --latency` run."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "t": t,
        "rate": float(rate.group(1)) if rate else 0.0,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else None,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def buckets(metrics: str) -> dict[float, float]:
    """Every request's duration histogram, summed over its labels: upper bound → count."""
    total: dict[float, float] = {}
    for line in metrics.splitlines():
        if not line.startswith("http_server_request_duration_seconds_bucket{"):
            continue
        bound = re.search(r'le="([^"]+)"', line)
        if bound is None:
            continue
        le = float("inf") if bound.group(1) == "+Inf" else float(bound.group(1))
        total[le] = total.get(le, 0.0) + float(line.rsplit(" ", 1)[1])
    return total


def quantile(now: dict[float, float], before: dict[float, float], q: float) -> float | None:
    """The q-quantile (seconds) of the requests between two scrapes, interpolated within its
    bucket as Prometheus' histogram_quantile does; None without requests."""
    bounds = sorted(now)
    counts = [now[b] - before.get(b, 0.0) for b in bounds]
    if not counts or counts[-1] <= 0:
        return None
    rank = q * counts[-1]
    lower, below = 0.0, 0.0
    for bound, cumulative in zip(bounds, counts):
        if cumulative >= rank:
            if bound == float("inf"):
                return lower
            inside = cumulative - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 1.0)
        lower, below = bound, cumulative
    return lower


def sample(t: float, name: str, pid: int, metrics_url: str, previous: Path) -> dict:
    """One replica's figures now."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))
    descriptors = len(list(Path(f"/proc/{pid}/fd").iterdir()))
    with urllib.request.urlopen(metrics_url, timeout=5) as response:
        metrics = response.read().decode()
    pool = {}
    for state in ("in_use", "idle"):
        found = re.findall(r'^db_pool_connections\{[^}]*state="%s"[^}]*\} ([\d.e+]+)$' % state, metrics, re.M)
        pool[state] = int(sum(float(value) for value in found))
    now = buckets(metrics)
    before = {float(k): v for k, v in json.loads(previous.read_text()).items()} if previous.exists() else {}
    previous.write_text(json.dumps({str(k): v for k, v in now.items()}))
    p99 = quantile(now, before, 0.99)
    return {"t": t, "replica": name, "rss_kb": rss_kb, "fds": descriptors, "pool_in_use": pool["in_use"],
            "pool_idle": pool["idle"], "p99_ms": None if p99 is None else round(p99 * 1000, 2)}


if __name__ == "__main__":
    if sys.argv[1:2] == ["wrk"]:
        print(json.dumps(wrk(Path(sys.argv[2]).read_text(), float(sys.argv[3]))))
    elif sys.argv[1:2] == ["sample"]:
        print(json.dumps(sample(float(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5], Path(sys.argv[6]))))
    else:
        sys.exit(__doc__)
