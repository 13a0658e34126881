// dualuse review page: keys 1-6 label, Enter accepts the model's label, M toggles the military flag,
// S skips, U undoes. Every text is set with textContent (never parsed as HTML).
(function () {
  "use strict";
  const token = document.querySelector('meta[name="review-token"]').content;
  const $ = (id) => document.getElementById(id);
  const labels = Array.from(document.querySelectorAll("button[data-label]")).map((b) => b.dataset.label);
  let state = null;
  let marker = 0;
  let chain = Promise.resolve();
  let polling = null;

  async function api(path, body) {
    const init = { method: body === undefined ? "GET" : "POST", headers: { "X-Review-Token": token } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = {};
    try { data = await response.json(); } catch (e) { data = { error: "HTTP " + response.status }; }
    if (!response.ok) throw new Error(data.error || "HTTP " + response.status);
    return data;
  }

  function setText(id, value) { $(id).textContent = value === undefined || value === null ? "" : String(value); }

  function renderProgress(p) {
    setText("counts", "decided " + p.decided + " · this session " + p.session + " · left " + p.queue + " of " +
      p.lines + " · skipped " + p.skipped + (p.no_text ? " · without text " + p.no_text : ""));
    $("bar").style.width = (p.lines ? (100 * p.done_in_file / p.lines) : 100).toFixed(1) + "%";
    document.querySelectorAll("#per-label li").forEach((li) => {
      li.querySelector("b").textContent = String(p.per_label[li.dataset.label] || 0);
    });
  }

  function renderMarker() {
    setText("marker", marker ? "yes" : "no");
    $("marker").classList.toggle("on", !!marker);
  }

  function renderCard(card) {
    $("card").hidden = !card;
    $("empty").hidden = !!card;
    if (!card) return;
    setText("line", card.line);
    setText("status", card.status && card.status !== "ok" ? card.status : "");
    setText("text", card.text);
    setText("label", card.label);
    $("label").className = "pill " + card.label;
    setText("score", card.score.toFixed(3));
    setText("runner", card.runner_up);
    $("runner").className = "pill " + card.runner_up;
    setText("runner-score", card.runner_up_score.toFixed(3));
    setText("margin", card.margin.toFixed(3));
    setText("accept-label", card.label);
    document.querySelectorAll("button[data-label]").forEach((b) => {
      b.classList.toggle("predicted", b.dataset.label === card.label);
    });
    const notes = [];
    if (card.file_label && card.file_label !== card.label) notes.push("file says " + card.file_label);
    if (card.review) notes.push("sent to review, candidate " + card.candidate);
    if (card.familiarity < 0.75) notes.push("familiar words " + Math.round(100 * card.familiarity) + "%");
    setText("notes", notes.join(" · "));
    const dl = $("extra");
    dl.replaceChildren();
    for (const [name, value] of Object.entries(card.extra || {})) {
      const dt = document.createElement("dt");
      dt.textContent = name;
      const dd = document.createElement("dd");
      dd.textContent = value;
      dl.append(dt, dd);
    }
  }

  function render(s) {
    const newCard = !state || !s.card || !state.card || state.card.id !== s.card.id;
    state = s;
    if (newCard) marker = s.card ? s.card.marker : 0;
    renderCard(s.card);
    renderMarker();
    renderProgress(s.progress);
    setText("retrain-status", s.retrain ? s.retrain.message : "");
    document.body.dataset.cardId = s.card ? String(s.card.id) : "";
    document.body.dataset.decided = String(s.progress.decided);
    if (s.retrain && s.retrain.state === "running" && !polling) {
      polling = setInterval(() => enqueue(() => api("/api/state")), 2000);
    } else if (polling && !(s.retrain && s.retrain.state === "running")) {
      clearInterval(polling);
      polling = null;
    }
  }

  // Actions run one after another, each on the card the previous one left on screen.
  function enqueue(action) {
    chain = chain.then(action).then((s) => { if (s) { render(s); setText("message", ""); } })
      .catch((e) => setText("message", e.message));
    return chain;
  }

  function decide(label) {
    enqueue(() => {
      if (!state || !state.card) return null;
      return api("/api/decide", { id: state.card.id, label: label || state.card.label, marker: marker });
    });
  }

  const actions = {
    accept: () => decide(null),
    toggle: () => enqueue(() => { marker = marker ? 0 : 1; renderMarker(); return null; }),
    skip: () => enqueue(() => (state && state.card ? api("/api/skip", { id: state.card.id }) : null)),
    undo: () => enqueue(() => api("/api/undo", {})),
    retrain: () => enqueue(() => api("/api/retrain", {})),
  };

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const k = ev.key;
    const n = parseInt(k, 10);
    if (n >= 1 && n <= labels.length && String(n) === k) decide(labels[n - 1]);
    else if (k === "Enter") actions.accept();
    else if (k === "m" || k === "M") actions.toggle();
    else if (k === "s" || k === "S") actions.skip();
    else if (k === "u" || k === "U") actions.undo();
    else return;
    ev.preventDefault();
  });
  document.querySelectorAll("button[data-label]").forEach((b) => b.addEventListener("click", () => decide(b.dataset.label)));
  $("accept").addEventListener("click", actions.accept);
  $("toggle-marker").addEventListener("click", actions.toggle);
  $("skip").addEventListener("click", actions.skip);
  $("undo").addEventListener("click", actions.undo);
  if ($("retrain")) $("retrain").addEventListener("click", actions.retrain);
  enqueue(() => api("/api/state"));
})();
