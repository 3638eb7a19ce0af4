"""Checks one question-pack file: readable YAML, then questions/schema.json, then the rules
a JSON schema cannot state (ids unique inside the pack, the size of a guide block). Rules
across packs live in bot.questions. Every problem names the file, the question and the field."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from bot.questions.shipped import REPO_QUESTIONS

SCHEMA_PATH = REPO_QUESTIONS / "schema.json"
PACK_SUFFIXES = (".yaml", ".yml")
GUIDE_BULLET = "• "
GUIDE_PART_LIMIT = 1024


@dataclass(frozen=True)
class Problem:
    file: str
    question_id: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"question {self.question_id}: " if self.question_id else ""
        return f"{self.file}: {where}{self.field}: {self.message}"


class PackError(Exception):
    """A pack that cannot be used; the message is one line naming file, question and field."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        first = str(problems[0]) if problems else "unknown problem"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)


class _StrictLoader(yaml.SafeLoader):
    """safe_load that refuses a key given twice, which YAML would otherwise keep silently."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


MAX_PACK_BYTES = 1_000_000  # the shipped packs are under 20 kB each
MAX_DEPTH = 32  # a pack nests about 6 levels deep


def _beyond_limits(text: str, file: str) -> Problem | None:
    """Checked on YAML's event stream before anything is built: an alias bomb or a
    20,000-level nest is refused in one line instead of exhausting memory or the stack."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            return Problem(file, None, "yaml", "uses an alias (*name): packs take plain values")
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return Problem(file, None, "yaml", f"nests deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1
    return None


def read_pack_data(path: Path) -> tuple[Any, list[Problem]]:
    """The parsed YAML with every key as a string (1 -> "1"), or the problem that stopped it."""
    file = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_PACK_BYTES:
            return None, [
                Problem(file, None, "file", f"is {size:,} bytes: a pack may be {MAX_PACK_BYTES:,}")
            ]
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(file, None, "file", f"cannot read: {exc}")]
    try:
        limit = _beyond_limits(text, file)
        if limit is not None:
            return None, [limit]
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except TypeError as exc:  # a list or a mapping used as a key: unhashable
        return None, [Problem(file, None, "yaml", f"has a key that is not a plain value ({exc})")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [Problem(file, None, "yaml", f"not valid YAML: {line}{reason}")]
    if data is None:
        return None, [Problem(file, None, "file", "is empty; a pack needs " + _TOP_FIELDS)]
    return _string_keys(data), []


def _string_keys(value: Any) -> Any:
    # YAML reads `1:` as an int key (`2026-01-05:` a date, `1.5:` a float); the schema and
    # the anchors table speak strings, and mixed key types could not even be sorted
    if isinstance(value, Mapping):
        return {k if isinstance(k, str) else str(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


def check_pack_data(data: Any, file: str) -> list[Problem]:
    """Every problem of one parsed pack on its own: schema first, then in-pack uniqueness."""
    problems = [_schema_problem(err, data, file) for err in _sorted_errors(data)]
    if not isinstance(data, Mapping):
        return problems
    questions = data.get("questions")
    if isinstance(questions, list):
        seen: set[str] = set()
        for index, q in enumerate(questions):
            if not isinstance(q, Mapping):
                continue
            qid = q.get("id")
            if isinstance(qid, str):
                if qid in seen:
                    problems.append(Problem(file, qid, "id", "appears twice in this pack"))
                seen.add(qid)
            name = qid if isinstance(qid, str) and qid else f"#{index + 1}"
            problems += _guide_size_problems(q.get("guide"), file, name)
    rubric = data.get("rubric")
    if isinstance(rubric, Mapping) and isinstance(rubric.get("dimensions"), list):
        seen_dims: set[str] = set()
        for i, dim in enumerate(rubric["dimensions"]):
            did = dim.get("id") if isinstance(dim, Mapping) else None
            if isinstance(did, str):
                if did in seen_dims:
                    problems.append(
                        Problem(file, None, f"rubric.dimensions[{i}].id", f"{did!r} appears twice")
                    )
                seen_dims.add(did)
    return problems


def _guide_size_problems(guide: Any, file: str, question_id: str) -> list[Problem]:
    # each part is shown as one bulleted block: one Discord embed field holds 1024 characters
    if not isinstance(guide, Mapping):
        return []
    problems = []
    for part in ("look_for", "follow_ups", "red_flags"):
        lines = guide.get(part)
        if isinstance(lines, list) and all(isinstance(line, str) for line in lines):
            size = len("\n".join(f"{GUIDE_BULLET}{line.strip()}" for line in lines))
            if size > GUIDE_PART_LIMIT:
                problems.append(
                    Problem(
                        file,
                        question_id,
                        f"guide.{part}",
                        f"{size} characters as a list; at most {GUIDE_PART_LIMIT} "
                        "(one Discord embed field): shorten or drop lines",
                    )
                )
    return problems


def _sorted_errors(data: Any) -> list[ValidationError]:
    errors = list(_validator().iter_errors(data))
    # index 10 after index 9, not after 1
    return sorted(
        errors,
        key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, p) for p in e.absolute_path],
    )


def _schema_problem(err: ValidationError, data: Any, file: str) -> Problem:
    path = list(err.absolute_path)
    question_id = None
    if len(path) >= 2 and path[0] == "questions" and isinstance(path[1], int):
        q = data["questions"][path[1]]
        qid = q.get("id") if isinstance(q, Mapping) else None
        question_id = qid if isinstance(qid, str) and qid else f"#{path[1] + 1}"
        path = path[2:]
    field = _field_name(path)
    message = _message(err)
    if err.validator == "required":
        missing = re.match(r"^'(.+)' is a required property$", err.message)
        name = missing.group(1) if missing else "?"
        field = f"{field}.{name}" if field else name
        message = "missing (required)"
    return Problem(file, question_id, field or ("question" if question_id else "pack"), message)


def _field_name(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_TOP_FIELDS = "pack, title, track, rubric and questions"
_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "array": "a list",
    "object": "a mapping",
}


def _message(err: ValidationError) -> str:
    why = err.schema.get("x-why") if isinstance(err.schema, Mapping) else None
    suffix = f" ({why})" if why else ""
    v, limit, inst = err.validator, err.validator_value, err.instance
    if v == "type":
        return f"must be {_TYPE_NAMES.get(limit, limit)}, got {type(inst).__name__}: {_short(inst)}"
    if v == "maxLength":
        return f"{len(inst)} characters; at most {limit}{suffix}"
    if v == "minLength":
        return f"{len(inst)} characters; at least {limit}"
    if v == "maxItems":
        return f"{len(inst)} items; at most {limit}{suffix}"
    if v == "minItems":
        return f"{len(inst)} items; at least {limit}"
    if v == "pattern":
        return f"{_short(inst)} is not accepted{suffix}"
    if v == "enum":
        return f"{_short(inst)} is not one of: {', '.join(map(str, limit))}"
    if v in ("minimum", "maximum"):
        return f"{inst} is out of range; accepted {err.schema.get('minimum')}-{err.schema.get('maximum')}"
    if v == "uniqueItems":
        return "lists the same value twice"
    if v == "additionalProperties":
        known = sorted(err.schema.get("properties", {}))
        extra = sorted(k for k in inst if k not in known)
        if err.schema.get("patternProperties"):
            extra = [
                k for k in extra if not any(re.match(p, k) for p in err.schema["patternProperties"])
            ]
            known = ["1", "2", "3", "4", "5"]
        return f"unknown field {', '.join(map(repr, extra))}; accepted: {', '.join(known)}"
    return err.message[:200]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
