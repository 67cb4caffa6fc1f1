"""Access rules of the staff area: signed-in staff and moderators only.

Anonymous visitors are sent to the login page; a signed-in user without the
role gets "403 Forbidden". Every page of the staff area is private: never
cached by shared caches, never indexed.
"""

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.utils.cache import add_never_cache_headers

from legal.workflow import is_moderator, is_staff_member


class PrivatePageMixin:
    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        add_never_cache_headers(response)
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response


class StaffRequiredMixin(PrivatePageMixin, LoginRequiredMixin, UserPassesTestMixin):
    """Staff members and moderators."""

    raise_exception = False

    def test_func(self):
        return is_staff_member(self.request.user)

    def handle_no_permission(self):
        # Anonymous: to the login page. Signed in without the role: 403.
        self.raise_exception = self.request.user.is_authenticated
        return super().handle_no_permission()


class ModeratorRequiredMixin(StaffRequiredMixin):
    def test_func(self):
        return is_moderator(self.request.user)
