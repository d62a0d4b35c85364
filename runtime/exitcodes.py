"""The exit codes of every `dativo` command: one enum that the CLI and the runtime both import
(a leaf module: it imports nothing of dativo). docs/runtime.md#exit-codes and the README document them per command.

`compile`, `validate`, `schema`: 0 clean, 1 errors in the project (or stale artifacts with
`--check`), 2 usage and environment errors. `run`: 0 success, 1 partial (warn mode had invalid
records), 2 failure, usage errors included; 2 is what the default retry policy retries.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # compile/validate/schema: the project has errors, or --check found stale artifacts
    PARTIAL = 1  # run: committed, but warn mode dropped invalid records; not retried
    FAIL = 2  # run: the job failed (retried by the default retryable_exit_codes)
    USAGE = 2  # any command: bad flags, a missing project, an output directory it cannot use
    INTERRUPTED = 130  # the CLI stopped by Ctrl-C before the runtime took over (128 + SIGINT)
