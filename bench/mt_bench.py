"""Machine-translation throughput and chat-line latency: single line per call vs batched, direct vs pivot.

    python bench/mt_bench.py                  # builds the fixture models (en->ja, ne->en) in a temp dir
    python bench/mt_bench.py --shape base     # fixture models of Argos's shape (6+6 layers, 512, 32k, int8)
    python bench/mt_bench.py --models DIR     # installed Argos pairs in DIR (e.g. en_ja, ne_en)

The fixture models always answer a fixed phrase of about 17 tokens per sentence. With --shape tiny (1 layer,
d_model 64) the figures are the service's own overhead (splitting, SentencePiece, CTranslate2 calls,
rejoining); with --shape base they approach a real Argos model's cost, since compute does not depend on the
weights' values (output length does, and is fixed here).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ctranslate2

from app.mt import MachineTranslator, TranslatorConfig, install_package
from app.mt.splitter import split_sentences
from app.mt.testing import BASE, TINY, ModelShape, build_fixed_output_package

SHAPES = {"tiny": TINY, "base": BASE}
# About 17 SentencePiece tokens each, a typical translated chat sentence.
EN_JA_PHRASE = "在留 カード の 更新 は 一階 の 十九 番 窓口 で 受け付け て います 。"
NE_EN_PHRASE = "please bring your residence card and passport to counter nineteen on the first floor today ."

SENTENCES = {
    "en": [
        "Hello.",
        "I would like to renew my residence card.",
        "Where is the tax office?",
        "My child has a fever since yesterday.",
        "Can I pay the pension later?",
        "Thank you very much!",
        "Which documents do I need to bring?",
        "I lost my job last month.",
    ],
    "ne": [
        "नमस्ते।",
        "मलाई मेरो निवास कार्ड नवीकरण गर्नु छ।",
        "कर कार्यालय कहाँ छ?",
        "मेरो बच्चालाई हिजोदेखि ज्वरो आएको छ।",
        "धन्यवाद।",
        "मैले कुन कागजातहरू ल्याउनु पर्छ?",
    ],
    "ja": [
        "こんにちは。",
        "在留カードの更新をしたいです。",
        "税務署はどこですか？",
        "ありがとうございます！",
    ],
}


@dataclass(frozen=True)
class Row:
    route: str
    mode: str
    lines: int
    sentences: int
    seconds: float
    latencies_ms: list[float]

    @property
    def sentences_per_second(self) -> float:
        return self.sentences / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def chat_lines(lang: str, count: int, seed: int = 1) -> list[str]:
    """Chat lines of 1 to 3 sentences in the source language (English text if the language is unknown)."""
    rng = random.Random(seed)
    pool = SENTENCES.get(lang, SENTENCES["en"])
    return [" ".join(rng.choice(pool) for _ in range(rng.randint(1, 3))) for _ in range(count)]


def measure(
    label: str,
    mode: str,
    lines: Sequence[str],
    batch: int,
    translate: Callable[[list[str]], object],
) -> Row:
    latencies = []
    start = time.perf_counter()
    for offset in range(0, len(lines), batch):
        chunk = list(lines[offset : offset + batch])
        call_start = time.perf_counter()
        translate(chunk)
        elapsed_ms = (time.perf_counter() - call_start) * 1000
        latencies.extend([elapsed_ms] * len(chunk))  # every line in a batch waits for the whole batch
    seconds = time.perf_counter() - start
    sentences = sum(len(split_sentences(line)) for line in lines)
    return Row(label, mode, len(lines), sentences, seconds, latencies)


def build_fixture_models(models_dir: Path, shape: ModelShape) -> None:
    packages = models_dir.parent / "packages"
    for source, target, phrase in (("en", "ja", EN_JA_PHRASE), ("ne", "en", NE_EN_PHRASE)):
        package = build_fixed_output_package(packages, source, target, phrase, shape=shape)
        install_package(package, models_dir)


def run(
    models_dir: Path,
    routes: Sequence[tuple[str, str]],
    lines_per_run: int,
    batch: int,
    config: TranslatorConfig,
) -> None:
    engine = MachineTranslator(models_dir, config)
    rows = []
    for source, target in routes:
        route = engine.preload(source, target)
        lines = chat_lines(source, lines_per_run)

        def translate(chunk: list[str], source: str = source, target: str = target) -> object:
            return engine.translate(chunk, source, target)

        translate(lines[:batch])  # warm-up
        for mode, size in (("single", 1), (f"batch{batch}", batch)):
            rows.append(measure("->".join(route), mode, lines, size, translate))

    print(
        f"ctranslate2 {ctranslate2.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"inter_threads={config.inter_threads}, intra_threads={config.intra_threads}, "
        f"beam_size={config.beam_size}"
    )
    columns = ("route", "mode", "lines", "sents", "sents/s", "lines/s", "p50 ms", "p95 ms")
    header = "{:<12} {:<8} {:>6} {:>6} {:>9} {:>9} {:>8} {:>8}".format(*columns)
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.route:<12} {row.mode:<8} {row.lines:>6} {row.sentences:>6} "
            f"{row.sentences_per_second:>9.0f} {row.lines / row.seconds:>9.0f} "
            f"{row.percentile(0.5):>8.2f} {row.percentile(0.95):>8.2f}"
        )
    print("p50/p95: per chat line, from the call's start to its result (a batched line waits for its batch)")


def parse_route(spec: str) -> tuple[str, str]:
    source, _, target = spec.partition(":")
    if not (source and target):
        raise SystemExit(f"a route is SRC:TGT, not {spec!r}")
    return (source, target)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, help="folder of installed pairs; default: build the fixtures")
    parser.add_argument(
        "--shape", choices=sorted(SHAPES), default="tiny", help="fixture model size (default tiny)"
    )
    parser.add_argument("--direct", default="en:ja", help="direct route as SRC:TGT (default en:ja)")
    parser.add_argument("--pivot", default="ne:ja", help="pivot route as SRC:TGT (default ne:ja, via en)")
    parser.add_argument("--lines", type=int, default=512, help="chat lines per measurement (default 512)")
    parser.add_argument("--batch", type=int, default=32, help="lines per call when batched (default 32)")
    defaults = TranslatorConfig()
    parser.add_argument("--beam-size", type=int, default=defaults.beam_size)
    parser.add_argument("--intra-threads", type=int, default=defaults.intra_threads)
    args = parser.parse_args(argv)
    routes = [parse_route(spec) for spec in (args.direct, args.pivot)]
    config = TranslatorConfig(beam_size=args.beam_size, intra_threads=args.intra_threads)
    if args.models is not None:
        run(args.models, routes, args.lines, args.batch, config)
        return
    with tempfile.TemporaryDirectory(prefix="mt-bench-") as scratch:
        models_dir = Path(scratch) / "models"
        started = time.perf_counter()
        build_fixture_models(models_dir, SHAPES[args.shape])
        elapsed = time.perf_counter() - started
        print(f"built and installed the {args.shape} fixture models in {elapsed:.2f} s")
        run(models_dir, routes, args.lines, args.batch, config)


if __name__ == "__main__":
    main()
