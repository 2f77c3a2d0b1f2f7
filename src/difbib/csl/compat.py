"""Compatibility layer: make citeproc-py render like citeproc-js, the reference.

citeproc-js (inside Zotero and Mendeley) is what survey writers compare against.
citeproc-py 0.11 departs from it, and from the CSL 1.0.2 specification, in a few
places that show on arXiv preprints. Each fix below targets the cause inside
citeproc-py (never the output of one style). Every fix is written against the CSL
specification; the citeproc-js comparison in ``tests/csl/test_citeproc_js.py``
checks them on the six reference styles and difbib's own, and the official CSL
test suite (``tests/csl/test_csl_suite.py``) on its fixtures.

How: citeproc-py builds its style tree from lxml element classes, one class per
CSL tag, chosen by an ``ElementNamespaceClassLookup``. difbib has a lookup of its
own, on a parser of its own, that maps every tag to a subclass of citeproc-py's
class carrying the fixes (:func:`_difbib_class`); :class:`Style` parses styles and
their locale files with it. citeproc-py's classes are never changed, so only the
styles difbib loads behave differently: a program using citeproc-py beside difbib
gets citeproc-py's behaviour. What is not per element lives in :class:`Bibliography`
(sorting, disambiguation, entries) and :class:`CitationItem`. The rendering state the
fixes keep (like citeproc-py's own, on the parsed style) is per render: renders are
serialised by a lock in :mod:`difbib.csl.render`, so threads may render at once.

1. **capitalize-first / capitalize-all touch only lowercase words.** The spec:
   "capitalize-first: capitalizes the first character of the first word, if the
   word is lowercase". citeproc-py capitalised any word, so APA's
   ``(arXiv:2210.02747)`` came out as ``(ArXiv:2210.02747)``. As in citeproc-js, the
   first word ends at white space or punctuation (``dpunkt-Verlag`` is
   ``Dpunkt-Verlag``, ``a/S`` is ``A/S``; :func:`_capitalize_first`).

2. **punctuation-in-quote.** Locales such as en-US set
   ``punctuation-in-quote="true"``: a comma or period that follows a closing quote
   goes inside it (``“Title,”``). citeproc-py ignored the option (IEEE gave
   ``”,``). The quote is marked where it closes (:data:`QUOTE_END`, a private-use
   character) and, once an entry is complete and the following character is known,
   :func:`finish` moves a following ``.`` or ``,`` inside (dropping a period that
   would double one already there) and removes the marks. As in citeproc-js
   (``CSL.Output.Queue.adjust``: only the suffixes, delimiters and following
   prefixes around a quoted element move into its quotes), punctuation that is text
   stays where it is: a ``<text value=".">`` after a quoted title (IEEE's
   ``“Journal of Glaciology”.``, marked by :data:`CONTENT_START`), and text after a
   quotation inside a value (``“‘Verheissung und Versprechen’, a third ...”``: only a
   quotation that ends its value is marked).

3. **second-field-align.** With ``second-field-align`` on the bibliography, the
   first rendered field (IEEE's ``[1]``, Nature's ``1.``) is a margin field set
   apart from the rest of the entry; citeproc-py glued it to the text
   (``[1]Name``). citeproc-js's text output puts one space after it; its HTML
   output wraps the two parts in ``csl-left-margin`` / ``csl-right-inline``
   divs. The formatter in use (``second_field``) decides which. An entry with
   nothing after its margin field is the field alone (``[1]``, no space; in HTML
   no ``csl-right-inline`` div), as citeproc-js prints it.

4. **initialize="false".** CSL 1.0.1's name option: with ``initialize="false"``
   given names are not reduced to initials; ``initialize-with`` is only added after
   initials already present. citeproc-py ignored it, so Chicago author-date gave
   ``Cai, Q., J. Chen`` instead of ``Cai, Qi, Jingwen Chen``. Also, as citeproc-js
   does, a lowercase part of a hyphenated given name gets no initial
   (``Sheng-ming`` becomes ``S.``, not ``S.-. ming .``), and a lowercase word of a
   given name (a particle left there) is kept with no initial mark of its own
   (``Aaron van den`` becomes ``A. van den``, not ``A. van . den .``); both come
   with fix S2's initials (:func:`initialize_with`).

5. **Typographic apostrophes.** citeproc-js prints a straight apostrophe in a
   field value as ``’`` (``It’s Time``); :func:`typographic_apostrophes` does the
   same to the CSL-JSON values before citeproc-py reads them (not to URLs/DOIs).

6. **Sorting like citeproc-js.** Three causes: (a) a ``<text macro=...>`` inside a
   sort macro dropped the sort options, so names were not all inverted
   (``Dalva, Yusuf, Kavana Venkatesh`` sorted by the given name "Kavana"); (b) the
   "et al." and "and" terms took part in name sort keys (citeproc-js leaves them
   out, so ``Dao, T. et al. (2022)`` sorts before ``Dao, T. (2023)`` by year; it
   keeps "et al." when the key sets ``names-min``, as APA's citation sort does);
   (c) keys were compared as raw strings, while citeproc-js compares with the
   locale's collation ignoring case, accents and punctuation, word by word, numbers
   by value
   (``Li`` before ``Liu``, ``Zhang`` before ``Z-Image``). :func:`collation_key`
   approximates that collation. A key is its text: HTML output's ``<i>`` does not
   sort an italic title before every name.

7. **Title case of hyphenated words, and only in English.** citeproc-js
   title-cases each part of a hyphenated word (``Training-Free``, ``One-Step``,
   ``Plug-and-Play``); citeproc-py left ``Training-free`` alone. Title case applies
   to English only (an item's ``language`` is read by its first two letters in any
   case, as citeproc-js reads it: "English" and "en-GB" are English; it decides for
   the variables citeproc-js reads in several languages and for titles, not for
   ``edition`` or ``note``), and an item
   without a language is in the output locale's language (citeproc-py went by the
   style's default locale, so ``--locale de-DE`` still title-cased).
   :func:`set_output_locale` records the locale on the style.

8. **Cites keep the order given** when the style's citation has no ``<sort>``
   (the spec; citeproc-js). citeproc-py always put them in bibliography order, so
   Chicago gave ``(Dao et al. 2022; Lipman et al. 2022)`` for "Lipman, Dao". With a
   ``<sort>``, ties still fall back to bibliography order, as in citeproc-js
   (grouped cites sort by their names first: fix 22).

9. **``<if disambiguate="true">`` is false** unless disambiguation (fix 12) asks
   for it. citeproc-py treated a condition with no test it knows as true, so MLA
   printed every citation with its title (``(Yin et al., “Improved ...”)``).

10. **Punctuation seams see through markup.** citeproc-py drops a doubled
    punctuation mark where two pieces meet, but not when the first ends in markup:
    Nature's HTML gave ``<i>et al.</i>.``. The seam now looks past closing tags
    (and Markdown's ``*``), and, like citeproc-js, also drops a period after ``?``
    or ``!``.

11. **HTML escapes as citeproc-js does** (``&#38;``, ``&#60;``, ``&#62;``), so HTML
    output can be compared with it; see :func:`html_escape`. Escaped characters
    travel through citeproc-py as private-use code points (:func:`protect`) and
    take their final form at the end (:func:`unprotect`): citeproc-py splits page
    ranges at ``&`` itself, and an entity escaped before it was split in two
    (``1 &#38; #38; 2``).

12. **Disambiguation** (citeproc-py has none). :func:`disambiguate` finds cites
    that render alike ("(Liu et al., 2025)" for four papers) and, as the style's
    ``<citation>`` allows, adds names (``disambiguate-add-names``), expands given
    names (``disambiguate-add-givenname``, honouring
    ``givenname-disambiguation-rule``), then adds a year suffix (``2019a``) or
    makes ``<if disambiguate="true">`` true. As in citeproc-js the added names and
    expanded given names also show in the bibliography
    (``Liu, Jie, Gongye Liu, Jiajun Liang, Yangguang Li, et al.`` in Chicago).
    It models citeproc-js's method (per cite: at each name count, expand the given
    names that separate it from more of its look-alikes, then add a name; within an
    entry, give full given names to people who would look alike, "Chen Junsong" and
    "Chen Junyu") rather than copying it; the comparison tests check it. Cites are
    compared without their quotation marks and formatting, as citeproc-js compares
    them without decorations: an italic title and a quoted one of the same name and
    year are look-alikes (``1983a``, ``1983b``).

13. **subsequent-author-substitute** (MLA's ``———``): an entry whose names render
    like the previous entry's gets the substitute instead (rule ``complete-all``,
    the default; other rules are left alone). As in citeproc-js, "et al." is not
    part of the comparison (``Dao, Tri, et al.`` then ``Dao, Tri`` gives ``———``).
    As in citeproc-js (its ``rendered_name``), the names compared are the names
    shown, part by part, not their text, and a role label stays (``———, editor``);
    a text standing in for names is compared by the values it printed. What a
    ``cs:substitute`` child prints after a ``cs:names`` child with a ``cs:name`` of
    its own was tried (MLA's ``guest``) takes no part in citeproc-js 2.4: such an
    entry (MLA's title, or an editor) gets no substitute and leaves the previous
    names in place for the next entry.

14. **collapse="year"** (APA, Chicago, Harvard): neighbouring cites by the same
    names are grouped and the names printed once, ``(Dao, 2023a, 2023b)`` (citeproc-js
    compares a cite's names with the previous cite's; a style that sorts cites brings
    them together, fix 22); citeproc-py ignored
    ``collapse``. Likewise ``collapse="citation-number"`` (Nature): ``1–4``.

15. **A label needs its variable** (the spec: ``cs:label`` renders only when the
    variable is non-empty). citeproc-py printed the term anyway: ``arXiv 2025, p. ,``
    for a preprint without pages.

16. **Given names in sort keys come from citeproc-js's name register.** With
    ``disambiguate-add-givenname``, citeproc-js registers every name of every cite
    (family, initials, given name) and computes the bibliography's sort keys
    before it disambiguates, with an empty disambiguation config: each name in a
    key gets the form the register alone asks for (its ``evalname`` with no
    request), at least the name element's own. A family name registered with
    several initials gets initials; an initial shared by several given names gets
    the full given name. With the default rule ``by-cite`` the register is per item
    (the item id is part of its key), so this is about an entry's own names; the
    ``all-names`` rules share it across the bibliography and the ``primary-name``
    rules register and expand first names only; under ``by-cite`` a short form
    (family name only) stays short. Names in a key are in sort order, so an
    expanded short name is "Dao T." there. So in Harvard the key of
    ``Liu, Jie, ..., Liu, Jiaheng`` is "Liu, Jie" whatever the entry prints, and it
    sorts after "Liu, J." entries; difbib gives its sort keys the same names
    (:func:`_sort_key_givens`). The order does not depend on item order, as
    citeproc-js registers all items before it takes any sort key.

17. **Inline markup in CSL-JSON values** (the spec's "Rich Text" appendix:
    ``<i>``, ``<b>``, ``<sup>``, ``<sub>``, ``<span style="font-variant:small-caps;">``
    and ``<span class="nocase">``, whose text "is left unchanged" by text-case).
    With ``rich_text`` (:func:`escape_value`) they render as formatting, and any other
    tag is escaped as text; difbib had escaped them all (``&#60;i&#62;``). difbib's
    own items come from BibTeX, where such tags are text, and are escaped as before.

18. **Dates in sort keys.** The spec (Sorting): "Date variables called via a macro
    are returned in the YYYYMMDD format, with zeros substituted for any missing
    date-parts ... Negative years are sorted inversely, e.g. 100BC, 50BC, 50AD,
    100AD". citeproc-py sorted the rendered text. Only the parts the date element
    shows count (``date-parts="year"`` sorts by the year alone, as citeproc-js).

Also from the CSL test suite: title case follows the item's ``language`` when it
has one (fix 7; "Title case conversion ... is only applied to English-language
items"), a one-letter part of a hyphenated word keeps its case (``07-x``, as
citeproc-js), capitalize-first ends the first word at any white space (a no-break
space too: ``o. A.`` becomes ``O. A.``), a cite with a locator is not folded into a
citation-number range (fix 14: ``[1], [2, p. 23], [3]``), and an item that renders
nothing has no entry (:meth:`Bibliography.bibliography`), as in citeproc-js.

19. **Superscript characters in HTML** are ``<sup>`` of their base character, as
    citeproc-js writes them (French ordinals ``1ʳᵉ``, ``²``): :func:`unprotect`.

20. **Punctuation meeting at a seam** merges as in citeproc-js (the CSL suite's
    "FullMonty" tables; the spec leaves it to processors): a repeated mark is
    dropped; ``.`` and ``:`` after ``;``, ``!`` or ``?`` (and ``.`` after ``:``) are
    dropped; ``!`` and ``?`` replace a ``:`` or ``;`` before them; other pairs stay
    (:func:`_seam`).

21. **Quotation marks by depth.** The spec: quotes="true" uses "the open-quote and
    close-quote terms"; nested quotations use the inner-quote terms. citeproc-py
    always used the outer ones, and, in rich text, the quotations of values
    (``"..."``, ``'...'``) were left straight. Quotations are now marked while an
    entry renders and their marks chosen by depth once it is complete
    (:func:`_resolve_quotes`, :func:`value_quotes`): ``“My ‘Amazing’ Title”``.
    As in citeproc-js this holds for every value (difbib's own titles from BibTeX,
    where ````Best''`` is ``“Best”``, too), typographic marks included, and
    punctuation-in-quote moves a period inside nested quotes (``‘Boom.’”``).
    A straight ``"`` opens a quotation only after a space or ``(`` (citeproc-js's
    flip-flopper): TeX's ``Fr{\"u}hdruck`` keeps its ``"``, and title case leaves
    the letter after an unpaired mark as it is (citeproc-js's ``quoteFix``).

22. **A document's cites are among its own references.** citeproc-js computes a
    citation against the items registered in the document (the cited papers of a
    ``difbib cite`` run), not against a whole library, so the comparison tests cite
    subsets of the library in several orders. Two rules showed there:
    (a) a cite's order: with a ``<sort>`` and cite grouping (``collapse`` in an
    in-text style, or a ``cite-group-delimiter``) and no citation-number sort,
    citeproc-js sorts by the cite's names as printed, then by the style's keys;
    each run of cites with the same names takes as its first key the run's first
    cite's first key and its position, and the cites are sorted again
    (:func:`_grouped_sort`). So Harvard, which sorts cites by year, gives
    ``(Liu, Liu, Liang, Li, et al., 2025; Liu, Liu, Liang, Yuan, et al., 2025)``
    whatever the order given; difbib had kept bibliography order for the tie.
    (b) Under the ``by-cite`` rule a short name (``form="short"``, as in Harvard's
    and MLA's cites) is never raised above its form by the name register, so the
    full given names that look-alike people of one entry get (fix 12's
    "Chen Junsong"/"Chen Junyu") show only where names are long: Flow-GRPO, which
    names a Jie and a Jiaheng Liu, is ``Liu, Jie, ...`` in Harvard's bibliography
    but ``Liu, Liu, ...`` in its cite (difbib printed ``Jie Liu, Liu, ...``).
    Grouped cites compare their names as printed with white space ignored like
    punctuation (``Deng et al.`` before ``D. Liu et al.``), unlike sort keys.

23. **Names told apart across the document.** With a rule other than ``by-cite``
    (APA's ``primary-name-with-initials``, Chicago's ``primary-name``), citeproc-js
    gives every name (the first only, for the primary-name rules) the form its
    name register asks for, whether or not the cites look alike: two cited first
    authors Yuxuan and Zhen Ma are ``(Y. Ma et al., 2026; Z. Ma et al., 2025)``.
    It is the register of fix 16, now applied to rendered names too (at least the
    form disambiguation chose); ``by-cite`` leaves it to fix 12.

24. **Substituted variables are not printed again**: one implementation with S6
    (:func:`_substitute_render`), which also gives shorthand ``cs:names`` of a
    substitution, at any depth, the substituted element's ``cs:name``.

25. **A group is suppressed by the variables it reached.** The spec: cs:group "is
    suppressed if a) at least one rendering element in cs:group calls a variable
    (either directly or via a macro), and b) all variables that are called are
    empty". citeproc-py counted a ``cs:choose`` as a rendered variable when any of
    its branches could render one: APA's thesis got "(Publication)" with no number
    after it. Now the variables counted are those the rendering reached
    (:func:`_group_process`). A called macro is a group of its own, as fix S11
    makes it: one whose variables are all empty prints nothing (no lone "p."), one
    that prints ("n.d.", a term only) counts as rendered for the group around it.

26. **demote-non-dropping-particle="sort-only"** (Harvard): the spec, "the
    non-dropping-particle is demoted only when names are sorted": "de la Fuente"
    sorts under F, as "Fuente, Juan de la", while it prints "de la Fuente, J.".
    citeproc-py treated "sort-only" as "never" in sort keys built from a macro.
    (The particles themselves are parsed out of ``family`` by fix S7.)

27. **Page ranges** (``page-range-format``): one implementation, fix 28's port of
    citeproc-js (:mod:`difbib.csl.numbers`), which also covers S4.

Fixes S1, S2, ... come from the official CSL test suite (``tests/csl/test_csl_suite.py``
keeps the fixtures that pass):

S1. **Name lists as the spec lays them out** (:func:`_spec_name_process`). "et al."
    only when names are left out: the spec's ``et-al-use-first`` "maximum number of
    names to render" is reached by disambiguation's added names (fix 12), and then
    the list is complete (citeproc-py printed ``Smith, Brown, J. Jones, et al.`` for
    three authors); ``et-al-use-first="0"`` renders no names.
    ``delimiter-precedes-et-al`` / ``-last`` take all four values
    (``after-inverted-name``: "delimiter is only used if the preceding name is
    inverted"). ``cs:name-part``: "If set to 'given', formatting and text-case
    attributes ... affect the 'given' and 'dropping-particle' name-parts. affixes
    surround the 'given' name-part, enclosing any demoted name particles for inverted
    names"; "If set to 'family', ... affect the 'family' and 'non-dropping-particle'
    name-parts. affixes surround the 'family' name-part, enclosing any preceding name
    particles, as well as the 'suffix' name-part for non-inverted names". A particle
    ending in an apostrophe or hyphen joins the name (``d’Jones``, ``al-One``), a
    name in a non-Latin script is family-first without a space (``我妻栄``), the
    suffix follows a comma when the name has ``comma-suffix``, a name with only a
    given name is not initialised, and ``form="count"`` adds up the names of all the
    variables of a ``<names>`` ("5", where citeproc-py wrote "32").

S2. **Initials as citeproc-js makes them** (:func:`initialize_with`). A given name
    is split at spaces, hyphens and periods; a part ending in a period is an
    abbreviation and keeps its letters (``Ph.``, ``ME.``), any other part gives its
    first letter (``ME`` gives ``M``); with ``initialize="false"`` ("given names are
    not initialized, but initials ... are normalized") only initials and
    abbreviations get the ``initialize-with`` text (``John M.E.`` with ". " is
    ``John M. E.``). citeproc-py took the first letter of everything (``Ph.`` gave
    ``P.``) and left ``M.E`` alone under ``initialize="false"``.

S3. **Decorations flip** (:func:`flip_flop`). citeproc-js, after the spec's Rich
    Text appendix, sets italics inside italics upright (``<i>My <span
    style="font-style:normal;">Amazing</span> Title</i>``), and likewise bold and
    small caps; a value's ``<span class="nodecor">`` and a style's explicit
    ``font-style="normal"`` inside an italic element undo the decoration around
    them. citeproc-py nested ``<i>`` in ``<i>``, which shows as plain italics.

S4. **Page ranges** (fix 28, :mod:`difbib.csl.numbers`): ``page-range-format`` as Appendix V
    defines it, abbreviated second numbers completed first (``1100-23`` is
    ``1100–1123`` in chicago), prefixed numbers (``N110–N115``), and text that is no
    range left alone (``3-B``).

S5. **A term that opens a cite or an entry is capitalised** (:func:`_capitalize_first_term`),
    as citeproc-js does outside in-text citations: a note's "Ibid.", and after a
    prefix that ends a sentence ("Caps after. Ibid."). The same rule serves fix 29.

S6. **Substituted variables are printed once** (:func:`_substitute_render`). The
    spec: "Substituted variables are suppressed in the rest of the output to
    prevent duplication"; citeproc-py left out only ``<text>`` elements of the same
    variable.

S7. **Names given as family and given only are parsed** (:func:`parse_name`), as
    citeproc-js parses them: particles out of the family name (``van Gogh``,
    ``al-One``) and the given name (``Alexander von``), a suffix after a comma in
    the given name (``John, III``); a family name in double quotes stands as it is.

S8. **Seasons and empty date parts** (:func:`fix_seasons`): CSL-JSON's months 13–24
    are seasons ("Spring 1999–Summer 2001"); an empty or zero month or day is none.

S9. **citation-label** (:func:`citation_label`): the trigraph citeproc-js assigns
    ("Asth00"), followed by the year suffix when the style prints the label
    ("RoNo78a"), as citeproc-js does.

S10. **Delimiters of collapsed cites** (:func:`_collapse_years`) as citeproc-js
    chooses them. Also from the suite: a short name's given name, added by
    disambiguation, is in full when the name has no ``initialize-with`` ("John
    Doe; Aloysius Doe"), initials otherwise, as citeproc-js gives it.

S13. ``journalAbbreviation`` is ``container-title-short`` (:func:`short_titles`).

S11. **A macro is a group** for suppression (:func:`_text_render`): one that calls
    variables and prints none of them prints nothing ("Title, in " lost its
    "in "); as in citeproc-js, a called macro that prints counts as a printed
    variable for the one calling it, and ``year-suffix`` is not a call. Also: a
    label of ``number-of-volumes`` (``number-of-pages``) is plural above one.

S12. **A cite's affixes and the delimiter** (:func:`_spliced`): a prefix that starts
    with punctuation replaces the delimiter, a suffix that ends with it keeps only
    the delimiter's space, as citeproc-js splices cites.

28. **Number variables are read as citeproc-js reads them** (:mod:`difbib.csl.numbers`,
    a port of its ``processNumber`` and ``PageRangeMangler``). The spec leaves the
    reading of "numbers ... separated by a hyphen, comma or ampersand" to processors;
    citeproc-py turned every hyphen into an en dash and called a label plural for any
    two digit runs. citeproc-js makes a range only between two numbers of one label
    (``46-??`` and ``M-1-M-14`` keep hyphens, ``99-02`` as a report number is ``Nos.
    99–02``, ``1-3`` as a volume is ``Vols. 1–3``), finds pages written as a sum one
    value (``p. 6 + 120 + 1``), expands ``321-28`` and applies ``page-range-format``
    to what it reads as a page range; ``is-numeric`` follows the same reading.
    A ``cs:text`` of such a variable takes its ``text-case`` piece by piece, as
    citeproc-js appends each piece on its own: an edition "revised and enlarged" with
    capitalize-first is "Revised and Enlarged", "Twenty-third" is "Twenty-Third"; an
    embedded label is left as it is ("with Corrections").

29. **A term that opens a bibliography entry is capitalised**, as citeproc-js does
    (its ``term_predecessor``: a ``cs:text term`` rendered before any other output of
    the entry gets capitalize-first, outside in-text citations). APA's entry with
    neither author nor title starts ``(N.d.-a).``; difbib printed ``(n.d.-a).``.
    Output of a group that is then suppressed does not count, as in citeproc-js.
    One implementation with S5 (:func:`_capitalize_first_term`).

30. **Names in sort keys carry no role label.** citeproc-js builds a name sort key
    from the names alone: an edited book's key is "André, J", not "André, J (Ed.)",
    so in APA ``André, J. (Ed.). (1983a). Actes ...`` sorts by its title with
    ``André, J. (1983b). Analytical ...``; difbib's key had the label, which put
    every edited book after its editor's own books.

31. **Narrow no-break spaces before ``:;?!»``.** citeproc-js replaces a space before
    these marks (and after ``«``) with U+202F in every string it outputs, the
    typographic rule of French and others; field values had kept their plain space
    (:func:`_narrow_spaces`).

32. **"and others" is "et al."** (:func:`et_al_flags`): a BibTeX name list that ended
    in ``and others`` prints the names followed by the style's "et al.", as BibTeX's
    and biblatex's styles do ("Smith, J., et al. (2020)", "(Smith et al., 2020)").

33. **A name list ending in an institution** (a ``literal`` name) is joined as
    citeproc-js joins it, with the "and" of its implicit ``cs:institution``, which
    sees the style's inherited name options only, not ``cs:name``'s own
    ``delimiter-precedes-last``: "Electronic Arts & Advanced Memory Systems" in APA
    (whose ``cs:name`` says "always"), "Crowder, K., and Altsys Corporation" in
    Harvard (whose ``cs:name`` says "never"); the default ("contextual") puts the
    delimiter before "and" from three names on.

34. **An entry's namesakes are told apart in the order they are printed.** The spec
    has ``disambiguate-add-givenname`` tell apart the names of ambiguous cites;
    citeproc-js also runs every name it prints through its name register (fix 16):
    under the ``by-cite`` rule the register is the entry's own, and a name printed
    with initials is printed in full when the register holds another given name
    with the same family name and initials. Names are registered as they are
    printed: the cite's and sort key's names (the whole list, also what et al.
    hides) before the entry, the entry's other names (editors, translators; as many
    as are shown) when the entry prints them. So in Harvard "André, J. (1989) ...
    in Jacques André and R.D. Hersch (eds.)" (the editor shares the author's
    initial) and "Translated by G. Franchi and Guido Franchi" (Gaia Franchi is
    printed before Guido is registered); difbib had printed initials for both, as
    fix 12 looked only at the cite's names (:func:`_entry_registered`). Short names
    stay short, as under fix 22, and a form the cite's disambiguation chose stands
    (citeproc-js's request): "Liu, D. et al." though the entry also names a David Liu.

A cite's prefix and suffix, and a style's ``<text value>``, are rich text like a
value (quotations, markup; :func:`_rich`), as citeproc-js reads them. A cite's
locator is escaped for the output like any value (fix 11; citeproc-py
printed ``213 & 235`` into HTML as is).

Fix 14 covers the spec's whole ``collapse`` family: ``year-suffix`` ("also
suppresses repeating years within the cite group, e.g. (Doe 2000a, b)"),
``year-suffix-ranged`` ("(Doe 2000a–c,e)"), ``cite-group-delimiter``,
``year-suffix-delimiter`` and ``after-collapse-delimiter`` (:func:`_collapse_years`),
with citeproc-js's choice of the delimiter between cites (fix S10): an in-text
style without a ``cite-group-delimiter`` joins the years of one author with ", "
(``(Doe 2000a–d, 2001; Roe 1999)``), a note style with the layout's delimiter.

Speed, without changing output: citeproc-py looks macros up with an XPath query
on every use and recomputes ``calls_variable`` (a walk of the style tree) for every
group of every entry; over half of its time went there. Both depend only on the
style, so difbib's classes memoise them per element (:func:`_get_macro`,
:func:`_memo_calls`, and every XPath lookup in :func:`_xpath_search`), and a
cite's reference is looked up once (:func:`_reference`). Disambiguation computes
the signature of a look-alike for a given trial (names shown, given-name levels)
once per group instead of once per cite tried. Locale terms are looked up once per
term (:func:`_locale_get_term`), ``Formatted.format`` returns at once for an
element without formatting attributes (:func:`_format`), a condition reads the
item's type and reference once (:func:`_if_type`), and a cite alone in its
citation is not sorted. What the fixes read of an element's attributes on every
render (its affixes, whether it renders a variable, its variable, macro or term,
its formatting) is read once per element (:func:`_facts`), as are its children
(:func:`_children`), the tests of a ``cs:if`` (:func:`_condition`, which
``cs:choose`` evaluates without an exception per branch not taken:
:func:`_choose_render`) and a ``cs:name``'s options (:func:`_name_get_option`).
The memo holds the
elements, so lxml keeps the same Python proxy objects alive and their ids stay
unique.

Bibliography sorting (citeproc-py sorts only when asked) is handled where the
bibliography is built, in :mod:`difbib.csl.render`.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, cmp_to_key, lru_cache
from typing import IO, Any, TypeAlias, TypedDict, cast, overload

from citeproc import CitationStylesBibliography, CitationStylesStyle, model, source
from citeproc import source as source_module
from citeproc.source import CitationItem as _Item
from citeproc.source import Date, DateRange, LiteralDate
from citeproc.string import SEAM_PUNCTUATION, MixedString, NoCase, String, _strip_first_char
from lxml import etree

from difbib.csl import numbers, workers

#: What citeproc-py's rendering gives: a ``String`` (a ``str``), a ``MixedString``
#: (segments, some case-protected), or plain text.
RenderedText: TypeAlias = "str | MixedString"
#: A rendered cite: the item, the text of its first names element, its text.
_Cite: TypeAlias = "tuple[_Item, str | None, RenderedText]"
#: What a callback makes of a cite whose item is not in the bibliography.
_Callback: TypeAlias = "Callable[[_Item], str | None]"

#: The attribute on a style's root that records the output locale (fix 7).
LOCALE_ATTRIBUTE = "difbib-output-locale"


def set_output_locale(style: CitationStylesStyle, locale: str) -> None:
    """Record the output locale on a parsed citeproc-py style (fix 7)."""
    style.root.set(LOCALE_ATTRIBUTE, locale)


#: Marks the end of a quoted string while an entry is being rendered.
QUOTE_END = "\ue000"
#: Marks punctuation that opens the text of a ``cs:text`` (its value, variable or
#: term, not its affixes), which never moves into a quotation before it (fix 2).
CONTENT_START = "\ue003"


def _mark_content(text: RenderedText | None) -> RenderedText | None:
    """``text`` with :data:`CONTENT_START` before it if it opens with ``.`` or ``,``."""
    if text is None or str(text)[:1] not in (".", ","):
        return text
    return CONTENT_START + text


def _capitalize_if_lower(word: String) -> String:
    """Capitalise ``word``'s first character only if the word is all lowercase."""
    return word.capitalize_first() if str(word).islower() else word


