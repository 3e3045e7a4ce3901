"""RNA-protein interaction metrics as a Hugging Face ``evaluate`` module (computed with scikit-learn).

``evaluate.load("f1")`` fetches its script from the Hub, which offline machines cannot reach; this module
ships inside the rpiembeddor_hf package and is loaded by path:

    >>> import evaluate
    >>> from rpiembeddor_hf.evaluation import METRIC_MODULE_DIR
    >>> metric = evaluate.load(str(METRIC_MODULE_DIR))
    >>> metric.compute(references=[0, 1, 1], predictions=[0.2, 0.9, 0.4], threshold=0.5)["recall"]
    0.5

It returns precision, recall, F1, accuracy, MCC, balanced accuracy, AUROC, AUPRC and the confusion
counts (``tp``, ``fp``, ``tn``, ``fn``), exactly as :func:`rpiembeddor_hf.metrics.binary_metrics`.
"""

import datasets
import evaluate

from rpiembeddor_hf.metrics import binary_metrics

_DESCRIPTION = """Binary classification metrics for RNA-protein interaction prediction (DESIGN §6):
threshold metrics at a chosen threshold on the predicted probabilities, threshold-free AUROC / AUPRC, and
confusion counts. AUROC, AUPRC, MCC and balanced accuracy are None when only one class is present (e.g. a
positive-only test set such as RPI2825), where only recall is informative."""

_KWARGS_DESCRIPTION = """
Args:
    predictions: predicted probabilities of interaction, in [0, 1].
    references: true labels, 0 (non-interacting) or 1 (interacting).
    threshold: probability at or above which a pair is called interacting (default 0.5).
Returns:
    precision, recall, f1, accuracy, mcc, balanced_accuracy, auroc, auprc (float or None),
    tp, fp, tn, fn, n_positive, n_negative (int), threshold (float).
"""

_CITATION = """Matus et al., RNA-Protein Interaction Prediction via Sequence Embeddings (University of Freiburg)."""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class InteractionMetrics(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Value("float64"), "references": datasets.Value("int32")}
            ),
            reference_urls=["https://scikit-learn.org/stable/modules/model_evaluation.html"],
        )

    def _compute(self, predictions, references, threshold: float = 0.5):
        return binary_metrics(references, predictions, threshold=threshold)
