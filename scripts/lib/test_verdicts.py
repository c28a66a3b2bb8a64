"""Tests of scripts/lib/verdicts.py on small synthetic runs, written as the tests write them:
result.json as `scripts/ops/fleet-load load` does, the psql probe's `TIME ok|fail` lines and the
heartbeat bodies. Each verdict passes a good run and fails a bad one with its message.

    python3 -m unittest discover -s scripts/lib -p 'test_*.py'      (make lint runs it)
"""

import contextlib
import io
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any

import verdicts

# Times as `date +%s.%N` gives them: large, so that the figures' rounding is the real one.
T0 = 1_760_000_000.0
TOOL = Path(__file__).with_name("verdicts.py")


def failure(t: float, end: float, error: str = "status 503", method: str = "POST",
            path: str = "/api/questions/1/votes") -> dict[str, Any]:
    """One entry of result.json's failures, at times relative to T0."""
    return {"t": T0 + t, "end": T0 + end, "method": method, "path": path, "error": error}


def result(failures: list[dict[str, Any]] | None = None, acked: dict[str, int] | None = None,
           unknown: dict[str, int] | None = None, counted: dict[str, int] | None = None,
           answered: list[float] | None = None, seconds: float = 60.0, requests: int = 1200,
           threads: int = 4) -> dict[str, Any]:
    """result.json as scripts/ops/fleet-load writes it; by default every vote acknowledged and
    counted, and an answer every half second of the run."""
    acked = {"1": 10, "2": 12} if acked is None else acked
    return {
        "requests": requests, "failures": failures or [], "acked": acked,
        "unknown": unknown or {},
        "answered": [T0 + i / 2 for i in range(int(seconds * 2))] if answered is None else answered,
        "question": 1, "started": T0, "ended": T0 + seconds, "threads": threads,
        "counted": dict(acked) if counted is None else counted,
    }


def heartbeat(primary: int | None = 1, reads: tuple[str, int] | None = ("ballot.database.I002", 2),
              leader_number: int | None = None) -> dict[str, Any]:
    """A heartbeat body as Ballot answers it (python-dockerflow's shape: the overall status, each
    check's, and the details of those that found something): the primary reached (server
    PRIMARY of 3) and the read pool's message, KEY on server N."""
    details: dict[str, Any] = {}
    if primary is not None:
        details["database"] = {"status": "info", "level": 20, "messages": {
            "ballot.database.I001": f"Connected to the primary, server {primary} of 3."}}
    if reads is not None:
        key, server = reads
        text = {"ballot.database.I002": f"Reads from a standby, server {server} of 3, 0.0 s behind.",
                "ballot.database.W002": f"Reads go to a primary (server {server} of 3): no standby answered.",
                "ballot.database.W003": f"The standby for reads (server {server} of 3) is 20.0 s behind its "
                                        "primary, over 15.0 s."}[key]
        status, level = ("warning", 30) if ".W" in key else ("info", 20)
        details["database_read"] = {"status": status, "level": level, "messages": {key: text}}
    checks = {"database": "ok", "database_read": "ok", "migrations": "ok"}
    checks.update({name: detail["status"] for name, detail in details.items()})
    levels = [detail["level"] for detail in details.values()]
    status = {0: "ok", 20: "info", 30: "warning"}[max(levels, default=0)]
    beat: dict[str, Any] = {"status": status, "checks": checks, "details": details}
    if leader_number is not None:
        beat["leader_number"] = leader_number
    return beat


class Run:
    """A test's folder with its files, and the verdict's exit status and output on it."""

    def __init__(self, test: unittest.TestCase) -> None:
        folder = tempfile.TemporaryDirectory()
        test.addCleanup(folder.cleanup)
        self.work = Path(folder.name)

    def write(self, name: str, content: Any) -> None:
        (self.work / name).write_text(content if isinstance(content, str) else json.dumps(content))

    def verdict(self, *arguments: str) -> tuple[int, str]:
        """verdicts.main on ARGUMENTS (WORK first after the verdict's name): status, stdout."""
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            status = verdicts.main([arguments[0], str(self.work), *arguments[1:]])
        return status, output.getvalue()


def at(seconds: float) -> str:
    """A time relative to T0, as the scripts pass it."""
    return repr(T0 + seconds)


# --- fleet ------------------------------------------------------------------------------------------
# A roll from 5 to 25 s, a broken roll from 28 to 33 s, the kill at 40 s, 4 client threads.
FLEET_TIMES = ["--roll", at(5), at(25), "--broken-roll", at(28), at(33), "--kill", at(40), "--threads", "4"]


