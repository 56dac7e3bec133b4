from __future__ import annotations

import pytest

from consultations.models import PositionStatus
from consultations.services import positions as position_services
from tests import factories


@pytest.mark.django_db
def test_delegate_files_a_draft_for_an_open_round(cast, chapter, open_round):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    filed = position_services.position_file(by=cast.delegate_a, position=position)
    assert filed.status == PositionStatus.SUBMITTED
    assert filed.revisions.get().number == 1
