// page.js -- spasm-serve's search page: results as you type (debounced),
// highlights from the byte offsets of /search (every piece of a document
// is inserted as text, never as HTML), paging, the query in the address,
// keyboard navigation.  No library, no network but this server.
"use strict";
(function () {
  const K = 10, DEBOUNCE_MS = 150;
  const $ = (id) => document.getElementById(id);
  const box = $("q"), form = $("form"), status = $("status"), list = $("results");
  const pager = $("pager"), prev = $("prev"), next = $("next"), pageLabel = $("page");
  const enc = new TextEncoder(), dec = new TextDecoder();
  let timer = 0, seq = 0, controller = null, current = { q: "", offset: 0 };

  // An element with optional class and text (text is always a text node).
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Append the bytes [a, b) of text to parent, with the highlighted byte
  // ranges in <mark>.  Offsets are UTF-8 bytes, as the engine gives them.
  function appendHighlighted(parent, bytes, a, b, highlights) {
    let at = a;
    for (const [s, e] of highlights) {
      if (s < a || e > b || s < at) continue;
      if (s > at) parent.append(dec.decode(bytes.subarray(at, s)));
      parent.append(el("mark", "", dec.decode(bytes.subarray(s, e))));
      at = e;
    }
    if (at < b) parent.append(dec.decode(bytes.subarray(at, b)));
  }

  // The snippet (or the whole passage) of a hit into p.
  function fillText(p, hit, bytes, whole) {
    p.replaceChildren();
    const a = whole ? 0 : hit.snippet.start, b = whole ? bytes.length : hit.snippet.end;
    if (a > 0) p.append("… ");
    appendHighlighted(p, bytes, a, b, hit.highlights);
    if (b < bytes.length) p.append(" …");
  }

  function renderHit(hit) {
    const li = el("li", "hit");
    li.tabIndex = 0;
    li.dataset.doc = hit.doc;
    li.dataset.passage = hit.passage;
    const h = el("h2", "", hit.title || hit.doc);
    li.append(h);
    li.append(el("p", "meta", (hit.title ? hit.doc + " · " : "") + "passage " + hit.passage +
                 " · score " + hit.score.toFixed(2)));
    const bytes = enc.encode(hit.text);
    const p = el("p", "text");
    fillText(p, hit, bytes, false);
    li.append(p);
    if (hit.also_in && hit.also_in.length) {
      li.append(el("p", "also", "also in: " +
                   hit.also_in.map((d) => d.doc + " ¶" + d.passage).join(", ")));
    }
    if (hit.snippet.start > 0 || hit.snippet.end < bytes.length) {
      const more = el("button", "more", "Show whole passage");
      more.type = "button";
      more.setAttribute("aria-expanded", "false");
      more.addEventListener("click", () => {
        const whole = more.getAttribute("aria-expanded") !== "true";
        fillText(p, hit, bytes, whole);
        more.setAttribute("aria-expanded", String(whole));
        more.textContent = whole ? "Show snippet" : "Show whole passage";
      });
      li.append(more);
    }
    li.setAttribute("aria-label", "Result " + hit.rank + ": " + (hit.title || hit.doc));
    return li;
  }

  function setStatus(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  function setAddress(q, offset, push) {
    let url = "/";
    if (q) url += "?q=" + encodeURIComponent(q) + (offset ? "&offset=" + offset : "");
    if (url === location.pathname + location.search) return;
    (push ? history.pushState : history.replaceState).call(history, { q, offset }, "", url);
  }

  function renderEmpty(q) {
    const li = el("li", "empty");
    li.append(el("p", "", "No results for “" + q + "”."));
    li.append(el("p", "help", "Try fewer or other words, a prefix (dehydrat*), or OR between " +
                 "alternatives."));
    list.replaceChildren(li);
  }

  function renderPager(data) {
    const first = data.offset + 1, last = data.offset + data.hits.length;
    pager.hidden = !(data.offset > 0 || data.more);
    prev.disabled = data.offset === 0;
    next.disabled = !data.more;
    pageLabel.textContent = "Results " + first + "–" + last + " of " + data.total;
  }

  async function search(q, offset, push) {
    clearTimeout(timer);
    q = q.trim();
    current = { q, offset };
    setAddress(q, offset, push);
    document.title = q ? q + " – spasm search" : "spasm search";
    const mine = ++seq;
    if (controller) controller.abort();
    if (!q) {
      list.replaceChildren();
      pager.hidden = true;
      setStatus("");
      return;
    }
    controller = new AbortController();
    let resp, data;
    try {
      const url = "/search?q=" + encodeURIComponent(q) + "&k=" + K + "&offset=" + offset +
                  "&collapse=1&typos=1";
      resp = await fetch(url, { signal: controller.signal });
      data = await resp.json();
    } catch (e) {
      if (e.name === "AbortError" || mine !== seq) return;
      setStatus("The server did not answer (" + e.message + ").", true);
      return;
    }
    if (mine !== seq) return; // a newer search is on its way
    if (!resp.ok) {
      list.replaceChildren();
      pager.hidden = true;
      let msg = data.error || resp.statusText;
      if (data.position !== undefined) msg += " (byte " + data.position + " of the query)";
      setStatus(resp.status === 503 ? "The server is busy: " + msg : msg, true);
      return;
    }
    if (data.hits.length === 0) {
      renderEmpty(q);
      pager.hidden = true;
      setStatus(offset ? "No more results for “" + q + "”." : "0 passages match “" + q + "”");
      return;
    }
    list.replaceChildren(...data.hits.map(renderHit));
    list.setAttribute("start", String(offset + 1));
    renderPager(data);
    const searched = data.suggestion ? data.suggestion : q;
    setStatus((data.suggestion ? "Showing results for “" + data.suggestion + "”: " : "") +
              data.total + (data.total === 1 ? " passage matches" : " passages match") +
              " “" + searched + "” (" + data.took_ms.toFixed(1) + " ms)");
  }

  function fromAddress() {
    const params = new URLSearchParams(location.search);
    const q = params.get("q") || "";
    const offset = Math.max(0, parseInt(params.get("offset") || "0", 10) || 0);
    box.value = q;
    search(q, offset, false);
  }

  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(box.value, 0, false), DEBOUNCE_MS);
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    search(box.value, 0, true);
  });
  prev.addEventListener("click", () => search(current.q, Math.max(0, current.offset - K), true));
  next.addEventListener("click", () => search(current.q, current.offset + K, true));
  window.addEventListener("popstate", fromAddress);

  // Keys: "/" to the box, arrows between results, Escape back to the box.
  document.addEventListener("keydown", (e) => {
    const hits = Array.from(list.querySelectorAll(".hit"));
    const i = hits.indexOf(document.activeElement);
    if (e.key === "/" && document.activeElement !== box) {
      e.preventDefault();
      box.focus();
      box.select();
    } else if (e.key === "ArrowDown" && (document.activeElement === box || i >= 0)) {
      if (hits.length === 0) return;
      e.preventDefault();
      hits[Math.min(i + 1, hits.length - 1)].focus();
    } else if (e.key === "ArrowUp" && i >= 0) {
      e.preventDefault();
      if (i === 0) box.focus();
      else hits[i - 1].focus();
    } else if (e.key === "Escape" && i >= 0) {
      box.focus();
    }
  });

  fetch("/stats").then((r) => r.json()).then((s) => {
    $("footer").textContent = s.index.documents + " documents, " + s.index.passages +
      " passages · spasm " + s.server.version;
  }).catch(() => {});
  fromAddress();
  box.focus();
})();