#: A word as citeproc-js's text case sees it: it ends at white space (a no-break space
#: too: "o. A.") and at the punctuation title case splits at (:data:`_TITLE_TAG`).
_CASE_WORD = re.compile(
    "[^\\s\u2018\u2019\u201c\u201d\"'\\-\u2013\u2014/.,;?!:\\[\\]()"
    + "".join(chr(0xE010 + n) for n in range(12))
    + "\ue000\ue003\ue020\ue021]+"
)


def _capitalize_first(text: String | MixedString) -> RenderedText:
    """capitalize-first (fix 1) as citeproc-js does it: the first word, cut at white
    space and punctuation, is capitalised if it is lowercase ("dpunkt-Verlag" is
    "Dpunkt-Verlag", "a/S" is "A/S", "(arXiv:..." stays); case-protected text stays."""
    plain_text = str(text)
    m = _CASE_WORD.search(plain_text)
    if m is None or m.group(0) != m.group(0).lower() or m.group(0) == m.group(0).upper():
        return text
    at = m.start()
    segments = list(text) if isinstance(text, MixedString) else [text]
    for n, segment in enumerate(segments):
        piece = str(segment)
        if at < len(piece):
            if isinstance(segment, NoCase):
                return text
            segments[n] = type(segment)(piece[:at] + piece[at].upper() + piece[at + 1 :])  # type: ignore[call-overload]
            break
        at -= len(piece)
    return MixedString(segments) if isinstance(text, MixedString) else segments[0]


def _case(
    self: model.TextCased, text: String | MixedString | None, language: str | None = None
) -> RenderedText | None:
    """``TextCased.case`` with the spec's rule for capitalize-first/-all (fix 1) and
    title case for English only (fix 7)."""
    if text is None:  # a name part the name lacks (no given name): nothing to case
        return text
    text_case = self.get("text-case")
    if text_case == "capitalize-first":
        return _capitalize_first(text)
    if text_case == "title":
        # Title case is for English only: the item's language when it has one,
        # else the output locale's (fix 7).
        if language is None:
            language = self.get_root().get(LOCALE_ATTRIBUTE) or "en"
        return _title_case(self, text) if language.startswith("en") else text
    if text_case in ("lowercase", "uppercase") and isinstance(text, MixedString):
        # case-protected text (nocase) keeps its case: the spec's "Case of the
        # string is left unchanged" for nocase spans; citeproc-py changed it
        change = str.lower if text_case == "lowercase" else str.upper
        return MixedString([s if isinstance(s, NoCase) else type(s)(change(s)) for s in text])
    if text_case == "capitalize-all":
        return " ".join(str(_capitalize_if_lower(w)) for w in text.words())
    return _original_case(self, text, language)


#: citeproc-js's skip words (``CSL.SKIP_WORDS``), left lowercase by title case unless
#: first, after ``:``/``?``/``!``, or last. citeproc-js makes them one regular expression
#: without escaping them, so ``v.`` and ``vs.`` match any two- or three-letter word
#: starting with ``v`` ("the vi editor"); :data:`_SKIP_WORD` does the same.
_SKIP_WORDS = (
    "about",
    "above",
    "across",
    "afore",
    "after",
    "against",
    "al",
    "along",
    "alongside",
    "amid",
    "amidst",
    "among",
    "amongst",
    "anenst",
    "apropos",
    "apud",
    "around",
    "as",
    "aside",
    "astride",
    "at",
    "athwart",
    "atop",
    "barring",
    "before",
    "behind",
    "below",
    "beneath",
    "beside",
    "besides",
    "between",
    "beyond",
    "but",
    "by",
    "circa",
    "despite",
    "down",
    "during",
    "et",
    "except",
    "for",
    "forenenst",
    "from",
    "given",
    "in",
    "inside",
    "into",
    "lest",
    "like",
    "modulo",
    "near",
    "next",
    "notwithstanding",
    "of",
    "off",
    "on",
    "onto",
    "out",
    "over",
    "per",
    "plus",
    "pro",
    "qua",
    "sans",
    "since",
    "than",
    "through",
    " thru",
    "throughout",
    "thruout",
    "till",
    "to",
    "toward",
    "towards",
    "under",
    "underneath",
    "until",
    "unto",
    "up",
    "upon",
    "versus",
    "vs.",
    "v.",
    "vs",
    "v",
    "via",
    "vis-à-vis",
    "with",
    "within",
    "without",
    "according to",
    "ahead of",
    "apart from",
    "as for",
    "as of",
    "as per",
    "as regards",
    "aside from",
    "back to",
    "because of",
    "close to",
    "due to",
    "except for",
    "far from",
    "inside of",
    "instead of",
    "near to",
    "next to",
    "on to",
    "out from",
    "out of",
    "outside of",
    "prior to",
    "pursuant to",
    "rather than",
    "regardless of",
    "such as",
    "that of",
    "up to",
    "where as",
    "or",
    "yet",
    "so",
    "for",
    "and",
    "nor",
    "a",
    "an",
    "the",
    "de",
    "d'",
    "von",
    "van",
    "c",
    "ca",
)
_SKIP_WORD = re.compile("(?:" + "|".join(_SKIP_WORDS) + ")")
#: What title case sees as punctuation between words (citeproc-js's tag set): quotes,
#: dashes, slashes, sentence marks, brackets, and the markup of values (fix 17).
_TITLE_TAG = re.compile(
    "(\u2018|\u2019|\u201c|\u201d| \"| '|\"|'|[-\u2013\u2014/.,;?!:\\[\\]()]|["
    + "".join(chr(0xE010 + n) for n in range(12))
    + "\ue000\ue020\ue021"  # the marks of quotations (fixes 2 and 21)
    + "])"
)
_QUOTE_CHARS = frozenset("\"'\u2018\u2019\u201c\u201d")
_TITLE_SPACE = re.compile("([\u00a0\u0020\u2000-\u200b\u205f\u3000]+)")
#: Markup inside which title case changes nothing: small caps, sup, sub, nodecor
#: (their opening and closing codes, see fix 17).
_TITLE_BLOCKING = {chr(0xE010 + 2 * n): chr(0xE011 + 2 * n) for n in (2, 3, 4, 5)}


def _capitalise_js(word: str) -> str:
    """citeproc-js's ``_capitalise``: the first character upper-cased, except a lone
    Greek letter (used as a symbol in science titles)."""
    stripped = word.lstrip()
    lead = word[: len(word) - len(stripped)]
    if not stripped or (len(stripped) == 1 and "\u0370" <= stripped <= "\u03ff"):
        return word
    return lead + stripped[0].upper() + stripped[1:]


def _title_case(self: model.TextCased, text: String | MixedString) -> String:
    """Title case as citeproc-js does it (fix 7).

    The spec: "Title case conversion (with text-case set to "title") for English-
    language items is performed by: For uppercase strings, the first character of
    the string remains capitalized. All other letters are lowercased. For lower or
    mixed case strings, the first character of each lowercase word is capitalized.
    The case of words in mixed or uppercase stays the same. In both cases, stop
    words are lowercased, unless they are the first or last word in the string, or
    follow a colon." citeproc-js, the reference, splits the text at punctuation
    (quotes, hyphens and dashes, slashes, brackets, markup) and at white space;
    each all-lowercase word of two letters or more that is not a skip word is
    capitalised, and so is the first word, a word after ``:``, ``?`` or ``!``, and
    a skip word that ends the text. Case-protected text (``nocase``) and text in
    small caps, superscript or subscript stay as they are. A quotation mark that
    pairs with none (:func:`value_quotes` has marked the pairs) leaves the character
    after it as it is, as citeproc-js's ``quoteFix`` restores it: TeX's
    ``Fr{\"u}hdruck`` keeps its ``u``.
    """
    tokens: list[list[str]] = []  # [kind, text]: "str", "tag" or "keep"
    segments = list(text) if isinstance(text, MixedString) else [text]
    for segment in segments:
        if isinstance(segment, NoCase):
            tokens.append(["keep", str(segment)])
            continue
        parts = _TITLE_TAG.split(str(segment))
        for n, part in enumerate(parts):
            if n % 2 == 0:
                tokens.append(["str", part])
            elif part in ("'", "\u2019") and n + 1 < len(parts) and parts[n + 1]:
                # an apostrophe belongs to the word after it ("You’re", not "You’Re"):
                # citeproc-js reads the straight one so, and difbib has made it curly
                parts[n + 1] = part + parts[n + 1]
            else:
                tokens.append(["tag", part])
    is_first, after_punct, unpaired = True, False, False
    blocking: list[str] = []
    last = None  # (token index, word index) of the last word cased
    words_of: dict[int, list[str]] = {}
    for t, (kind, value) in enumerate(tokens):
        if kind == "tag":
            if value in _TITLE_BLOCKING:
                blocking.append(_TITLE_BLOCKING[value])
            elif blocking and value == blocking[-1]:
                blocking.pop()
            if value[-1:] in "!?:":
                after_punct = True
            unpaired = value.strip() in _QUOTE_CHARS
            continue
        if kind == "keep" or blocking:
            if value.strip():
                last = None
        else:
            words = _TITLE_SPACE.split(value)
            # citeproc-js capitalises a skip word before a hyphen, in the text's first
            # stretch only ("Pro-Environmental")
            before_hyphen = t == 0 and t + 1 < len(tokens) and tokens[t + 1] == ["tag", "-"]
            for j in range(0, len(words), 2):
                word = words[j]
                if not word:
                    continue
                lower = word.lower()
                skip = _SKIP_WORD.fullmatch(lower) is not None
                capitalise = (len(word) > 1 and not skip) or is_first or after_punct
                capitalise = capitalise or (before_hyphen and j == len(words) - 1)
                if unpaired and j == 0:
                    capitalise = False  # right after an unpaired quotation mark
                if capitalise and word == lower:
                    words[j] = _capitalise_js(word)
                after_punct = is_first = False
                last = (t, j)
            words_of[t] = words
            if unpaired and words[0]:
                last = None
        if value.strip():
            is_first = after_punct = False
        unpaired = False
    if last is not None:
        t, j = last
        word = words_of[t][j]
        if len(word) > 1 and _SKIP_WORD.fullmatch(word.lower()):
            words_of[t][j] = _capitalise_js(word)
    return String(
        "".join("".join(words_of[t]) if t in words_of else v for t, (_, v) in enumerate(tokens))
    )


#: Fix 21: where a quotation opens and closes, while an entry is rendered. The
#: quote marks are chosen when the entry is complete (:func:`_resolve_quotes`), by
#: depth: the locale's ``open-quote``/``close-quote`` outside, ``open-inner-quote``/
#: ``close-inner-quote`` one level in, and so on alternately.
QUOTE_OPEN, QUOTE_CLOSE = "\ue020", "\ue021"


def _quote(self: model.Quoted, string: RenderedText) -> RenderedText:
    """``Quoted.quote`` that marks the closing quote when punctuation goes inside (fix 2)
    and leaves the choice of quote marks to the depth (fix 21)."""
    if self.get("quotes", "false").lower() != "true":
        return string
    piq = self.get_locale_option("punctuation-in-quote").lower() == "true"
    return QUOTE_OPEN + string + QUOTE_CLOSE + (QUOTE_END if piq else "")


def _resolve_quotes(element: model.CitationStylesElement, text: RenderedText) -> RenderedText:
    """``text`` with its quotation marks chosen by depth (fix 21). The spec
    (cs:text, quotes): "... the open-quote and close-quote terms ... Nested quotes
    are rendered with the open-inner-quote and close-inner-quote terms"; citeproc-js
    alternates them, and counts the quotations in field values too."""
    plain_text = str(text)
    if QUOTE_OPEN not in plain_text and QUOTE_CLOSE not in plain_text:
        return text
    if _active.get("ambiguous"):
        # a cite compared for disambiguation (fix 12) has no decorations, quotes
        # neither, in citeproc-js: "Title" and “Title” look alike
        return String("".join(c for c in plain_text if c not in _QUOTE_MARKS))
    if element.get_locale_option("punctuation-in-quote").lower() != "true":
        # a value's quotations carry the mark too (value_quotes): not for this locale
        plain_text = plain_text.replace(QUOTE_END, "")
    marks = [
        (
            str(element.get_single_term(name="open-quote")),
            str(element.get_single_term(name="close-quote")),
        ),
        (
            str(element.get_single_term(name="open-inner-quote")),
            str(element.get_single_term(name="close-inner-quote")),
        ),
    ]
    out, depth = [], 0
    for char in plain_text:
        if char == QUOTE_OPEN:
            out.append(marks[depth % 2][0])
            depth += 1
        elif char == QUOTE_CLOSE:
            depth = max(depth - 1, 0)
            out.append(marks[depth % 2][1])
        else:
            out.append(char)
    return String("".join(out))


_QUOTE_MARKS = frozenset((QUOTE_OPEN, QUOTE_CLOSE, QUOTE_END))
_OPENING_CONTEXT = set(' \t\n\u00a0([{"\u201c\u2018' + QUOTE_OPEN)


def value_quotes(text: str, field: bool = True) -> str:
    """A CSL-JSON value's quotations marked for :func:`_resolve_quotes` (fix 21), and
    its remaining straight apostrophes made typographic (fix 5).

    As citeproc-js reads every value: ``"..."`` is a quotation when its opening mark
    follows a space or ``(`` (or starts the value; TeX's ``{\"u}`` is text), and so is ``'...'``
    when the opening mark starts a word and the closing one ends a word (``Life's``
    keeps its apostrophe); so are typographic ``“…”`` and ``‘…’`` (a ``’`` with no
    ``‘`` open is an apostrophe: ``Rock ’n’ roll``). A mark left unpaired is text.
    A field's closing quotation takes the punctuation that follows it inside when
    the locale says so (``punctuation-in-quote``: "the 1990’s ‘Boom.’”"). Not so in
    a cite's prefix or suffix (``field=False``), where citeproc-js reads only straight
    marks and leaves the punctuation typed after them.
    """
    if not any(c in text for c in "\"'\u201c\u2018"):
        return text
    out = list(text)
    stack: list[tuple[str, int]] = []
    in_tags = {i for m in _MARKUP_TAG.finditer(text) for i in range(m.start(), m.end())}
    # the value's last character but for markup: only a quotation that ends there can
    # take punctuation from outside (fix 2); what follows one elsewhere is text
    end = max((i for i in range(len(text)) if i not in in_tags), default=-1)
    for i, c in enumerate(text):
        close = QUOTE_CLOSE + QUOTE_END if field and i == end else QUOTE_CLOSE
        if i in in_tags:
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if c in "\u201c\u2018" and field:  # typographic opening marks: “ and ‘
            stack.append((c, i))
        elif c in "\u201d\u2019" and field:  # their closing marks, if one is open
            if stack and stack[-1][0] == {"\u201d": "\u201c", "\u2019": "\u2018"}[c]:
                out[stack.pop()[1]], out[i] = QUOTE_OPEN, close
        elif c == '"':
            if stack and stack[-1][0] == '"' and not before.isspace():
                out[stack.pop()[1]], out[i] = QUOTE_OPEN, close
            elif before in " (" and not after.isspace():  # citeproc-js: ' "' or '("' opens
                stack.append(('"', i))
        elif c == "'":
            if stack and stack[-1][0] == "'" and not after.isalnum():
                out[stack.pop()[1]], out[i] = QUOTE_OPEN, close
            elif before in _OPENING_CONTEXT and not after.isspace():
                stack.append(("'", i))
    return "".join("\u2019" if c == "'" and i not in in_tags else c for i, c in enumerate(out))


# (last character inside the quotes)(closing quote)MARK(closing tags)(punctuation)
_MOVE = re.compile(r"(.?)(.)" + QUOTE_END + r"((?:</[a-z]+>)*)([.,])", re.S)


def _move_inside(m: re.Match[str]) -> str:
    inner_last, quote, tags, punct = m.groups("")  # (every group takes part)
    if punct == "." and inner_last in (".", "?", "!"):
        # "Why?". and "Etc.". keep the quoted text's own mark (as citeproc-js does)
        return inner_last + quote + tags
    return inner_last + punct + quote + tags


def finish(text: str) -> str:
    """Complete a rendered entry or citation: resolve the quote marks (fix 2)."""
    if QUOTE_END not in text:
        return text.replace(CONTENT_START, "")
    while True:  # nested quotations: the mark goes inside each ("‘Boom.’”")
        moved = _MOVE.sub(_move_inside, text)
        if moved == text:
            return moved.replace(QUOTE_END, "").replace(CONTENT_START, "")
        text = moved


_APOSTROPHE_EXEMPT = {"id", "type", "URL", "DOI", "custom"}


_SPACED_MARK = re.compile(" ([:;?!\u00bb])")


def _narrow_spaces(value: str) -> str:
    """Fix 27: a space before ``:``, ``;``, ``?``, ``!`` or ``»`` (and after ``«``) in a
    value becomes a narrow no-break space, as citeproc-js writes every string it
    outputs (``Vertretungsmacht ?`` is ``Vertretungsmacht\u202f?``)."""
    if " " not in value:
        return value
    return _SPACED_MARK.sub("\u202f\\1", value).replace("\u00ab ", "\u00ab\u202f")


def typographic_apostrophes(
    items: list[dict[str, Any]], quotations: bool = False
) -> list[dict[str, Any]]:
    """Items with straight apostrophes in text values turned into ``’`` (fix 5); with
    ``quotations``, the quotations in values marked as well (fix 21, rich text)."""
    change = value_quotes if quotations else (lambda v: v.replace("'", "\u2019"))

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return _narrow_spaces(change(value))
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return [{k: (v if k in _APOSTROPHE_EXEMPT else walk(v)) for k, v in i.items()} for i in items]


def _initialize(
    self: model.Name, given: str, mark: str, context: model.CitationStylesElement | None
) -> str:
    """``Name.initialize`` as citeproc-js initialises (fixes 4 and S2), leaving full
    given names chosen by disambiguation (fix 12) alone."""
    if isinstance(given, FullGiven):
        return str(given)
    normalize = str(self.get_option("initialize", context)).lower() == "false"
    hyphen = self.get_option("initialize-with-hyphen", context)
    return initialize_with(str(given), mark, normalize_only=normalize, hyphen=hyphen)


_NAME_INITIAL = re.compile(
    "^([A-Z\u0e01-\u0e5b\u00c0-\u017f\u0400-\u042f\u0590-\u05d4\u05d6-\u05ff\u0600-\u06ff"
    "\u0370\u0372\u0376\u0386\u0388-\u03ab\u03e2\u03e4\u03e6\u03e8\u03ea\u03ec\u03ee\u03f4"
    "\u03f7\u03fd-\u03ff])([a-zA-Z\u0e01-\u0e5b\u00c0-\u017f\u0400-\u052f\u0600-\u06ff"
    "\u0370-\u03ff\u1f00-\u1fff]*|)(\\.)*"
)
_WS_END = re.compile("[\t\n\x0b\x0c\r \ufeff\u00a0]+$")


def _tidy_initials(text: str) -> str:
    text = _WS_END.sub("", text)
    return re.sub(r"[\t\n\x0b\x0c\r ]+", " ", re.sub(r"\s*-\s*", "-", text))


