"""Offline machine translation for the desk: Argos model packages run on CTranslate2 + SentencePiece."""

from app.mt.exceptions import InvalidModelPackage, ModelLoadError, MTError, PairUnavailable
from app.mt.package import (
    InstalledPackage,
    InstallResult,
    Limits,
    PackageMetadata,
    install_package,
    list_installed,
    validate_package,
)
from app.mt.routes import Reachability, find_route, reachability
from app.mt.splitter import Segmentation, Sentence, segment, split_sentences
from app.mt.translator import AsyncMachineTranslator, MachineTranslator, Translation, TranslatorConfig

__all__ = [
    "AsyncMachineTranslator",
    "InstallResult",
    "InstalledPackage",
    "InvalidModelPackage",
    "Limits",
    "MTError",
    "MachineTranslator",
    "ModelLoadError",
    "PackageMetadata",
    "PairUnavailable",
    "Reachability",
    "Segmentation",
    "Sentence",
    "Translation",
    "TranslatorConfig",
    "find_route",
    "install_package",
    "list_installed",
    "reachability",
    "segment",
    "split_sentences",
    "validate_package",
]
