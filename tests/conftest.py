import pytest
from django.utils import translation

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


# Roles (groups and permissions come from the migrations) ---------------------------------


def ensure_role_groups():
    """The groups of migration 0005, recreated if a transactional test flushed them."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group

    roles = import_module("legal.migrations.0005_roles")
    if Group.objects.filter(name__in=[roles.STAFF, roles.MODERATORS]).count() == 2:
        return
    # create_groups() unsets ``models_module`` on the app configs it is given; on the live
    # registry that would stop later flushes from recreating permissions, so put it back.
    saved = {config: config.models_module for config in apps.get_app_configs()}
    try:
        roles.create_groups(apps, None)
    finally:
        for config, module in saved.items():
            config.models_module = module


def _member(django_user_model, username, group_name, *, admin=False):
    from django.contrib.auth.models import Group

    ensure_role_groups()
    user = django_user_model.objects.create_user(username=username, password=None, is_staff=admin)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def staff_user(db, django_user_model):
    return _member(django_user_model, "test-staff", "Staff")


@pytest.fixture
def other_staff_user(db, django_user_model):
    return _member(django_user_model, "test-other-staff", "Staff")


@pytest.fixture
def moderator_user(db, django_user_model):
    return _member(django_user_model, "test-moderator", "Moderators", admin=True)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def moderator_client(client, moderator_user):
    client.force_login(moderator_user)
    return client
