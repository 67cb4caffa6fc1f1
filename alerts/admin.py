"""Moderators see how many follow what; never an address or a token."""

from django.contrib import admin
from django.db.models import Count, Q

from .models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["target_type", "target", "frequency", "confirmed", "pending_alerts"]
    list_filter = ["target_type", "frequency"]
    fields = ["target_type", "target", "frequency", "language", "created_at", "confirmed_at"]
    readonly_fields = fields
    # No search: searching by address would reveal whether it is subscribed.

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            pending=Count("deliveries", filter=Q(deliveries__state__in=["pending", "sending"]))
        )

    @admin.display(boolean=True, description="confirmed")
    def confirmed(self, obj):
        return obj.is_confirmed

    @admin.display(description="alerts waiting", ordering="pending")
    def pending_alerts(self, obj):
        return obj.pending

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
