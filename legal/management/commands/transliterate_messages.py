"""Build the Serbian Cyrillic interface catalogue from the Serbian Latin one.

Translators maintain ``locale/sr_Latn/LC_MESSAGES/django.po``; this command
writes ``locale/sr_Cyrl/LC_MESSAGES/django.po`` with every translation
transliterated, keeping placeholders such as ``%(name)s`` and ``{{ x }}``
intact. Run ``compilemessages`` afterwards.
"""

import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from legal.translit import to_cyrillic

# Placeholders and markup that must stay as they are.
PROTECTED = re.compile(r"(%\([^)]+\)[sd]|%[sd]|\{\{[^}]*\}\}|\{[^}]*\}|<[^>]+>|&[a-z]+;|https?://\S+)")


def transliterate_message(text):
    parts = PROTECTED.split(text)
    return "".join(part if PROTECTED.fullmatch(part) else to_cyrillic(part) for part in parts)


def transliterate_po_line(line):
    match = re.match(r'^(msgstr(?:\[\d+\])?\s+|)"(.*)"\s*$', line)
    if not match:
        return line
    return f'{match[1]}"{transliterate_message(match[2])}"\n'


class Command(BaseCommand):
    help = "Write the sr_Cyrl message catalogue by transliterating sr_Latn."

    def handle(self, *args, **options):
        locale = Path(settings.BASE_DIR) / "locale"
        source = locale / "sr_Latn" / "LC_MESSAGES" / "django.po"
        target = locale / "sr_Cyrl" / "LC_MESSAGES" / "django.po"
        target.parent.mkdir(parents=True, exist_ok=True)
        output, in_msgstr, in_header = [], False, True
        for line in source.read_text(encoding="utf-8").splitlines(keepends=True):
            if not line.strip():
                in_header = False  # the header entry (msgid "") is the first block
            if line.startswith("msgstr"):
                in_msgstr = True
            elif line.startswith(("msgid", "msgctxt", "#")) or not line.strip():
                in_msgstr = False
            if line.startswith('"Language: '):
                line = '"Language: sr_Cyrl\\n"\n'
            elif in_msgstr and not in_header:
                line = transliterate_po_line(line)
            output.append(line)
        target.write_text("".join(output), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {target.relative_to(settings.BASE_DIR)}"))
