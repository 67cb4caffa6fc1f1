"""The two signed-in roles, as groups with their permissions.

- Staff (NGO members) log developments and propose edits in the staff area;
  they have no access to the admin panel.
- Moderators review and publish, remove and restore records, and keep the
  record clean in the admin panel (add, change and view every model; deleting
  is soft and done through the moderation actions, except for citations and
  provisions, which are parts of a record).
"""

from django.db import migrations

STAFF = "Staff"
MODERATORS = "Moderators"

MODERATOR_DELETABLE = {"citation", "provision"}
NOT_EDITED_IN_ADMIN = {"searchdocument", "changerequest"}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    legal = Permission.objects.filter(content_type__app_label="legal")

    staff, _created = Group.objects.get_or_create(name=STAFF)
    staff.permissions.set(legal.filter(codename="log_developments"))

    moderators, _created = Group.objects.get_or_create(name=MODERATORS)
    wanted = []
    for permission in legal:
        action, _sep, model = permission.codename.partition("_")
        if permission.codename in ("log_developments", "moderate", "view_changerequest"):
            wanted.append(permission)
        elif model.startswith("historical") or model in NOT_EDITED_IN_ADMIN:
            continue  # written by the application only
        elif action in ("add", "change", "view") or (action == "delete" and model in MODERATOR_DELETABLE):
            wanted.append(permission)
    moderators.permissions.set(wanted)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[STAFF, MODERATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("legal", "0004_moderation"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