@lru_cache(maxsize=4096)
def initialize_with(
    given: str, terminator: str | None, normalize_only: bool = False, hyphen: bool = True
) -> str:
    """A given name reduced to initials ending in ``terminator`` (``initialize-with``),
    as citeproc-js does (fix S2).

    The name is split at spaces, hyphens and periods ("Ph.M.E." is "Ph. M. E.").
    A part that ends in a period was abbreviated already and keeps its letters
    ("Ph." stays "Ph", "ME." stays "ME"); any other part is a name and becomes its
    first letter ("John" and "ME" give "J" and "M"). With ``initialize="false"``
    (``normalize_only``; CSL 1.0.1: "given names are not initialized, but initials
    ... are normalized") only the abbreviations and single capitals get the
    terminator: "John M.E." with ". " is "John M. E.". A lowercase part after a
    hyphen is not a name of its own ("Sheng-ming" is "S.").
    """
    if not given:
        return ""
    terminator = terminator or ""
    if given in ("Lord", "Lady") or not _STARTS_ROMANESQUE.match(given):
        return given
    if not hyphen:
        given = given.replace("-", " ")
    given = re.sub(r"\s+", " ", re.sub(r"\s*-\s*", "-", given))
    given = re.sub(r"-([a-z])", "\u2013\\1", given)
    given = re.sub(r"\.(?=[^ ])", ". ", given)
    names = re.split(r"([-\s]+)", given)
    if len(names) == 1:
        last = re.search(r"[^.]+$", names[0])
        if last and len(last.group(0)) == 1 and last.group(0) != last.group(0).lower():
            names[0] += "."
    if normalize_only:
        text = _normalize_initials(names, terminator)
    else:
        text = _initials(names, terminator)
    return re.sub("\u2013([a-z])", r"-\1", text)


def _normalize_initials(names: list[str], terminator: str) -> str:
    abbreviated = []
    for i, part in enumerate(names):
        if len(part) > 1 and part.endswith("."):
            names[i] = re.sub(r"^(.*)\.(.*)$", r"\1\2", part)
            abbreviated.append(True)
        else:
            abbreviated.append(len(part) == 1 and part.upper() == part)
    count = len(names)
    for i in range(0, count, 2):
        if not abbreviated[i]:
            continue
        if i < count - 2:
            if not abbreviated[i + 2]:
                names[i + 1] += " "
            if len(names[i + 2]) > 1:
                names[i + 1] = terminator.rstrip("\ufeff") + names[i + 1]
            else:
                names[i + 1] = terminator
        if i == count - 1:
            names[i] += terminator
    return _tidy_initials("".join(names))


def _initials(names: list[str], terminator: str) -> str:
    count = len(names)
    for i in range(0, count, 2):
        part = names[i]
        if not part:
            continue
        m = _NAME_INITIAL.match(part)
        head, rest, period = (m.group(1), m.group(2) or "", m.group(3)) if m else ("", "", None)
        if m and rest and period:
            head, rest = head + rest, ""
        if m and head[:1] == head[:1].upper():
            upper = ""
            for c in rest:
                if c != c.upper():
                    break
                upper += c
            names[i] = head + (upper.lower() if len(upper) < len(rest) else "")
            if i < count - 1:
                if "-" in names[i + 1]:
                    names[i + 1] = terminator + "-"
                else:
                    names[i + 1] = terminator
            else:
                names.append(terminator)
        elif _ROMANESQUE.search(part) and not period:
            names[i] = " " + part
    return _tidy_initials("".join(names))


def _render_entry(
    self: model.Layout, item: _Item, joiner: Callable[[str, str], str] | None
) -> RenderedText | None:
    """One bibliography entry with its margin field set apart (fix 3)."""
    self.repressed = {}
    first = None
    rest: list[RenderedText] = []
    for child in self.iterchildren():
        try:
            text = child.render(item)
        except model.VariableError:
            continue
        if text is None:
            continue
        if first is None:
            first = text
        else:
            rest.append(text)
    if first is None:
        return None
    body = self.format(self.wrap(model.join(rest, self.get("delimiter", "")))) if rest else ""
    # citeproc-js ends the part after the margin field at its last character: IEEE's
    # group suffix ". " leaves no space after a title-only entry
    body = str(body).rstrip()
    if joiner is not None:
        return joiner(str(first), str(body))
    return String(f"{first} {body}" if body else str(first))


def _render_bibliography(self: model.Layout, citation_items: list[_Item]) -> list[RenderedText]:
    """``Layout.render_bibliography`` with fixes 3 and 13, entry by entry."""
    bibliography = self.getparent()
    second_field = bibliography.get("second-field-align") is not None
    # difbib's formatters join the margin field to the rest (fix 3); citeproc-py's have none
    joiner: Callable[[str, str], str] | None = getattr(self.get_formatter(), "second_field", None)
    substitute = bibliography.get("subsequent-author-substitute")
    rule = bibliography.get("subsequent-author-substitute-rule", "complete-all")
    _substitute.update(
        {
            "active": substitute is not None and rule == "complete-all",
            "text": substitute or "",
            "previous": _substitute.get("seed"),
        }
    )
    output_items: list[RenderedText] = []
    try:
        for item in citation_items:
            _substitute.update({"done": False, "current": None})
            _substitution_reset(active=True)
            _start_entry(item)
            # one output per item ("" if it renders nothing), so callers can pair them
            if second_field:
                text = _render_entry(self, item, joiner)
            else:
                rendered = _original_render_bibliography(self, [item])
                text = rendered[0] if rendered else None
            text = _capitalize_first_term(text) if text is not None else None
            output_items.append(_resolve_quotes(self, text) if text is not None else String(""))
            if _substitute.get("current") is not None:  # an entry with names (fix 13)
                _substitute["previous"] = _substitute["current"]
    finally:
        _substitute["active"] = False
        _substitution_reset(active=False)
        _start_entry(None)
    return output_items


def render_entries(
    style: CitationStylesStyle, items: Sequence[_Item], previous: str | None = None
) -> tuple[list[RenderedText], str | None]:
    """``style.render_bibliography(items)`` for a run of entries that may not start the
    bibliography: ``previous`` holds the names of the last entry before the run that
    has names (subsequent-author-substitute compares with them, fix 13; ``None``
    at the start). Returns the entries and the same for the entry after the run.

    That is all one entry passes to the next, so runs rendered apart (even in other
    processes) and put together are the bibliography rendered in one go."""
    _substitute["seed"] = previous
    try:
        entries = style.render_bibliography(list(items))
    finally:
        _substitute.pop("seed", None)
    return entries, _substitute.get("previous")


class _SubstituteState(TypedDict, total=False):
    """subsequent-author-substitute while a bibliography renders (fix 13)."""

    active: bool  # the style substitutes (rule complete-all)
    text: str  # the substitute (MLA's "———")
    previous: str | None  # the names of the previous entry
    seed: str | None  # the names before the first entry (set by render_entries)
    current: str | None  # the names of this entry
    done: bool  # this entry's names are seen
    shown: list[str] | None  # while the first names render: the names printed
    label: tuple[Any, RenderedText] | None  # and the label (element, text) printed with them


_substitute: _SubstituteState = {"active": False}


def _names_render(self: model.Names, item: _Item, *args: Any, **kwargs: Any) -> RenderedText | None:
    """``Names.render`` leaving out names a substitute printed already (fix S6)."""
    _called_variable()
    if not _subst_state["active"] or kwargs.get("sort_options") is not None:
        text = _names_render_inner(self, item, *args, **kwargs)
        if text is not None:
            _rendered["count"] += 1
        return text
    roles = (self.get("variable") or "").split()
    hidden = {r: item.reference[r] for r in roles if _substituted(r) and r in item.reference}
    for role in hidden:
        del item.reference[role]
    try:
        text = _names_render_inner(self, item, *args, **kwargs)
    finally:
        item.reference.update(hidden)
    if text is not None:
        _rendered_variables(r for r in roles if r in item.reference and r not in hidden)
        _rendered["count"] += 1  # a substitute's output stands for the names (fix S11)
    return text


# -- fix S6: what a substitute printed is not printed again ----------------------

_subst_state: dict[str, Any] = {"active": False, "done": set(), "collect": []}


def _substitution_reset(active: bool) -> None:
    """A new cite or entry: nothing substituted yet (fix S6)."""
    _subst_state.update(active=active, done=set(), collect=[])


def _rendered_variables(names: Iterable[str | None]) -> None:
    names = list(names)
    _rendered["count"] += len(names)
    if _subst_state["collect"]:
        _subst_state["collect"][-1].update(names)


#: How many variables have been called and rendered so far (fix S11 compares the
#: counts before and after a macro).
_rendered = {"count": 0, "called": 0}


def _called_variable() -> None:
    _rendered["called"] += 1


def _substituted(variable: str | None) -> bool:
    """Whether a substitute printed ``variable`` already (in the substitute being
    rendered too: citeproc-js prints a variable once there)."""
    if not variable or not _subst_state["active"]:
        return False
    return variable in _subst_state["done"] or any(variable in c for c in _subst_state["collect"])


#: The cs:names whose cs:substitute is rendering (fix S6: shorthand cs:names inherit).
_substituting: list[model.Names] = []


def _substitute_render(
    self: model.Substitute,
    item: _Item,
    context: model.CitationStylesElement | None = None,
    **kwargs: Any,
) -> RenderedText | None:
    """``Substitute.render`` noting the variables the chosen substitute printed.

    The spec (cs:substitute): "Substituted variables are suppressed in the rest of
    the output to prevent duplication." citeproc-py suppressed a ``<text>`` of the
    same variable only, so a title standing in for the author was printed twice
    (``ecs. (n.d.). ecs.``), and an editor printed as the author came back as
    ``Ed. by John Doe``; now names, text, numbers and dates of every variable the
    substitute printed (inside macros too) are left out of the rest of the cite or
    entry.

    Also "A shorthand version of cs:names without child elements ... inherits the
    attributes values set on the cs:name and cs:et-al child elements of the
    original cs:names element" (and its label), at any depth: Chicago's substitute
    holds its ``<names variable="editor"/>`` in a ``cs:choose``, where citeproc-py
    gave the editor a default name (``A. Smith.`` for ``Smith, Anna, ed.``)."""
    _substituting.append(cast(model.Names, self.getparent()))
    try:
        if not _subst_state["active"] or kwargs.get("sort_options") is not None:
            return _original_substitute_render(self, item, context, **kwargs)
        _subst_state["collect"].append(set())
        try:
            text = _original_substitute_render(self, item, context, **kwargs)
        finally:
            seen = _subst_state["collect"].pop()
    finally:
        _substituting.pop()
    if text:
        _subst_state["done"] |= seen
        _rendered_variables(seen)
    return text


def _number_process(
    self: model.Number,
    item: _Item,
    context: model.CitationStylesElement | None = None,
    **kwargs: Any,
) -> RenderedText | None:
    """``Number.process`` leaving out a substituted variable (fix S6)."""
    variable = self.get("variable")
    _called_variable()
    if _substituted(variable):
        return None
    text = _original_number_process(self, item, context, **kwargs)
    if text is not None:
        _rendered_variables([variable])
    return text


def _names_render_inner(
    self: model.Names, item: _Item, *args: Any, **kwargs: Any
) -> RenderedText | None:
    """``Names.render`` applying subsequent-author-substitute (fix 13) and noting or
    leaving out a cite's names for year collapsing (fix 14)."""
    if _substituting and _substituting[-1] is not self and self.name is None:
        # a shorthand cs:names in a substitution, at any depth (fix S6)
        kwargs.setdefault("names_context", _substituting[-1])
    cite = _cite_names
    if cite["capture"] and not cite["seen"] and kwargs.get("sort_options") is None:
        cite["seen"] = True
        text = _original_names_render(self, item, *args, **kwargs)
        cite["text"] = str(text) if text is not None else None
        return None if cite["suppress"] else text
    state = _substitute
    if not state["active"] or state.get("done") or kwargs.get("sort_options") is not None:
        return _original_names_render(self, item, *args, **kwargs)
    # the entry's first names: note the names shown and the label printed with them
    state["done"], state["shown"], state["label"] = True, [], None
    try:
        text = _original_names_render(self, item, *args, **kwargs)
    finally:
        shown, state["shown"] = state.get("shown"), None
    if text is None or _substitute_blocked(self, item, bool(shown)):
        return text
    if shown:
        key = "|".join(shown)
    else:  # a text stood in: citeproc-js compares the values it printed
        done = sorted(_subst_state["done"] - {None})
        values = (item.reference.get(v.replace("-", "_")) for v in done)
        key = "|".join(str(v) for v in values if v and not _is_names(v))
    state["current"] = key
    if key and key == state["previous"]:
        substitute: RenderedText = String(state.get("text", ""))
        label = state.get("label")
        if label is not None:
            substitute = substitute + label[0].markup(label[1])  # "———, editor"
        return self.wrap(self.format(substitute))
    return text


def _is_names(value: object) -> bool:
    """Whether a reference's value is a list of names (a MixedString is a list too)."""
    return isinstance(value, list) and any(isinstance(n, source_module.Name) for n in value)


def _substitute_blocked(names: model.Names, item: _Item, shown: bool) -> bool:
    """Whether citeproc-js leaves the entry's first names out of subsequent-author-
    substitute (fix 13): when what printed came from a ``cs:substitute`` child after a
    ``cs:names`` child with a ``cs:name`` of its own (MLA's ``guest``), tried in vain."""
    if any(item.reference.get(v) for v in (names.get("variable") or "").split()):
        return False  # its own names printed
    substitute = names.find("cs:substitute", names.nsmap)
    if substitute is None:
        return False
    passed_full = False
    for child in substitute:
        if isinstance(child, model.Names):
            if any(item.reference.get(v) for v in (child.get("variable") or "").split()):
                return passed_full  # the names that printed
            passed_full = passed_full or child.find("cs:name", child.nsmap) is not None
        elif not shown:
            return passed_full  # (the first other child is taken for the one that printed)
    return passed_full


_sorting = False


#: A sort key as citeproc-js's collator compares it: per word, its runs of digits
#: (by value) and of other characters.
CollationKey: TypeAlias = "tuple[tuple[tuple[int, float, str], ...], ...]"

#: Letters that the locale's collation (ICU's root order, which citeproc-js's
#: ``localeCompare`` uses) treats as their base letters at "base" sensitivity, but
#: that Unicode does not decompose: ``Kołodziejska`` sorts before ``Koning``,
#: ``Sønderby`` before ``Soz``, ``Æ`` as ``AE`` (fix 6c). (Others, like ``þ`` and
#: ``ŋ``, are letters of their own after ``z`` and ``n``, and stay as they are.)
_BASE_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "æ": "ae", "œ": "oe"}
)


_FORMATTER_TAG = re.compile(r"<[^>]*>")
#: The ASCII characters collation ignores (punctuation, separators, marks), for
#: ``str.translate``.
_ASCII_IGNORED = {
    n: None for n in range(128) if unicodedata.category(chr(n)).startswith(("P", "M", "Z"))
}


def collation_key(value: object) -> CollationKey | None:
    """A sort key comparing like citeproc-js's collator (fix 6c).

    citeproc-js turns white space in sort keys into ``|`` and compares with ICU
    (``sensitivity: base, ignorePunctuation, numeric``): case, accents and
    punctuation are ignored, ``|`` is not and sorts before letters, so keys compare
    word by word (``Li`` before ``Liu``, ``Zhang`` before ``Z-Image``); runs of
    digits compare by value.
    """
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return (((0, value, ""),),)
    raw = str(value)
    for mark in (QUOTE_END, QUOTE_OPEN, QUOTE_CLOSE, CONTENT_START):
        raw = raw.replace(mark, "")
    if "<" in raw:  # the HTML formatter's tags (a "<" of the text is protected, fix 11)
        raw = _FORMATTER_TAG.sub("", raw)
    text = unicodedata.normalize("NFKD", plain(raw)).casefold().translate(_BASE_LETTERS)
    words = []
    # every single space is a "|" (citeproc-js: ``keystring.split(" ").join("|")``), so
    # a word of punctuation alone still separates: "YUNUS – Turkish" is "yunus||turkish"
    # and sorts before "YUNUS (Turkish)", "yunus|turkish"
    for raw in text.strip(" ").split(" "):
        if raw.isascii():  # (speed: the same characters dropped, by a table)
            word = raw.translate(_ASCII_IGNORED)
        else:
            word = "".join(
                c for c in raw if not unicodedata.category(c).startswith(("P", "M", "Z"))
            )
        words.append(
            tuple(
                (0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk)
                for chunk in re.findall(r"\d+|\D+", word)
            )
        )
    return tuple(words) if words != [()] else ()


def _sort_columns(
    self: model.Sort, items: Sequence[_Item], context: model.CitationStylesElement
) -> tuple[list[list[CollationKey | None]], list[bool], list[list[Any]]]:
    """The sort keys of ``items``, one column per ``cs:key``: collation keys,
    descending flags, and the raw keys."""
    global _sorting
    keys: list[list[CollationKey | None]] = []
    descending: list[bool] = []
    raw: list[list[Any]] = []  # citeproc-py's keys: text, numbers, date keys, None
    _sorting = True
    _sort_state["register"] = None
    try:
        for key in cast("list[model.Key]", self.findall("cs:key", self.nsmap)):  # cs:key: Keys
            descending.append(key.get("sort", "ascending").lower() == "descending")
            _sort_state["keep_et_al"] = any(
                a in key.attrib for a in ("names-min", "names-use-first", "names-use-last")
            )
            raw.append(list(key.sort_keys(items, context)))
            keys.append([collation_key(k) for k in raw[-1]])
    finally:
        _sorting = False
    return keys, descending, raw


def _sorted_order(keys: Sequence[Sequence[Any]], descending: list[bool], count: int) -> list[int]:
    """The positions 0..count-1 sorted by the key columns (citeproc-js's comparison:
    missing keys last, ties keep their order). A column holds keys of one kind
    (collation keys, or positions), compared with ``<`` and ``>``."""

    def compare(a: int, b: int) -> int:
        for column, desc in zip(keys, descending, strict=True):
            left, right = column[a], column[b]
            if left == right:
                continue
            if left is None:
                return 1
            if right is None:
                return -1
            result: int = (left > right) - (left < right)
            return -result if desc else result
        return 0

    return sorted(range(count), key=cmp_to_key(compare))


def _sort(
    self: model.Sort, items: list[_Item], context: model.CitationStylesElement
) -> list[_Item]:
    """``Sort.sort`` with citeproc-js's comparison (fix 6); stable, missing keys last."""
    keys, descending, _ = _sort_columns(self, items, context)
    return [items[i] for i in _sorted_order(keys, descending, len(items))]


def _grouped_sort(sort: model.Sort, rendered: list[_Cite], layout: model.Layout) -> list[_Cite]:
    """Cites sorted as citeproc-js sorts them when they are grouped (fix 22).

    With ``collapse`` (or a ``cite-group-delimiter``) and a ``<sort>``, citeproc-js
    sorts a citation twice: first by the cite's names as printed, then by the
    style's keys; each run of cites with the same names then takes as its first key
    the first key of the run's first cite followed by its position, and the cites
    are sorted again. So the names come together, and among names with equal keys
    the names decide: Harvard (sorted by year) gives "(Liu, Liu, Liang, Li, et al.,
    2025; Liu, Liu, Liang, Yuan, et al., 2025)" in either order given.
    """
    items = [item for item, _, _ in rendered]
    keys, descending, _ = _sort_columns(sort, items, layout)
    # the names are compared as printed, where (unlike sort keys, fix 6c) white
    # space is ignored like punctuation: "Deng et al." before "D. Liu et al."
    names = [collation_key("".join(plain(str(n)).split())) if n else None for _, n, _ in rendered]
    # the added columns sort in the first key's direction (citeproc-js)
    first_descending = descending[0] if descending else False
    order = _sorted_order([names, *keys], [first_descending, *descending], len(items))
    # citeproc-js appends the position to the key text; difbib's key texts are not
    # citeproc-js's, so the two are compared in turn (a missing key last)
    lead: list[tuple[int, CollationKey | None, int] | None] = [None] * len(items)
    previous: object = object()
    first: CollationKey | None = None
    for position, i in enumerate(order):
        if names[i] != previous:
            previous, first = names[i], (keys[0][i] if keys else None)
        lead[i] = (1, (), position) if first is None else (0, first, position)
    order = _sorted_order([lead, *keys], [first_descending, *descending], len(items))
    return [rendered[i] for i in order]


class _SortState(TypedDict):
    """What the fixes to sort keys know while keys are computed (fixes 6b, 16)."""

    keep_et_al: bool  # the key sets names-min etc.: "et al." stays
    # the name register of this sort: (rule, bibliography, register)
    register: tuple[str, CitationStylesBibliography | None, _Register] | None


#: citeproc-js's name register: family -> initials -> given names (fix 16).
_Register: TypeAlias = "dict[str, dict[str, set[str]]]"

_sort_state: _SortState = {"keep_et_al": False, "register": None}


def _et_al(self: model.Name) -> RenderedText | None:
    """No "et al." in name sort keys, unless the key sets names-min etc. (fix 6b)."""
    if _sorting and not _sort_state["keep_et_al"]:
        return None
    return _original_et_al(self)


#: The variables whose language decides title case (fix 7): citeproc-js's
#: ``CSL.MULTI_FIELDS``, and the other titles, which the CSL test suite adds
#: (``textcase_TitleCaseWithVolumeTitle``, after citeproc-js 2.4.63, which title-cased
#: a German ``volume-title``); others (``edition``, ``note``) are title-cased in any
#: language.
_MULTI_FIELDS = frozenset(
    [
        "event",
        "publisher",
        "publisher-place",
        "event-place",
        "title",
        "container-title",
        "collection-title",
        "authority",
        "genre",
        "title-short",
        "medium",
        "country",
        "jurisdiction",
        "archive",
        "archive-place",
        "event-title",
        "original-title",
        "part-title",
        "reviewed-title",
        "volume-title",
    ]
)


def _text_process(
    self: model.Text,
    item: _Item,
    context: model.CitationStylesElement | None = None,
    **kwargs: Any,
) -> tuple[RenderedText | None, str | None]:
    """``Text.process`` passing the sort options on to a called macro (fix 6a), and
    giving no language for an item without one (fix 7: the output locale decides).

    (speed) The element's attributes come from :func:`_facts`, and an item without a
    ``language`` is told by a lookup, not by the ``VariableError`` citeproc-py raises
    (twice per ``cs:text``). citeproc-py's own ``Text.process`` is inlined but for the
    language it computes, which is not used; a language that is not a string, or a
    ``cs:text`` with none of variable, macro, term and value, goes the original way."""
    facts = _facts(self)
    value = dict.get(item.reference, "language", _ABSENT)
    if value is not _ABSENT and not isinstance(value, str):
        return _text_process_slow(self, item, context, **kwargs)
    # citeproc-js reads the first two letters, in any case: "English" is English;
    # it asks the language of its "multi-fields" only
    language = None if value is _ABSENT or not facts.reads_language else str(value)[:2].lower()
    macro = facts.macro
    if macro is not None and kwargs.get("sort_options") is not None:
        where = context if context is not None else self
        return _macro_of(self, macro).render(
            item, where, sort_options=kwargs["sort_options"]
        ), language
    if facts.value_only:
        return _mark_content(String(_rich(self, facts.value or ""))), language
    if context is None:
        context = self
    text: RenderedText | None
    if facts.variable is not None:
        text = self._variable(item, context)
    elif macro is not None:
        text = _macro_of(self, macro).render(item, context)
    elif facts.term is not None:
        text = self._term(item)
    elif facts.value is not None:
        text = String(self.preformat(facts.value))
    else:
        return _text_process_slow(self, item, context, **kwargs)
    if macro is None:
        text = _mark_content(text)  # a value or a term (fix 2); a macro's parts are marked
    return text, language


#: A missing value (a reference's value may be None).
_ABSENT = object()

#: cs:text element -> the cs:macro it calls (keyed as _element_facts)
_text_macros: dict[model.Text, model.Macro] = {}


def _macro_of(element: model.Text, name: str) -> model.Macro:
    """``element.get_macro(name)`` (``name``: the element's ``macro``), once per element
    (speed; the style's macros do not change). A missing macro raises every time."""
    macro = _text_macros.get(element)
    if macro is None:
        macro = _text_macros[element] = element.get_macro(name)
    return macro


