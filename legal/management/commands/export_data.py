from django.core.management.base import BaseCommand

from legal import exports


class Command(BaseCommand):
    help = (
        "Build the bulk exports (zip of CSV files and JSON) of the published data, so that the "
        "first download after a change does not wait for them. Unchanged data is not rebuilt "
        "unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Rebuild even if the data has not changed.")

    def handle(self, *args, force=False, **options):
        fingerprint = exports.data_fingerprint()
        for export_format in exports.FORMATS:
            export = exports.ensure_export(export_format, fingerprint=fingerprint, force=force)
            state = "built" if export.built else "already up to date"
            self.stdout.write(self.style.SUCCESS(f"{export.path} ({export.size} bytes): {state}."))