class FleetTests(unittest.TestCase):
    def fleet(self, run_result: dict[str, Any]) -> tuple[int, str]:
        run = Run(self)
        run.write("result.json", run_result)
        return run.verdict("fleet", *FLEET_TIMES)

    def test_a_clean_run_passes_with_its_figures(self) -> None:
        # Two votes in flight on the killed replica: one of them committed (counted, unknown).
        at_kill = [failure(39.9, 40.05, "ConnectionResetError: [Errno 104] Connection reset by peer"),
                   failure(39.95, 40.02, "RemoteDisconnected: Remote end closed connection without response")]
        status, output = self.fleet(result(at_kill, acked={"1": 10, "2": 12}, unknown={"2": 2},
                                           counted={"1": 10, "2": 13}))
        self.assertEqual(status, 0, output)
        self.assertEqual(output.splitlines(), [
            "requests: 1200 in 60 s (20/s, 4 client threads)",
            "rolling deploy of 3 replicas: 20.0 s, 0 failed requests",
            "roll to a broken image, stopped: 5.0 s, 0 failed requests",
            "kill -9 of a replica: 2 failed requests, the last 0.05 s after the kill",
            "votes: 22 acknowledged, 23 counted, 2 with no answer (killed in flight)",
        ])

    def test_a_lost_acknowledged_vote_fails(self) -> None:
        status, output = self.fleet(result(acked={"1": 10, "2": 12}, counted={"1": 10, "2": 11}))
        self.assertEqual(status, 1)
        self.assertIn("FAIL: choice 2: 11 counted, 12 acknowledged (+0 unknown)", output)

    def test_a_vote_counted_twice_fails(self) -> None:
        status, output = self.fleet(result(acked={"1": 10}, unknown={"1": 1}, counted={"1": 12}))
        self.assertEqual(status, 1)
        self.assertIn("FAIL: choice 1: 12 counted, 10 acknowledged (+1 unknown)", output)

    def test_a_failed_request_during_the_roll_fails(self) -> None:
        during_roll = failure(12.0, 12.01, "status 502", method="GET", path="/")
        status, output = self.fleet(result([during_roll]))
        self.assertEqual(status, 1)
        self.assertIn("rolling deploy of 3 replicas: 20.0 s, 1 failed requests", output)
        self.assertIn("FAIL: 1 failed requests outside the kill: [{'t': ", output)
        self.assertIn("'error': 'status 502'}]", output)

    def test_a_failure_after_the_kill_window_fails(self) -> None:
        # Three seconds after the kill HAProxy has taken the replica out: a failure at 3.5 s is not the kill's.
        status, output = self.fleet(result([failure(43.4, 43.5)]))
        self.assertEqual(status, 1)
        self.assertIn("kill -9 of a replica: 0 failed requests, the last 0.00 s after the kill", output)
        self.assertIn("FAIL: 1 failed requests outside the kill", output)

    def test_more_failures_at_the_kill_than_threads_fails(self) -> None:
        at_kill = [failure(39.9 + i / 100, 40.1 + i / 100) for i in range(5)]
        status, output = self.fleet(result(at_kill, acked={"1": 10}, unknown={"1": 5}, counted={"1": 10}))
        self.assertEqual(status, 1)
        self.assertEqual(output.splitlines()[-1], "FAIL: 5 failures at the kill, more than the 4 requests in flight")

    def test_a_client_that_stopped_fails(self) -> None:
        # Answers only up to 26 s: none in the broken roll or at the kill.
        status, output = self.fleet(result(answered=[T0 + i for i in range(27)]))
        self.assertEqual(status, 1)
        self.assertEqual([line for line in output.splitlines() if line.startswith("FAIL")], [
            "FAIL: no request was answered during the broken roll: the client was not running",
            "FAIL: no request was answered during the kill: the client was not running",
        ])


    def tasks(self, counts: dict[str, int]) -> tuple[int, str]:
        run = Run(self)
        run.write("result.json", result())
        run.write("tasks.json", counts)
        return run.verdict("fleet", *FLEET_TIMES, "--tasks", "24000", "--worker-concurrency", "4")

    def test_tasks_all_succeeded_with_the_killed_workers_retried_passes(self) -> None:
        status, output = self.tasks({"queued": 24000, "succeeded": 24000, "pending": 0, "held": 12, "retried": 11,
                                     "retried_not_held": 0, "most_attempts": 2})
        self.assertEqual(status, 0, output)
        self.assertIn("tasks: 24000 queued, 24000 succeeded, 0 still pending; the killed worker held 12; "
                      "11 needed a second attempt (at most 2 attempts)", output)

    def test_a_task_lost_or_left_pending_fails(self) -> None:
        status, output = self.tasks({"queued": 24000, "succeeded": 23999, "pending": 1, "held": 0, "retried": 0,
                                     "retried_not_held": 0, "most_attempts": 1})
        self.assertEqual(status, 1)
        self.assertIn("FAIL: 1 of 24000 tasks did not succeed (lost, failed or pending)", output)

    def test_a_rerun_the_killed_worker_did_not_hold_fails(self) -> None:
        status, output = self.tasks({"queued": 24000, "succeeded": 24000, "pending": 0, "held": 41, "retried": 9,
                                     "retried_not_held": 2, "most_attempts": 3})
        self.assertEqual(status, 1)
        self.assertIn("FAIL: 2 tasks the killed worker did not hold ran again: a roll's drain lost tasks", output)
        self.assertIn("FAIL: the killed worker held 41 tasks, over its bound of 40", output)
        self.assertIn("FAIL: a task needed 3 attempts", output)


