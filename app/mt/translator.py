"""Offline machine translation with installed Argos packages, run on CTranslate2 + SentencePiece.

Each text is split into sentences; all sentences of one call go to CTranslate2 in one translate_batch
(which sorts and chunks them by max_batch_size); results are detokenised and rejoined per text. Without a
direct pair, the text goes through English (X->en->ja) and the result says so in ``route``.

Thread safety: a ``ctranslate2.Translator`` is a pool of ``inter_threads`` workers fed by a queue;
concurrent ``translate_batch`` calls from several Python threads are safe and release the GIL (checked on
CTranslate2 4.8: a Python thread keeps running during a translation, and 8 threads sharing one translator
get correct results).
So models are shared without a lock; only loading is serialised. SentencePiece encode/decode are const.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import ctranslate2
import sentencepiece

from app.mt.exceptions import ModelLoadError, PairUnavailable
from app.mt.package import InstalledPackage, find_installed, list_installed
from app.mt.routes import (
    DEFAULT_CODE_ALIASES,
    DEFAULT_PIVOT,
    Pair,
    Reachability,
    Route,
    find_route,
    reachability,
)
from app.mt.splitter import DEFAULT_MAX_CHARS, rejoin, segment

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class TranslatorConfig:
    """Runtime knobs; the decoding defaults follow Argos Translate's (beam 4, length penalty 0.2)."""

    device: str = "cpu"
    compute_type: str = "default"
    inter_threads: int = 1
    intra_threads: int = 1
    beam_size: int = 4
    length_penalty: float = 0.2
    max_batch_size: int = 32
    max_input_length: int = 1024
    max_decoding_length: int = 256
    max_sentence_chars: int = DEFAULT_MAX_CHARS
    pivot: str | None = DEFAULT_PIVOT
    # Desk language code -> package language code (the desk says "fil", Argos says "tl").
    aliases: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CODE_ALIASES))


@dataclass(frozen=True, slots=True)
class Translation:
    """A translated text and the languages it went through, e.g. ("ne", "en", "ja")."""

    text: str
    route: Route


@dataclass(slots=True)
class _LoadedModel:
    package: InstalledPackage
    stamp: tuple[int, int]
    translator: Any  # ctranslate2.Translator (untyped extension)
    tokenizer: Any  # sentencepiece.SentencePieceProcessor


