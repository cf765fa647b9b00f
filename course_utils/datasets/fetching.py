"""Download a dataset from its public source into ``data/<name>/``, verified before it is installed.

Two kinds of source (``data/registry.json``):

* an archive with a published checksum (RAVDESS: Zenodo's zip and its MD5), extracted after pooch
  has verified it;
* files in a public GitHub repository at a pinned commit (FSDD, ESC-10, the Speech Commands and
  LibriSpeech samples), fetched one by one from the repository's raw URLs and each checked against
  the SHA-256 in ``course_utils/datasets/manifests/<name>.txt``.

Files are staged in ``data/downloads/<name>/`` (an interrupted download resumes there: files already
verified are not fetched again) and moved into ``data/<name>/`` only when every one has passed. A file
that fails verification is deleted, and the error names it.

Introduced in ``notebooks/01_speaker_recognition.ipynb``.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

import pooch

from ..progress import progress_bar
from .checks import validated
from .core import DatasetError, data_root, manifest, registry

__all__ = ["download", "source_url"]


def source_url(info: dict, rel: str) -> str:
    """The raw URL of file ``rel`` (a manifest path) of a dataset downloaded file by file.

    Parameters
    ----------
    info : dict
        The dataset's registry entry: ``base_url`` (ending in ``/``) and optionally ``rename``,
        a ``[local prefix, remote prefix]`` pair for a folder the source names differently.
    rel : str
        The file's path relative to the dataset folder.

    Returns
    -------
    str
        ``base_url`` + the (renamed) path, URL-quoted (``"001 - Dog bark"`` -> ``"001%20-%20Dog%20bark"``).

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    local, remote = info.get("rename") or ("", "")
    if local and rel.startswith(local):
        rel = remote + rel[len(local):]
    return info["base_url"] + quote(rel)


def _fetch_files(name: str, info: dict, staging: Path) -> None:
    """Fetch every file of the manifest into ``staging``, each verified by pooch against its SHA-256."""
    files = manifest(name)
    for rel, digest in progress_bar(sorted(files.items()), desc=f"downloading {name} ({len(files)} files)"):
        target = staging / rel
        try:
            pooch.retrieve(source_url(info, rel), known_hash=f"sha256:{digest}", fname=target.name,
                           path=target.parent, progressbar=False)
        except ValueError as exc:  # pooch: hash mismatch (it has already deleted the download)
            target.unlink(missing_ok=True)
            raise DatasetError(f"{name}: {rel} failed verification and was deleted ({exc}); "
                               f"try again later") from None
        except Exception as exc:
            raise DatasetError(f"{name}: download of {rel} from {source_url(info, rel)} failed "
                               f"({type(exc).__name__}: {exc})") from None


def _fetch_archive(name: str, info: dict, downloads: Path) -> list[str]:
    """Fetch and extract the archive, verified by pooch against the published checksum."""
    try:
        return pooch.retrieve(
            info["url"],
            known_hash=info.get("known_hash"),
            fname=info["archive"],
            path=downloads,
            progressbar=True,
            processor=pooch.Unzip(extract_dir=f"{name}_extracted"),
        )
    except ValueError as exc:  # pooch: hash mismatch; the file is not kept
        (downloads / info["archive"]).unlink(missing_ok=True)
        raise DatasetError(f"{name}: the download {info['archive']} failed verification and was deleted "
                           f"({exc}); try again later") from None
    except Exception as exc:
        raise DatasetError(f"{name}: download from {info['url']} failed ({type(exc).__name__}: {exc})") from None


def _install(staging: Path, target: Path) -> None:
    """Move the verified files of ``staging`` into ``target`` (merging folders)."""
    for src in sorted(staging.rglob("*")):
        if src.is_file():
            dest = target / src.relative_to(staging)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(src), str(dest))
    shutil.rmtree(staging, ignore_errors=True)


def download(name: str) -> Path:
    """Download ``name`` from its public source into ``data/<name>/``, verify it, and validate the folder.

    RAVDESS comes as Zenodo's zip, verified with the MD5 Zenodo publishes (its files cannot be
    checked one by one: the course has no copy of the originals to take their SHA-256 from). The
    other corpora come file by file from a public repository at a pinned commit, each file checked
    against the SHA-256 of the shipped manifest.

    Parameters
    ----------
    name : str
        A key of :func:`course_utils.datasets.registry` other than ``"librosa"``.

    Returns
    -------
    Path
        The validated folder ``data/<name>/``.

    Raises
    ------
    DatasetError
        The download failed, a file failed verification (it is deleted and named), or the folder is
        incomplete.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    info = registry()[name]
    target = data_root() / name
    downloads = data_root() / "downloads"
    if "manifest" in info:
        staging = downloads / name
        _fetch_files(name, info, staging)
        _install(staging, target)
        return validated(name, target)
    files = _fetch_archive(name, info, downloads)
    extracted = downloads / f"{name}_extracted"
    actor_dirs = sorted({Path(f).parent for f in files if Path(f).parent.name.startswith("Actor_")})
    if not actor_dirs:
        raise DatasetError(f"{name}: the archive has no Actor_XX folders ({extracted})")
    target.mkdir(parents=True, exist_ok=True)
    for d in actor_dirs:
        shutil.move(str(d), str(target / d.name))
    shutil.rmtree(extracted, ignore_errors=True)
    return validated(name, target)
