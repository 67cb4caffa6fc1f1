"""Publish approved changes whose embargo has ended. Run it from cron, or with --loop.

An embargoed change stays private until this runs after its time: if the
command is not running, publication is late, never early. A change that can
no longer be published (the record changed meanwhile) goes back to its author
with the reason.
"""

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from legal.workflow import publish_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Publish scheduled (embargoed) changes whose time has come; with --loop, every --interval seconds."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Run until stopped.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between runs with --loop.")

    def handle(self, *args, loop=False, interval=60, **options):
        while True:
            if not loop:
                self.run_once()
                return
            # A long-running worker must survive a database restart: log, wait, try again.
            close_old_connections()
            try:
                self.run_once()
            except Exception:
                logger.exception("Publishing scheduled changes failed; trying again in %s s", interval)
            time.sleep(max(interval, 1))

    def run_once(self):
        returned = []
        published = publish_due(returned=returned)
        self.stdout.write(f"{len(published)} scheduled change(s) published.")
        for change_request in returned:
            self.stderr.write(f"Returned to its author, not published: {change_request} ({change_request.comment})")
