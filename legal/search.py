"""Search across all public records, insensitive to diacritics and to Serbian script.

Every record's public text, in English and Serbian, is kept in one
``SearchDocument`` row, folded with ``legal.translit.fold``: Cyrillic becomes
Latin, diacritics go, đ becomes dj, everything is lower case. A query is
folded the same way, so "Stefanovic", "Stefanović" and "Стефановић" meet.
Every word of the query must occur, as a whole word or as the start of one
("stefan" finds "Stefanović").

PostgreSQL runs a full-text search (``to_tsquery('simple', 'stefan:* & …')``,
GIN-indexed, ranked with ``ts_rank``, title words weighing most). Other
databases (SQLite in development) match each word with ``LIKE`` and rank
records whose title holds the words first.

The index holds the text of every record, published or not. A search keeps
only hits whose record is in its model's ``.published()`` queryset, inside
the same SQL query, so counts and pages never reveal what the public may not
see, and a change of publication state needs no reindexing. Names of linked
records (actors, jurisdictions …) are indexed only when those records are
published, and a linked record's change refreshes the records naming it.

Writes keep the index fresh: ``legal.services`` and the admin call
``index_record`` after a save and wrap a deletion in ``removing``.
``manage.py rebuild_search_index`` rebuilds it from scratch.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import translation
from django.utils.text import capfirst

from legal import models
from legal.templatetags.legal_tags import title_of, tr
from legal.translit import fold, to_script
from legal.views.base import public_queryset

MAX_QUERY_LENGTH = 200
BATCH_SIZE = 500

# A search word: a run of letters and digits. Everything else separates words.
WORD = re.compile(r"[^\W_]+")


class QueryTooLong(ValueError):
    pass


def words(text):
    """The folded words of ``text``: "Nebojša Стефановић, 2019." → ["nebojsa", "stefanovic", "2019"]."""
    return WORD.findall(fold(text))


def folded_text(texts):
    """Texts as stored in the index: folded words, each preceded by a space.

    The leading spaces let a plain substring test (`` stefan``) match the start
    of a word, which is what the PostgreSQL prefix query matches too.
    """
    found = [word for text in texts if text for word in words(str(text))]
    return "".join(f" {word}" for word in found) + (" " if found else "")


def query_terms(query):
    """The distinct folded words of a query, in order."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryTooLong(query)
    return list(dict.fromkeys(words(query)))


# What is indexed --------------------------------------------------------------


@dataclass(frozen=True)
class Indexed:
    """How one model is indexed and shown in results.

    ``title`` and ``text`` name the record's own public fields (a translated
    field stands for its English and Serbian columns; a choice field for its
    label). ``title_links`` are foreign keys whose record's name belongs to the
    title (a version is "<instrument> – <label>"), ``links`` are foreign keys
    or many-to-many fields whose records' names are searchable here. ``parts``
    is a reverse relation whose rows' ``part_fields`` are part of the text.

    This is an allow-list: a field not named here (an internal note, say)
    never reaches the index.
    """

    model: type
    title: tuple = ()
    text: tuple = ()
    title_links: tuple = ()
    links: tuple = ()
    parts: str = ""
    part_fields: tuple = ()
    # Foreign keys that showing a result (its title and link) needs.
    show_related: tuple = ()

    @property
    def all_links(self):
        return self.title_links + self.links

    def link_field(self, name):
        return self.model._meta.get_field(name)

    @property
    def part_relation(self):
        return self.model._meta.get_field(self.parts) if self.parts else None


