from typing import IO, Any

from lxml import etree

from .model import Formatter, Style
from .source import BibliographySource, Callback, Citation, CitationItem
from .string import MixedString

class CitationStylesXML:
    xml: etree._ElementTree[Any]
    root: Any
    def __init__(self, f: str | IO[bytes], validate: bool = True) -> None: ...

class CitationStylesStyle(CitationStylesXML):
    # the root element of a parsed style is a cs:style
    root: Style
    def __init__(
        self, style: str | IO[bytes], locale: str | None = None, validate: bool = True
    ) -> None: ...
    def has_bibliography(self) -> bool: ...
    def render_citation(
        self, citation: Citation, cites: list[CitationItem], callback: Callback | None = None
    ) -> str | MixedString: ...
    def sort_bibliography(self, citation_items: list[CitationItem]) -> list[CitationItem]: ...
    def render_bibliography(
        self, citation_items: list[CitationItem]
    ) -> list[str | MixedString]: ...

class CitationStylesBibliography:
    style: CitationStylesStyle
    source: BibliographySource
    formatter: Formatter
    keys: list[str]
    items: list[CitationItem]
    def __init__(
        self, style: CitationStylesStyle, source: BibliographySource, formatter: Formatter = ...
    ) -> None: ...
    def register(self, citation: Citation, callback: Callback | None = None) -> None: ...
    def sort(self) -> None: ...
    def cite(self, citation: Citation, callback: Callback) -> str | MixedString: ...
    def bibliography(self) -> list[str | MixedString]: ...
