from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    """The searchable text of one record, folded for search (see ``legal.search``).

    A derived index, rebuilt at will with ``manage.py rebuild_search_index``;
    it has no history and is never shown as such. It holds the text of every
    record, published or not: searches restrict hits to ``.published()``
    records when they run, so a change of the moderation state needs no
    reindexing.
    """

    # Content types are Django's own bookkeeping; never delete them from here.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("record type"))
    object_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    title = models.TextField(_("folded title"), blank=True)
    body = models.TextField(
        _("folded text"),
        blank=True,
        help_text=_(
            "Every public text of the record in English and Serbian, plus names of linked records, "
            "as lower-case Latin words without diacritics, each preceded by a space."
        ),
    )

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="searchdocument_unique_record"),
        ]
        # The full-text GIN index exists on PostgreSQL only: see migration 0003.

    def __str__(self):
        return f"{self.content_type.model} #{self.object_id}"
