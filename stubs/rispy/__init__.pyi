# Stubs for rispy 0.10 (annotated, but without a py.typed marker): what difbib uses.
from typing import Any

class BaseWriter:
    def set_header(self, count: int) -> str: ...

class RisWriter(BaseWriter): ...

def dumps(
    references: list[dict[str, Any]], *, implementation: type[BaseWriter] = ..., **kw: Any
) -> str: ...
