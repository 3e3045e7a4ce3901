"""The memory budget of a prediction: what one block of work may hold, and which inputs can never fit.

Attention is what grows fastest: a self-attention over ``L`` positions holds ``heads x L x L`` weights, a
cross-attention ``heads x L_rna x L_protein``. A 100,000-nt RNA needs tens of GB for one attention map, so
every sequence is checked against the budget *before* anything is allocated (:func:`length_limit`), and
the screen is cut into blocks whose working set stays within it (:func:`tokens_per_chunk`,
:func:`pairs_per_block`). The figures are deliberately generous estimates (float32, activations of every
sub-layer alive at once), so the real peak stays below the budget.
"""

from __future__ import annotations

import math
import re

from rnainteract_builder.contract.errors import InputError

#: Default budget: fits a laptop next to a browser.
DEFAULT_MEMORY_BUDGET = "2GB"
_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
#: Bytes per float32 value, and float32 activations alive per position and model width (projection,
#: q/k/v, attention output, residual, feed-forward, layer norms).
FLOAT = 4
ACTIVATIONS = 16
#: Share of the budget one attention call may take (the rest: embeddings, encodings, output rows).
ATTENTION_SHARE = 4
#: Bytes of bookkeeping per output row while a block is assembled (ids, probability, arrow buffers).
ROW_BYTES = 512
#: Rows per block at most: a killed screen loses at most this much work.
MAX_BLOCK_ROWS = 2**18


def parse_memory(text: str | int) -> int:
    """``"2GB"``, ``"512M"``, ``"1.5g"`` or a number of bytes -> bytes (binary units)."""
    if isinstance(text, int):
        value = text
    else:
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kmgtKMGT]?)(i?[bB])?\s*", str(text))
        if match is None:
            raise InputError(f"memory budget {text!r}: expected a size such as 2GB, 512MB or 4G")
        value = int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    if value < 64 * 2**20:
        raise InputError(f"memory budget {text!r} is below 64 MB; the model alone needs more")
    return value


def format_bytes(value: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"  # pragma: no cover


def attention_bytes(config: object, queries: int, keys: int) -> int:
    """Bytes of one attention call over ``queries x keys`` positions (weights, scores and activations)."""
    heads = int(getattr(config, "num_attention_heads", 8))
    width = int(getattr(config, "d_model", 256))
    return FLOAT * (2 * heads * queries * keys + ACTIVATIONS * width * (queries + keys))


def length_limit(config: object, budget: int) -> int:
    """The longest sequence one forward can take within the attention share of ``budget``.

    In the paper's configuration (``first`` pooling, one layer) no attention over a molecule is square:
    only RNA position 0 attends (:mod:`.lean_scoring`), so memory is linear in the length. Otherwise a
    self-attention holds ``heads x L x L`` weights.
    """
    heads = int(getattr(config, "num_attention_heads", 8))
    width = int(getattr(config, "d_model", 256))
    inputs = max(
        int(getattr(config, "rna_embedding_dim", 640)), int(getattr(config, "protein_embedding_dim", 640))
    )
    allowed = budget // ATTENTION_SHARE // FLOAT
    if getattr(config, "pooling", None) == "first" and int(getattr(config, "num_layers", 1)) == 1:
        return max(1, allowed // (ACTIVATIONS * width + inputs + 2 * heads))
    # 2 h L^2 + 2 A w L <= allowed
    a, b = 2 * heads, 2 * ACTIVATIONS * width
    return max(1, int((-b + math.sqrt(b * b + 4 * a * allowed)) / (2 * a)))


def molecule_bytes(config: object, length: int) -> int:
    """Working memory of one molecule of ``length`` positions in one forward (see :func:`length_limit`)."""
    heads = int(getattr(config, "num_attention_heads", 8))
    width = int(getattr(config, "d_model", 256))
    if getattr(config, "pooling", None) == "first" and int(getattr(config, "num_layers", 1)) == 1:
        inputs = max(
            int(getattr(config, "rna_embedding_dim", 640)), int(getattr(config, "protein_embedding_dim", 640))
        )
        return FLOAT * length * (ACTIVATIONS * width + inputs + 2 * heads)
    return attention_bytes(config, length, length)


def too_long_message(molecule: str, length: int, limit: int, policy: str, budget: int, need: int) -> str:
    """Why a sequence cannot be taken (the caller puts its id first), and the policy that would take it."""
    unit = "nt" if molecule == "rna" else "aa"
    fix = (
        f"use --length-policy truncate (keeps the first {limit:,} {unit})"
        if policy != "truncate"
        else "raise --memory-budget"
    )
    return (
        f"{length:,} {unit} is longer than the {limit:,} the model's attention can take "
        f"within the memory budget {format_bytes(budget)} (it would need about {format_bytes(need)}; "
        f"length policy {policy!r}); {fix}, or raise --memory-budget"
    )


def tokens_per_chunk(config: object, budget: int, partner_length: int) -> int:
    """Padded positions of streamed molecules encoded and scored in one call against partners of up to
    ``partner_length`` positions: each holds its activations and its attention row to the partner."""
    heads = int(getattr(config, "num_attention_heads", 8))
    width = int(getattr(config, "d_model", 256))
    per_position = FLOAT * (ACTIVATIONS * width + 2 * heads * max(1, partner_length))
    return max(1, budget // ATTENTION_SHARE // per_position)


def pairs_per_block(budget: int) -> int:
    """Output rows held at once before a block is written (a quarter of the budget, at most MAX_BLOCK_ROWS)."""
    return int(min(MAX_BLOCK_ROWS, max(1024, budget // ATTENTION_SHARE // ROW_BYTES)))
