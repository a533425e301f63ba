"""Every request's JSON body and query parameters checked against the schemas GET /api/openapi.json serves.

Why one place: the rules of a request were written three times (the OpenAPI description,
the route helpers, the library's checks) and drifted apart; a limit raised in one stayed
in the others, and schemathesis could not tell because nothing checked requests against
the description. Now the description is the rule: `RequestRules` compiles the request
schemas of every operation once, when the app is created (jsonschema-rs, draft 2020-12,
formats checked), routes of `companion.web.routes.MODULES` included, so a feature's new
route is checked the moment it is described. `check()` runs for every request after the
Host/Origin/token gate (companion.web.app), keyed by the matched URL rule and method.

What JSON Schema cannot say stays with the library: the URL parsed as a browser does
(`companion.analysis.urls.check_url`: `https://x.test/?a=b|c`, which a page's a.href gives
as it is, passes where RFC 3986's `format: uri` would refuse it), a date that exists, from_url and to_url being different pages, tags deduplicated, a draft's size in
bytes. Those checks run in the library, for the CLI too.

A failure is a 400 `bad_input` in the one error shape, worded as the library words the same
mistake ("'note' is longer than 10,000 characters", "'kind' must be one of boost, tier2",
"unknown field 'tag'; expected ..."), naming the field by its path (`verdict.score`).
The value itself is quoted only where it is short (never a page's HTML).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import jsonschema_rs
from flask import request

from companion.analysis import urls
from companion.core.errors import BadInput
from companion.web.openapi import URL_PATTERN

_DRAFT = "https://json-schema.org/draft/2020-12/schema"

# Patterns of the description and what a value that misses one lacks.
_PATTERN_WORDS = {"[^\\W_]": "holds no letter or digit to search for"}
# Refusals worded from the keyword's limit alone.
_COUNTED = {"MaxLength": "{field} is longer than {limit} characters",
            "MaxItems": "at most {limit} {name} (got {got})", "MinItems": "at least {limit} {name} (got {got})",
            "MaxProperties": "{field} must have at most {limit} entries (got {got})"}
_TYPE_WORDS = {"string": "a string", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "object": "an object", "array": "a list", "null": "null"}
_PLURAL = {"string": "strings", "integer": "whole numbers", "number": "numbers", "object": "objects",
           "boolean": "true or false values"}


def _compile(schema: dict, components: dict):
    root = {"$schema": _DRAFT, **schema, "components": components}
    return root, jsonschema_rs.validator_for(root, validate_formats=True)


def openapi_path(rule: str) -> str:
    """A Flask rule as the description writes it: /api/candidates/<id> -> /api/candidates/{id}."""
    parts = []
    for part in rule.split("/"):
        if part.startswith("<") and part.endswith(">"):
            part = "{" + part[1:-1].split(":")[-1] + "}"
        parts.append(part)
    return "/".join(parts)


@dataclass
class Operation:
    """The request rules of one method on one path."""

    body: tuple | None = None  # (root schema, validator) of an application/json body
    body_required: bool = True
    query: dict = field(default_factory=dict)  # name -> (parameter schema, root schema, validator)


class RequestRules:
    """The compiled request schemas of an OpenAPI document, by (path as described, method)."""

    def __init__(self, doc: dict):
        components = doc.get("components", {})
        self.operations: dict[tuple[str, str], Operation] = {}
        self._by_rule: dict[str, str] = {}
        for path, ops in doc["paths"].items():
            for method, op in ops.items():
                entry = Operation()
                body = (op.get("requestBody") or {})
                schema = body.get("content", {}).get("application/json", {}).get("schema")
                if schema is not None:
                    entry.body = _compile(schema, components)
                    entry.body_required = bool(body.get("required"))
                for param in op.get("parameters", []):
                    if param.get("in") == "query":
                        entry.query[param["name"]] = (param["schema"], *_compile(param["schema"], components))
                if entry.body is not None or entry.query:
                    self.operations[(path, method.upper())] = entry

    def operation(self, rule: str, method: str) -> Operation | None:
        path = self._by_rule.get(rule)
        if path is None:
            path = self._by_rule.setdefault(rule, openapi_path(rule))
        return self.operations.get((path, "GET" if method == "HEAD" else method))

    def check(self) -> None:
        """Check the current request (raise BadInput); the parsed body is kept for the route's `json_body()`."""
        if request.routing_exception is not None or request.url_rule is None:
            return
        op = self.operation(request.url_rule.rule, request.method)
        if op is None:
            return
        for name, (schema, root, validator) in op.query.items():
            raw = request.args.get(name)
            if raw is None:
                continue
            value = _from_query(raw, schema, name)
            if not validator.is_valid(value):
                raise _refusal(next(iter(validator.iter_errors(value))), root, name)
        if op.body is None or (not op.body_required and not request.content_length):
            return
        from companion.web.api import json_body  # the body is parsed (and kept) where every route reads it

        body = json_body(object)
        root, validator = op.body
        if not validator.is_valid(body):
            raise _refusal(next(iter(validator.iter_errors(body))), root, None)


