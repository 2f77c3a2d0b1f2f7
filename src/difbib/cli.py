"""The ``difbib`` command line: click commands that parse options and call the core.

Data goes to stdout (so ``difbib export > refs.bib`` works); progress, warnings and
errors go to stderr. Exit codes: 0 success, 1 an error (one line on stderr),
2 a usage error, 3 ``sync`` finished but some papers could not be resolved.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import DifbibError

EXIT_UNRESOLVED = 3


class DifbibGroup(click.Group):
    """Turns :class:`DifbibError` into one ``error:`` line and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DifbibError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(err.exit_code)
        except BrokenPipeError:
            # The reader of stdout went away (e.g. `difbib export | head`).
            sys.stderr.close()
            ctx.exit(1)


def say(message: str) -> None:
    """A message for the user, on stderr."""
    click.echo(message, err=True)


def list_option(f: Callable) -> Callable:
    return click.option(
        "--list",
        "list_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default="papers.md",
        show_default=True,
        envvar="DIFBIB_LIST",
        help="The curated reading list (Markdown). Env: DIFBIB_LIST.",
    )(f)


def library_option(f: Callable) -> Callable:
    return click.option(
        "--library",
        "library_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default="library.bib",
        show_default=True,
        envvar="DIFBIB_LIBRARY",
        help="The BibTeX library. Env: DIFBIB_LIBRARY.",
    )(f)


def cache_option(f: Callable) -> Callable:
    return click.option(
        "--cache",
        "cache_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default="arxiv-cache.json",
        show_default=True,
        envvar="DIFBIB_CACHE",
        help="The cache of arXiv metadata. Env: DIFBIB_CACHE.",
    )(f)


