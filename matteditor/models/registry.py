"""The pretrained models matteditor can download, and what each needs.

Each entry names a Hugging Face Hub repository, the revision to take, the files to
install, and what a user should know before downloading: licence, size, published
accuracy.  Figures labelled *published* come from the authors' paper, not from
measurements here (these machines never see the real weights).

Revisions and hashes.  A spec's ``revision`` is a commit hash where it is known, or a
branch; a branch is resolved once, when the download starts, to the commit the Hub
names (its ``X-Repo-Commit`` header), and every file is then taken from that one commit,
so the files always belong together.  A file's ``sha256`` is checked when given; when
None, the hash the Hub publishes for that commit (the LFS object id for large files, the
git blob id for small ones) is checked instead.  Either way the installed folder's
manifest records the commit and each file's SHA-256, and every later use verifies them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ModelError


@dataclass(frozen=True)
class ModelFile:
    """One file of a model's repository.

    path: the file's path in the repository (and in the installed folder).
    sha256: its pinned SHA-256 (lower-case hex), or None to check the Hub's own hash.
    required: False for a file the loader can do without (e.g. a processor
        config whose values are the class defaults).
    """

    path: str
    sha256: str | None = None
    required: bool = True


@dataclass(frozen=True)
class ModelSpec:
    """A downloadable model.

    name: the registry key (``matteditor models fetch NAME``), also the folder name.
    architecture: the ``model_type`` its ``config.json`` must declare (an imported
        folder of another architecture is refused).
    weights: the safetensors file among ``files`` (never a pickle).
    download_mb / parameters_m: what the user is told before downloading.
    published: accuracy as published by the authors (not measured here).
    """

    name: str
    label: str
    repo_id: str
    revision: str
    files: tuple[ModelFile, ...]
    architecture: str
    licence: str
    download_mb: int
    parameters_m: float
    description: str
    published: str
    weights: str = "model.safetensors"

    @property
    def url(self) -> str:
        return f"https://huggingface.co/{self.repo_id}"

    @property
    def summary(self) -> str:
        """One line for menus and listings: size and licence."""
        return f"{self.download_mb} MB download, {self.licence}"


_VITMATTE_FILES = (ModelFile("config.json"), ModelFile("model.safetensors"),
                   ModelFile("preprocessor_config.json", required=False))

_SAM_FILES = (ModelFile("config.json"), ModelFile("model.safetensors"),
              ModelFile("preprocessor_config.json", required=False))

#: Every model on offer, by name.
MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (
    ModelSpec(
        name="vitmatte",
        label="ViTMatte-S",
        repo_id="hustvl/vitmatte-small-composition-1k",
        revision="main",
        files=_VITMATTE_FILES,
        architecture="vitmatte",
        licence="Apache-2.0",
        download_mb=103,
        parameters_m=25.8,
        description="ViTMatte (Yao et al. 2023), small ViT backbone, trained on "
                    "Composition-1k by its authors",
        published="Composition-1k SAD 21.46, MSE 3.3e-3 (published by the authors)",
    ),
    ModelSpec(
        name="vitmatte-base",
        label="ViTMatte-B",
        repo_id="hustvl/vitmatte-base-composition-1k",
        revision="main",
        files=_VITMATTE_FILES,
        architecture="vitmatte",
        licence="Apache-2.0",
        download_mb=387,
        parameters_m=96.7,
        description="ViTMatte (Yao et al. 2023), base ViT backbone, trained on "
                    "Composition-1k by its authors",
        published="Composition-1k SAD 20.33, MSE 3.0e-3 (published by the authors)",
    ),
    # Segment Anything for quick select and Select subject (matteditor.segmentation)
    ModelSpec(
        name="sam",
        label="SAM ViT-B",
        repo_id="facebook/sam-vit-base",
        revision="main",
        files=_SAM_FILES,
        architecture="sam",
        licence="Apache-2.0",
        download_mb=375,
        parameters_m=93.7,
        description="Segment Anything (Kirillov et al. 2023), ViT-B image encoder, trained "
                    "on SA-1B by its authors; quick select from a box or clicks",
        published="accuracy: see the paper (arXiv 2304.02643); not measured here",
    ),
    # SlimSAM's checkpoint converted for transformers; Apache-2.0 on its model card.  On
    # "main" as the others: no commit of it could be verified from here, and a branch is
    # resolved to one commit when the download starts (see the module docstring).
    ModelSpec(
        name="slimsam",
        label="SlimSAM-77",
        repo_id="Zigeng/SlimSAM-uniform-77",
        revision="main",
        files=_SAM_FILES,
        architecture="sam",
        licence="Apache-2.0",
        download_mb=39,
        parameters_m=9.7,
        description="SlimSAM (Chen et al. 2023): SAM ViT-B pruned by 77 %, for quick "
                    "select on a CPU",
        published="accuracy: see the paper (arXiv 2312.05284); not measured here",
    ),
)}


def model_spec(name: str) -> ModelSpec:
    """The spec of model ``name``; ModelError listing the known ones otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; known models: "
                         f"{', '.join(sorted(MODELS))}") from None
