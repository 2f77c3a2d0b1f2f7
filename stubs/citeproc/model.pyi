# citeproc-py's style tree: one lxml element class per CSL tag. difbib subclasses
# these classes (difbib.csl.compat) and calls their methods, so the methods it uses
# are typed here. Runtime differences the stubs paper over:
# - the mixins (Formatted, Affixed, ...) are plain ``object`` subclasses; every
#   class that uses one is a CitationStylesElement, so here they derive from it
#   (their methods call element methods on ``self``);
# - ``SomewhatObjectifiedElement.__getattr__`` finds a child by tag
#   (``style.citation``); the children difbib reads that way are declared as
#   attributes.
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, overload

from lxml import etree

from .source import Citation as CitationData
from .source import CitationItem
from .source import VariableError as VariableError
from .string import MixedString, String

#: What rendering gives: a ``String`` (a str), a ``MixedString``, or plain text.
_Text = str | MixedString
#: Name options a sort key overrides (``{"name-as-sort-order": "all", ...}``).
_SortOptions = dict[str, Any]

class Formatter(Protocol):
    """An output format (citeproc-py's ``formatter.html`` module, or difbib's own)."""

    def preformat(self, text: str, /) -> str: ...

class SomewhatObjectifiedElement(etree.ElementBase):
    nsmap: dict[str, str]  # type: ignore[assignment]  # a class attribute: cs and xml
    # lxml's stubs give an element relatives of its own class; in a style tree
    # they are any CSL element
    def getparent(self) -> CitationStylesElement | None: ...
    def iterchildren(  # type: ignore[override]
        self, tag: str | None = None, *tags: str, reversed: bool = False
    ) -> Iterator[CitationStylesElement]: ...
    def find(  # type: ignore[override]
        self, path: str, namespaces: Mapping[str, str] | None = None
    ) -> CitationStylesElement | None: ...
    def findall(  # type: ignore[override]
        self, path: str, namespaces: Mapping[str, str] | None = None
    ) -> list[CitationStylesElement]: ...

class CitationStylesElement(SomewhatObjectifiedElement):
    # the names already printed in this entry (cs:substitute), per render
    repressed: dict[Any, Any]
    def get_root(self) -> Style | Locale: ...
    def xpath_search(self, expression: str) -> list[Any]: ...
    # an option's value: the style's string, or citeproc-py's default (an int for
    # the et-al counts, a bool for some, None when unset)
    def get_option(self, name: str) -> Any: ...
    def get_macro(self, name: str) -> Macro: ...
    def get_layout(self) -> Layout: ...
    def get_formatter(self) -> Formatter: ...
    def preformat(self, text: str) -> str: ...
    def unicode_character(self, name: str) -> str: ...
    def render(self, *args: Any, **kwargs: Any) -> _Text | None: ...
    def get_term(
        self,
        name: str,
        form: str | None = None,
        fallback_locale: bool = True,
        zero_padded: bool = False,
    ) -> Term | None: ...
    def get_single_term(self, name: str, *args: Any, **kwargs: Any) -> String: ...
    def get_plural_term(self, name: str, *args: Any, **kwargs: Any) -> String: ...
    def get_locale_option(self, name: str) -> str: ...

class Style(CitationStylesElement):
    # children and state citeproc-py keeps on the root
    citation: Citation | None
    bibliography: Bibliography | None
    locales: list[Locale]
    formatter: Formatter
    def set_locale_list(self, output_locale: str, validate: bool = True) -> None: ...

class Locale(CitationStylesElement):
    style: Style  # set by Style.set_locale_list

class Term(CitationStylesElement):
    @property
    def single(self) -> String: ...
    @property
    def multiple(self) -> String: ...

# -- mixins ----------------------------------------------------------------------

class Formatted(CitationStylesElement):
    def format(self, string: _Text) -> _Text: ...
    def font_style(self, text: str) -> str: ...
    def font_weight(self, text: str) -> str: ...
    def font_variant(self, text: str) -> str: ...

class Affixed(CitationStylesElement):
    @overload
    def wrap(self, string: _Text) -> _Text: ...
    @overload
    def wrap(self, string: None) -> None: ...

class Delimited(CitationStylesElement):
    def join(self, strings: Iterable[_Text | None], default_delimiter: str = "") -> _Text: ...

class Displayed(CitationStylesElement): ...

class Quoted(CitationStylesElement):
    def quote(self, string: _Text) -> _Text: ...

class StrippedPeriods(CitationStylesElement):
    def strip_periods(self, string: _Text) -> _Text: ...

class TextCased(CitationStylesElement):
    def case(self, text: _Text | None, language: str | None = None) -> _Text | None: ...

class Parent(CitationStylesElement):
    def calls_variable(self) -> bool: ...
    def render_children(
        self, item: CitationItem, delimiter: str = "", **kwargs: Any
    ) -> _Text | None: ...

class FormatNumber(CitationStylesElement):
    def _process(self, value: str, variable: str) -> _Text: ...
    def format_number(self, number: str) -> _Text: ...

# -- elements --------------------------------------------------------------------

class FormattingInstructions(CitationStylesElement):
    layout: Layout
    # the cites rendered so far (citeproc-py's state, per parsed style)
    cites: list[CitationItem]

class Citation(FormattingInstructions):
    sort: Sort | None  # (in cs:bibliography, ``sort`` is the method below)
    def render(
        self,
        citation: CitationData,
        cites: list[CitationItem],
        callback: Callable[[CitationItem], str | None],
    ) -> _Text: ...

