"""Load YAML files into plain Python values that remember where each value came from.

ruamel.yaml composes the node graph (with libyaml's C parser when available, which
keeps compile within its budget); we then build plain dicts/lists ourselves so that
duplicate keys, unsafe tags and alias bombs become diagnostics instead of crashes,
and every key and value keeps file, line and column.
"""

from __future__ import annotations

import os
import sys
from hashlib import sha256
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import Event
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import codes, docscan, reuse
from .diagnostics import Diagnostics, Span
from .document import Document, PathT
from .nesting import depth_bound, first_too_deep
from .pathdefaults import PACKAGED
from .readfile import open_fd, read_fd

try:  # libyaml through ruamel.yaml.clib; the pure parser is the fallback
    from ruamel.yaml.cyaml import CParser as _CParser
    from ruamel.yaml.cyaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - exercised only without the C extension
    from ruamel.yaml.loader import SafeLoader as _BaseLoader  # type: ignore[assignment]

    _CParser = None

#: one Tag object per tag string, alive for the process, so a node's tag is found by identity
#: (Tag.__str__ is slow, and would run for every node); explicit tags in a file never come from here
_CANON: dict[str, Any] = {}
_TAG_TEXT: dict[int, str] = {}
#: implicit tags by (node kind, value, implicit): configs repeat the same few scalars (keys, booleans,
#: small numbers) thousands of times, and ruamel runs its regexes for each
_RESOLVED: dict[tuple[Any, Any, Any], Any] = {}
_RESOLVED_MAX = 65536  # distinct short scalars remembered; past that, resolved each time
_LONG = 64  # longer scalars are rarely repeated: resolved each time, not remembered


def _resolve(kind: Any, value: Any, implicit: Any) -> Any:
    key = (kind, value, implicit)
    try:
        return _RESOLVED[key]
    except KeyError:
        tag = _canonical(_BaseLoader.resolve(_RESOLVER, kind, value, implicit))
        if len(_RESOLVED) < _RESOLVED_MAX and (value is None or len(value) <= _LONG):
            _RESOLVED[key] = tag
        return tag


class _Loader(_BaseLoader):
    """The fallback without libyaml (and the event walk of nesting.py): ruamel's loader with the
    memoized resolution of _resolve."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        return _resolve(kind, value, tuple(implicit) if isinstance(implicit, list) else implicit)


if _CParser is not None:

    class _Composer(_CParser):
        """libyaml's parser and composer alone. ruamel's CSafeLoader also sets up a constructor and a
        resolver per file, and its composer asks the resolver to descend and ascend at every node (for
        path resolvers no config uses): five times the cost of a small job file's parse."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            try:  # the memo read inline: this runs for every node
                return _RESOLVED[kind, value, implicit]
            except KeyError:
                return _resolve(kind, value, implicit)

        def descend_resolver(self, parent: Any, index: Any) -> None:
            return None

        def ascend_resolver(self) -> None:
            return None

    _make_composer: Any = _Composer
else:  # pragma: no cover - exercised only without the C extension
    _make_composer = _Loader


def _canonical(tag: Any) -> Any:
    text = str(tag)
    canon = _CANON.get(text)
    if canon is None:
        canon = _CANON[text] = tag
        _TAG_TEXT[id(tag)] = text
    return canon


def _tag(node: Node) -> str:
    text = _TAG_TEXT.get(id(node.ctag))
    return text if text is not None else str(node.ctag)


MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 100
_TOO_DEEP = {
    "problem": f"document nests deeper than {MAX_DEPTH} levels",
    "hint": "flatten the structure; configs need only a few levels",
}

_T = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = _T + "str", _T + "int", _T + "float", _T + "bool", _T + "null"
_MAP, _SEQ, _MERGE, _TIMESTAMP = _T + "map", _T + "seq", _T + "merge", _T + "timestamp"
_ALLOWED_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ, _MERGE, _TIMESTAMP}

# ruamel's constructors need a loader object; one pure instance serves int/float parsing.
_constructor = YAML(typ="safe", pure=True).constructor
_RESOLVER = _BaseLoader("")  # resolves for the memo; it holds no per-document state we use


class _LoadError(Exception):
    """`code` at `node` (a node, or a parser event: both carry start_mark and end_mark), with the
    fields of its message and hint templates."""

    def __init__(self, code: codes.Code, node: Node | Event | None, **fields: Any):
        super().__init__(code)
        self.code, self.node, self.fields = code, node, fields


def _span(file: str, node: Node | Event) -> Span:
    return Span(file, *_marks(node))


