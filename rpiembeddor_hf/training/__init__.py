"""Training RPIembeddor with Accelerate (one CPU to many GPUs), paper defaults, several seeds.

:func:`train_model` trains one seed from :class:`~rpiembeddor_hf.data.EmbeddedPairDataset` splits and returns
the best model (by a validation metric, default AUROC) with its metrics; :func:`train_seeds` runs several
seeds and reports mean ± std. One module per concern:

* :mod:`~rpiembeddor_hf.training.config`: :class:`TrainingConfig` (paper defaults, option help);
* :mod:`~rpiembeddor_hf.training.loop`: the Accelerate loop (prepare, accumulate, mixed precision,
  ``gather_for_metrics``, ``save_state`` / ``load_state``);
* :mod:`~rpiembeddor_hf.training.checkpoints`: best checkpoint by validation metric, resumable state,
  atomic folder swaps;
* :mod:`rpiembeddor_hf.thresholds`: the decision threshold chosen on validation and stored in
  ``model.config.threshold`` (the test split is never used to choose anything);
* :mod:`~rpiembeddor_hf.training.reports` and :mod:`~rpiembeddor_hf.training.model_card`: the final
  per-split reports, ``training_metrics.json`` and the model card (a Jinja2 template);
* :mod:`~rpiembeddor_hf.training.seeds`: several seeds, mean ± std;
* :mod:`~rpiembeddor_hf.training.command`: ``rpiembeddor train``, its options generated from the configs.

Output folder of one seed::

    model/              best checkpoint: config.json, model.safetensors, model code (remote code),
                        README.md (model card), training_metrics.json
    checkpoint/         latest accelerate state (weights, optimizer, scheduler, RNG) + trainer_state.json
    history.json        per-epoch training loss and validation metrics
    evaluation/<split>/ metrics.json / metrics.md / roc.png / pr.png / predictions.parquet of the best model
    logs/seed-<n>/      TensorBoard events (with ``tensorboard=True``; under the top output folder)
"""

from __future__ import annotations

from rpiembeddor_hf.lazy_exports import lazy_getattr

#: public name -> module that defines it (loaded on first use, PEP 562: ``rpiembeddor train --help`` reads
#: the configuration without importing torch or accelerate)
_PUBLIC = {
    "SeedsResult": "rpiembeddor_hf.training.seeds",
    "TrainingConfig": "rpiembeddor_hf.training.config",
    "TrainingResult": "rpiembeddor_hf.training.results",
    "make_accelerator": "rpiembeddor_hf.training.loop",
    "train_model": "rpiembeddor_hf.training.loop",
    "train_seeds": "rpiembeddor_hf.training.seeds",
}
__all__ = sorted(_PUBLIC)


__getattr__ = lazy_getattr(__name__, _PUBLIC)
