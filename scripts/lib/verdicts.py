#!/usr/bin/env python3
"""Pass or fail for the load tests, from the files they wrote while they ran.

Each verdict prints its figures, then one `FAIL: …` line per problem, and exits 1 when there
is a problem, 0 when there is none:

  verdicts.py fleet WORK --roll START END --broken-roll START END --kill AT --threads N
      scripts/ops/fleet-test: no failed request outside the two check intervals after the kill,
      no more failures at the kill than requests in flight (one per client thread), requests
      answered during each event, every acknowledged vote counted and none twice.
  verdicts.py fleet-prometheus WORK
      scripts/ops/fleet-test: Prometheus (the observability profile) scrapes every replica and
      worker that runs, each `up`, and nothing else; their requests and tasks add up above 0.
  verdicts.py ha WORK --switchover AT --kill AT
      scripts/ops/ha-test: only 503s, no failed read, the application back within 1 s of the
      cluster from the switchover and within 15 s from the kill, the votes as above, a
      heartbeat naming the leader and a standby for reads at start, switched and recovered, and
      reads spread over both standbys, off the promoted one within 30 s of the switchover.
  verdicts.py ha-compose WORK --switchover AT --kill AT
      scripts/ops/ha-compose-test: only 503s, the votes as above, a heartbeat naming a primary at
      start, switched and killed, a standby for reads at start, and the reads as in `ha`.

  verdicts.py soak WORK --started T0 --warmup S --window S --target RATE
      scripts/ops/soak: per replica, RSS and open descriptors from the end of the warm-up to the end
      grow by at most 5 MB and 10; the p99 of the last window (the median of its rounds' p99,
      through the balancer) is at most twice the first window's; the rounds held at least half
      the target rate.

and one helper:

  verdicts.py ha-heartbeat LEADER_PORT FIRST_PORT <BODY
      scripts/ops/ha-test: the heartbeat's JSON body with `leader_number` added, the leader's
      place in the host list (LEADER_PORT - FIRST_PORT + 1).

WORK is the test's folder:

  result.json               what `scripts/ops/fleet-load load` wrote: requests, started, ended and
                            threads; failures, each {t, end, method, path, error}; answered,
                            the times of every answer; acked, unknown and counted, votes per
                            choice id
  probe                     (ha) one line per psql probe: `TIME ok` or `TIME fail`
  reads-start.json          (ha, ha-compose) the read pool's connections per node before the
                            switchover
  reads-moved.json          (ha, ha-compose) {"leader": n, "seconds": s}: how soon after the switchover none
                            was left on the node it promoted
  heartbeat-MOMENT.json     (ha, ha-compose) the body of /__heartbeat__ at MOMENT
  targets.json              (fleet-prometheus) Prometheus' /api/v1/targets
  expected.json             (fleet-prometheus) the addresses of the running containers by job,
                            {"ballot-web": [...], "ballot-worker": [...]}
  sums.json                 (fleet-prometheus) {"requests": N, "tasks": N}: the fleet's
                            requests and tasks run, as Prometheus sums them
  rules.json                (fleet-prometheus) Prometheus' /api/v1/rules: the alerts of
                            docker/prometheus/alerts.yml, each loaded and evaluated
  rounds.jsonl              (soak) a line per 10 s round of wrk: t, rate, p99_ms, non2xx,
                            socket_errors (scripts/lib/soak.py wrk)
  samples.jsonl             (soak) a line per replica per round: t, replica, rss_kb, fds,
                            pool_in_use, pool_idle, p99_ms (scripts/lib/soak.py sample)

Times are seconds since the epoch (`date +%s.%N`). Standard library only.
"""

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast


class Failure(TypedDict):
    """A request that failed: sent at `t`, over at `end`."""

    t: float
    end: float
    method: str
    path: str
    error: str


class Result(TypedDict):
    """`scripts/ops/fleet-load load`'s result.json; votes are per choice id (as text)."""

    requests: int
    started: float
    ended: float
    threads: int
    failures: list[Failure]
    answered: list[float]
    acked: dict[str, int]
    unknown: dict[str, int]
    counted: dict[str, int]
    # Each vote sent with an Idempotency-Key and again until answered: how many needed a retry,
    # and how many retries got the first answer back (a vote whose answer was lost).
    keyed: NotRequired[bool]
    retried: NotRequired[int]
    replayed: NotRequired[int]