def _from_query(raw: str, schema: dict, name: str):
    """A query parameter's text as the JSON value its schema describes (`?limit=5` is the integer 5)."""
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "integer" in types:
        try:
            return int(raw, 10)
        except ValueError:
            raise BadInput(f"'{name}' must be a whole number") from None
    if "number" in types:
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise BadInput(f"'{name}' must be a number")
        return value
    return raw


# --- wording -------------------------------------------------------------------------

def _count(n) -> str:
    """10,000 with its comma, 8192 without (as the library writes its limits)."""
    return f"{n:,}" if isinstance(n, int) and n >= 10_000 else str(n)


def _node(root: dict, path) -> dict:
    node = root
    for token in path:
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            return {}
    return node if isinstance(node, dict) else {}


def _name(instance_path, fixed: str | None) -> str:
    if fixed is not None:
        return fixed
    out = ""
    for token in instance_path:
        out += f"[{token}]" if isinstance(token, int) else (f".{token}" if out else str(token))
    return out


def _types(types, schema: dict) -> str:
    words = []
    for t in types:
        if t == "array" and isinstance(schema.get("items"), dict) and schema["items"].get("type") in _PLURAL:
            words.append("a list of " + _PLURAL[schema["items"]["type"]])
        else:
            words.append(_TYPE_WORDS.get(t, t))
    return " or ".join(words)


def _short(value) -> str:
    return repr(value)[:60] if value is not None else "nothing"


def _refusal(error, root: dict, fixed_name: str | None) -> BadInput:
    """The 400 for the first failed rule. A schema may name the code and words of its own refusal
    (`x-error`: {keyword: {code, message}}, e.g. the draft check's `empty_draft` for its pattern),
    so a client sees the code the library gives."""
    path = list(error.schema_path)
    own = (_node(root, path[:-1]).get("x-error") or {}).get(path[-1] if path else None)
    if isinstance(own, dict):
        return BadInput(own["message"], code=own["code"])
    return BadInput(_message(error, root, fixed_name))


