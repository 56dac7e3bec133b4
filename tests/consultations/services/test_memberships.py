"""Every organisation-side write refuses members of a deactivated organisation, the same way."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from consultations.models import Attachment, CoSignature
from consultations.services import attachments, cosignatures, positions
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def deactivated(cast, chapter, open_round):
    draft = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    cast.org_a.is_active = False
    cast.org_a.save()
    return draft


def test_a_deactivated_organisation_can_neither_file_attach_nor_invite(cast, deactivated, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    with pytest.raises(PermissionDenied):
        positions.position_file(by=cast.delegate_a, position=deactivated)
    with pytest.raises(PermissionDenied):
        attachments.attachment_add(
            by=cast.delegate_a, position=deactivated, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")
        )
    with pytest.raises(PermissionDenied):
        cosignatures.cosignature_invite(by=cast.delegate_a, position=deactivated, organisation=cast.org_b)
    assert not Attachment.objects.exists()
    assert not CoSignature.objects.exists()
    assert not any(tmp_path.rglob("*.*"))
