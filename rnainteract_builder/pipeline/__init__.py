"""The stage runner of ``rnainteract build``: stage specs, typed config sections, fingerprints, CLI options.

Nothing here knows a particular stage; the stages live in :mod:`rnainteract_builder.pipeline.stages` and
their one registry in :mod:`rnainteract_builder.dataset_stages`.
"""
