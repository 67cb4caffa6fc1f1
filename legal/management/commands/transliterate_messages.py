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

# Placeholders, markup, escapes, grade letters, codes and literal examples that
# must stay as they are: %(name)s, {{ x }}, tags, entities, URLs, \n; "A – …",
# "(A", "A–F"; and the phrases below, which are codes or what users type.
KEEP_LATIN = [
    "RS, EU, US, CoE", "ISO 3166", "SHA-256", "PDF", "HTML", "CC BY 4.0", "Creative Commons",
    "summer 2014", "Stefanovic, Stefanović", "en, sr", "CSV", "JSON", "Atom", "iCalendar", "OpenAPI",
    "API", "README.txt", "zip", "date_before", "date_after", "?q=", "(slug)", "(id)", "_en", "_sr",
]
PROTECTED = re.compile(
    r"%\([^)]+\)[-+ #0-9.]*[a-z]|%[sdif]|\{\{[^}]*\}\}|\{[^}]*\}|<[^>]+>|&#?[a-zA-Z0-9]+;|https?://\S+"
    r"|\\[nt\"\\]"
    r"|\b[A-F]–[A-F]\b|\b[A-F]\b(?=\s*[–)(-])|(?<=\()[A-F]\b|(?<=\bod )[A-F]\b|(?<=\bdo )[A-F]\b"
    r"|" + "|".join(re.escape(phrase) for phrase in KEEP_LATIN)
)


def transliterate_message(text):
    parts, position = [], 0
    for match in PROTECTED.finditer(text):
        parts.append(to_cyrillic(text[position : match.start()]))
        parts.append(match.group())
        position = match.end()
    parts.append(to_cyrillic(text[position:]))
    return "".join(parts)


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
