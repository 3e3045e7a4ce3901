"""Re-implemented peers (RPISeq, IPMiner, XRPI) and trivial / similarity baselines (DESIGN §7).

Every method is a :class:`~rpiembeddor_hf.baselines.base.PairClassifier`: ``fit(PairData)``,
``predict_proba(PairData)``, ``save(folder)`` and :func:`load_method` (no pickles), seeded.
Importing this package registers all methods by name (:func:`method_names`, :func:`make_method`).
"""

from rpiembeddor_hf.baselines import ipminer, rpiembeddor, rpiseq, trivial, xrpi  # noqa: F401  (registers the methods)
from rpiembeddor_hf.baselines.base import PairClassifier, load_method, make_method, method_names
from rpiembeddor_hf.baselines.data import PairData

__all__ = ["PairClassifier", "PairData", "load_method", "make_method", "method_names"]
