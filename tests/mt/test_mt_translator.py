"""Translation with the fixed-output fixture models: exact outputs, batching, pivots, errors, async facade."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from model_factory import EN_JA, JA_EN, NE_EN, build_fixed_output_package

from app.mt import (
    AsyncMachineTranslator,
    MachineTranslator,
    ModelLoadError,
    PairUnavailable,
    Translation,
    TranslatorConfig,
    install_package,
)


def test_translate__direct_pair_gives_model_phrase(engine: MachineTranslator) -> None:
    result = engine.translate_text("Where is the tax office", "en", "ja")

    assert result == Translation(EN_JA, ("en", "ja"))


def test_translate__each_sentence_translated_and_rejoined(engine: MachineTranslator) -> None:
    [ja, en] = [
        engine.translate_text("Hello. Where is counter 19?\n\nThanks!", "en", "ja"),
        engine.translate_text("नमस्ते। धन्यवाद", "ne", "en"),
    ]

    assert ja.text == f"{EN_JA}{EN_JA}\n\n{EN_JA}"  # Japanese joins sentences without spaces
    assert en.text == f"{NE_EN} {NE_EN}"


def test_translate__batch_equals_one_by_one(engine: MachineTranslator) -> None:
    rng = random.Random(7)
    pieces = ["Hello.", "How are you?", "I need help with my pension", "Mr. Sato is here.", "\n", "  "]
    texts = ["".join(rng.choice(pieces) + " " for _ in range(rng.randint(0, 5))) for _ in range(60)]

    batched = engine.translate(texts, "en", "ja")

    assert batched == [engine.translate_text(text, "en", "ja") for text in texts]
    assert len({t.text for t in batched}) > 3  # the texts really differ in sentence count


def test_translate__pivot_goes_through_english(engine: MachineTranslator) -> None:
    result = engine.translate_text("नमस्ते। मलाई मद्दत चाहिन्छ।", "ne", "ja")

    assert result.route == ("ne", "en", "ja")
    assert result.text == EN_JA * 2  # one en->ja phrase per source sentence


def test_translate__from_japanese(engine: MachineTranslator) -> None:
    assert engine.translate(["ありがとう。", ""], "ja", "en") == [
        Translation(JA_EN, ("ja", "en")),
        Translation("", ("ja", "en")),
    ]


def test_translate__same_language_returns_text_unchanged(engine: MachineTranslator) -> None:
    assert engine.translate_text("  そのまま。 ", "ja", "ja") == Translation("  そのまま。 ", ("ja",))


def test_translate__blank_texts_give_empty_texts(engine: MachineTranslator) -> None:
    assert [t.text for t in engine.translate(["", "  \n "], "en", "ja")] == ["", ""]
    assert engine.translate([], "en", "ja") == []


def test_translate__missing_pair_raises_pair_unavailable(engine: MachineTranslator) -> None:
    with pytest.raises(PairUnavailable) as caught:
        engine.translate_text("Xin chào", "vi", "ja")

    assert (caught.value.from_code, caught.value.to_code) == ("vi", "ja")
    assert "vi->ja" in str(caught.value)
    assert "vi->en + en->ja" in str(caught.value)


def test_route__pivot_needs_both_hops(engine: MachineTranslator) -> None:
    with pytest.raises(PairUnavailable, match="ja->ne"):
        engine.route("ja", "ne")  # ja->en exists, en->ne does not


def test_route__no_pivot_configured(shared_models_dir: Path) -> None:
    direct_only = MachineTranslator(shared_models_dir, TranslatorConfig(pivot=None))

    with pytest.raises(PairUnavailable) as caught:
        direct_only.route("ne", "ja")

    assert str(caught.value) == "no machine translation ne->ja: no installed model pair ne->ja"


def test_reachable__reports_routes_both_ways(engine: MachineTranslator) -> None:
    nepali = engine.reachable("ne")
    english = engine.reachable("en")

    assert (nepali.to_hub, nepali.from_hub, nepali.both_ways) == (("ne", "en", "ja"), None, False)
    assert (english.to_hub, english.from_hub, english.both_ways) == (("en", "ja"), ("ja", "en"), True)
    assert engine.reachable("vi").to_hub is None


def test_available_pairs__lists_installed(engine: MachineTranslator) -> None:
    assert engine.available_pairs() == {("en", "ja"), ("ne", "en"), ("ja", "en")}


def test_available_pairs__follows_installs(models_dir: Path, packages: dict[str, Path]) -> None:
    fresh = MachineTranslator(models_dir)
    assert fresh.available_pairs() == frozenset()

    install_package(packages["en_ja"], models_dir)

    assert fresh.available_pairs() == {("en", "ja")}
    assert fresh.translate_text("Hi", "en", "ja").text == EN_JA


def test_translate__reinstall_is_picked_up_without_restart(tmp_path: Path, models_dir: Path) -> None:
    install_package(build_fixed_output_package(tmp_path / "v1", "en", "ja", "こんにちは"), models_dir)
    translator = MachineTranslator(models_dir)
    assert translator.translate_text("Hi", "en", "ja").text == "こんにちは"

    install_package(
        build_fixed_output_package(tmp_path / "v2", "en", "ja", "さようなら", package_version="2.0"),
        models_dir,
    )

    assert translator.translate_text("Hi", "en", "ja").text == "さようなら"


def test_translate__desk_code_alias_uses_package_code(tmp_path: Path, models_dir: Path) -> None:
    install_package(build_fixed_output_package(tmp_path / "tl", "tl", "en", "good day"), models_dir)
    translator = MachineTranslator(models_dir)

    assert translator.translate_text("Magandang araw", "fil", "en") == Translation("good day", ("fil", "en"))
    assert translator.reachable("fil").to_hub is None


def test_translate__threads_share_one_model(engine: MachineTranslator) -> None:
    texts = [f"Line {i}. " * (i % 4 + 1) for i in range(40)]
    expected = engine.translate(texts, "en", "ja")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: engine.translate(texts, "en", "ja"), range(16)))

    assert all(result == expected for result in results)


def test_translate__unloadable_model_raises_model_load_error(
    models_dir: Path, packages: dict[str, Path]
) -> None:
    install_package(packages["en_ja"], models_dir)
    (models_dir / "en_ja" / "model" / "model.bin").write_bytes(b"garbage")

    with pytest.raises(ModelLoadError, match="cannot load the en->ja model"):
        MachineTranslator(models_dir).translate_text("Hi", "en", "ja")


def test_preload__loads_every_hop(shared_models_dir: Path) -> None:
    translator = MachineTranslator(shared_models_dir)

    assert translator.preload("ne", "ja") == ("ne", "en", "ja")
    assert set(translator._models) == {("ne", "en"), ("en", "ja")}
    translator.unload()
    assert translator._models == {}


# --- async facade ------------------------------------------------------------------------------------------


async def test_async_translate__gives_same_result_as_sync(engine: MachineTranslator) -> None:
    async with AsyncMachineTranslator(engine) as facade:
        results = await facade.translate(["Hello. Bye.", "Hi"], "en", "ja")
        pivot = await facade.translate_text("नमस्ते", "ne", "ja")
        reach = await facade.reachable("ne")
        pairs = await facade.available_pairs()
        route = await facade.route("ne", "ja")

    assert [r.text for r in results] == [EN_JA * 2, EN_JA]
    assert pivot == Translation(EN_JA, ("ne", "en", "ja"))
    assert reach.to_hub == route == ("ne", "en", "ja")
    assert ("en", "ja") in pairs


async def test_async_translate__errors_propagate(engine: MachineTranslator) -> None:
    async with AsyncMachineTranslator(engine) as facade:
        with pytest.raises(PairUnavailable):
            await facade.translate_text("x", "vi", "ja")


class BlockingTranslator(MachineTranslator):
    """Translates only after the test lets it: if the event loop were blocked, it could never be let."""

    def __init__(self, models_dir: Path) -> None:
        super().__init__(models_dir)
        self.started = threading.Event()
        self.release = threading.Event()

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[Translation]:
        self.started.set()
        if not self.release.wait(timeout=5):
            raise TimeoutError("the event loop never released the translation")
        return super().translate(texts, source, target)


async def test_async_translate__does_not_block_event_loop(shared_models_dir: Path) -> None:
    engine = BlockingTranslator(shared_models_dir)
    ticks = 0

    async def other_coroutine() -> None:
        nonlocal ticks
        await asyncio.to_thread(engine.started.wait, 5)
        for _ in range(5):
            ticks += 1
            await asyncio.sleep(0.001)
        engine.release.set()

    async with AsyncMachineTranslator(engine) as facade:
        result, _ = await asyncio.gather(facade.translate_text("Hello", "en", "ja"), other_coroutine())

    assert ticks == 5
    assert result.text == EN_JA


async def test_async_translate__shared_executor_is_not_closed(engine: MachineTranslator) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        async with AsyncMachineTranslator(engine, executor=pool) as facade:
            await facade.translate_text("Hi", "en", "ja")
        assert pool.submit(lambda: 42).result() == 42
