"""A local stand-in for the Zotero Web API v3, following its documentation.

It serves one library (``/users/ID`` or ``/groups/ID``) with:

* authentication by ``Zotero-API-Key`` (or ``Authorization: Bearer``): 403 otherwise;
* a library version that every successful write raises by one; objects carry the
  version of their last change; reads answer ``Last-Modified-Version``;
* paged reads: ``start``/``limit`` (at most 100, default 25), ``Total-Results`` and a
  ``Link: <...>; rel="next"`` header; ``GET items``, ``items/top``, ``items/KEY``,
  ``collections``, ``collections/top``;
* multi-object writes (``POST items``, ``POST collections``): at most 50 objects
  (413 otherwise); ``If-Unmodified-Since-Version`` (412 when the library changed);
  ``Zotero-Write-Token`` (412 when the token was used by a successful request);
  per-object ``version`` checks (that object fails with code 412); objects with a
  ``key`` are updated with PATCH semantics (a change of item type drops the fields
  the new type lacks); the answer lists ``successful``,
  ``success``, ``unchanged`` and ``failed`` by index; an unknown item type, a field
  not valid for the item type or a creator type the item type lacks (by Zotero's
  schema, :data:`SCHEMA`) fails that object with code 400;
* faults that tests queue (``server.faults.append(...)``), one per request, or
  for one kind of request (``server.faults_on["POST", "items"] = ["drop"]``):
  ``"429"``/``"503"`` (with ``Retry-After: server.retry_after``), ``"409"`` (library
  locked, without ``Retry-After``), ``"backoff"`` (answers normally with ``Backoff:
  server.backoff``), ``"drop"`` (does the request, then closes the connection
  without an answer), ``"hang"`` (1 s of silence, then the answer);
* ``server.fail_archive_ids``: items with these archive IDs fail (code 500).

Every request is recorded in ``server.log`` as ``(method, path, query, headers)``.
"""

from __future__ import annotations

import json
import random
import string
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from tests.helpers.local_server import LocalServer

#: Zotero's data schema, as the real API serves it at /schema (a verbatim copy of
#: zotero/zotero-schema, shipped in difbib's package data): item types, the fields
#: valid for each, and their creator types. The server refuses what it refuses.
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "src/difbib/data/zotero-schema.json").read_text(
        encoding="utf-8"
    )
)
ITEM_FIELDS = {
    t["itemType"]: {f["field"] for f in t.get("fields", [])} for t in SCHEMA["itemTypes"]
}
ITEM_CREATOR_TYPES = {
    t["itemType"]: {c["creatorType"] for c in t.get("creatorTypes", [])}
    for t in SCHEMA["itemTypes"]
}
COMMON = {"key", "version", "itemType", "creators", "tags", "collections", "relations",
          "dateAdded", "dateModified", "parentItem", "deleted"}  # fmt: skip
KEY_CHARS = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"


