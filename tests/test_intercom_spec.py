"""Intercom as Intercom-OpenAPI describes it, against the loopback Intercom: the customer
is the conversation's contact (not whoever began it), Fin's resolution states are read
by API version, and the tier and language come from where the user says they are.
"""

import json
from datetime import date

import pytest

from tasks.fin import fin_performance
from tasks.load import SourceError, load_conversations, sample_window
from tasks.preprocess import preprocess
from tasks.segmentation import segmentation
from tasks.services.intercom import IntercomClient, intercom_credentials
from tests.agents.builders import topics_of
from tests.servers.intercom import FakeIntercom, contact, conversation

MONDAY = 1_763_337_600  # 2025-11-17 00:00 UTC
WEEK = (date(2025, 11, 17), date(2025, 11, 23))


@pytest.fixture
def serve(monkeypatch):
    """Start a loopback Intercom with these conversations and contacts; stopped after."""
    started: list[FakeIntercom] = []

    def start(conversations: list[dict], contacts: list[dict] = ()) -> FakeIntercom:
        server = FakeIntercom(conversations, contacts=list(contacts)).start()
        started.append(server)
        monkeypatch.setenv("INTERCOM_TOKEN", server.token)
        monkeypatch.setenv("INTERCOM_BASE_URL", server.url)
        return server

    yield start
    for server in started:
        server.stop()


def export(path, conversations: list[dict], version: str | None = None):
    document = {"type": "conversation.list", "conversations": conversations}
    if version:
        document["intercom_version"] = version
    path.write_text(json.dumps(document))
    return str(path)


def rates(found) -> tuple:
    return found.overall.conversations, found.overall.resolution_rate, found.overall.escalation_rate


@pytest.mark.usefixtures("prefect_harness")  # the intercom source reads its block
def test_an_admin_initiated_conversation_belongs_to_its_contact_not_the_admin(serve, tmp_path):
    outbound = conversation(
        "o1",
        MONDAY + 3600,
        "Your November invoice is ready",
        delivered_as="admin_initiated",
        customer="u7",
        reply="Why is it twice the usual amount?",
    )
    assert outbound["source"]["author"]["type"] == "admin"
    serve([outbound], [contact("u7", language="de-DE")])

    (found,) = load_conversations.fn("intercom", *WEEK, tmp_path).conversations
    assert found.customer_ids == ["u7"] and found.customer_email == "u7@example.com"
    assert found.messages[0].author_type == "admin"
    assert found.opening_text == "Why is it twice the usual amount?"  # what the customer said
    assert found.language == "de"  # the contact's own, read from GET /contacts/u7


@pytest.mark.usefixtures("prefect_harness")
def test_an_outbound_message_to_two_contacts_is_two_customers(serve, tmp_path):
    # Intercom makes one conversation per recipient; both answer alike within the minute.
    same = {"delivered_as": "admin_initiated", "reply": "Thanks, will do."}
    text = "Please update your billing details"
    to_each = [
        conversation("m1", MONDAY + 600, text, customer="u1", **same),
        conversation("m2", MONDAY + 600, text, customer="u2", **same),
    ]
    group = conversation("g1", MONDAY + 7200, "Our plan renewal", contacts=("u1", "u2"))
    server = serve([*to_each, group], [contact("u1"), contact("u2")])

    loaded = load_conversations.fn("intercom", *WEEK, tmp_path)
    cleaned = preprocess.fn(loaded.conversations)
    assert cleaned.duplicates_removed == 0
    by_id = {c.id: c.customer_ids for c in cleaned.conversations}
    assert by_id == {"m1": ["u1"], "m2": ["u2"], "g1": ["u1", "u2"]}
    contact_reads = [r.path for r in server.requests if r.path.startswith("/contacts/")]
    assert sorted(contact_reads) == ["/contacts/u1", "/contacts/u2"]  # each read once