# --- ha ---------------------------------------------------------------------------------------------
# The switchover at 10 s, the kill at 30 s; the run ends at 60 s.
HA_TIMES = ["--switchover", at(10), "--kill", at(30)]


def probe(down: list[tuple[float, float]], seconds: float = 60.0) -> str:
    """The psql probe's file: a line every 100 ms, `fail` inside the DOWN intervals."""
    lines = []
    for step in range(int(seconds * 10)):
        t = step / 10
        state = "fail" if any(start <= t < end for start, end in down) else "ok"
        lines.append(f"{T0 + t:.9f} {state}\n")
    return "".join(lines)


def targets(*entries: tuple[str, str, str]) -> dict[str, Any]:
    """Prometheus' /api/v1/targets with one active target per (job, address, health)."""
    return {"status": "success", "data": {"activeTargets": [
        {"labels": {"job": job, "instance": f"{address}:9100"}, "health": health}
        for job, address, health in entries]}}


def rules(names: list[str], health: str = "ok", error: str = "") -> dict[str, Any]:
    """Prometheus' /api/v1/rules with one group holding an alerting rule per name."""
    return {"status": "success", "data": {"groups": [{"name": "ballot", "rules": [
        {"name": name, "type": "alerting", "health": health, "lastError": error, "state": "inactive"}
        for name in names]}]}}


class FleetPrometheusTests(unittest.TestCase):
    EXPECTED = {"ballot-web": ["10.0.0.2", "10.0.0.3"], "ballot-worker": ["10.0.0.9"]}

    def verdict(self, found: dict[str, Any], sums: dict[str, float] | None = None,
                expected: dict[str, list[str]] | None = None,
                loaded: dict[str, Any] | None = None) -> tuple[int, str]:
        run = Run(self)
        run.write("targets.json", found)
        run.write("expected.json", self.EXPECTED if expected is None else expected)
        run.write("sums.json", {"requests": 1500, "tasks": 20} if sums is None else sums)
        run.write("rules.json", rules(verdicts.alert_names()) if loaded is None else loaded)
        return run.verdict("fleet-prometheus")

    def test_every_container_up_passes_with_its_figures(self) -> None:
        status, output = self.verdict(targets(
            ("ballot-web", "10.0.0.2", "up"), ("ballot-web", "10.0.0.3", "up"), ("ballot-worker", "10.0.0.9", "up")))
        self.assertEqual(status, 0, output)
        self.assertIn("ballot-web: 2 of 2 running containers scraped and up", output)
        self.assertIn("requests counted: 1500; tasks run: 20", output)

    def test_a_replica_not_scraped_or_down_fails(self) -> None:
        for health in ("down", None):
            entries = [("ballot-web", "10.0.0.2", "up"), ("ballot-worker", "10.0.0.9", "up")]
            if health:
                entries.append(("ballot-web", "10.0.0.3", health))
            status, output = self.verdict(targets(*entries))
            self.assertEqual(status, 1, output)
            self.assertIn("FAIL: ballot-web: 10.0.0.3:9100 runs but is not a target that is up", output)

    def test_a_target_of_a_container_gone_fails(self) -> None:
        status, output = self.verdict(targets(
            ("ballot-web", "10.0.0.2", "up"), ("ballot-web", "10.0.0.3", "up"), ("ballot-web", "10.0.0.7", "down"),
            ("ballot-worker", "10.0.0.9", "up")))
        self.assertEqual(status, 1, output)
        self.assertIn("FAIL: ballot-web: 10.0.0.7:9100 is a target but no such container runs", output)

    def test_every_alert_is_loaded_and_evaluates(self) -> None:
        everything_up = targets(
            ("ballot-web", "10.0.0.2", "up"), ("ballot-web", "10.0.0.3", "up"), ("ballot-worker", "10.0.0.9", "up"))
        names = verdicts.alert_names()
        self.assertIn("BallotServerErrors", names)
        status, output = self.verdict(everything_up, loaded=rules(names[1:]))
        self.assertEqual(status, 1, output)
        self.assertIn(f"FAIL: alert {names[0]} is not loaded", output)
        status, output = self.verdict(everything_up, loaded=rules(names, health="err", error="parse error"))
        self.assertEqual(status, 1, output)
        self.assertIn("does not evaluate: err parse error", output)

    def test_no_worker_running_or_nothing_counted_fails(self) -> None:
        status, output = self.verdict(targets(("ballot-web", "10.0.0.2", "up")),
                                      expected={"ballot-web": ["10.0.0.2"], "ballot-worker": []},
                                      sums={"requests": 0, "tasks": 3})
        self.assertEqual(status, 1, output)
        self.assertIn("FAIL: ballot-worker: no container runs", output)
        self.assertIn("FAIL: Prometheus counted no requests", output)


