"""Send due e-mail alerts (see ``alerts.sending`` for the delivery guarantee). Run it from cron, or with --loop."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from alerts.models import Subscription
from alerts.sending import send_due

UNCONFIRMED_KEPT = timezone.timedelta(days=7)


class Command(BaseCommand):
    help = "Send due e-mail alerts; with --loop, keep doing it every --interval seconds."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Run until stopped.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between runs with --loop.")

    def handle(self, *args, loop=False, interval=60, **options):
        while True:
            # Requests never confirmed are forgotten after a week.
            Subscription.objects.filter(
                confirmed_at__isnull=True, created_at__lt=timezone.now() - UNCONFIRMED_KEPT
            ).delete()
            sent = send_due()
            self.stdout.write(f"{sent} message(s) sent.")
            if not loop:
                return
            time.sleep(max(interval, 1))
