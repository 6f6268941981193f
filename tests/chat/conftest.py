"""Fixtures for the chat tests: tiny fixed-phrase Argos packages (no downloads) installed for the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from app.config import Settings
from app.mt import install_package
from app.mt.testing import build_fixed_output_package
from tests.conftest import open_desk_settings

# What each fixture model always says, whatever it is given.
NE_EN = "hello world"
EN_JA = "こんにちは"
JA_EN = "thank you"
EN_NE = "धन्यवाद"


@pytest.fixture(scope="session")
def chat_packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("chat-packages")
    return {
        "ne_en": build_fixed_output_package(
            folder, "ne", "en", NE_EN, sample_text=["नमस्ते। मलाई मद्दत चाहियो।"]
        ),
        "en_ja": build_fixed_output_package(folder, "en", "ja", EN_JA),
        "ja_en": build_fixed_output_package(
            folder, "ja", "en", JA_EN, sample_text=["ありがとうございます。"]
        ),
        "en_ne": build_fixed_output_package(folder, "en", "ne", EN_NE),
    }


@pytest.fixture(scope="session")
def chat_models_dir(tmp_path_factory: pytest.TempPathFactory, chat_packages: dict[str, Path]) -> Path:
    """ne<->ja through English only; nothing for Thai (the missing pair)."""
    models = tmp_path_factory.mktemp("chat-models")
    for package in chat_packages.values():
        install_package(package, models)
    return models


@pytest.fixture
def settings(database_url: str, chat_models_dir: Path) -> Settings:
    return open_desk_settings(database_url, mt_models_dir=chat_models_dir)


async def video_intake(
    client: AsyncClient, headers: dict[str, str], language: str = "ne", **extra: Any
) -> dict[str, Any]:
    """A resident's own-device (video) consultation; the answer carries live.watch_ticket."""
    body = {"channel": "video", "language": language, "resident_municipality": "33202", **extra}
    response = await client.post("/api/v1/consultations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    assert data["live"]["watch_ticket"]
    return data


def ticket_of(case: dict[str, Any]) -> dict[str, str]:
    return {"X-Watch-Ticket": case["live"]["watch_ticket"]}
