"""The staff area (/staff/): private, for signed-in staff and moderators.

Authoring pages (logging, drafts, proposals) are in ``staff.views.authoring``,
moderation pages (review queue, private history, remove/restore) in
``staff.views.review``; each module lists its own URL patterns.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from staff.views import authoring, files, home, review

app_name = "staff"

urlpatterns = [
    path("", home.DashboardView.as_view(), name="dashboard"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="staff/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sources/<int:pk>/file/", files.SourceFileView.as_view(), name="source_file"),
    *authoring.urlpatterns,
    *review.urlpatterns,
]
