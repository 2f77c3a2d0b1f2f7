#!/usr/bin/env node
// Render a bibliography and citations with citeproc-js, the reference CSL processor
// (the one inside Zotero and Mendeley), for comparison with difbib's output.
//
// Input (stdin, JSON): {"style": "<CSL XML>", "locale": "<locale XML>",
//   "lang": "en-US", "format": "text"|"html", "items": [CSL-JSON items],
//   "cite": [[ids of one citation], ...],
//   "runs": [{"ids": [ids registered], "cite": [[ids], ...]}, ...]}  (optional)
// Output (stdout, JSON): {"bibliography": ["entry", ...], "citations": ["(...)", ...],
//   "runs": [["(...)", ...], ...], "ms": milliseconds spent from engine start to the
//   last entry}
// Each of "runs" is a document of its own: a fresh engine with only its "ids"
// registered (in that order), citing its clusters.
//
// citeproc is looked up in CITEPROC_JS_PATH (a node_modules folder) or the usual
// module path; difbib's .ci/run installs it with `npm install --prefix .node citeproc`.
"use strict";
const path = require("path");
const fs = require("fs");

function loadCiteproc() {
  const where = process.env.CITEPROC_JS_PATH;
  if (where) return require(path.join(path.resolve(where), "citeproc"));
  return require("citeproc");
}

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const CSL = loadCiteproc();
const start = process.hrtime.bigint();
const byId = {};
for (const item of input.items) byId[String(item.id)] = item;
const sys = {
  retrieveLocale: () => input.locale,
  retrieveItem: (id) => byId[String(id)],
};
function newEngine(ids) {
  const engine = new CSL.Engine(sys, input.style, input.lang || "en-US", true);
  engine.setOutputFormat(input.format || "text");
  engine.updateItems(ids.map(String));
  return engine;
}

// Citations are processed in order, as in a document, so numbers and
// disambiguation see the earlier citations; later clusters may update earlier ones.
function citeAll(engine, clusters) {
  const citationsPre = [];
  const rendered = [];
  clusters.forEach((cluster, index) => {
    const citation = {
      citationID: "c" + index,
      citationItems: cluster.map((id) => ({ id: String(id) })),
      properties: { noteIndex: 0 },
    };
    const result = engine.processCitationCluster(citation, citationsPre, []);
    for (const [pos, text] of result[1]) rendered[pos] = text;
    citationsPre.push(["c" + index, 0]);
  });
  return rendered;
}

const engine = newEngine(input.items.map((item) => item.id));
const out = { bibliography: [], citations: [] };
if (engine.bibliography && !(input.noBibliography)) {
  const bib = engine.makeBibliography();
  if (bib) out.bibliography = bib[1].map((entry) => entry.trim());
}
out.citations = citeAll(engine, input.cite || []);
// A run re-registers its items (updateItems drops the others, as when a document
// loses its citations): building an engine per run would cost a second each.
const reuse = input.freshRuns ? null : newEngine([]);
out.runs = (input.runs || []).map((run) => {
  if (!reuse) return citeAll(newEngine(run.ids), run.cite);
  reuse.updateItems(run.ids.map(String));
  return citeAll(reuse, run.cite);
});
out.ms = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(JSON.stringify(out));