class Bibliography(FormattingInstructions):
    def sort(self, citation_items: list[CitationItem]) -> list[CitationItem]: ...
    # one text per entry, where other elements render one text
    def render(self, citation_items: list[CitationItem]) -> list[_Text]: ...  # type: ignore[override]

class Sort(CitationStylesElement):
    def sort(
        self, items: list[CitationItem], context: CitationStylesElement
    ) -> list[CitationItem]: ...

class Key(CitationStylesElement):
    # a sort key per item: text, a number or a date key, None when missing
    def sort_keys(
        self, items: Sequence[CitationItem], context: CitationStylesElement
    ) -> list[Any]: ...

class Macro(Parent):
    def render(
        self,
        item: CitationItem,
        context: CitationStylesElement | None = None,
        sort_options: _SortOptions | None = None,
    ) -> _Text | None: ...

class Layout(Parent, Formatted, Affixed, Delimited):
    # the CSL schema puts cs:layout in cs:citation or cs:bibliography (lxml's stubs:
    # an element of the same class)
    def getparent(self) -> Citation | Bibliography: ...  # type: ignore[override]
    def render_citation(
        self, citation: CitationData, callback: Callable[[CitationItem], str | None]
    ) -> _Text: ...
    def render_bibliography(self, citation_items: list[CitationItem]) -> list[_Text]: ...

class Text(FormatNumber, Formatted, Affixed, Quoted, TextCased, StrippedPeriods):
    #: variables citeproc-py generates rather than reads (``year-suffix``)
    generated_variables: tuple[str, ...]
    def calls_variable(self) -> bool: ...
    def process(
        self, item: CitationItem, context: CitationStylesElement | None = None, **kwargs: Any
    ) -> tuple[_Text | None, str | None]: ...
    def _variable(
        self, item: CitationItem, context: CitationStylesElement | None
    ) -> _Text | None: ...
    def _term(self, item: CitationItem) -> _Text: ...
    def markup(self, text: _Text | None, language: str | None) -> _Text | None: ...

class Date(Parent, Formatted, Affixed, Delimited):
    def is_locale_date(self) -> bool: ...
    def render_single_date(
        self, date: Any, show_parts: Any = None, context: CitationStylesElement | None = None
    ) -> _Text | None: ...
    def render_date_range(
        self, date_range: Any, show_parts: Any = None, context: CitationStylesElement | None = None
    ) -> _Text | None: ...
    def process(
        self,
        item: CitationItem,
        variable: str | None = None,
        show_parts: Any = None,
        context: CitationStylesElement | None = None,
        **kwargs: Any,
    ) -> _Text | None: ...

class Date_Part(Formatted, Affixed, TextCased, StrippedPeriods): ...

class Number(FormatNumber, Formatted, Affixed, Displayed, TextCased, StrippedPeriods):
    def process(
        self, item: CitationItem, context: CitationStylesElement | None = None, **kwargs: Any
    ) -> _Text | None: ...

class Names(Parent, Formatted, Affixed, Delimited):
    name: Name | None  # its cs:name child, set by citeproc-py's parser
    def render(self, item: CitationItem, *args: Any, **kwargs: Any) -> _Text | None: ...
    def process(
        self,
        item: CitationItem,
        names_context: Names | None = None,
        context: CitationStylesElement | None = None,
        **kwargs: Any,
    ) -> _Text | None: ...

class Name(Formatted, Affixed, Delimited):
    def markup(self, text: _Text) -> _Text: ...
    def get_option(
        self,
        name: str,
        context: CitationStylesElement | None = None,
        sort_options: _SortOptions | None = None,
    ) -> Any: ...
    def et_al(self) -> _Text | None: ...
    def process(
        self,
        item: CitationItem,
        variable: str,
        context: CitationStylesElement | None = None,
        sort_options: _SortOptions | None = None,
        **kwargs: Any,
    ) -> _Text | None: ...
    def initialize(self, given: str, mark: str, context: CitationStylesElement | None) -> str: ...

class Name_Part(Formatted, Affixed, TextCased): ...
class Et_Al(Formatted, Affixed): ...
class Substitute(Parent): ...

class Label(Formatted, Affixed, StrippedPeriods, TextCased):
    def process(
        self,
        item: CitationItem,
        variable: str | None = None,
        plural: bool | None = None,
        context: CitationStylesElement | None = None,
        **kwargs: Any,
    ) -> _Text | None: ...
    def _is_plural(self, item: CitationItem) -> bool: ...

class Group(Parent, Formatted, Affixed, Delimited):
    def process(
        self, item: CitationItem, context: CitationStylesElement | None = None, **kwargs: Any
    ) -> _Text | None: ...

class ConditionFailed(Exception): ...

class Choose(Parent):
    def render(
        self,
        item: CitationItem,
        context: CitationStylesElement | None = None,
        delimiter: str = "",
        **kwargs: Any,
    ) -> _Text | None: ...

class If(Parent):
    def render(
        self,
        item: CitationItem,
        context: CitationStylesElement | None = None,
        delimiter: str = "",
        **kwargs: Any,
    ) -> _Text | None: ...
    def _is_numeric(self, item: CitationItem) -> list[bool]: ...
    def _position(
        self, item: CitationItem, context: CitationStylesElement | None
    ) -> list[bool]: ...

class Else_If(If): ...
class Else(Parent): ...

def join(items: Iterable[_Text], delimiter: str = "") -> _Text: ...