def _marks(node: Node | Event) -> tuple[int, int, int, int]:
    s, e = node.start_mark, node.end_mark
    return (s.line + 1, s.column + 1, e.line + 1, e.column + 1)


def _expanded_size(root: Node) -> int:
    """Nodes the document expands to with every alias followed, computed once per node."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if done:
            active.discard(nid)
            children = _children(node)
            sizes[nid] = min(1 + sum(sizes[id(c)] for c in children), MAX_EXPANDED_NODES + 1)
            continue
        if nid in sizes:
            continue
        if nid in active:
            raise _LoadError(codes.ALIAS_BOMB, node, problem="recursive alias: a node contains itself", hint=None)
        active.add(nid)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


class _Builder:
    def __init__(self, doc: Document, diags: Diagnostics):
        self.doc, self.diags, self.file = doc, diags, doc.path
        self.spans, self.key_spans = doc.spans, doc.key_spans

    def build(self, node: Node, path: PathT, depth: int = 0) -> Any:
        # the hottest loop of a compile: marks and tags are read inline rather than through _marks/_tag
        if depth > MAX_DEPTH:
            raise _LoadError(codes.ALIAS_BOMB, node, **_TOO_DEEP)
        s, e = node.start_mark, node.end_mark
        self.spans[path] = (s.line + 1, s.column + 1, e.line + 1, e.column + 1)
        tag = _TAG_TEXT.get(id(node.ctag)) or str(node.ctag)
        if tag == _STR and isinstance(node, ScalarNode):
            return node.value
        if tag not in _ALLOWED_TAGS:
            raise _LoadError(codes.UNSAFE_TAG, node, tag=tag.replace(_T, "!!"))
        if isinstance(node, ScalarNode):
            return _scalar(node, tag)
        if isinstance(node, SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        raise TypeError(f"unexpected YAML node {node!r}")  # the composer makes only these three kinds

    def _mapping(self, node: MappingNode, path: PathT, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, Node] = {}
        merged: dict[str, Any] = {}
        spans, key_spans, build = self.spans, self.key_spans, self.build
        for key_node, value_node in node.value:
            if key_node.value == "<<" and _tag(key_node) == _MERGE:
                merged.update(self._merge_sources(value_node, path, depth))
                continue
            if not isinstance(key_node, ScalarNode):
                raise _LoadError(codes.YAML_SYNTAX, key_node, problem="mapping keys must be plain scalars")
            key = str(key_node.value)
            if key in first_seen:
                line = first_seen[key].start_mark.line + 1
                self.diags.report(codes.DUPLICATE_KEY, _span(self.file, key_node), key=key, line=line)
                continue
            first_seen[key] = key_node
            key_path = path + (key,)
            s, e = key_node.start_mark, key_node.end_mark
            key_spans[key_path] = (s.line + 1, s.column + 1, e.line + 1, e.column + 1)
            if value_node.__class__ is ScalarNode and _TAG_TEXT.get(id(value_node.ctag)) == _STR and depth < MAX_DEPTH:
                # most values are plain text: built here, as build() would, without a call per value
                s, e = value_node.start_mark, value_node.end_mark
                spans[key_path] = (s.line + 1, s.column + 1, e.line + 1, e.column + 1)
                out[key] = value_node.value
            else:
                out[key] = build(value_node, key_path, depth + 1)
        # YAML merge keys (<<): explicit keys win over merged ones
        for key, value in merged.items():
            out.setdefault(key, value)
        return out

    def _merge_sources(self, node: Node, path: PathT, depth: int) -> dict[str, Any]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for src in reversed(sources):  # earlier sources win, as in the YAML merge spec
            if not isinstance(src, MappingNode):
                raise _LoadError(codes.YAML_SYNTAX, src, problem="merge key '<<' needs a mapping or a list of mappings")
            merged.update(self._mapping(src, path, depth + 1))
        return merged


def _scalar(node: ScalarNode, tag: str) -> Any:
    value = node.value
    if tag == _STR or tag == _TIMESTAMP:  # dates stay text: the models decide what they mean
        return value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return value.lower() in ("true", "yes", "on")
    if tag == _INT:
        try:
            return _constructor.construct_yaml_int(node)
        except ValueError:  # Python reads at most sys.get_int_max_str_digits() (4300) digits: slow parsing
            digits = sum(c.isdigit() for c in value)
            raise _LoadError(codes.NUMBER_TOO_LONG, node, digits=digits, limit=sys.get_int_max_str_digits()) from None
    return _constructor.construct_yaml_float(node)


class NotText(ValueError):
    """Where bytes stop being UTF-8 text: the fields of DTV006's message."""

    def __init__(self, what: str, byte: str, offset: int):
        self.fields: dict[str, Any] = {"what": what, "byte": byte, "offset": offset}
        super().__init__(codes.NOT_TEXT.render(**self.fields)[0])