class Problems:
    """The problems a verdict found. The figures are printed as they are computed, the
    problems last, by `conclude`."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, problem: str) -> None:
        self.found.append(problem)

    def conclude(self, shown: int | None = None) -> int:
        """Prints the first SHOWN problems (all when None); the exit status: 1 for any problem."""
        for problem in self.found[:shown]:
            print("FAIL:", problem)
        return 1 if self.found else 0


# --- reading what the tests wrote ---------------------------------------------------------------


def read_json(path: Path) -> Any:
    with open(path) as file:
        return json.load(file)


def read_result(work: Path) -> Result:
    return cast(Result, read_json(work / "result.json"))


def read_heartbeat(work: Path, moment: str) -> dict[str, Any]:
    return cast(dict[str, Any], read_json(work / f"heartbeat-{moment}.json"))


def read_probe(path: Path) -> list[tuple[float, str]]:
    """The psql probe's lines, `TIME STATE`, as (time, state)."""
    probe: list[tuple[float, str]] = []
    with open(path) as file:
        for line in file:
            t, state = line.split()
            probe.append((float(t), state))
    return probe


# --- what the verdicts share ---------------------------------------------------------------------

# A vote whose connection broke after it was sent answers 503 `outcome_unknown`, without
# Retry-After (a retry could count it twice): allowed beside 503 with Retry-After.
ALLOWED_ERRORS = frozenset({"status 503", "status 503 outcome unknown"})


def not_503(failures: Iterable[Failure]) -> list[str]:
    """A problem for each failure that is not a 503."""
    return [f"{f['method']} {f['path']}: {f['error']} (only 503 is allowed)"
            for f in failures if f["error"] not in ALLOWED_ERRORS]


def sent_within(failures: Iterable[Failure], start: float, end: float) -> list[Failure]:
    """The failures of requests sent in [START, END)."""
    return [f for f in failures if start <= f["t"] < end]


def span(failures: Sequence[Failure]) -> float:
    """From the first request's start to the last one's end (0 for none)."""
    return (max(f["end"] for f in failures) - min(f["t"] for f in failures)) if failures else 0.0


def overlapping(failures: Iterable[Failure], start: float, end: float) -> int:
    """How many failed requests were under way at some moment of [START, END]."""
    return sum(start <= f["end"] and f["t"] <= end for f in failures)


def vote_totals(result: Result) -> tuple[int, int, int]:
    """Votes acknowledged, counted, and answered otherwise (unknown)."""
    return sum(result["acked"].values()), sum(result["counted"].values()), sum(result["unknown"].values())


def keyed_votes(result: Result, problems: Problems) -> None:
    """With idempotency keys every vote is sent again until answered: prints how many were, and
    a vote still unanswered after the client's retries is a problem (counted must equal
    acknowledged exactly, which ``miscounted`` checks)."""
    if not result.get("keyed"):
        return
    unanswered = sum(result["unknown"].values())
    print(f"votes sent again with their key: {result.get('retried', 0)}, "
          f"{result.get('replayed', 0)} answered from the first try (its answer had been lost)")
    if unanswered:
        problems.add(f"{unanswered} votes had no answer after the client's retries with their key")


def miscounted(result: Result) -> list[tuple[str, int, int, int]]:
    """(choice, counted, acknowledged, unknown) for each choice whose count is below its
    acknowledged votes or above them plus the unknown ones."""
    acked, unknown, counted = result["acked"], result["unknown"], result["counted"]
    wrong = []
    for choice in counted:
        low, high = acked.get(choice, 0), acked.get(choice, 0) + unknown.get(choice, 0)
        if not low <= counted[choice] <= high:
            wrong.append((choice, counted[choice], low, high - low))
    return wrong


