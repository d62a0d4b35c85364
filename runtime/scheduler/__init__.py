"""The built-in scheduler (`dativo schedule`): fires the plan's schedules at the times the targets would,
once per (schedule, nominal fire time), each run a `dativo run` of its own process. See docs/scheduler.md.

due.py decides what is due (runtime/cron.py, the one cron type), ledger.py makes each fire happen once
(durable marker files under the state dir), launch.py starts a run, loop.py is --once and --serve.
"""
