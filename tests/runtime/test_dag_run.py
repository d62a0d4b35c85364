"""`dativo run` of a DAG schedule, end to end (real csv files, a real SQLite catalog, subprocesses): the
orchestrators' failure semantics, bounded parallelism, payload passing, `--task`, `partial`, and the events
file validated line by line against schemas/events.schema.json."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import jsonschema
from dag_project import BAD, GOOD, make_dag_project, table_ids
from rt_project import REPO, make_project, run_cli

from dativo.runtime.dag_events import DAG_EVENTS

SCHEMA = json.loads((REPO / "schemas/events.schema.json").read_text("utf-8"))
ALL = [r[0] for r in GOOD]


def dag_events(out: str) -> list[dict]:
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [r for r in rows if r["event_type"] in DAG_EVENTS]


def validated_events_file(state: Path) -> list[dict]:
    """Every line of the events file is one JSON object valid against the generated schema."""
    lines = (state / "events.jsonl").read_text("utf-8").splitlines()
    out = []
    for n, line in enumerate(lines, 1):
        event = json.loads(line)
        errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(event))
        assert not errors, f"events.jsonl:{n}: {errors[0].message}"
        out.append(event)
    return out


def test_a_failed_task_skips_only_its_downstream_and_clearing_it_completes_every_row_once(tmp_path: Path) -> None:
    p = make_dag_project(tmp_path / "p")
    p.write_csv(BAD, "a.csv")
    res = p.run("--job", "t1.chains_daily", "--run-id", "r1")
    assert res.code == 2, res.out + res.err
    ev = dag_events(res.out)
    assert [(e["event_type"], e.get("task")) for e in ev] == [
        ("dag_start", None),
        ("task_start", "a"),
        ("task_fail", "a"),
        ("task_skipped", "b"),
        ("task_start", "c"),
        ("task_ok", "c"),
        ("task_start", "d"),
        ("task_ok", "d"),
        ("dag_done", None),
    ]
    assert ev[3]["reason"] == "upstream_failed" and ev[3]["upstream"] == "a"
    done = ev[-1]
    assert (done["succeeded"], done["failed"], done["skipped"], done["exit_code"]) == (["c", "d"], ["a"], ["b"], 2)
    assert {t: table_ids(p, t) for t in "abcd"} == {"a": [], "b": [], "c": ALL, "d": ALL}
    # the events file holds the same DAG events, each line valid against the schema
    assert [(e["event_type"], e.get("task")) for e in validated_events_file(p.state)] == [
        (e["event_type"], e.get("task")) for e in ev
    ]
    # fix a's input, run the same run id again: a and b load, c and d are already committed
    p.write_csv(GOOD, "a.csv")
    again = p.run("--job", "t1.chains_daily", "--run-id", "r1", "--resume-policy", "resume")
    assert again.code == 0, again.out + again.err
    oks = {e["task"]: e["status"] for e in dag_events(again.out) if e["event_type"] == "task_ok"}
    assert oks == {"a": "success", "b": "success", "c": "already_committed", "d": "already_committed"}
    assert {t: table_ids(p, t) for t in "abcd"} == {t: ALL for t in "abcd"}
    assert len(validated_events_file(p.state)) == 9 + 10


def test_payloads_reach_downstream_tasks_as_namespaced_params(tmp_path: Path) -> None:
    p = make_dag_project(tmp_path / "p")
    res = p.run("--job", "t1.chains_daily", "--run-id", "r1")
    assert res.code == 0, res.out + res.err
    ev = dag_events(res.out)
    ok_a = next(e for e in ev if e["event_type"] == "task_ok" and e["task"] == "a")
    assert ok_a["payload"]["table"] == "t1.a" and ok_a["payload"]["rows_written"] == len(GOOD)
    assert isinstance(ok_a["payload"]["snapshot_id"], int) and "data/t1/a.csv" in ok_a["payload"]["cursor"]["files"]
    start_b = next(e for e in ev if e["event_type"] == "task_start" and e["task"] == "b")
    assert start_b["params"] == {"batch": "daily", **{f"a__{k}": v for k, v in ok_a["payload"].items()}}
    start_a = next(e for e in ev if e["event_type"] == "task_start" and e["task"] == "a")
    assert start_a["params"] == {"batch": "daily"}


def test_independent_tasks_run_in_parallel_up_to_the_tenant_slots(tmp_path: Path) -> None:
    p = make_dag_project(tmp_path / "p", concurrency=2)
    p.write_csv(BAD, "a.csv")
    res = p.run("--job", "t1.chains_daily", "--run-id", "r1")
    assert res.code == 2, res.out + res.err
    ev = dag_events(res.out)
    assert ev[0]["max_parallel"] == 2
    kinds = [(e["event_type"], e.get("task")) for e in ev]
    # both roots start before either ends; only a's downstream is skipped
    assert kinds[1:3] == [("task_start", "a"), ("task_start", "c")] or kinds[1:3] == [
        ("task_start", "c"),
        ("task_start", "a"),
    ]
    assert ev[-1]["skipped"] == ["b"] and ev[-1]["succeeded"] == ["c", "d"], res.out
    assert {t: table_ids(p, t) for t in "abcd"} == {"a": [], "b": [], "c": ALL, "d": ALL}


def test_task_option_runs_one_task_after_its_upstream_committed_in_the_same_run(tmp_path: Path) -> None:
    p = make_dag_project(tmp_path / "p")
    early = p.run("--job", "t1.chains_daily", "--task", "b", "--run-id", "r1")
    assert early.code == 2 and "upstream task 'a' has not committed" in dag_events(early.out)[0]["error"]
    assert table_ids(p, "b") == []
    assert p.run("--job", "t1.chains_daily", "--task", "a", "--run-id", "r1").code == 0
    res = p.run("--job", "t1.chains_daily", "--task", "b", "--run-id", "r1")
    assert res.code == 0, res.out + res.err
    start = dag_events(res.out)[0]
    assert start["params"]["a__table"] == "t1.a" and start["params"]["a__rows_written"] == len(GOOD)
    assert table_ids(p, "b") == ALL and table_ids(p, "c") == []  # one task only
    # the last line is the task's result: Airflow's BashOperator pushes it to XCom
    assert json.loads(res.out.splitlines()[-1])["event_type"] == "task_ok"
    unknown = p.run("--job", "t1.chains_daily", "--task", "zz", "--run-id", "r1")
    assert unknown.code == 2 and "has no task 'zz'" in unknown.err


def test_partial_fails_the_task_by_default_and_succeeds_when_told(tmp_path: Path) -> None:
    p = make_dag_project(tmp_path / "p", validation="warn")
    p.write_csv(BAD, "a.csv")
    res = p.run("--job", "t1.chains_daily", "--run-id", "r1")
    assert res.code == 1, res.out + res.err
    ev = dag_events(res.out)
    assert ev[-1]["failed"] == ["a"] and ev[-1]["skipped"] == ["b"]
    p.write_csv(BAD, "a.csv")  # a new file time: the next run reads it again
    ok = p.run("--job", "t1.chains_daily", "--run-id", "r2", "--partial", "succeed")
    assert ok.code == 0, ok.out + ok.err
    assert dag_events(ok.out)[-1]["skipped"] == []
    assert [e["status"] for e in dag_events(ok.out) if e["event_type"] == "task_ok" and e["task"] == "a"] == ["partial"]


def test_partial_succeed_in_the_runner_makes_a_partial_job_run_exit_0(tmp_path: Path) -> None:
    """`partial: succeed` on a schedule (or in dativo.yaml) reaches the plan; `dativo run` of that schedule, as
    Airflow, Kubernetes and systemd run it, exits 0 on a partial run; --partial on the command line wins."""
    p = make_project(tmp_path / "p", validation="warn", compile_=False)
    runner = p.root / "configs/runner.yaml"
    runner.write_text(runner.read_text("utf-8") + "        partial: succeed\n", "utf-8")
    assert run_cli("compile", ".", cwd=p.root).code == 0
    assert json.loads(p.plan.read_text())["schedules"]["t1.items_hourly"]["partial"] == "succeed"
    p.write_csv([*GOOD, (99, "", "2.00", 1, "2026-01-01T00:00:00Z")])
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 0 and res.events("metrics_complete")[0]["status"] == "partial", res.out + res.err
    p.write_csv([*GOOD, (98, "", "2.00", 1, "2026-01-01T00:00:00Z")])
    assert p.run("--job", "t1.items_hourly", "--run-id", "r2", "--partial", "fail").code == 1
    # the project default, when the schedule says nothing
    runner.write_text(runner.read_text("utf-8").replace("        partial: succeed\n", ""), "utf-8")
    dativo = p.root / "dativo.yaml"
    dativo.write_text(dativo.read_text("utf-8") + "partial: succeed\n", "utf-8")
    assert run_cli("compile", ".", cwd=p.root).code == 0
    assert json.loads(p.plan.read_text())["schedules"]["t1.items_hourly"]["partial"] == "succeed"
    dativo.write_text(dativo.read_text("utf-8").replace("partial: succeed\n", ""), "utf-8")
    assert run_cli("compile", ".", cwd=p.root).code == 0
    assert json.loads(p.plan.read_text())["schedules"]["t1.items_hourly"]["partial"] == "fail"


def test_sigterm_during_a_task_stops_it_and_starts_no_other(tmp_path: Path) -> None:
    """The task under way stops as a job does (interrupted, nothing committed); no later task starts, the
    independent ones are skipped as `stopped`, and the DAG exits 2."""
    p = make_dag_project(tmp_path / "p")
    p.write_csv([(i, f"item-{i}", "1.25", 1, "2026-01-01T00:00:00Z") for i in range(400_000)], "a.csv")
    proc = p.popen("--job", "t1.chains_daily", "--run-id", "r1")
    assert proc.stdout is not None
    while (line := proc.stdout.readline()) and '"source_opened"' not in line:
        pass
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, out + err
    ev = dag_events(out)
    assert [(e["event_type"], e.get("task"), e.get("reason")) for e in ev] == [
        ("task_fail", "a", None),
        ("task_skipped", "b", "upstream_failed"),
        ("task_skipped", "c", "stopped"),
        ("task_skipped", "d", "stopped"),
        ("dag_done", None, None),
    ]
    assert {t: table_ids(p, t) for t in "abcd"} == dict.fromkeys("abcd", [])
