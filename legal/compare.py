"""Compare two texts provision by provision (pure Python, no database).

Given two ordered lists of provisions (any objects with ``number``, ``heading``
and ``text``), :func:`compare_provisions` pairs them up and returns one row per
provision: unchanged, changed (with a word-level diff of heading and text),
added, removed, renumbered, or renumbered and changed.

Matching, in this order, never using a provision twice:

1. Every pair whose content is similar enough (``difflib`` ratio over the
   words of heading and text, at least :data:`MATCH_THRESHOLD`) is a candidate.
   Candidates are taken greedily, best first; a pair with the same article
   number gets :data:`SAME_NUMBER_PREFERENCE` on top of its ratio, so a number
   wins over a slightly better look-alike elsewhere. Identical texts score 1.
2. Provisions still unpaired that carry the same article number ("Article 5",
   "Art. 5", "Član 5" and "Члан 5" are all "5") are paired even if the text
   was rewritten: that is a changed article, not a removal and an addition.

Why not "same number first" outright: when a draft inserts an article, every
later article moves up one number; pairing by number alone would show each of
them as completely rewritten and the real content as nowhere. Content first,
with a preference for the same number, reports them as renumbered.

Why 0.6: it is difflib's own cut-off for a "close match" (``get_close_matches``).
The ratio is 2·M/T, M the words found in the same order in both texts and T the
words of both together, so 0.6 means at least 60 % of the wording lines up.
Lower, and unrelated articles that merely share a law's boilerplate ("the
Ministry shall …") start to pair up; higher, and an article that was moved and
amended is reported as removed and added. Very short formulaic articles can
clear it by their boilerplate alone; the same-number preference keeps those in
place. The number of word comparisons grows with the product of the two
lengths; pairs with the same number and text are taken before it, and cheap
upper bounds (``real_quick_ratio``, ``quick_ratio``) skip most other pairs.
"""

import difflib
import enum
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from legal.translit import to_latin

MATCH_THRESHOLD = 0.6
SAME_NUMBER_PREFERENCE = 0.1


