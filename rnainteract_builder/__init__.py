"""RNAInterAct builder: RNAInter v4 -> a versioned Hugging Face dataset of ncRNA-protein interactions."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rnainteract")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
