"""The import contracts of pyproject.toml hold: layers, only app.main imports routers, no package cycle.

`make lint` runs lint-imports too; this keeps the contracts in the plain test run (and the quick tier).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from importlinter import configuration
from importlinter.application import use_cases

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_import_contracts__every_contract_is_kept() -> None:
    # The use case, not the command: the command reconfigures logging for the whole process.
    configuration.configure()
    assert use_cases.lint_imports(config_filename=str(PYPROJECT), cache_dir=None, no_logo=True)


def test_import_contracts__cycles_layers_and_entry_points_are_all_checked() -> None:
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    by_type = {contract["type"]: contract for contract in contracts}
    assert by_type["acyclic_siblings"]["ancestors"] == ["app"]
    assert by_type["layers"]["layers"][1] == "app.main"
    assert by_type["protected"]["allowed_importers"] == ["app.main"]
