import pytest
from django.utils import translation

from legal import models
from tests import factories


@pytest.fixture(autouse=True)
def english():
    """Messages and dates are compared in English unless a test says otherwise."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Stored files go to a throwaway directory, never to the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def editor(django_user_model):
    # No password: tests log in with force_login, and hashing one costs a second per test.
    return django_user_model.objects.create_user(username="test-editor", password=None)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(username="test-admin", email="admin@example.org", password=None)


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def jurisdiction(db):
    return factories.make_jurisdiction()


@pytest.fixture
def authority(db):
    return factories.make_supervisory_authority()


@pytest.fixture
def controller(db):
    return factories.make_actor()


@pytest.fixture
def system(db):
    return factories.make_system()


@pytest.fixture
def instrument(db, jurisdiction):
    return factories.make_instrument(jurisdiction=jurisdiction)


@pytest.fixture
def attempt(db, jurisdiction):
    return factories.make_attempt(jurisdiction=jurisdiction)


@pytest.fixture
def dpia(db, controller, authority, system):
    return factories.make_dpia(controller=controller, authority=authority, system=system)


@pytest.fixture
def moderation(db, monkeypatch):
    """Stands in for the moderation workflow, in the one place it will act: ``.published()``.

    Records whose slug starts with "unpublished-" are not public.
    """
    original = models.RecordQuerySet.published

    def published(queryset):
        queryset = original(queryset)
        if any(field.name == "slug" for field in queryset.model._meta.fields):
            queryset = queryset.exclude(slug__startswith="unpublished-")
        return queryset

    monkeypatch.setattr(models.RecordQuerySet, "published", published)
