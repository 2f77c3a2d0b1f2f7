from typing import Any

from . import BibliographySource

class CiteProcJSON(BibliographySource):
    def __init__(self, json_data: list[dict[str, Any]]) -> None: ...
