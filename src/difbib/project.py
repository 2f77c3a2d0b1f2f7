"""A project: the one folder that holds a reading list and everything made from it.

A project folder holds ``papers.md``, ``library.bib``, ``arxiv-cache.json``, the
project's CSL ``styles/``, its ``protected-terms.txt`` and the Zotero state. It may
also hold a ``difbib.toml`` that names those files and a few settings::

    # difbib.toml
    list = "reading/papers.md"          # paths are relative to this file's folder
    library = "library.bib"
    cache = "arxiv-cache.json"
    styles = "styles"
    protected-terms = "protected-terms.txt"
    venues = "difbib-venues.toml"       # the project's own venue names (TOML)
    default-style = "ieee"              # --style when none is given

    [zotero]
    collection = "Diffusion survey"     # --collection when none is given

**Found from any folder.** :func:`find_config` walks up from the current folder
to the file system's root, as git does for ``.git``, so ``cd paper/ && difbib
export --aux main.aux`` uses the project above. Without a ``difbib.toml`` the
project folder is the folder of the library named by ``--library`` (or
``DIFBIB_LIBRARY``), else of the list named by ``--list``, else the current folder:
``difbib check --library ../p/library.bib`` reads ``../p/arxiv-cache.json``, not
``./arxiv-cache.json``.

**Options win.** A file named by an option or an environment variable is used as
given; the project only fills in what was not named. :attr:`Project.origins` says
where each file came from, so errors can name the files they read.

This module sits on top of the stages (beside ``cli.py``): it may import any of
them, and nothing but the CLI imports it.
"""

from __future__ import annotations

import builtins
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from difbib.errors import DifbibError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAME = "difbib.toml"

#: The files of a project: ``difbib.toml`` key → the name used when none is given.
FILES = {
    "list": "papers.md",
    "library": "library.bib",
    "cache": "arxiv-cache.json",
    "styles": "styles",
    "protected-terms": "protected-terms.txt",
}
#: Settings that are not files: key → Python type.
SETTINGS = {"default-style": str, "venues": str}
ZOTERO_SETTINGS = {"collection": str}


class ProjectError(DifbibError):
    """``difbib.toml`` cannot be read or holds something difbib does not know."""


@dataclass
class Project:
    """The files and settings of one project, as resolved for one command.

    ``files`` maps each key of :data:`FILES` to a path; ``origins`` says for each
    where it came from (``"--library"``, ``"DIFBIB_LIBRARY"``, ``"difbib.toml"`` or
    ``"default"``).
    """

    root: Path
    config: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    default_style: str | None = None
    venues: Path | None = None
    zotero_collection: str | None = None

    @property
    def list(self) -> Path:
        return self.files["list"]

    @property
    def library(self) -> Path:
        return self.files["library"]

    @property
    def cache(self) -> Path:
        return self.files["cache"]

    @property
    def styles(self) -> Path:
        return self.files["styles"]

    @property
    def terms_path(self) -> Path:
        return self.files["protected-terms"]

    def protected_terms(self) -> builtins.list[str]:  # (``list`` is a property here)
        """The project's protected terms (none when the file does not exist)."""
        from difbib.library.latex import load_terms

        return load_terms(self.terms_path)


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``difbib.toml`` in ``start`` (default: the cwd) or a folder above it."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def read_config(path: Path) -> dict[str, Any]:
    """The settings of a ``difbib.toml``; unknown keys and wrong types are errors."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ProjectError(f"cannot read {str(path)!r}: {err.strerror}") from None
    except UnicodeDecodeError:
        raise ProjectError(f"{str(path)!r} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise ProjectError(f"{str(path)!r} is not valid TOML: {err}") from None
    known = {**{k: str for k in FILES}, **SETTINGS}
    for key, value in data.items():
        if key == "zotero" and isinstance(value, dict):
            for sub, subvalue in value.items():
                if sub not in ZOTERO_SETTINGS or not isinstance(subvalue, str):
                    raise ProjectError(
                        f"{str(path)!r}: unknown or mistyped setting 'zotero.{sub}' "
                        f"(known: {', '.join('zotero.' + k for k in ZOTERO_SETTINGS)})"
                    )
            continue
        if key not in known:
            raise ProjectError(
                f"{str(path)!r}: unknown setting {key!r} "
                f"(known: {', '.join([*known, 'zotero.collection'])})"
            )
        if not isinstance(value, known[key]):
            raise ProjectError(f"{str(path)!r}: {key!r} must be a string")
    return data


def load_project(
    given: dict[str, tuple[Path, str]] | None = None, *, cwd: Path | None = None
) -> Project:
    """Resolve a project's files: those ``given`` (key → (path, origin)) win.

    The project folder is that of the nearest ``difbib.toml`` (see :func:`find_config`);
    without one, the folder of the given library, else of the given list, else ``cwd``.
    """
    given = dict(given or {})
    cwd = cwd or Path.cwd()
    config = find_config(cwd)
    data = read_config(config) if config else {}
    if config is not None:
        root = config.parent
    elif "library" in given:
        root = given["library"][0].parent
    elif "list" in given:
        root = given["list"][0].parent
    else:
        root = Path(".") if cwd == Path.cwd() else cwd
    project = Project(root=root, config=config)
    for key, default in FILES.items():
        if key in given:
            project.files[key], project.origins[key] = given[key]
        elif key in data:
            project.files[key] = _under(root, data[key])
            project.origins[key] = CONFIG_NAME
        else:
            project.files[key] = _under(root, default)
            project.origins[key] = "default"
    project.default_style = data.get("default-style")
    if "venues" in data:
        project.venues = _under(root, data["venues"])
    project.zotero_collection = data.get("zotero", {}).get("collection")
    return project


def _under(root: Path, name: str) -> Path:
    path = Path(name).expanduser()
    return path if path.is_absolute() or str(root) == "." else root / path
