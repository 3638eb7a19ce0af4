"""Question packs: load them, validate them, and hand the core a QuestionBank.

A file is checked on its own first (bot.questions.validation); then packs are checked
against each other: pack ids and question ids unique across every directory, and a
pack that names its rubric by id (``rubric: behavioral-core``) must find it defined by
another pack. load_bank skips any pack with a problem and logs one line for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.model import Dimension, Guide, Pack, Question, Rubric
from bot.questions.bank import QuestionBank
from bot.questions.validation import (
    PACK_SUFFIXES,
    PackError,
    Problem,
    check_pack_data,
    read_pack_data,
)

__all__ = [
    "PackError",
    "Problem",
    "QuestionBank",
    "load_bank",
    "load_pack",
    "pack_files",
    "scan_paths",
    "validate_paths",
]

_log = logging.getLogger(__name__)


def load_pack(path: Path, rubrics: Mapping[str, Rubric] | None = None) -> Pack:
    """One pack from one file; a rubric named by id is looked up in `rubrics`."""
    data, problems = _checked(path)
    if problems:
        raise PackError(problems)
    rubric = _rubric_of(data, str(path), rubrics or {})
    if isinstance(rubric, Problem):
        raise PackError([rubric])
    return _build_pack(data, str(path), rubric)


def validate_paths(paths: Sequence[Path]) -> list[Problem]:
    """Every problem in the given files and directories, each pack alone and all together."""
    return scan_paths(paths)[1]


def scan_paths(paths: Sequence[Path]) -> tuple[list[Pack], list[Problem]]:
    """The packs that passed every check, and every problem found."""
    files, problems = pack_files(paths)
    entries = []
    for path in files:
        data, found = _checked(path)
        problems += found
        if not found:
            entries.append((str(path), data))
    packs, cross = _assemble(entries)
    return packs, problems + cross


def load_bank(dirs: Sequence[Path], *, logger: logging.Logger | None = None) -> QuestionBank:
    log = logger or _log
    entries = []
    seen: set[Path] = set()
    for directory in dirs:
        if not Path(directory).is_dir():
            log.warning("question directory %s not found; no packs loaded from it", directory)
            continue
        for path in _files_in(Path(directory)):
            if path.resolve() in seen:  # the same directory configured twice
                continue
            seen.add(path.resolve())
            data, problems = _checked(path)
            if problems:
                log.error("skipped question pack %s: %s", path, PackError(problems))
            else:
                entries.append((str(path), data))
    packs, problems = _assemble(entries)
    for file, file_problems in _by_file(problems).items():
        log.error("skipped question pack %s: %s", file, PackError(file_problems))
    bank = QuestionBank(packs)
    log.info("loaded %d questions in %d packs", len(bank), len(bank.packs))
    return bank


def pack_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """The pack files named or found under directories, once each, in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        if path.is_dir():
            found = _files_in(path)
            if not found:
                problems.append(Problem(str(path), None, "path", "no *.yaml or *.yml pack files"))
        elif path.is_file():
            found = [path]
        else:
            problems.append(
                Problem(str(path), None, "path", "not found; give pack files or directories")
            )
            continue
        for f in found:
            if f.resolve() not in seen:
                seen.add(f.resolve())
                files.append(f)
    return files, problems


def _files_in(directory: Path) -> list[Path]:
    return sorted(
        p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in PACK_SUFFIXES
    )


def _checked(path: Path) -> tuple[Any, list[Problem]]:
    data, problems = read_pack_data(path)
    return (data, problems) if problems else (data, check_pack_data(data, str(path)))


def _assemble(entries: list[tuple[str, Any]]) -> tuple[list[Pack], list[Problem]]:
    """Packs that agree with each other, in file order; the later of two clashing is refused.

    Packs that define their rubric go first, so a pack may name a rubric from any file.
    """
    rubrics: dict[str, tuple[Rubric, str]] = {}
    pack_owner: dict[str, str] = {}
    question_owner: dict[str, tuple[str, str]] = {}
    built: list[tuple[int, Pack]] = []
    problems: list[Problem] = []
    ordered = sorted(enumerate(entries), key=lambda e: isinstance(e[1][1]["rubric"], str))
    for index, (file, data) in ordered:
        found: list[Problem] = []
        pid = data["pack"]
        if pid in pack_owner:
            found.append(
                Problem(file, None, "pack", f"pack id {pid!r} is already used by {pack_owner[pid]}")
            )
        for q in data["questions"]:
            if q["id"] in question_owner:
                other_pack, other_file = question_owner[q["id"]]
                found.append(
                    Problem(
                        file,
                        q["id"],
                        "id",
                        f"question id already used in pack {other_pack} ({other_file})",
                    )
                )
        rubric = _rubric_of(data, file, {k: v for k, (v, _) in rubrics.items()})
        if isinstance(rubric, Problem):
            found.append(rubric)
        elif rubric.id in rubrics and rubrics[rubric.id][0] != rubric:
            found.append(
                Problem(
                    file,
                    None,
                    "rubric.id",
                    f"rubric {rubric.id!r} is defined differently in {rubrics[rubric.id][1]}; rename it or name it by id",
                )
            )
        if found:
            problems += found
            continue
        pack_owner[pid] = file
        rubrics.setdefault(rubric.id, (rubric, file))
        for q in data["questions"]:
            question_owner[q["id"]] = (pid, file)
        built.append((index, _build_pack(data, file, rubric)))
    return [pack for _, pack in sorted(built, key=lambda b: b[0])], problems


def _rubric_of(data: Mapping[str, Any], file: str, known: Mapping[str, Rubric]) -> Rubric | Problem:
    raw = data["rubric"]
    if not isinstance(raw, str):
        return Rubric(
            id=raw["id"],
            dimensions=tuple(
                Dimension(
                    d["id"],
                    d["name"].strip(),
                    {int(k): v.strip() for k, v in sorted(d["anchors"].items())},
                )
                for d in raw["dimensions"]
            ),
        )
    if raw in known:
        return known[raw]
    names = ", ".join(sorted(known)) or "none"
    return Problem(
        file,
        None,
        "rubric",
        f"refers to rubric {raw!r}, which no loaded pack defines (defined: {names})",
    )


def _build_pack(data: Mapping[str, Any], file: str, rubric: Rubric) -> Pack:
    questions = tuple(
        Question(
            id=q["id"],
            pack=data["pack"],
            track=data["track"],
            title=q["title"].strip(),
            prompt=q["prompt"].strip(),
            levels=tuple(q["level"]),
            minutes=q["minutes"],
            tags=tuple(q["tags"]),
            guide=Guide(
                look_for=tuple(s.strip() for s in q["guide"]["look_for"]),
                follow_ups=tuple(s.strip() for s in q["guide"]["follow_ups"]),
                red_flags=tuple(s.strip() for s in q["guide"]["red_flags"]),
            ),
            rubric_id=rubric.id,
        )
        for q in data["questions"]
    )
    return Pack(data["pack"], data["title"].strip(), data["track"], rubric, questions, file)


def _by_file(problems: list[Problem]) -> dict[str, list[Problem]]:
    grouped: dict[str, list[Problem]] = {}
    for p in problems:
        grouped.setdefault(p.file, []).append(p)
    return grouped
