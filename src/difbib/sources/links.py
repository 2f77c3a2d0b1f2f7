"""What a link in a reading list points to, and which venue it hints at.

Reading lists link each paper to many places: arXiv, a proceedings page, the code, a
project page, a blog post, a video. The reader needs to tell them apart:

* a link to a **paper** (arXiv and its mirrors, OpenReview, ACL Anthology, CVF and
  NeurIPS proceedings, a DOI, any ``.pdf``) makes an item a paper;
* a link to a **resource** (a blog post, a video, a notebook, a tweet) with no paper
  link beside it makes the item a resource: it is reported, never searched for on
  arXiv, since a search for a blog post's title can "match" an unrelated paper;
* **code** and **web** links (GitHub, project pages) are kept with the paper but decide
  nothing; an **anchor** (``#section``) is a table of contents entry.

:func:`link_kind` classifies a URL; :func:`venue_from_url` reads a venue hint from a
proceedings URL (``openaccess.thecvf.com/content/CVPR2023/...`` is "CVPR 2023").
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from difbib.sources.ids import arxiv_id_from_url

#: The kinds :func:`link_kind` returns (``local``: a file of the list's own repository).
KINDS = ("arxiv", "paper", "proceedings", "resource", "code", "anchor", "local", "web")

_PROCEEDINGS_HOSTS = {
    "openreview.net": "OpenReview",
    "aclanthology.org": None,
    "www.aclweb.org": None,
    "aclweb.org": None,
    "openaccess.thecvf.com": None,
    "proceedings.neurips.cc": "NeurIPS",
    "papers.nips.cc": "NeurIPS",
    "papers.neurips.cc": "NeurIPS",
    "proceedings.mlr.press": "PMLR",
    "www.ecva.net": "ECCV",
    "ecva.net": "ECCV",
    "ojs.aaai.org": "AAAI",
    "www.ijcai.org": "IJCAI",
    "ijcai.org": "IJCAI",
    "jmlr.org": "JMLR",
    "www.jmlr.org": "JMLR",
    "dl.acm.org": None,
    "ieeexplore.ieee.org": None,
    "link.springer.com": None,
    "www.sciencedirect.com": None,
    "www.nature.com": None,
    "www.science.org": None,
}
_PAPER_HOSTS = {
    "doi.org",
    "dx.doi.org",
    "www.semanticscholar.org",
    "semanticscholar.org",
    "paperswithcode.com",
    "www.biorxiv.org",
    "www.medrxiv.org",
    "www.researchgate.net",
    "scholar.google.com",
    "dblp.org",
}
_RESOURCE_HOSTS = (
    "youtube.com",
    "youtu.be",
    "vimeo.com",
    "bilibili.com",
    "medium.com",
    "substack.com",
    "towardsdatascience.com",
    "colab.research.google.com",
    "kaggle.com",
    "twitter.com",
    "x.com",
    "zhihu.com",
    "reddit.com",
    "notion.site",
    "lilianweng.github.io",
    "slideshare.net",
    "speakerdeck.com",
    "spotify.com",
    "podcasts.apple.com",
    "wandb.ai",
    "distill.pub",
)
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "huggingface.co", "gitee.com")
_RESOURCE_PATH = re.compile(
    r"(?:^|/)(?:blog|blogs|posts?|videos?|watch|notebooks?)(?:/|$)|\.ipynb$"
)
_CVF = re.compile(r"/(?:content_?)?(?P<venue>CVPR|ICCV|WACV|ECCV|ACCV)[_]?(?P<year>\d{4})", re.I)
_NEURIPS_YEAR = re.compile(r"/(?:paper|paper_files/paper)/(?P<year>(?:19|20)\d{2})/")
_ACL_NEW = re.compile(r"/(?P<year>(?:19|20)\d{2})\.(?P<venue>[a-z]+)")
_ACL_OLD = re.compile(r"/(?P<letter>[A-Z])(?P<yy>\d{2})-\d{4}")
_ACL_LETTERS = {"P": "ACL", "D": "EMNLP", "N": "NAACL", "E": "EACL", "C": "COLING", "Q": "TACL"}
_YEAR_IN_PATH = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def _host(url: str) -> tuple[str, str]:
    try:
        parts = urlparse(url.strip())
    except ValueError:
        return "", ""
    return (parts.hostname or "").lower(), parts.path or ""


def link_kind(url: str, *, arxiv_id: str | None = None) -> str:
    """One of :data:`KINDS` for ``url`` (see the module docstring).

    ``arxiv_id`` is what :func:`~difbib.sources.ids.arxiv_id_from_url` gave for it,
    when the caller has it already.
    """
    url = url.strip()
    if url.startswith("#"):
        return "anchor"
    if arxiv_id is not None or arxiv_id_from_url(url) is not None:
        return "arxiv"
    host, path = _host(url)
    if not host:
        return "anchor" if not path or path.startswith("#") else "local"
    bare = host[4:] if host.startswith("www.") else host
    if host in _PROCEEDINGS_HOSTS or bare in _PROCEEDINGS_HOSTS:
        return "proceedings"
    if host in _PAPER_HOSTS or bare in _PAPER_HOSTS:
        return "paper"
    if any(bare == h or bare.endswith("." + h) for h in _RESOURCE_HOSTS):
        return "resource"
    if host == "huggingface.co" and path.startswith("/blog"):
        return "resource"
    if path.lower().endswith(".pdf"):
        return "paper"
    if any(bare == h or bare.endswith("." + h) for h in _CODE_HOSTS):
        return "code"
    if _RESOURCE_PATH.search(path.lower()) or bare.startswith("blog."):
        return "resource"
    return "web"


def venue_from_url(url: str) -> str | None:
    """The venue a proceedings URL names, as precisely as the URL says (or None)."""
    host, path = _host(url)
    bare = host[4:] if host.startswith("www.") else host
    if bare == "openaccess.thecvf.com":
        m = _CVF.search(path)
        return f"{m['venue'].upper()} {m['year']}" if m else "CVF"
    if bare in {"aclanthology.org", "aclweb.org"}:
        m = _ACL_NEW.search(path)
        if m:
            return f"{m['venue'].upper()} {m['year']}"
        m = _ACL_OLD.search(path)
        if m and m["letter"] in _ACL_LETTERS:
            return f"{_ACL_LETTERS[m['letter']]} 20{m['yy']}"
        return "ACL Anthology"
    if bare in {"proceedings.neurips.cc", "papers.nips.cc", "papers.neurips.cc"}:
        m = _NEURIPS_YEAR.search(path)
        return f"NeurIPS {m['year']}" if m else "NeurIPS"
    if bare in {"ecva.net", "ijcai.org"}:
        base = _PROCEEDINGS_HOSTS[host if host in _PROCEEDINGS_HOSTS else bare]
        m = _YEAR_IN_PATH.search(path)
        return f"{base} {m.group(1)}" if m else base
    return _PROCEEDINGS_HOSTS.get(host) or _PROCEEDINGS_HOSTS.get(bare)