INDEXED = [
    Indexed(models.LegislativeAttempt, title=("title",), text=("summary",), links=("jurisdiction", "initiator")),
    Indexed(models.Instrument, title=("title",), text=("summary", "kind"), links=("jurisdiction", "parties")),
    Indexed(
        models.InstrumentVersion,
        title=("label",),
        text=("summary",),
        title_links=("instrument",),
        parts="provisions",
        part_fields=("number", "heading", "text"),
        show_related=("instrument",),
    ),
    Indexed(
        models.LifecycleEvent,
        title=("kind",),
        text=("summary",),
        title_links=("attempt", "instrument"),
        show_related=("attempt", "instrument"),
    ),
    Indexed(
        models.DPIASubmission, title=("title",), text=("summary",), links=("controller", "authority", "system")
    ),
    Indexed(models.Ruling, title=("title",), text=("summary", "findings", "kind", "outcome"), links=("authority",)),
    Indexed(
        models.Response, title=("title",), text=("summary", "kind"), links=("jurisdiction", "authors", "addressees")
    ),
    Indexed(models.Development, title=("title",), text=("summary", "kind"), links=("jurisdiction", "actors")),
    Indexed(
        models.SurveillanceSystem, title=("name",), text=("description",), links=("jurisdiction", "operator", "vendors")
    ),
    Indexed(models.Actor, title=("name",), text=("position", "description", "role"), links=("jurisdiction", "affiliation")),
    Indexed(models.Jurisdiction, title=("name", "code"), links=("parent",)),
    Indexed(models.Source, title=("title",), text=("author", "publisher", "description")),
]
INDEX = {spec.model: spec for spec in INDEXED}


@cache
def _translated(model, name):
    columns = {f.name for f in model._meta.get_fields()}
    return all(f"{name}_{language}" in columns for language in settings.MODELTRANSLATION_LANGUAGES)


def _is_choice(model, name):
    return bool(model._meta.get_field(name).choices)


def _field_texts(record, name):
    """Every searchable text of one field: both languages, or the label in every interface language."""
    model = type(record)
    if _is_choice(model, name):
        labels = []
        for code, _language in settings.LANGUAGES:
            with translation.override(code):
                labels.append(str(getattr(record, f"get_{name}_display")()))
        return list(dict.fromkeys(labels))
    if _translated(model, name):
        return [getattr(record, f"{name}_{language}") for language in settings.MODELTRANSLATION_LANGUAGES]
    return [getattr(record, name)]


def _name_texts(record):
    """The texts naming a record, as other records' documents quote it."""
    spec = INDEX[record._meta.concrete_model]
    return [text for name in spec.title for text in _field_texts(record, name)]


def _linked(record, spec, names):
    for name in names:
        if spec.link_field(name).many_to_many:
            yield from getattr(record, name).all()
        else:
            target = getattr(record, name)
            if target is not None:
                yield target


def _published_keys(records):
    """(model, pk) of those ``records`` the public may see: one query per model."""
    by_model = {}
    for record in records:
        by_model.setdefault(record._meta.concrete_model, set()).add(record.pk)
    return {
        (model, pk)
        for model, pks in by_model.items()
        for pk in model.objects.published().filter(pk__in=pks).values_list("pk", flat=True)
    }


def _documents(spec, records, content_type):
    linked = {id(record): list(_linked(record, spec, spec.all_links)) for record in records}
    public = _published_keys(target for targets in linked.values() for target in targets)
    for record in records:
        shown = [t for t in linked[id(record)] if (t._meta.concrete_model, t.pk) in public]
        title_links = [t for t in _linked(record, spec, spec.title_links) if t in shown]
        titles = [text for name in spec.title for text in _field_texts(record, name)]
        titles += [text for target in title_links for text in _name_texts(target)]
        body = titles + [text for name in spec.text for text in _field_texts(record, name)]
        if spec.parts:
            for part in getattr(record, spec.parts).all():
                body += [text for name in spec.part_fields for text in _field_texts(part, name)]
        body += [text for target in shown if target not in title_links for text in _name_texts(target)]
        yield models.SearchDocument(
            content_type=content_type,
            object_id=record.pk,
            title=folded_text(titles),
            body=folded_text(body),
        )