def _text_process_slow(
    self: model.Text,
    item: _Item,
    context: model.CitationStylesElement | None = None,
    **kwargs: Any,
) -> tuple[RenderedText | None, str | None]:
    """:func:`_text_process` as first written, for what its fast path does not cover."""
    language: str | None
    try:
        # citeproc-js reads the first two letters, in any case: "English" is English
        language = str(item.reference.language)[:2].lower()
    except model.VariableError:
        language = None
    variable = self.get("variable")
    if variable is not None and variable not in _MULTI_FIELDS and "macro" not in self.attrib:
        language = None  # citeproc-js asks the language of its "multi-fields" only
    if "macro" in self.attrib and kwargs.get("sort_options") is not None:
        macro = self.get_macro(self.get("macro", ""))
        where = context if context is not None else self
        return macro.render(item, where, sort_options=kwargs["sort_options"]), language
    if "value" in self.attrib and not {"macro", "variable", "term"} & set(self.attrib):
        return _mark_content(String(_rich(self, self.get("value", "")))), language
    text, _ = _original_text_process(self, item, context=context, **kwargs)
    if "macro" not in self.attrib:
        text = _mark_content(text)  # a value or a term (fix 2); a macro's parts are marked
    return text, language


def _text_render(self: model.Text, item: _Item, *args: Any, **kwargs: Any) -> RenderedText | None:
    """``Text.render`` marking where a term starts (fix S5); a macro that calls
    variables and renders none of them renders nothing (fix S11).

    CSL 1.0.2 (cs:text, macro): a macro "behaves like a cs:group" for suppression,
    which "is suppressed if a) at least one rendering element in cs:group calls a
    variable (either directly or via a macro), and b) all variables that are
    called are empty"; citeproc-py printed the macro's terms alone ("Title, in ")."""
    facts = _facts(self)  # (speed: attributes read once per element)
    frame = _group_frames[-1] if _group_frames and facts.renders_variable else None
    if frame is not None:  # as reporting_render (fix 25), which text does not go through
        frame[0] = True
        if facts.variable == "year-suffix":
            frame[1] = True
    before, called = _rendered["count"], _rendered["called"]
    # citeproc-py's Text.render, inlined (speed)
    text, language = self.process(item, *args, **kwargs)
    text = self.markup(text, language)
    if text is not None:
        sorting = kwargs.get("sort_options") is not None
        if facts.macro is not None:
            if not sorting and _rendered["count"] == before and _rendered["called"] > called:
                text = None
            else:
                _rendered["count"] += 1  # a macro that prints counts for the one calling it
                if _group_frames:
                    _group_frames[-1][1] = True  # and for the group around it (fix 25)
        if facts.term is not None and text and not sorting:
            text = String(_FIRST_TERM) + text  # capitalised if it opens the cite
    if frame is not None and text:
        frame[1] = True
    return text


# -- fix S5: a term that opens a cite or an entry --------------------------------

#: Marks where a term starts; :func:`_capitalize_first_term` resolves it.
_FIRST_TERM = "\U000f0fff"
_OPENING = re.compile("^((?:<[^>]*>|\\W)*?)" + _FIRST_TERM + "((?:<[^>]*>|\\W)*?)(\\w)")


def _capitalize_first_term(text: Any, prefix: str = "", allowed: bool = True) -> Any:
    """``text`` (a cite or an entry) with a term that opens it capitalised (fix S5).

    citeproc-js capitalises the first letter of a term (``<text term="ibid"/>``)
    that is the first thing rendered in a cite or a bibliography entry (affixes and
    punctuation before it do not count: APA's "(N.d.-a).", fix 29), except in
    the citations of in-text styles: "Ibid." opens a note. A cite's prefix is
    rendered before it, unless it ends a sentence (``.``, ``!``, ``?``, ``:``,
    ``;``) and has more than one word: "Caps after. Ibid." but "Nocapsafter. ibid."
    (an abbreviation)."""
    plain = str(text)
    if _FIRST_TERM not in plain:
        return text
    if prefix:
        test = re.sub(r"<[^>]+>", "", prefix)
        test = re.sub("[\"'\u201d\u2019\u00bb\u202f\u00a0 ]+$", "", test)
        allowed = allowed and test[-1:] in (":", ".", ";", "!", "?") and " " in prefix.strip()
    if allowed:
        plain = _OPENING.sub(lambda m: m.group(1) + m.group(2) + m.group(3).upper(), plain)
    return String(plain.replace(_FIRST_TERM, ""))


_macros: dict[int, tuple[model.Style | model.Locale, dict[str | None, model.Macro]]] = {}
_calls: dict[int, tuple[model.Parent, bool]] = {}


def _get_macro(self: model.CitationStylesElement, name: str) -> model.Macro:
    """``get_macro`` with the style's macros indexed once (speed)."""
    root = self.get_root()
    entry = _macros.get(id(root))
    if entry is None or entry[0] is not root:
        # (a cs:macro element is a Macro)
        index = {m.get("name"): cast(model.Macro, m) for m in root.findall("cs:macro", root.nsmap)}
        entry = _macros[id(root)] = (root, index)
    try:
        return entry[1][name]
    except KeyError:
        return _original_get_macro(self, name)


def _memo_calls(original: Callable[[model.Parent], bool]) -> Callable[[model.Parent], bool]:
    def calls_variable(self: model.Parent) -> bool:
        hit = _calls.get(id(self))
        if hit is not None and hit[0] is self:
            return hit[1]
        value = original(self)
        _calls[id(self)] = (self, value)
        return value

    return calls_variable


#: (element id, expression) -> (element, result); a result may hold elements, text, ...
_xpaths: dict[tuple[int, str], tuple[model.CitationStylesElement, list[Any]]] = {}


def _xpath_search(self: model.CitationStylesElement, expression: str) -> list[Any]:
    """``xpath_search`` memoised: the style tree does not change (speed)."""
    key = (id(self), expression)
    hit = _xpaths.get(key)
    if hit is not None and hit[0] is self:
        return hit[1]
    result = _original_xpath_search(self, expression)
    _xpaths[key] = (self, result)
    return result


def _reference(self: _Item) -> source.Reference:
    """``CitationItem.reference`` looked up once per cite, not on every variable (speed)."""
    try:
        cached: source.Reference = dict.__getitem__(self, "_difbib_reference")
        return cached
    except KeyError:
        reference = self.citation.bibliography.source[self.key]
        dict.__setitem__(self, "_difbib_reference", reference)
        return reference


def _render_citation(
    self: model.Layout, citation: source.Citation, callback: _Callback
) -> RenderedText:
    """``Layout.render_citation`` without re-ordering cites the style leaves alone (fix 8)."""
    parent = cast(model.Citation, self.getparent())  # the layout of cs:citation
    good = [cite for cite in citation.cites if not cite.is_bad()]
    bad = [cite for cite in citation.cites if cite.is_bad()]
    sort = parent.sort
    if sort is not None and len(good) > 1:  # (a single cite needs no sort keys: speed)
        # ties in the citation sort keep bibliography order (citeproc-js)
        keys = citation.bibliography.keys
        good.sort(key=lambda cite: keys.index(cite.key))
        good = sort.sort(good, self)
    collapse = (parent.get("collapse") or "").startswith("year")
    # cite grouping: a cite-group-delimiter groups cites by names even without collapse
    collapse = collapse or parent.get("cite-group-delimiter") is not None
    rendered: list[_Cite] = []
    for item in good:
        names, text = _render_cite(self, item, suppress_names=False)
        if text is not None:
            rendered.append((item, names, text))
    # citeproc-js groups an in-text style's cites with collapse, any with a
    # cite-group-delimiter
    in_text = self.get_root().get("class") == "in-text"
    grouped = (in_text and parent.get("collapse")) or collapse
    if sort is not None and grouped and len(rendered) > 1 and not _numeric_sort(sort):
        rendered = _grouped_sort(sort, rendered, self)
    parent.cites.extend(item for item, _, _ in rendered)
    delimiter = self.get("delimiter", "")
    if collapse and rendered:
        out = _collapse_years(self, rendered, delimiter)
    elif parent.get("collapse") == "citation-number" and rendered:
        out = _collapse_numbers(self, rendered)
    else:
        out = _spliced(rendered, delimiter)
    for item in bad:
        value = callback(item)
        out.append(value or f"{item.key}?")
    return _resolve_quotes(self, self.format(self.wrap(self.join(out))))


def _spliced(rendered: list[_Cite], delimiter: str) -> list[RenderedText]:
    """The cites, each after the delimiter citeproc-js puts before it (fix S12): a
    cite whose prefix starts with ``,`` ``.`` or ``;`` (and follows no suffix)
    comes without a delimiter ("2000, and David Jones"), and after a suffix ending
    in one the delimiter keeps only its space ("one source, Jones"); citeproc-py
    doubled the punctuation ("2000; , and")."""
    if len(rendered) < 2 or not delimiter:
        return [text for _, _, text in rendered]
    output = rendered[0][2]
    for (before, _, _), (item, _, text) in zip(rendered, rendered[1:], strict=False):
        suffix, prefix = str(before.get("suffix", "")), str(item.get("prefix", ""))
        splice = delimiter
        starts = not suffix and prefix[:1] in (";", ".", ",")
        if (suffix and suffix[-1:] in (";", ".", ",")) or starts:
            space = delimiter.find(" ")
            splice = delimiter[space:] if space > -1 and not starts else ""
        for piece in (splice, text):
            output, part = _seam(output, piece)
            output = output + part
    return [output]  # one piece: the delimiters are in it


def _numeric_sort(sort: model.Sort) -> bool:
    """The citation is sorted by citation number (citeproc-js does not group then)."""
    first = sort.find("cs:key", sort.nsmap)
    return first is not None and first.get("variable") == "citation-number"


class _CiteNames(TypedDict, total=False):
    """A cite's first names element while the cite renders (fix 14)."""

    capture: bool  # a cite is rendering
    seen: bool  # its first names element has rendered
    text: str | None  # what that element printed
    suppress: bool  # and it prints nothing (the cite shows its year alone)


_cite_names: _CiteNames = {"capture": False}


def _render_cite(
    layout: model.Layout, item: _Item, suppress_names: bool
) -> tuple[str | None, RenderedText | None]:
    """One cite's text and the text of its first names element (fix 14)."""
    layout.repressed = {}
    _substitution_reset(active=True)
    _cite_names.update({"capture": True, "text": None, "seen": False, "suppress": suppress_names})
    try:
        output = layout.render_children(item)
    except model.VariableError:
        output = None
    finally:
        names = _cite_names.get("text")
        _cite_names["capture"] = False
        _substitution_reset(active=False)
    if output is None:
        return names, None
    prefix, suffix = item.get("prefix", ""), item.get("suffix", "")
    in_text = layout.get_root().get("class") == "in-text"
    output = _capitalize_first_term(output, prefix, allowed=not in_text)
    return names, _rich(layout, prefix) + output + _rich(layout, suffix)


def _rich(element: model.CitationStylesElement, text: str) -> str:
    """A cite's prefix or suffix, or a style's ``value``, read as rich text like a
    value (fixes 17 and 21, as citeproc-js): quotations marked, markup kept, the rest
    escaped for the output."""
    if not text:
        return text
    return escape_value(value_quotes(str(text), field=False), element.preformat)


def _collapse_numbers(layout: model.Layout, rendered: list[_Cite]) -> list[RenderedText]:
    """Runs of three or more consecutive numbers as a range, ``1–4`` (fix 14); a cite
    with a locator is not part of a range."""
    out: list[RenderedText] = []
    run: list[tuple[int, RenderedText]] = []  # (number, text)

    def flush() -> None:
        if len(run) >= 3:
            dash = layout.unicode_character("EN DASH")
            out.append(String(str(run[0][1]) + dash + str(run[-1][1])))
        else:
            out.extend(text for _, text in run)
        run.clear()

    for item, _, text in rendered:
        if item.has_locator:
            # a cite with a locator stands alone: "[1], [2, p. 23], [3]" (citeproc-js)
            flush()
            out.append(text)
            continue
        if run and item.number != run[-1][0] + 1:
            flush()
        run.append((item.number, text))
    flush()
    return out


def _collapse_years(
    layout: model.Layout, rendered: list[_Cite], delimiter: str
) -> list[RenderedText]:
    """Group cites by identical names and print the names once (fix 14).

    The spec (cs:citation): ``collapse="year"`` groups cites by the same names,
    joined with ``cite-group-delimiter`` (default ", "); ``year-suffix`` "also
    suppresses repeating years within the cite group, e.g. (Doe 2000a, b)", joined
    with ``year-suffix-delimiter`` (default: the layout's delimiter);
    ``year-suffix-ranged`` "also collapses ranges of year-suffixes (e.g. (Doe
    2000a–c,e))". After a collapsed group comes ``after-collapse-delimiter``
    (default: the layout's delimiter). A ``cite-group-delimiter`` without
    ``collapse`` groups cites, names and all ("Aalto 2000, Aalto 2001").

    The delimiter before each cite is chosen as citeproc-js chooses it (fix S10):
    with an ``after-collapse-delimiter``, it follows a cite with a locator ("Wong
    1999, 328; 2000, 475"), ends a group, and separates cites that group with
    nothing, the layout's delimiter joining a group's cites; without one, a
    ``cite-group-delimiter`` joins a group's cites, and an in-text style's groups
    take ", " (others the layout's delimiter, "Smith 2000a; 2000b").
    """
    citation = layout.getparent()
    mode = citation.get("collapse") or ""  # "": grouping only (a cite-group-delimiter)
    # as citeproc-js: the cite-group-delimiter when given, else the layout's
    suffix_delimiter = citation.get(
        "year-suffix-delimiter", citation.get("cite-group-delimiter", delimiter)
    )
    # only neighbours group: a style that sorts cites has brought the same names
    # together (fix 22); one that does not keeps "Dalva 2025; Black 2025; Dalva 2024"
    groups: list[list[tuple[_Item, RenderedText]]] = []
    previous = None
    for item, names, text in rendered:
        if names and names == previous:
            groups[-1].append((item, text))
        else:
            groups.append([(item, text)])
        previous = names
    in_text = layout.get_root().get("class") == "in-text"
    explicit_after = citation.get("after-collapse-delimiter")
    explicit_group = citation.get("cite-group-delimiter")

    def splice(same: bool, previous_same: bool, previous_locator: bool) -> str:
        # the delimiter before a cite, as citeproc-js's getSpliceDelimiter chooses it
        if explicit_after is not None:
            if previous_locator or (previous_same and not same):
                return explicit_after
            if not previous_same and not same and mode != "year-suffix":
                return explicit_after
            return delimiter
        if explicit_group is not None and same:
            return explicit_group
        if same and in_text and mode:
            return ", "
        return delimiter

    out: list[str] = []
    previous_same = previous_locator = False
    for group in groups:
        runs = _year_runs(layout, group, mode)
        for r, run in enumerate(runs):
            joined = _join_suffixes(layout, run, suffix_delimiter, mode == "year-suffix-ranged")
            same = r > 0 or run[0][2] is not group[0][0]
            if out:
                out.append(splice(same, previous_same, previous_locator))
            out.append(joined)
            last_item = run[-1][2]
            previous_same = same or len(run) > 1
            previous_locator = bool(getattr(last_item, "has_locator", False))
    return [String("".join(out))]


def _year_runs(
    layout: model.Layout, group: list[tuple[_Item, RenderedText]], mode: str
) -> list[list[tuple[str, str | None, _Item]]]:
    """A name group's cites as runs of the same year: (text, suffix, cite) triples,
    where a cite after the first of its run is printed as its year suffix alone."""
    runs: list[list[tuple[str, str | None, _Item]]] = []
    previous_base = None
    for n, (item, text) in enumerate(group):
        if not mode:  # grouping only: every cite in full
            runs.append([(str(text), None, item)])
            continue
        short = None if n == 0 else _render_cite(layout, item, suppress_names=True)[1]
        if short is None and n:
            continue
        shown = str(text) if n == 0 else str(short)
        suffix = str(item.reference.get("year_suffix") or "") if mode != "year" else ""
        base = None
        if suffix:
            plain_short = str(_render_cite(layout, item, suppress_names=True)[1] or "")
            at = plain_short.rfind(suffix)
            if at >= 0:
                base = plain_short[:at] + plain_short[at + len(suffix) :]
        if base is not None and base == previous_base and runs:
            runs[-1].append((shown, suffix, item))
        else:
            runs.append([(shown, suffix or None, item)])
        previous_base = base
    return runs


def _join_suffixes(
    layout: model.Layout, run: list[tuple[str, str | None, _Item]], delimiter: str, ranged: bool
) -> str:
    """The first cite of a run in full, then the suffixes of the others; with
    ``ranged``, three or more consecutive suffixes as a range (``a–c``)."""
    shown = [run[0][0]] + [str(s) for _, s, _ in run[1:]]
    if not ranged:
        return delimiter.join(shown)
    blocks: list[list[int]] = []  # positions in the run, consecutive suffixes together
    for n, (_, suffix, _) in enumerate(run):
        index = _suffix_index(suffix)
        if blocks and index == _suffix_index(run[blocks[-1][-1]][1]) + 1:
            blocks[-1].append(n)
        else:
            blocks.append([n])
    dash = layout.unicode_character("EN DASH")
    pieces = []
    for block in blocks:
        if len(block) >= 3:
            pieces.append(shown[block[0]] + dash + shown[block[-1]])
        else:
            pieces.extend(shown[n] for n in block)
    return delimiter.join(pieces)


def _suffix_index(suffix: str | None) -> int:
    """The position of a year suffix: a = 0, ..., z = 25, aa = 26, ..."""
    n = 0
    for c in suffix or "":
        n = n * 26 + ord(c) - ord("a") + 1
    return n - 1


def _if_render(
    self: model.If,
    item: _Item,
    context: model.CitationStylesElement | None = None,
    delimiter: str = "",
    **kwargs: Any,
) -> RenderedText | None:
    """``If.render`` with ``disambiguate="true"`` false unless fix 12 says so (fix 9)."""
    if self.get("disambiguate", "").lower() == "true" and not _params(item).condition:
        if self.get("match") == "none":
            pass  # "none of: false, ..." leaves the other tests to decide
        elif self.get("match") != "any" or len(self.attrib) <= 2:
            raise model.ConditionFailed
    return _original_if_render(self, item, context=context, delimiter=delimiter, **kwargs)


_TRAILING_MARKUP = re.compile(
    # closing tags, Markdown's emphasis, and the codes of closing markup from values (fix 17)
    r"(?:</[a-z]+>|(?<!\\)\*|[" + "".join(chr(0xE011 + 2 * n) for n in range(6)) + "])+$"
)


def _normalize_seam(left: object, other: RenderedText) -> RenderedText:
    """``normalize_seam`` looking past closing markup; ``?.``/``!.`` lose the period (fix 10),
    and ``:``/``.`` after ``;``, ``!`` or ``?`` are dropped too (fix 20)."""
    other_str = str(other)
    if not other_str or (other_str[0] != " " and other_str[0] not in SEAM_PUNCTUATION):
        return other  # nothing to merge (speed: the left side is not even looked at)
    left_str = str(left)
    if not left_str:
        return other
    visible = _TRAILING_MARKUP.sub("", left_str)
    if not visible:
        return other
    # text's punctuation (fix 2's mark before it) meets the seam like any other
    marked = other_str[0] == CONTENT_START
    last, first = visible[-1], other_str[1:2] if marked else other_str[0]
    if last == " " and first == " ":
        return _strip_first_char(other)
    if first in SEAM_PUNCTUATION and (
        last == first or (first == "." and last in "?!:;") or (first == ":" and last in "?!;")
    ):
        return _strip_first_char(_strip_first_char(other) if marked else other)
    return other


def _seam(left: RenderedText, other: RenderedText) -> tuple[RenderedText, RenderedText]:
    """``left`` and ``other`` ready to be joined (fixes 10 and 20).

    Fix 20, punctuation meeting at a seam as citeproc-js merges it (the suite's
    "FullMonty" tables): a mark that repeats the one before is dropped; ``.`` and
    ``:`` are dropped after ``;``, ``!``, ``?`` (and ``.`` after ``:``); ``!`` and
    ``?`` replace a ``:`` or ``;`` before them ("colon!", not "colon:!"). Other
    pairs are kept (``.:``, ``,;``).
    """
    if isinstance(other, str) and not other:
        return left, other  # (speed) nothing to merge, and the left side is not read
    other = _normalize_seam(left, other)
    if str(other)[:1] in ("!", "?") and isinstance(left, (String, MixedString)):
        left_str = str(left)  # (speed: read only when it may lose its last mark)
        if left_str[-1:] in (":", ";"):
            left = left.rstrip(left_str[-1])
    return left, other


#: What citeproc-py raises when a style (or an item) asks for something it does not
#: support: a missing macro or term, an option value it cannot read, a feature it
#: lacks. Raised inside citeproc-py's own code, these are limits of its support for
#: the style; raised anywhere else, they are difbib's bugs and must surface.
STYLE_FAILURES = (KeyError, IndexError, ValueError, TypeError, AttributeError, NotImplementedError)


def raised_in_citeproc(err: BaseException) -> bool:
    """Whether ``err`` was raised by citeproc-py's own code (its innermost frame)."""
    tb = err.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(_CITEPROC_DIR)


_CITEPROC_DIR = os.path.dirname(os.path.abspath(model.__file__)) + os.sep


# -- fix 11 and 17: escaping, and the markup CSL-JSON values may hold -------------

#: Characters escaped for HTML and for Markdown.
HTML_SPECIAL = "&<>"
MARKDOWN_SPECIAL = "\\`*_[]<>&#|~"

#: An escaped character travels through citeproc-py as a private-use code point
#: (U+F0000 + its code), turned into the output's escape by :func:`unprotect`.
#: citeproc-py parses some values itself: it splits page ranges at ``&``, so a
#: value escaped before it ("1 &#38; 2") was split inside the entity and came out
#: as ``1 &#38; #38; 2``.
_PROTECT_BASE = 0xF0000


def protect(text: object, special: str) -> str:
    """``text`` with the characters of ``special`` protected from citeproc-py."""
    text = str(text)
    for char in special:
        if char in text:
            text = text.replace(char, chr(_PROTECT_BASE + ord(char)))
    return text


def protect_html(text: object) -> str:
    return protect(text, HTML_SPECIAL)


def protect_markdown(text: object) -> str:
    return protect(text, MARKDOWN_SPECIAL)


_PROTECTED = re.compile("[\U000f0000-\U000f00ff]")
_HTML_ENTITIES = {"&": "&#38;", "<": "&#60;", ">": "&#62;"}


def _protected_amp(text: str) -> str:
    """A page value with protected ``&`` made plain again, for citeproc-py to split."""
    return text.replace(chr(_PROTECT_BASE + ord("&")), "&")


def html_escape(text: str) -> str:
    """Escape for HTML as citeproc-js does (fix 11)."""
    return str(text).replace("&", "&#38;").replace("<", "&#60;").replace(">", "&#62;")


#: Fix 17: inline markup in CSL-JSON values. The spec's appendix on rich text:
#: "<i>, <b>, <sub>, <sup>, <span style="font-variant:small-caps;"> and
#: <span class="nocase">" may appear in field values; citeproc-js renders the first
#: five as formatting and keeps nocase text out of text-case changes. difbib
#: escaped all of it ("&#60;i&#62;"). The tags now travel as private-use code
#: points (so text case and seams do not see letters), ``nocase`` spans as the
#: literal tags citeproc-py's CSL-JSON reader turns into case-protected text; any
#: other tag, or a tag left open, is text and escaped.
# order fixes the codes; "normal-*" are a style's explicit normal decorations (fix S3)
_MARKUP_KINDS = ("i", "b", "sup", "sub", "sc", "nodecor", "normal-i", "normal-b", "normal-sc")
_MARKUP_OPEN = {kind: chr(0xE010 + 2 * n) for n, kind in enumerate(_MARKUP_KINDS)}
_MARKUP_CLOSE = {kind: chr(0xE011 + 2 * n) for n, kind in enumerate(_MARKUP_KINDS)}
_MARKUP_TAG = re.compile(
    r"<(/?)(i|b|sup|sub|sc)>|<span\s+(?:class=\"(nocase|nodecor)\"|"
    r"style=\"font-variant:\s*small-caps;?\")\s*>|</span>",
    re.I,
)
_NOCASE_OPEN, _NOCASE_CLOSE = '<span class="nocase">', "</span>"
#: A placeholder for "no decoration here" (fix S3): a style's explicit
#: ``font-style="normal"`` (``font-weight``, ``font-variant``) or a value's
#: ``<span class="nodecor">``.
_NORMAL_OPEN = '<span data-csl-normal="{}">'

