"""RPIembeddor: a cross-attention RNA-protein interaction classifier as a transformers PreTrainedModel.

Importing the package registers the model with AutoConfig, AutoModel and AutoModelForSequenceClassification,
so ``AutoModel.from_pretrained(<folder>)`` works without ``trust_remote_code``.
"""

from importlib.metadata import PackageNotFoundError, version

from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification

from rpiembeddor_hf.configuration_rpiembeddor import RPIembeddorConfig
from rpiembeddor_hf.modeling_rpiembeddor import (
    RPIembeddorForSequenceClassification,
    RPIembeddorModel,
    RPIembeddorMoleculeEncoding,
    RPIembeddorOutput,
)

try:
    __version__ = version("rnainteract")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

AutoConfig.register(RPIembeddorConfig.model_type, RPIembeddorConfig, exist_ok=True)
AutoModel.register(RPIembeddorConfig, RPIembeddorModel, exist_ok=True)
AutoModelForSequenceClassification.register(RPIembeddorConfig, RPIembeddorForSequenceClassification, exist_ok=True)

# Prediction API; importing it registers the "rna-protein-interaction" transformers pipeline.
from rpiembeddor_hf.predict import predict_pairs  # noqa: E402

__all__ = [
    "RPIembeddorConfig",
    "RPIembeddorForSequenceClassification",
    "RPIembeddorModel",
    "RPIembeddorMoleculeEncoding",
    "RPIembeddorOutput",
    "__version__",
    "predict_pairs",
]
