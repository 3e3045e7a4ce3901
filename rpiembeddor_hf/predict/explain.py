"""Per-residue attention maps of chosen pairs: safetensors arrays and PNG heatmaps.

For each pair the model runs once with ``output_attentions=True``. Saved per pair (file names from the
pair id, characters outside ``[A-Za-z0-9._-]`` replaced by ``_``):

* ``<pair>.safetensors`` - every map, float32, per layer: ``rna_cross.<i>`` ``(heads, L_rna, L_protein)``
  (RNA residues attending to protein residues), ``protein_cross.<i>`` ``(heads, L_protein, L_rna)``,
  ``rna_self.<i>``, ``protein_self.<i>``; metadata holds the pair id, the ids and the probability;
* ``<pair>.png`` - the last layer's cross-attention in both directions, averaged over heads, drawn as
  residue x residue heatmaps (matplotlib, Agg backend: no display needed).

Attention weights show where the model looked, not why it decided; read them as a hint, not an answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import torch
from safetensors.numpy import save_file

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import atomic_path
from rpiembeddor_hf.modeling_rpiembeddor import RPIembeddorModel

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(pair_id: str) -> str:
    return _UNSAFE.sub("_", pair_id)[:150] or "pair"


@torch.inference_mode()
def attention_maps(
    model: RPIembeddorModel, rna: torch.Tensor, protein: torch.Tensor
) -> tuple[dict[str, np.ndarray], float]:
    """All attention maps of one pair (``L x dim`` embeddings) and its probability."""
    device = next(model.parameters()).device
    out = model(
        rna.unsqueeze(0).to(device), None, protein.unsqueeze(0).to(device), None, output_attentions=True
    )
    arrays: dict[str, np.ndarray] = {}
    for name in ("rna_cross", "protein_cross", "rna_self", "protein_self"):
        for layer, weights in enumerate(getattr(out, f"{name}_attentions") or ()):
            if weights is not None:
                arrays[f"{name}.{layer}"] = np.ascontiguousarray(weights[0].float().cpu().numpy())
    return arrays, float(out.probabilities[0])


def plot_cross_attention(arrays: dict[str, np.ndarray], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    last = max(int(key.split(".")[1]) for key in arrays if key.startswith("rna_cross."))
    rna_to_protein = arrays[f"rna_cross.{last}"].mean(axis=0)
    protein_to_rna = arrays[f"protein_cross.{last}"].mean(axis=0)
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), constrained_layout=True)
    for ax, values, (rows, cols) in (
        (axes[0], rna_to_protein, ("RNA residue (query)", "protein residue (key)")),
        (axes[1], protein_to_rna, ("protein residue (query)", "RNA residue (key)")),
    ):
        image = ax.imshow(values, aspect="auto", interpolation="nearest", cmap="viridis")
        ax.set_ylabel(rows)
        ax.set_xlabel(cols)
        fig.colorbar(image, ax=ax, label="attention (mean over heads)")
    axes[0].set_title("RNA -> protein cross-attention")
    axes[1].set_title("protein -> RNA cross-attention")
    fig.suptitle(title)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def explain_pairs(
    model: RPIembeddorModel,
    table: pa.Table,
    pair_ids: Sequence[str],
    embeddings: dict[str, Sequence[torch.Tensor]],
    index: dict[str, dict[str, int]],
    out_dir: Path,
    threshold: float,
) -> list[Path]:
    """Write maps for ``pair_ids`` (scored rows of a prediction table); returns the files written."""
    rows = {pid: i for i, pid in enumerate(table.column("pair_id").to_pylist())}
    status = table.column("status").to_pylist()
    rna_ids, protein_ids = table.column("rna_id").to_pylist(), table.column("protein_id").to_pylist()
    written: list[Path] = []
    for pair_id in pair_ids:
        row = rows.get(pair_id)
        if row is None:
            raise InputError(f"--explain: no pair {pair_id!r} in the input")
        if status[row] != "scored":
            raise InputError(f"--explain: pair {pair_id!r} was not scored ({table.column('warnings')[row]})")
        rna = embeddings["rna"][index["rna"][rna_ids[row]]]
        protein = embeddings["protein"][index["protein"][protein_ids[row]]]
        arrays, probability = attention_maps(model, rna, protein)
        out_dir.mkdir(parents=True, exist_ok=True)
        name = safe_name(pair_id)
        array_path = out_dir / f"{name}.safetensors"
        metadata = {
            "pair_id": pair_id,
            "rna_source_id": str(table.column("rna_source_id")[row]),
            "protein_source_id": str(table.column("protein_source_id")[row]),
            "rna_id": rna_ids[row],
            "protein_id": protein_ids[row],
            "probability": f"{probability:.6f}",
        }
        with atomic_path(array_path) as tmp:
            save_file(arrays, tmp, metadata=metadata)
        png = out_dir / f"{name}.png"
        label = "interacting" if probability >= threshold else "non-interacting"
        plot_cross_attention(arrays, f"{pair_id}: p = {probability:.3f} ({label} at {threshold:g})", png)
        written += [array_path, png]
    return written