def _message(error, root: dict, fixed_name: str | None) -> str:
    """One line naming the field and what is wrong with it (see the module docstring)."""
    kind = type(error.kind).__name__
    spath = list(error.schema_path)
    node = _node(root, spath[:-1])  # the schema holding the failed keyword
    ipath = list(error.instance_path)
    name = _name(ipath, fixed_name)
    field_ = f"'{name}'" if name else "the body"
    value = error.instance

    if kind == "Type":
        if not ipath and fixed_name is None:
            return "the JSON body must be an object"
        if ipath and isinstance(ipath[-1], int) and len(spath) >= 2 and spath[-2] == "items":
            array = _node(root, spath[:-2])
            return f"'{_name(ipath[:-1], fixed_name)}' must be {_types(['array'], array)}"
        return f"{field_} must be {_types(list(error.kind.types), node)}"
    if kind == "Enum":
        options = list(error.kind.options)
        shown = ", ".join(str(o) for o in options if o is not None)
        return f"{field_} must be one of {shown}{' (or null)' if None in options else ''} (got {_short(value)})"
    if kind == "Required":
        prop = error.kind.property
        full = f"'{name}.{prop}'" if name else f"'{prop}'"
        enum = _node(node, ["properties", prop]).get("enum")
        if enum:
            return f"{full} must be one of {', '.join(str(o) for o in enum if o is not None)} (got nothing)"
        return f"{full} is required"
    if kind == "AdditionalProperties":
        extra = sorted(error.kind.unexpected)
        where = f" in {field_}" if name else ""
        return (f"unknown field{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra[:5]))}{where}; "
                f"expected {', '.join(node.get('properties', {}))}")
    if kind == "Pattern" and node.get("pattern") == URL_PATTERN:
        urls.check_url(value, name)  # raises the library's own words
        return f"{field_} must be an absolute http(s) URL"
    if kind == "Format":
        fmt = error.kind.format
        if fmt == "date":
            return f"{field_} must be a date as YYYY-MM-DD (got {_short(value)[:30]})"
        return f"{field_} is not a valid {fmt}"
    if kind == "Pattern":
        return f"{field_} {_PATTERN_WORDS.get(error.kind.pattern, 'is not in the expected form')}"
    if kind in _COUNTED:
        return _COUNTED[kind].format(field=field_, name=name or "items", limit=_count(error.kind.limit),
                                     got=len(value) if hasattr(value, "__len__") else "?")
    if kind == "MinLength":
        if fixed_name is not None and error.kind.limit == 1:
            return f"{field_} is empty: leave it out to mean no filter"
        return f"{field_} is shorter than {error.kind.limit} characters"
    if kind in ("Minimum", "Maximum", "ExclusiveMinimum", "ExclusiveMaximum"):
        low, high = node.get("minimum", node.get("exclusiveMinimum")), node.get("maximum", node.get("exclusiveMaximum"))
        if low is not None and high is not None:
            return f"{field_} must be between {low} and {high}"
        return f"{field_} must be at least {low}" if low is not None else f"{field_} must be at most {high}"
    if kind == "MinProperties":
        if not name:
            return f"nothing to change: send one of {', '.join(node.get('properties', {}))}"
        return f"{field_} must not be empty"
    if kind == "PropertyNames":
        allowed = node.get("enum") or []
        unknown = [k for k in value if k not in allowed] if isinstance(value, dict) else []
        return f"unknown name {_short(unknown[0] if unknown else None)} in {field_}"
    if kind in ("OneOfNotValid", "OneOfMultipleValid", "AnyOf"):
        return _one_of(error, root, node, field_, fixed_name)
    return f"{field_} is not valid here"


def _one_of(error, root: dict, node: dict, field_: str, fixed_name: str | None) -> str:
    branches = node.get("oneOf") or node.get("anyOf") or []
    names = [b["required"][0] for b in branches if list(b) == ["required"] and len(b["required"]) == 1]
    if names and len(names) == len(branches):
        quoted = [f"'{n}'" for n in names]
        return f"send exactly one of {', '.join(quoted[:-1])} or {quoted[-1]}"
    # The branch of the value's own type says what is wrong with it (a header value too long, say).
    for errors in getattr(error.kind, "context", None) or []:
        errors = list(errors)
        if errors and all(type(e.kind).__name__ != "Type" for e in errors):
            return _message(errors[0], root, fixed_name)
    words = [_types([b["type"]], b) for b in branches if isinstance(b.get("type"), str)]
    return f"{field_} must be {' or '.join(words)}" if words else f"{field_} is not valid here"
