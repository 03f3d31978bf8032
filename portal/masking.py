"""The one masking helper: how staff see a resident who has not been
revealed to them (姓* for a name, 138****5678 for a phone, u***@example.cn
for an e-mail). Appeals, the API, the admin and the exports all use it; the
raw values reach staff only through the logged reveal
(appeals.services.privacy.reveal_contact)."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """The family name and one star, whatever the length (陈晓梅 → 陈*)."""
    name = (name or "").strip()
    return f"{name[0]}*" if name else ""


def mask_phone(phone: str) -> str:
    """The first three and the last four digits (13912345678 → 139****5678)."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else ("****" if digits else "")


def mask_email(email: str) -> str:
    local, _at, domain = (email or "").partition("@")
    return f"{local[:1]}***@{domain}" if local and domain else ""


def masked_person(user) -> str:
    """A resident's account as staff see it: the masked name they gave,
    else the masked e-mail, else the masked phone."""
    if user is None:
        return ""
    return mask_name(user.display_name) or mask_email(user.email or "") or mask_phone(user.phone or "")


def person_for_staff(user) -> str:
    """How an account is named on staff pages: staff by their name (they act
    in the portal's name), anyone else masked."""
    if user is None:
        return ""
    return str(user) if user.roles else masked_person(user)
