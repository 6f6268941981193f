"""The app's machine translator: built from settings in the lifespan, kept on app.state.translator."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from starlette.requests import HTTPConnection

from app.config import Settings
from app.mt.translator import AsyncMachineTranslator, MachineTranslator

STAFF_LANGUAGE = "ja"


def create_translator(settings: Settings) -> AsyncMachineTranslator:
    """A translator over the configured models folder; models load lazily on first use."""
    return AsyncMachineTranslator(MachineTranslator(settings.mt_models_dir), max_workers=settings.mt_workers)


async def start_machine_translation(
    app: FastAPI, settings: Settings, stack: contextlib.AsyncExitStack
) -> None:
    translator = create_translator(settings)
    app.state.translator = translator
    stack.push_async_callback(translator.aclose)


def translator_of(connection: HTTPConnection) -> AsyncMachineTranslator:
    translator: AsyncMachineTranslator = connection.app.state.translator
    return translator


def get_translator(request: Request) -> AsyncMachineTranslator:
    return translator_of(request)


TranslatorDep = Annotated[AsyncMachineTranslator, Depends(get_translator)]
