"""Kubernetes names for dativo schedules, and the syntax rules they must meet.

A CronJob name is `<tenant>-<schedule>` lowercased with `_` as `-` (plus `-<i>` when a
schedule needs one CronJob per cron line). The CronJob controller names each Job
`<cronjob>-<minutes since epoch>` (11 more characters) and copies it into a label, so a
CronJob name is a DNS-1123 label of at most 52 characters. Nothing is ever truncated:
a name that does not fit is an error (DTV521, DTV537, DTV538), two that map to one object too (DTV522).
"""

from __future__ import annotations

import re

from dativo.runtime.plan import ScheduleEntry

from .settings import TENANT

CRONJOB_NAME_MAX = 52
DNS_LABEL_MAX = 63
DNS_SUBDOMAIN_MAX = 253
LABEL_VALUE_MAX = 63
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")


def dns(name: str) -> str:
    """The Kubernetes spelling of a tenant id or schedule name (already SAFE_NAME)."""
    return name.lower().replace("_", "-")


def cronjob_names(entry: ScheduleEntry) -> list[str]:
    """One name per cron line: `<tenant>-<schedule>`, or `<tenant>-<schedule>-<i>` for several lines."""
    base = f"{dns(entry.tenant)}-{dns(entry.name)}"
    if len(entry.cron) == 1:
        return [base]
    return [f"{base}-{i}" for i in range(len(entry.cron))]


def for_tenant(template: str, tenant: str) -> str:
    """A settings name with `{tenant}` filled in (str.replace: nothing else in the string is read)."""
    return template.replace(TENANT, dns(tenant))


def label_problem(name: str, max_len: int = DNS_LABEL_MAX) -> str | None:
    """Why `name` is not a DNS-1123 label of at most `max_len` characters, or None."""
    if len(name) > max_len:
        return f"is {len(name)} characters; Kubernetes allows {max_len}"
    if not DNS_LABEL.match(name):
        return "is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending alphanumeric)"
    return None


def subdomain_problem(name: str) -> str | None:
    if len(name) > DNS_SUBDOMAIN_MAX:
        return f"is {len(name)} characters; Kubernetes allows {DNS_SUBDOMAIN_MAX}"
    if not DNS_SUBDOMAIN.match(name):
        return "is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending alphanumeric)"
    return None


def label_value_problem(value: str) -> str | None:
    if len(value) > LABEL_VALUE_MAX:
        return f"is {len(value)} characters; a label value allows {LABEL_VALUE_MAX}"
    if not LABEL_VALUE.match(value):
        return "is not a valid label value (letters, digits, '-', '_' and '.', starting and ending alphanumeric)"
    return None