class HaTests(unittest.TestCase):
    # The cluster without a primary 1.5 s from the switchover and 4 s from the kill.
    CLUSTER = [(10.0, 11.5), (30.0, 34.0)]

    def ha(self, run_result: dict[str, Any], heartbeats: dict[str, dict[str, Any]] | None = None,
           down: list[tuple[float, float]] | None = None, files: dict[str, Any] | None = None) -> tuple[int, str]:
        run = Run(self)
        run.write("result.json", run_result)
        for name, content in (files or {}).items():
            run.write(name, content)
        run.write("probe", probe(self.CLUSTER if down is None else down))
        heartbeats = heartbeats or {}
        # The leader moves from server 1 to 2 at the switchover and stays there.
        defaults = {"start": heartbeat(1, ("ballot.database.I002", 2), leader_number=1),
                    "switched": heartbeat(2, ("ballot.database.I002", 3), leader_number=2),
                    "recovered": heartbeat(2, ("ballot.database.W003", 3), leader_number=2)}
        for moment, beat in defaults.items():
            run.write(f"heartbeat-{moment}.json", heartbeats.get(moment, beat))
        return run.verdict("ha", *HA_TIMES)

    # 503s for 1.8 s from the switchover (writes), 3.9 s from the kill, one of them outcome unknown.
    def failures(self) -> list[dict[str, Any]]:
        return [failure(10.1, 10.3), failure(11.0, 11.9), failure(30.2, 31.0),
                failure(32.0, 34.1, "status 503 outcome unknown")]

    def test_a_clean_run_passes_with_its_figures(self) -> None:
        status, output = self.ha(result(self.failures(), unknown={"1": 4}, counted={"1": 11, "2": 12}))
        self.assertEqual(status, 0, output)
        self.assertEqual(output.splitlines(), [
            "switchover: the application answered 503 for 1.8 s (2 requests), "
            "the cluster had no read-write primary for 1.5 s (psql every 100 ms)",
            "kill -9: the application answered 503 for 3.9 s (2 requests), "
            "the cluster had no read-write primary for 4.0 s (psql every 100 ms)",
            "requests: 1200 in 60 s; votes: 22 acknowledged, 23 counted, 4 answered 503 "
            "(1 of them outcome unknown)",
            "reads: 0 of them failed",
            "heartbeat at start: info; Connected to the primary, server 1 of 3. "
            "Reads from a standby, server 2 of 3, 0.0 s behind.",
            "heartbeat at switched: info; Connected to the primary, server 2 of 3. "
            "Reads from a standby, server 3 of 3, 0.0 s behind.",
            "heartbeat at recovered: warning; Connected to the primary, server 2 of 3. "
            "The standby for reads (server 3 of 3) is 20.0 s behind its primary, over 15.0 s.",
        ])

    def test_reads_must_spread_over_both_standbys_and_leave_the_promoted_one(self) -> None:
        def with_reads(start: dict[str, int], seconds: float) -> tuple[int, str]:
            return self.ha(result(self.failures(), unknown={"1": 4}, counted={"1": 11, "2": 12}),
                           files={"reads-start.json": start, "reads-moved.json": {"leader": 2, "seconds": seconds}})

        status, output = with_reads({"1": 0, "2": 3, "3": 3}, 24.5)
        self.assertEqual(status, 0, output)
        self.assertIn("read connections before the switchover, by node: {'1': 0, '2': 3, '3': 3}; "
                      "off the promoted node 2 within 24.5 s", output)
        status, output = with_reads({"1": 0, "2": 6, "3": 0}, 31.0)
        self.assertEqual(status, 1)
        self.assertIn("FAIL: the read connections were on 1 node(s) only", output)
        self.assertIn("FAIL: read connections stayed on the promoted node 2 for 31.0 s, over 30 s", output)
        status, output = with_reads({"1": -1, "2": 3, "3": 3}, 45.0)
        self.assertEqual(status, 0, output)
        self.assertIn("a node did not answer the count; the spread is not judged", output)

    def test_keyed_votes_must_be_counted_exactly_once_each(self) -> None:
        keyed = {"keyed": True, "retried": 3, "replayed": 1}
        exact = result(self.failures(), counted={"1": 10, "2": 12}) | keyed
        status, output = self.ha(exact)
        self.assertEqual(status, 0, output)
        self.assertIn("votes sent again with their key: 3, 1 answered from the first try", output)
        # One more counted than acknowledged: without keys it could be the unknown vote; with
        # them, a vote counted twice.
        status, output = self.ha(result(self.failures(), counted={"1": 11, "2": 12}) | keyed)
        self.assertEqual(status, 1, output)
        self.assertIn("FAIL: choice 1: 11 counted, 10 acknowledged", output)
        status, output = self.ha(result(self.failures(), unknown={"1": 1}, counted={"1": 10, "2": 12}) | keyed)
        self.assertEqual(status, 1, output)
        self.assertIn("FAIL: 1 votes had no answer after the client's retries with their key", output)

    def test_503_over_a_second_past_the_cluster_after_a_switchover_fails(self) -> None:
        late = self.failures() + [failure(12.0, 12.7)]  # 2.6 s of 503, the cluster's 1.5 s
        status, output = self.ha(result(late, unknown={"1": 5}))
        self.assertEqual(status, 1)
        self.assertIn("FAIL: switchover: 503 for 2.6 s, over 1 s past the cluster's 1.5 s", output)

    def test_the_bound_is_the_clusters_gap_plus_one_second(self) -> None:
        # The cluster took 3 s: 3.9 s of 503 is within it.
        late = self.failures() + [failure(12.0, 14.0)]
        status, output = self.ha(result(late, unknown={"1": 5}), down=[(10.0, 13.0), (30.0, 34.0)])
        self.assertEqual(status, 0, output)
        self.assertIn("switchover: the application answered 503 for 3.9 s (3 requests), "
                      "the cluster had no read-write primary for 3.0 s", output)

    def test_fifteen_seconds_of_503_after_a_kill_fails(self) -> None:
        status, output = self.ha(result([failure(30.5, 40.0), failure(44.0, 45.5)], unknown={"1": 2}))
        self.assertEqual(status, 1)
        self.assertIn("FAIL: kill -9: 503 for 15.0 s, not under 15 s", output)

    def test_an_answer_other_than_503_fails(self) -> None:
        for error in ["status 500", "status 503 without Retry-After", "TimeoutError: timed out"]:
            with self.subTest(error=error):
                status, output = self.ha(result([failure(10.2, 10.4, error)], unknown={"1": 1}))
                self.assertEqual(status, 1)
                self.assertIn(f"FAIL: POST /api/questions/1/votes: {error} (only 503 is allowed)", output)

    def test_a_failed_read_fails(self) -> None:
        status, output = self.ha(result([failure(10.2, 10.4, method="GET", path="/questions/1")]))
        self.assertEqual(status, 1)
        self.assertIn("reads: 1 of them failed", output)
        self.assertIn("FAIL: GET /questions/1: status 503 (reads go to the standbys)", output)

    def test_a_lost_acknowledged_vote_fails(self) -> None:
        status, output = self.ha(result(self.failures(), unknown={"1": 4}, counted={"1": 9, "2": 12}))
        self.assertEqual(status, 1)
        self.assertIn("FAIL: choice 1: 9 counted, 10 acknowledged, 4 answered 503", output)

    def test_a_heartbeat_naming_another_server_than_the_leader_fails(self) -> None:
        stale = heartbeat(1, ("ballot.database.I002", 3), leader_number=2)
        status, output = self.ha(result(self.failures(), unknown={"1": 4}), {"switched": stale})
        self.assertEqual(status, 1)
        self.assertIn("FAIL: heartbeat at switched: database says 'Connected to the primary, server 1 of 3.', "
                      "the leader is server 2 of 3", output)

    def test_reads_on_the_primary_fail(self) -> None:
        on_primary = heartbeat(2, ("ballot.database.W002", 2), leader_number=2)
        status, output = self.ha(result(self.failures(), unknown={"1": 4}), {"recovered": on_primary})
        self.assertEqual(status, 1)
        self.assertIn("FAIL: heartbeat at recovered: reads are not on a standby: "
                      "{'ballot.database.W002': 'Reads go to a primary (server 2 of 3): no standby answered.'}",
                      output)

    def test_a_heartbeat_that_did_not_answer_fails(self) -> None:
        status, output = self.ha(result(self.failures(), unknown={"1": 4}), {"start": {}})
        self.assertEqual(status, 1)
        self.assertIn("heartbeat at start: None;  ", output)
        self.assertIn("FAIL: heartbeat at start: database says '', the leader is server None of 3", output)

    def test_at_most_twenty_problems_are_printed(self) -> None:
        errors = [failure(40 + i / 10, 40.05 + i / 10, "status 500") for i in range(30)]
        status, output = self.ha(result(errors, unknown={"1": 30}))
        self.assertEqual(status, 1)
        self.assertEqual(sum(line.startswith("FAIL: ") for line in output.splitlines()), 20)


