"""Zotero: keeping a Zotero library in step through the Web API v3.

* :mod:`~difbib.zotero.api`: settings and the HTTP client (paging, write tokens, backoff);
* :mod:`~difbib.zotero.push`: items and collections from the library, the plan, the push.
"""
