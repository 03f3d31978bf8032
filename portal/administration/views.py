"""The administration pages (平台管理员): thin views over
portal.administration.services and selectors. Every page asks
``portal.manage_accounts``; writes are rate-limited (accounts.change,
accounts.invite) and those that give a role ask for the second factor again
(portal.reauth)."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import ratelimits
from portal.administration import forms, selectors, services
from portal.enums import NotificationChannel
from portal.errors import flash_refusal, form_refusal
from portal.exceptions import NotFoundError, PortalError
from portal.models import Unit
from portal.permissions import require
from portal.reauth import reauthentication_required

PERM = services.PERM
AUDIT_PAGE_SIZE = 50
INVITATION_SESSION_KEY = "portal_invitation_token"


def _unit_or_404(pk: int) -> Unit:
    unit = Unit.objects.select_related("parent").filter(pk=pk).first()
    if unit is None:
        raise NotFoundError(_("找不到这个单位，它可能已被删除。"))
    return unit


# --- the unit tree -----------------------------------------------------------------------------


@never_cache
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The unit tree, with each unit's staff count, and the way to add one."""
    require(request.user, PERM)
    return render(request, "administration/home.html", {
        "tree": selectors.unit_tree(), "form": forms.UnitForm(),
        "open_invitations": selectors.open_invitations()[:20],
    })


@login_required
@ratelimits.limit_writes("accounts.change")
@require_POST
def create_unit(request: HttpRequest) -> HttpResponse:
    require(request.user, PERM)
    form = forms.UnitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.create_unit(actor=request.user, name=data["name"], short_name=data["short_name"],
                                        name_en=data["name_en"], level=data["level"], kind=data["kind"],
                                        parent_id=data["parent"] or None)
        except PortalError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("已新建单位“%(unit)s”。") % {"unit": unit.localised_name})
            return redirect("administration:unit", pk=unit.pk)
    return render(request, "administration/home.html", {
        "tree": selectors.unit_tree(), "form": form, "open_invitations": selectors.open_invitations()[:20],
    }, status=400)


def _unit_page(request, unit: Unit, *, status: int = 200, **forms_given) -> HttpResponse:
    context = {
        "unit": unit,
        "ancestors": list(Unit.objects.filter(pk__in=selectors.ancestor_ids(unit))),
        "children": unit.children.order_by("name"),
        "staff": selectors.unit_staff(unit),
        "invitations": selectors.open_invitations(unit),
        "rename_form": forms_given.get("rename_form") or forms.RenameUnitForm(
            initial={"name": unit.name, "short_name": unit.short_name, "name_en": unit.name_en}),
        "move_form": forms_given.get("move_form") or forms.MoveUnitForm(
            exclude=unit.pk, initial={"parent": unit.parent_id or ""}),
    }
    return render(request, "administration/unit.html", context, status=status)