def summary(task: int, attempt: int) -> str:
    """A worker's task.summary line, as mozlog writes it."""
    return json.dumps({"Type": "task.summary", "Fields": {"id": str(task), "attempt": str(attempt)}},
                      separators=(",", ":"))


class HaTasksTests(unittest.TestCase):
    def verdict(self, queued: str, batches: dict[str, list[int]], logs: list[list[str]]) -> tuple[int, str]:
        run = Run(self)
        run.write("queued", queued)
        run.write("tasks.json", batches)
        for n, lines in enumerate(logs):
            run.write(f"worker-{n + 1}.log", "\n".join(["not json", *lines]) + "\n")
        return run.verdict("ha-tasks", "--batch", "2")

    def test_committed_and_lost_answers_all_succeeded_passes(self) -> None:
        # Batch 2's answer was lost but it committed; batch 3's was lost and it did not.
        status, output = self.verdict(
            "1 ok\n2 unknown\n3 unknown\n4 ok\n", {"1": [2, 2, 1], "2": [2, 2, 2], "4": [2, 2, 1]},
            [[summary(1, 1), summary(2, 1), summary(3, 1)], [summary(3, 2), summary(4, 1)]])
        self.assertEqual(status, 0, output)
        self.assertEqual(output.splitlines(), [
            "tasks: 2 batches of 2 committed, 2 with the answer lost (1 of them committed); 6 tasks, 6 succeeded; "
            "5 runs logged, 0 under an attempt already run; batches with a task run again: 1"])

    def test_a_committed_batch_missing_a_task_fails(self) -> None:
        status, output = self.verdict("1 ok\n", {"1": [2, 1, 1]}, [])
        self.assertEqual(status, 1)
        self.assertIn("FAIL: batch 1: committed, but 2 tasks are there and 1 succeeded, not 2", output)

    def test_a_half_committed_batch_fails(self) -> None:
        status, output = self.verdict("1 ok\n2 unknown\n", {"1": [2, 2, 1], "2": [1, 1, 1]}, [])
        self.assertEqual(status, 1)
        self.assertIn("FAIL: batch 2: its answer was lost; 1 tasks are there and 1 succeeded", output)

    def test_a_task_run_twice_under_one_attempt_fails(self) -> None:
        status, output = self.verdict(
            "1 ok\n", {"1": [2, 2, 1]}, [[summary(7, 1)], [summary(7, 1), summary(8, 1)]])
        self.assertEqual(status, 1)
        self.assertIn("FAIL: 1 runs repeated a task's attempt: a task ran twice without a second attempt", output)

    def test_no_committed_batch_fails(self) -> None:
        status, output = self.verdict("1 unknown\n", {}, [])
        self.assertEqual(status, 1)
        self.assertIn("FAIL: no batch was committed: the queuer was not running", output)


