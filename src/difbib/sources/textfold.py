"""One way to fold text to ASCII, for keys, slugs and accent-blind search.

Unicode decomposition alone (NFKD) strips accents from ``é`` and ``ü`` but knows
nothing of letters that are not "a base letter plus an accent": ``ł``/``Ł``,
``ø``/``Ø``, ``ß``, ``æ``, ``đ``. Three hand-written tables once covered different
subsets of them (``ł`` but not ``Ł``, so Łuczak became ``uczak``). Every fold in
difbib now goes through :func:`ascii_fold`, which uses `anyascii
<https://github.com/anyascii/anyascii>`_'s transliteration tables: ``Łuczak`` →
``Luczak``, ``Gerhard Schröder`` → ``Gerhard Schroder``, ``Ægir`` → ``AEgir``.
"""

from __future__ import annotations

from anyascii import anyascii


def ascii_fold(text: str) -> str:
    """``Michaël Ré``, ``Łuczak`` → ``Michael Re``, ``Luczak`` (case kept)."""
    return anyascii(text)
