"""A case whose photo file is gone from storage (a lost volume, a half-restored
backup: the row is there, the file is not) shows its page without that photo,
not a broken image, and shares it without pointing at the missing file; the
photo is back once its file is (issue 21). The share poster (stumble 1)
checks the same way: cases.selectors.photo_in_storage."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(campaign):
    return factories.CaseEntryFactory(campaign=campaign, title="加装电梯")


def test_a_photo_whose_file_is_missing_is_left_out_of_the_case_page(client, entry):
    kept = factories.EntryImageFactory(entry=entry, position=0)
    lost = factories.EntryImageFactory(entry=entry, position=1)
    lost.image.storage.delete(lost.image.name)

    response = client.get(reverse("cases:case", kwargs={"pk": entry.pk}))

    page = response.content.decode()
    assert response.status_code == 200
    assert lost.image.url not in page
    assert kept.image.url in page
    assert "图片 1/1" in page and "图片 1/2" not in page  # the count is of the photos shown


def test_a_case_whose_only_photo_is_missing_shows_no_gallery_and_shares_its_poster(client, entry):
    lost = factories.EntryImageFactory(entry=entry, position=0)
    lost.image.storage.delete(lost.image.name)

    page = client.get(reverse("cases:case", kwargs={"pk": entry.pk})).content.decode()

    assert lost.image.url not in page
    assert 'class="gallery"' not in page
    assert f'content="http://testserver{reverse("cases:poster", kwargs={"pk": entry.pk})}"' in page


def test_the_photo_is_shown_again_once_its_file_is_back(client, entry):
    photo = factories.EntryImageFactory(entry=entry, position=0)
    content = photo.image.storage.open(photo.image.name, "rb").read()
    photo.image.storage.delete(photo.image.name)
    url = reverse("cases:case", kwargs={"pk": entry.pk})
    assert photo.image.url not in client.get(url).content.decode()

    photo.image.storage.save(photo.image.name, io.BytesIO(content))

    assert photo.image.url in client.get(url).content.decode()


def test_a_page_whose_photos_are_there_asks_storage_once_per_photo_not_per_view(client, entry, monkeypatch):
    """On object storage an existence check is a request to the bucket."""
    photo = factories.EntryImageFactory(entry=entry, position=0)
    url = reverse("cases:case", kwargs={"pk": entry.pk})
    asked = []
    exists = photo.image.storage.exists
    monkeypatch.setattr(photo.image.storage, "exists", lambda name: asked.append(name) or exists(name))

    for _ in range(3):
        assert photo.image.url in client.get(url).content.decode()

    assert asked == [photo.image.name]


def test_a_board_card_whose_cover_file_is_missing_shows_the_placeholder_not_a_broken_thumbnail(client, entry):
    """The board lists many cards: the card checks the file it shows (the thumbnail) with the same helper."""
    lost = factories.EntryImageFactory(entry=entry, position=0)
    kept = factories.EntryImageFactory(entry=factories.CaseEntryFactory(campaign=entry.campaign), position=0)
    lost.image.storage.delete(lost.image.name)  # a lost volume takes the photo and its thumbnail
    lost.thumbnail.storage.delete(lost.thumbnail.name)

    page = client.get(reverse("cases:board")).content.decode()

    assert lost.thumbnail.url not in page and lost.image.url not in page
    assert kept.thumbnail.url in page
    assert page.count("case-cover-fallback") == 1
    board = client.get(f"/api/v1/campaigns/{entry.campaign.slug}/board").json()["results"]
    covers = {item["id"]: item["cover"] for item in board}
    assert covers[entry.pk] is None and covers[kept.entry_id].endswith(kept.thumbnail.url)  # the API's cover too