class HaHeartbeatTests(unittest.TestCase):
    def test_adds_the_leaders_place_in_the_host_list(self) -> None:
        body = json.dumps(heartbeat(2))
        beat = json.loads(verdicts.ha_heartbeat(body, 25434, 25432))
        self.assertEqual(beat, {**heartbeat(2), "leader_number": 3})

    def test_from_the_command_line(self) -> None:
        answer = subprocess.run([sys.executable, str(TOOL), "ha-heartbeat", "25433", "25432"],
                                input='{"status": "ok"}', capture_output=True, text=True)
        self.assertEqual((answer.returncode, answer.stdout), (0, '{"status": "ok", "leader_number": 2}\n'))

    def test_no_body_fails(self) -> None:
        # ha-test writes {} instead.
        answer = subprocess.run([sys.executable, str(TOOL), "ha-heartbeat", "25433", "25432"],
                                input="", capture_output=True, text=True)
        self.assertNotEqual(answer.returncode, 0)


# --- ha-compose -------------------------------------------------------------------------------------


class HaComposeTests(unittest.TestCase):
    def ha_compose(self, run_result: dict[str, Any],
                   heartbeats: dict[str, dict[str, Any]] | None = None) -> tuple[int, str]:
        run = Run(self)
        run.write("result.json", run_result)
        heartbeats = heartbeats or {}
        # After the kill, the reads sit on the promoted standby, now the primary: allowed.
        defaults = {"start": heartbeat(1, ("ballot.database.I002", 2)),
                    "switched": heartbeat(2, ("ballot.database.I002", 3)),
                    "killed": heartbeat(3, ("ballot.database.W002", 3))}
        for moment, beat in defaults.items():
            run.write(f"heartbeat-{moment}.json", heartbeats.get(moment, beat))
        return run.verdict("ha-compose", *HA_TIMES)

    def failures(self) -> list[dict[str, Any]]:
        # 1.5 s of 503 from the switchover; 12.5 s from the kill, a read among them.
        return [failure(10.1, 11.6), failure(30.5, 35.0, method="GET", path="/"),
                failure(40.0, 43.0, "status 503 outcome unknown")]

    def test_a_clean_run_passes_with_its_figures(self) -> None:
        status, output = self.ha_compose(result(self.failures(), unknown={"1": 2}, counted={"1": 11, "2": 12}))
        self.assertEqual(status, 0, output)
        self.assertEqual(output.splitlines(), [
            "switchover: the application answered 503 for 1.5 s (1 requests, 0 of them reads)",
            "docker kill: the application answered 503 for 12.5 s (2 requests, 1 of them reads)",
            "requests: 1200; votes: 22 acknowledged, 23 counted, 2 answered 503",
            "heartbeat at start: Connected to the primary, server 1 of 3. "
            "Reads from a standby, server 2 of 3, 0.0 s behind.",
            "heartbeat at switched: Connected to the primary, server 2 of 3. "
            "Reads from a standby, server 3 of 3, 0.0 s behind.",
            "heartbeat at killed: Connected to the primary, server 3 of 3. "
            "Reads go to a primary (server 3 of 3): no standby answered.",
        ])

    def test_a_connection_error_at_the_kill_fails(self) -> None:
        lost = self.failures() + [failure(31.0, 61.0, "TimeoutError: timed out", method="GET", path="/api/questions")]
        status, output = self.ha_compose(result(lost, unknown={"1": 2}))
        self.assertEqual(status, 1)
        self.assertIn("FAIL: GET /api/questions: TimeoutError: timed out (only 503 is allowed)", output)

    def test_a_lost_acknowledged_vote_fails(self) -> None:
        status, output = self.ha_compose(result(self.failures(), unknown={"1": 2}, counted={"1": 9, "2": 12}))
        self.assertEqual(status, 1)
        self.assertIn("FAIL: choice 1: 9 counted, 10 acknowledged, 2 answered 503", output)

    def test_a_heartbeat_without_a_primary_fails(self) -> None:
        status, output = self.ha_compose(result(), {"killed": heartbeat(None, ("ballot.database.W002", 3))})
        self.assertEqual(status, 1)
        self.assertIn("FAIL: heartbeat at killed: no primary named: {'database_read': ", output)

    def test_reads_not_on_a_standby_at_start_fail(self) -> None:
        status, output = self.ha_compose(result(), {"start": heartbeat(1, ("ballot.database.W002", 1))})
        self.assertEqual(status, 1)
        self.assertIn("FAIL: heartbeat at start: reads are not on a standby: {'ballot.database.W002': ", output)


