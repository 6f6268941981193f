"""One order of the resident languages: the counter tablet (`GET /api/v1/languages`) and the phone page
(`SUPPORTED` through `resident_order`) both put Easy Japanese first, then the catalogue order."""

from __future__ import annotations

from httpx import AsyncClient

from app.i18n import SUPPORTED
from app.i18n.languages import resident_order


def test_resident_order__catalogue_order_with_easy_japanese_first() -> None:
    assert resident_order(reversed(SUPPORTED)) == list(SUPPORTED)
    assert resident_order(["uk", "ja", "en"]) == ["ja", "en", "uk"]
    # codes the catalogues do not know keep their own order, after the known ones
    assert resident_order(["xx", "en", "aa", "ja"]) == ["ja", "en", "xx", "aa"]


async def test_the_tablets_language_list_is_in_the_phone_pages_order(client: AsyncClient) -> None:
    body = (await client.get("/api/v1/languages")).json()
    codes = [lang["code"] for lang in body]
    assert codes == resident_order(SUPPORTED) and codes[0] == "ja"  # the seed's sort_order has ja last
