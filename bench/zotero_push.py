"""Time `zotero push` of N synthetic papers against the local test server.

    python bench/zotero_push.py [N]

Prints the wall time, requests and write requests of a first push (everything is
created) and of a second one (nothing changed: reads only, no writes).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.zotero_server import ZoteroServer  # noqa: E402

from difbib.library import bibtex  # noqa: E402
from difbib.library.queries import Library  # noqa: E402
from difbib.zotero.push import ZoteroClient, ZoteroSettings, push  # noqa: E402


def main(n: int) -> None:
    heading = "Bench Category"
    blocks = [
        bibtex.make_entry(
            f"author2024paper{i}",
            {
                "author": f"Ada Author{i} and Grace Hopper and {{Some Lab}}",
                "title": f"{{Paper}} {i}: Flow Matching with $\\times$ {i}\\%",
                "year": "2024",
                "eprint": f"2401.{10000 + i}",
                "abstract": "An abstract " * 50,
                "keywords": heading,
                "ranking": "rank3",
            },
        )
        for i in range(n)
    ]
    with tempfile.TemporaryDirectory() as tmp, ZoteroServer(api_key="benchkey") as server:
        path = Path(tmp) / "library.bib"
        path.write_text(bibtex.write_bib(blocks), encoding="utf-8")
        library = Library.load(path)
        settings = ZoteroSettings(
            api_key="benchkey", library_type="user", library_id="4242", api_url=server.url
        )
        for label in ("first push", "second push"):
            client = ZoteroClient(settings)
            start = time.perf_counter()
            report = push(
                client,
                library.papers,
                parent_name="Bench",
                category_order=[heading],
                state_path=Path(tmp) / "state.json",
            )
            took = time.perf_counter() - start
            print(
                f"{label}: {n} papers in {took:.2f} s; {client.requests_made} requests, "
                f"{client.writes_made} writes; created {report.count('created')}, "
                f"unchanged {report.count('unchanged')}"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