# --- the command line -------------------------------------------------------------------------------


class CommandLineTests(unittest.TestCase):
    """The exit status and output of the real command, as the scripts run it."""

    def run_tool(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(TOOL), *arguments], capture_output=True, text=True)

    def test_fleet_passes_and_fails(self) -> None:
        run = Run(self)
        run.write("result.json", result())
        answer = self.run_tool("fleet", str(run.work), *FLEET_TIMES)
        self.assertEqual(answer.returncode, 0, answer.stdout + answer.stderr)
        run.write("result.json", result(counted={"1": 9, "2": 12}))
        answer = self.run_tool("fleet", str(run.work), *FLEET_TIMES)
        self.assertEqual(answer.returncode, 1)
        self.assertTrue(answer.stdout.endswith("FAIL: choice 1: 9 counted, 10 acknowledged (+0 unknown)\n"))

    def test_ha_compose_fails_on_a_500(self) -> None:
        run = Run(self)
        run.write("result.json", result([failure(12.0, 12.1, "status 500")]))
        for moment in ["start", "switched", "killed"]:
            run.write(f"heartbeat-{moment}.json", heartbeat())
        answer = self.run_tool("ha-compose", str(run.work), *HA_TIMES)
        self.assertEqual(answer.returncode, 1)
        self.assertIn("FAIL: POST /api/questions/1/votes: status 500 (only 503 is allowed)\n", answer.stdout)

    def test_a_missing_argument_is_a_usage_error(self) -> None:
        answer = self.run_tool("ha", "/nonexistent", "--switchover", "1")
        self.assertEqual(answer.returncode, 2)
        self.assertIn("--kill", answer.stderr)


