"""The English catalogue is complete, and the English home page shows no Chinese.

No makemessages here: the checks read locale/en/LC_MESSAGES/django.po as it is
committed (parsed with the standard library) and render the page with the
compiled catalogue.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

EN_PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
CJK = re.compile(r"[\u4e00-\u9fff]")
# The language switch names the other language in that language.
LANGUAGE_SWITCH_LABEL = "中文"


def _po_entries(path: Path) -> list[dict]:
    """Entries of a .po file as written by gettext's tools (one blank line
    between entries): flags, msgctxt, msgid, msgid_plural, msgstr or msgstr[n]."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry: dict = {"flags": set()}
        field = None
        for line in block.strip().splitlines():
            line = line.strip()
            if line.startswith("#~"):  # obsolete: not part of the catalogue
                entry = {}
                break
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif match := re.fullmatch(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")', line):
                field = match.group(1)
                entry[field] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and field is not None:
                entry[field] += ast.literal_eval(line)
            else:
                raise AssertionError(f"{path.name}: cannot parse {line!r}")
        if "msgid" in entry:
            entries.append(entry)
    return entries


def _translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def test_english_catalogue_has_no_untranslated_or_fuzzy_entries():
    entries = _po_entries(EN_PO)
    header = [e for e in entries if e["msgid"] == "" and "msgctxt" not in e]
    messages = [e for e in entries if e not in header]
    assert len(messages) > 100, "the English catalogue looks empty"
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    untranslated = [
        e["msgid"] for e in messages if not _translations(e) or not all(s.strip() for s in _translations(e))
    ]
    plural_gaps = [e["msgid"] for e in messages if "msgid_plural" in e and not {"msgstr[0]", "msgstr[1]"} <= e.keys()]
    assert not fuzzy, f"fuzzy entries in {EN_PO.name}: {fuzzy}"
    assert not untranslated, f"untranslated entries in {EN_PO.name}: {untranslated}"
    assert not plural_gaps, f"plural entries without both forms: {plural_gaps}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_msgfmt_agrees_that_the_english_catalogue_is_complete():
    result = subprocess.run(
        [shutil.which("msgfmt"), "--check", "--statistics", "-o", os.devnull, str(EN_PO)],
        capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"}, check=False,
    )
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", statistics), statistics


class _VisibleText(HTMLParser):
    """Text of <body> a visitor can see (no <script>, <style> or <template>).

    The header's logo badge (<span class="brand-mark" aria-hidden="true">民</span>)
    is a graphic mark, not words, and is left out; any other text counts.
    """

    HIDDEN = {"script", "style", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_body = False
        self.open_tags: list[tuple[str, bool]] = []  # (tag, hides its text)
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_body = True
            return
        if tag in self.VOID:
            return
        attributes = dict(attrs)
        is_logo = "brand-mark" in (attributes.get("class") or "").split() and attributes.get("aria-hidden") == "true"
        self.open_tags.append((tag, tag in self.HIDDEN or is_logo))

    def handle_endtag(self, tag):
        if tag == "body":
            self.in_body = False
            return
        for index in range(len(self.open_tags) - 1, -1, -1):
            if self.open_tags[index][0] == tag:
                del self.open_tags[index:]
                break

    def handle_data(self, data):
        if self.in_body and data.strip() and not any(hides for _tag, hides in self.open_tags):
            self.chunks.append(data.strip())


@pytest.mark.django_db
def test_english_home_page_has_no_chinese_text(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    parser = _VisibleText()
    parser.feed(response.content.decode())
    assert parser.chunks, "no visible text in <body>"
    assert LANGUAGE_SWITCH_LABEL in parser.chunks, "the switch back to Chinese is missing"
    leftovers = [chunk for chunk in parser.chunks if chunk != LANGUAGE_SWITCH_LABEL and CJK.search(chunk)]
    assert not leftovers, f"Chinese text on the English home page: {leftovers}"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_counts_are_grouped_by_thousands_in_both_languages(language):
    from django.template import Context, Template
    from django.utils import translation

    with translation.override(language):
        assert Template("{% load humanize %}{{ n|intcomma }}").render(Context({"n": 3335896})) == "3,335,896"
