"""Build tiny but valid Argos packages whose model always outputs one chosen phrase (tests and benchmarks).

The only module of app.mt meant for tests; nothing at run time imports it. A package is made in ~50 ms:
- a SentencePiece model trained on a few hundred generated lines (with the phrase, the sample text and words
  in the desk's scripts, so the phrase tokenises without unknown pieces);
- a 1-layer CTranslate2 Transformer filled with numpy weights: every attention output and feed-forward output
  is zero, so the decoder state at step k is its position encoding, which is set to a one-hot vector for k;
  the output projection maps position k to the k-th piece of the phrase, and every later position to </s>.
  The decoder therefore follows the phrase's token chain whatever the input is (repeated pieces included).
"""

from __future__ import annotations

import io
import json
import random
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sentencepiece
from ctranslate2.specs import transformer_spec

_NAMES = {
    "en": "English",
    "ja": "Japanese",
    "ne": "Nepali",
    "zh": "Chinese",
    "vi": "Vietnamese",
    "th": "Thai",
    "hi": "Hindi",
    "ko": "Korean",
    "pt": "Portuguese",
    "es": "Spanish",
}
_WORDS = (
    "hello world the city office tax pension hospital school child visa residence card help please thank you "
    "こんにちは ありがとう 市役所 税金 年金 病院 学校 子ども 在留カード 手続き です ます。 "
    "नमस्ते धन्यवाद कार्यालय कर अस्पताल विद्यालय बच्चा । "
    "สวัสดี ขอบคุณ สำนักงาน ภาษี โรงพยาบาล โรงเรียน "
    "xin chào cảm ơn văn phòng thuế bệnh viện 你好 谢谢 办公室 税金 医院"
)
_POSITIONS = 256  # decoder positions with encodings; position >= len(phrase) always yields </s>


@dataclass(frozen=True, slots=True)
class ModelShape:
    """Size of the fixture Transformer. Compute does not depend on the weights' values, so a model of
    roughly Argos's shape (BASE) costs what such a model costs per token while still saying its phrase."""

    layers: int = 1
    heads: int = 2
    d_model: int = 64
    ffn: int = 64
    vocab_size: int | None = None  # None: the SentencePiece vocabulary; larger: padded with unused tokens
    quantization: str | None = None  # e.g. "int8", as Argos ships its models


TINY = ModelShape()
# Transformer-base, 32k shared vocabulary, int8: roughly the shape of Argos Translate's packaged models.
BASE = ModelShape(layers=6, heads=8, d_model=512, ffn=2048, vocab_size=32_000, quantization="int8")


def train_sentencepiece(lines: Sequence[str], vocab_size: int = 400) -> bytes:
    """Train a small unigram SentencePiece model in memory and return its serialized proto."""
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        hard_vocab_limit=False,  # a few hundred lines cannot fill a large vocabulary
        character_coverage=1.0,
        model_type="unigram",
        minloglevel=2,
        num_threads=1,
    )
    return model.getvalue()


