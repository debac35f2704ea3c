"""Pretrained networks downloaded on first use: which exist, where they live, how they
are fetched, imported and verified (no Qt, no torch: the command line's ``models``
command and the editor's download dialog both use this).

- :mod:`.registry`: the models on offer (:class:`ModelSpec`: Hub repository,
  revision, files, licence, size), looked up by name;
- :mod:`.store`: the installed copies under :func:`matteditor.paths.models_dir`,
  each folder with a manifest of its files' SHA-256, verified before use;
- :mod:`.download`: fetching from the Hugging Face Hub (huggingface_hub: resumable,
  with progress and cancellation), verified, installed atomically.

Only safetensors weights are ever installed, so loading one executes no code.
"""

from .registry import MODELS, ModelFile, ModelSpec, model_spec
from .store import (InstalledModel, import_folder, installed, installed_model, missing_message,
                    remove, verified_dir)

__all__ = ["MODELS", "ModelFile", "ModelSpec", "model_spec", "InstalledModel", "import_folder",
           "installed", "installed_model", "missing_message", "remove", "verified_dir"]
