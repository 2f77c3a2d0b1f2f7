"""Venue names: the conferences and journals ML surveys cite, full and short.

Each :class:`Venue` has an abbreviation (``CVPR``), the full proceedings or journal
name that ``library.bib`` writes (``Proceedings of the IEEE/CVF Conference on
Computer Vision and Pattern Recognition``), a short form for surveys that print
``Proc. CVPR`` (``difbib export --venue-names short``), its kind (``conference`` or
``journal``), the other names bibliographic databases give it (``aliases``) and its
DBLP stream (``conf/cvpr``).

:meth:`VenueTable.find` recognises a venue from any of these names, whatever the
case, punctuation, year or ordinal ("The Twelfth International Conference on
Learning Representations, ICLR 2024, Vienna, Austria" is ICLR). A project adds or
overrides venues with a TOML file (:meth:`VenueTable.with_file`)::

    [venues.L4DC]
    full = "Proceedings of the Learning for Dynamics and Control Conference"
    short = "Proc. L4DC"
    kind = "conference"            # or "journal"
    aliases = ["Learning for Dynamics and Control"]
    dblp = ["conf/l4dc"]
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from difbib.errors import DifbibError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFERENCE = "conference"
JOURNAL = "journal"


@dataclass(frozen=True)
class Venue:
    """A conference or journal, with the names it goes by."""

    abbr: str
    full: str
    short: str
    kind: str = CONFERENCE
    aliases: tuple[str, ...] = ()
    dblp: tuple[str, ...] = ()

    @property
    def entry_type(self) -> str:
        """The BibTeX type of a paper published here."""
        return "inproceedings" if self.kind == CONFERENCE else "article"

    @property
    def container_field(self) -> str:
        """The BibTeX field that holds the venue's name: ``booktitle`` or ``journal``."""
        return "booktitle" if self.kind == CONFERENCE else "journal"


def _conf(abbr: str, full: str, *aliases: str, dblp: str = "", short: str = "") -> Venue:
    return Venue(
        abbr,
        full,
        short or f"Proc. {abbr}",
        CONFERENCE,
        aliases,
        (dblp,) if dblp else (),
    )


def _journal(abbr: str, full: str, short: str, *aliases: str, dblp: str = "") -> Venue:
    return Venue(abbr, full, short, JOURNAL, aliases, (dblp,) if dblp else ())


#: The venues difbib knows out of the box.
BUILTIN: tuple[Venue, ...] = (
    _conf(
        "CVPR",
        "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition",
        "IEEE/CVF Conference on Computer Vision and Pattern Recognition",
        "IEEE Conference on Computer Vision and Pattern Recognition",
        "Computer Vision and Pattern Recognition",
        dblp="conf/cvpr",
    ),
    _conf(
        "ICCV",
        "Proceedings of the IEEE/CVF International Conference on Computer Vision",
        "IEEE/CVF International Conference on Computer Vision",
        "IEEE International Conference on Computer Vision",
        "International Conference on Computer Vision",
        dblp="conf/iccv",
    ),
    _conf(
        "ECCV",
        "Proceedings of the European Conference on Computer Vision",
        "European Conference on Computer Vision",
        dblp="conf/eccv",
    ),
    _conf(
        "NeurIPS",
        "Advances in Neural Information Processing Systems",
        "Neural Information Processing Systems",
        "Conference on Neural Information Processing Systems",
        "Annual Conference on Neural Information Processing Systems",
        "NIPS",
        dblp="conf/nips",
    ),
    _conf(
        "ICLR",
        "International Conference on Learning Representations",
        dblp="conf/iclr",
    ),
    _conf(
        "ICML",
        "Proceedings of the International Conference on Machine Learning",
        "International Conference on Machine Learning",
        dblp="conf/icml",
    ),
    _conf(
        "AAAI",
        "Proceedings of the AAAI Conference on Artificial Intelligence",
        "AAAI Conference on Artificial Intelligence",
        dblp="conf/aaai",
    ),
    _conf(
        "IJCAI",
        "Proceedings of the International Joint Conference on Artificial Intelligence",
        "International Joint Conference on Artificial Intelligence",
        dblp="conf/ijcai",
    ),
    _conf(
        "WACV",
        "Proceedings of the IEEE/CVF Winter Conference on Applications of Computer Vision",
        "IEEE/CVF Winter Conference on Applications of Computer Vision",
        "Workshop on Applications of Computer Vision",
        dblp="conf/wacv",
    ),
    _conf(
        "BMVC",
        "Proceedings of the British Machine Vision Conference",
        "British Machine Vision Conference",
        dblp="conf/bmvc",
    ),
    _conf(
        "SIGGRAPH",
        "ACM SIGGRAPH Conference Papers",
        "ACM SIGGRAPH Conference Proceedings",
        "International Conference on Computer Graphics and Interactive Techniques",
        dblp="conf/siggraph",
    ),
    _conf(
        "SIGGRAPH Asia",
        "ACM SIGGRAPH Asia Conference Papers",
        "SIGGRAPH Asia Conference Papers",
        dblp="conf/siggrapha",
    ),
    _conf(
        "ACM MM",
        "Proceedings of the ACM International Conference on Multimedia",
        "ACM International Conference on Multimedia",
        "ACM Multimedia",
        dblp="conf/mm",
    ),
    _conf(
        "AISTATS",
        "Proceedings of the International Conference on Artificial Intelligence and Statistics",
        "International Conference on Artificial Intelligence and Statistics",
        dblp="conf/aistats",
    ),
    _conf(
        "UAI",
        "Proceedings of the Conference on Uncertainty in Artificial Intelligence",
        "Conference on Uncertainty in Artificial Intelligence",
        dblp="conf/uai",
    ),
    _conf(
        "ACL",
        "Proceedings of the Annual Meeting of the Association for Computational Linguistics",
        "Annual Meeting of the Association for Computational Linguistics",
        dblp="conf/acl",
    ),
    _conf(
        "EMNLP",
        "Proceedings of the Conference on Empirical Methods in Natural Language Processing",
        "Conference on Empirical Methods in Natural Language Processing",
        dblp="conf/emnlp",
    ),
    _journal(
        "TOG",
        "ACM Transactions on Graphics",
        "ACM Trans. Graph.",
        "ACM Trans. Graph.",
        dblp="journals/tog",
    ),
    _journal(
        "TPAMI",
        "IEEE Transactions on Pattern Analysis and Machine Intelligence",
        "IEEE Trans. Pattern Anal. Mach. Intell.",
        "IEEE Trans. Pattern Anal. Mach. Intell.",
        dblp="journals/pami",
    ),
    _journal(
        "IJCV",
        "International Journal of Computer Vision",
        "Int. J. Comput. Vis.",
        "Int. J. Comput. Vis.",
        dblp="journals/ijcv",
    ),
    _journal(
        "TIP",
        "IEEE Transactions on Image Processing",
        "IEEE Trans. Image Process.",
        "IEEE Trans. Image Process.",
        dblp="journals/tip",
    ),
    _journal(
        "JMLR",
        "Journal of Machine Learning Research",
        "J. Mach. Learn. Res.",
        "J. Mach. Learn. Res.",
        dblp="journals/jmlr",
    ),
    _journal(
        "TMLR",
        "Transactions on Machine Learning Research",
        "Trans. Mach. Learn. Res.",
        "Trans. Mach. Learn. Res.",
        dblp="journals/tmlr",
    ),
)

