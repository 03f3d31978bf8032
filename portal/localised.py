"""Names that staff enter in Chinese and, where they have it, in English: a
catalogue's categories, items and areas, units, a campaign's title, tracks
and domains. The English twin of a field is `<field>_en`; Chinese is the
default and what an English page shows while the English is empty."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# The help text of every English twin in forms and the admin.
ENGLISH_HELP = _("英文界面显示的名称；留空则显示中文。")


def in_english() -> bool:
    """Whether the current request (or translation.override) speaks English."""
    return (get_language() or "").startswith("en")


def localised(chinese: str, english: str | None) -> str:
    """The English text on an English page where there is one, else the Chinese."""
    return english if english and in_english() else chinese


def localised_value(row: dict, field: str) -> str:
    """The same for a row of `.values(field, field + "_en")`."""
    return localised(row[field], row.get(f"{field}_en"))


class Localised:
    """A model attribute reading `<field>` or its English twin `<field>_en`
    by the current language: `localised_name = Localised("name")`."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return localised(getattr(obj, self.field), getattr(obj, f"{self.field}_en", ""))
