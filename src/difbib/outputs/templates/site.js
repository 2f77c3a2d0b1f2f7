// The page's only script (its hash is in the Content-Security-Policy). Without it the
// page is a plain list; with it: filters, search, copy and download of BibTeX.
(function () {
  "use strict";
  var byId = function (id) { return document.getElementById(id); };
  var papers = Array.prototype.slice.call(document.querySelectorAll("li.paper"));
  var category = byId("category"), rating = byId("rating"), search = byId("search");
  var inAbstracts = byId("in-abstracts"), download = byId("download");

  // The same folding as difbib's --search: no case, no accents (data-text is folded).
  var LETTERS = { "ø": "o", "ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th", "ð": "d" };
  function fold(text) {
    return text.toLowerCase().replace(/[øłđßæœıþð]/g, function (c) { return LETTERS[c]; })
      .normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/\s+/g, " ").trim();
  }

  function matches(li, cat, min, query) {
    if (cat && li.dataset.categories.split(" ").indexOf(cat) < 0) return false;
    if (Number(li.dataset.rating) < min) return false;
    if (!query) return true;
    return li.dataset.text.indexOf(query) >= 0 ||
      (inAbstracts.checked && li.dataset.abstract.indexOf(query) >= 0);
  }

  // The filters live in the address (#category=distillation&rating=4&q=flash), so a
  // filtered view can be bookmarked or sent to a co-author.
  function readAddress() {
    var params = new URLSearchParams(location.hash.slice(1));
    var pick = function (select, value) {
      var known = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
      select.value = known ? value : select.options[0].value;
    };
    pick(category, params.get("category") || "");
    pick(rating, params.get("rating") || "0");
    search.value = params.get("q") || "";
    inAbstracts.checked = params.get("abstracts") === "yes";
  }

  function writeAddress() {
    var params = new URLSearchParams();
    if (category.value) params.set("category", category.value);
    if (rating.value !== "0") params.set("rating", rating.value);
    if (search.value) params.set("q", search.value);
    if (inAbstracts.checked) params.set("abstracts", "yes");
    var hash = params.toString();
    if (hash !== location.hash.slice(1)) {
      history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
    }
  }

  function apply() {
    var cat = category.value, min = Number(rating.value), query = fold(search.value);
    var shown = 0;
    papers.forEach(function (li) {
      li.hidden = !matches(li, cat, min, query);
      if (!li.hidden) shown += 1;
    });
    byId("shown").textContent = String(shown);
    byId("none").hidden = shown > 0;
    download.disabled = shown === 0;
    writeAddress();
  }

  function bibtex(li) { return li.querySelector("details.bibtex pre").textContent; }

  function say(button, text) {
    var label = button.textContent;
    button.textContent = text;
    setTimeout(function () { button.textContent = label; }, 1500);
  }

  // Clipboard API where the browser allows it; else select the text and copy it.
  function copy(li, button) {
    var text = bibtex(li);
    var fallback = function () {
      var details = li.querySelector("details.bibtex");
      details.open = true;
      var range = document.createRange();
      range.selectNodeContents(details.querySelector("pre"));
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
      say(button, ok ? "Copied" : "Selected: press Ctrl+C");
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { say(button, "Copied"); }, fallback);
    } else {
      fallback();
    }
  }

  papers.forEach(function (li) {
    var button = li.querySelector("button.copy");
    button.hidden = false;
    button.addEventListener("click", function () { copy(li, button); });
  });

  // What `difbib export` gives for the papers shown: library order, a blank line between.
  download.addEventListener("click", function () {
    var shown = papers.filter(function (li) { return !li.hidden; });
    shown.sort(function (a, b) { return Number(a.dataset.index) - Number(b.dataset.index); });
    var blob = new Blob([shown.map(bibtex).join("\n")], { type: "text/x-bibtex;charset=utf-8" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = (category.value || "papers") + ".bib";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  });

  [category, rating, inAbstracts].forEach(function (el) { el.addEventListener("change", apply); });
  search.addEventListener("input", apply);
  byId("controls").addEventListener("submit", function (event) { event.preventDefault(); });
  window.addEventListener("hashchange", function () { readAddress(); apply(); });
  byId("controls").hidden = false;
  readAddress();
  apply();
})();