@never_cache
@login_required
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit: its staff (masked contacts), open invitations, and the
    rename, move, deactivate and delete actions."""
    require(request.user, PERM)
    return _unit_page(request, _unit_or_404(pk))


@login_required
@ratelimits.limit_writes("accounts.change")
@require_POST
def rename_unit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, PERM)
    unit = _unit_or_404(pk)
    form = forms.RenameUnitForm(request.POST)
    if form.is_valid():
        try:
            services.rename_unit(actor=request.user, unit_id=unit.pk, name=form.cleaned_data["name"],
                                 short_name=form.cleaned_data["short_name"], name_en=form.cleaned_data["name_en"])
        except PortalError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("已保存单位名称。"))
            return redirect("administration:unit", pk=unit.pk)
    return _unit_page(request, unit, status=400, rename_form=form)


@login_required
@ratelimits.limit_writes("accounts.change")
@require_POST
def move_unit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, PERM)
    unit = _unit_or_404(pk)
    form = forms.MoveUnitForm(request.POST, exclude=unit.pk)
    if form.is_valid():
        try:
            services.move_unit(actor=request.user, unit_id=unit.pk, parent_id=form.cleaned_data["parent"] or None)
        except PortalError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("已调整上级单位。"))
            return redirect("administration:unit", pk=unit.pk)
    return _unit_page(request, unit, status=400, move_form=form)


@login_required
@ratelimits.limit_writes("accounts.change")
@require_POST
def set_unit_active(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, PERM)
    unit = _unit_or_404(pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_unit_active(actor=request.user, unit_id=unit.pk, active=active)
    except PortalError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, _("单位已恢复。") if active else _("单位已停用。"))
    return redirect("administration:unit", pk=unit.pk)


@login_required
@ratelimits.limit_writes("accounts.change")
@require_POST
def delete_unit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, PERM)
    unit = _unit_or_404(pk)
    try:
        services.delete_unit(actor=request.user, unit_id=unit.pk)
    except PortalError as exc:
        flash_refusal(request, exc)
        return redirect("administration:unit", pk=unit.pk)
    messages.success(request, _("已删除单位“%(unit)s”。") % {"unit": unit.localised_name})
    return redirect("administration:home")


# --- invitations -------------------------------------------------------------------------------


@never_cache
@login_required
@ratelimits.limit_writes("accounts.invite")
@reauthentication_required
def invite(request: HttpRequest) -> HttpResponse:
    """Invite by phone or e-mail with a role (and a unit for unit staff).
    The answer never says whether the contact already has an account."""
    require(request.user, PERM)
    if request.method != "POST":
        form = forms.InviteForm(initial={"unit": request.GET.get("unit", "")})
        return render(request, "administration/invite.html", {"form": form})
    form = forms.InviteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            invitation, _token = services.invite_staff(actor=request.user, name=data["name"], contact=data["contact"],
                                                       role=data["role"], unit_id=data["unit"] or None)
        except PortalError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("邀请已发送到 %(contact)s，72 小时内有效。") % {"contact": invitation.masked_contact})
            if invitation.unit_id:
                return redirect("administration:unit", pk=invitation.unit_id)
            return redirect("administration:people")
    return render(request, "administration/invite.html", {"form": form}, status=400)


@login_required
@ratelimits.limit_writes("accounts.change")
@require_POST
def revoke_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, PERM)
    try:
        invitation = services.revoke_invitation(actor=request.user, invitation_id=pk)
    except PortalError as exc:
        flash_refusal(request, exc)
        return redirect("administration:home")
    messages.success(request, _("邀请已撤回，链接不再有效。"))
    if invitation.unit_id:
        return redirect("administration:unit", pk=invitation.unit_id)
    return redirect("administration:people")


@never_cache
@ratelimits.limit_writes("accounts.accept")
def accept(request: HttpRequest) -> HttpResponse:
    """The invitation link. Its token (in the query string, which the
    request log leaves out) is kept in the session and the browser sent on
    to this page without it; accepting sets the role and, for a new
    account, signs it in, and the staff rule then asks for TOTP enrolment.
    Unknown tokens count against the guessing limit (tracking.miss)."""
    token = request.GET.get("token")
    if token is not None:
        ratelimits.check_rate(request, "tracking.miss", increment=False)
        try:
            services.open_invitation(token)
        except NotFoundError:
            ratelimits.count_failure(request, "tracking.miss")
            raise
        request.session[INVITATION_SESSION_KEY] = token
        return redirect("administration:accept")
    token = request.session.get(INVITATION_SESSION_KEY)
    if not token:
        raise NotFoundError(_("邀请链接无效。请用短信或邮件里的完整链接打开。"), code="invitation_unknown")
    invitation = services.open_invitation(token)
    signed_in = request.user.is_authenticated
    if request.method == "POST":
        try:
            user, created = services.accept_invitation(token=token, user=request.user if signed_in else None)
        except PortalError as exc:
            flash_refusal(request, exc)
        else:
            request.session.pop(INVITATION_SESSION_KEY, None)
            if created:
                login(request, user, backend="portal.auth_backends.PortalAuthenticationBackend")
                # The link reached the invited contact: it counts as a code sent there.
                contact = {"phone" if invitation.channel == NotificationChannel.SMS else "email": invitation.contact}
                record_authentication(request, user, method="code", **contact)
            messages.success(request, _("欢迎加入！请先设置动态口令（第二重验证），之后每次登录都需要它。"))
            return redirect("mfa_activate_totp")
    needs_sign_in = not signed_in and selectors.contact_has_account(invitation)
    return render(request, "administration/accept.html", {
        "invitation": invitation, "needs_sign_in": needs_sign_in,
        "login_url": reverse("account_login") + "?next=" + reverse("administration:accept"),
    })


# --- staff -------------------------------------------------------------------------------------


@never_cache
@login_required
def people(request: HttpRequest) -> HttpResponse:
    """Staff outside any unit: dispatchers, organisers, portal administrators, reviewers."""
    require(request.user, PERM)
    return render(request, "administration/people.html", {
        "people": selectors.centre_staff(), "invitations": selectors.open_invitations().filter(unit__isnull=True),
    })


def _person_or_404(pk: int):
    person = selectors.staff_member(pk)
    if person is None:  # a resident's id reads as no one's
        raise NotFoundError(_("找不到这个工作人员。"))
    return person


def _person_page(request, person, *, status: int = 200, **forms_given) -> HttpResponse:
    unit_membership = next((m for m in person.memberships.all() if m.role == "unit_staff"), None)
    return render(request, "administration/person.html", {
        "person": person, "unit_membership": unit_membership,
        "grant_form": forms_given.get("grant_form") or forms.GrantRoleForm(),
        "move_form": forms_given.get("move_form") or forms.MoveStaffForm(
            initial={"unit": unit_membership.unit_id if unit_membership else ""}),
        "is_self": person.pk == request.user.pk,
    }, status=status)


@never_cache
@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, PERM)
    return _person_page(request, _person_or_404(pk))


@login_required
@ratelimits.limit_writes("accounts.change")
@require_POST
@reauthentication_required
def grant_role(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, PERM)
    person = _person_or_404(pk)
    form = forms.GrantRoleForm(request.POST)
    if form.is_valid():
        try:
            services.grant_staff_role(actor=request.user, user_id=person.pk, role=form.cleaned_data["role"],
                                      unit_id=form.cleaned_data["unit"] or None)
        except PortalError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("已授予角色。"))
            return redirect("administration:person", pk=person.pk)
    return _person_page(request, person, status=400, grant_form=form)


@login_required
@ratelimits.limit_writes("accounts.change")
@require_POST
@reauthentication_required
def move_person(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, PERM)
    person = _person_or_404(pk)
    form = forms.MoveStaffForm(request.POST)
    if form.is_valid():
        try:
            services.move_staff(actor=request.user, user_id=person.pk, unit_id=form.cleaned_data["unit"])
        except PortalError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("已调整所属单位。"))
            return redirect("administration:person", pk=person.pk)
    return _person_page(request, person, status=400, move_form=form)


@login_required
@ratelimits.limit_writes("accounts.change")
@require_POST
def revoke_role(request: HttpRequest, pk: int) -> HttpResponse:
    """`pk` is the membership's; the page goes back to its holder."""
    require(request.user, PERM)
    person_id = request.POST.get("person", "")
    try:
        services.revoke_staff_role(actor=request.user, membership_id=pk)
    except PortalError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, _("已撤销角色。"))
    if person_id.isdigit() and selectors.staff_member(person_id):
        return redirect("administration:person", pk=int(person_id))
    return redirect("administration:people")


@login_required
@ratelimits.limit_writes("accounts.change")
@require_POST
def set_person_active(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, PERM)
    person = _person_or_404(pk)
    try:
        if request.POST.get("active") == "1":
            services.reactivate_account(actor=request.user, user_id=person.pk)
            messages.success(request, _("账号已恢复，可用验证码重新登录。"))
        else:
            services.deactivate_account(actor=request.user, user_id=person.pk)
            messages.success(request, _("账号已停用：已退出所有登录，API 令牌已删除。"))
    except PortalError as exc:
        flash_refusal(request, exc)
    return redirect("administration:person", pk=person.pk)


# --- the audit log -----------------------------------------------------------------------------


@never_cache
@login_required
def audit(request: HttpRequest) -> HttpResponse:
    require(request.user, PERM)
    page = Paginator(selectors.audit_entries(), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "administration/audit.html", {"page": page})