def _batches(iterable, size):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _index(spec, queryset):
    """(Re)write the documents of the records in ``queryset``; return how many."""
    content_type = ContentType.objects.get_for_model(spec.model)
    fks = [name for name in spec.all_links if not spec.link_field(name).many_to_many]
    many = [name for name in spec.all_links if spec.link_field(name).many_to_many]
    queryset = queryset.select_related(*fks).prefetch_related(*many, *([spec.parts] if spec.parts else []))
    written = 0
    for batch in _batches(queryset.iterator(chunk_size=BATCH_SIZE), BATCH_SIZE):
        documents = list(_documents(spec, batch, content_type))
        models.SearchDocument.objects.bulk_create(
            documents,
            update_conflicts=True,
            unique_fields=["content_type", "object_id"],
            update_fields=["title", "body"],
        )
        written += len(documents)
    return written


def _targets(instances):
    """{spec: record ids} to reindex for these saved or deleted instances.

    A part (a provision) stands for the record it belongs to (its version);
    instances of models that are not searchable are ignored.
    """
    targets = {}
    for instance in instances:
        model = instance._meta.concrete_model
        if model in INDEX:
            targets.setdefault(INDEX[model], set()).add(instance.pk)
            continue
        for spec in INDEXED:
            relation = spec.part_relation
            if relation is not None and relation.related_model is model:
                parent_id = getattr(instance, relation.field.attname)
                if parent_id is not None:
                    targets.setdefault(spec, set()).add(parent_id)
    return targets


def _dependents(model, pks):
    """{spec: queryset} of the records whose documents quote records ``pks`` of ``model``."""
    found = {}
    for spec in INDEXED:
        condition = Q()
        for name in spec.all_links:
            if spec.link_field(name).related_model is model:
                condition |= Q(**{f"{name}__in": pks})
        if condition:
            found[spec] = spec.model._default_manager.filter(condition).distinct()
    return found


def index_records(instances):
    """Refresh the documents of saved ``instances`` and of the records quoting their names."""
    for spec, pks in _targets(instances).items():
        _index(spec, spec.model._default_manager.filter(pk__in=pks))
        for dependent, queryset in _dependents(spec.model, pks).items():
            _index(dependent, queryset)


def index_record(instance):
    """Refresh the document of a saved record (or of the record a saved part belongs to)."""
    index_records([instance])


def unindex_record(instance):
    """Drop the document of ``instance`` (call while it still has its primary key)."""
    _drop(instance._meta.concrete_model, [instance.pk])


def _drop(model, pks):
    if model in INDEX:
        content_type = ContentType.objects.get_for_model(model)
        models.SearchDocument.objects.filter(content_type=content_type, object_id__in=pks).delete()


@contextmanager
def removing(*instances):
    """Wrap the deletion of ``instances`` to keep the index right.

    Before the deletion, note the records that quote them (the links vanish
    with them). After it, drop the documents of the deleted records and of
    records deleted in cascade, and refresh the noted records and the records
    that deleted parts (provisions) belonged to.
    """
    instances = [instance for instance in instances if instance.pk is not None]
    deleted = {(instance._meta.concrete_model, instance.pk) for instance in instances}
    stale = {}
    for spec, pks in _targets(instances).items():
        gone = {pk for pk in pks if (spec.model, pk) in deleted}
        stale.setdefault(spec, set()).update(pks - gone)
        if gone:
            for dependent, queryset in _dependents(spec.model, gone).items():
                stale.setdefault(dependent, set()).update(queryset.values_list("pk", flat=True))
    yield
    for model in {model for model, _pk in deleted}:
        _drop(model, [pk for other, pk in deleted if other is model])
    _prune()
    for spec, pks in stale.items():
        if pks:
            _index(spec, spec.model._default_manager.filter(pk__in=pks))


def _prune():
    """Drop documents whose record is gone (deleted in cascade, or behind the index's back)."""
    for model, content_type in ContentType.objects.get_for_models(*INDEX).items():
        models.SearchDocument.objects.filter(content_type=content_type).exclude(
            object_id__in=model._default_manager.values("pk")
        ).delete()