class Change(enum.StrEnum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"
    RENUMBERED = "renumbered"
    RENUMBERED_CHANGED = "renumbered_changed"


class Segment(NamedTuple):
    """A piece of a word-level diff; ``op`` is "equal", "insert" or "delete"."""

    op: str
    text: str


EQUAL, INSERT, DELETE = "equal", "insert", "delete"


@dataclass
class Row:
    kind: Change
    left: object = None
    right: object = None
    similarity: float | None = None
    heading_diff: list[Segment] = field(default_factory=list)
    text_diff: list[Segment] = field(default_factory=list)

    @property
    def provision(self):
        """The provision to title the row with: the new one, or the removed one."""
        return self.right if self.right is not None else self.left

    @property
    def heading_changed(self):
        return any(segment.op != EQUAL for segment in self.heading_diff)

    @property
    def text_changed(self):
        return any(segment.op != EQUAL for segment in self.text_diff)

    @property
    def is_renumbered(self):
        return self.kind in (Change.RENUMBERED, Change.RENUMBERED_CHANGED)


@dataclass
class Comparison:
    rows: list[Row]

    @property
    def counts(self):
        counts = {kind.value: 0 for kind in Change}
        for row in self.rows:
            counts[row.kind.value] += 1
        return counts

    @property
    def has_differences(self):
        return any(row.kind != Change.UNCHANGED for row in self.rows)


# Article words stripped from numbers, in English and Serbian (Latin; Cyrillic is
# transliterated first). Anything else ("Annex 1") is kept, so an annex does not
# collide with an article.
_NUMBER_PREFIX = re.compile(r"^(?:§+|(?:articles?|art|članak|clanak|član|clan|člen|clen|čl|cl|section|sec)\b\.?)\s*")


def normalise_number(raw):
    """A comparable article number: "Article 5", "Art. 5", "Član 5", "Члан 5." → "5".

    Returns "" for an unnumbered provision, which never matches by number.
    """
    text = to_latin((raw or "").strip()).casefold()
    text = _NUMBER_PREFIX.sub("", text)
    text = re.sub(r"\s+", "", text).rstrip(".")
    return re.sub(r"^0+(?=\d)", "", text)


# A word or a single other mark, with the whitespace before it. Diffing the marks
# alone keeps the sequences short (no token for every space) and lets a run of
# changed words come out as one change.
_TOKEN = re.compile(r"(\s*)(\w+|[^\w\s])")
_WORD = re.compile(r"\w+")


def tokenise(text):
    """(whitespace before, word or mark) pairs, and the whitespace left at the end."""
    text = text or ""
    tokens = _TOKEN.findall(text)
    consumed = sum(len(space) + len(mark) for space, mark in tokens)
    return tokens, text[consumed:]


def _join(tokens):
    return "".join(space + mark for space, mark in tokens)


def word_diff(old, new):
    """The word-level difference between two strings, as a list of :class:`Segment`.

    Joining the equal and inserted segments gives ``new`` back exactly; unchanged
    stretches are shown with the new text's spacing. A replacement is a deletion
    followed by an insertion, and neighbouring changed words stay together:
    "the quick fox" → "a slow fox" is ``[-the quick-][+a slow+] fox``.
    """
    old, new = old or "", new or ""
    if old == new:
        return [Segment(EQUAL, new)] if new else []
    old_tokens, _ = tokenise(old)
    new_tokens, trailing = tokenise(new)
    matcher = difflib.SequenceMatcher(
        None, [mark for _, mark in old_tokens], [mark for _, mark in new_tokens], autojunk=False
    )
    segments = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == EQUAL:
            _append(segments, EQUAL, _join(new_tokens[j1:j2]))
            continue
        deleted, inserted = old_tokens[i1:i2], new_tokens[j1:j2]
        if deleted and inserted and deleted[0][0] and inserted[0][0]:
            # Both start after a space: leave the space unmarked.
            _append(segments, EQUAL, inserted[0][0])
            deleted = [("", deleted[0][1]), *deleted[1:]]
            inserted = [("", inserted[0][1]), *inserted[1:]]
        elif deleted and not inserted and not deleted[0][0] and i2 < len(old_tokens):
            # A deletion at the start (or after a bracket) takes the space after it along.
            deleted = [*deleted, (old_tokens[i2][0], "")]
        _append(segments, DELETE, _join(deleted))
        _append(segments, INSERT, _join(inserted))
    _append(segments, EQUAL, trailing)
    return segments


def _append(segments, op, text):
    if not text:
        return
    if segments and segments[-1].op == op:
        segments[-1] = Segment(op, segments[-1].text + text)
    else:
        segments.append(Segment(op, text))


def _words(provision):
    return _WORD.findall(f"{provision.heading or ''} {provision.text or ''}".casefold())


def _content_key(provision):
    """Heading and text with whitespace squeezed: equal keys mean unchanged content."""
    return (" ".join((provision.heading or "").split()), " ".join((provision.text or "").split()))


def _same_content(left, right):
    return _content_key(left) == _content_key(right)


def similarity(left, right):
    """How alike two provisions are, 0–1 (difflib ratio over their words)."""
    return _ratio(difflib.SequenceMatcher(None, _words(left), _words(right), autojunk=False))


def _ratio(matcher):
    if not matcher.a and not matcher.b:
        return 0.0  # Two wordless texts ("—") say nothing about being the same article.
    return matcher.ratio()


class _Side:
    """One text's provisions with what matching needs, computed once."""

    def __init__(self, provisions):
        self.numbers = [normalise_number(p.number) for p in provisions]
        self.keys = [_content_key(p) for p in provisions]
        self.words = [_words(p) for p in provisions]
        self.used = set()


def _match(left, right, threshold):
    """Pairs {(i, j): ratio or None}, each provision used at most once; see the module docstring."""
    old, new = _Side(left), _Side(right)
    pairs = {}

    def pair(i, j, ratio):
        pairs[(i, j)] = ratio
        old.used.add(i)
        new.used.add(j)

    # Same number, same content: the best score there is, so take these at once and
    # spare the pairwise comparison for what is left (most of a lightly amended law).
    unchanged = {}
    for j, (number, key) in enumerate(zip(new.numbers, new.keys)):
        if number:
            unchanged.setdefault((number, key), []).append(j)
    for i, (number, key) in enumerate(zip(old.numbers, old.keys)):
        if number and unchanged.get((number, key)):
            pair(i, unchanged[(number, key)].pop(0), 1.0)

    candidates = []
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for j in range(len(right)):
        if j in new.used:
            continue
        # difflib caches facts about the second sequence: set it once per right provision.
        matcher.set_seq2(new.words[j])
        for i in range(len(left)):
            if i in old.used:
                continue
            if old.keys[i] == new.keys[j]:
                ratio = 1.0
            else:
                matcher.set_seq1(old.words[i])
                # Cheap upper bounds first; most unrelated pairs stop here.
                if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                    continue
                ratio = _ratio(matcher)
                if ratio < threshold:
                    continue
            same_number = bool(old.numbers[i]) and old.numbers[i] == new.numbers[j]
            candidates.append((ratio + (SAME_NUMBER_PREFERENCE if same_number else 0), ratio, i, j))

    # Best score first; ties go to the earlier provisions, so the result is stable.
    candidates.sort(key=lambda c: (-c[0], c[2], c[3]))
    for _score, ratio, i, j in candidates:
        if i not in old.used and j not in new.used:
            pair(i, j, ratio)

    # Same number, text rewritten beyond recognition: still the same article.
    waiting = {}
    for j, number in enumerate(new.numbers):
        if number and j not in new.used:
            waiting.setdefault(number, []).append(j)
    for i, number in enumerate(old.numbers):
        if i not in old.used and waiting.get(number):
            pair(i, waiting[number].pop(0), None)
    return pairs, old.numbers, new.numbers


def _paired_row(left, right, same_number, ratio):
    if _same_content(left, right):
        kind = Change.UNCHANGED if same_number else Change.RENUMBERED
    else:
        kind = Change.CHANGED if same_number else Change.RENUMBERED_CHANGED
    if ratio is None:
        ratio = similarity(left, right)
    return Row(
        kind=kind,
        left=left,
        right=right,
        similarity=ratio,
        heading_diff=word_diff(left.heading, right.heading),
        text_diff=word_diff(left.text, right.text),
    )


def compare_provisions(left, right, *, threshold=MATCH_THRESHOLD):
    """Compare two ordered sequences of provisions; see the module docstring.

    Rows follow the order of ``right`` (the newer text, as a rule); a removed
    provision comes right after the row of the nearest earlier provision of
    ``left`` that is still there, or first if there is none.
    """
    left, right = list(left), list(right)
    pairs, left_numbers, right_numbers = _match(left, right, threshold)
    right_of = {i: j for i, j in pairs}

    removed_after = {}  # right index (-1 = before everything) → removed left indices
    anchor = -1
    for i in range(len(left)):
        if i in right_of:
            anchor = right_of[i]
        else:
            removed_after.setdefault(anchor, []).append(i)

    left_of = {j: i for i, j in pairs}
    rows = [Row(kind=Change.REMOVED, left=left[i]) for i in removed_after.get(-1, [])]
    for j, provision in enumerate(right):
        i = left_of.get(j)
        if i is None:
            rows.append(Row(kind=Change.ADDED, right=provision))
        else:
            same_number = left_numbers[i] == right_numbers[j]
            rows.append(_paired_row(left[i], provision, same_number, pairs[(i, j)]))
        rows.extend(Row(kind=Change.REMOVED, left=left[k]) for k in removed_after.get(j, []))
    return Comparison(rows=rows)
