"""Bulk data: the page describing the downloads, and the downloads themselves (``legal.exports``)."""

from django.http import FileResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from legal import exports

from .base import CanonicalUrlMixin


class DataView(CanonicalUrlMixin, TemplateView):
    """Describes the bulk downloads; never builds them (that waits for a download)."""

    template_name = "legal/data.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fingerprint = exports.data_fingerprint()
        context["downloads"] = [
            {"format": export_format, "current": exports.current_export(export_format, fingerprint)}
            for export_format in exports.FORMATS
        ]
        context["record_types"] = [
            {"file": f"{record_type.name}.csv", "description": record_type.description}
            for record_type in exports.RECORD_TYPES
        ]
        context["link_files"] = [f"{name}.csv" for name, *_rest in exports.link_tables()]
        context["licence"] = exports.LICENCE
        return context


def _download(request, export_format):
    fingerprint = exports.data_fingerprint()
    # A client holding the current data needs nothing built or read.
    etag = exports.etag_for(export_format, fingerprint)
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return _with_cache_headers(not_modified, etag, None)
    export = exports.ensure_export(export_format, fingerprint=fingerprint)
    last_modified = int(export.generated_at.timestamp())  # HTTP dates have whole seconds
    not_modified = get_conditional_response(request, etag=export.etag, last_modified=last_modified)
    if not_modified is not None:
        return _with_cache_headers(not_modified, export.etag, last_modified)
    try:
        handle = open(export.path, "rb")  # noqa: SIM115 — FileResponse closes it
    except FileNotFoundError:
        # A concurrent build for newer data replaced it between the check and here.
        export = exports.ensure_export(export_format)
        handle = open(export.path, "rb")  # noqa: SIM115
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=export.download_name,
        content_type=export.content_type,
    )
    return _with_cache_headers(response, export.etag, int(export.generated_at.timestamp()))


def _with_cache_headers(response, etag, last_modified):
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    # Revalidate every time: the answer is a cheap 304 while the data is unchanged.
    patch_cache_control(response, public=True, no_cache=True)
    return response


@require_safe
def export_zip(request):
    return _download(request, "zip")


@require_safe
def export_json(request):
    return _download(request, "json")