class MachineTranslator:
    """Translates between installed pairs; models load lazily on first use and stay cached per pair."""

    def __init__(self, models_dir: Path, config: TranslatorConfig | None = None) -> None:
        self.models_dir = models_dir
        self.config = config or TranslatorConfig()
        self._models: dict[Pair, _LoadedModel] = {}
        self._load_lock = threading.Lock()
        self._pairs_lock = threading.Lock()
        self._pairs: tuple[int, frozenset[Pair]] | None = None

    # --- what is available ---------------------------------------------------------------------------------

    def available_pairs(self) -> frozenset[Pair]:
        """Installed (from_code, to_code) pairs, rescanned when the models folder changes."""
        try:
            mtime = os.stat(self.models_dir).st_mtime_ns
        except OSError:
            return frozenset()
        with self._pairs_lock:
            if self._pairs is None or self._pairs[0] != mtime:
                self._pairs = (mtime, frozenset(p.pair for p in list_installed(self.models_dir)))
            return self._pairs[1]

    def route(self, source: str, target: str) -> Route:
        """The route a text would take; raises PairUnavailable when there is none."""
        src, tgt = self._code(source), self._code(target)
        found = find_route(self.available_pairs(), src, tgt, self.config.pivot)
        if found is None:
            raise PairUnavailable(source, target, self.config.pivot)
        return tuple(source if code == src else target if code == tgt else code for code in found)

    def reachable(self, lang: str, hub: str = "ja") -> Reachability:
        """Whether lang can be translated to and from the hub language (directly or via the pivot)."""
        return reachability(self.available_pairs(), lang, hub, self.config.pivot, self.config.aliases)

    # --- translation ---------------------------------------------------------------------------------------

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[Translation]:
        """Translate many texts in one batch per hop; the output keeps the order of the input."""
        route = self.route(source, target)
        if len(route) == 1:
            return [Translation(text, route) for text in texts]
        segmentations = [segment(text, self.config.max_sentence_chars) for text in texts]
        units = [sentence.text for seg in segmentations for sentence in seg.sentences]
        codes = [self._code(lang) for lang in route]
        for hop in itertools.pairwise(codes):
            units = self._translate_units(units, (hop[0], hop[1]))
        results = []
        position = 0
        for seg in segmentations:
            count = len(seg.sentences)
            gaps = [sentence.gap for sentence in seg.sentences]
            text = rejoin(units[position : position + count], gaps, codes[-1])
            results.append(Translation(text, route))
            position += count
        return results

    def translate_text(self, text: str, source: str, target: str) -> Translation:
        """Translate one text (a chat line, a message)."""
        return self.translate([text], source, target)[0]

    def preload(self, source: str, target: str) -> Route:
        """Load every model on the route now, so that the first chat line does not pay for it."""
        route = self.route(source, target)
        codes = [self._code(lang) for lang in route]
        for hop in itertools.pairwise(codes):
            self._model((hop[0], hop[1]))
        return route

    def unload(self) -> None:
        """Drop every cached model (they reload on next use)."""
        with self._load_lock:
            self._models.clear()

    # --- internals -----------------------------------------------------------------------------------------

    def _code(self, lang: str) -> str:
        return self.config.aliases.get(lang, lang)

    def _translate_units(self, units: list[str], pair: Pair) -> list[str]:
        if not units:
            return []
        model = self._model(pair)
        tokens = model.tokenizer.encode(units, out_type=str)
        results = model.translator.translate_batch(
            tokens,
            max_batch_size=self.config.max_batch_size,
            beam_size=self.config.beam_size,
            num_hypotheses=1,
            length_penalty=self.config.length_penalty,
            max_input_length=self.config.max_input_length,
            max_decoding_length=self.config.max_decoding_length,
            replace_unknowns=True,
        )
        hypotheses = [result.hypotheses[0] if result.hypotheses else [] for result in results]
        # decode() keeps unknown pieces (copied from the source by replace_unknowns) as they are.
        decoded: list[str] = model.tokenizer.decode(hypotheses)
        return [text.strip() for text in decoded]

    def _model(self, pair: Pair) -> _LoadedModel:
        path = self.models_dir / f"{pair[0]}_{pair[1]}"
        try:
            info = os.stat(path)
        except OSError:
            raise PairUnavailable(pair[0], pair[1], None) from None
        stamp = (info.st_ino, info.st_mtime_ns)
        cached = self._models.get(pair)
        if cached is not None and cached.stamp == stamp:
            return cached
        with self._load_lock:
            cached = self._models.get(pair)
            if cached is not None and cached.stamp == stamp:
                return cached
            loaded = self._load(pair, stamp)
            self._models[pair] = loaded
            return loaded

    def _load(self, pair: Pair, stamp: tuple[int, int]) -> _LoadedModel:
        package = find_installed(self.models_dir, *pair)
        if package is None:
            raise PairUnavailable(pair[0], pair[1], None)
        try:
            translator = ctranslate2.Translator(
                str(package.model_dir),
                device=self.config.device,
                compute_type=self.config.compute_type,
                inter_threads=self.config.inter_threads,
                intra_threads=self.config.intra_threads,
            )
            tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(package.sentencepiece_path))
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelLoadError(pair[0], pair[1], str(package.path), str(exc)) from exc
        return _LoadedModel(package=package, stamp=stamp, translator=translator, tokenizer=tokenizer)


class AsyncMachineTranslator:
    """Async facade: every call runs in a thread pool, so the event loop never waits for a model."""

    def __init__(
        self,
        engine: MachineTranslator,
        *,
        max_workers: int = 2,
        executor: ThreadPoolExecutor | None = None,
    ) -> None:
        self.engine = engine
        self._owns_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="mt")

    async def translate(self, texts: Sequence[str], source: str, target: str) -> list[Translation]:
        """Translate many texts (see MachineTranslator.translate) without blocking the loop."""
        return await self._run(self.engine.translate, list(texts), source, target)

    async def translate_text(self, text: str, source: str, target: str) -> Translation:
        """Translate one text without blocking the loop."""
        return await self._run(self.engine.translate_text, text, source, target)

    async def preload(self, source: str, target: str) -> Route:
        """Load the models of a route in the background (e.g. in the app's lifespan)."""
        return await self._run(self.engine.preload, source, target)

    async def available_pairs(self) -> frozenset[Pair]:
        """Installed pairs (reads the models folder in the pool)."""
        return await self._run(self.engine.available_pairs)

    async def reachable(self, lang: str, hub: str = "ja") -> Reachability:
        """Whether lang reaches the hub language both ways (reads the models folder in the pool)."""
        return await self._run(self.engine.reachable, lang, hub)

    async def route(self, source: str, target: str) -> Route:
        """The route a text would take; raises PairUnavailable."""
        return await self._run(self.engine.route, source, target)

    def close(self) -> None:
        """Shut down the pool if this facade created it (running translations finish first)."""
        if self._owns_executor:
            self._executor.shutdown(wait=True, cancel_futures=True)

    async def aclose(self) -> None:
        """close() without blocking the loop while running translations finish."""
        await asyncio.to_thread(self.close)

    async def __aenter__(self) -> AsyncMachineTranslator:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _run(self, func: Callable[..., _T], *args: Any) -> _T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(func, *args))
