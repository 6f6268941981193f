"""Fixtures for the machine-translation tests: tiny fixed-output packages built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from model_factory import EN_JA, JA_EN, NE_EN, build_fixed_output_package

from app.mt import MachineTranslator, install_package


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Package files by pair name: en_ja says こんにちは, ne_en says "hello world", ja_en says "thank you"."""
    folder = tmp_path_factory.mktemp("packages")
    return {
        "en_ja": build_fixed_output_package(folder, "en", "ja", EN_JA),
        "ne_en": build_fixed_output_package(folder, "ne", "en", NE_EN, sample_text=["नमस्ते। तपाईंलाई कस्तो छ?"]),
        "ja_en": build_fixed_output_package(folder, "ja", "en", JA_EN),
    }


@pytest.fixture(scope="session")
def shared_models_dir(tmp_path_factory: pytest.TempPathFactory, packages: dict[str, Path]) -> Path:
    """A models folder with every fixture package installed; tests must not change it."""
    models = tmp_path_factory.mktemp("shared-models")
    for package in packages.values():
        install_package(package, models)
    return models


@pytest.fixture(scope="session")
def engine(shared_models_dir: Path) -> MachineTranslator:
    """One translator over the shared models, so each model loads once per session."""
    return MachineTranslator(shared_models_dir)


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    """An empty models folder of this test's own."""
    return tmp_path / "models"
