"""The case story: a little HTML, sanitised with nh3 before it is stored.

Plain text is accepted too (blank lines become paragraphs). Markup that can
run code (scripts, event handlers, javascript: links, frames) is refused with
a message rather than silently dropped, so that the unit knows what changed.
"""

from __future__ import annotations

import html
import re

import nh3
from django.utils.html import escape

ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

_UNSAFE = re.compile(
    r"<\s*(script|iframe|object|embed|style|link|meta|form|svg|math|base)\b"
    r"|\son[a-z]+\s*="
    r"|(java|vb)script\s*:"
    r"|data\s*:\s*text/html",
    re.IGNORECASE,
)
_HAS_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")


def has_unsafe_markup(text: str) -> bool:
    return bool(_UNSAFE.search(text or ""))


def sanitise_story(text: str) -> str:
    """Safe HTML for the story; plain text gets paragraphs."""
    text = (text or "").strip()
    if not text:
        return ""
    if not _HAS_TAG.search(text):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        text = "".join("<p>" + escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ).strip()


def plain_text(markup: str) -> str:
    """The story without markup (search, share descriptions)."""
    return re.sub(r"\s+", " ", html.unescape(nh3.clean(markup or "", tags=set()))).strip()
