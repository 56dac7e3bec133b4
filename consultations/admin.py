from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from consultations import models
from consultations.forms.accounts import ThrottledAdminAuthenticationForm, ThrottledAdminPasswordChangeForm


@admin.register(models.User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "language", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "language"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "language", "time_zone")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Two-step sign-in"), {"fields": ("second_factor",)}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["second_factor"]
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)

    @admin.display(description=_("second factor"))
    def second_factor(self, obj: models.User) -> str:
        """Whether the account has an authenticator app, and the audited reset for a lost one."""
        from consultations.selectors.mfa import user_has_second_factor

        if obj.pk is None:
            return "—"
        if not user_has_second_factor(obj):
            return _("None")
        return format_html(
            '{} · <a href="{}">{}</a>',
            _("Authenticator app"),
            reverse("consultations:mfa_reset", args=[obj.pk]),
            _("Reset (lost phone)"),
        )


class ChapterInline(admin.TabularInline):
    model = models.Chapter
    fields = ["number", "title_es", "title_en"]
    extra = 0


@admin.register(models.NegotiatingTable)
class NegotiatingTableAdmin(admin.ModelAdmin):
    list_display = ["name_es", "name_en", "lead"]
    autocomplete_fields = ["lead"]
    inlines = [ChapterInline]


@admin.register(models.Chapter)
class ChapterAdmin(admin.ModelAdmin):
    list_display = ["number", "title_es", "title_en", "table"]
    list_filter = ["table"]
    search_fields = ["title_es", "title_en"]


@admin.register(models.Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "label_en",
        "kind",
        "format",
        "city",
        "starts_on",
        "ends_on",
        "submission_deadline",
        "status",
    ]
    list_filter = ["kind", "format", "country"]
    search_fields = ["label", "label_en", "city"]
    date_hierarchy = "starts_on"

    @admin.display(description=_("status"))
    def status(self, obj: models.Round) -> str:
        return str(obj.status.label)


@admin.register(models.Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["code", "name_es", "name_en"]
    search_fields = ["code", "name_es", "name_en"]


class MembershipInline(admin.TabularInline):
    model = models.Membership
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "kind", "requires_signoff", "requires_second_factor", "is_active"]
    list_filter = ["kind", "requires_signoff", "requires_second_factor", "is_active", "sectors"]
    search_fields = ["name", "acronym"]
    filter_horizontal = ["sectors", "followed_chapters"]
    inlines = [MembershipInline]


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(models.OfficialProfile)
class OfficialProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "ministry", "is_negotiator", "is_coordinator"]
    list_filter = ["ministry", "is_negotiator", "is_coordinator"]
    search_fields = ["user__email", "user__full_name"]
    filter_horizontal = ["chapters"]
    autocomplete_fields = ["user"]


class RevisionInline(admin.TabularInline):
    model = models.PositionRevision
    fields = ["number", "reason", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class AttachmentInline(admin.TabularInline):
    model = models.Attachment
    fields = ["original_name", "kind", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.Position)
class PositionAdmin(admin.ModelAdmin):
    """Positions are read here; their content changes only through the delegates' pages, which keep revisions."""

    list_display = ["title", "organisation", "chapter", "round", "stance", "priority", "status", "filed_at"]
    list_filter = ["status", "priority", "stance", "confidentiality", "is_red_flag", "round"]
    search_fields = ["title", "summary", "organisation__name"]
    list_select_related = ["organisation", "chapter", "round"]
    inlines = [RevisionInline, AttachmentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.CoSignature)
class CoSignatureAdmin(admin.ModelAdmin):
    list_display = ["position", "organisation", "status", "invited_at", "responded_at"]
    list_filter = ["status"]
    list_select_related = ["position", "organisation"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "organisation", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email"]
    exclude = ["token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # invitations are sent from the members and official-invite pages, which e-mail the token

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id", "organisation", "ip_address"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor__email", "action"]
    list_select_related = ["actor", "organisation"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.Briefing)
class BriefingAdmin(admin.ModelAdmin):
    list_display = ["title", "chapter", "round", "author", "created_at"]
    list_filter = ["round", "chapter"]
    search_fields = ["title"]
    raw_id_fields = ["author"]


@admin.register(models.RoomQuestion)
class RoomQuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "chapter", "round", "response_deadline", "closed_at"]
    list_filter = ["round", "chapter"]
    raw_id_fields = ["author"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the system writes (deliveries, the outbox, notifications): to look at, never to edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["kind", "key", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status"]
    search_fields = ["key", "recipient__email"]
    list_select_related = ["recipient"]


@admin.register(models.OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["task", "created_at", "published_at", "attempts"]
    list_filter = ["task"]


@admin.register(models.Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]


class StateOfPlayAdmin(ReadOnlyAdmin):
    """The state of play is recorded through its pages (services keep its history); the admin only reads it."""

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.ChapterStatusEntry)
class ChapterStatusEntryAdmin(StateOfPlayAdmin):
    list_display = ["chapter", "round", "status", "change", "shared_with_room", "is_reference", "recorded_at"]
    list_filter = ["status", "change", "is_reference"]
    list_select_related = ["chapter", "round"]


@admin.register(models.OpenIssue)
class OpenIssueAdmin(StateOfPlayAdmin):
    list_display = ["text", "chapter", "status", "format", "round", "version", "updated_at"]
    list_filter = ["status", "format"]
    search_fields = ["text"]
    list_select_related = ["chapter", "round"]


# The admin's password forms go through the same sign-in throttle as /accounts/login/.
admin.site.login_form = ThrottledAdminAuthenticationForm
admin.site.password_change_form = ThrottledAdminPasswordChangeForm


@admin.register(models.Ministry)
class MinistryAdmin(admin.ModelAdmin):
    list_display = ["name_es", "name_en", "acronym", "code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name_es", "name_en", "acronym", "code"]


@admin.register(models.ChapterCoordination)
class ChapterCoordinationAdmin(admin.ModelAdmin):
    """Lead and contributing ministries per chapter, and the per-chapter rotation of new filings."""

    list_display = ["chapter", "lead_ministry", "auto_assign"]
    list_filter = ["auto_assign", "lead_ministry"]
    list_editable = ["auto_assign"]
    filter_horizontal = ["contributing_ministries"]
    readonly_fields = ["last_assigned"]


@admin.register(models.ConsultationRequest)
class ConsultationRequestAdmin(admin.ModelAdmin):
    """Read only: requests and answers are written by officials through the site (services.ministries)."""

    list_display = ["pk", "from_ministry", "to_ministry", "due_on", "status", "created_at"]
    list_filter = ["status", "from_ministry", "to_ministry"]
    readonly_fields = [field.name for field in models.ConsultationRequest._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# Authenticators are never edited or deleted here: a lost one is removed by the audited reset linked from the
# user's page (consultations:mfa_reset), and the secrets stay out of the admin's pages.
if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)
