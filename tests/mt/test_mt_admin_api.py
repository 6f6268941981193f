"""Translation models in the admin API: admins install a pair from the package index (served on loopback from
tiny packages built in the test), coordinators read the list, others are refused; failures install nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from test_mt_index_fetch import _entry, _index, _Server, served  # noqa: F401 (served is a fixture)

from app.audit.models import AuditEvent
from app.config import Settings
from tests.conftest import open_desk_settings

MODELS = "/api/v1/admin/models"


@pytest.fixture
def settings(database_url: str, tmp_path: Path, served: tuple[_Server, Path]) -> Settings:  # noqa: F811
    server, _root = served
    return open_desk_settings(
        database_url, mt_models_dir=tmp_path / "installed", mt_index_url=f"{server.url}/index.json"
    )


async def test_admins_install_from_the_index_and_the_list_shows_it(
    client: AsyncClient,
    auth: dict[str, dict[str, str]],
    served: tuple[_Server, Path],  # noqa: F811
    db: AsyncSession,
) -> None:
    server, root = served
    _index(root, [_entry(server, root, "en_ja", "en", "ja", "1.0")])
    assert (await client.get(MODELS, headers=auth["coordinator"])).json()["installed"] == []
    for role in ("coordinator", "counselor", "desk_device"):
        refused = await client.post(f"{MODELS}/install", json={"pair": "en-ja"}, headers=auth[role])
        assert refused.status_code == 403, role
    assert server.paths == []  # nothing fetched for a refused caller

    installed = await client.post(f"{MODELS}/install", json={"pair": "en-ja"}, headers=auth["admin"])
    assert installed.status_code == 201, installed.text
    assert installed.json()["sha256_checked"] is True and installed.json()["replaced"] is None
    listed = (await client.get(MODELS, headers=auth["admin"])).json()["installed"]
    assert [(p["from_code"], p["to_code"]) for p in listed] == [("en", "ja")]
    audit = (await db.scalars(select(AuditEvent).where(AuditEvent.action == "mt_model.installed"))).all()
    assert [a.entity_id for a in audit] == ["en-ja"]
    for role in ("counselor", "desk_device"):
        assert (await client.get(MODELS, headers=auth[role])).status_code == 403


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"pair": "english to japanese"}, 422, "pair"),
        ({"pair": "en-ja", "extra": 1}, 422, "extra"),
        ({"pair": "th-ja"}, 502, "no th -> ja package"),
    ],
)
async def test_bad_pairs_and_failed_fetches_are_clear_and_install_nothing(
    client: AsyncClient,
    auth: dict[str, dict[str, str]],
    served: tuple[_Server, Path],  # noqa: F811
    body: dict[str, Any],
    status: int,
    text: str,
) -> None:
    server, root = served
    _index(root, [_entry(server, root, "en_ja", "en", "ja", "1.0", sha256="0" * 64)])
    answer = await client.post(f"{MODELS}/install", json=body, headers=auth["admin"])
    assert answer.status_code == status and text in answer.text, answer.text
    checksum = await client.post(f"{MODELS}/install", json={"pair": "en-ja"}, headers=auth["admin"])
    assert checksum.status_code == 502 and "SHA-256" in checksum.text
    assert (await client.get(MODELS, headers=auth["admin"])).json()["installed"] == []
