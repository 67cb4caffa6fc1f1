"""Create (or update) one user of each signed-in role: a staff member and a moderator.

Staff log developments in the staff area (/staff/); moderators review and
publish there and use the admin panel. Without --password a random password
is generated and printed once; an existing user keeps their password unless
--password or --new-passwords is given. Running it again changes nothing else.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

ROLES = {
    # role: (group, may use the admin panel)
    "staff": ("Staff", False),
    "moderator": ("Moderators", True),
}


class Command(BaseCommand):
    help = "Create a staff user and a moderator user (groups come from the migrations)."

    def add_arguments(self, parser):
        parser.add_argument("--staff", default="staff", help="Username of the staff member (default: staff).")
        parser.add_argument("--moderator", default="moderator", help="Username of the moderator (default: moderator).")
        parser.add_argument("--password", help="Password for both users (default: a random one each, printed).")
        parser.add_argument(
            "--new-passwords",
            action="store_true",
            help="Give existing users new random passwords too (printed once).",
        )

    @transaction.atomic
    def handle(self, *args, staff, moderator, password=None, new_passwords=False, **options):
        if staff == moderator:
            raise CommandError("The staff member and the moderator need different usernames.")
        groups = {}
        for role, (group_name, _admin) in ROLES.items():
            try:
                groups[role] = Group.objects.get(name=group_name)
            except Group.DoesNotExist:
                raise CommandError(f"The group “{group_name}” is missing: run the migrations first.") from None
        User = get_user_model()
        for role, username in (("staff", staff), ("moderator", moderator)):
            _group_name, admin_access = ROLES[role]
            user, created = User.objects.get_or_create(username=username)
            # Django's flag for the admin panel, not the NGO role; a superuser keeps it.
            user.is_staff = admin_access or user.is_superuser
            user.is_active = True
            shown = None
            if password or created or new_passwords:
                shown = password or secrets.token_urlsafe(12)
                user.set_password(shown)
            user.save()
            # Exactly one role each: a staff member must not keep a moderator's rights.
            user.groups.remove(*[group for other, group in groups.items() if other != role])
            user.groups.add(groups[role])
            verb = "Created" if created else "Updated"
            line = f"{verb} {role} user “{username}”"
            if shown and not password:
                line += f" with password: {shown}"
            self.stdout.write(line)
