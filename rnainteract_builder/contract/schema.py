"""Arrow schemas of the tables every stage reads and writes (DESIGN §4).

One place defines the columns so the builder stages, the importers, the publisher and the model's data
loader agree. ``conform`` casts a table to a schema, adding missing nullable columns as nulls, so a stage
can build only what it knows and still hand on a complete table.
"""

from __future__ import annotations

import pyarrow as pa

#: Label values (ClassLabel names in the published dataset, in this order).
LABEL_NAMES = ("non-interacting", "interacting")

INTERACTIONS = pa.schema(
    [
        pa.field("pair_id", pa.string(), nullable=False),
        pa.field("rna_id", pa.string(), nullable=False),
        pa.field("protein_id", pa.string(), nullable=False),
        pa.field("label", pa.int8(), nullable=False),
        pa.field("rna_family", pa.string()),
        pa.field("protein_clan", pa.string()),
        pa.field("rna_category", pa.string()),
        pa.field("protein_category", pa.string()),
        pa.field("rna_species", pa.string()),
        pa.field("protein_species", pa.string()),
        pa.field("negative_strategy", pa.string()),
        pa.field("rnainter_id", pa.string()),
        pa.field("score", pa.float64()),
        # Provenance beyond the DESIGN minimum: which source the pair came from and its original ids.
        pa.field("source", pa.string()),
        pa.field("rna_source_id", pa.string()),
        pa.field("protein_source_id", pa.string()),
        pa.field("rna_symbol", pa.string()),
        pa.field("protein_symbol", pa.string()),
        pa.field("evidence_strong", pa.string()),
        pa.field("evidence_weak", pa.string()),
        pa.field("evidence_predict", pa.string()),
    ]
)

#: One row per unique normalised sequence; ``source_ids`` keeps every original id that mapped to it.
SEQUENCES = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("sequence", pa.string(), nullable=False),
        pa.field("length", pa.int32(), nullable=False),
        pa.field("source_ids", pa.list_(pa.string())),
        pa.field("symbols", pa.list_(pa.string())),
        pa.field("category", pa.string()),
        pa.field("species", pa.string()),
    ]
)

#: Per-residue embeddings of unique sequences (special tokens stripped).
EMBEDDING_DIM = 640


def embeddings_schema(dim: int = EMBEDDING_DIM) -> pa.Schema:
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("length", pa.int32(), nullable=False),
            pa.field("embedding", pa.list_(pa.list_(pa.float16(), dim)), nullable=False),
            pa.field("model", pa.string(), nullable=False),
            pa.field("model_revision", pa.string()),
        ]
    )


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Return ``table`` with exactly ``schema``'s columns in order; missing nullable columns become nulls.

    Extra columns are kept after the schema's columns (stages may carry annotations forward).
    """
    columns = []
    for field in schema:
        if field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        elif field.nullable:
            columns.append(pa.nulls(table.num_rows, field.type))
        else:
            raise ValueError(f"table lacks the required column {field.name!r}")
    extra = [name for name in table.column_names if name not in schema.names]
    out = pa.Table.from_arrays(columns, schema=schema)
    for name in extra:
        out = out.append_column(name, table.column(name))
    return out


#: Column descriptions used by the dataset card.
COLUMN_DESCRIPTIONS = {
    "pair_id": "unique id of the pair (RNAInter id for positives, generated for negatives)",
    "rna_id": "content-hash id of the normalised RNA sequence (joins rna_sequences / rna_embeddings_*)",
    "protein_id": "content-hash id of the normalised protein sequence (joins protein_sequences / protein_embeddings_*)",
    "label": "1 interacting (RNAInter positive), 0 non-interacting (informed negative)",
    "rna_family": "Rfam family of the RNA, or a sequence-cluster pseudo-family when unannotated",
    "protein_clan": "Pfam clan of the protein, or a sequence-cluster pseudo-clan when unannotated",
    "rna_category": "RNAInter RNA category (e.g. miRNA, lncRNA)",
    "protein_category": "RNAInter protein category (RBP, TF, protein)",
    "rna_species": "species of the RNA",
    "protein_species": "species of the protein",
    "negative_strategy": "how a negative was drawn (null for positives)",
    "rnainter_id": "RNAInter interaction id (null for negatives)",
    "score": "RNAInter confidence score (null for negatives)",
    "source": "where the pair came from (RNAInter, a benchmark set)",
    "rna_source_id": "original RNA id in the source",
    "protein_source_id": "original protein id in the source",
    "rna_symbol": "RNA symbol in the source",
    "protein_symbol": "protein symbol in the source",
    "evidence_strong": "strong experimental evidence recorded by RNAInter (null for negatives)",
    "evidence_weak": "weak experimental evidence recorded by RNAInter (null for negatives)",
    "evidence_predict": "computational predictions recorded by RNAInter (null for negatives)",
}
