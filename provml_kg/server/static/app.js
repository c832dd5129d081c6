// provml-kg web page: run SPARQL through /sparql, stored queries through /queries, and draw the
// provenance neighbourhood of a model or dataset as SVG. Plain JS, no external libraries.
"use strict";

const RESULTS_JSON = "application/sparql-results+json";
const ACCEPT = RESULTS_JSON + ", text/turtle;q=0.9";
const PROV = "http://www.w3.org/ns/prov#";
const $ = (id) => document.getElementById(id);
let current = null; // the stored query picked, or null for free text

function setStatus(text, isError) {
  const s = $("status");
  s.textContent = text;
  s.className = isError ? "error" : "muted";
}

async function fetchText(url, options) {
  const response = await fetch(url, options);
  const body = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${body}`);
  return { response, body };
}

function cell(term) {
  const td = document.createElement("td");
  if (!term) return td;
  td.textContent = term.type === "bnode" ? "_:" + term.value : term.value;
  if (term.type === "uri") td.className = "iri";
  if (term["xml:lang"]) td.title = "@" + term["xml:lang"];
  else if (term.datatype) td.title = term.datatype;
  return td;
}

function renderResults(contentType, body, response) {
  const out = $("results");
  out.textContent = "";
  if (!contentType.startsWith(RESULTS_JSON)) {
    const pre = document.createElement("pre");
    pre.textContent = body;
    out.appendChild(pre);
    setStatus("graph result");
    return;
  }
  const data = JSON.parse(body);
  if ("boolean" in data) {
    out.textContent = "ASK: " + data.boolean;
    setStatus("done");
    return;
  }
  const vars = data.head.vars;
  const table = document.createElement("table");
  table.id = "result-table";
  const head = table.createTHead().insertRow();
  for (const v of vars) {
    const th = document.createElement("th");
    th.textContent = v;
    head.appendChild(th);
  }
  const tbody = table.createTBody();
  for (const row of data.results.bindings) {
    const tr = tbody.insertRow();
    for (const v of vars) tr.appendChild(cell(row[v]));
  }
  out.appendChild(table);
  const truncated = response.headers.get("X-Provml-Truncated") ? " (truncated by the server cap)" : "";
  setStatus(`${data.results.bindings.length} rows${truncated}`);
}

async function runQuery(event) {
  event.preventDefault();
  setStatus("running…");
  try {
    let url = "sparql", options;
    if (current && $("query").value === current.text) {
      const params = new URLSearchParams();
      for (const input of $("params").querySelectorAll("input")) {
        if (input.value.trim()) params.append(input.name, input.value.trim());
      }
      url = "queries/" + encodeURIComponent(current.name) + "?" + params;
      options = { headers: { Accept: ACCEPT } };
    } else {
      options = { method: "POST", headers: { Accept: ACCEPT, "Content-Type": "application/x-www-form-urlencoded" },
                  body: new URLSearchParams({ query: $("query").value }) };
    }
    const { response, body } = await fetchText(url, options);
    renderResults(response.headers.get("Content-Type") || "", body, response);
  } catch (error) {
    $("results").textContent = "";
    setStatus(error.message, true);
  }
}

function pickStored(query, button) {
  current = query;
  for (const b of $("query-list").querySelectorAll("button")) b.classList.remove("active");
  button.classList.add("active");
  $("query").value = query.text;
  const box = $("params");
  box.textContent = "";
  for (const p of query.params) {
    const label = document.createElement("label");
    label.textContent = p.name + (p.optional ? " (optional)" : "");
    label.title = p.description;
    const input = document.createElement("input");
    input.name = p.name;
    input.placeholder = `${p.kind}: ${p.description}`;
    if (p.kind === "iri" && $("focus").value) input.value = $("focus").value;
    label.appendChild(input);
    box.appendChild(label);
  }
}

async function loadStored() {
  const list = $("query-list");
  try {
    const { body } = await fetchText("queries", { headers: { Accept: "application/json" } });
    list.textContent = "";
    for (const q of JSON.parse(body)) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.name = q.name;
      button.textContent = q.title;
      const small = document.createElement("small");
      small.textContent = q.name + (q.params.length ? " · " + q.params.map((p) => p.name).join(", ") : "");
      button.appendChild(small);
      button.title = q.description;
      button.addEventListener("click", () => pickStored(q, button));
      li.appendChild(button);
      list.appendChild(li);
    }
  } catch (error) {
    list.innerHTML = "";
    const li = document.createElement("li");
    li.className = "error";
    li.textContent = error.message;
    list.appendChild(li);
  }
}

async function sparqlSelect(query) {
  const { body } = await fetchText("sparql", {
    method: "POST", headers: { Accept: RESULTS_JSON, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ query }) });
  return JSON.parse(body).results.bindings;
}

async function loadFocusChoices() {
  const rows = await sparqlSelect(`PREFIX provml: <https://w3id.org/provml#>
PREFIX mls: <http://www.w3.org/ns/mls#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?e (SAMPLE(?l) AS ?label) (SAMPLE(?k) AS ?kind) WHERE {
  { ?e a provml:Model BIND("model" AS ?k) } UNION { ?e a mls:Dataset BIND("dataset" AS ?k) }
  UNION { ?e a provml:FeatureSetData BIND("feature set" AS ?k) }
  OPTIONAL { ?e rdfs:label ?l }
} GROUP BY ?e ORDER BY ?kind ?label LIMIT 500`);
  const pick = $("focus-pick");
  for (const row of rows) {
    const option = document.createElement("option");
    option.value = row.e.value;
    option.textContent = `${row.kind ? row.kind.value : ""}: ${row.label ? row.label.value : row.e.value}`;
    pick.appendChild(option);
  }
}

// An IRI goes into the query text only after this check (IRIREF of the SPARQL grammar).
const IRIREF = /^[A-Za-z][A-Za-z0-9+.-]*:[^<>"{}|^`\\\u0000-\u0020]*$/;