def decode(raw: bytes) -> str:
    """UTF-8 text, or NotText saying where it stops being text."""
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise NotText("binary, not YAML text", "NUL byte", nul)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise NotText("not UTF-8 text", f"invalid byte 0x{raw[e.start]:02x}", e.start) from None
    return text[1:] if text.startswith("\ufeff") else text


def load_text(text: str, display: str, diags: Diagnostics, digest: str = "") -> Document | None:
    doc = Document(path=display, data=None, digest=digest)
    try:
        _refuse_deep_nesting(text)
        loader = _make_composer(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
        if root is None:
            diags.report(codes.NOT_A_MAPPING, Span.of_file(display), found="an empty file")
            return None
        if not isinstance(root, MappingNode):
            found = "a sequence" if isinstance(root, SequenceNode) else "a scalar"
            diags.report(codes.NOT_A_MAPPING, _span(display, root), found=found)
            return None
        # only documents with anchors can expand: the guard's walk is skipped for the rest
        if "&" in text and _expanded_size(root) > MAX_EXPANDED_NODES:
            raise _LoadError(
                codes.ALIAS_BOMB,
                root,
                problem=f"aliases expand to more than {MAX_EXPANDED_NODES} nodes",
                hint="expand fewer aliases, or write the values out",
            )
        doc.data = _Builder(doc, diags).build(root, ())
        doc.scan = docscan.scan(doc.data)  # here: in the loading worker for most files
        return doc
    except _LoadError as e:
        span = _span(display, e.node) if e.node is not None else Span.of_file(display)
        diags.report(e.code, span, **e.fields)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (e.problem or e.context or "invalid YAML").strip()
        span = Span(display, line, col, line, col)
        if "single document" in str(e.context or "") + problem:
            diags.report(codes.MULTI_DOCUMENT, span)
        else:
            diags.report(codes.YAML_SYNTAX, span, problem=problem)
    except (YAMLError, RecursionError) as e:
        problem = str(e).strip().splitlines()[0] if str(e).strip() else "invalid YAML"
        diags.report(codes.YAML_SYNTAX, Span.of_file(display), problem=problem)
    return None


def _refuse_deep_nesting(text: str) -> None:
    """DTV003 at the first node deeper than MAX_DEPTH, found before composing (see nesting.py)."""
    if depth_bound(text) <= MAX_DEPTH:
        return
    scan = _make_composer(text)
    try:
        event = first_too_deep(scan, MAX_DEPTH)
    finally:
        scan.dispose()
    if event is not None:
        raise _LoadError(codes.ALIAS_BOMB, event, **_TOO_DEEP)


def load_packaged(name: str, diags: Diagnostics) -> Document | None:
    """A file dativo ships (`name`: "<dativo>/<package>/<file>", e.g. pathdefaults.PACKAGED_REGISTRY)."""
    package, _, file = name.removeprefix(PACKAGED).rpartition("/")
    text = resources.files(f"dativo.{package.replace('/', '.')}").joinpath(file).read_text("utf-8")
    return load_text(text, name, diags, "sha256:" + sha256(text.encode("utf-8")).hexdigest())


def load_file(path: Path, display: str, diags: Diagnostics) -> Document | None:
    """Read, decode and load one file; every failure is a diagnostic."""
    try:
        # bounded reads, no stat first: a syscall less per file (thousands of small jobs), and a file
        # whose size stat cannot tell (a pipe, /dev/zero) is bounded too
        fd = open_fd(path)
        try:
            raw = read_fd(fd, MAX_FILE_BYTES + 1)
        finally:
            os.close(fd)
    except OSError as e:
        diags.report(codes.UNREADABLE, Span.of_file(display), what="file", reason=e.strerror or e)
        return None
    if len(raw) > MAX_FILE_BYTES:
        reason = f"it is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"
        diags.report(codes.UNREADABLE, Span.of_file(display), what="file", reason=reason)
        return None
    digest = "sha256:" + sha256(raw).hexdigest()
    if (doc := reuse.seen(display, digest)) is not None:
        return doc
    try:
        text = decode(raw)
    except NotText as e:
        diags.report(codes.NOT_TEXT, Span.of_file(display), **e.fields)
        return None
    return load_text(text, display, diags, digest)
