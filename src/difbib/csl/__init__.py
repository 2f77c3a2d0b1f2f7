"""CSL: citation data (CSL-JSON), styles, and rendering through citeproc-py.

* :mod:`~difbib.csl.csljson`: library papers -> CSL-JSON items;
* :mod:`~difbib.csl.styles`: finding a CSL style by name, folder or path;
* :mod:`~difbib.csl.render`: bibliographies and citations with citeproc-py;
* :mod:`~difbib.csl.compat`: the fixes that make citeproc-py render as citeproc-js;
* :mod:`~difbib.csl.rendercache`: rendered entries cached by content;
* :mod:`~difbib.csl.bibformat`: ``difbib format`` and ``cite`` as functions.
"""