function lineageQuery(iri) {
  return `PREFIX prov: <${PROV}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX provml: <https://w3id.org/provml#>
PREFIX mls: <http://www.w3.org/ns/mls#>
SELECT DISTINCT ?s ?p ?o ?sk ?ok (SAMPLE(?sl0) AS ?sl) (SAMPLE(?ol0) AS ?ol) WHERE {
  { <${iri}> (prov:wasGeneratedBy|prov:used|prov:wasDerivedFrom|prov:wasInformedBy)* ?s }
  UNION { ?s (prov:used|prov:wasDerivedFrom) <${iri}> }
  UNION { ?s prov:wasGeneratedBy ?a . ?a prov:used <${iri}> }
  VALUES ?p { prov:used prov:wasGeneratedBy prov:wasDerivedFrom prov:wasInformedBy
              prov:wasAssociatedWith prov:wasAttributedTo }
  ?s ?p ?o .
  FILTER NOT EXISTS { ?o a provml:AttributeValue }
  FILTER NOT EXISTS { ?o a mls:HyperParameterSetting }
  FILTER NOT EXISTS { ?s a provml:ModelEvaluation }
  BIND (IF(EXISTS { ?s a prov:Activity }, "Activity", IF(EXISTS { ?s a prov:Agent }, "Agent", "Entity")) AS ?sk)
  BIND (IF(EXISTS { ?o a prov:Activity }, "Activity", IF(EXISTS { ?o a prov:Agent }, "Agent", "Entity")) AS ?ok)
  OPTIONAL { ?s rdfs:label ?sl0 } OPTIONAL { ?o rdfs:label ?ol0 }
} GROUP BY ?s ?p ?o ?sk ?ok LIMIT 400`;
}

function shortName(iri) {
  const cut = Math.max(iri.lastIndexOf("#"), iri.lastIndexOf("/"));
  return decodeURIComponent(iri.slice(cut + 1)) || iri;
}

function svgElement(name, attributes, text) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

// Layered layout: the focus in column 0, what it comes from to the right (+1 per edge followed
// forwards), what comes from it to the left.
function layout(focus, nodes, edges) {
  const layer = new Map([[focus, 0]]);
  const queue = [focus];
  while (queue.length) {
    const n = queue.shift();
    for (const e of edges) {
      if (e.s === n && !layer.has(e.o)) { layer.set(e.o, layer.get(n) + 1); queue.push(e.o); }
      if (e.o === n && !layer.has(e.s)) { layer.set(e.s, layer.get(n) - 1); queue.push(e.s); }
    }
  }
  for (const id of nodes.keys()) if (!layer.has(id)) layer.set(id, 0);
  const columns = new Map();
  for (const [id, l] of layer) {
    if (!nodes.has(id)) continue;
    if (!columns.has(l)) columns.set(l, []);
    columns.get(l).push(id);
  }
  const order = [...columns.keys()].sort((a, b) => a - b);
  const W = 250, H = 58, position = new Map();
  let height = 0;
  // one barycentre pass: a node sits near the nodes it is linked to in the column before
  const rank = new Map();
  order.forEach((l, x) => {
    const ids = columns.get(l);
    const score = (id) => {
      const linked = edges.filter((e) => e.s === id || e.o === id).map((e) => (e.s === id ? e.o : e.s))
        .filter((n) => rank.has(n));
      return linked.length ? linked.reduce((t, n) => t + rank.get(n), 0) / linked.length : 1e6;
    };
    ids.sort((a, b) => score(a) - score(b) || nodes.get(a).kind.localeCompare(nodes.get(b).kind));
    ids.forEach((id, y) => { position.set(id, { x: 20 + x * W, y: 20 + y * H }); rank.set(id, y); });
    height = Math.max(height, ids.length * H + 40);
  });
  return { position, width: order.length * W + 40, height };
}