def selection_options(f: Callable) -> Callable:
    """The selectors shared by export, list, format and zotero push."""
    options = [
        click.option(
            "--category",
            "-c",
            "categories",
            multiple=True,
            metavar="NAME",
            help="Papers in this category (slug, alias or heading; repeat for any of several).",
        ),
        click.option(
            "--min-rating",
            type=click.IntRange(1, 5),
            metavar="N",
            help="Papers rated N stars or more.",
        ),
        click.option("--year", type=int, metavar="YEAR", help="Papers first posted in YEAR."),
        click.option(
            "--since", type=int, metavar="YEAR", help="Papers first posted in YEAR or later."
        ),
        click.option(
            "--search",
            metavar="TEXT",
            help="Papers whose title, abstract or authors hold TEXT (any case and accents).",
        ),
        click.option(
            "--key", "-k", "keys", multiple=True, metavar="KEY", help="This entry (repeatable)."
        ),
        click.option(
            "--aux",
            "aux_path",
            type=click.Path(path_type=Path, dir_okay=False),
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
        f = option(f)
    return f


def select_papers(
    library_path: Path,
    list_path: Path,
    *,
    categories: tuple[str, ...] = (),
    min_rating: int | None = None,
    year: int | None = None,
    since: int | None = None,
    search: str | None = None,
    keys: tuple[str, ...] = (),
    aux_path: Path | None = None,
    allow_missing: bool = False,
):
    """Load the library and apply the selectors; returns (library, papers).

    With ``--aux``, cited keys missing from the library are named on stderr and
    are an error unless ``--allow-missing``.
    """
    from .aux import ALL, cited_keys
    from .library import Library

    library = Library.load(library_path, list_path)
    wanted = list(keys)
    if aux_path is not None:
        cited = cited_keys(aux_path)
        known = {p.key.lower() for p in library.papers}
        if ALL not in cited:
            missing = [k for k in cited if k.lower() not in known]
            for key in missing:
                say(f"{aux_path}: cited key {key!r} is not in {library_path}")
            if missing and not allow_missing:
                raise DifbibError(
                    f"{len(missing)} cited key(s) are not in {library_path}; add the papers "
                    "to the reading list and sync, or pass --allow-missing"
                )
            cited = [k for k in cited if k.lower() in known]
            if not cited:
                return library, []
            wanted += cited
    papers = library.select(
        categories=categories,
        min_rating=min_rating,
        year=year,
        since=since,
        search=search,
        keys=wanted,
    )
    return library, papers


@click.group(cls=DifbibGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="difbib")
def cli() -> None:
    """difbib: a canonical BibTeX library of diffusion and flow-matching papers.

    It turns a curated Markdown reading list into library.bib (difbib sync) and
    serves slices of it to survey writers.
    """


@cli.command()
@list_option
@library_option
@cache_option
@click.option("--offline", is_flag=True, help="Use only the cache; never ask arXiv.")
@click.option(
    "--refresh", is_flag=True, help="Ask arXiv again for every paper, ignoring the cache."
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option(
    "--arxiv-url",
    envvar="DIFBIB_ARXIV_URL",
    default=None,
    metavar="URL",
    help="arXiv API endpoint (default: arXiv's own). Env: DIFBIB_ARXIV_URL.",
)
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=3.0,
    show_default=True,
    envvar="DIFBIB_ARXIV_DELAY",
    help="Seconds between requests to arXiv (arXiv asks for 3).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
def sync(
    list_path: Path,
    library_path: Path,
    cache_path: Path,
    offline: bool,
    refresh: bool,
    dry_run: bool,
    arxiv_url: str | None,
    delay: float,
    quiet: bool,
) -> None:
    """Build library.bib from the reading list, fetching metadata from arXiv.

    Each paper is resolved to an arXiv id (from its links, or by a title search),
    its metadata fetched (ids in batches of 100, cached in the cache file) and
    merged into the library: new papers are added, changed ones updated, and hand
    edits to entries are kept. Exit code 3 means some papers could not be resolved.
    """
    from .fetch import make_client
    from .sync import sync as run_sync

    if offline and refresh:
        raise click.UsageError("--offline and --refresh contradict each other; use one")
    progress = (lambda msg: None) if quiet else say
    client = None if offline else make_client(base_url=arxiv_url, delay_seconds=delay)
    result = run_sync(
        list_path,
        library_path,
        cache_path,
        offline=offline,
        refresh=refresh,
        dry_run=dry_run,
        client=client,
        progress=progress,
        warn=lambda notice: say(f"{list_path}: {notice}"),
    )
    stats = result.stats
    if not quiet:
        say(
            f"arXiv: {stats.requests} request(s), {stats.fetched} paper(s) fetched, "
            f"{stats.from_cache} from the cache"
        )
        verb = "would write" if dry_run and result.text else ("wrote" if result.written else "kept")
        say(
            f"{library_path}: {result.entries} entries ({len(result.added)} added, "
            f"{len(result.updated)} updated, {len(result.unchanged)} unchanged"
            + (f", {len(result.kept)} not in the list kept" if result.kept else "")
            + f"); {verb if result.written or dry_run else 'unchanged, not rewritten'}"
        )
        if dry_run:
            for key in result.added:
                say(f"  add     {key}")
            for key in result.updated:
                say(f"  update  {key}")
    if result.unresolved:
        say(f"could not resolve {len(result.unresolved)} paper(s):")
        for item in result.unresolved:
            say(f"  {list_path}: {item}")
        sys.exit(EXIT_UNRESOLVED)


@cli.group()
def zotero() -> None:
    """Keep a Zotero library in step with the library (Zotero Web API v3).

    The API key comes from ZOTERO_API_KEY or the config file
    ($XDG_CONFIG_HOME/difbib/zotero.toml, key api_key), never from an option.
    """


@zotero.command("push")
@selection_options
@click.option(
    "--library-type",
    type=click.Choice(["user", "group"]),
    default=None,
    help="A personal (user) or a group library. Env: ZOTERO_LIBRARY_TYPE. [default: user]",
)
@click.option(
    "--library-id",
    metavar="ID",
    default=None,
    help="The user or group id (a number). Env: ZOTERO_LIBRARY_ID.",
)
@click.option(
    "--api-url",
    metavar="URL",
    default=None,
    help="The Zotero API (default https://api.zotero.org). Env: ZOTERO_API_URL.",
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
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="What the last push left [default: .difbib-zotero.json next to the library].",
)
@click.option("--force", is_flag=True, help="Overwrite items edited in Zotero since the last push.")
@click.option("--dry-run", is_flag=True, help="Print the plan on stdout; write nothing.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary, conflicts and errors.")
def zotero_push(
    library_type: str | None,
    library_id: str | None,
    api_url: str | None,
    collection_name: str | None,
    state_path: Path | None,
    force: bool,
    dry_run: bool,
    quiet: bool,
    library_path: Path,
    list_path: Path,
    **selectors: Any,
) -> None:
    """Put the library (or a selection) into a Zotero library, and keep it in step.

    Each category becomes a collection under one parent collection; each paper a
    preprint item, matched to its paper by arXiv id. A second push with nothing
    changed writes nothing; an item edited in Zotero since the last push is a
    conflict: skipped and reported unless --force. Exit code 3: some items were
    skipped or failed.
    """
    from .curated import read_list
    from .zotero import ZoteroClient, default_state_path, load_settings
    from .zotero import push as run_push

    settings = load_settings(
        library_type=library_type, library_id=library_id, api_url=api_url, warn=say
    )
    library, papers = select_papers(library_path, list_path, **selectors)
    if collection_name is None:
        title = read_list(list_path).title if list_path.exists() else None
        collection_name = title or library_path.stem
    progress = (lambda msg: None) if quiet else say
    client = ZoteroClient(settings, progress=progress)
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
        sys.exit(EXIT_UNRESOLVED)


def main() -> None:
    cli(prog_name="difbib")
