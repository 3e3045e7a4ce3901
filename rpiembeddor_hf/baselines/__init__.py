"""Re-implemented peers (RPISeq, IPMiner, XRPI), trivial / similarity and pooled-embedding baselines (DESIGN §7).

Every method is a scikit-learn classifier (:class:`~rpiembeddor_hf.baselines.base.PairClassifier`):
``fit(X, y)`` on a pairs DataFrame (:meth:`PairData.to_frame`), ``predict_proba(X)`` of shape (n, 2),
``random_state``, ``get_params`` / ``set_params``, so ``Pipeline``, ``GridSearchCV`` and
``cross_validate`` work. The peers' features are transformers (:mod:`rpiembeddor_hf.baselines.transformers`).
``save(folder)`` and :func:`load_method` need no pickles. Importing this package registers all methods
by name (:func:`method_names`, :func:`make_method`).
"""

from rpiembeddor_hf.baselines import embedding, ipminer, rpiembeddor, rpiseq, trivial, xrpi  # noqa: F401  (registers)
from rpiembeddor_hf.baselines.base import PairClassifier, load_method, make_method, method_names
from rpiembeddor_hf.baselines.data import PairData, as_pair_data
from rpiembeddor_hf.baselines.embedding import MeanEmbeddingFeatures
from rpiembeddor_hf.baselines.transformers import IPMinerFeatures, RPISeqFeatures, XRPIFeatures

__all__ = ["IPMinerFeatures", "MeanEmbeddingFeatures", "PairClassifier", "PairData", "RPISeqFeatures",
           "XRPIFeatures", "as_pair_data", "load_method", "make_method", "method_names"]