@pytest.mark.usefixtures("prefect_harness")
def test_fin_states_of_the_pinned_version_2_15_are_counted(serve, tmp_path):
    states = ["assumed_resolution", "confirmed_resolution", "escalated", "procedure_handoff"]
    states += ["negative_feedback"]
    week = [
        conversation(f"f{i}", MONDAY + i * 600, "Where is my refund?", resolution=s, admin=None)
        for i, s in enumerate(states)
    ]
    server = serve(week)

    loaded = load_conversations.fn("intercom", *WEEK, tmp_path)
    assert {r.headers["intercom-version"] for r in server.requests} == {"2.15"}
    assert json.loads(loaded.files[0].read_text())["intercom_version"] == "2.15"
    found = fin_performance.fn(loaded.conversations, topics_of({c["id"]: "Billing" for c in week}))
    assert rates(found) == (5, 40.0, 40.0)  # 2 resolved; escalated and the procedure's handoff
    handling = {c.id: c.handling for c in loaded.conversations}
    assert handling == {
        "f0": "fin_resolved",
        "f1": "fin_resolved",
        "f2": "fin_to_human",
        "f3": "fin_to_human",
        "f4": "fin_unresolved",  # the customer said the answer did not help
    }


def test_a_client_pinned_to_2_11_reads_the_2_11_states(serve, tmp_path):
    states = ["assumed_resolution", "confirmed_resolution", "routed_to_team", "abandoned"]
    week = [
        conversation(f"f{i}", MONDAY + i * 600, "Password reset", resolution=s, admin=None)
        for i, s in enumerate(states)
    ]
    server = serve(week)
    fetched = IntercomClient(intercom_credentials(), version="2.11").window(*WEEK)
    assert {r.headers["intercom-version"] for r in server.requests} == {"2.11"}

    path = export(tmp_path / "week.json", fetched, version="2.11")
    loaded = load_conversations.fn(path, *WEEK)
    found = fin_performance.fn(loaded.conversations, topics_of({c["id"]: "Login" for c in week}))
    assert rates(found) == (4, 50.0, 25.0)
    assert [c.fin_outcome for c in loaded.conversations] == [
        "resolved",
        "resolved",
        "escalated",
        "unresolved",
    ]


def test_a_state_of_another_version_is_a_one_line_error(tmp_path):
    old = conversation("x1", MONDAY, "Refund", resolution="routed_to_team")
    path = export(tmp_path / "week.json", [old], version="2.15")
    with pytest.raises(SourceError) as raised:
        load_conversations.fn(path, *WEEK)
    assert str(raised.value) == (
        "week.json: conversation #1 (id x1): ai_agent.resolution_state: 'routed_to_team' is not"
        " a resolution state of Intercom API 2.15 (assumed_resolution, confirmed_resolution,"
        " escalated, procedure_handoff, negative_feedback)"
    )
    path = export(tmp_path / "old.json", [old], version="1.4")
    with pytest.raises(SourceError, match=r"^old.json: intercom version 1.4 is older than 2.11"):
        load_conversations.fn(path, *WEEK)


def test_an_export_that_does_not_say_its_version_takes_the_values_of_both(tmp_path):
    week = [
        conversation("v1", MONDAY, "Refund", resolution="routed_to_team"),
        conversation("v2", MONDAY + 60, "Refund", resolution="escalated"),
        conversation("v3", MONDAY + 120, "Refund", resolution="negative_feedback"),
    ]
    path = tmp_path / "week.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in week))
    loaded = load_conversations.fn(str(path), *WEEK).conversations
    assert [c.fin_outcome for c in loaded] == ["escalated", "escalated", "unresolved"]