# Words that say nothing about which venue a name is: dropped before comparing names.
_NOISE = {
    "proceedings", "proc", "of", "the", "in", "on", "and", "annual", "ieee", "cvf", "acm",
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth",
}  # fmt: skip


def normalize_venue(name: str) -> str:
    """A venue name reduced to its significant words: ``ieee cvf`` etc., years, ordinals,
    punctuation and case dropped (``The 12th International Conference on Learning
    Representations, ICLR 2024`` → ``international conference learning representations iclr``).
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[{}\\]", "", text).lower()
    words = re.findall(r"[a-z]+", re.sub(r"\b\d+(st|nd|rd|th)?\b", " ", text))
    return " ".join(w for w in words if w not in _NOISE)


def is_workshop(name: str) -> bool:
    """True for a workshop's name (``CVPR 2024 - Workshops``), never the main conference."""
    return re.search(r"\bworkshops?\b", name, re.I) is not None and not re.search(
        r"winter conference|applications of computer vision", name, re.I
    )


@dataclass
class VenueTable:
    """Venues by every name they go by; see the module docstring."""

    venues: list[Venue] = field(default_factory=lambda: list(BUILTIN))

    def _names(self) -> dict[str, Venue]:
        out: dict[str, Venue] = {}
        for venue in self.venues:  # later venues (a project's) win
            for name in (venue.full, venue.short, venue.abbr, *venue.aliases):
                out[normalize_venue(name)] = venue
        return out

    def find(self, name: str | None) -> Venue | None:
        """The venue a name means, or None (workshops never match their conference).

        First the whole name (after :func:`normalize_venue`), then the name with a
        trailing abbreviation and place dropped (DBLP's ``..., ICLR 2024, Vienna``),
        then a venue's abbreviation as a word of the name (``CVPR 2025``).
        """
        if not name or not name.strip() or is_workshop(name):
            return None
        names = self._names()
        norm = normalize_venue(name)
        if norm in names:
            return names[norm]
        head = normalize_venue(re.split(r",", name)[0])
        if head in names:
            return names[head]
        words = set(re.findall(r"[A-Za-z]+", re.sub(r"[{}]", "", name)))
        for venue in reversed(self.venues):
            if venue.abbr.replace(" ", "") in words and " " not in venue.abbr:
                return venue
        return None

    def by_dblp_key(self, key: str | None) -> Venue | None:
        """The venue of a DBLP record key (``conf/cvpr/YinGZSDFP24`` → CVPR)."""
        if not key:
            return None
        stream = "/".join(key.split("/")[:2])
        for venue in reversed(self.venues):
            if stream in venue.dblp:
                return venue
        return None

    def by_abbr(self, abbr: str) -> Venue | None:
        for venue in reversed(self.venues):
            if venue.abbr.lower() == abbr.lower():
                return venue
        return None

    def with_file(self, path: str | Path) -> VenueTable:
        """This table plus the venues of a project's TOML file (they win on a clash)."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise DifbibError(
                f"cannot read the venues file {str(path)!r}: {err.strerror}"
            ) from None
        except tomllib.TOMLDecodeError as err:
            raise DifbibError(f"the venues file {str(path)!r} is not valid TOML: {err}") from None
        extra = []
        for abbr, spec in (data.get("venues") or {}).items():
            if not isinstance(spec, dict) or not isinstance(spec.get("full"), str):
                raise DifbibError(f"{path}: venue {abbr!r} needs a 'full' name")
            kind = spec.get("kind", CONFERENCE)
            if kind not in (CONFERENCE, JOURNAL):
                raise DifbibError(f"{path}: venue {abbr!r}: kind must be conference or journal")
            short = spec.get("short") or (f"Proc. {abbr}" if kind == CONFERENCE else abbr)
            extra.append(
                Venue(
                    abbr,
                    spec["full"],
                    short,
                    kind,
                    tuple(spec.get("aliases", ())),
                    tuple(spec.get("dblp", ())),
                )
            )
        return VenueTable([*self.venues, *extra])
