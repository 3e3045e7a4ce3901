"""Annotation of RNAs with Rfam families and proteins with Pfam clans (DESIGN §3 step 4).

* :mod:`.clusters`  - MMseqs2 / CD-HIT sequence clustering (pseudo-families, CV folds, leakage audit);
* :mod:`.rfam`      - Infernal ``cmscan`` against Rfam.cm, best hit per RNA;
* :mod:`.pfam`      - pyhmmer ``hmmscan`` against Pfam-A.hmm, clan of the best hit that has one;
* :mod:`.databases` - download and press the Rfam / Pfam databases;
* :mod:`.annotate`  - apply all of that to a pairs folder.

Sub-modules are imported on use so that clustering does not pull in pyhmmer.
"""
