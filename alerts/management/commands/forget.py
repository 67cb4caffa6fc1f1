"""Delete every trace of an e-mail address (a data-subject request)."""

from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.core.exceptions import ValidationError

from alerts.models import Subscription


class Command(BaseCommand):
    help = "Delete every subscription of an e-mail address, with its queued and sent alerts."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError("Not an e-mail address.") from error
        # Deliveries cascade. Addresses are not kept anywhere else (no history, no logs).
        subscriptions = Subscription.objects.filter(email__iexact=email)
        count = subscriptions.count()
        subscriptions.delete()
        self.stdout.write(f"Deleted {count} subscription(s) of that address.")
