"""The ``evaluate`` metric module of RPIembeddor (load it by path: see :func:`rpiembeddor_hf.evaluation.load_metric`)."""
