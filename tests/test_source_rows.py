"""A bad conversation in a source file is named by file, line or index, and field."""

import json
import re
from datetime import date

import pytest

from tasks.load import SourceError, load_conversations
from tests.conftest import intercom_conversation, write_export

DAY = 1_763_337_600  # 2025-11-17
WEEK = (date(2025, 11, 17), date(2025, 11, 23))


def good(conversation_id: str) -> dict:
    return intercom_conversation(conversation_id, DAY, "invoice question")


def with_created_at(conversation_id: str, value) -> dict:
    return good(conversation_id) | {"created_at": value}


def load(path):
    return load_conversations.fn(str(path), *WEEK)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (1e20, "1e+20 is not a time between 1970 and 9999"),
        (-5, "-5 is not a time between 1970 and 9999"),
        ("yesterday", "'yesterday' is not Unix seconds"),
        (True, "True is not Unix seconds"),
    ],
)
def test_a_bad_time_in_a_jsonl_export_names_its_line_and_field(tmp_path, value, reason):
    path = tmp_path / "week.jsonl"
    lines = [good("1"), with_created_at("2", value)]
    path.write_text("\n".join(json.dumps(c) for c in lines) + "\n")
    with pytest.raises(SourceError) as raised:
        load(path)
    assert str(raised.value) == f"week.jsonl: line 2 (id 2): created_at: {reason}"


def test_non_finite_numbers_are_named_too(tmp_path):
    path = tmp_path / "week.jsonl"
    # Python's json writes and reads Infinity and NaN, as some exporters do.
    path.write_text(json.dumps(with_created_at("7", float("inf"))) + "\n")
    with pytest.raises(SourceError, match=re.escape("line 1 (id 7): created_at: inf is not a")):
        load(path)
    path.write_text(json.dumps(with_created_at("8", float("nan"))) + "\n")
    with pytest.raises(SourceError, match=re.escape("line 1 (id 8): created_at: nan is not a")):
        load(path)


def test_a_bad_conversation_in_a_json_export_names_its_index(tmp_path):
    path = write_export(tmp_path / "week.json", [good("1"), good("2"), "oops"])
    with pytest.raises(SourceError) as raised:
        load(path)
    assert (
        str(raised.value) == "week.json: conversation #3: conversation: expected an object, not str"
    )


def test_a_bad_part_names_the_part_field(tmp_path):
    broken = good("4")
    broken["conversation_parts"]["conversation_parts"] = [
        {"part_type": "comment", "body": "hi", "created_at": 1e30}
    ]
    path = write_export(tmp_path / "week.json", [broken])
    with pytest.raises(SourceError) as raised:
        load(path)
    assert str(raised.value).startswith(
        "week.json: conversation #1 (id 4): conversation_parts.created_at: 1e+30 is not a time"
    )


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2,inf,hello", "line 3: created_at 'inf' is not a time"),
        ("2,1763337600,hello,nan", "line 3: rating 'nan' is not a number"),
        ("2,someday,hello", "line 3: created_at 'someday' is neither Unix seconds nor ISO 8601"),
    ],
)
def test_a_bad_row_of_a_csv_export_names_its_line(tmp_path, row, reason):
    path = tmp_path / "week.csv"
    path.write_text(f"id,created_at,body,rating\n1,1763337600,hello,5\n{row}\n")
    with pytest.raises(SourceError) as raised:
        load(path)
    assert str(raised.value) == f"week.csv: {reason}"


@pytest.mark.parametrize("name", ["week.json", "week.jsonl", "week.csv"])
def test_a_file_that_is_not_utf8_names_the_byte(tmp_path, name):
    path = tmp_path / name
    head = b"id,created_at,body\n1,1763337600,caf" if name.endswith(".csv") else b'[{"id": "caf'
    path.write_bytes(head + b"\xe9 au lait")
    with pytest.raises(SourceError) as raised:
        load(path)
    assert str(raised.value) == f"{name}: not UTF-8 text (byte {len(head)})"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("week.json", "", "week.json: the file is empty"),
        ("week.json", "[]", "week.json: holds no conversations"),
        ("week.json", '{"type": "conversation.list", "conversations": []}', "holds no"),
        ("week.jsonl", "\n\n", "week.jsonl: holds no conversations"),
        ("week.csv", "id,created_at,body\n", "week.csv: holds no conversations"),
    ],
)
def test_an_empty_source_is_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(SourceError, match=re.escape(message)):
        load(path)


def test_a_window_without_conversations_completes_with_a_report_that_says_so(voc, tmp_path):
    ran = voc("run", "--start", "2020-01-06", "--end", "2020-01-12")
    assert ran.returncode == 0, ran.stderr
    (report,) = (tmp_path / "outputs").glob("*/report.md")
    assert report.read_text() == (
        "# Voice of Customer: Jan 06 to Jan 12, 2020\n\n"
        "No conversations were created in this window.\n"
    )