_MARKUP_OUTPUT = {
    "html": {
        "i": ("<i>", "</i>"),
        "b": ("<b>", "</b>"),
        "sup": ("<sup>", "</sup>"),
        "sub": ("<sub>", "</sub>"),
        "sc": ('<span style="font-variant:small-caps;">', "</span>"),
        "nodecor": (_NORMAL_OPEN.format("all"), "</span>"),
        "normal-i": (_NORMAL_OPEN.format("i"), "</span>"),
        "normal-b": (_NORMAL_OPEN.format("b"), "</span>"),
        "normal-sc": (_NORMAL_OPEN.format("sc"), "</span>"),
    },
    "markdown": {
        "i": ("*", "*"),
        "b": ("**", "**"),
        "sup": ("<sup>", "</sup>"),
        "sub": ("<sub>", "</sub>"),
        "sc": ("", ""),
        "nodecor": ("", ""),
    },
}
_MARKUP_CODES = {
    code: (kind, closing)
    for kind in _MARKUP_KINDS
    for code, closing in ((_MARKUP_OPEN[kind], False), (_MARKUP_CLOSE[kind], True))
}
_MARKUP_CHARS = re.compile("[" + "".join(_MARKUP_CODES) + "]")


def escape_value(value: str, escape: Callable[[str], str]) -> str:
    """A CSL-JSON text value for citeproc-py: text escaped with ``escape``, the
    inline markup the spec allows kept (fix 17)."""
    text = str(value)
    if "<" not in text:
        return escape(text)
    tokens: list[str] = []  # pieces of the result
    opened: list[tuple[str, int, str]] = []  # (kind, index in tokens, tag) of open tags
    end = 0
    for m in _MARKUP_TAG.finditer(text):
        tokens.append(escape(text[end : m.start()]))
        end = m.end()
        tag, slash, simple, span_class = m.group(0), m.group(1), m.group(2), m.group(3)
        if slash or tag.lower() == "</span>":
            kind = simple.lower() if simple else "span"
            top = opened[-1][0] if opened else None
            if top is not None and (kind == top or kind == "span" and top in _SPANS):
                opened.pop()
                tokens.append(_NOCASE_CLOSE if top == "nocase" else _MARKUP_CLOSE[top])
            else:
                tokens.append(escape(tag))
            continue
        kind = (simple or span_class or "sc").lower()
        opened.append((kind, len(tokens), tag))
        tokens.append(_NOCASE_OPEN if kind == "nocase" else _MARKUP_OPEN[kind])
    tokens.append(escape(text[end:]))
    for _, index, tag in opened:  # left open: not markup, but text
        tokens[index] = escape(tag)
    return "".join(tokens)


_SPANS = ("sc", "nocase", "nodecor")  # the kinds that close with </span>


def unprotect(text: str, output: str) -> str:
    """Escapes and markup in their final form for ``output`` (fixes 11, 17, 19)."""
    if _PROTECTED.search(text):

        def char(m: re.Match[str]) -> str:
            c = chr(ord(m.group(0)) - _PROTECT_BASE)
            if output == "html":
                return _HTML_ENTITIES.get(c, c)
            if output == "markdown":
                return "\\" + c
            return c

        text = _PROTECTED.sub(char, text)
    if _MARKUP_CHARS.search(text):
        table = _MARKUP_OUTPUT.get(output, {})

        def tag(m: re.Match[str]) -> str:
            kind, closing = _MARKUP_CODES[m.group(0)]
            pair = table.get(kind, ("", ""))
            return pair[1] if closing else pair[0]

        text = _MARKUP_CHARS.sub(tag, text)
    if output == "html" and _SUPERSCRIPT.search(text):
        text = _SUPERSCRIPT.sub(_superscript, text)
    if output == "html" and "<" in text:
        text = flip_flop(text)
    return text


# -- fix S3: decorations flip inside their own kind ---------------------------------

_TAG = re.compile(r"<(/?)(i|b|span|sup|sub)((?:\s[^>]*)?)>")
_FLIPS = {
    "i": ("font-style", "<i>", "</i>"),
    "b": ("font-weight", "<b>", "</b>"),
    "sc": ("font-variant", '<span style="font-variant:small-caps;">', "</span>"),
}


def flip_flop(html: str) -> str:
    """Italics inside italics are upright, bold inside bold normal, small caps
    inside small caps normal (fix S3), as citeproc-js writes them: the CSL spec's
    Rich Text appendix and citeproc-js's "flip-flop" of decorations. A
    ``nodecor`` span, or an explicit ``font-style="normal"`` of the style, undoes
    the decorations around it and disappears where there are none."""
    active: dict[str, int] = {"i": 0, "b": 0, "sc": 0}
    stack: list[tuple[str, tuple[str, ...] | None]] = []  # (closing tag, kinds toggled)
    kind: str | None
    out: list[str] = []
    at = 0
    for m in _TAG.finditer(html):
        out.append(html[at : m.start()])
        at = m.end()
        closing, name, attrs = m.group(1), m.group(2), m.group(3)
        if closing:
            if not stack:
                out.append(m.group(0))
                continue
            close, kinds = stack.pop()
            for kind in kinds or ():
                active[kind] -= 1
            out.append(close)
            continue
        kind = "i" if name == "i" else "b" if name == "b" else None
        if name == "span" and "font-variant:small-caps" in attrs:
            kind = "sc"
        normal = re.search(r'data-csl-normal="([^"]*)"', attrs) if name == "span" else None
        if normal:
            wanted = list(_FLIPS) if normal.group(1) == "all" else normal.group(1).split()
            undone = [k for k in wanted if active.get(k, 0) % 2]
            if not undone:
                stack.append(("", None))
                continue
            style = "".join(f"{_FLIPS[k][0]}:normal;" for k in undone)
            out.append(f'<span style="{style}">')
            for k in undone:
                active[k] += 1
            stack.append(("</span>", tuple(undone)))
        elif kind is not None and active[kind] % 2:
            out.append(f'<span style="{_FLIPS[kind][0]}:normal;">')
            active[kind] += 1
            stack.append(("</span>", (kind,)))
        elif kind is not None:
            out.append(m.group(0))
            active[kind] += 1
            stack.append((_FLIPS[kind][2], (kind,)))
        else:
            out.append(m.group(0))
            stack.append((f"</{name}>", None))
    out.append(html[at:])
    return "".join(out)


#: Fix 19: superscript characters in HTML. citeproc-js's HTML output writes the
#: superscript letters and digits of Unicode (French ordinals ``1ʳᵉ``, ``ª``, ``²``,
#: ``™``) as ``<sup>`` of their base character, each on its own (``1<sup>r</sup><sup>e</sup>``).
_SUPERSCRIPT_CODES = (
    "\u00aa\u00b2\u00b3\u00b9\u00ba\u02b0-\u02b8\u02e0-\u02e4\u1d2c-\u1d2e\u1d30-\u1d3a"
    "\u1d3c-\u1d4d\u1d4f-\u1d61\u2070\u2071\u2074-\u207f\u2120\u2122\u3192-\u319f"
    "\u02c0\u02c1\u06e5\u06e6"
)
_SUPERSCRIPT = re.compile(f"[{_SUPERSCRIPT_CODES}]")
_SUPERSCRIPT_BASE = {"\u02c0": "\u0294", "\u02c1": "\u0295", "\u06e5": "\u0648", "\u06e6": "\u064a"}


def _superscript(m: re.Match[str]) -> str:
    char = m.group(0)
    base = _SUPERSCRIPT_BASE.get(char)
    if base is None:
        codes = unicodedata.decomposition(char).split()[1:]
        base = "".join(chr(int(c, 16)) for c in codes) or char
    return f"<sup>{base}</sup>"


def plain(text: str) -> str:
    """``text`` with escapes and markup codes undone (for sort keys)."""
    return unprotect(text, "text")


# -- fix 12: disambiguation -----------------------------------------------------


@dataclass(frozen=True)
class Disambiguation:
    """What disambiguation decided for one item."""

    variable: str = "author"
    names: int | None = None  # names to show at least (et-al-use-first)
    givens: tuple[tuple[int, int], ...] = ()  # (name index, 1 = initials / 2 = full)
    # full given names for people of the entry who look alike (not for short
    # names under the by-cite rule): {name index: 2}, see _expand_lookalike_names
    entry_givens: tuple[tuple[int, int], ...] = ()
    by_cite: bool = True  # givenname-disambiguation-rule is by-cite
    year_suffix: str | None = None
    condition: bool = False  # <if disambiguate="true"> holds


_NONE = Disambiguation()
#: A disambiguation trial: (names shown, given-name levels).
_Trial: TypeAlias = "tuple[int, tuple[tuple[int, int], ...]]"
#: A trial's signatures per item key, and the item keys per signature.
_Buckets: TypeAlias = "tuple[dict[str, _Signature], dict[_Signature, list[str]]]"
_NAME_VARIABLES = ("author", "editor", "translator")


def _params(item: _Item) -> Disambiguation:
    # (set by Bibliography.disambiguate; a bibliography not disambiguated has none)
    table: dict[str, Disambiguation] | None = getattr(
        item.citation.bibliography, "difbib_disambiguation", None
    )
    if table is None:
        return _NONE
    return table.get(item.key, _NONE)


def _given_at(name: Mapping[str, Any], level: int) -> str:
    given = str(name.get("given") or "")
    if level <= 0 or not given:
        return ""
    if level == 1:
        return "".join(p[0] for p in re.split(r"[\s.\-]+", given) if p)
    return given


#: How a cite's names look for a trial: (family, given) per name shown, then
#: whether names are left out.
_Signature: TypeAlias = "tuple[tuple[str, str] | bool, ...]"


def _signature(names: Sequence[Mapping[str, Any]], n: int, levels: dict[int, int]) -> _Signature:
    shown = names[:n]
    return tuple(
        (str(nm.get("family") or nm.get("literal") or ""), _given_at(nm, levels.get(j, 0)))
        for j, nm in enumerate(shown)
    ) + (len(names) > n,)


def _names_content(names: Sequence[Mapping[str, Any]]) -> tuple[tuple[str, str, str], ...]:
    """What :func:`_signature` reads of ``names``: two lists with the same content
    have the same signature in every trial."""
    return tuple(
        (str(nm.get("family") or ""), str(nm.get("literal") or ""), str(nm.get("given") or ""))
        for nm in names
    )


#: The output's decorations in a rendered cite: the HTML formatter's tags, Markdown's
#: ``*`` (a ``<`` or ``*`` of the text is protected, fix 11), and the codes of a
#: value's markup (fix 17).
_DECORATION = re.compile("<[^>]*>|\\*|[" + "".join(chr(0xE010 + n) for n in range(12)) + "]")


def _undecorated(text: str) -> str:
    """A cite as citeproc-js compares it for disambiguation: without decorations."""
    return _DECORATION.sub("", text)


def _first_cites(
    bib: Bibliography, citation_el: model.Citation, items: Sequence[_Item]
) -> dict[str, str]:
    """The cites of ``items`` as first written (no decision of disambiguation yet),
    undecorated, by item key; an item whose cite the style cannot render has none.

    Each depends on its item alone, so a long list is rendered in
    ``bib.difbib_jobs`` processes (:mod:`~difbib.csl.workers`), as the entries are."""
    from citeproc import Citation

    def work(run: range) -> dict[str, str]:
        texts = {}
        for item in items[run.start : run.stop]:
            cite = Citation([CitationItem(item.key)])
            cite.bibliography = bib
            # look-alikes are found on the cites as the style writes them, before the
            # name register's forms (fix 23), as citeproc-js does
            _active["ambiguous"] = True
            try:
                rendered = str(citation_el.render(cite, [], lambda _: None))
                texts[item.key] = _undecorated(rendered)
            except STYLE_FAILURES as err:
                if not raised_in_citeproc(err):
                    raise  # difbib's bug, not the style's
            finally:
                _active["ambiguous"] = False
        return texts

    found: dict[str, str] = {}
    for texts in workers.fork_map(work, workers.runs(len(items), bib.difbib_jobs)):
        found.update(texts)
    return found


def disambiguate(bib: Bibliography) -> dict[str, Disambiguation]:
    """Decide names, given names, year suffixes for look-alike cites (fix 12).

    ``bib`` is a registered (and sorted) ``CitationStylesBibliography``; the result,
    keyed by item key, is also stored on it for rendering.
    """
    table: dict[str, Disambiguation] = {}
    bib.difbib_disambiguation = table
    citation_el = bib.style.root.citation
    if citation_el is None:
        return table

    def flag(name: str) -> bool:
        return citation_el.get(name, "false").lower() == "true"

    add_names = flag("disambiguate-add-names")
    add_givens = flag("disambiguate-add-givenname")
    add_suffix = flag("disambiguate-add-year-suffix")
    # the disambiguate condition is the last resort, with or without the other methods
    root = citation_el.get_root()
    condition = bool(
        root.xpath(
            './/cs:if[@disambiguate="true"] | .//cs:else-if[@disambiguate="true"]',
            namespaces=root.nsmap,
        )
    )
    if not (add_names or add_givens or add_suffix or condition):
        return table
    rule = citation_el.get("givenname-disambiguation-rule", "by-cite")
    primary_only = rule.startswith("primary-name")
    max_level = 1 if rule.endswith("with-initials") else 2
    base = int(citation_el.get("et-al-use-first", "1") or 1)

    groups: dict[str, list[_Item]] = {}
    # A cite as first written depends on its item alone: a caller may pass the
    # texts it kept (``difbib_cites``, by item key); the ones rendered here are left
    # in ``difbib_new_cites`` for it to keep.
    known: Mapping[str, str | None] = bib.difbib_cites or {}
    fresh = bib.difbib_new_cites = _first_cites(
        bib, citation_el, [item for item in bib.items if known.get(item.key) is None]
    )
    for item in bib.items:
        text = known.get(item.key)
        if text is None:
            text = fresh.get(item.key)
        if text is None:
            continue  # a cite the style cannot render is not ambiguous (rendering reports it)
        groups.setdefault(text, []).append(item)

    order = {item.key: i for i, item in enumerate(bib.items)}
    for members in groups.values():
        if len(members) < 2:
            continue
        names_of: dict[str, list[source.Name]] = {}
        variable_of: dict[str, str] = {}
        for item in members:
            variable = next((v for v in _NAME_VARIABLES if item.reference.get(v)), None)
            variable_of[item.key] = variable or "author"
            names_of[item.key] = list(item.reference.get(variable) or []) if variable else []
        unresolved: dict[str, list[str]] = {}
        # A signature depends only on the item and the trial (names shown, given-name
        # levels), and every item of the group tries the same trials: for each trial,
        # the members are bucketed by signature once, and a cite's look-alikes are its
        # bucket (in the members' order, as a scan of them would find them).
        member_keys = [item.key for item in members]
        buckets: dict[_Trial, _Buckets] = {}
        # Members whose names read the same (look-alikes often do) have the same
        # signature in every trial: it is computed once per distinct list (speed).
        same_names = {k: _names_content(names_of[k]) for k in member_keys}

        def trial_buckets(
            n: int,
            levels: dict[int, int],
            buckets: dict[_Trial, _Buckets] = buckets,
            names_of: dict[str, list[source.Name]] = names_of,
            keys: list[str] = member_keys,
            same_names: dict[str, tuple[tuple[str, str, str], ...]] = same_names,
        ) -> _Buckets:
            trial = (n, tuple(sorted(levels.items())))
            hit = buckets.get(trial)
            if hit is None:
                by_content: dict[tuple[tuple[str, str, str], ...], _Signature] = {}
                of = {}
                for k in keys:
                    signature = by_content.get(same_names[k])
                    if signature is None:
                        signature = by_content[same_names[k]] = _signature(names_of[k], n, levels)
                    of[k] = signature
                alike: dict[_Signature, list[str]] = {}
                for k in keys:
                    alike.setdefault(of[k], []).append(k)
                hit = buckets[trial] = (of, alike)
            return hit

        levels: dict[int, int]
        reached: dict[tuple[tuple[str, str, str], ...], tuple[int, dict[int, int]]] = {}
        for item in members:
            names = names_of[item.key]

            def collide(
                n: int,
                levels: dict[int, int],
                key: str = item.key,
                trial_buckets: Callable[[int, dict[int, int]], _Buckets] = trial_buckets,
            ) -> list[str]:
                of, alike = trial_buckets(n, levels)
                return [o for o in alike[of[key]] if o != key]

            n, levels = base, {}
            clash = collide(n, levels)
            start = len(clash)
            # Members whose names read the same are in the same bucket in every trial,
            # each seeing the others: they take the same steps to the same end (speed).
            seen = reached.get(same_names[item.key])
            if seen is not None:
                n, levels = seen
                clash = collide(n, levels)
            while clash and seen is None:
                if add_givens:
                    for j in range(min(n, len(names))):
                        if primary_only and j > 0:
                            break
                        for level in range(levels.get(j, 0) + 1, max_level + 1):
                            trial = {**levels, j: level}
                            fewer = collide(n, trial)
                            if len(fewer) < len(clash):
                                levels, clash = trial, fewer
                            if not clash:
                                break
                        if not clash:
                            break
                if not clash or not add_names or n >= len(names):
                    break
                n += 1
                clash = collide(n, levels)
            reached[same_names[item.key]] = (n, levels)
            if clash and len(clash) >= start:
                n = base  # adding names did not help
            if clash:
                unresolved[item.key] = clash
            table[item.key] = Disambiguation(
                variable=variable_of[item.key],
                names=n if n > base else None,
                givens=tuple(sorted(levels.items())),
            )
        if add_names:
            levels_of = {k: dict(table[k].givens) for k in names_of}
            by_cite = rule == "by-cite" and add_givens
            shared, lettered = _shared_names_counter(
                members, names_of, same_names, levels_of, base, by_cite, years=add_suffix
            )
            if add_suffix:
                # citeproc-js letters whole lists of its counter (see there), not
                # the groups that still look alike
                unresolved = {}
                for tokens in lettered:
                    for i, member in enumerate(sorted(tokens, key=order.__getitem__)):
                        suffix = _suffix(i)
                        bib.source[member]["year_suffix"] = String(suffix)
                        table[member] = replace(table[member], year_suffix=suffix)
            for key, (n, givens) in shared.items():
                params = replace(table[key], names=n if n > base else None)
                if by_cite:
                    levels = {j: lv for j, lv in givens.items() if j < n and lv}
                    params = replace(params, givens=tuple(sorted(levels.items())))
                table[key] = params
        # Year suffixes (or the disambiguate condition) for what is still alike,
        # lettered in bibliography order.
        done: set[str] = set()
        for key in sorted(unresolved, key=order.__getitem__):
            if key in done:
                continue
            component = {key}
            todo = [key]
            while todo:
                for other in unresolved.get(todo.pop(), []):
                    if other not in component:
                        component.add(other)
                        todo.append(other)
            done |= component
            for i, member in enumerate(sorted(component, key=order.__getitem__)):
                params = table[member]
                if add_suffix:
                    suffix = _suffix(i)
                    bib.source[member]["year_suffix"] = String(suffix)
                    table[member] = replace(params, year_suffix=suffix)
                else:
                    table[member] = replace(params, condition=True)
    if add_givens and rule in ("by-cite", "all-names"):
        _expand_lookalike_names(bib, table, rule == "by-cite")
    return table


def _shared_names_counter(
    members: list[_Item],
    names_of: dict[str, list[source.Name]],
    content: dict[str, tuple[tuple[str, str, str], ...]],
    levels_of: dict[str, dict[int, int]],
    base: int,
    by_cite: bool,
    years: bool = False,
) -> tuple[dict[str, tuple[int, dict[int, int]]], list[list[str]]]:
    """Names (and, by cite, given names) each look-alike shows, as citeproc-js's
    ``disNames`` decides: ``{key: (names, {name index: given level})}``.

    citeproc-js keeps one forward-only counter per look-alike group (given names of
    the current name first when the rule is ``by-cite``, then one more name). The
    items are taken in the order of their name counts compared as strings ("17" <
    "5"), then of their ids; the first is compared with the rest and the counter
    moves on until it stands out, splitting the group as it goes. Each item gets the
    best counter reached when it is registered: so in Chicago "Liu, Feng et al. 2025"
    shows 4 names because the two "Liu, Jie et al. 2025" needed 4, though 2 would do.

    With ``years`` (the style adds year suffixes), the counter reaching its end
    moves citeproc-js on to its year-suffix mode for the lists still pending
    (``disYears``): a list whose first item still clashes with another is
    lettered as a whole, all its items, alike or not, in bibliography order; the
    second value holds those lists. So twenty copies of one paper listed with
    forty other "Liu et al. 2025" may be lettered from "bj" on.

    ``content``: each member's :func:`_names_content`, as the caller has it.
    """
    keys = [m.key for m in sorted(members, key=lambda m: (str(len(names_of[m.key])), m.key))]
    givens_max = 2 if by_cite else None
    names_max = len(names_of[keys[0]])
    counter, givens = base, dict[int, int]()
    better, better_givens = base, dict[int, int]()
    # A cite's signature depends on the item and the counter (and, by cite, the
    # given-name levels), which only move forward: each is computed once per step.
    # ``moves`` counts the steps (bumped wherever the counter or the given names move).
    signatures: dict[str, _Signature] = {}
    # names that read the same, at the same given-name levels, have the same
    # signature: it is computed once per distinct list and step (speed)
    by_content: dict[tuple[Any, ...], _Signature] = {}
    moves = 0
    step = [moves]

    def cite(key: str) -> _Signature:
        if step[0] != moves:
            step[0] = moves
            signatures.clear()
            by_content.clear()
        mine = signatures.get(key)
        if mine is None:
            levels = givens if by_cite else levels_of.get(key, {})
            same = (content[key], tuple(sorted(levels.items())))
            mine = by_content.get(same)
            if mine is None:
                mine = by_content[same] = _signature(names_of[key], counter, levels)
            signatures[key] = mine
        return mine

    out: dict[str, tuple[int, dict[int, int]]] = {}
    lettered: list[list[str]] = []

    def register(*items: str) -> None:
        for key in items:
            out.setdefault(key, (better, dict(better_givens)))

    lists = [keys]
    init = True
    lettering = False  # citeproc-js's disYears mode
    while lists:
        gname, clashes = 0, [1, 0]
        while lists[0]:
            current = lists[0]
            maxed = False
            if init:
                init = False
            elif not lettering:
                if givens_max is not None and givens.get(gname, 0) < givens_max:
                    givens[gname] = givens.get(gname, 0) + 1
                    moves += 1
                elif gname < names_max:
                    counter += 1
                    gname += 1
                    moves += 1
                maxed = gname >= names_max and (
                    givens_max is None or givens.get(gname, givens_max) >= givens_max
                )
            item, others = current[0], current[1:]
            mine = cite(item)
            partners = [item]
            nonpartners: list[str] = []
            for o in others:
                (partners if cite(o) == mine else nonpartners).append(o)
            clashes = [clashes[1], len(partners) - 1]
            if lettering:
                if clashes[1]:
                    lettered.append(list(current))
                    for key in current:
                        out[key] = (better, dict(better_givens))
                lists[0] = []
                continue
            improved = clashes[1] == 0 or len(nonpartners) == 1 or clashes[1] < clashes[0]
            if improved:
                better = counter
                if by_cite and gname in givens:
                    better_givens[gname] = givens[gname]
            if clashes[1] == 0 and len(nonpartners) == 1:
                register(item, nonpartners[0])
                lists[0] = []
            elif clashes[1] == 0:
                register(item)
                lists[0] = nonpartners
                init = bool(nonpartners)
            elif len(nonpartners) == 1:
                register(nonpartners[0])
                lists[0] = partners
            elif clashes[1] < clashes[0]:
                lists[0] = partners
                lists.append(nonpartners)
            elif maxed and years:
                lists[0] = nonpartners
                lists.append(partners)
            if maxed and years:
                lettering = True
            elif maxed and lists[0]:
                register(*lists[0])
                lists[0] = []
        lists = lists[1:]
    return out, lettered


def _expand_lookalike_names(
    bib: Bibliography, table: dict[str, Disambiguation], by_cite: bool
) -> None:
    """Full given names for people in one entry who would otherwise look alike.

    As citeproc-js does when given names may be added (rules ``by-cite`` and
    ``all-names``): in SANA-Sprint, Junsong Chen and Junyu Chen both print as
    "Chen J", so both get their full given name. A name whose form the cite
    disambiguation above already chose keeps it. Under ``by-cite`` a short name
    (``form="short"``, Harvard's and MLA's cites) stays short: citeproc-js's name
    register never raises a name above the form its element asks for there
    (fix 22), so "Liu, Jie, ..., Liu, Jiaheng" is "Liu, Jie" in the bibliography
    and "Liu" in the cite.
    """
    for item in bib.items:
        params = table.get(item.key, _NONE)
        variable = next((v for v in _NAME_VARIABLES if item.reference.get(v)), None)
        if variable is None:
            continue
        names: list[source.Name] = list(item.reference[variable])

        def look(nm: source.Name) -> tuple[str, str]:
            return (str(nm.get("family") or ""), _given_at(nm, 1))

        givens: dict[tuple[str, str], set[str]] = {}
        for nm in names:
            givens.setdefault(look(nm), set()).add(str(nm.get("given") or ""))
        levels = dict(params.givens)
        extra = {
            j: 2
            for j, nm in enumerate(names)
            if j not in levels and nm.get("given") and len(givens[look(nm)]) > 1
        }
        if extra:
            table[item.key] = replace(
                params,
                variable=variable,
                entry_givens=tuple(sorted(extra.items())),
                by_cite=by_cite,
            )


