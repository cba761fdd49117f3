"""Results and trained artefacts kept under ``data/``, keyed by every setting that changes them.

A stored result is found again only when *all* of these match:

- the namespace (what kind of experiment: ``"classification/train"``, ...);
- the settings the caller passes (model sizes, epochs, seed, data source, ...), where
  NaN, infinities and ``None`` are all different values;
- the library version and a hash of the source code of the modules that compute it.

The grid's country is *not* part of the key: results hold energy, and CO2 is derived
from the grid in force when a record is read (:mod:`mlfootprint.measure`). Changing the
country re-runs nothing.

Two ways to keep things, one set of rules:

- :func:`cached` / :meth:`ResultStore.get_or_compute` for JSON results;
- :func:`keep` / :meth:`ResultStore.keep` for a trained artefact (weights, a model folder)
  with its JSON record: load, else compute and save atomically, else -- when the files are
  damaged (garbage, half written, empty, another model's) -- move them aside and compute
  again. The record lists every file of the artefact with its size and SHA-256, so any
  change to them is detected before they are loaded.

Reading never trusts a file: a result that does not parse, was written for other
settings, or does not decode (missing fields, wrong types) is moved aside as
``*.corrupt-<time>``, named in a :class:`CorruptResultWarning`, and computed again.
That judgement rests on the file alone: the environment variables are checked
(:func:`mlfootprint.environment.check`) before any file is read, and a wrong setting
(or a missing module, or no memory) met while decoding is raised as it is, with every
file left where it was. Settings are checked before any work. A result that cannot be
saved (read-only folder, a full disk, ``MLFOOTPRINT_DATA`` pointing at a file, a ``save``
that fails in any way) is returned with a :class:`NotSavedNotice`.
Temporary names are unique per process and call, so two processes computing the same
key at once both finish, and the stored files stay valid.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable

from . import __version__, storekeys
from .environment import SettingError, declare, plain_text
from .environment import read as read_setting
from .environment import check as check_environment
from .manifest import RECORD_FILE, check_manifest, manifest
from .notices import NotSavedNotice, RecomputeNotice, notice
from .paths import DataDirError, atomic_write_bytes, chosen_data_dir, data_dir, data_dir_origin
from .storekeys import key_value, module_source_hash, to_jsonable


class CorruptResultWarning(RecomputeNotice):
    """A stored result or artefact could not be used and will be recomputed."""


# Errors a decoder raises on a well-formed file with the wrong contents.
DECODE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)
# Errors that say nothing about the file being read: raised as they are, nothing moved.
NOT_THE_FILE = (SettingError, ImportError, MemoryError)


def code_version(*modules: ModuleType | str) -> str:
    """A short hash of the source of ``modules`` (modules or their names, e.g. ``__name__``;
    imported if they are not yet) plus the measuring and storing code."""
    return module_source_hash([*modules, f"{__package__}.measure", __name__, storekeys.__name__])


def _unique_tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")


# Set by the book build (book/_ext/fresh_pages.py): a file where every result a page uses is
# listed, for the page that adds up what building the book cost.
USES_ENV = "BOOK_BUILD_READS"
declare(USES_ENV, "the path of a file (the book build sets it)", plain_text)


def _list_use(path: Path) -> None:
    log = read_setting(USES_ENV)
    if log:
        try:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"{path}\n")
        except OSError:
            pass  # the list serves one page of the book; a result never fails for it


class ResultStore:
    """JSON results and artefacts under ``root`` (default ``data/results``)."""

    def __init__(self, root: Path | str | None = None):
        self._root = Path(root) if root is not None else None

    @property
    def root(self) -> Path:
        if self._root is not None:
            return self._root
        try:
            return data_dir(create=False) / "results"
        except SettingError:
            raise
        except DataDirError:
            # unusable (a file): nothing can be read there, and saving warns with the
            # reason, after the work, which is returned all the same
            return chosen_data_dir() / "results"

    # -- keys -------------------------------------------------------------------------
    def key_material(self, namespace: str, settings: dict, code: Iterable[ModuleType | str] = ()) -> dict:
        if not isinstance(namespace, str) or not namespace or ".." in namespace \
                or namespace.startswith("/"):
            raise ValueError(f"namespace must be a relative name such as 'classification/train', "
                             f"got {namespace!r}")
        if not isinstance(settings, dict):
            raise TypeError(f"settings must be a dict, got {type(settings).__name__}: {settings!r:.60}")
        if isinstance(code, (str, ModuleType)):
            raise TypeError(f"code must be a list of modules or module names, such as (__name__,), "
                            f"got {code!r:.60}")
        try:
            key_settings = key_value(settings)
        except TypeError as exc:
            raise TypeError(f"settings: {exc}") from None
        return {
            "namespace": namespace,
            "settings": key_settings,
            "library_version": __version__,
            "code": code_version(*code),
        }

    @staticmethod
    def _key_of(material: dict) -> str:
        blob = json.dumps(material, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    def key(self, namespace: str, settings: dict, code: Iterable[ModuleType | str] = ()) -> str:
        return self._key_of(self.key_material(namespace, settings, code))

    def _locate(self, namespace: str, settings: dict, code) -> tuple[dict, Path]:
        """The key material and the file of a result (the code hashed once, not per use),
        after the environment variables were checked: nothing is read before that."""
        material = self.key_material(namespace, settings, code)
        check_environment()
        path = self.path(namespace, self._key_of(material))
        _list_use(path)
        return material, path

    def _saving_place(self, namespace: str, settings: dict, code) -> tuple[dict, Path] | None:
        """Where to save, after the work: a wrong setting is a notice then, never an error."""
        material = self.key_material(namespace, settings, code)
        try:
            return material, self.path(namespace, self._key_of(material))
        except SettingError as exc:
            notice(f"the result could not be saved ({exc}); it is returned but will be computed "
                   f"again next time", NotSavedNotice, stacklevel=4)
            return None

    def path(self, namespace: str, key: str, suffix: str = ".json") -> Path:
        return self.root / namespace / f"{key}{suffix}"

    # -- reading and writing ---------------------------------------------------------------
    @staticmethod
    def _quarantine(path: Path, why: str) -> None:
        aside = path.with_name(path.name + f".corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:4]}")
        try:
            path.replace(aside)
            where = f"moved aside to {aside.name}"
        except OSError:
            where = "left in place"
        notice(f"stored result {path} is unusable ({why}); it was {where} and will be recomputed",
               CorruptResultWarning, stacklevel=3)

    def load(self, namespace: str, settings: dict, code: Iterable[ModuleType | str] = (), *,
             decode: Callable[[Any], Any] | None = None) -> Any | None:
        """The stored result for these settings (decoded), or ``None`` if there is none
        or it was unusable (then it is moved aside, with a warning)."""
        return self._load_at(*self._locate(namespace, settings, code), decode)[0]

    def _read(self, material: dict, path: Path) -> dict | None:
        """The stored payload, or None (missing; or unusable, then quarantined)."""
        try:
            if not path.exists():
                return None
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, DataDirError) as exc:
            if isinstance(exc, (FileNotFoundError, DataDirError)):
                return None
            if isinstance(exc, PermissionError):   # the reader's rights, not the file's contents
                notice(f"stored result {path} cannot be read ({exc}); it was left in place and the "
                       f"result will be computed again", RecomputeNotice, stacklevel=4)
                return None
            self._quarantine(path, f"not valid JSON: {exc}")
            return None
        if not isinstance(stored, dict) or "result" not in stored or "key_material" not in stored:
            self._quarantine(path, "missing 'result' or 'key_material'")
            return None
        if stored["key_material"] != material:
            self._quarantine(path, "written for other settings than its name says")
            return None
        return stored

    def _load_at(self, material: dict, path: Path, decode) -> tuple[Any | None, dict | None]:
        stored = self._read(material, path)
        if stored is None:
            return None, None
        try:
            value = decode(stored["result"]) if decode else stored["result"]
        except NOT_THE_FILE:
            raise
        except DECODE_ERRORS as exc:
            self._quarantine(path, f"its contents do not decode: {type(exc).__name__}: {exc}")
            return None, None
        return value, stored

    def save(self, namespace: str, settings: dict, result: Any,
             code: Iterable[ModuleType | str] = ()) -> Path | None:
        """Keep ``result`` (after the work: any failure is a :class:`NotSavedNotice`)."""
        place = self._saving_place(namespace, settings, code)
        return None if place is None else self._save_at(*place, result)

    def _save_at(self, material: dict, path: Path, result: Any, extra: dict | None = None) -> Path | None:
        """Write atomically; on failure warn and return None (the caller keeps its result)."""
        payload = {"key_material": material, "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                   "result": to_jsonable(result), **(extra or {})}
        try:
            atomic_write_bytes(path, json.dumps(payload, indent=1, sort_keys=True).encode("utf-8"))
        except (OSError, DataDirError, SettingError) as exc:
            notice(f"the result could not be saved to {path} ({type(exc).__name__}: {exc}; the data "
                   f"folder comes from {data_dir_origin()}); it is returned but will be computed "
                   f"again next time", NotSavedNotice, stacklevel=3)
            return None
        return path

    def get_or_compute(self, namespace: str, settings: dict, compute: Callable[[], Any], *,
                       code: Iterable[ModuleType | str] = (), decode: Callable[[Any], Any] | None = None,
                       refresh: bool = False) -> Any:
        """Return the stored result for ``settings`` or compute, store and return it.

        The value returned is always the JSON round trip passed through ``decode``, so a
        freshly computed result and a stored one look exactly the same to the caller.
        """
        if not callable(compute):
            raise TypeError(f"compute must be a function to call, got {type(compute).__name__}")
        material, path = self._locate(namespace, settings, code)   # checks settings first
        if not refresh:
            value, stored = self._load_at(material, path, decode)
            if stored is not None:
                return value
        fresh = to_jsonable(compute())
        self._save_at(material, path, fresh)
        return decode(fresh) if decode else fresh

    # -- artefacts -------------------------------------------------------------------------
    def artefact_folder(self, namespace: str, settings: dict,
                        code: Iterable[ModuleType | str] = ()) -> Path:
        """Where :meth:`keep` keeps the artefact for these settings."""
        return self._locate(namespace, settings, code)[1].with_suffix("")

    def keep(self, namespace: str, settings: dict, *, make: Callable[[], tuple[Any, Any]],
             save: Callable[[Any, Path], None], load: Callable[[Path, Any], Any],
             code: Iterable[ModuleType | str] = (), decode: Callable[[Any], Any] | None = None,
             refresh: bool = False) -> tuple[Any, Any]:
        """A trained artefact and its record: loaded when stored and intact, else made.

        ``make()`` returns ``(artefact, record)`` and writes no files; ``save(artefact,
        folder)`` writes the artefact's files into an empty ``folder``; ``load(folder,
        record)`` reads them back (and may raise: the artefact is then rebuilt). The folder
        ``<namespace>/<key>/`` holds the files and ``record.json`` (the record, passed
        through ``decode`` when read, and the size and SHA-256 of every file, verified
        before ``load`` is called). It appears in one atomic rename, complete or not at all.
        """
        material, path = self._locate(namespace, settings, code)
        folder = path.with_suffix("")
        if not refresh:
            loaded = self._load_artefact(material, folder, load, decode)
            if loaded is not None:
                return loaded
        artefact, record = make()
        fresh = to_jsonable(record)
        self._save_artefact(material, folder, artefact, save, fresh)
        return artefact, (decode(fresh) if decode else fresh)

    def _load_artefact(self, material, folder: Path, load, decode) -> tuple[Any, Any] | None:
        record_file = folder / RECORD_FILE
        if not folder.exists():
            return None
        if not record_file.is_file():
            self._quarantine(folder, f"it has no {RECORD_FILE}")
            return None
        record, stored = self._load_at(material, record_file, decode)
        if stored is None:
            self._quarantine(folder, "its record is unusable")
            return None
        try:
            check_manifest(folder, stored.get("files"))
            return load(folder, record), record
        except NOT_THE_FILE:
            raise
        except Exception as exc:  # noqa: BLE001 -- any other failure to load means rebuild
            self._quarantine(folder, f"{type(exc).__name__}: {exc}")
            return None

    def _intact(self, material, folder: Path) -> bool:
        try:
            stored = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
            check_manifest(folder, stored.get("files"))
            return stored.get("key_material") == material
        except (OSError, ValueError, AttributeError):
            return False

    def _save_artefact(self, material, folder: Path, artefact, save, record) -> None:
        tmp = _unique_tmp(folder)
        try:
            tmp.mkdir(parents=True)
            save(artefact, tmp)
            files = manifest(tmp)
            if not files:
                raise OSError(f"save() wrote no files into {tmp}")
            payload = {"key_material": material, "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                       "result": record, "files": files}
            (tmp / RECORD_FILE).write_text(json.dumps(payload, indent=1, sort_keys=True), encoding="utf-8")
            for attempt in range(2):
                try:
                    os.replace(tmp, folder)
                    return
                except OSError:
                    if not folder.exists():
                        raise
                    if self._intact(material, folder):
                        return          # another process stored the same artefact first
                    if attempt == 0:    # an old or damaged copy: move it aside, try once more
                        self._quarantine(folder, "it is incomplete or damaged")
            raise OSError(f"{folder} could not be replaced")
        except Exception as exc:  # noqa: BLE001 -- a full disk makes torch raise RuntimeError
            notice(f"the trained artefact could not be saved to {folder} ({type(exc).__name__}: {exc}; "
                   f"the data folder comes from {data_dir_origin()}); it was not kept: it is returned "
                   f"but will be made again next time", NotSavedNotice, stacklevel=4)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


_DEFAULT: ResultStore | None = None


def default_store() -> ResultStore:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ResultStore()
    return _DEFAULT


def cached(namespace: str, settings: dict, compute: Callable[[], Any], *,
           code: Iterable[ModuleType | str] = (), decode: Callable[[Any], Any] | None = None,
           refresh: bool = False) -> Any:
    """:meth:`ResultStore.get_or_compute` on the default store under ``data/results``."""
    return default_store().get_or_compute(namespace, settings, compute, code=code,
                                          decode=decode, refresh=refresh)


def keep(namespace: str, settings: dict, *, make: Callable[[], tuple[Any, Any]],
         save: Callable[[Any, Path], None], load: Callable[[Path, Any], Any],
         code: Iterable[ModuleType | str] = (), decode: Callable[[Any], Any] | None = None,
         refresh: bool = False) -> tuple[Any, Any]:
    """:meth:`ResultStore.keep` on the default store under ``data/results``."""
    return default_store().keep(namespace, settings, make=make, save=save, load=load, code=code,
                                decode=decode, refresh=refresh)


# ----------------------------------------------------------------------------------------
# Helpers for the usual artefact: the weights of one torch module
# ----------------------------------------------------------------------------------------
WEIGHTS_FILE = "weights.pt"


def save_module(module, folder: Path) -> None:
    """``save`` for :func:`keep`: a torch module's state dict as ``weights.pt``."""
    import torch

    torch.save({k: v.detach().cpu() for k, v in module.state_dict().items()}, Path(folder) / WEIGHTS_FILE)


def load_module(build: Callable[[], Any]) -> Callable[[Path, Any], Any]:
    """``load`` for :func:`keep`: ``build()`` an untrained module and load ``weights.pt``
    into it strictly (a file of another model fails on its shapes or names)."""
    def load(folder: Path, record: Any):
        import torch

        module = build()
        state = torch.load(Path(folder) / WEIGHTS_FILE, map_location="cpu", weights_only=True)
        module.load_state_dict(state, strict=True)
        return module.eval()

    return load
