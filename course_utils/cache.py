"""The on-disk cache: content-keyed NPZ entries, atomic writes, validation on read, one lock.

Every cache of the course goes through this module: per-file features
(:func:`course_utils.features.extract_cached`), embeddings (``Embedder.embed_paths``,
``verification.embed_files``), generated MIR data sets (``mir.cached``), trained models
(:mod:`course_utils.checkpoint`). Nothing is pickled: entries are NPZ files read with
``allow_pickle=False``.

Rules, each in one place here:

* **Keys are content.** :func:`file_digest` hashes a file's bytes (SHA-256), so a file rewritten with
  other audio of the same size and an old timestamp gets a new key; :func:`source_digest` hashes the
  code that computes an entry, so editing it recomputes. :func:`key_of` turns any JSON-able parts into
  a short hex key.
* **Writes are atomic.** :func:`atomic_path` yields a unique temporary name in the target's folder and
  renames it over the target only when writing succeeded; a failed or killed writer never leaves a
  half-written entry under the real name (its temporary file is removed, or cleaned up later by
  :func:`clean_orphans`).
* **Reads are validated.** :func:`load_entry` returns ``None`` for a missing entry, and for an unreadable
  or invalid one (truncated, wrong arrays, NaN) warns, deletes it and returns ``None``, so the caller
  recomputes and replaces it instead of failing on every call.

Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
import shutil
import time
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from .paths import cache_dir

__all__ = [
    "CacheWarning",
    "key_of",
    "file_digest",
    "files_digest",
    "source_digest",
    "arrays_digest",
    "atomic_path",
    "atomic_write_text",
    "file_lock",
    "clean_orphans",
    "entry_path",
    "load_entry",
    "save_entry",
    "cached_arrays",
]

#: Temporary files older than this many seconds are orphans of a killed writer.
ORPHAN_AGE_SECONDS = 3600.0
_TMP_MARK = ".tmp-"


class CacheWarning(UserWarning):
    """A cache entry was unreadable or invalid and is being recomputed.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """


def key_of(*parts: object, length: int = 20) -> str:
    """A short hex key (SHA-256 of the JSON of ``parts``) for a cache entry.

    Parameters
    ----------
    *parts : object
        Anything JSON-serialisable (other objects are turned into ``str``); order matters.
    length : int
        Number of hex digits kept (20 = 80 bits).

    Returns
    -------
    str
        The key.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    blob = json.dumps(parts, default=str, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:length]


_DIGESTS: dict[tuple, str] = {}


