"""Refuse YAML nested deeper than the loader's bound before anything composes it.

libyaml's composer (the C one ruamel.yaml uses) recurses once per nesting level on the C stack, so
`'[' * 28000` (a 28 KB file) crashes the process before any Python guard runs. The parser under
it is iterative, so the depth can be measured on its event stream first; but walking events in
Python costs about as much as composing, so a cheap bound on the depth, taken from the text,
spares that walk for every file that cannot nest deep (all real configs):

- block collections: a nested block collection starts at a greater column than its parent, except
  a block sequence as a mapping's value, which may share its column; so a chain of them is at most
  2 * (C + 1) long, C being the greatest column a block collection can start at. A block collection
  starts a line or follows, on its line, only indentation, indicators (`- `, `? `, `: `) and node
  properties (`&anchor`, `!tag`): C is at most the longest such line prefix.
- flow collections nest no deeper than the number of `[` and `{` in the text (quoted, commented or
  not: counting too many only means walking the events);
- one more level for the scalar at the bottom.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent, StreamEndEvent

# A line's prefix of indentation, indicators and node properties, found from the "\n" before it
# (a literal start lets the regex engine skip to each line instead of trying every position).
_PREFIX = re.compile(r"\n[ \t]*(?:(?:---|[-?:]|[&!][^ \t\n]*)(?:[ \t]+|(?=\n)|\Z))*")
# libyaml also ends lines at CR, NEL, LS and PS (YAML 1.1)
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")


def depth_bound(text: str) -> int:
    """An upper bound on the depth (the root at 0) of any node of the YAML `text`."""
    if "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text:
        text = _OTHER_BREAKS.sub("\n", text)
    longest = max(map(len, _PREFIX.findall("\n" + text))) - 1
    return 2 * (longest + 1) + 2 * text.count("[") + text.count("{") + 1


def first_too_deep(loader: Any, limit: int) -> Any | None:
    """The first event of a node deeper than `limit` (the root at 0), or None. Reads `loader`'s
    events to the end (a syntax error raises as composing would), so a fresh loader must compose."""
    depth = 0
    while True:
        event = loader.get_event()
        if isinstance(event, (ScalarEvent, AliasEvent, CollectionStartEvent)):
            if depth > limit:
                return event
            if isinstance(event, CollectionStartEvent):
                depth += 1
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        elif isinstance(event, StreamEndEvent):
            return None
