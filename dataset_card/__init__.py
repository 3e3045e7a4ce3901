"""Dataset card of RNAInterAct: a template plus the code that renders README.md for a published folder."""
