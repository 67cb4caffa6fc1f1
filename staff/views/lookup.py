"""Search-as-you-type for the link fields of the staff forms (``staff/lookup.js``).

``/staff/lookup/<type>/?q=povereni`` answers with the records of that type
whose title or name has words starting with each word of the query, folded
like the public search (any script, with or without diacritics: "povereni"
finds "Повереник"). Only records the user may link to are listed: published
ones, and the drafts they may see (``staff.forms.visible_records``).
"""

from django.contrib.contenttypes.models import ContentType
from django.http import JsonResponse
from django.views import View

from legal import models
from legal.search import MAX_QUERY_LENGTH, query_terms
from staff.forms import LABEL_RELATED, record_label, visible_records
from staff.records import model_for

from .base import StaffRequiredMixin

MAX_RESULTS = 20
PUBLISHED = models.Visibility.PUBLISHED

# Narrowing a lookup: only these filters, only on these models.
FILTERS = {models.Actor: {"role": set(models.Actor.Role.values)}}


class LookupView(StaffRequiredMixin, View):
    def get(self, request, type):
        model = model_for(type)
        query = request.GET.get("q", "")[:MAX_QUERY_LENGTH]
        terms = query_terms(query)
        if not terms:
            return JsonResponse({"results": []})
        records = visible_records(model, request.user)
        for name, allowed in FILTERS.get(model, {}).items():
            value = request.GET.get(name)
            if value in allowed:
                records = records.filter(**{name: value})
        # The search index holds the folded title of every record, drafts included;
        # what may be shown is decided by ``records``, inside the same query.
        documents = models.SearchDocument.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=records.values("pk")
        )
        for term in terms:
            documents = documents.filter(title__contains=f" {term}")
        ids = list(documents.order_by("title").values_list("object_id", flat=True)[:MAX_RESULTS])
        found = records.select_related(*LABEL_RELATED.get(model, ())).in_bulk(ids)
        results = [
            {
                "id": pk,
                "label": record_label(found[pk]),
                "published": getattr(found[pk], "visibility", PUBLISHED) == PUBLISHED,
            }
            for pk in ids
            if pk in found
        ]
        return JsonResponse({"results": results})
