"""Read one YAML file of the knowledge base strictly: dates stay text, duplicate keys and
aliases fail, a broken link says what it points to."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class YamlFileError(Exception):
    """A file could not be read or parsed; the message says where."""


# libyaml's parser when PyYAML was built with it (it is, in the wheels): several times faster.
# Both loaders construct alike; the type checker reads SafeLoader's interface.
if TYPE_CHECKING:
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):
    """A safe loader that keeps dates as strings and refuses a key given twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, failing on a key that appears twice."""
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                continue  # an unhashable key: the base class reports it properly
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"the key {key!r} is given twice",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)

    def construct_document(self, node: yaml.Node) -> Any:
        """Build the document, refusing aliases before anything is built from them."""
        _refuse_aliases(node)
        return super().construct_document(node)


def _refuse_aliases(root: yaml.Node) -> None:
    """Fail on a node reached twice: an alias (`*name`) of an anchored value (`&name`).

    The base does not need them, and nested aliases ("billion laughs") make a few lines stand
    for a value of millions of items, which an error message quoting it would spell out.
    The walk stops at the first repetition, so it is as cheap as the file is short.
    """
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "the value anchored here (&name) is repeated with an alias (*name); "
                "aliases are not allowed: write the value out in full",
                node.start_mark,
            )
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))


# Dates are checked by the loader, with a message a curator can act on, instead of PyYAML
# failing deep inside its constructor on "2026-13-01".
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    """Return the parsed content of `path`; raise YamlFileError naming the line on failure."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        if path.is_symlink():
            raise YamlFileError(
                f"a link to {os.readlink(path)!r}, which does not exist: "
                "put the file back or remove the link"
            ) from exc
        raise YamlFileError("file not found") from exc
    except UnicodeDecodeError as exc:
        raise YamlFileError(f"not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise YamlFileError(
                f"a link that leads round in a circle (to {os.readlink(path)!r}): remove the link"
            ) from exc
        raise YamlFileError(f"cannot read the file: {exc.strerror}") from exc
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlFileError(f"{where}YAML syntax error: {problem}") from exc
    except yaml.YAMLError as exc:
        raise YamlFileError(f"YAML syntax error: {exc}") from exc