def test_tier_and_language_come_from_the_attributes_the_user_names(tmp_path, monkeypatch):
    monkeypatch.setenv("VOC_INTERCOM_TIER_ATTRIBUTE", "Plan")
    monkeypatch.setenv("VOC_INTERCOM_LANGUAGE_ATTRIBUTE", "Preferred language")
    monkeypatch.setenv("VOC_INTERCOM_FREE_VALUES", "Free, Trial")
    on_conversation = conversation("a1", MONDAY, "Export to CSV?")
    on_conversation["custom_attributes"] = {"Plan": "Enterprise", "Preferred language": "fr"}
    on_contact = conversation("a2", MONDAY + 60, "Export to PDF?", customer="u2")
    on_contact["contacts"]["contacts"] = [contact("u2", custom_attributes={"Plan": "trial"})]
    nowhere = conversation("a3", MONDAY + 120, "Export to XLSX?", tier="paid")
    path = export(tmp_path / "week.json", [on_conversation, on_contact, nowhere])

    loaded = load_conversations.fn(path, *WEEK).conversations
    assert [(c.tier, c.language) for c in loaded] == [
        ("paid", "fr"),
        ("free", "unknown"),
        ("unknown", "unknown"),  # its custom attributes say "tier", which nobody named
    ]
    split = segmentation.fn(loaded)
    assert [(s.name, s.count) for s in split.tiers] == [("free", 1), ("paid", 1), ("unknown", 1)]


@pytest.mark.parametrize("placeholder", ["none", "None", "", "  ", "null", "N/A", "-", "unknown"])
def test_a_tier_that_says_nothing_is_no_tier_neither_paid_nor_free(
    tmp_path, monkeypatch, placeholder
):
    monkeypatch.setenv("VOC_INTERCOM_TIER_ATTRIBUTE", "Plan")
    monkeypatch.delenv("VOC_INTERCOM_FREE_VALUES", raising=False)
    says_nothing = conversation("p1", MONDAY, "Export to CSV?")
    says_nothing["custom_attributes"] = {"Plan": placeholder}
    # A placeholder on the conversation leaves the word to its contact's attribute.
    on_contact = conversation("p2", MONDAY + 60, "Export to PDF?", customer="u2")
    on_contact["custom_attributes"] = {"Plan": placeholder}
    on_contact["contacts"]["contacts"] = [contact("u2", custom_attributes={"Plan": "Free"})]
    paying = conversation("p3", MONDAY + 120, "Export to XLSX?")
    paying["custom_attributes"] = {"Plan": "Pro"}
    path = export(tmp_path / "week.json", [says_nothing, on_contact, paying])

    loaded = load_conversations.fn(path, *WEEK).conversations
    assert [c.tier for c in loaded] == ["unknown", "free", "paid"]
    split = segmentation.fn(loaded)
    assert [(s.name, s.count) for s in split.tiers] == [("free", 1), ("paid", 1), ("unknown", 1)]


def test_by_default_the_language_is_the_contacts_and_no_tier_is_guessed(tmp_path, monkeypatch):
    for name in ("TIER", "LANGUAGE"):
        monkeypatch.delenv(f"VOC_INTERCOM_{name}_ATTRIBUTE", raising=False)
    speaks = [
        contact("u1", language="pt-BR", country="Brazil"),
        {**contact("u2", country="Spain"), "language_override": "es"},
    ]
    week = [
        conversation(f"d{i}", MONDAY + i * 60, "Hello", customer=person["id"])
        for i, person in enumerate(speaks)
    ]
    for made, person in zip(week, speaks, strict=True):
        made["contacts"]["contacts"] = [person]  # as voc saves a download: contacts in full
    week.append(conversation("d2", MONDAY + 300, "Hello", customer="u3"))  # a bare reference
    path = export(tmp_path / "week.json", week)

    loaded = load_conversations.fn(path, *WEEK).conversations
    assert [(c.tier, c.language, c.country) for c in loaded] == [
        ("unknown", "pt", "Brazil"),
        ("unknown", "es", "Spain"),
        ("unknown", "unknown", "unknown"),
    ]
    split = segmentation.fn(loaded)
    assert [(s.name, s.count) for s in split.countries] == [
        ("Brazil", 1),
        ("Spain", 1),
        ("unknown", 1),
    ]


def test_the_bundled_sample_keeps_its_breakdowns():
    loaded = load_conversations.fn("sample", *sample_window())
    split = segmentation.fn(preprocess.fn(loaded.conversations).conversations)
    assert {s.name for s in split.tiers} == {"paid", "free"}
    assert {s.name for s in split.languages} == {"en", "de", "es", "fr"}
