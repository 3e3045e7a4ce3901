"""One module per stage of ``rnainteract build``: a Config dataclass, ``run(context, config)`` and a
:class:`~rnainteract_builder.pipeline.context.StageSpec` naming its inputs and outputs."""
