"""Helpers of ``scripts/rehearse_paper_scale.py``: the synthetic world, its RNAInter file, its services."""