if __name__ == "__main__":
    unittest.main()


# --- soak -------------------------------------------------------------------------------------------
# 20 rounds of 10 s from T0: a warm-up of 20 s, windows of 50 s.


class SoakTests(unittest.TestCase):
    def soak(self, rss_growth_kb: float = 0, fd_growth: int = 0, last_p99: float = 2.0,
             rate: float = 700.0) -> tuple[int, str]:
        run = Run(self)
        rounds, samples = [], []
        for n in range(1, 21):
            t = T0 + 10 * n
            rounds.append({"t": t, "rate": rate, "p99_ms": last_p99 if n > 15 else 2.0, "non2xx": 0,
                           "socket_errors": 0})
            # replica-1 leaks evenly from the end of the warm-up (round 2); replica-2 never.
            leaked = max(0, n - 2) / 18
            samples.append({"t": t, "replica": "replica-1", "rss_kb": 30_000 + rss_growth_kb * leaked,
                            "fds": 40 + round(fd_growth * leaked), "pool_in_use": 1, "pool_idle": 3, "p99_ms": 1.5})
            samples.append({"t": t, "replica": "replica-2", "rss_kb": 30_000, "fds": 40, "pool_in_use": 1,
                            "pool_idle": 3, "p99_ms": 1.5})
        run.write("rounds.jsonl", "\n".join(json.dumps(r) for r in rounds))
        run.write("samples.jsonl", "\n".join(json.dumps(s) for s in samples))
        return run.verdict("soak", "--started", at(0), "--warmup", "20", "--window", "50", "--target", "1000")

    def test_a_steady_fleet_passes_with_its_figures(self) -> None:
        status, output = self.soak()
        self.assertEqual(status, 0, output)
        self.assertIn("p99 through the balancer: 2.00 ms in the first window, 2.00 ms in the last", output)
        self.assertIn("replica-1: RSS 29.3 → 29.3 MB", output)

    def test_memory_or_descriptors_that_keep_growing_fail(self) -> None:
        status, output = self.soak(rss_growth_kb=6 * 1024)
        self.assertEqual(status, 1)
        self.assertIn("FAIL: replica-1: RSS grew 6.0 MB after the warm-up, over 5 MB", output)
        status, output = self.soak(rss_growth_kb=4 * 1024, fd_growth=11)
        self.assertEqual(status, 1)
        self.assertIn("FAIL: replica-1: 11 more descriptors after the warm-up, over 10", output)
        self.assertNotIn("RSS grew", output)

    def test_a_p99_more_than_doubled_or_a_load_not_held_fails(self) -> None:
        self.assertEqual(self.soak(last_p99=4.0)[0], 0)
        status, output = self.soak(last_p99=4.5)
        self.assertEqual(status, 1)
        self.assertIn("FAIL: p99 grew from 2.00 ms to 4.50 ms, over 2×", output)
        status, output = self.soak(rate=400)
        self.assertIn("FAIL: the load held 400 requests/s, under half the target 1000", output)
