from django.core.management.base import BaseCommand

from legal.search import rebuild_index


class Command(BaseCommand):
    help = (
        "Rebuild the public search index from every record. Writes through the site keep it "
        "current; run this after migrating a database that already holds records, or after "
        "changing what is indexed."
    )

    def handle(self, *args, **options):
        written = rebuild_index()
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt: {written} records indexed."))
