"""Published numbers shown next to ours (DESIGN §1 and §7), with their sources.

Keys are (test set, scheme, method). Random-split CV numbers are homology-leaky and for orientation only;
where DESIGN §7 gives only the range over published predictors, the entry says so.
"""

from __future__ import annotations

from typing import NamedTuple


class Published(NamedTuple):
    value: str
    source: str


_PAPER = "Matus et al., RNA-Protein Interaction Prediction via Sequence Embeddings (DESIGN §1)"
_RANGE = "range over published predictors, random 5-fold CV (DESIGN §7)"
_PEERS = ("rpiseq-rf", "rpiseq-svm", "ipminer", "xrpi")

PUBLISHED: dict[tuple[str, str, str], Published] = {
    ("TSfam", "fixed", "rpiembeddor"): Published("P 0.550, R 0.627, F1 0.586, acc 0.667 (3 seeds)", _PAPER),
    ("TSfam", "fixed", "ipminer"): Published("F1 0.366, acc 0.512", _PAPER),
    ("TSfam", "fixed", "xrpi"): Published("F1 0.531, acc 0.398 (91 % called positive)", _PAPER),
    ("TSfam", "fixed", "all-negative"): Published("acc 0.624", _PAPER),
    ("TSfam", "fixed", "all-positive"): Published("F1 0.546", _PAPER),
    ("RPI2825", "fixed", "rpiembeddor"): Published("recall 0.667", _PAPER),
    ("RPI2825", "fixed", "ipminer"): Published("recall 0.107", _PAPER),
    ("RPI2825", "fixed", "xrpi"): Published("recall 0.982 (trained on RPI2825: not held out)", _PAPER),
}
for _method in _PEERS:
    PUBLISHED[("RPI369", "random", _method)] = Published("acc 0.73–0.81", _RANGE)
    PUBLISHED[("RPI488", "random", _method)] = Published("acc 0.88–0.89", _RANGE)
    PUBLISHED[("RPI1807", "random", _method)] = Published("acc 0.94–0.98", _RANGE)
    PUBLISHED[("RPI2241", "random", _method)] = Published("acc 0.89–0.95", _RANGE)
PUBLISHED[("RPI488", "random", "ipminer")] = Published(
    "acc 0.891, MCC 0.784", "Pan et al. 2016, IPMiner, random 5-fold CV (DESIGN §7)"
)


def published(test_set: str, scheme: str, method: str) -> Published | None:
    return PUBLISHED.get((test_set, scheme, method))
