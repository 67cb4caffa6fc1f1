"""The two signed-in roles: their groups and permissions (migration 0005) and ``manage.py create_role_users``."""

import io
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from legal import workflow

pytestmark = pytest.mark.django_db

# Models that only the application writes: the search index and the review queue.
NOT_EDITED_IN_ADMIN = {"searchdocument", "changerequest"}
# Parts of a record that moderators may delete outright; everything else is removed softly.
DELETABLE = {"citation", "provision"}


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # The command hashes real passwords; a fast hasher keeps these tests quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def codenames(group_name):
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def legal_model_names():
    """The legal app's own models (not the history tables simple-history adds)."""
    return {
        model._meta.model_name
        for model in apps.get_app_config("legal").get_models()
        if not model._meta.model_name.startswith("historical")
    }


def run(*args):
    out = io.StringIO()
    call_command("create_role_users", *args, stdout=out)
    return out.getvalue()


def passwords(output):
    return dict(re.findall(r"user “([^”]+)” with password: (\S+)", output))


# Groups and permissions ---------------------------------------------------------------------


def test_staff_may_only_log_developments():
    assert codenames("Staff") == {"legal.log_developments"}


def test_moderators_moderate_log_and_add_change_view_every_legal_model():
    expected = {"legal.moderate", "legal.log_developments", "legal.view_changerequest"}
    for name in legal_model_names() - NOT_EDITED_IN_ADMIN:
        expected |= {f"legal.add_{name}", f"legal.change_{name}", f"legal.view_{name}"}
    expected |= {f"legal.delete_{name}" for name in DELETABLE}
    assert codenames("Moderators") == expected


def test_moderators_delete_nothing_but_citations_and_provisions():
    deletable = {codename for codename in codenames("Moderators") if ".delete_" in codename}
    assert deletable == {"legal.delete_citation", "legal.delete_provision"}


def test_no_role_may_write_history_the_review_queue_or_the_search_index():
    for group in ("Staff", "Moderators"):
        for codename in codenames(group):
            assert "historical" not in codename
            assert codename not in {
                "legal.add_changerequest", "legal.change_changerequest", "legal.delete_changerequest",
                "legal.add_searchdocument", "legal.change_searchdocument", "legal.delete_searchdocument",
            }


def test_no_role_has_rights_outside_the_legal_app():
    for group in ("Staff", "Moderators"):
        assert all(codename.startswith("legal.") for codename in codenames(group))


# manage.py create_role_users ----------------------------------------------------------------


def test_create_role_users_creates_a_staff_member_and_a_moderator():
    output = run()
    User = get_user_model()
    staff, moderator = User.objects.get(username="staff"), User.objects.get(username="moderator")
    assert list(staff.groups.values_list("name", flat=True)) == ["Staff"]
    assert list(moderator.groups.values_list("name", flat=True)) == ["Moderators"]
    # Only moderators use the admin panel; neither is a superuser.
    assert (staff.is_staff, moderator.is_staff) == (False, True)
    assert not staff.is_superuser and not moderator.is_superuser
    assert workflow.is_staff_member(staff) and not workflow.is_moderator(staff)
    assert workflow.is_moderator(moderator)
    assert "Created staff user “staff”" in output and "Created moderator user “moderator”" in output


def test_create_role_users_prints_each_generated_password_once():
    output = run()
    generated = passwords(output)
    assert set(generated) == {"staff", "moderator"}
    assert generated["staff"] != generated["moderator"]
    User = get_user_model()
    for username, password in generated.items():
        assert output.count(password) == 1
        assert User.objects.get(username=username).check_password(password)


def test_staff_cannot_open_the_admin_panel_and_moderators_can(client):
    generated = passwords(run())
    assert client.login(username="staff", password=generated["staff"])
    assert client.get("/admin/").status_code == 302
    client.logout()
    assert client.login(username="moderator", password=generated["moderator"])
    assert client.get("/admin/").status_code == 200


def test_create_role_users_is_idempotent_and_keeps_existing_passwords():
    first = passwords(run())
    output = run()
    User = get_user_model()
    assert User.objects.filter(username__in=["staff", "moderator"]).count() == 2
    assert User.objects.count() == 2
    assert "password" not in output
    assert "Updated staff user “staff”" in output
    for username, password in first.items():
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert user.groups.count() == 1


def test_new_passwords_replaces_and_prints_the_existing_users_passwords():
    first = passwords(run())
    second = passwords(run("--new-passwords"))
    User = get_user_model()
    assert set(second) == {"staff", "moderator"}
    for username, password in second.items():
        assert password != first[username]
        assert User.objects.get(username=username).check_password(password)


def test_an_explicit_password_is_set_for_both_and_not_printed():
    run()
    output = run("--password", "a-test-password-9")
    assert "a-test-password-9" not in output
    User = get_user_model()
    for username in ("staff", "moderator"):
        assert User.objects.get(username=username).check_password("a-test-password-9")


def test_usernames_can_be_chosen():
    run("--staff", "test-logger", "--moderator", "test-reviewer")
    User = get_user_model()
    assert User.objects.get(username="test-logger").groups.get().name == "Staff"
    assert User.objects.get(username="test-reviewer").groups.get().name == "Moderators"


def test_one_username_for_both_roles_is_refused():
    with pytest.raises(CommandError, match="different usernames"):
        run("--staff", "same", "--moderator", "same")
    assert not get_user_model().objects.exists()


def test_an_existing_user_gets_exactly_the_role_asked_for():
    User = get_user_model()
    user = User.objects.create_user(username="staff", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    run()
    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == ["Staff"]
    assert not user.is_staff
    assert not workflow.is_moderator(User.objects.get(pk=user.pk))


def test_a_superuser_keeps_the_admin_panel():
    User = get_user_model()
    User.objects.create_superuser(username="test-admin", email="admin@example.org", password=None)
    run("--staff", "test-admin")
    assert User.objects.get(username="test-admin").is_staff


def test_without_the_groups_the_command_says_to_migrate():
    Group.objects.filter(name="Staff").delete()
    with pytest.raises(CommandError, match="run the migrations"):
        run()
    assert not get_user_model().objects.exists()
