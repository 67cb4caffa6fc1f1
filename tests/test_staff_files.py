"""Stored source files before publication: the people reviewing them can read them, nobody else."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from legal import models, workflow
from tests import factories

pytestmark = pytest.mark.django_db

CONTENT = b"%PDF-1.4 synthetic test file"


def draft_source(user):
    source = models.Source(
        slug="test-draft-source", title="Test draft source", kind=models.Source.Kind.REPORT, date_precision="unknown"
    )
    source.file.save("uploaded-name.pdf", ContentFile(CONTENT), save=False)
    source.refresh_sha256()
    return workflow.create_companion(source, user=user)


def attach_to_request(source, user):
    event = models.LifecycleEvent(kind=models.LifecycleEvent.Kind.ANNOUNCED, attempt=factories.make_attempt(),
                                  date_precision="unknown")
    citation = models.Citation(source=source, reliability="F", credibility="6")
    return workflow.create_draft(event, user=user, citations=[citation], companions=[source])


def url(source):
    return reverse("staff:source_file", args=[source.pk])


def body(response):
    return b"".join(response.streaming_content)


def test_the_moderator_downloads_a_draft_sources_file_named_after_its_slug(client, staff_user, moderator_user):
    source = draft_source(staff_user)
    client.force_login(moderator_user)
    response = client.get(url(source))
    assert response.status_code == 200
    assert body(response) == CONTENT
    assert "test-draft-source.pdf" in response["Content-Disposition"]
    assert "uploaded-name" not in response["Content-Disposition"]


def test_the_staff_member_who_added_it_downloads_it_and_other_staff_get_404(
    client, staff_user, other_staff_user
):
    source = draft_source(staff_user)
    attach_to_request(source, staff_user)
    client.force_login(staff_user)
    assert client.get(url(source)).status_code == 200
    client.force_login(other_staff_user)
    assert client.get(url(source)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_and_the_public_view_404s(client, staff_user):
    source = draft_source(staff_user)
    response = client.get(url(source))
    assert response.status_code == 302 and reverse("staff:login") in response["Location"]
    assert client.get(reverse("legal:source_file", kwargs={"slug": source.slug})).status_code == 404


def test_the_admin_links_the_stored_copy_to_the_private_download(client, staff_user, moderator_user):
    source = draft_source(staff_user)
    client.force_login(moderator_user)
    page = client.get(reverse("admin:legal_source_change", args=[source.pk])).content.decode()
    assert f'href="{url(source)}"' in page
    assert "/media/" not in page


def test_a_missing_record_is_404(client, moderator_user):
    client.force_login(moderator_user)
    assert client.get(reverse("staff:source_file", args=[999999])).status_code == 404