def file_digest(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, or ``"missing:<path>"`` when it does not exist.

    The digest is memoised in this process by (path, size, modification and change times, inode), so
    a corpus is hashed once per session. Restoring an old modification time (``cp -p``, ``rsync -t``)
    does not fool it: the change time (``st_ctime``) moves on every write and cannot be set back.

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    str
        64 hex digits.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return f"missing:{p}"
    stamp = (str(p.resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    digest = _DIGESTS.get(stamp)
    if digest is None:
        h = hashlib.sha256()
        with open(p, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        digest = _DIGESTS[stamp] = h.hexdigest()
    return digest


def files_digest(paths: Iterable[str | os.PathLike]) -> list[str]:
    """:func:`file_digest` of each file, in order (what a cache key of a list of files is made of).

    Parameters
    ----------
    paths : iterable of str or os.PathLike
        The files.

    Returns
    -------
    list of str
        One digest per file.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    return [file_digest(p) for p in paths]


def source_digest(*objects: object) -> str:
    """SHA-256 of the source code of functions, classes or modules (and of the modules defining them).

    A function's result depends on the helpers it calls, so the whole module that defines each
    function is hashed too. Objects without source (builtins) contribute their ``repr``.

    Parameters
    ----------
    *objects : object
        Functions, classes or modules.

    Returns
    -------
    str
        64 hex digits.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    h = hashlib.sha256()
    for obj in objects:
        h.update(f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', repr(obj))}".encode())
        for part in (obj, inspect.getmodule(obj)):
            try:
                h.update(inspect.getsource(part).encode())
            except (OSError, TypeError):
                h.update(repr(part).encode())
    return h.hexdigest()


def arrays_digest(arrays: Mapping[str, np.ndarray] | Sequence[np.ndarray]) -> str:
    """SHA-256 of arrays held in memory (generated mixtures, training sets): names, dtypes, shapes and every byte.

    For results computed from signals that exist only in memory, where :func:`file_digest` has no
    file to hash. About 0.4 s for 280 MB on a laptop core.

    Parameters
    ----------
    arrays : mapping of str to np.ndarray, or sequence of np.ndarray
        What the cached result is computed from.

    Returns
    -------
    str
        64 hex digits.

    Notebook: 05_speech_enhancement § A small mask-estimation network
    """
    h = hashlib.sha256()
    items = sorted(arrays.items()) if isinstance(arrays, Mapping) else enumerate(arrays)
    for name, a in items:
        a = np.ascontiguousarray(a)
        h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.data)
    return h.hexdigest()


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """A temporary path with ``target``'s own name, in a private folder beside it, renamed over it on success.

    The temporary file has exactly ``target``'s name (``np.savez`` sees a ``.npz`` name, and
    ``torch.save``, which names the archive inside the file after the file, writes the same bytes as
    a direct save would, so checkpoints stay reproducible); it lives in a private, uniquely named
    folder beside ``target``, so concurrent writers never share it. If the block raises, the
    temporary file is removed and ``target`` is untouched: a failed save leaves the old file intact.

    Parameters
    ----------
    target : str or os.PathLike
        The file to (re)write.

    Yields
    ------
    pathlib.Path
        Where to write.

    Notebook: 03_speaker_verification § Saving and loading a verifier
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = target.parent / f".{target.name}{_TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    tmp = folder / target.name
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def atomic_write_text(target: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically (see :func:`atomic_path`).

    Parameters
    ----------
    target : str or os.PathLike
        The file to (re)write.
    text : str
        Its new content.

    Notebook: 03_speaker_verification § `SpeakerVerifier`: the whole pipeline in one object
    """
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


@contextlib.contextmanager
def file_lock(target: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive lock on ``<target>.lock`` (another notebook may be computing the same entry).

    On systems without ``fcntl`` (Windows) the block runs unlocked; atomic writes still keep every
    entry whole.

    Parameters
    ----------
    target : str or os.PathLike
        The file the lock protects.

    Notebook: 02_speaker_embeddings § Training the CPU-sized x-vector
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    lock = Path(target)
    lock = lock.with_name(lock.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def clean_orphans(folder: str | os.PathLike, *, older_than: float = ORPHAN_AGE_SECONDS) -> list[Path]:
    """Delete temporary files that a killed writer left in ``folder`` (older than ``older_than`` s).

    Parameters
    ----------
    folder : str or os.PathLike
        A cache folder.
    older_than : float
        Age in seconds above which a temporary file cannot belong to a running writer.

    Returns
    -------
    list of pathlib.Path
        The files removed.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    removed = []
    now = time.time()
    for p in Path(folder).glob(f"*{_TMP_MARK}*"):
        with contextlib.suppress(OSError):
            if now - p.stat().st_mtime > older_than:
                shutil.rmtree(p) if p.is_dir() else p.unlink()
                removed.append(p)
    return removed


_CLEANED: set[str] = set()


def entry_path(kind: str, label: str, key: str, suffix: str = ".npz") -> Path:
    """``cache_dir(kind) / f"{label}-{key}{suffix}"``; the folder's orphans are cleaned once per session.

    Parameters
    ----------
    kind : str
        Sub-folder of the cache (``"features"``, ``"embeddings"``, ``"models"``, ...).
    label : str
        Readable part of the name (what the entry holds).
    key : str
        Content key (:func:`key_of`).
    suffix : str
        File suffix.

    Returns
    -------
    pathlib.Path
        The entry's path (it may not exist yet).

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    folder = cache_dir(kind)
    if str(folder) not in _CLEANED:
        _CLEANED.add(str(folder))
        clean_orphans(folder)
    return folder / f"{label}-{key}{suffix}"


def _invalid(path: Path, why: str) -> None:
    warnings.warn(f"cache entry {path} is {why}; recomputing it", CacheWarning, stacklevel=3)
    with contextlib.suppress(OSError):
        path.unlink()


def load_entry(
    path: str | os.PathLike,
    *,
    required: Sequence[str] = (),
    finite: bool = True,
    validate: Callable[[Mapping[str, np.ndarray]], str | None] | None = None,
) -> dict[str, np.ndarray] | None:
    """The arrays of a cache entry, or ``None`` when it is missing or invalid (then it is deleted).

    Parameters
    ----------
    path : str or os.PathLike
        An NPZ entry written by :func:`save_entry`.
    required : sequence of str
        Array names the entry must hold.
    finite : bool
        Reject entries whose floating-point arrays hold NaN or inf.
    validate : callable, optional
        ``validate(arrays)`` returns ``None`` if the entry is usable, else a reason (shape, dtype...).

    Returns
    -------
    dict of str to np.ndarray or None
        The arrays; ``None`` means: compute the entry and :func:`save_entry` it. An invalid entry
        also raises a :class:`CacheWarning` that names the file and the reason.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        _invalid(path, f"unreadable ({type(exc).__name__}: {exc})")
        return None
    missing = [k for k in required if k not in arrays]
    if missing:
        _invalid(path, f"missing arrays {missing}")
        return None
    if finite:
        bad = [k for k, v in arrays.items() if v.dtype.kind in "fc" and not np.all(np.isfinite(v))]
        if bad:
            _invalid(path, f"holding NaN or inf in {bad}")
            return None
    reason = validate(arrays) if validate is not None else None
    if reason:
        _invalid(path, reason)
        return None
    return arrays


def save_entry(path: str | os.PathLike, **arrays: np.ndarray) -> Path:
    """Write arrays to an NPZ entry atomically (see :func:`atomic_path`).

    Parameters
    ----------
    path : str or os.PathLike
        The entry (usually from :func:`entry_path`).
    **arrays : np.ndarray
        What to keep; object arrays are refused (they would need pickle).

    Returns
    -------
    pathlib.Path
        ``path``.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    out = {k: np.asarray(v) for k, v in arrays.items()}
    objects = [k for k, v in out.items() if v.dtype == object]
    if objects:
        raise TypeError(f"save_entry({path}): arrays {objects} hold Python objects; the cache stores numbers and strings only")
    with atomic_path(path) as tmp:
        np.savez(tmp, **out)
    return Path(path)


def cached_arrays(
    path: str | os.PathLike,
    compute: Callable[[], Mapping[str, np.ndarray]],
    *,
    required: Sequence[str] = (),
    finite: bool = True,
    validate: Callable[[Mapping[str, np.ndarray]], str | None] | None = None,
) -> dict[str, np.ndarray]:
    """The entry at ``path`` if it is valid, else ``compute()`` saved there (the usual cache pattern).

    Parameters
    ----------
    path : str or os.PathLike
        The entry (from :func:`entry_path`).
    compute : callable
        Returns a dict of arrays.
    required, finite, validate
        As in :func:`load_entry`.

    Returns
    -------
    dict of str to np.ndarray
        The arrays.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    got = load_entry(path, required=required, finite=finite, validate=validate)
    if got is not None:
        return got
    out = {k: np.asarray(v) for k, v in compute().items()}
    save_entry(path, **out)
    return out
