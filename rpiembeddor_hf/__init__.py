"""RPIembeddor: a cross-attention RNA-protein interaction classifier as a transformers PreTrainedModel.

Importing the package registers the model with AutoConfig, AutoModel and AutoModelForSequenceClassification
and the ``rna-protein-interaction`` pipeline, so ``AutoModel.from_pretrained(<folder>)`` works without
``trust_remote_code``. The public names load on first use (PEP 562), and the ``rpiembeddor`` command defers
the registration to the sub-command that runs, so that ``rpiembeddor --help`` does not import torch.
"""

from __future__ import annotations

import importlib
import os
import sys
from importlib.metadata import PackageNotFoundError, version

from rpiembeddor_hf.lazy_exports import lazy_getattr

try:
    __version__ = version("rnainteract")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

#: public name -> module that defines it
_PUBLIC = {
    "RPIembeddorConfig": "rpiembeddor_hf.configuration_rpiembeddor",
    "RPIembeddorForSequenceClassification": "rpiembeddor_hf.modeling_rpiembeddor",
    "RPIembeddorModel": "rpiembeddor_hf.modeling_rpiembeddor",
    "RPIembeddorMoleculeEncoding": "rpiembeddor_hf.modeling_rpiembeddor",
    "RPIembeddorOutput": "rpiembeddor_hf.modeling_rpiembeddor",
    "predict_pairs": "rpiembeddor_hf.predict",
}
__all__ = [*sorted(_PUBLIC), "__version__", "register_auto_classes"]


def register_auto_classes() -> None:
    """Register the Auto classes and the pipeline task (idempotent; runs on import of the package)."""
    from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification

    from rpiembeddor_hf.configuration_rpiembeddor import RPIembeddorConfig
    from rpiembeddor_hf.modeling_rpiembeddor import RPIembeddorForSequenceClassification, RPIembeddorModel

    AutoConfig.register(RPIembeddorConfig.model_type, RPIembeddorConfig, exist_ok=True)
    AutoModel.register(RPIembeddorConfig, RPIembeddorModel, exist_ok=True)
    AutoModelForSequenceClassification.register(
        RPIembeddorConfig, RPIembeddorForSequenceClassification, exist_ok=True
    )
    importlib.import_module("rpiembeddor_hf.predict.pipeline").register()  # "rna-protein-interaction"


__getattr__ = lazy_getattr(__name__, _PUBLIC)


def _started_as_the_command() -> bool:
    """The ``rpiembeddor`` console script imports this package first; its sub-commands register on load."""
    return os.path.basename(sys.argv[0] if sys.argv else "") == "rpiembeddor"


if not _started_as_the_command():
    register_auto_classes()
