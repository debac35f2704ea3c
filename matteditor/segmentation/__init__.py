"""Segmentation for quick select and Select subject (no Qt).

- :mod:`.sam`: Segment Anything as a session (:class:`SamSession`: ``set_image`` once,
  then a box or clicks answered without it: under a second each on a 2-core CPU) and which SAM model is installed;
- :mod:`.subject`: the most salient object of a photo (Select subject);
- :mod:`.selector`: one entry point for quick select that uses SAM when its weights
  are installed and GrabCut otherwise, and says which it used.

The mask becomes a trimap in :mod:`matteditor.mask_trimap`.
"""

from .sam import SAM_MODELS, Prompt, SamSession, Segmentation, installed_sam, sam_missing_message

__all__ = ["SAM_MODELS", "Prompt", "SamSession", "Segmentation", "installed_sam",
           "sam_missing_message"]
