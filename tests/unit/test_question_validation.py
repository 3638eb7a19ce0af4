"""Each class of pack error is caught, and its message names the file, question and field."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.questions.packs import PackError, Problem, load_bank, load_pack, validate_paths


def question(qid: str, **changes: Any) -> dict[str, Any]:
    q = {
        "id": qid,
        "title": f"Question {qid}",
        "prompt": "Explain how you would approach this problem, step by step.",
        "level": ["mid"],
        "minutes": 15,
        "tags": ["basics"],
        "guide": {
            "look_for": ["States the goal", "Weighs two options", "Checks the result"],
            "follow_ups": ["What would you change?", "What could go wrong?"],
            "red_flags": ["No structure", "No checks"],
        },
    }
    q.update(changes)
    return q


def pack(pack_id: str = "demo", qids: tuple[str, ...] = ("q-one", "q-two"), **changes: Any):
    data = {
        "pack": pack_id,
        "title": "Demo pack",
        "track": "coding",
        "rubric": {
            "id": f"{pack_id}-rubric",
            "dimensions": [
                {
                    "id": "clarity",
                    "name": "Clarity",
                    "anchors": {1: "Hard to follow", 3: "Mostly clear", 5: "Clear throughout"},
                }
            ],
        },
        "questions": [question(q) for q in qids],
    }
    data.update(changes)
    return data


def write(directory: Path, name: str, data: Any) -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def only_problem(paths: list[Path]) -> Problem:
    problems = validate_paths(paths)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_a_good_pack_has_no_problems_and_loads(tmp_path):
    path = write(tmp_path, "good.yaml", pack())
    assert validate_paths([tmp_path]) == []
    loaded = load_pack(path)
    assert loaded.id == "demo" and loaded.source == str(path)
    assert [q.id for q in loaded.questions] == ["q-one", "q-two"]
    assert loaded.questions[0].rubric_id == "demo-rubric"
    assert loaded.questions[0].track == "coding" and loaded.questions[0].pack == "demo"
    assert loaded.rubric.dimensions[0].anchors == {
        1: "Hard to follow",
        3: "Mostly clear",
        5: "Clear throughout",
    }


def test_missing_field_names_file_question_and_field(tmp_path):
    data = pack()
    del data["questions"][1]["prompt"]
    path = write(tmp_path, "missing.yaml", data)
    problem = only_problem([path])
    assert (problem.file, problem.question_id, problem.field) == (str(path), "q-two", "prompt")
    assert str(problem) == f"{path}: question q-two: prompt: missing (required)"


def test_wrong_type_is_reported(tmp_path):
    data = pack()
    data["questions"][0]["minutes"] = "fifteen"
    path = write(tmp_path, "type.yaml", data)
    problem = only_problem([path])
    assert (problem.question_id, problem.field) == ("q-one", "minutes")
    assert "whole number" in problem.message and "'fifteen'" in problem.message


def test_question_without_id_is_named_by_position(tmp_path):
    data = pack()
    del data["questions"][1]["id"]
    problem = only_problem([write(tmp_path, "noid.yaml", data)])
    assert (problem.question_id, problem.field) == ("#2", "id")


def test_unknown_field_lists_accepted_ones(tmp_path):
    data = pack()
    data["questions"][0]["hint"] = "try a hash map"
    problem = only_problem([write(tmp_path, "extra.yaml", data)])
    assert problem.question_id == "q-one"
    assert "'hint'" in problem.message and "prompt" in problem.message


def test_duplicate_question_id_across_two_packs(tmp_path):
    write(tmp_path, "a.yaml", pack("alpha", ("shared-id", "only-a")))
    later = write(tmp_path, "b.yaml", pack("beta", ("shared-id", "only-b")))
    problem = only_problem([tmp_path])
    assert (problem.file, problem.question_id, problem.field) == (str(later), "shared-id", "id")
    assert "alpha" in problem.message


def test_duplicate_question_id_inside_one_pack(tmp_path):
    path = write(tmp_path, "twice.yaml", pack(qids=("same", "same")))
    problem = only_problem([path])
    assert (problem.question_id, problem.field) == ("same", "id")


def test_duplicate_pack_id(tmp_path):
    first = write(tmp_path, "a.yaml", pack("twin", ("q-a",)))
    later = write(tmp_path, "b.yaml", pack("twin", ("q-b",)))
    problem = only_problem([tmp_path])
    assert (problem.file, problem.question_id, problem.field) == (str(later), None, "pack")
    assert str(first) in problem.message


def test_too_many_dimensions(tmp_path):
    data = pack()
    dim = data["rubric"]["dimensions"][0]
    data["rubric"]["dimensions"] = [dict(copy.deepcopy(dim), id=f"d{i}") for i in range(5)]
    problem = only_problem([write(tmp_path, "dims.yaml", data)])
    assert problem.field == "rubric.dimensions"
    assert "5 items; at most 4" in problem.message


def test_missing_anchor(tmp_path):
    data = pack()
    del data["rubric"]["dimensions"][0]["anchors"][5]
    problem = only_problem([write(tmp_path, "anchor.yaml", data)])
    assert problem.field == "rubric.dimensions[0].anchors.5"
    assert problem.message == "missing (required)"


def test_too_long_question_title(tmp_path):
    data = pack()
    data["questions"][1]["title"] = "A title far too long for a Slack modal"
    problem = only_problem([write(tmp_path, "title.yaml", data)])
    assert (problem.question_id, problem.field) == ("q-two", "title")
    assert "38 characters; at most 24" in problem.message


def test_too_long_anchor_option_label(tmp_path):
    data = pack()
    data["rubric"]["dimensions"][0]["anchors"][3] = "x" * 72
    problem = only_problem([write(tmp_path, "label.yaml", data)])
    assert problem.field == "rubric.dimensions[0].anchors.3"
    assert "72 characters; at most 71" in problem.message and "select option" in problem.message


def test_too_long_guide_line(tmp_path):
    data = pack()
    data["questions"][0]["guide"]["red_flags"][1] = "y" * 201
    problem = only_problem([write(tmp_path, "line.yaml", data)])
    assert (problem.question_id, problem.field) == ("q-one", "guide.red_flags[1]")


@pytest.mark.parametrize(
    ("part", "keep", "needed"),
    [("look_for", 2, 3), ("follow_ups", 1, 2), ("red_flags", 1, 2)],
)
def test_too_few_guide_lines(tmp_path, part, keep, needed):
    data = pack()
    guide = data["questions"][0]["guide"]
    guide[part] = guide[part][:keep]
    problem = only_problem([write(tmp_path, f"{part}.yaml", data)])
    assert (problem.question_id, problem.field) == ("q-one", f"guide.{part}")
    assert f"{keep} items; at least {needed}" in problem.message


def test_unknown_level(tmp_path):
    data = pack()
    data["questions"][1]["level"] = ["mid", "expert"]
    problem = only_problem([write(tmp_path, "level.yaml", data)])
    assert (problem.question_id, problem.field) == ("q-two", "level[1]")
    assert "'expert'" in problem.message and "junior, mid, senior" in problem.message


def test_rubric_named_by_id_resolves_across_packs(tmp_path):
    write(tmp_path, "b.yaml", pack("defines", ("q-a",)))
    write(tmp_path, "a.yaml", pack("borrows", ("q-b",), rubric="defines-rubric"))
    assert validate_paths([tmp_path]) == []
    bank = load_bank([tmp_path])
    assert bank.question("q-b").rubric_id == "defines-rubric"
    assert bank.rubric_for(bank.question("q-b")) is bank.rubric("defines-rubric")


def test_unknown_rubric_reference(tmp_path):
    write(tmp_path, "a.yaml", pack("defines", ("q-a",)))
    path = write(tmp_path, "b.yaml", pack("borrows", ("q-b",), rubric="no-such-rubric"))
    problem = only_problem([tmp_path])
    assert (problem.file, problem.question_id, problem.field) == (str(path), None, "rubric")
    assert "'no-such-rubric'" in problem.message and "defines-rubric" in problem.message
    with pytest.raises(PackError, match="rubric"):
        load_pack(path)


def test_rubric_id_defined_twice_differently(tmp_path):
    write(tmp_path, "a.yaml", pack("first", ("q-a",)))
    other = pack("second", ("q-b",))
    other["rubric"]["id"] = "first-rubric"
    other["rubric"]["dimensions"][0]["name"] = "Something else"
    path = write(tmp_path, "b.yaml", other)
    problem = only_problem([tmp_path])
    assert (problem.file, problem.field) == (str(path), "rubric.id")


def test_unreadable_yaml(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("pack: demo\n  title: [unclosed\n", encoding="utf-8")
    problem = only_problem([path])
    assert (problem.file, problem.question_id, problem.field) == (str(path), None, "yaml")
    assert "line 2" in problem.message
    with pytest.raises(PackError, match=r"broken\.yaml: yaml: not valid YAML"):
        load_pack(path)


def test_key_given_twice_is_refused(tmp_path):
    path = tmp_path / "dupkey.yaml"
    text = yaml.safe_dump(pack(), sort_keys=False).replace(
        "track: coding", "track: coding\ntrack: x"
    )
    path.write_text(text, encoding="utf-8")
    problem = only_problem([path])
    assert problem.field == "yaml" and "'track' appears twice" in problem.message


def test_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    problem = only_problem([path])
    assert problem.field == "pack" and "must be a mapping" in problem.message


def test_missing_path_and_empty_directory(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    problems = validate_paths([tmp_path / "nowhere", empty])
    assert [(p.file, p.field) for p in problems] == [
        (str(tmp_path / "nowhere"), "path"),
        (str(empty), "path"),
    ]


def test_load_pack_raises_one_line_naming_the_first_problem(tmp_path):
    data = pack()
    data["questions"][0]["minutes"] = 0
    data["questions"][1]["level"] = []
    path = write(tmp_path, "two.yaml", data)
    with pytest.raises(PackError) as caught:
        load_pack(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: question q-one: minutes: 0 is out of range")
    assert message.endswith("(and 1 more)")
    assert len(caught.value.problems) == 2


def test_load_bank_skips_a_broken_pack_with_one_log_line(tmp_path, caplog):
    write(tmp_path, "a-good.yaml", pack("good", ("q-good",)))
    broken = pack("broken", ("q-broken",))
    broken["questions"][0]["level"] = ["wizard"]
    bad_path = write(tmp_path, "b-broken.yaml", broken)
    logger = logging.getLogger("test.questions")
    with caplog.at_level(logging.ERROR, logger="test.questions"):
        bank = load_bank([tmp_path], logger=logger)
    assert bank.pack_ids() == ("good",)
    assert [q.id for q in bank.questions()] == ["q-good"]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    line = errors[0].getMessage()
    assert str(bad_path) in line and "q-broken" in line and "level" in line


def test_load_bank_skips_the_later_of_two_clashing_packs(tmp_path, caplog):
    write(tmp_path, "a.yaml", pack("first", ("clash", "q-a")))
    later = write(tmp_path, "b.yaml", pack("second", ("clash", "q-b")))
    with caplog.at_level(logging.ERROR):
        bank = load_bank([tmp_path])
    assert bank.pack_ids() == ("first",)
    assert bank.question("clash").pack == "first"
    with pytest.raises(KeyError):
        bank.question("q-b")
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and str(later) in errors[0] and "clash" in errors[0]


def test_load_bank_reads_several_directories_and_warns_on_a_missing_one(tmp_path, caplog):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    write(one, "a.yaml", pack("p-one", ("q1",)))
    write(two, "b.yml", pack("p-two", ("q2",)))
    with caplog.at_level(logging.WARNING):
        bank = load_bank([one, two, tmp_path / "absent"])
    assert bank.pack_ids() == ("p-one", "p-two")
    assert any("absent" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    problem = only_problem([path])
    assert (problem.field, problem.question_id) == ("file", None)
    assert "is empty" in problem.message and "questions" in problem.message


def test_guide_part_too_long_for_one_embed_field(tmp_path):
    data = pack()
    data["questions"][1]["guide"]["look_for"] = [f"{i} " + "z" * 180 for i in range(6)]
    problem = only_problem([write(tmp_path, "big.yaml", data)])
    assert (problem.question_id, problem.field) == ("q-two", "guide.look_for")
    assert "at most 1024" in problem.message


def test_load_bank_reads_a_directory_given_twice_once(tmp_path, caplog):
    write(tmp_path, "a.yaml", pack("only", ("q1",)))
    with caplog.at_level(logging.ERROR):
        bank = load_bank([tmp_path, tmp_path / "."])
    assert bank.pack_ids() == ("only",)
    assert not [r for r in caplog.records if r.levelno == logging.ERROR]


def test_dimension_id_given_twice(tmp_path):
    data = pack()
    dim = data["rubric"]["dimensions"][0]
    data["rubric"]["dimensions"].append(copy.deepcopy(dim))
    problem = only_problem([write(tmp_path, "dimtwice.yaml", data)])
    assert (
        problem.field == "rubric.dimensions[1].id" and "'clarity' appears twice" in problem.message
    )