def heartbeat_database(details: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The heartbeat's primary message (ballot.database.I001, or "") and the read pool's
    messages."""
    primary = details.get("database", {}).get("messages", {}).get("ballot.database.I001", "")
    reading = details.get("database_read", {}).get("messages", {})
    return cast(str, primary), cast(dict[str, str], reading)


# --- the verdicts ---------------------------------------------------------------------------------
# Each reads its files in WORK, prints its figures and then its problems; the exit status.


def fleet(work: Path, roll_start: float, roll_end: float, broken_start: float, broken_end: float, kill_at: float,
          threads: int, tasks: int | None = None, worker_concurrency: int = 4) -> int:
    """scripts/ops/fleet-test: a roll, a roll to a broken image, a kill -9 of a replica; with
    `tasks`, the background tasks queued through the roll and before a kill -9 of a worker."""
    result = read_result(work)
    problems = Problems()
    if tasks is not None:
        fleet_tasks(read_json(work / "tasks.json"), tasks, worker_concurrency, problems)
    failures = result["failures"]
    # Two check intervals (HAProxy's inter 1s, fall 2) and a second of slack for a loaded machine.
    window = 3.0
    # By when a request ended: one in flight at the kill started before it.
    at_kill = [f for f in failures if kill_at <= f["end"] <= kill_at + window]
    elsewhere = [f for f in failures if f not in at_kill]
    seconds = result["ended"] - result["started"]
    acked, counted, unknown = vote_totals(result)
    print(f"requests: {result['requests']} in {seconds:.0f} s ({result['requests'] / seconds:.0f}/s, "
          f"{result['threads']} client threads)")
    print(f"rolling deploy of 3 replicas: {roll_end - roll_start:.1f} s, "
          f"{overlapping(failures, roll_start, roll_end)} failed requests")
    print(f"roll to a broken image, stopped: {broken_end - broken_start:.1f} s, "
          f"{overlapping(failures, broken_start, broken_end)} failed requests")
    last = max((f["end"] for f in at_kill), default=kill_at)
    print(f"kill -9 of a replica: {len(at_kill)} failed requests, the last {last - kill_at:.2f} s after the kill")
    print(f"votes: {acked} acknowledged, {counted} counted, {unknown} with no answer (killed in flight)")
    answered = result["answered"]
    for name, start, end in [("roll", roll_start, roll_end), ("broken roll", broken_start, broken_end),
                             ("kill", kill_at, kill_at + window)]:
        if sum(start <= t <= end for t in answered) == 0:
            problems.add(f"no request was answered during the {name}: the client was not running")
    if elsewhere:
        problems.add(f"{len(elsewhere)} failed requests outside the kill: {elsewhere[:5]}")
    if len(at_kill) > threads:
        problems.add(f"{len(at_kill)} failures at the kill, more than the {threads} requests in flight")
    keyed_votes(result, problems)
    for choice, count, low, more in miscounted(result):
        problems.add(f"choice {choice}: {count} counted, {low} acknowledged (+{more} unknown)")
    return problems.conclude()


def fleet_tasks(counts: dict[str, int], queued: int, worker_concurrency: int, problems: Problems) -> None:
    """Every task queued succeeded; a second attempt only for what the killed worker held: its
    runners' tasks and the successes not yet written (at most 2 × WORKER_CONCURRENCY + 32)."""
    held_limit = 2 * worker_concurrency + 32
    print(f"tasks: {counts['queued']} queued, {counts['succeeded']} succeeded, {counts['pending']} still pending; "
          f"the killed worker held {counts['held']}; {counts['retried']} needed a second attempt "
          f"(at most {counts['most_attempts']} attempts)")
    if counts["queued"] != queued:
        problems.add(f"{counts['queued']} tasks in the table, {queued} queued")
    if counts["succeeded"] != queued:
        problems.add(f"{queued - counts['succeeded']} of {queued} tasks did not succeed (lost, failed or pending)")
    if counts["retried_not_held"]:
        problems.add(f"{counts['retried_not_held']} tasks the killed worker did not hold ran again: "
                     "a roll's drain lost tasks")
    if counts["held"] > held_limit:
        problems.add(f"the killed worker held {counts['held']} tasks, over its bound of {held_limit}")
    if counts["most_attempts"] > 2:
        problems.add(f"a task needed {counts['most_attempts']} attempts")


ALERTS = Path(__file__).resolve().parents[2] / "docker" / "prometheus" / "alerts.yml"


def alert_names() -> list[str]:
    """The alerts docker/prometheus/alerts.yml defines (`- alert: NAME` lines)."""
    return [line.split(":", 1)[1].strip() for line in ALERTS.read_text().splitlines()
            if line.strip().startswith("- alert:")]


def fleet_prometheus(work: Path) -> int:
    """The observability profile's Prometheus against the containers that run: each one a
    target of its job, scraped and `up`; no other target; requests and tasks counted; every
    alert of docker/prometheus/alerts.yml loaded and evaluated without an error."""
    problems = Problems()
    rules = [rule for group in read_json(work / "rules.json").get("data", {}).get("groups", [])
             for rule in group.get("rules", [])]
    loaded = {rule.get("name"): rule for rule in rules}
    for name in alert_names():
        rule = loaded.get(name)
        if rule is None:
            problems.add(f"alert {name} is not loaded")
        elif rule.get("health") != "ok" or rule.get("lastError"):
            problems.add(f"alert {name} does not evaluate: {rule.get('health')} {rule.get('lastError', '')}")
    firing = sorted(name for name, rule in loaded.items() if rule.get("state") == "firing")
    print(f"alerts: {len(loaded)} loaded, firing: {', '.join(firing) or 'none'}")
    targets = read_json(work / "targets.json").get("data", {}).get("activeTargets", [])
    expected: dict[str, list[str]] = read_json(work / "expected.json")
    sums: dict[str, float] = read_json(work / "sums.json")
    seen: dict[str, dict[str, str]] = {}
    for target in targets:
        job = target.get("labels", {}).get("job", "?")
        instance = target.get("labels", {}).get("instance", "?")
        seen.setdefault(job, {})[instance] = target.get("health", "?")
    for job, addresses in sorted(expected.items()):
        wanted = {f"{address}:9100" for address in addresses}
        found = seen.get(job, {})
        up = sorted(instance for instance, health in found.items() if health == "up")
        print(f"{job}: {len(up)} of {len(wanted)} running containers scraped and up")
        for instance in sorted(wanted - set(up)):
            problems.add(f"{job}: {instance} runs but is not a target that is up ({found.get(instance, 'no target')})")
        for instance in sorted(set(found) - wanted):
            problems.add(f"{job}: {instance} is a target but no such container runs")
        if not wanted:
            problems.add(f"{job}: no container runs")
    for job in sorted(set(seen) - set(expected)):
        problems.add(f"a job nobody expects: {job}")
    print(f"requests counted: {sums.get('requests', 0):.0f}; tasks run: {sums.get('tasks', 0):.0f}")
    for name in ("requests", "tasks"):
        if not sums.get(name):
            problems.add(f"Prometheus counted no {name}")
    return problems.conclude()


def ha(work: Path, switch_at: float, kill_at: float) -> int:
    """scripts/ops/ha-test: a switchover and a kill -9 of the primary's postmaster. The heartbeats
    (start, switched, recovered) carry the leader's `leader_number` (ha-heartbeat)."""
    result = read_result(work)
    probe = read_probe(work / "probe")
    problems = Problems()
    failures = result["failures"]
    for problem in not_503(failures):
        problems.add(problem)
    for name, start, end in [("switchover", switch_at, kill_at), ("kill -9", kill_at, result["ended"])]:
        app = sent_within(failures, start, end)
        app_gap = span(app)
        down = [t for t, state in probe if start <= t < end and state == "fail"]
        cluster_gap = 0.0
        if down:
            back = [t for t, state in probe if t > down[0] and state == "ok"]
            cluster_gap = (back[0] if back else end) - down[0]
        print(f"{name}: the application answered 503 for {app_gap:.1f} s ({len(app)} requests), "
              f"the cluster had no read-write primary for {cluster_gap:.1f} s (psql every 100 ms)")
        # The goals: back within 1 s of the cluster after a switchover, within 15 s of a kill.
        if name == "switchover" and app_gap > cluster_gap + 1.0:
            problems.add(f"switchover: 503 for {app_gap:.1f} s, over 1 s past the cluster's {cluster_gap:.1f} s")
        if name == "kill -9" and app_gap >= 15.0:
            problems.add(f"kill -9: 503 for {app_gap:.1f} s, not under 15 s")
    acked, counted, unknown = vote_totals(result)
    print(f"requests: {result['requests']} in {result['ended'] - result['started']:.0f} s; votes: "
          f"{acked} acknowledged, {counted} counted, {unknown} answered 503 "
          f"({sum(f['error'].endswith('outcome unknown') for f in failures)} of them outcome unknown)")
    keyed_votes(result, problems)
    for choice, count, low, more in miscounted(result):
        problems.add(f"choice {choice}: {count} counted, {low} acknowledged, {more} answered 503")
    # Reads go to the standbys (DATABASE_READ_URL), and a read whose connection broke is sent
    # again on a new one: no page or API read fails while the primary switches or dies.
    reads = [f for f in failures if f["method"] == "GET"]
    print(f"reads: {len(reads)} of them failed")
    for f in reads[:5]:
        problems.add(f"GET {f['path']}: {f['error']} (reads go to the standbys)")
    # The heartbeat names the primary it reached by its place in the host list, and the standby
    # the reads come from.
    for moment in ["start", "switched", "recovered"]:
        beat = read_heartbeat(work, moment)
        primary, reading = heartbeat_database(beat.get("details", {}))
        print(f"heartbeat at {moment}: {beat.get('status')}; {primary} {' '.join(reading.values())}")
        expected = f"server {beat.get('leader_number')} of 3"
        if expected not in primary:
            problems.add(f"heartbeat at {moment}: database says {primary!r}, the leader is {expected}")
        # Every standby is asked on a connection of its own: at every moment one answers.
        if not any(key in reading for key in ["ballot.database.I002", "ballot.database.W003"]):
            problems.add(f"heartbeat at {moment}: reads are not on a standby: {reading}")
    read_spread(work, problems)
    return problems.conclude(shown=20)


def read_spread(work: Path, problems: Problems) -> None:
    """The read pool's connections per node before the switchover (reads-start.json, {"1": n,
    …}) are on both standbys, and they left the node the switchover promoted within 30 s
    (reads-moved.json, {"leader": n, "seconds": s}). Skipped when the files are not there."""
    if not (work / "reads-start.json").exists():
        return
    start = {node: count for node, count in read_json(work / "reads-start.json").items()}
    moved = read_json(work / "reads-moved.json")
    spread = sorted(node for node, count in start.items() if count > 0)
    print(f"read connections before the switchover, by node: {start}; "
          f"off the promoted node {moved['leader']} within {moved['seconds']:.1f} s")
    if any(count < 0 for count in start.values()):
        # A node psql could not ask (-1): said, not judged, since the count is unknown.
        print("read connections: a node did not answer the count; the spread is not judged")
        return
    if len(spread) < 2:
        problems.add(f"the read connections were on {len(spread)} node(s) only: {start}")
    if moved["seconds"] > 30:
        problems.add(f"read connections stayed on the promoted node {moved['leader']} for {moved['seconds']:.1f} s, "
                     "over 30 s")


def ha_tasks(work: Path, batch: int) -> int:
    """scripts/ops/ha-test's task queue: batches queued through a switchover and a kill -9 of the
    primary. `queued` says which commits psql saw ("N ok") and which answers were lost ("N
    unknown"), `tasks.json` what each batch became ({batch: [tasks, succeeded, most attempts]}),
    and the workers' logs each run as (task id, attempt)."""
    problems = Problems()
    outcomes = dict(line.split() for line in (work / "queued").read_text().splitlines() if line.strip())
    batches = {int(key): value for key, value in read_json(work / "tasks.json").items()}
    committed = [int(n) for n, outcome in outcomes.items() if outcome == "ok"]
    unknown = [int(n) for n, outcome in outcomes.items() if outcome != "ok"]
    for n in committed:
        total, succeeded, _ = batches.get(n, [0, 0, 0])
        if total != batch or succeeded != batch:
            problems.add(f"batch {n}: committed, but {total} tasks are there and {succeeded} succeeded, not {batch}")
    landed = 0
    for n in unknown:
        total, succeeded, _ = batches.get(n, [0, 0, 0])
        landed += total == batch
        if total not in (0, batch) or succeeded != total:
            problems.add(f"batch {n}: its answer was lost; {total} tasks are there and {succeeded} succeeded")
    strays = sorted(set(batches) - set(committed) - set(unknown))
    if strays:
        problems.add(f"batches nobody queued: {strays}")
    runs: list[tuple[Any, Any]] = []
    for log in sorted(work.glob("worker-*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if '"Type":"task.summary"' in line:
                fields = json.loads(line).get("Fields", {})
                runs.append((fields.get("id"), fields.get("attempt")))
    twice = len(runs) - len(set(runs))
    again = sum(most > 1 for _, _, most in batches.values())
    tasks = sum(total for total, _, _ in batches.values())
    print(f"tasks: {len(committed)} batches of {batch} committed, {len(unknown)} with the answer lost "
          f"({landed} of them committed); {tasks} tasks, {sum(s for _, s, _ in batches.values())} succeeded; "
          f"{len(runs)} runs logged, {twice} under an attempt already run; "
          f"batches with a task run again: {again}")
    if not committed:
        problems.add("no batch was committed: the queuer was not running")
    if twice:
        problems.add(f"{twice} runs repeated a task's attempt: a task ran twice without a second attempt")
    return problems.conclude()


def ha_compose(work: Path, switch_at: float, kill_at: float) -> int:
    """scripts/ops/ha-compose-test: a switchover and a docker kill of the leader's container; the
    heartbeats at start, switched and killed."""
    result = read_result(work)
    problems = Problems()
    failures = result["failures"]
    for problem in not_503(failures):
        problems.add(problem)
    for name, start, end in [("switchover", switch_at, kill_at), ("docker kill", kill_at, result["ended"])]:
        inside = sent_within(failures, start, end)
        reads = sum(f["method"] == "GET" for f in inside)
        print(f"{name}: the application answered 503 for {span(inside):.1f} s "
              f"({len(inside)} requests, {reads} of them reads)")
    acked, counted, unknown = vote_totals(result)
    print(f"requests: {result['requests']}; votes: {acked} acknowledged, "
          f"{counted} counted, {unknown} answered 503")
    keyed_votes(result, problems)
    for choice, count, low, more in miscounted(result):
        problems.add(f"choice {choice}: {count} counted, {low} acknowledged, {more} answered 503")
    for moment in ["start", "switched", "killed"]:
        details = read_heartbeat(work, moment).get("details", {})
        primary, reading = heartbeat_database(details)
        print(f"heartbeat at {moment}: {primary} {' '.join(reading.values())}")
        if "Connected to the primary, server" not in primary:
            problems.add(f"heartbeat at {moment}: no primary named: {details}")
        if moment == "start" and "ballot.database.I002" not in reading:
            problems.add(f"heartbeat at {moment}: reads are not on a standby: {reading}")
    read_spread(work, problems)
    return problems.conclude(shown=20)


# The soak's bounds (the issue's): growth after the warm-up, and p99 at the end against the start.
SOAK_RSS_GROWTH_KB = 5 * 1024
SOAK_FD_GROWTH = 10
SOAK_P99_RATIO = 2.0


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def soak(work: Path, started: float, warmup: float, window: float, target: float) -> int:
    """scripts/ops/soak: nothing grows after the warm-up, and the last window is as fast as the first."""
    rounds = read_lines(work / "rounds.jsonl")
    samples = read_lines(work / "samples.jsonl")
    problems = Problems()
    if not rounds or not samples:
        problems.add("no round was measured")
        return problems.conclude()
    measured_from = started + warmup
    ended = max(r["t"] for r in rounds)
    first = [r["p99_ms"] for r in rounds if measured_from <= r["t"] <= measured_from + window and r["p99_ms"]]
    last = [r["p99_ms"] for r in rounds if r["t"] > ended - window and r["p99_ms"]]
    rate = sum(r["rate"] for r in rounds if r["t"] >= measured_from) / max(1, sum(r["t"] >= measured_from for r in rounds))
    print(f"load: {rate:.0f} requests/s on average after the warm-up (target {target:.0f}); "
          f"{sum(r['non2xx'] for r in rounds)} answers not 2xx or 3xx, "
          f"{sum(r['socket_errors'] for r in rounds)} socket errors, in {len(rounds)} rounds")
    if rate < target / 2:
        problems.add(f"the load held {rate:.0f} requests/s, under half the target {target:.0f}")
    if first and last:
        before, after = median(first), median(last)
        print(f"p99 through the balancer: {before:.2f} ms in the first window, {after:.2f} ms in the last "
              f"(medians of {len(first)} and {len(last)} rounds)")
        if after > SOAK_P99_RATIO * before:
            problems.add(f"p99 grew from {before:.2f} ms to {after:.2f} ms, over {SOAK_P99_RATIO:.0f}×")
    else:
        problems.add("a window had no round with a p99")
    for name in sorted({s["replica"] for s in samples}):
        mine = sorted((s for s in samples if s["replica"] == name), key=lambda s: s["t"])
        after_warmup = [s for s in mine if s["t"] >= measured_from]
        if not after_warmup:
            problems.add(f"{name}: no sample after the warm-up")
            continue
        mark, end = after_warmup[0], mine[-1]
        rss = end["rss_kb"] - mark["rss_kb"]
        fds = end["fds"] - mark["fds"]
        p99s = [s["p99_ms"] for s in after_warmup if s["p99_ms"] is not None]
        print(f"{name}: RSS {mark['rss_kb'] / 1024:.1f} → {end['rss_kb'] / 1024:.1f} MB "
              f"(peak {max(s['rss_kb'] for s in mine) / 1024:.1f}), descriptors {mark['fds']} → {end['fds']}, "
              f"pool in use/idle at the end {end['pool_in_use']}/{end['pool_idle']}, "
              f"p99 {min(p99s, default=0):.1f}–{max(p99s, default=0):.1f} ms per round")
        if rss > SOAK_RSS_GROWTH_KB:
            problems.add(f"{name}: RSS grew {rss / 1024:.1f} MB after the warm-up, over 5 MB")
        if fds > SOAK_FD_GROWTH:
            problems.add(f"{name}: {fds} more descriptors after the warm-up, over 10")
    return problems.conclude()


def ha_heartbeat(body: str, leader_port: int, first_port: int) -> str:
    """The heartbeat BODY with `leader_number`: the leader's place in the host list."""
    beat = json.loads(body)
    beat["leader_number"] = leader_port - first_port + 1
    return json.dumps(beat)


# --- the command line ----------------------------------------------------------------------------


def arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="verdicts.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="VERDICT")

    def work(command: argparse.ArgumentParser) -> None:
        command.add_argument("work", type=Path, metavar="WORK", help="the test's folder (result.json, …)")

    command = commands.add_parser("fleet", help="scripts/ops/fleet-test's verdict")
    work(command)
    command.add_argument("--roll", type=float, nargs=2, required=True, metavar=("START", "END"))
    command.add_argument("--broken-roll", type=float, nargs=2, required=True, metavar=("START", "END"))
    command.add_argument("--kill", type=float, required=True, metavar="AT")
    command.add_argument("--threads", type=int, required=True, metavar="N", help="the client's threads")
    command.add_argument("--tasks", type=int, metavar="N", help="tasks queued (tasks.json holds their states)")
    command.add_argument("--worker-concurrency", type=int, default=4, metavar="N")

    command = commands.add_parser("fleet-prometheus", help="scripts/ops/fleet-test's verdict on Prometheus")
    work(command)

    for name, test in [("ha", "scripts/ops/ha-test"), ("ha-compose", "scripts/ops/ha-compose-test")]:
        command = commands.add_parser(name, help=f"{test}'s verdict")
        work(command)
        command.add_argument("--switchover", type=float, required=True, metavar="AT")
        command.add_argument("--kill", type=float, required=True, metavar="AT")

    command = commands.add_parser("ha-tasks", help="scripts/ops/ha-test's verdict on the task queue")
    work(command)
    command.add_argument("--batch", type=int, required=True, metavar="N", help="tasks per batch")

    command = commands.add_parser("soak", help="scripts/ops/soak's verdict")
    work(command)
    command.add_argument("--started", type=float, required=True, metavar="T0")
    command.add_argument("--warmup", type=float, required=True, metavar="SECONDS")
    command.add_argument("--window", type=float, required=True, metavar="SECONDS")
    command.add_argument("--target", type=float, required=True, metavar="RATE", help="requests/s")

    command = commands.add_parser("ha-heartbeat", help="the heartbeat on stdin, with the leader's number")
    command.add_argument("leader_port", type=int, metavar="LEADER_PORT")
    command.add_argument("first_port", type=int, metavar="FIRST_PORT")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    if args.command == "fleet":
        (roll_start, roll_end), (broken_start, broken_end) = args.roll, args.broken_roll
        return fleet(args.work, roll_start, roll_end, broken_start, broken_end, args.kill, args.threads,
                     args.tasks, args.worker_concurrency)
    if args.command == "fleet-prometheus":
        return fleet_prometheus(args.work)
    if args.command == "ha":
        return ha(args.work, args.switchover, args.kill)
    if args.command == "ha-compose":
        return ha_compose(args.work, args.switchover, args.kill)
    if args.command == "ha-tasks":
        return ha_tasks(args.work, args.batch)
    if args.command == "soak":
        return soak(args.work, args.started, args.warmup, args.window, args.target)
    print(ha_heartbeat(sys.stdin.read(), args.leader_port, args.first_port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