@transaction.atomic
def rebuild_index():
    """Rebuild every document from the records; return how many were written."""
    models.SearchDocument.objects.all().delete()
    return sum(_index(spec, spec.model._default_manager.order_by("pk")) for spec in INDEXED)


# Searching --------------------------------------------------------------------


def _published_documents():
    """Documents of published records only: the filter runs inside the search query.

    A lifecycle event counts only with its attempt and instrument, a version
    only with its instrument, so counts and pages agree with what ``resolve``
    shows.
    """
    condition = Q()
    for model, content_type in ContentType.objects.get_for_models(*INDEX).items():
        condition |= Q(content_type=content_type, object_id__in=public_queryset(model).values("pk"))
    return models.SearchDocument.objects.filter(condition)


def _matching(terms):
    documents = _published_documents()
    if connections[documents.db].vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        # The terms are runs of letters and digits, so they cannot carry
        # tsquery syntax; the query string still goes in as a parameter.
        query = SearchQuery(" & ".join(f"{term}:*" for term in terms), search_type="raw", config="simple")
        # The same expression as the GIN index of migration 0003.
        documents = documents.alias(vector=SearchVector("body", config="simple")).filter(vector=query)
        weighted = SearchVector("title", config="simple", weight="A") + SearchVector(
            "body", config="simple", weight="D"
        )
        return documents.annotate(rank=SearchRank(weighted, query)).order_by("-rank", "pk")
    for term in terms:
        documents = documents.filter(body__contains=f" {term}")
    title_hits = sum(
        (
            Case(When(title__contains=f" {term}", then=Value(1)), default=Value(0), output_field=IntegerField())
            for term in terms
        ),
        start=Value(0),
    )
    return documents.annotate(title_hits=title_hits).order_by("-title_hits", "pk")


class SearchResults:
    """The published records matching a query, best first; pages load lazily.

    Works with ``django.core.paginator.Paginator``: ``count()`` is one query,
    a slice is one query for the page's hits plus one per record type on it.
    """

    def __init__(self, query):
        self.query = query
        self.terms = query_terms(query)
        self._documents = _matching(self.terms) if self.terms else None

    def count(self):
        return self._documents.count() if self.terms else 0

    def __len__(self):
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            raise TypeError("SearchResults can only be sliced.")
        if not self.terms or (key.stop is not None and key.stop <= (key.start or 0)):
            return []
        keys = list(self._documents[key].values_list("content_type_id", "object_id"))
        return resolve(keys, self.terms)


def search(query):
    """The published records matching ``query`` (see ``SearchResults``); raises ``QueryTooLong``."""
    return SearchResults(query)


# Showing results ---------------------------------------------------------------


def resolve(keys, terms=()):
    """Hits for ``(content type id, record id)`` keys, in order, through each model's ``.published()``.

    One query per record type (plus its ``show_related`` prefetches); keys of
    records that are not published, or no longer exist, are dropped.
    """
    ids_by_type = {}
    for content_type_id, object_id in keys:
        ids_by_type.setdefault(content_type_id, []).append(object_id)
    records = {}
    for content_type_id, ids in ids_by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        spec = INDEX.get(model)
        if spec is None:
            continue
        # An event's title names its attempt or instrument: both must be public too.
        queryset = public_queryset(model).select_related(*spec.show_related)
        if spec.parts:
            queryset = queryset.prefetch_related(spec.parts)
        for pk, record in queryset.in_bulk(ids).items():
            records[(content_type_id, pk)] = record
    return [Hit(records[key], terms) for key in keys if key in records]


@dataclass
class Hit:
    """One search result, ready to show in the reader's language and script."""

    record: object
    terms: tuple = ()
    title: str = field(init=False)
    snippet: list = field(init=False)
    snippet_lang: str = field(init=False)

    def __post_init__(self):
        self.title = display_title(self.record)
        self.snippet, self.snippet_lang = snippet(self.record, self.terms)

    @property
    def url(self):
        return self.record.get_absolute_url()

    @property
    def type_label(self):
        return capfirst(self.record._meta.verbose_name)

    @property
    def date(self):
        return self.record.date_display if isinstance(self.record, models.FuzzyDated) else ""