def build_fixed_output_model(
    model_dir: Path,
    vocabulary: Sequence[str],
    output_pieces: Sequence[str],
    shape: ModelShape = TINY,
) -> None:
    """Write a CTranslate2 Transformer into model_dir that always decodes output_pieces then </s>."""
    index = {piece: i for i, piece in enumerate(vocabulary)}
    missing = [piece for piece in output_pieces if piece not in index]
    if missing:
        raise ValueError(f"pieces {missing} are not in the vocabulary")
    chain = [index[piece] for piece in output_pieces] + [index["</s>"]]
    vocab_size = len(vocabulary)
    # The decoder needs one dimension per step of the chain.
    d_model = max(shape.d_model, -(-len(chain) // shape.heads) * shape.heads)
    ffn = shape.ffn
    f32 = np.float32

    def norm(spec: Any) -> None:
        spec.gamma = np.ones(d_model, f32)
        spec.beta = np.zeros(d_model, f32)

    def zero_linear(spec: Any, rows: int, cols: int) -> None:
        spec.weight = np.zeros((rows, cols), f32)
        spec.bias = np.zeros(rows, f32)

    spec = transformer_spec.TransformerSpec.from_config(shape.layers, shape.heads)
    encoder, decoder = spec.encoder, spec.decoder
    encoder.embeddings[0].weight = np.zeros((vocab_size, d_model), f32)
    norm(encoder.layer_norm)
    for layer in encoder.layer:
        norm(layer.self_attention.layer_norm)
        zero_linear(layer.self_attention.linear[0], 3 * d_model, d_model)
        zero_linear(layer.self_attention.linear[1], d_model, d_model)
        norm(layer.ffn.layer_norm)
        zero_linear(layer.ffn.linear_0, ffn, d_model)
        zero_linear(layer.ffn.linear_1, d_model, ffn)

    decoder.embeddings.weight = np.zeros((vocab_size, d_model), f32)
    norm(decoder.layer_norm)
    for layer in decoder.layer:
        norm(layer.self_attention.layer_norm)
        zero_linear(layer.self_attention.linear[0], 3 * d_model, d_model)
        zero_linear(layer.self_attention.linear[1], d_model, d_model)
        norm(layer.attention.layer_norm)
        zero_linear(layer.attention.linear[0], d_model, d_model)
        zero_linear(layer.attention.linear[1], 2 * d_model, d_model)
        zero_linear(layer.attention.linear[2], d_model, d_model)
        norm(layer.ffn.layer_norm)
        zero_linear(layer.ffn.linear_0, ffn, d_model)
        zero_linear(layer.ffn.linear_1, d_model, ffn)

    # Position k is one-hot in dimension min(k, last); the projection sends dimension k to chain[k].
    last = len(chain) - 1
    positions = np.zeros((_POSITIONS, d_model), f32)
    for k in range(_POSITIONS):
        positions[k, min(k, last)] = 10.0
    decoder.position_encodings.encodings = positions
    projection = np.zeros((vocab_size, d_model), f32)
    for k, token in enumerate(chain):
        projection[token, k] = 10.0
    decoder.projection.weight = projection
    decoder.projection.bias = np.zeros(vocab_size, f32)

    spec.register_source_vocabulary(list(vocabulary))
    spec.register_target_vocabulary(list(vocabulary))
    spec.validate()
    spec.optimize(quantization=shape.quantization)
    model_dir.mkdir(parents=True, exist_ok=True)
    spec.save(str(model_dir))


def write_package_folder(
    folder: Path,
    from_code: str,
    to_code: str,
    output: str,
    *,
    sample_text: Sequence[str] = (),
    package_version: str = "1.0",
    seed: int = 0,
    shape: ModelShape = TINY,
) -> Path:
    """Write an unpacked package (metadata.json, model/, sentencepiece.model) into folder."""
    rng = random.Random(seed)  # noqa: S311 - reproducible filler text, not security
    words = [*_WORDS.split(), *output.split(), *(w for line in sample_text for w in line.split())]
    lines = [output, *sample_text] * 5
    lines += [" ".join(rng.choice(words) for _ in range(rng.randint(3, 9))) for _ in range(300)]
    proto = train_sentencepiece(lines)
    tokenizer = sentencepiece.SentencePieceProcessor(model_proto=proto)
    if tokenizer.unk_id() in tokenizer.encode(output):
        raise ValueError(f"the tokenizer cannot spell {output!r}")
    vocabulary = [tokenizer.id_to_piece(i) for i in range(tokenizer.get_piece_size())]
    if shape.vocab_size is not None:
        vocabulary += [f"<unused{i}>" for i in range(shape.vocab_size - len(vocabulary))]
    folder.mkdir(parents=True, exist_ok=True)
    build_fixed_output_model(folder / "model", vocabulary, tokenizer.encode(output, out_type=str), shape)
    (folder / "sentencepiece.model").write_bytes(proto)
    metadata = {
        "package_version": package_version,
        "argos_version": "1.9.0",
        "from_code": from_code,
        "from_name": _NAMES.get(from_code, from_code),
        "to_code": to_code,
        "to_name": _NAMES.get(to_code, to_code),
        "type": "translate",
        "links": [],
    }
    (folder / "metadata.json").write_text(
        json.dumps(metadata, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return folder


def zip_package_folder(folder: Path, archive: Path, top: str | None = None) -> Path:
    """Zip an unpacked package as an .argosmodel: everything under one top folder (default: folder's name)."""
    top = top or folder.name
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{top}/", "")
        for path in sorted(folder.rglob("*")):
            name = f"{top}/{path.relative_to(folder).as_posix()}"
            if path.is_dir():
                zf.writestr(f"{name}/", "")
            else:
                zf.write(path, name)
    return archive


def build_fixed_output_package(
    dest_dir: Path,
    from_code: str,
    to_code: str,
    output: str,
    *,
    sample_text: Sequence[str] = (),
    package_version: str = "1.0",
    seed: int = 0,
    shape: ModelShape = TINY,
) -> Path:
    """Build dest_dir/translate-<from>_<to>-<version>.argosmodel whose model always outputs `output`."""
    top = f"translate-{from_code}_{to_code}-{package_version.replace('.', '_')}"
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mt-fixture-") as scratch:
        folder = write_package_folder(
            Path(scratch) / top,
            from_code,
            to_code,
            output,
            sample_text=sample_text,
            package_version=package_version,
            seed=seed,
            shape=shape,
        )
        return zip_package_folder(folder, dest_dir / f"{top}.argosmodel")