def _suffix(i: int) -> str:
    """a, b, ..., z, aa, ab, ... (CSL year suffixes)."""
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(ord("a") + r) + letters
    return letters


class _ActiveState(TypedDict):
    """What disambiguation asks of the names being rendered (fix 12)."""

    use_first: int | None  # names to show at least (et-al-use-first)
    ambiguous: bool  # look-alikes are being found: no name register yet (fix 23)


_active: _ActiveState = {"use_first": None, "ambiguous": False}


class FullGiven(str):
    """A given name that disambiguation shows in full: not reduced to initials."""


def _name_process(
    self: model.Name,
    item: _Item,
    variable: str,
    context: model.CitationStylesElement | None = None,
    sort_options: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Any:  # the rendered names, or their number (form="count", fix S1)
    """``Name.process`` showing the names and given names disambiguation chose (fix 12),
    or, in a sort key, the given names citeproc-js's name register asks for (fix 16)."""
    if sort_options is None:
        params = _params(item)
        floor = _NONE
        if not _active.get("ambiguous"):
            floor = _sort_key_givens(self, item, variable, context, sort_options, cites=True)
        if floor.givens:
            # names the register asks to tell apart (fix 23), at least as disambiguated
            levels = dict(floor.givens)
            for j, level in params.givens:
                levels[j] = max(level, levels.get(j, 0))
            params = replace(
                params if params is not _NONE else floor,
                variable=variable,
                givens=tuple(sorted(levels.items())),
            )
    else:
        params = _sort_key_givens(self, item, variable, context, sort_options)
    if params is _NONE or params.variable != variable:
        return _spec_name_process(self, item, variable, context, sort_options, **kwargs)
    form = self.get_option("form", context, sort_options)
    levels = {} if form == "short" and params.by_cite else dict(params.entry_givens)
    levels.update(params.givens)
    if not (params.names or levels):
        return _spec_name_process(self, item, variable, context, sort_options, **kwargs)
    names = list(item.reference.get(variable) or [])
    swapped = None
    if levels:
        # The chosen forms go on the names themselves (by position, not by given
        # name: "Gao, Junsong" in full does not make "Wang, Junsong" full).
        # without initialize-with, a short name's given name shows in full (citeproc-js)
        mark = self.get_option("initialize-with", context, sort_options)
        shown = []
        for j, nm in enumerate(names):
            level = levels.get(j, 0)
            given = nm.get("given")
            if level and given and "family" in nm:
                if form == "short":
                    if level == 2 or mark is None:
                        given = str(given)
                    else:
                        given = self.initialize(str(given), mark, context)
                    # sort keys have names in sort order, family first (citeproc-js)
                    parts = (given, nm["family"]) if sort_options is None else (nm["family"], given)
                    nm = type(nm)(family=" ".join(str(p).strip() for p in parts))
                elif level == 2:
                    nm = type(nm)(**{**nm, "given": FullGiven(given)})
            shown.append(nm)
        swapped = item.reference[variable]
        item.reference[variable] = shown
    saved = _active.copy()
    _active["use_first"] = params.names
    try:
        return _spec_name_process(self, item, variable, context, sort_options, **kwargs)
    finally:
        _active.update(saved)
        if swapped is not None:
            item.reference[variable] = swapped


# -- fix S1: names laid out as the spec says -------------------------------------

#: A family name in CSL-JSON's "Rich Text"-free sense: Latin, Greek, Cyrillic,
#: Hebrew, Arabic, Thai letters or digits (citeproc-js's ROMANESQUE_REGEXP). A name
#: without any is written family name first, with no space ("我妻栄").
_ROMANESQUE = re.compile(
    "[-0-9a-zA-Z\u0e01-\u0e5b\u00c0-\u017f\u0370-\u03ff\u0400-\u052f\u0590-\u05d4"
    "\u05d6-\u05ff\u1f00-\u1fff\u0600-\u06ff\u200c\u200d\u200e\u0218-\u021b\u202a-\u202e]"
)
_STARTS_ROMANESQUE = re.compile("^[&a-zA-Z\u00c0-\u017f\u0370-\u03ff\u0400-\u052f]")


_parts_memo: dict[int, tuple[model.Name, dict[str | None, Any]]] = {}


def _name_parts(name_el: model.Name) -> dict[str | None, Any]:
    """A name element's name-parts by name (memoised per element, as the style's
    other lookups are; the memo holds the element, so its id stays unique)."""
    hit = _parts_memo.get(id(name_el))
    if hit is None or hit[0] is not name_el:
        parts = {p.get("name"): p for p in name_el.findall("cs:name-part", name_el.nsmap)}
        hit = _parts_memo[id(name_el)] = (name_el, parts)
    return hit[1]


def _styled(part: Any, text: Any) -> Any:
    """``text`` with a name-part's text-case and formatting (not its affixes)."""
    if not text:
        return None
    return text if part is None else part.format(part.case(String(str(text))))


def _affixed(part: Any, text: Any) -> Any:
    return text if part is None or not text else part.wrap(text)


def _spaced(pieces: Iterable[Any], separator: str = " ") -> Any:
    pieces = [p for p in pieces if p]
    if not pieces:
        return None
    out = pieces[0]
    for piece in pieces[1:]:
        # no space after one already there (a name-part suffix "&#160;")
        gap = "" if separator == " " and str(out)[-1:].isspace() else separator
        out = _join_seamed([out, piece], gap)
    return out


def _joins_tight(particle: str | None) -> bool:
    """A particle ending in an apostrophe or hyphen joins the family name without a
    space ("al-One", "d’Aubignac"), as in citeproc-js."""
    return bool(particle) and str(particle)[-1] in "’'-ʼ "


def _one_name(
    self: model.Name,
    nm: Any,
    inverted: bool,
    form: str,
    initialize_with: str | None,
    context: model.CitationStylesElement | None,
    sort_sep: str,
) -> Any:
    """One personal name (CSL 1.0.2, "Name-part Order" and cs:name-part): the
    family name-part's formatting covers the family name and the non-dropping
    particle, the given name-part's the given name and the dropping particle, each
    part formatted on its own; affixes enclose the particles (and, for names not
    inverted, the suffix) of their part."""
    given, family, dp, ndp, suffix = nm.parts()
    parts = _name_parts(self)
    fam_el, giv_el = parts.get("family"), parts.get("given")
    if "literal" in nm:  # an institution: the family name-part's formatting
        return _styled(fam_el, family)

    def fam(text: Any) -> Any:
        return _styled(fam_el, text)

    def giv(text: Any) -> Any:
        return _styled(giv_el, text)

    nbsp = " "
    try:
        default = (self.get_root().get("default-locale") or "")[:2]
        nbsp = "\u00a0" if default in ("fr", "ru", "cs") else " "
    except AttributeError:
        pass
    family_ndp = _spaced([fam(ndp), fam(family)], "" if _joins_tight(ndp) else nbsp)
    if form == "short":
        return _affixed(fam_el, family_ndp)
    if given and family and initialize_with is not None:
        given = self.initialize(given, initialize_with, context)
    romanesque = 2
    if not _ROMANESQUE.search(str(family or "").replace('"', "")):
        romanesque = 1 if given and _STARTS_ROMANESQUE.match(str(given)) else 0
    if romanesque == 0:
        return _spaced([fam(ndp), fam(family), giv(given)], "")
    if romanesque == 1:
        return _spaced([family_ndp, giv(given)])
    if inverted:
        demote = self.get_option("demote-non-dropping-particle", context) or "display-and-sort"
        if demote in ("always", "display-and-sort"):
            second = _spaced([_spaced([giv(given), giv(dp)]), fam(ndp)])
            first = _affixed(fam_el, fam(family))
        else:
            second = _spaced([giv(given), giv(dp)])
            first = _affixed(fam_el, family_ndp)
        merged = _spaced([first, _affixed(giv_el, second)], sort_sep)
        return _spaced([merged, suffix], sort_sep)
    if dp and family and not ndp and str(dp)[-1] in "'ʼ’-" and str(dp)[:-1] != "de":
        family_ndp = _spaced([giv(dp), fam(family)], "")
        dp = None
    second = _spaced([giv(dp), family_ndp], nbsp)
    second = _spaced([second, suffix], ", " if nm.get("comma-suffix") else " ")
    return _spaced([_affixed(giv_el, giv(given)), _affixed(fam_el, second)])


_PARTICLE_GIVEN = re.compile(r"^([^ ]+(?:\u02bb |\u2019 | |' ) *)(.+)$", re.S)
_PARTICLE_FAMILY = re.compile(r"^([^ ]+(?:-|\u02bb|\u2019| |') *)(.+)$", re.S)


def _split_particles(value: str, given: bool) -> tuple[str, list[str]]:
    """citeproc-js's ``splitParticles``: lowercase words leading a family name
    (trailing a given name) are particles."""
    original = value
    if given:
        value = value[::-1]
    rex = _PARTICLE_GIVEN if given else _PARTICLE_FAMILY
    particles: list[str] = []
    m = rex.match(value)
    while m:
        word = m.group(1)[::-1] if given else m.group(1)
        first = re.sub(r"^[-'\u02bb\u2019\s]*", "", word)[:1]
        if not first or first.upper() == first:
            break
        if given:
            particles.append(original[-len(word) :])
            original = original[: -len(word)]
        else:
            particles.append(original[: len(word)])
            original = original[len(word) :]
        value = m.group(2)
        m = rex.match(value)
    if given:
        value = value[::-1]
        particles.reverse()
        for i in range(1, len(particles)):
            if particles[i].startswith(" "):
                particles[i - 1] += " "
        particles = [p[1:] if p.startswith(" ") else p for p in particles]
        return original[: len(value)], particles
    return original[len(original) - len(value) :], particles


def parse_name(name: dict[str, Any]) -> dict[str, Any]:
    """A CSL-JSON name with its particles and suffix parsed out, as citeproc-js
    parses names given only as family and given (fix S7).

    CSL-JSON allows particles in the family and given fields; citeproc-js (and
    Zotero) split them off: lowercase words that lead the family name are its
    non-dropping particle ("van Gogh", "al-One", "d’Aubignac"), lowercase words
    that end the given name its dropping particle ("Alexander von"), and what
    follows a comma in the given name is a suffix ("John, III"; ``,!`` also sets
    ``comma-suffix``). A family name in double quotes is taken as it stands
    (quotes removed), as is a name with ``"parse-names": false`` or explicit
    particles. citeproc-py read the fields as they come, so "van Gogh" sorted
    under V and printed as ``van Gogh, Vincent`` whatever the style's
    ``demote-non-dropping-particle``.
    """
    family, given = name.get("family"), name.get("given")
    if not isinstance(family, str) or "literal" in name:
        return name
    name = dict(name)
    if family.startswith('"') and family.endswith('"') and len(family) > 1:
        name["family"] = family[1:-1]
        return name
    parse = name.pop("parse-names", True)
    if parse in (False, 0, "false") or name.get("non-dropping-particle") or not given:
        return name
    if name.get("static-particles"):
        return name
    family, particles = _split_particles(family, given=False)
    ndp = "".join(particles)
    last = ndp[-1:]
    ndp = ndp.strip()
    if last == " " and ndp[-1:] in ("'", "\u2019"):
        ndp += " "
    name["family"] = family
    if ndp:
        name["non-dropping-particle"] = ndp
    given = str(given)
    if not name.get("suffix"):
        m = re.search(r"(\s*,!*\s*)", given)
        if m:
            suffix = given[m.end() :]
            if suffix.replace(".", "") == "et al" and not name.get("dropping-particle"):
                pass
            else:
                if len(m.group(1).replace(" ", "")) == 2:
                    name["comma-suffix"] = True
                name["suffix"] = suffix
                given = given[: m.start()]
    given, particles = _split_particles(given, given=True)
    name["given"] = given
    dp = "".join(particles).strip()
    if dp and not name.get("dropping-particle"):
        name["dropping-particle"] = dp
    return name


def fix_seasons(source: Any) -> None:
    """Seasons written as months, read as seasons (fix S8).

    CSL-JSON writes a season as a month above 12 (citeproc-js: 13–16 and 21–24
    are spring, summer, autumn, winter; 17–20 wrap round). citeproc-py kept them as
    months and printed nothing ("Spring 1999–Summer 2001" came out "1999–2001"); a
    month that is no month and no season is left out, with its day, and an empty
    or zero month or day is none (citeproc-py printed ``00/00/2000``)."""
    for reference in source.values():
        for value in list(reference.values()):
            if isinstance(value, DateRange):
                dates = [value.begin] + ([value.end] if value.get("end") is not None else [])
            elif isinstance(value, source_module.Date):
                dates = [value]
            else:
                continue
            for date in dates:
                day = date.get("day")
                if day is not None and (not isinstance(day, int) or day < 1):
                    del date["day"]  # an empty or zero day is no day
                month = date.get("month")
                if month is None or (isinstance(month, int) and 1 <= month <= 12):
                    continue
                del date["month"]
                date.pop("day", None)
                if isinstance(month, int) and 13 <= month <= 24:
                    date["season"] = (month - 13) % 4 + 1


def _render_date_range(
    self: model.Date,
    date_range: DateRange,
    show_parts: Any = None,
    context: model.CitationStylesElement | None = None,
) -> RenderedText | None:
    """``Date.render_date_range`` for ranges of seasons (fix S8): the parts both
    ends share are printed once ("Summer–Spring 1999"); citeproc-py failed on a
    range without months and printed nothing."""
    begin, end = date_range.begin, date_range.get("end")
    if end is None or end.is_nil() or not ("season" in begin or "season" in end):
        return _original_render_date_range(self, date_range, show_parts, context)

    def key(date: Any, name: str) -> Any:
        if name == "month":
            return ("season", date["season"]) if "season" in date else date.get("month")
        return date.get(name)

    show = list(show_parts if show_parts is not None else ["year", "month", "day"])
    same = []
    for name in ("year", "month", "day"):
        if name in show and key(begin, name) is not None and key(begin, name) == key(end, name):
            show.remove(name)
            same.append(name)
        else:
            break
    first = self.render_single_date(begin, show, context)
    last = self.render_single_date(end, show, context)
    if not first:
        return None
    text = str(first).rstrip() + self.unicode_character("EN DASH") + str(last or "")
    if same:
        shared = self.render_single_date(end, same, context)
        if shared:
            joiner = cast(model.Delimited, context if context is not None else self)
            return joiner.join([text, str(shared).rstrip()])
    return text


#: citeproc-js's default trigraph: one author "Aaaa00", two "AaAa00", ...
_TRIGRAPH = ((4,), (2, 2), (2, 1, 1), (1, 1, 1, 1))
_LABEL_NAMES = (
    "author",
    "editor",
    "translator",
    "contributor",
    "collection-editor",
    "composer",
    "container-author",
    "director",
    "editorial-director",
    "interviewer",
    "original-author",
    "recipient",
)


def citation_label(item: dict[str, Any]) -> str:
    """The ``citation-label`` citeproc-js makes for an item without one (fix S9).

    The spec: "citation-label: Label identifying the item in in-text citations of
    label styles (e.g. 'Ferr78'). May be assigned by the CSL processor based on
    item metadata." citeproc-js's trigraph: the first letters of up to four family
    names (four letters of one, two of each of two, ...) and the year's last two
    digits; citeproc-py printed nothing."""
    label = ""
    for variable in _LABEL_NAMES:
        names = item.get(variable)
        if not isinstance(names, list) or not names:
            continue
        widths = _TRIGRAPH[min(len(names), len(_TRIGRAPH)) - 1]
        for width, name in zip(widths, names, strict=False):
            text = str(name.get("family") or name.get("literal") or "")
            text = re.sub(r"^([ '\u2019a-z]+\s+)", "", text)
            text = re.sub(r"^(a|the|an)\s+", "", text, flags=re.I)
            text = "".join(c for c in text if c.isalpha())[:width]
            if not text:
                break
            label += text[:1].upper() + text[1:].lower()
        break
    try:
        year = str(item["issued"]["date-parts"][0][0])
    except (KeyError, IndexError, TypeError):
        year = "0000"
    return label + year[-2:]


def short_titles(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items with CSL-JSON's older ``journalAbbreviation`` read as
    ``container-title-short`` where that is missing, as citeproc-js reads it (fix
    S13); citeproc-py ignored it, so ``form="short"`` printed the full journal
    name."""
    out = []
    for item in items:
        extra = {}
        if item.get("journalAbbreviation") and not item.get("container-title-short"):
            extra["container-title-short"] = item["journalAbbreviation"]
        if extra:
            item = {**item, **extra}
        out.append(item)
    return out


def citation_labels(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items with a ``citation-label`` (:func:`citation_label`) where they had none."""
    return [
        item if item.get("citation-label") else {**item, "citation-label": citation_label(item)}
        for item in items
    ]


#: The item key that carries :func:`et_al_flags` to :func:`_spec_name_process`, and
#: its name in citeproc-py's reference (which turns "-" into "_").
_ET_AL_KEY = "difbib-et-al"
_ET_AL_VAR = _ET_AL_KEY.replace("-", "_")


def et_al_flags(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items whose name lists ended in BibTeX's ``and others`` marked for "et al."
    (fix 32).

    CSL-JSON has no name for "and others"; difbib's items carry
    ``custom.author-et-al`` (``editor-et-al``, ...). biblatex and BibTeX's styles
    print the list followed by "et al." (plain.bst: "J. Smith et al."); so does
    difbib, with the style's own et-al term and ``delimiter-precedes-et-al``, as if
    the style had shortened the list there. (citeproc-js ignores ``custom``; given
    pandoc's ``{"literal": "others"}`` it prints "& others".)"""
    out = []
    for item in items:
        custom = item.get("custom")
        if isinstance(custom, dict):
            flagged = [k[: -len("-et-al")] for k, v in custom.items() if k.endswith("-et-al") and v]
            if flagged:
                item = {**item, _ET_AL_KEY: " ".join(sorted(flagged))}
        out.append(item)
    return out


def parse_names(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CSL-JSON items with every personal name parsed by :func:`parse_name` (fix S7)."""
    from citeproc import NAMES

    out = []
    for item in items:
        names = {
            k: v for k, v in item.items() if k.replace("-", "_") in NAMES and isinstance(v, list)
        }
        if names:
            item = dict(item)
            for key, value in names.items():
                item[key] = [parse_name(n) if isinstance(n, dict) else n for n in value]
        out.append(item)
    return out


def _spec_name_process(
    self: model.Name,
    item: _Item,
    variable: str,
    context: model.CitationStylesElement | None = None,
    sort_options: Any = None,
    **kwargs: Any,
) -> Any:
    """``Name.process`` as CSL 1.0.2 lays a name list out (fix S1); sort keys are
    citeproc-py's (fix 6 and 16 shape them).

    citeproc-py printed "et al." whenever a list reached ``et-al-min``, even when
    ``et-al-use-first`` (raised by disambiguation, fix 12) showed every name
    ("Smith, Brown, J. Jones, et al." for three authors); ignored
    ``delimiter-precedes-et-al`` / ``-last`` values other than contextual and always
    (``after-inverted-name``, ``never``), the name-part rules (formatting of
    particles, affixes enclosing particles and suffix), names in non-Latin scripts
    (family name first, no space), the ``comma-suffix`` of a name and a name with
    only a given name (not initialised); ``form="count"`` counted across a
    ``<names>`` of several variables as text ("32" for 3 + 2)."""
    if sort_options is not None:
        return _original_name_process(self, item, variable, context, sort_options, **kwargs)

    def option(name: str) -> Any:
        return self.get_option(name, context, sort_options)

    names = list(item.reference.get(variable, []))
    et_al_min = option("et-al-min")
    use_first = option("et-al-use-first")
    if _cite_names["capture"] and option("et-al-subsequent-min"):
        # a subsequent cite (the item was cited before): et-al-subsequent-*
        citation = getattr(self.get_root(), "citation", None)
        if citation is not None and item.key in {c.key for c in citation.cites}:
            et_al_min = option("et-al-subsequent-min")
            use_first = max(option("et-al-subsequent-use-first"), _active["use_first"] or 0)
    truncate = bool(et_al_min) and len(names) >= et_al_min and use_first < len(names)
    # fix 32: a list that ended in "and others" ends in "et al." when the style shows it whole
    others = variable in str(item.reference.get(_ET_AL_VAR, "")).split()
    use_last = truncate and not others and option("et-al-use-last") and len(names) >= use_first + 2
    shown = names[:use_first] if truncate else names
    form = option("form")
    initialize_with = option("initialize-with")
    # the entry's name register tells look-alike names apart (fix 34)
    shown = _entry_registered(
        self, item, variable, shown, form not in ("short", "count") and initialize_with is not None
    )
    noted = _substitute.get("shown")
    if noted is not None:  # an entry's first names (fix 13)
        noted += ["".join(str(v) for v in n.values()) for n in shown]
    if form == "count":
        return len(shown) + (1 if use_last else 0)
    if truncate and use_first == 0:
        return None
    order = option("name-as-sort-order")
    sort_sep = option("sort-separator")
    sort_sep = ", " if sort_sep is None else sort_sep
    delimiter = option("delimiter")
    delimiter = ", " if delimiter is None else delimiter

    def inverted(i: int) -> bool:
        if "literal" in (names[i] if i < len(names) else {}):
            return False  # an institution is never inverted
        return form == "long" and (order == "all" or (order == "first" and i == 0))

    output = []
    for i, nm in enumerate(shown):
        text = _one_name(self, nm, inverted(i), form, initialize_with, context, sort_sep)
        if text:
            output.append(text)
    if not output:
        return None

    def precedes(setting: str, count: int, inverted_before: bool) -> bool:
        if setting == "always":
            return True
        if setting == "never":
            return False
        if setting == "after-inverted-name":
            return inverted_before
        return count >= 2  # contextual

    if use_last:
        last = _one_name(
            self, names[-1], inverted(len(names) - 1), form, initialize_with, context, sort_sep
        )
        ellipsis = self.unicode_character("horizontal ellipsis")
        return _join_seamed(output + [String(ellipsis + " ") + last], delimiter)
    if truncate or others:
        et_al = self.et_al()
        text = _join_seamed(output, delimiter)
        if not et_al:
            return text
        setting = option("delimiter-precedes-et-al") or "contextual"
        if precedes(setting, len(output), inverted(len(output) - 1)):
            return _join_seamed([text, et_al], delimiter)
        return text + " " + et_al
    and_ = option("and")
    if and_ in ("text", "symbol") and len(output) > 1:
        and_term = self.get_single_term(name="and") if and_ == "text" else self.preformat("&")
        setting = option("delimiter-precedes-last") or "contextual"
        if len(output) == len(shown) and "literal" in shown[-1]:
            # citeproc-js joins a last institution with its cs:institution's "and",
            # which sees only the style's inherited options, not cs:name's own
            setting = _inherited_option(self, "delimiter-precedes-last", context)
        head = _join_seamed(output[:-1], delimiter)
        if precedes(setting, len(output) - 1, inverted(len(output) - 2)):
            head = _join_seamed([head, String("")], delimiter)
        else:
            head = head + " "
        return head + f"{and_term} " + output[-1]
    return _join_seamed(output, delimiter)


def _inherited_option(
    self: model.Name, name: str, context: model.CitationStylesElement | None
) -> str:
    """A name option as the style's ``<citation>``/``<bibliography>`` or ``<style>``
    sets it for every name (the spec's inheritable name options), "contextual" if unset."""
    where = context if context is not None else self
    parents = where.xpath_search("./ancestor::*[self::cs:citation or self::cs:bibliography][1]")
    value = parents[0].get(name) if parents else None
    return str(value or self.get_root().get(name) or "contextual")


def _name_render(self: model.Name, *args: Any, **kwargs: Any) -> Any:
    """``Name.render``: a count (``form="count"``) stays a number, so that a
    ``<names>`` of several variables adds them up (fix S1)."""
    value = self.process(*args, **kwargs)
    if isinstance(value, int) or value is None:
        return value
    return self.markup(value)


def _particles_in_keys(item: _Item) -> bool:
    """Whether the register's family keys carry the non-dropping particle: when the
    style never demotes it (citeproc-js), so "dos Santos" is no namesake of "Santos"."""
    try:
        root = item.citation.bibliography.style.root
    except AttributeError:
        return False
    return bool(root.get("demote-non-dropping-particle") == "never")


def _family_key(nm: Mapping[str, Any], particles: bool) -> str:
    family = str(nm.get("family") or "")
    if particles and family and nm.get("non-dropping-particle"):
        family = f"{family} {nm.get('non-dropping-particle')}"
    return family


def _name_register(item: _Item, rule: str) -> _Register:
    """citeproc-js's name register as sort keys see it: family -> initials -> given names.

    With ``givenname-disambiguation-rule="by-cite"`` (the default) the register is
    per item (citeproc-js prefixes the family name with the item id), so it holds
    the item's own names; otherwise it is shared by every item of the bibliography,
    and the ``primary-name`` rules register first names only.
    """
    bibliography: CitationStylesBibliography | None
    if rule == "by-cite":
        members = [item]
    else:
        try:
            bibliography = item.citation.bibliography
        except AttributeError:
            bibliography = None
        # one register per sort (the cache is reset when a sort starts)
        # (the cache holds the bibliography itself, so its id is never reused)
        cache = _sort_state.get("register")
        if cache is not None and cache[0] == rule and cache[1] is bibliography:
            return cache[2]
        members = list(bibliography.items) if bibliography is not None else [item]
    register: _Register = {}
    particles = _particles_in_keys(item)
    for member in members:
        variable = next((v for v in _NAME_VARIABLES if member.reference.get(v)), None)
        names = list(member.reference.get(variable) or []) if variable else []
        if rule.startswith("primary-name"):
            names = names[:1]
        for nm in names:
            _register_name(register, nm, particles)
    if rule != "by-cite" and bibliography is not None:
        _sort_state["register"] = (rule, bibliography, register)
    return register


def _register_name(register: _Register, nm: Mapping[str, Any], particles: bool) -> set[str]:
    """Add ``nm`` to ``register`` (citeproc-js's ``addname``) and return the given
    names registered under its family name and initials (empty for a name without
    both): more than one means the name needs its given name in full to be told apart."""
    family, given = _family_key(nm, particles), str(nm.get("given") or "")
    if not (family and given) or "literal" in nm:
        return set()
    full = " ".join(given.replace(".", " ").split())  # citeproc-js's strip_periods
    bucket = register.setdefault(family, {}).setdefault(_given_at(nm, 1), set())
    bucket.add(full)
    return bucket


class _EntryNames(TypedDict):
    """The name register of the bibliography entry being rendered (fix 34)."""

    key: str | None  # the entry's item key (None: no entry is being rendered)
    register: _Register | None  # made on first use
    full: dict[tuple[str, int], bool]  # (variable, index) -> given name in full


_entry_names: _EntryNames = {"key": None, "register": None, "full": {}}


def _start_entry(item: _Item | None) -> None:
    """An entry starts rendering (``None``: the bibliography is done): a fresh register."""
    _entry_names["key"] = None if item is None else item.key
    _entry_names["register"] = None
    _entry_names["full"] = {}


def _givenname_rule(element: model.CitationStylesElement) -> str | None:
    """The style's ``givenname-disambiguation-rule`` (``by-cite`` if unset) when its
    cs:citation has ``disambiguate-add-givenname``; ``None`` when it does not."""
    root = element.get_root()
    if isinstance(root, model.Locale):
        root = root.style
    citation_el = getattr(root, "citation", None)
    if citation_el is None:
        return None
    if citation_el.get("disambiguate-add-givenname", "false").lower() != "true":
        return None
    return str(citation_el.get("givenname-disambiguation-rule", "by-cite"))


def _register_givens(self: model.Name) -> bool:
    """Whether names rendered in entries are told apart by the register (fix 34):
    ``disambiguate-add-givenname`` under the ``by-cite`` rule."""
    return _givenname_rule(self) == "by-cite"


def _entry_registered(
    self: model.Name, item: _Item, variable: str, shown: list[Any], initialized: bool
) -> list[Any]:
    """``shown``, the names of ``variable`` an entry prints, registered in the entry's
    name register in the order they are printed, each with its given name in full
    when the register then holds another given name with its family name and
    initials and the name is printed with initials (fix 34)."""
    if _entry_names["key"] != item.key or not _register_givens(self):
        return shown
    register = _entry_names["register"]
    if register is None:
        # the names citeproc-js registered before it rendered the entry: its cite's
        # and sort key's (copied: the entry's own names are added to it)
        seeded = _name_register(item, "by-cite")
        register = {f: {i: set(g) for i, g in by.items()} for f, by in seeded.items()}
        _entry_names["register"] = register
    particles = _particles_in_keys(item)
    params = _params(item)
    # a form the cite's disambiguation chose stands (citeproc-js's request)
    chosen = dict(params.givens) if params.variable == variable else {}
    out = []
    for j, nm in enumerate(shown):
        full = _entry_names["full"].get((variable, j))
        if full is None:  # a name is registered and judged once per entry
            full = len(_register_name(register, nm, particles)) > 1 and j not in chosen
            _entry_names["full"][(variable, j)] = full
        given = nm.get("given")
        if full and initialized and given and not isinstance(given, FullGiven):
            nm = type(nm)(**{**nm, "given": FullGiven(given)})
        out.append(nm)
    return out


def _sort_key_givens(
    name_el: model.Name,
    item: _Item,
    variable: str,
    context: model.CitationStylesElement | None,
    sort_options: dict[str, Any] | None,
    cites: bool = False,
) -> Disambiguation:
    """The given-name forms of ``item``'s names in a sort key, as citeproc-js has them (fix 16).

    citeproc-js computes sort keys before it disambiguates, with an empty
    disambiguation config; each name then gets the "floor" form its name register
    gives (``evalname`` with no request): with ``disambiguate-add-givenname``, a
    family name registered with several initials gets initials, and an initial
    shared by several given names gets the full given name. The form printed is the
    larger of that and the name element's own (family only for ``form="short"``,
    initials with ``initialize-with``, else the full given name). Under ``by-cite``
    a name whose own form is family only keeps it (``evalname`` returns the request,
    none, when the name's form is not above it).
    """
    rule = _givenname_rule(name_el)
    if rule is None:
        return _NONE
    names = list(item.reference.get(variable) or [])
    if not names:
        return _NONE
    if cites and rule == "by-cite":
        return _NONE  # by cite, only look-alike cites get given names (fix 12)
    short = name_el.get_option("form", context, sort_options) == "short"
    with_initials = name_el.get_option("initialize-with", context, sort_options) is not None
    default = 0 if short else 1 if with_initials else 2
    if rule == "by-cite" and default == 0:
        return _NONE  # by-cite keeps the requested form (none) when it is not above it
    if default == 2 or (rule.endswith("with-initials") and default == 1):
        return _NONE  # the register cannot ask for more than the name's own form
    register = _name_register(item, rule)
    levels: dict[int, int] = {}
    for j, nm in enumerate(names):
        if j > 0 and rule.startswith("primary-name"):
            break
        initials = register.get(_family_key(nm, _particles_in_keys(item)), {})
        if not nm.get("given") or _given_at(nm, 1) not in initials:
            continue
        if rule.endswith("with-initials"):
            level = 1 if len(initials) > 1 else 0
        else:
            level = default
            if len(initials) > 1:
                level = 1
            if len(initials[_given_at(nm, 1)]) > 1 or (len(initials) > 1 and not with_initials):
                level = 2
        if level > default:
            levels[j] = level
    if not levels:
        return _NONE
    return Disambiguation(variable=variable, givens=tuple(sorted(levels.items())))


def _name_get_option(
    self: model.Name,
    name: str,
    context: model.CitationStylesElement | None = None,
    sort_options: dict[str, Any] | None = None,
) -> Any:  # an option's value, as citeproc-py's
    """``Name.get_option`` raising et-al-use-first to the disambiguated count (fix 12).

    (speed) Outside sort keys, citeproc-py's value depends only on the style (the
    element, the ``cs:citation`` or ``cs:bibliography`` of ``context`` and the
    ``cs:style``), so it is read once per element, context and option; a name list
    reads some fifteen options, each an XPath search and a walk up the tree. In a sort
    key, an option the key does not set (``names-min`` ...) is read the same way."""
    if sort_options is None or (type(sort_options) is dict and name not in sort_options):
        # (an option a sort key does not override is read from the style, as without one)
        key = (id(self), id(context), name)
        hit = _name_options.get(key)
        if hit is not None and hit[0] is self and hit[1] is context:
            value = hit[2]
        else:
            value = _original_name_get_option(self, name, context, None)
            _name_options[key] = (self, context, value)
    else:
        value = _original_name_get_option(self, name, context, sort_options)
    if name == "and" and _sorting:
        return None  # no "and"/"&" in name sort keys (fix 6b)
    if name == "demote-non-dropping-particle" and sort_options is not None:
        # "sort-only": demoted in sort keys, "de la Fuente" under F (fix 26)
        return "display-and-sort" if str(value).lower() == "sort-only" else value
    if name == "et-al-use-first" and _active["use_first"] and sort_options is None:
        return max(value, _active["use_first"])
    return value


#: (element id, context id, option) -> (element, context, value): see _name_get_option
_name_options: dict[tuple[int, int, str], tuple[model.Name, Any, Any]] = {}

_explicit_suffix: dict[Any, tuple[model.Style, bool]] = {}


def _renders_year_suffix(element: model.CitationStylesElement) -> bool:
    """Whether the style prints ``year-suffix`` itself (``<text variable="year-suffix"/>``)."""
    root = element.get_root()
    if isinstance(root, model.Locale):  # a localized date: look at the style itself
        root = root.style
    hit = _explicit_suffix.get(id(root))
    if hit is None or hit[0] is not root:
        found = bool(root.xpath('.//cs:text[@variable="year-suffix"]', namespaces=root.nsmap))
        hit = _explicit_suffix[id(root)] = (root, found)
    return hit[1]


def _renders_label(element: model.CitationStylesElement) -> bool:
    """Whether the style prints ``citation-label``: the implicit year suffix follows
    the label then, not the year (fix S9, as citeproc-js)."""
    root = element.get_root()
    if isinstance(root, model.Locale):
        root = root.style
    key = ("label", id(root))
    hit = _explicit_suffix.get(key)
    if hit is None or hit[0] is not root:
        found = bool(root.xpath('.//cs:text[@variable="citation-label"]', namespaces=root.nsmap))
        hit = _explicit_suffix[key] = (root, found)
    return hit[1]


def _date_process(
    self: model.Date,
    item: _Item,
    variable: str | None = None,
    show_parts: Any = None,  # passed on to citeproc-py as it is
    context: model.CitationStylesElement | None = None,
    **kwargs: Any,
) -> RenderedText | None:
    """``Date.process`` appending the year suffix to the year of ``issued`` when the
    style does not print ``year-suffix`` itself (fix 12; CSL's implicit suffix); in a
    sort key, the date as the spec sorts it (fix 18)."""
    if kwargs.get("sort_options") is not None and not self.is_locale_date():
        return _date_sort_key(self, item, variable)
    _called_variable()
    if _substituted(variable or self.get("variable")):
        return None  # a substitute printed it (fix S6)
    text = _original_date_process(self, item, variable, show_parts, context, **kwargs)
    if text is not None:
        _rendered_variables([variable or self.get("variable")])
    if text is None or (variable or self.get("variable")) != "issued":
        return text
    suffix = item.reference.get("year_suffix")
    if not suffix or _renders_year_suffix(self) or _renders_label(self):
        return text
    try:
        year = str(item.reference.issued.year)
    except (AttributeError, model.VariableError):
        return text
    plain = str(text)
    at = plain.find(year)
    if at < 0 or plain[at + len(year) :].startswith(str(suffix)):
        return text
    end = at + len(year)
    return String(plain[:end] + str(suffix) + plain[end:])


def _date_sort_key(element: model.Date, item: _Item, variable: str | None) -> String | None:
    """A date in a sort key (fix 18). The spec (Sorting): "Date variables called via
    a macro are returned in the YYYYMMDD format, with zeros substituted for any
    missing date-parts ... Negative years are sorted inversely, e.g. 100BC, 50BC,
    50AD, 100AD". citeproc-py sorted the rendered text ("100 BC" after "44 BC" by
    value). Only the date-parts the element shows count (citeproc-js:
    ``date-parts="year"`` sorts by the year alone)."""
    value = item.reference.get((variable or element.get("variable") or "").replace("-", "_"))
    if not value:
        return None
    shown: set[str | None]  # the names of the date-parts shown
    if element.get("form") is not None:
        shown = set((element.get("date-parts") or "year-month-day").split("-"))
    else:
        shown = {part.get("name") for part in element.iterchildren()}

    def key(date: Date | LiteralDate) -> str:
        if isinstance(date, LiteralDate):
            return str(date.text)
        year = date.year + 10000 if "year" in shown else 0
        month = date.get("month", 0) if "month" in shown else 0
        day = date.get("day", 0) if "day" in shown else 0
        return f"{year:05}{month:02}{day:02}"

    if isinstance(value, DateRange):
        end = value.get("end")
        return String(key(value.begin) + "-" + (key(end) if end is not None else "0000000000"))
    return String(key(value))


def _label_process(
    self: model.Label,
    item: _Item,
    variable: str | None = None,
    plural: bool | None = None,
    context: model.CitationStylesElement | None = None,
    **kwargs: Any,
) -> RenderedText | None:
    """``Label.process`` printing nothing for an empty variable (fix 15) or one
    substituted earlier (fix 24), nor for the role of names in a sort key (fix 30)."""
    if kwargs.get("sort_options") is not None and isinstance(self.getparent(), model.Names):
        return None
    if variable is None:
        name = self.get("variable") or ""
        if name == "locator":
            if not item.has_locator:
                return None
        elif name and not item.reference.get(name.replace("-", "_")):
            return None
        elif name.startswith("number-of") and plural is None:
            # a count is plural above one (citeproc-py looked the count up on the
            # cite, failed, and printed no label)
            digits = re.search(r"\d+", str(item.reference.get(name.replace("-", "_"))))
            plural = digits is not None and int(digits.group(0)) > 1
    text = _original_label_process(self, item, variable, plural, context, **kwargs)
    if text and variable is not None and _substitute.get("shown") is not None:
        _substitute["label"] = (self, text)  # a role label beside an entry's names (fix 13)
    return text


_group_frames: list[list[bool]] = []  # per cs:group: [a variable tried, one rendered] (fix 25)


def _renders_variable(element: model.CitationStylesElement) -> bool:
    """Whether ``element`` renders a variable itself (not through a macro)."""
    tag = str(element.tag).rpartition("}")[2]  # the local name (speed: no QName)
    if tag in ("names", "date", "number"):
        return True
    if tag == "text":
        return "variable" in element.attrib
    return tag == "label" and element.get("variable") == "locator"


@dataclass(frozen=True)
class _ElementFacts:
    """What the fixes read of an element's attributes on every render, read once."""

    renders_variable: bool  # :func:`_renders_variable`
    variable: str | None
    macro: str | None
    term: str | None
    value: str | None
    value_only: bool  # a value, and none of macro, variable, term
    reads_language: bool  # cs:text: the item's language matters (fix 7)
    prefix: str
    suffix: str
    delimiter: str
    formatted: bool  # sets one of the five formatting attributes (see _format)
    text_case: str | None
    strip_periods: bool
    quotes: bool


#: element -> its facts. Elements hash and compare by identity, and a key holds its
#: element, so lxml keeps the same Python proxy alive for it.
_element_facts: dict[model.CitationStylesElement, _ElementFacts] = {}


def _facts(element: model.CitationStylesElement) -> _ElementFacts:
    """``element``'s :class:`_ElementFacts` (speed).

    They depend only on its attributes, which do not change once a style is parsed,
    so they are read once per element, as :func:`_xpath_search` memoises."""
    known = _element_facts.get(element)
    if known is not None:
        return known
    get = element.get
    variable, macro = get("variable"), get("macro")
    facts = _ElementFacts(
        renders_variable=_renders_variable(element),
        variable=variable,
        macro=macro,
        term=get("term"),
        value=get("value"),
        value_only=get("value") is not None
        and variable is None
        and macro is None
        and get("term") is None,
        reads_language=variable is None or variable in _MULTI_FIELDS or macro is not None,
        prefix=get("prefix", ""),
        suffix=get("suffix", ""),
        delimiter=get("delimiter", ""),
        formatted=any(get(name) is not None for name in _FORMATTING),
        text_case=get("text-case"),
        strip_periods=get("strip-periods", "false").lower() == "true",
        quotes=get("quotes", "false").lower() == "true",
    )
    _element_facts[element] = facts
    return facts


def _reporting(render: Callable[..., RenderedText | None]) -> Callable[..., RenderedText | None]:
    """``render`` noting, for the cs:group around, that a variable was tried and
    whether it rendered (fix 25)."""

    def reporting_render(
        self: model.CitationStylesElement, *args: Any, **kwargs: Any
    ) -> RenderedText | None:
        if not _group_frames:
            return render(self, *args, **kwargs)
        facts = _facts(self)  # (speed: whether it renders a variable is read once)
        if not facts.renders_variable:
            return render(self, *args, **kwargs)
        frame = _group_frames[-1]
        frame[0] = True
        # citeproc-js: year-suffix "always signals that it produces output, even
        # when it doesn't", so that a group can hold it with the "no date" term
        if facts.variable == "year-suffix":
            frame[1] = True
        text = render(self, *args, **kwargs)
        if text:
            frame[1] = True
        return text

    return reporting_render


def _enter_group() -> list[bool]:
    """Start a group's record of its variables (fix 25): [one tried, one rendered]."""
    frame = [False, False]
    _group_frames.append(frame)
    return frame


def _leave_group(frame: list[bool], output: bool) -> bool:
    """End a group's record; whether the group renders (fix 25)."""
    _group_frames.pop()
    rendered = output and (frame[1] or not frame[0])
    if _group_frames:
        parent = _group_frames[-1]
        if rendered:
            parent[1] = True  # a group that renders counts as a rendered variable
        else:
            parent[0] = frame[0]  # citeproc-js passes on whether it tried any
    return rendered


def _group_process(
    self: model.Group,
    item: _Item,
    context: model.CitationStylesElement | None = None,
    **kwargs: Any,
) -> RenderedText | None:
    """``Group.process`` deciding on the variables the group rendered (fix 25).

    The spec: cs:group "is suppressed if a) at least one rendering element in
    cs:group calls a variable (either directly or via a macro), and b) all
    variables that are called are empty". citeproc-py judged by the elements a
    child could render: a cs:choose counted as a rendered variable when any of its
    branches held one, even if the branch taken printed only a value, so APA's
    ``identifier-number`` gave "(Publication)" for a thesis without a number. As
    in citeproc-js, the variables counted are those the rendering reached (in the
    branches taken); a nested group that renders counts as a rendered variable,
    and one suppressed passes on whether it tried any. citeproc-js also treats
    each macro call as a group (:func:`_text_process`): a macro whose variables
    are all empty renders nothing, and one that prints a term only counts as a
    rendered variable for the group around it ("n.d." in a group with an empty
    volume).
    """
    frame = _enter_group()
    output = []
    delimiter = _facts(self).delimiter
    try:
        for child, is_choose in _children(self):  # (speed: listed once)
            try:
                if is_choose:
                    text = child.render(item, context=context, delimiter=delimiter, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except model.VariableError:
                continue
            if text is not None:
                output.append(text)
    finally:
        rendered = _leave_group(frame, bool(output))
    if rendered:
        try:  # (speed: _delimited_join, inlined)
            return _join_seamed(output, delimiter)
        except (TypeError, ValueError, IndexError):  # as citeproc-py: nothing to join
            return String("")
    raise model.VariableError


def _group_render(self: model.Group, *args: Any, **kwargs: Any) -> RenderedText | None:
    """``Group.render``: citeproc-py's ``render`` and ``Group.markup`` in one call (speed)."""
    text = self.process(*args, **kwargs)
    if not text:
        return None
    wrapped: RenderedText = self.wrap(self.format(text))
    return wrapped


# citeproc-py's own functions, kept for the cases the fixes do not change.
_original_case = model.TextCased.case
_original_render_bibliography = model.Layout.render_bibliography
_original_et_al = model.Name.et_al
_original_text_process = model.Text.process
_original_text_render = model.Text.render
_original_get_macro = model.CitationStylesElement.get_macro
_original_if_render = model.If.render
_original_name_process = model.Name.process
_original_label_process = model.Label.process
_original_date_process = model.Date.process
_original_render_date_range = model.Date.render_date_range
_original_names_render = model.Names.render
_original_substitute_render = model.Substitute.render
_original_number_process = model.Number.process
_original_name_get_option = model.Name.get_option
_original_xpath_search = model.CitationStylesElement.xpath_search
_original_get_option = model.CitationStylesElement.get_option
_original_format_number_process = model.FormatNumber._process
_original_text_variable = model.Text._variable
_original_label_is_plural = model.Label._is_plural


# -- difbib's element classes ---------------------------------------------------
#
# citeproc-py maps each CSL tag to a class of its own (``text`` -> ``model.Text``)
# through an lxml ``ElementNamespaceClassLookup``. difbib builds a lookup of its own
# that maps every tag to a subclass of citeproc-py's class carrying the fixes above,
# and parses styles and locales with a parser that uses it. citeproc-py's classes
# are never changed: a style parsed by citeproc-py itself renders as citeproc-py
# renders it, in the same process.


@overload
def _wrap(self: model.Affixed, string: RenderedText) -> RenderedText: ...
@overload
def _wrap(self: model.Affixed, string: None) -> None: ...
def _wrap(self: model.Affixed, string: RenderedText | None) -> RenderedText | None:
    """``Affixed.wrap`` with difbib's seams (fix 10).

    (speed) The affixes come from :func:`_facts`; without them the text is returned
    as it is: an empty prefix leaves the seam alone and ``"" + text`` is ``text``
    (``String`` and ``MixedString`` return themselves; a ``str`` an equal ``str``; other
    ``str`` subclasses, which would become ``str``, go the long way), as ``text + ""`` is."""
    if string is None:
        return None
    facts = _facts(self)
    prefix = facts.prefix
    suffix: RenderedText = facts.suffix
    if (
        not prefix
        and not suffix
        and (type(string) is str or isinstance(string, (String, MixedString)))
    ):
        return string
    string = _normalize_seam(prefix, string)
    text = prefix + string
    text, suffix = _seam(text, suffix)
    return text + suffix


def _explicit_normal(
    attribute: str, kind: str, original: Callable[[Any, str], str]
) -> Callable[[Any, str], str]:
    """A ``Formatted`` method that, for an explicit ``normal`` value of ``attribute``,
    marks the text for :func:`flip_flop` (fix S3: upright inside italics)."""

    decorated = {"i": ("italic", "oblique"), "b": ("bold",), "sc": ("small-caps",)}[kind]

    def method(self: model.Formatted, text: str) -> str:
        # only where an enclosing element decorates: elsewhere "normal" changes nothing
        if self.get(attribute) == "normal" and any(
            a.get(attribute) in decorated for a in self.iterancestors()
        ):
            return _MARKUP_OPEN[f"normal-{kind}"] + text + _MARKUP_CLOSE[f"normal-{kind}"]
        return original(self, text)

    return method


def _join_seamed(items: Iterable[RenderedText], delimiter: str = "") -> RenderedText:
    """citeproc-py's ``join`` with difbib's seams (fix 10)."""
    rest = iter(items)
    try:
        output = next(rest)
    except StopIteration:
        return String("")
    for item in rest:
        output, part = _seam(output, delimiter)
        output = output + part
        output, part = _seam(output, item)
        output = output + part
    return output


def _delimited_join(
    self: model.Delimited, strings: Iterable[RenderedText | None], default_delimiter: str = ""
) -> RenderedText:
    """``Delimited.join`` with difbib's seams (fix 10)."""
    delimiter = self.get("delimiter", default_delimiter)
    try:
        return _join_seamed((s for s in strings if s is not None), delimiter)
    except (TypeError, ValueError, IndexError):  # as citeproc-py: nothing to join
        return String("")


#: element -> (its number of children, its children and whether each is a cs:choose);
#: see _children (keyed as _element_facts)
_kids: dict[Any, tuple[int, tuple[tuple[Any, bool], ...]]] = {}


def _children(element: model.CitationStylesElement) -> tuple[tuple[Any, bool], ...]:
    """``element``'s children, each with whether it is a ``cs:choose`` (speed).

    A style's tree does not change once parsed, except that citeproc-py gives a
    ``cs:names`` without a ``cs:name`` one when it renders; so the children are
    listed once per element and listed again if their number changed."""
    hit = _kids.get(element)
    if hit is not None and hit[0] == len(element):
        return hit[1]
    kids = tuple((child, isinstance(child, model.Choose)) for child in element.iterchildren())
    _kids[element] = (len(element), kids)
    return kids


#: (element id, name) -> (element, its number of children, the child found)
_found: dict[tuple[int, str], tuple[Any, int, Any]] = {}


def _find_child(self: model.CitationStylesElement, name: str) -> Any:  # an element or None
    """citeproc-py's ``__getattr__`` (``names.label`` is the first ``cs:label`` child),
    memoised as :func:`_children` is (speed: an lxml ``find`` with a namespace map on
    every ``names.name``, ``names.label``, ``style.citation`` ...)."""
    count = len(self)
    key = (id(self), name)
    hit = _found.get(key)
    if hit is not None and hit[0] is self and hit[1] == count:
        return hit[2]
    child = self.find("cs:" + name, self.nsmap)
    _found[key] = (self, count, child)
    return child


def _render_children(
    self: model.Parent, item: _Item, delimiter: str = "", **kwargs: Any
) -> RenderedText | None:
    """``Parent.render_children`` with difbib's seams (fix 10); the children are
    listed once (speed, :func:`_children`)."""
    output: list[RenderedText] = []
    for child, is_choose in _children(self):
        try:
            if is_choose:
                text = child.render(item, delimiter=delimiter, **kwargs)
            else:
                text = child.render(item, **kwargs)
            if text is not None:
                output.append(text)
        except model.VariableError:
            pass
    return _join_seamed(output, delimiter) if output else None


def _text_variable(
    self: model.Text, item: _Item, context: model.CitationStylesElement | None
) -> RenderedText | None:
    """``Text._variable`` escaping a cite's locator for the output (fix 11): citeproc-py
    printed it as given, so ``213 & 235`` reached HTML unescaped; white space around
    it and around a range's dash goes, as in citeproc-js."""
    variable = _facts(self).variable  # (speed: read once per element)
    if variable not in self.generated_variables:  # year-suffix: not called
        _rendered["called"] += 1  # (_called_variable, inlined)
    if _subst_state["active"] and _substituted(variable):
        return None  # a substitute printed it (fix S6)
    text = _original_text_variable(self, item, context)
    if text is None:
        return None  # (none of the steps below applies to no text)
    _rendered_variables([variable])
    if variable == "citation-label":
        suffix = item.reference.get("year_suffix")
        if suffix and not _renders_year_suffix(self):
            text = text + str(suffix)  # the implicit year suffix (fix S9)
    if variable == "locator":
        # as citeproc-js: no white space around the locator or a range's dash
        # ("Title: 666", "pp. 100–103" for " 666" and "100 - 103")
        text = re.sub(r"(?<=\w)\s*\u2013\s*(?=\w)", "\u2013", str(text).strip())
        return self.preformat(text)
    if variable in numbers.RENDERED and variable != "page":
        # (a page is rendered by _format_number_process, through citeproc-py's _process)
        def value_case(piece: str) -> str:
            # (no number variable is one whose language citeproc-js asks: fix 7)
            return str(self.case(String(piece), None))

        return String(_render_number(self, text, variable, value_case=value_case))
    return text


def _format_number_process(self: model.FormatNumber, value: object, variable: str) -> RenderedText:
    """``FormatNumber._process`` seeing a protected ``&`` as the ``&`` it splits at (fix 11);
    the number variables citeproc-js parses are rendered as it does (fix 28)."""
    if variable in numbers.RENDERED:
        return _render_number(self, value, variable, self.format_number)
    return _original_format_number_process(self, _protected_amp(str(value)), variable)


def _number_context(element: model.CitationStylesElement, variable: str) -> numbers.Context:
    """What :mod:`difbib.csl.numbers` needs to know of the style (fix 28)."""
    delimiter = str(element.get_single_term("page-range-delimiter") or "") or "\u2013"
    return numbers.Context(
        variable,
        has_term=lambda name: element.get_term(name) is not None,
        range_delimiter=delimiter,
        page_range_format=element.get_root().get_option("page-range-format"),
    )


def _render_number(
    element: model.CitationStylesElement,
    value: object,
    variable: str,
    number_format: Callable[[str], object] = str,
    value_case: Callable[[str], str] | None = None,
) -> str:
    """A number variable as citeproc-js renders it (fix 28), each piece in the
    element's text case; a protected ``&`` (fix 11) is read as ``&`` and protected
    again."""
    text = str(value)
    amp = chr(_PROTECT_BASE + ord("&"))

    def label_term(term: str, plural: bool) -> str:
        get = element.get_plural_term if plural else element.get_single_term
        return str(get(term, "short"))

    out = numbers.render(
        _protected_amp(text),
        _number_context(element, variable),
        number_format,
        label_term,
        value_case,
    )
    return out.replace("&", amp) if amp in text else out


def _parsed_number(
    element: model.CitationStylesElement, item: _Item, variable: str
) -> numbers.Number | None:
    """The item's ``variable`` parsed as citeproc-js parses it, None when it is empty.

    A value is parsed once per style (or locale) and variable: the parse depends on
    nothing else (speed; conditions test the same value several times)."""
    try:
        value = item.reference[variable.replace("-", "_")]
    except model.VariableError:
        return None
    if value is None or str(value) == "":
        return None
    text = _protected_amp(str(value))
    root = element.get_root()
    key = (id(root), variable, text)
    hit = _parsed_numbers.get(key)
    if hit is None or hit[0] is not root:
        if len(_parsed_numbers) > 100_000:
            _parsed_numbers.clear()
        hit = _parsed_numbers[key] = (root, numbers.parse(text, _number_context(element, variable)))
    return hit[1]


#: Parsed number variables: (id of the style or locale, variable, value) -> (that
#: root, the parse). The root is held so that its id stays unique.
_parsed_numbers: dict[tuple[int, str, str], tuple[Any, numbers.Number]] = {}


def _label_is_plural(self: model.Label, item: _Item) -> bool:
    """``Label._is_plural`` deciding as citeproc-js does (fix 28): several numbers
    under one label (``1-3``, ``99-02``, ``4, 7``), not any two digit runs (``6 + 120
    + 1`` pages are one value: "p.")."""
    variable = self.get("variable") or ""
    if variable in numbers.NUMERIC and variable != "locator":
        parsed = _parsed_number(self, item, variable)
        return parsed is not None and parsed.plural
    return _original_label_is_plural(self, item)


def _if_is_numeric(self: model.If, item: _Item) -> list[bool]:
    """``If._is_numeric`` as citeproc-js tests it (fix 28): a number variable is numeric
    when its first value starts with a number (``12a``, ``1-3``, ``iv``), not when it
    is ``??`` or ``S544-3``; of other variables only title and version, by their last
    character."""
    results: list[bool] = []
    for variable in (self.get("is-numeric") or "").split():
        if variable in numbers.NUMERIC and variable != "locator":
            parsed = _parsed_number(self, item, variable)
            results.append(parsed is not None and parsed.numeric)
        elif variable in ("title", "version"):
            try:
                value = str(item.reference[variable])
            except model.VariableError:
                value = ""
            results.append(value[-1:].isdigit() and value[-1:].isascii())
        else:
            results.append(False)
    return results


def _style_get_option(self: model.Style, name: str) -> Any:  # as citeproc-py's
    """``Style.get_option`` with CSL 1.0.1's ``initialize`` (default "true"; fix 4)."""
    if name == "initialize":
        return self.get(name, "true")
    return _original_get_option(self, name)


def _set_locale_list(self: model.Style, output_locale: str, validate: bool = False) -> None:
    """``Style.set_locale_list`` reading the locale files with difbib's classes.

    The order is citeproc-py's (and the spec's locale fallback): in-style locales
    for the dialect, the language, no language; then the locale files for the
    dialect, the language's primary dialect, and en-US.
    """
    from citeproc import LANGUAGE_NAMES, LOCALES_PATH, PRIMARY_DIALECTS

    self.locales = []
    added: set[str] = set()

    def in_style(locale: str | None) -> None:
        expr = f'./cs:locale[@xml:lang="{locale}"]' if locale else "./cs:locale[not(@xml:lang)]"
        self.locales.extend(self.xpath_search(expr)[:1])

    def from_file(locale: str) -> None:
        if locale in added:
            return
        path = f"{LOCALES_PATH}/locales-{locale}.xml"
        try:
            # (the lookup makes a locale file's root, cs:locale, a Locale)
            root = cast(model.Locale, etree.parse(path, _parser()).getroot())
        except OSError:
            raise ValueError(f"{locale!r} is not a known locale") from None
        self.locales.append(root)
        added.add(locale)

    language = output_locale.split("-")[0]
    in_style(output_locale)
    in_style(language)
    in_style(None)
    if output_locale in LANGUAGE_NAMES:
        from_file(output_locale)
    if language in PRIMARY_DIALECTS:
        from_file(PRIMARY_DIALECTS[language])
    from_file("en-US")
    for locale in self.locales:
        locale.style = self


#: Per tag, the methods difbib's class replaces (besides the shared ones below).
# -- speed: citeproc-py's per-piece lookups, done once ------------------------------


def _if_type(self: model.If, item: _Item) -> list[bool]:
    """``If._type`` looking the item's type up once, not once per type named."""
    types = self.get("type", "").split()
    if not types:
        return []
    kind = item.reference.type
    return [typ.lower() == kind for typ in types]


def _if_variable(self: model.If, item: _Item) -> list[bool]:
    """``If._variable`` looking the item's reference up once."""
    variables = [var.replace("-", "_") for var in self.get("variable", "").split()]
    if not variables:
        return []
    reference = item.reference
    return [("locator" in item) if v == "locator" else (v in reference) for v in variables]


_terms: dict[tuple[int, str, str | None, bool], tuple[model.Locale, Any]] = {}
_original_locale_get_term = model.Locale.get_term


def _locale_get_term(
    self: model.Locale, name: str, form: str | None = None, zero_padded: bool = False
) -> Any:  # a cs:term element
    """``Locale.get_term`` looked up once per locale and term (an XPath query and a
    child search each time in citeproc-py); ``IndexError`` when the locale has no
    such term, as citeproc-py's. The memo holds the locale (its id stays unique)."""
    key = (id(self), name, form, zero_padded)
    hit = _terms.get(key)
    if hit is None or hit[0] is not self:
        try:
            found = _original_locale_get_term(self, name, form, zero_padded=zero_padded)
        except IndexError:
            found = None
        hit = _terms[key] = (self, found)
    if hit[1] is None:
        raise IndexError(name)
    return hit[1]


_IF_SPEED = {"_type": _if_type, "_variable": _if_variable}


@dataclass(frozen=True)
class _Condition:
    """What a ``cs:if`` / ``cs:else-if`` tests, read once from its attributes (speed)."""

    gate: bool  # disambiguate="true" fails the branch unless fix 12 sets it (fix 9)
    types: tuple[str, ...]  # type="...", lowercased
    variables: tuple[str, ...]  # variable="...", as reference keys ("container_title")
    others: tuple[str, ...]  # the other tests citeproc-py knows, in its order
    match: str  # "any", "none" or "all" (anything else)


#: The other tests of citeproc-py's ``If.render``, in its order: attribute -> method.
_IF_TESTS = (
    ("is-numeric", "_is_numeric"),
    ("is-uncertain-date", "_is_uncertain_date"),
    ("locator", "_locator"),
    ("position", "_position"),
)
#: A branch's test: (the cs:if, the item, the context) -> whether the branch is taken.
_Test: TypeAlias = "Callable[[model.If, _Item, model.CitationStylesElement | None], bool]"
_conditions: dict[model.If, _Test] = {}  # (keyed as _element_facts)


def _condition(element: model.If) -> _Test:
    """``element``'s test, made once per element (the style tree does not change):
    :func:`_condition_holds`, or for the usual conditions (types alone, variables
    alone) a function that gives the same result directly."""
    known = _conditions.get(element)
    if known is not None:
        return known
    attrib = element.attrib
    match = element.get("match") or "all"
    match = match if match in ("any", "none") else "all"
    condition = _Condition(
        gate=element.get("disambiguate", "").lower() == "true"
        and match != "none"
        and (match != "any" or len(attrib) <= 2),
        types=tuple(t.lower() for t in element.get("type", "").split()),
        variables=tuple(v.replace("-", "_") for v in element.get("variable", "").split()),
        others=tuple(method for name, method in _IF_TESTS if name in attrib),
        match=match,
    )
    test = _conditions[element] = _direct_test(condition)
    return test


def _direct_test(condition: _Condition) -> _Test:
    """A test giving :func:`_condition_holds`'s result without building its list of
    results, for a condition of types alone or of variables (not the locator) alone."""
    types, variables, match = condition.types, condition.variables, condition.match

    def slow(self: model.If, item: _Item, context: model.CitationStylesElement | None) -> bool:
        return _condition_holds(condition, self, item, context)

    if condition.gate or condition.others or (types and variables):
        return slow
    if not variables:

        def type_test(
            self: model.If, item: _Item, context: model.CitationStylesElement | None
        ) -> bool:
            kind = item.reference.type
            if type(kind) is not str:  # (a str compares in a tuple as in the list)
                return slow(self, item, context)
            if match == "any":
                return kind in types
            if match == "none":
                return kind not in types
            return all(t == kind for t in types)

        return type_test
    if "locator" in variables:
        return slow

    def variable_test(
        self: model.If, item: _Item, context: model.CitationStylesElement | None
    ) -> bool:
        reference = item.reference  # (testing a key has no side effect: may stop early)
        if match == "all":
            return all(v in reference for v in variables)
        found = any(v in reference for v in variables)
        return not found if match == "none" else found

    return variable_test


def _condition_holds(
    condition: _Condition,
    self: model.If,
    item: _Item,
    context: model.CitationStylesElement | None,
) -> bool:
    """Whether the branch is taken: :func:`_if_render`'s gate and citeproc-py's
    ``If.render`` tests (with :func:`_if_type`, :func:`_if_variable` and
    :func:`_if_is_numeric`), on facts read once per element (speed)."""
    if condition.gate and not _params(item).condition:
        return False
    results: list[bool] = []
    if condition.types:
        kind = item.reference.type
        results.extend(t == kind for t in condition.types)
    if condition.variables:
        reference = item.reference
        results.extend(
            ("locator" in item) if v == "locator" else (v in reference) for v in condition.variables
        )
    for method in condition.others:
        if method == "_position":
            results += self._position(item, context)
        else:
            results += getattr(self, method)(item)
    if condition.match == "any":
        return any(results)
    if condition.match == "none":
        return not any(results)
    return all(results)


_ELSE_RENDER = model.Else.render


def _choose_render(
    self: model.Choose,
    item: _Item,
    context: model.CitationStylesElement | None = None,
    delimiter: str = "",
    **kwargs: Any,
) -> RenderedText | None:
    """``Choose.render`` testing a difbib ``cs:if`` / ``cs:else-if`` here instead of
    through its ``render`` and a ``ConditionFailed`` exception per branch not taken
    (speed: most branches of a style are not taken). The test is
    :func:`_condition`, the same as :func:`_if_render`'s; the branch taken
    renders as ``If.render`` renders it, and a ``ConditionFailed`` from inside it
    still moves on to the next branch, as in citeproc-py."""
    for child, _ in _children(self):
        try:
            text: RenderedText | None
            render = type(child).render
            if render is _if_render:
                if not _condition(child)(child, item, context):
                    continue
                text = child.render_children(item, context=context, delimiter=delimiter, **kwargs)
            elif render is _ELSE_RENDER:  # (citeproc-py's Else.render, inlined)
                text = child.render_children(item, context=context, delimiter=delimiter, **kwargs)
            else:
                text = child.render(item, context=context, delimiter=delimiter, **kwargs)
            return text
        except model.ConditionFailed:
            continue
    return None


_original_format = model.Formatted.format


def _format(self: model.Formatted, string: Any) -> Any:  # citeproc-py's rendered text
    """``Formatted.format``, returning the text at once when the element sets none of
    the five formatting attributes (citeproc-py looks the formatter up five times for
    every piece it renders)."""
    if not _facts(self).formatted:  # (read once per element)
        return str(string) if isinstance(string, (int, float)) else string
    return _original_format(self, string)


#: The formatting attributes of ``Formatted.format``.
_FORMATTING = ("font-style", "font-variant", "font-weight", "text-decoration", "vertical-align")


def _text_markup(self: model.Text, text: Any, language: str | None) -> RenderedText | None:
    """``Text.markup`` skipping the steps the element does not ask for (speed): without
    ``strip-periods``, ``text-case``, formatting or ``quotes`` those steps (``strip_periods``,
    :func:`_case`, :func:`_format`, :func:`_quote`) return the text as it is."""
    if not text:
        return None
    facts = _facts(self)
    if facts.strip_periods:
        text = self.strip_periods(text)
    if facts.text_case is not None:
        text = self.case(text, language)
    if facts.formatted:
        text = self.format(text)
    elif isinstance(text, (int, float)):  # as _format
        text = str(text)
    if facts.quotes:
        text = self.quote(text)
    wrapped: RenderedText = self.wrap(text)
    return wrapped


_METHODS: dict[str, dict[str, Callable[..., Any]]] = {
    "style": {"get_option": _style_get_option, "set_locale_list": _set_locale_list},
    "locale": {"get_term": _locale_get_term},
    "text": {
        "process": _text_process,
        "_variable": _text_variable,
        "render": _text_render,
        "markup": _text_markup,
    },
    "name": {
        "initialize": _initialize,
        "process": _name_process,
        "get_option": _name_get_option,
        "et_al": _et_al,
        "render": _name_render,
    },
    "names": {"render": _names_render},
    "substitute": {"render": _substitute_render},
    "number": {"process": _number_process},
    "layout": {"render_bibliography": _render_bibliography, "render_citation": _render_citation},
    "sort": {"sort": _sort},
    "group": {"process": _group_process, "render": _group_render},
    "label": {"process": _label_process, "_is_plural": _label_is_plural},
    "date": {"process": _date_process, "render_date_range": _render_date_range},
    "if": {"render": _if_render, "_is_numeric": _if_is_numeric, **_IF_SPEED},
    "else-if": {"render": _if_render, "_is_numeric": _if_is_numeric, **_IF_SPEED},
    "choose": {"render": _choose_render},
}

#: citeproc-py's calls_variable -> its memoised version (speed)
_MEMO_CALLS: dict[Callable[[model.Parent], bool], Callable[[model.Parent], bool]] = {}


def _difbib_class(cls: type) -> type:
    """A subclass of citeproc-py's element class ``cls`` carrying difbib's fixes."""
    tag = cls.__name__.replace("_", "-").lower()
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": f"citeproc-py's ``{cls.__name__}`` with difbib's fixes.",
        "get_macro": _get_macro,
        "xpath_search": _xpath_search,
        "__getattr__": _find_child,
    }
    if issubclass(cls, model.TextCased):
        namespace["case"] = _case
    if issubclass(cls, model.Quoted):
        namespace["quote"] = _quote
    if issubclass(cls, model.Affixed):
        namespace["wrap"] = _wrap
    if issubclass(cls, model.Formatted):
        namespace["format"] = _format
    if issubclass(cls, model.Formatted):
        namespace["font_style"] = _explicit_normal("font-style", "i", model.Formatted.font_style)
        namespace["font_weight"] = _explicit_normal("font-weight", "b", model.Formatted.font_weight)
        namespace["font_variant"] = _explicit_normal(
            "font-variant", "sc", model.Formatted.font_variant
        )
    if issubclass(cls, model.Delimited):
        namespace["join"] = _delimited_join
    if issubclass(cls, model.Parent):
        namespace["render_children"] = _render_children
    if issubclass(cls, model.FormatNumber):
        namespace["_process"] = _format_number_process
    calls = getattr(cls, "calls_variable", None)
    if calls in _MEMO_CALLS:
        namespace["calls_variable"] = _MEMO_CALLS[calls]
    namespace.update(_METHODS.get(tag, {}))
    if tag in ("names", "date", "number", "label"):  # (text: built into _text_render)
        element_cls = cast("type[model.CitationStylesElement]", cls)  # by its tag
        namespace["render"] = _reporting(namespace.get("render") or element_cls.render)
    return type(cls.__name__, (cls,), namespace)


def _build_lookup() -> etree.ElementNamespaceClassLookup:
    cls: type[model.CitationStylesElement]
    for cls in (model.Parent, model.Text, model.Group):
        _MEMO_CALLS[cls.__dict__["calls_variable"]] = _memo_calls(cls.__dict__["calls_variable"])
    lookup = etree.ElementNamespaceClassLookup()
    namespace = lookup.get_namespace("http://purl.org/net/xbiblio/csl")
    namespace[None] = _difbib_class(model.CitationStylesElement)
    for cls in model.CitationStylesElement.__subclasses__():
        namespace[cls.__name__.replace("_", "-").lower()] = _difbib_class(cls)
    return lookup


_LOOKUP = _build_lookup()


def _parser() -> etree.XMLParser:
    """A parser building difbib's classes (a new one per parse: lxml parsers are
    not shared between threads)."""
    parser = etree.XMLParser(remove_comments=True, encoding="UTF-8", no_network=True)
    parser.set_element_class_lookup(_LOOKUP)
    return parser


#: Where a style's XML is: a path, or a file open for reading bytes.
StyleSource: TypeAlias = "str | os.PathLike[str] | IO[bytes]"


class Style(CitationStylesStyle):
    """A CSL style parsed with difbib's element classes (the fixes above).

    ``source`` is a path or a file-like object holding the style's XML;
    ``locale`` the output locale (default: the style's ``default-locale``, else
    en-US). Raises ``lxml.etree.XMLSyntaxError`` for malformed XML, ``OSError``
    for an unreadable file and ``ValueError`` for XML that is not a CSL style or
    an unknown locale.
    """

    def __init__(self, source: StyleSource, locale: str | None = None) -> None:
        self.xml = etree.parse(source, _parser())
        self.root = self.xml.getroot()
        if not isinstance(self.root, model.Style):
            raise ValueError(
                f"the root element is <{etree.QName(self.root).localname}>, not <style>"
            )
        locale = locale or self.root.get("default-locale") or "en-US"
        self.root.set_locale_list(locale)
        set_output_locale(self, locale)


def load_style(source: StyleSource, locale: str | None = None) -> Style:
    """A :class:`Style` from a path or file-like object."""
    return Style(source, locale)


class CitationItem(source.CitationItem):
    """A cite whose reference is looked up once, not on every variable (speed)."""

    @cached_property
    def reference(self) -> source.Reference:
        """(speed: read some 80 times per entry; after the first, from the instance's
        ``__dict__``, with no call: a ``cached_property`` is not a data descriptor)"""
        return _reference(self)


class Bibliography(CitationStylesBibliography):
    """citeproc-py's bibliography with difbib's bibliography-wide steps.

    - :meth:`sort` orders the items by the style's ``<sort>`` with citeproc-js's
      comparison (fix 6); without a ``<sort>`` they keep the order they came in;
    - :meth:`disambiguate` decides added names, given names and year suffixes
      (fix 12); call it after sorting and before rendering;
    - :meth:`entries` gives one entry per item (an empty string for an item that
      renders nothing), so entries pair with :attr:`keys`; :meth:`bibliography`
      leaves the empty ones out, as citeproc-js does.
    """

    #: what :meth:`disambiguate` decided, per item key (set when it runs)
    difbib_disambiguation: dict[str, Disambiguation]
    #: each item's cite as first written, kept by a caller from an earlier run (by
    #: item key; ``None``: not known), and the ones :meth:`disambiguate` rendered
    difbib_cites: Mapping[str, str | None] | None = None
    difbib_new_cites: dict[str, str]
    #: processes to render in (:mod:`~difbib.csl.workers`): the cites that
    #: :meth:`disambiguate` compares (entries: :func:`difbib.csl.render.render_entries`)
    difbib_jobs: int = 1

    def disambiguate(self) -> dict[str, Disambiguation]:
        return disambiguate(self)

    def entries(self) -> list[RenderedText]:
        """One entry per item of :attr:`items`, ``""`` for an item that renders nothing."""
        return self.style.render_bibliography(self.items)

    def bibliography(self) -> list[RenderedText]:
        """The entries, leaving out items that render nothing (as citeproc-js does)."""
        return [entry for entry in self.entries() if str(entry)]
