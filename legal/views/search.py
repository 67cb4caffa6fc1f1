"""Public search across all records (see ``legal.search``)."""

from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from legal.search import MAX_QUERY_LENGTH, search

from .base import CanonicalUrlMixin, paginate


class SearchView(CanonicalUrlMixin, TemplateView):
    """``?q=…``: published records matching every word, in any script, with or without diacritics."""

    template_name = "legal/search.html"
    per_page = 20

    def get_context_data(self, **kwargs):
        return super().get_context_data(max_length=MAX_QUERY_LENGTH, **kwargs)

    def get(self, request, *args, **kwargs):
        query = request.GET.get("q", "").strip()
        if len(query) > MAX_QUERY_LENGTH:
            error = _("The search is too long: use at most %(max)d characters.") % {"max": MAX_QUERY_LENGTH}
            context = self.get_context_data(search_query=query[:MAX_QUERY_LENGTH], error=error)
            return self.render_to_response(context, status=400)
        context = self.get_context_data(search_query=query)
        if query:
            results = search(query)
            context.update(
                terms=results.terms,
                page_obj=paginate(request, results, self.per_page),
                query_string=urlencode({"q": query}),
            )
        return self.render_to_response(context)
