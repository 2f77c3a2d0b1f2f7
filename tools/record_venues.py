"""Record the shipped venues-cache.json (and library.bib) from the curated venues.json.

This machine has no access to Semantic Scholar or DBLP, so the committed cache holds
what the local test server (tests/helpers/venue_server.py) answers: Semantic Scholar
and DBLP records built from tests/data/venues/venues.json (its 12 verified and 8
stated papers published, the 13 unknown ones preprints) and the recorded arXiv feeds.
``difbib sync --refresh`` with network access replaces it with the services' answers.

Run from the repository root: ``.venv/bin/python tools/record_venues.py [sync options]``.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.getcwd())

from tests.helpers.venue_server import VenueServer  # noqa: E402

with VenueServer() as server:
    env = {**os.environ, **server.env}
    done = subprocess.run([".venv/bin/difbib", "sync", *sys.argv[1:]], env=env, check=False)
    print(f"requests: {server.requests}", file=sys.stderr)
    sys.exit(done.returncode)