function drawLineage(focus, rows) {
  const nodes = new Map(), edges = [];
  for (const r of rows) {
    const s = r.s.value, o = r.o.value;
    if (!nodes.has(s)) nodes.set(s, { kind: r.sk.value, label: r.sl ? r.sl.value : shortName(s) });
    if (!nodes.has(o)) nodes.set(o, { kind: r.ok.value, label: r.ol ? r.ol.value : shortName(o) });
    edges.push({ s, o, p: shortName(r.p.value) });
  }
  const box = $("lineage");
  box.textContent = "";
  if (!nodes.size) {
    box.textContent = "No provenance recorded around this IRI.";
    return;
  }
  const { position, width, height } = layout(focus, nodes, edges);
  const svg = svgElement("svg", { width, height, viewBox: `0 0 ${width} ${height}`, id: "lineage-svg" });
  const defs = svgElement("defs", {});
  const marker = svgElement("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5,
                                        markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.appendChild(svgElement("path", { d: "M0,0 L10,5 L0,10 z", fill: "#666" }));
  defs.appendChild(marker);
  svg.appendChild(defs);
  const NW = 160, NH = 34;
  for (const e of edges) {
    const a = position.get(e.s), b = position.get(e.o);
    const g = svgElement("g", { class: "edge" });
    const forward = b.x > a.x, same = b.x === a.x;
    const x1 = a.x + (forward || same ? NW : 0), x2 = b.x + (forward ? 0 : NW);
    const y1 = a.y + NH / 2, y2 = b.y + NH / 2;
    const bend = same ? 40 : (x2 - x1) / 2;
    const c1 = same ? x1 + bend : x1 + bend, c2 = same ? x2 + bend : x2 - bend;
    g.appendChild(svgElement("path", { d: `M${x1},${y1} C${c1},${y1} ${c2},${y2} ${x2},${y2}`, "marker-end": "url(#arrow)" }));
    const lx = same ? x1 + 30 : x1 + (x2 - x1) * 0.3, ly = y1 + (y2 - y1) * 0.3 - 3;
    g.appendChild(svgElement("text", { x: lx, y: ly, "text-anchor": "middle" }, e.p));
    svg.appendChild(g);
  }
  for (const [id, n] of nodes) {
    const p = position.get(id);
    const g = svgElement("g", { class: `node ${n.kind}${id === focus ? " focus" : ""}`, "data-iri": id });
    g.appendChild(svgElement("title", {}, id));
    g.appendChild(svgElement("rect", { x: p.x, y: p.y, width: NW, height: NH, rx: n.kind === "Entity" ? 16 : 3 }));
    const label = n.label.length > 24 ? n.label.slice(0, 23) + "…" : n.label;
    g.appendChild(svgElement("text", { x: p.x + NW / 2, y: p.y + NH / 2 + 4, "text-anchor": "middle" }, label));
    g.addEventListener("click", () => { $("focus").value = id; });
    svg.appendChild(g);
  }
  box.appendChild(svg);
}

async function runLineage(event) {
  event.preventDefault();
  const iri = $("focus").value.trim();
  if (!IRIREF.test(iri)) {
    $("lineage").textContent = `Not an IRI: ${iri || "(empty)"}; pick a model or dataset.`;
    return;
  }
  $("lineage").textContent = "loading…";
  try {
    drawLineage(iri, await sparqlSelect(lineageQuery(iri)));
  } catch (error) {
    $("lineage").textContent = "";
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = error.message;
    $("lineage").appendChild(p);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("query-form").addEventListener("submit", runQuery);
  $("lineage-form").addEventListener("submit", runLineage);
  $("focus-pick").addEventListener("change", (e) => { if (e.target.value) $("focus").value = e.target.value; });
  $("query").addEventListener("input", () => { if (current && $("query").value !== current.text) $("params").textContent = ""; });
  loadStored();
  loadFocusChoices().catch((error) => setStatus(error.message, true));
});
