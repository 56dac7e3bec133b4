from __future__ import annotations

import pytest

from consultations.models import Position
from consultations.selectors.positions import revision_diff, revision_list_with_diffs
from consultations.services.positions import position_amend
from tests.consultations.services.helpers import filed

pytestmark = pytest.mark.django_db


@pytest.fixture
def amended(cast, chapter, open_round):
    position = filed(
        organisation=cast.org_a,
        by=cast.delegate_a,
        chapter=chapter,
        round=open_round,
        title="Título original",
        summary="Primera línea.\nSegunda línea.",
        hs_lines=["8708.29"],
        jobs=100,
    )
    position_amend(
        by=cast.delegate_a,
        position=position,
        data={
            "title": "Título enmendado",
            "summary": "Primera línea.\nSegunda línea corregida.",
            "hs_lines": ["8708.29", "8708.30"],
            "jobs": None,
        },
        reason="Correcciones",
    )
    return position


def test_revision_diff_lists_each_changed_field_with_minus_and_plus_lines(amended):
    older, newer = amended.revisions.order_by("number")

    diffs = {diff.field: diff for diff in revision_diff(older=older, newer=newer)}

    assert set(diffs) == {"title", "summary", "hs_lines", "jobs"}
    assert diffs["title"].lines == [("-", "Título original"), ("+", "Título enmendado")]
    assert diffs["summary"].lines == [
        (" ", "Primera línea."),
        ("-", "Segunda línea."),
        ("+", "Segunda línea corregida."),
    ]
    assert diffs["hs_lines"].lines == [("-", "8708.29"), ("+", "8708.29, 8708.30")]
    assert diffs["jobs"].lines == [("-", "100")]
    assert diffs["title"].label == str(Position._meta.get_field("title").verbose_name)


def test_revision_diff_follows_the_order_of_the_form(amended):
    older, newer = amended.revisions.order_by("number")

    fields = [diff.field for diff in revision_diff(older=older, newer=newer)]

    assert fields == ["title", "summary", "hs_lines", "jobs"]


def test_revision_diff_of_a_revision_with_itself_is_empty(amended):
    revision = amended.revisions.get(number=1)

    assert revision_diff(older=revision, newer=revision) == []


def test_revision_history_is_newest_first_and_the_first_revision_has_no_diff(cast, amended):
    position_amend(by=cast.delegate_a, position=amended, data={"body": "Texto nuevo"})

    history = revision_list_with_diffs(user=cast.delegate_a, position=amended)

    assert [entry.revision.number for entry in history] == [3, 2, 1]
    assert [diff.field for diff in history[0].diff] == ["body"]
    assert history[0].diff[0].lines == [("+", "Texto nuevo")]
    assert history[-1].diff == []
    assert history[-1].previous is None


def test_a_diff_reads_labels_and_words_and_the_first_revision_shows_its_text(cast, chapter, open_round) -> None:
    from django.utils import translation

    from consultations.selectors.positions import field_diff, revision_fields

    with translation.override("en"):
        priority = field_diff("priority", "priority", "low", "high")
    assert priority.rows == ((("-", "Low"), ("+", "High")),)  # labels, not the stored codes

    summary = field_diff(
        "summary", "summary", "Pedimos un arancel de 10 % para el acero.", "Pedimos un arancel de 15 % para el acero."
    )
    kinds = [kind for kind, _text in summary.rows[0]]
    assert kinds.count("-") == 1 and kinds.count("+") == 1  # one paragraph, one word changed in it
    assert ("-", "10 ") in summary.rows[0] and ("+", "15 ") in summary.rows[0]
    assert "".join(text for kind, text in summary.rows[0] if kind != "-") == "Pedimos un arancel de 15 % para el acero."

    position = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    labels = dict(revision_fields(position.revisions.get(number=1)))
    assert position.title in labels.values()
