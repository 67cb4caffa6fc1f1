from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from legal import models
from legal.seed_loader import FixtureError, load_case

DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "safe_city.json"


class Command(BaseCommand):
    help = (
        "Load the Serbian “Safe City” case from the seed fixtures. Safe to run twice: "
        "records are matched on their keys and only changed ones are saved."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(DEFAULT_PATH), help="Fixture file to load.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds records (used by `make run`, "
            "so that moderators' later edits are never overwritten).",
        )

    def handle(self, *args, path, if_empty, **options):
        if if_empty and models.Source.objects.exists():
            self.stdout.write("The database already holds records; nothing loaded.")
            return
        try:
            report = load_case(path)
        except (FixtureError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Safe City case loaded: {report}."))