def display_title(record):
    if isinstance(record, models.InstrumentVersion):
        return f"{tr(record.instrument, 'title')} – {tr(record, 'label')}"
    if isinstance(record, models.LifecycleEvent):
        subject = record.instrument or record.attempt
        return f"{record.get_kind_display()}: {tr(subject, 'title')}"
    return title_of(record)


SNIPPET_BEFORE = 60
SNIPPET_LENGTH = 240


def _snippet_candidates(record):
    """(text, lang, in_title) triples a snippet may come from, best first.

    First the record's text in the reader's language (in their script), then
    its title in that language (already shown: a match there needs no
    snippet), then its text and title in the other language, marked with
    ``lang``.
    """
    spec = INDEX[record._meta.concrete_model]
    language = translation.get_language() or settings.LANGUAGE_CODE
    reader, other = ("sr", "en") if language.startswith("sr") else ("en", "sr")
    texts = [(record, name) for name in spec.text if not _is_choice(type(record), name)]
    if spec.parts:
        texts += [(part, name) for part in getattr(record, spec.parts).all() for name in spec.part_fields]
    titles = [(record, name) for name in spec.title if not _is_choice(type(record), name)]
    for fields, in_title in ((texts, False), (titles, True)):
        for owner, name in fields:
            if _translated(type(owner), name):
                yield to_script(getattr(owner, f"{name}_{reader}") or "", language), "", in_title
            else:
                yield getattr(owner, name) or "", "", in_title
    for owner, name in texts + titles:
        if _translated(type(owner), name):
            yield getattr(owner, f"{name}_{other}") or "", other, False


def _folded_with_positions(text):
    """``fold(text)`` and, for each folded character, the index of the character it came from."""
    folded, positions = [], []
    for index, char in enumerate(text):
        piece = fold(char)
        folded.append(piece)
        positions.extend([index] * len(piece))
    return "".join(folded), positions


def snippet(record, terms):
    """A short passage of the record around the first word matching ``terms``.

    Returns ``(parts, lang)``: ``parts`` is a list of ``(text, matched)`` for
    the template to mark up (it escapes them), ``lang`` the language code of a
    passage not in the reader's language, or "".
    """
    candidates = [candidate for candidate in _snippet_candidates(record) if candidate[0]]
    lead = next((text for text, lang, in_title in candidates if not lang and not in_title), "")
    if terms:
        alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
        pattern = re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*")
        for text, lang, in_title in candidates:
            folded, positions = _folded_with_positions(text)
            spans = [
                (positions[m.start()], _end(text, positions[m.end() - 1] + 1)) for m in pattern.finditer(folded)
            ]
            if spans and in_title:
                break
            if spans:
                return _cut(text, spans), lang
    return (_cut(lead, []) if lead else []), ""


def _end(text, index):
    # Keep combining marks typed after the last letter of a matched word.
    while index < len(text) and fold(text[index]) == "":
        index += 1
    return index


def _cut(text, spans):
    # Some words before the first match, more when it is near the end.
    start = max(0, min(spans[0][0] - SNIPPET_BEFORE, len(text) - SNIPPET_LENGTH)) if spans else 0
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] else start
    stop = min(len(text), start + SNIPPET_LENGTH)
    if stop < len(text):
        space = text.rfind(" ", start, stop)
        stop = space if space > (spans[0][1] if spans else start) else stop
    parts = [("… " if start > 0 else "", False)]
    cursor = start
    for begin, end in spans:
        if begin < cursor or end > stop:
            continue
        parts += [(text[cursor:begin], False), (text[begin:end], True)]
        cursor = end
    parts += [(text[cursor:stop], False), (" …" if stop < len(text) else "", False)]
    return [(piece, matched) for piece, matched in parts if piece]
