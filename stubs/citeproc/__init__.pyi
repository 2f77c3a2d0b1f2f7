# Partial stubs for citeproc-py 0.11 (no type information of its own): what difbib
# uses. See stubs/README.md.
from .frontend import CitationStylesBibliography as CitationStylesBibliography
from .frontend import CitationStylesStyle as CitationStylesStyle
from .source import Citation as Citation
from .source import CitationItem as CitationItem

DATA_PATH: str
LOCALES_PATH: str
STYLES_PATH: str
#: language -> its primary dialect ("de" -> "de-DE")
PRIMARY_DIALECTS: dict[str, str]
#: locale -> its names (in English and in the language)
LANGUAGE_NAMES: dict[str, list[str]]
#: the CSL name variables, with underscores ("collection_editor")
NAMES: list[str]
__version__: str
