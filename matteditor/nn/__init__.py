"""The Deep Image Matting network: architecture, losses, weights files.

Pure torch and numpy; nothing here knows about the editor or the engines.
"""

from .config import NetConfig
from .model import DIMNet

__all__ = ["NetConfig", "DIMNet"]