class ZoteroServer(LocalServer):
    """A threaded HTTP server on 127.0.0.1 holding one Zotero library."""

    methods = ("GET", "POST")
    protocol_version = "HTTP/1.1"

    def __init__(self, *, api_key: str, library_type: str = "user", library_id: str = "4242"):
        self.api_key = api_key
        self.prefix = f"/{library_type}s/{library_id}"
        self.library_type = library_type
        self.library_id = library_id
        self.version = 0
        self.items: dict[str, dict[str, Any]] = {}
        self.collections: dict[str, dict[str, Any]] = {}
        self.used_tokens: set[str] = set()
        self.faults: list[str] = []
        self.faults_on: dict[tuple[str, str], list[str]] = {}
        self.retry_after = "1"
        self.backoff = "1"
        self.fail_archive_ids: set[str] = set()
        self.log: list[tuple[str, str, dict[str, list[str]], dict[str, str]]] = []
        self.lock = threading.Lock()
        self._rng = random.Random(5)
        self._serve()
        self.url = self.base

    # -- helpers for tests ---

    def writes(self) -> list[tuple[str, str]]:
        """(method, path) of every write request received."""
        return [(m, p) for m, p, _, _ in self.log if m != "GET"]

    def edit_item(self, key: str, **fields: Any) -> None:
        """Change an item as a Zotero user would (raises the versions)."""
        with self.lock:
            self.version += 1
            self.items[key]["data"].update(fields)
            self.items[key]["version"] = self.version
            self.items[key]["data"]["version"] = self.version

    def item_by_archive_id(self, archive_id: str) -> dict[str, Any]:
        return next(i for i in self.items.values() if i["data"].get("archiveID") == archive_id)

    # -- request handling ---

    def _new_key(self) -> str:
        while True:
            key = "".join(self._rng.choice(KEY_CHARS) for _ in range(8))
            if key not in self.items and key not in self.collections:
                return key

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        url = urlparse(h.path)
        query = parse_qs(url.query)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        headers = {k: v for k, v in h.headers.items()}
        with self.lock:
            self.log.append((method, url.path, query, headers))
            where = (method, url.path[len(self.prefix) + 1 :])
            if self.faults_on.get(where):
                fault = self.faults_on[where].pop(0)
            else:
                fault = self.faults.pop(0) if self.faults else None
        if fault in ("429", "503"):
            return self._send(h, int(fault), {"Retry-After": self.retry_after}, "Too busy")
        if fault == "409":
            return self._send(h, 409, {}, "Library locked")
        if fault == "hang":
            time.sleep(1.0)
        given = h.headers.get("Zotero-API-Key") or ""
        auth = h.headers.get("Authorization") or ""
        if auth.startswith("Bearer "):
            given = auth[len("Bearer ") :]
        if given != self.api_key:
            return self._send(h, 403, {}, "Forbidden")
        if h.headers.get("Zotero-API-Version") != "3":
            return self._send(h, 400, {}, "This test server speaks API version 3 only")
        if not url.path.startswith(self.prefix + "/"):
            return self._send(h, 403, {}, "Forbidden")
        path = url.path[len(self.prefix) + 1 :]
        extra = {"Backoff": self.backoff} if fault == "backoff" else {}
        with self.lock:
            if method == "GET":
                status, hdrs, payload = self._get(path, query)
            else:
                status, hdrs, payload = self._post(path, h.headers, body)
        if fault == "drop":  # the request was done, but its answer is lost
            h.close_connection = True
            h.wfile.flush()
            h.connection.shutdown(2)
            return None
        return self._send(h, status, {**hdrs, **extra}, payload)

    def _send(self, h, status: int, headers: dict[str, str], payload: Any) -> None:
        data = (payload if isinstance(payload, str) else json.dumps(payload)).encode("utf-8")
        h.send_response(status)
        h.send_header(
            "Content-Type", "application/json" if not isinstance(payload, str) else "text/plain"
        )
        h.send_header("Content-Length", str(len(data)))
        h.send_header("Zotero-API-Version", "3")
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def _get(self, path: str, query: dict[str, list[str]]):
        parts = path.split("/")
        if parts[0] == "items" and len(parts) == 2 and parts[1] != "top":
            item = self.items.get(parts[1])
            if item is None:
                return 404, {}, "Not found"
            return 200, {"Last-Modified-Version": str(item["version"])}, self._obj(item)
        if path in ("items", "items/top"):
            objs = [i for i in self.items.values() if not i["data"].get("parentItem")]
        elif path in ("collections", "collections/top"):
            objs = list(self.collections.values())
            if path == "collections/top":
                objs = [c for c in objs if not c["data"].get("parentCollection")]
        else:
            return 404, {}, "Not found"
        start = int(query.get("start", ["0"])[0])
        limit = min(int(query.get("limit", ["25"])[0]), 100)
        page = objs[start : start + limit]
        headers = {"Total-Results": str(len(objs)), "Last-Modified-Version": str(self.version)}
        if start + limit < len(objs):
            nxt = urlencode({"start": start + limit, "limit": limit})
            headers["Link"] = f'<{self.url}{self.prefix}/{path}?{nxt}>; rel="next"'
        return 200, headers, [self._obj(o) for o in page]

    def _obj(self, obj: dict[str, Any]) -> dict[str, Any]:
        lib = {"type": self.library_type, "id": int(self.library_id), "name": "test"}
        return {"key": obj["key"], "version": obj["version"], "library": lib, "meta": {},
                "links": {}, "data": json.loads(json.dumps(obj["data"]))}  # fmt: skip

    def _post(self, path: str, headers, body: bytes):
        if path not in ("items", "collections"):
            return 405, {}, "Method not allowed"
        try:
            objects = json.loads(body)
        except ValueError:
            return 400, {}, "Invalid JSON"
        if not isinstance(objects, list):
            return 400, {}, "Uploaded data must be a JSON array"
        if len(objects) > 50:
            return 413, {}, "Only 50 objects can be written per request"
        since = headers.get("If-Unmodified-Since-Version")
        if since is not None and int(since) < self.version:
            return 412, {}, f"Library has been modified since specified version ({since})"
        token = headers.get("Zotero-Write-Token")
        if token is not None and token in self.used_tokens:
            return 412, {}, "Write token already used"
        store = self.items if path == "items" else self.collections
        new_version = self.version + 1
        result: dict[str, dict[str, Any]] = {
            "successful": {}, "success": {}, "unchanged": {}, "failed": {}
        }  # fmt: skip
        changed = False
        for index, obj in enumerate(objects):
            i = str(index)
            error = self._invalid(path, obj)
            if error:
                result["failed"][i] = {"key": obj.get("key", ""), "code": 400, "message": error}
                continue
            if obj.get("archiveID") in self.fail_archive_ids:
                result["failed"][i] = {"key": obj.get("key", ""), "code": 500,
                                       "message": "An error occurred"}  # fmt: skip
                continue
            key = obj.get("key")
            current = store.get(key) if key else None
            if current is not None:
                if "version" in obj and int(obj["version"]) != current["version"]:
                    kind = "Item" if path == "items" else "Collection"
                    result["failed"][i] = {
                        "key": key,
                        "code": 412,
                        "message": f"{kind} has been modified since specified version "
                        f"(expected {obj['version']}, found {current['version']})",
                    }
                    continue
                merged = {**current["data"], **{k: v for k, v in obj.items() if k != "version"}}
                if merged.get("itemType") != current["data"].get("itemType"):
                    # a new type drops the fields it does not have (as Zotero does)
                    keep = ITEM_FIELDS[merged["itemType"]] | COMMON
                    merged = {k: v for k, v in merged.items() if k in keep}
                if _same(merged, current["data"]):
                    result["unchanged"][i] = key
                    continue
                merged["version"] = new_version
                current["data"] = merged
                current["version"] = new_version
            else:
                key = key or self._new_key()
                data = {k: v for k, v in obj.items() if k != "version"}
                data.update(key=key, version=new_version)
                if path == "items":
                    data.setdefault("tags", [])
                    data.setdefault("collections", [])
                    data.setdefault("relations", {})
                    data.setdefault("dateAdded", "2026-11-25T00:00:00Z")
                else:
                    data.setdefault("parentCollection", False)
                    data.setdefault("relations", {})
                current = {"key": key, "version": new_version, "data": data}
                store[key] = current
            changed = True
            result["successful"][i] = self._obj(current)
            result["success"][i] = key
        if changed:
            self.version = new_version
            if token is not None:
                self.used_tokens.add(token)
        return 200, {"Last-Modified-Version": str(self.version)}, result

    def _invalid(self, path: str, obj: Any) -> str | None:
        """Why an object cannot be written (Zotero's messages), or None."""
        if not isinstance(obj, dict):
            return "Object must be a JSON object"
        if path == "collections":
            if not obj.get("name"):
                return "Collection name cannot be empty"
            parent = obj.get("parentCollection")
            if parent and parent not in self.collections:
                return f"Parent collection {parent} doesn't exist"
            return None
        item_type = obj.get("itemType")
        if item_type is None and obj.get("key") in self.items:
            item_type = self.items[obj["key"]]["data"]["itemType"]  # a partial update
        if item_type not in ITEM_FIELDS or item_type in ("note", "attachment", "annotation"):
            return f"Unknown item type '{item_type}'"
        for name in obj:
            if name not in ITEM_FIELDS[item_type] and name not in COMMON:
                return f"'{name}' is not a valid field for type '{item_type}'"
        for creator in obj.get("creators", []):
            if creator.get("creatorType") not in ITEM_CREATOR_TYPES[item_type]:
                return (
                    f"'{creator.get('creatorType')}' is not a valid creator type for "
                    f"item type '{item_type}'"
                )
            if "name" in creator and ("firstName" in creator or "lastName" in creator):
                return "Creator must have either 'name' or 'firstName'/'lastName'"
        for tag in obj.get("tags", []):
            if not isinstance(tag, dict) or not tag.get("tag"):
                return "Tag must be an object with a non-empty 'tag'"
        for coll in obj.get("collections", []):
            if coll not in self.collections:
                return f"Collection {coll} not found"
        return None


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    skip = {"version", "dateModified"}
    return {k: v for k, v in a.items() if k not in skip} == {
        k: v for k, v in b.items() if k not in skip
    }


def random_key(n: int = 24) -> str:
    """A key shaped like Zotero's (24 letters and digits)."""
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(n))
