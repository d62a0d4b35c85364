"""Time zones a schedule may name: the IANA zones of the tzdata package.

zoneinfo.ZoneInfo also loads whatever file the host's zone database holds: `localtime` (the
compiling machine's own zone), `posixrules`, `posix/...` and `right/...` copies. Those mean
different things on different hosts, so a compile would depend on the machine that ran it; the
zone list of tzdata (a dependency, the same everywhere) decides instead.
"""

from __future__ import annotations

import functools
from importlib import resources

#: in tzdata's list, but a placeholder for hosts with no zone set ("-00"), not a place
_PLACEHOLDER = "Factory"
#: names of a host's zone database that are not zones of their own (decided by name, not by what this host has)
_HOST_FILES = ("localtime", "posixrules")
_HOST_COPIES = ("posix/", "right/")


@functools.lru_cache(maxsize=1)
def iana_zones() -> frozenset[str]:
    return frozenset(resources.files("tzdata").joinpath("zones").read_text("utf-8").split()) - {_PLACEHOLDER}


def host_zone_hint(name: str) -> str | None:
    """The hint for `name`, which some hosts load as a zone though a schedule may not name it; None for other names."""
    use = "; use an IANA name such as 'UTC' or 'Europe/Berlin'"
    if name == _PLACEHOLDER:
        return f"{name!r} is tzdata's placeholder for a host with no zone set, not a place{use}"
    if name in _HOST_FILES:
        return f"{name!r} is a file of the compiling machine's zone database: what it means depends on the host{use}"
    if name.startswith(_HOST_COPIES) and name.split("/", 1)[1] in iana_zones():
        return f"{name!r} is a copy in some hosts' zone database; name the zone itself: {name.split('/', 1)[1]!r}"
    return None
