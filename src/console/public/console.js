/*
 * The gateway console's page (README "Console"). It reads `GET /console/api/session` once, then
 * follows `GET /console/api/stream` (server-sent events: a snapshot, then what changed). Every
 * value from the server is put into the page as text, never as markup. No key ever reaches it.
 */
(() => {
  const MAX_REQUESTS = 1000;
  const MAX_ROWS = 300;
  const SPAN_MS = 600_000;
  const CLASS_NAMES = { success: "success", protocol: "protocol error", upstream: "upstream failure" };

  const $ = (id) => document.getElementById(id);
  const state = {
    csrf: null,
    sandbox: false,
    requests: [],
    activations: new Map(),
    points: [],
    keys: [],
    paused: false,
    missed: 0,
    whoByKey: new Map(),
    actions: new Set(),
  };

  /** `el("td", {class: "x", label: "Time"}, "text", child)`: an element with text children only. */
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "label") node.dataset.label = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const child of children) if (child !== undefined && child !== null) node.append(child);
    return node;
  }

  const pad = (n, w = 2) => String(n).padStart(w, "0");
  function clock(ms) {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }
  function duration(ms) {
    if (!(ms >= 0)) return "";
    const s = Math.floor(ms / 1000);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
    return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  }
  const fmtMs = (ms) => (ms >= 100 ? String(Math.round(ms)) : ms.toFixed(1));

  /** Re-renders `container` and gives focus back to the element that had it (by its data-focus). */
  function keepingFocus(container, render) {
    const focused = document.activeElement;
    const key = focused && container.contains(focused) ? focused.dataset.focus : undefined;
    render();
    if (key) container.querySelector(`[data-focus="${CSS.escape(key)}"]`)?.focus({ preventScroll: true });
  }

  // ---- the server ----------------------------------------------------------------------------

  async function post(path, body) {
    const res = await fetch(`/console/api/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": state.csrf ?? "" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    if (res.status === 401) {
      location.href = "/console/login";
      return { ok: false, status: 401, json: {} };
    }
    const json = await res.json().catch(() => ({}));
    return { ok: res.ok, status: res.status, json };
  }

  function setConnection(kind, text) {
    const pill = $("conn");
    pill.className = `pill ${kind}`;
    pill.textContent = text;
  }

  function connect() {
    const source = new EventSource("/console/api/stream");
    source.addEventListener("snapshot", (e) => {
      const data = JSON.parse(e.data);
      state.requests = data.requests;
      state.activations = new Map(data.activations.map((a) => [a.id, a]));
      state.points = data.series;
      state.keys = data.keys;
      learn(data.requests);
      renderFilters();
      if (!state.paused) renderTraffic(); // a reconnect while paused leaves the table as it was
      renderActivations();
      renderCharts();
      renderKeys();
      setConnection(state.paused ? "paused" : "live", state.paused ? "paused" : "live");
    });
    source.addEventListener("requests", (e) => {
      const rows = JSON.parse(e.data);
      state.requests.push(...rows);
      if (state.requests.length > MAX_REQUESTS)
        state.requests.splice(0, state.requests.length - MAX_REQUESTS);
      learn(rows);
      if (state.paused) {
        state.missed += rows.length;
        $("paused-note").textContent = `${state.missed} new while paused`;
      } else renderTraffic();
    });
    source.addEventListener("activations", (e) => {
      for (const row of JSON.parse(e.data)) state.activations.set(row.id, row);
      renderActivations();
    });
    source.addEventListener("stats", (e) => {
      const data = JSON.parse(e.data);
      state.points.push(...data.points);
      if (state.points.length > 600) state.points.splice(0, state.points.length - 600);
      state.keys = data.keys;
      renderCharts();
      renderKeys();
    });
    source.onopen = () => setConnection(state.paused ? "paused" : "live", state.paused ? "paused" : "live");
    source.onerror = async () => {
      setConnection("down", "reconnecting…");
      if (source.readyState === EventSource.CLOSED) {
        const res = await fetch("/console/api/session").catch(() => undefined);
        if (res?.status === 401) location.href = "/console/login";
        else setTimeout(connect, 2000);
      }
    };
  }

  /** Keys and actions seen, for the filters. */
  function learn(rows) {
    let changed = false;
    for (const r of rows) {
      if (r.key && state.whoByKey.get(r.key) !== r.who) {
        state.whoByKey.set(r.key, r.who);
        changed = true;
      }
      if (r.action && !state.actions.has(r.action)) {
        state.actions.add(r.action);
        changed = true;
      }
    }
    if (changed) renderFilters();
  }

  // ---- traffic -------------------------------------------------------------------------------

  function fillSelect(select, options) {
    const current = select.value;
    const first = select.options[0];
    select.replaceChildren(...(first && first.value === "" ? [first] : []));
    for (const [value, text] of options) select.append(el("option", { value }, text));
    if ([...select.options].some((o) => o.value === current)) select.value = current;
  }

  function renderFilters() {
    const keys = [...state.whoByKey].sort((a, b) => a[1].localeCompare(b[1]));
    fillSelect($("f-key"), keys);
    fillSelect(
      $("f-action"),
      [...state.actions].sort().map((a) => [a, a]),
    );
  }

  function visibleRequests() {
    const key = $("f-key").value;
    const action = $("f-action").value;
    const cls = $("f-class").value;
    const out = [];
    for (let i = state.requests.length - 1; i >= 0 && out.length < MAX_ROWS; i--) {
      const r = state.requests[i];
      if ((key && r.key !== key) || (action && r.action !== action) || (cls && r.class !== cls)) continue;
      out.push(r);
    }
    return out;
  }

  function callsCell(r) {
    const td = el("td", { class: "calls wide", label: "Native calls" });
    if (r.calls.length === 0) {
      td.append(el("span", { class: "source" }, r.source ? `from ${r.source}` : "no upstream call"));
      return td;
    }
    for (const c of r.calls) {
      const failed = c.outcome !== "ok";
      const status = c.status === null ? "" : ` ${c.status}`;
      const text = `${c.method} ${c.route}${status}${failed ? ` ${c.outcome}` : ""} · ${fmtMs(c.ms)} ms`;
      td.append(el("span", { class: failed ? "call failed" : "call" }, text));
    }
    return td;
  }

  function requestRow(r) {
    const params = Object.entries(r.params)
      .filter(([k]) => k !== "action")
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    return el(
      "tr",
      { class: `cls-${r.class}`, tabindex: 0, dataset: { seq: r.seq, focus: `req-${r.seq}` } },
      el("td", { class: "time", label: "Time" }, clock(r.at)),
      el("td", { label: "Who" }, r.who || "—"),
      el("td", { label: "Action" }, r.action || "—"),
      el("td", { class: "params wide", label: "Parameters" }, params),
      callsCell(r),
      el(
        "td",
        { class: "answer wide", label: "Answer", title: CLASS_NAMES[r.class] },
        el("span", { class: "tok" }, r.summary),
      ),
      el("td", { class: "num", label: "ms" }, fmtMs(r.ms)),
    );
  }

  function renderTraffic() {
    const rows = visibleRequests();
    const body = $("traffic").tBodies[0];
    keepingFocus(body, () => body.replaceChildren(...rows.map(requestRow)));
    $("traffic-empty").hidden = rows.length > 0;
    $("traffic-count").textContent = `(${rows.length} shown of ${state.requests.length})`;
  }

  function openDetail(seq) {
    const r = state.requests.find((x) => x.seq === seq);
    if (!r) return;
    const meta = $("detail-meta");
    const item = (term, value) => [el("dt", {}, term), el("dd", {}, value)];
    const calls = r.calls.length
      ? r.calls
          .map((c) => `${c.method} ${c.route} → ${c.status ?? "no answer"} ${c.outcome}, ${fmtMs(c.ms)} ms`)
          .join("\n")
      : r.source
        ? `none (from ${r.source})`
        : "none";
    meta.replaceChildren(
      ...item("Time", `${new Date(r.at).toISOString()}`),
      ...item("Who", r.who || "—"),
      ...item("Action", r.action || "—"),
      ...item("Request id", r.reqId),
      ...item("Parameters", JSON.stringify(r.params)),
      ...item("Native calls", calls),
      ...item("Answer", `${r.token} (${CLASS_NAMES[r.class]})`),
      ...(r.cause ? item("Cause", r.cause) : []),
      ...item("Total", `${fmtMs(r.ms)} ms`),
    );
    let body = r.answer;
    if (r.token === "JSON") {
      try {
        body = JSON.stringify(JSON.parse(r.answer), null, 2);
      } catch {
        // shortened: shown as it is
      }
    }
    $("detail-body").textContent = body;
    $("detail-h").textContent = `Request ${r.seq}: ${r.action || "no action"}`;
    $("detail").showModal();
  }

  // ---- activations ---------------------------------------------------------------------------

  function sortedActivations() {
    const all = [...state.activations.values()];
    const live = all.filter((a) => a.live).sort((a, b) => b.id - a.id);
    const ended = all.filter((a) => !a.live).sort((a, b) => b.version - a.version);
    return [...live, ...ended];
  }

  function activationRow(a, now) {
    const created = a.createdAt ? Date.parse(a.createdAt) : Number.NaN;
    const received = a.receivedAt ? Date.parse(a.receivedAt) : Number.NaN;
    const service = [a.service.code, a.service.name].filter(Boolean).join(" · ");
    const country = [a.country.id, a.country.iso, a.country.name]
      .filter((v) => v !== null && v !== "")
      .join(" ");
    const actions = el("td", { class: "sandbox-only", label: "Sandbox" });
    if (state.sandbox && a.live) {
      actions.append(
        el(
          "button",
          {
            type: "button",
            dataset: { act: "sms", id: a.id, focus: `sms-${a.id}` },
            "aria-label": `Deliver SMS to activation ${a.id}`,
          },
          "Deliver SMS",
        ),
        el(
          "button",
          {
            type: "button",
            dataset: { act: "expire", id: a.id, focus: `expire-${a.id}` },
            "aria-label": `Expire activation ${a.id}`,
          },
          "Expire",
        ),
      );
    }
    return el(
      "tr",
      { class: a.live ? "live" : "ended", dataset: { id: a.id } },
      el("td", { class: "num", label: "Id" }, String(a.id)),
      el("td", { label: "Key" }, a.who || "—"),
      el("td", { label: "Service" }, service || "—"),
      el("td", { label: "Country" }, country || "—"),
      el("td", { class: "mono", label: "Phone" }, a.phone),
      el("td", { class: `status-${a.status}`, label: "Status" }, a.status),
      el("td", { class: "mono", label: "Code" }, a.code ?? ""),
      el("td", { class: "num", label: "Cost" }, a.cost),
      el(
        "td",
        {
          class: "num age",
          label: "Age",
          dataset: { created: Number.isNaN(created) ? "" : created, live: a.live ? "1" : "" },
        },
        a.live ? duration(now - created) : "",
      ),
      el(
        "td",
        { class: "num", label: "To code" },
        Number.isNaN(received) ? "" : duration(received - created),
      ),
      el("td", { label: "Webhook" }, a.webhook ?? "—"),
      actions,
    );
  }

  function renderActivations() {
    const now = Date.now();
    const liveOnly = $("f-live").checked;
    const all = sortedActivations();
    const rows = all.filter((a) => !liveOnly || a.live).slice(0, MAX_ROWS);
    const body = $("activations").tBodies[0];
    keepingFocus(body, () => body.replaceChildren(...rows.map((a) => activationRow(a, now))));
    $("activations-empty").hidden = rows.length > 0;
    const live = all.filter((a) => a.live).length;
    $("activations-count").textContent = `(${live} live, ${all.length - live} ended)`;
    if (state.sandbox) {
      fillSelect(
        $("sb-act-id"),
        all
          .filter((a) => a.live)
          .map((a) => [String(a.id), `${a.id} · ${a.service.code ?? "?"} · ${a.phone} · ${a.status}`]),
      );
    }
  }

  /** Ages move every second without re-rendering (focus and selection stay where they are). */
  function tickAges() {
    const now = Date.now();
    for (const td of document.querySelectorAll("#activations td.age")) {
      if (td.dataset.live && td.dataset.created) td.textContent = duration(now - Number(td.dataset.created));
    }
  }

  // ---- charts and keys -----------------------------------------------------------------------

  function renderCharts() {
    const points = state.points;
    const last = points[points.length - 1];
    if (!last) return;
    const now = last.t + 1000;
    const series = (field) => points.map((p) => [p.t, p[field]]);
    const draw = (id, lines) =>
      window.ConsoleCharts.draw($(id).querySelector("svg"), lines, { now, spanMs: SPAN_MS });
    draw("chart-requests", [
      { cls: "s-success", values: series("success") },
      { cls: "s-protocol", values: series("protocol") },
      { cls: "s-upstream", values: series("upstream") },
    ]);
    draw("chart-calls", [
      { cls: "s-ok", values: series("callsOk") },
      { cls: "s-failed", values: series("callsFailed") },
    ]);
    draw("chart-latency", [
      { cls: "s-p50", values: series("p50") },
      { cls: "s-p99", values: series("p99") },
    ]);
    const minute = points.filter((p) => p.t >= now - 60_000);
    const sum = (field) => minute.reduce((n, p) => n + (p[field] ?? 0), 0);
    $("chart-requests-now").textContent =
      `Last minute: ${sum("success")} success, ${sum("protocol")} protocol errors, ${sum("upstream")} upstream failures; ` +
      `now ${last.success + last.protocol + last.upstream} req/s`;
    $("chart-calls-now").textContent =
      `Last minute: ${sum("callsOk") + sum("callsFailed")} calls, ${sum("callsFailed")} failed; now ${last.callsOk + last.callsFailed}/s`;
    const timed = [...minute].reverse().find((p) => p.p50 !== null);
    $("chart-latency-now").textContent = timed
      ? `Latest second with calls: p50 ${fmtMs(timed.p50)} ms, p99 ${fmtMs(timed.p99)} ms`
      : "No upstream calls in the last minute";
  }

  function renderKeys() {
    const rows = [...state.keys].sort((a, b) => a.who.localeCompare(b.who));
    $("keys").tBodies[0].replaceChildren(
      ...rows.map((k) =>
        el(
          "tr",
          {},
          el("td", { label: "Key" }, k.who),
          el("td", { class: "num", label: "Spend" }, k.spent),
          el("td", { class: "num", label: "Numbers" }, String(k.bought)),
          el("td", { class: "num", label: "Codes" }, String(k.codes)),
          el("td", { class: "num", label: "Upstream calls" }, String(k.calls)),
        ),
      ),
    );
    $("keys-empty").hidden = rows.length > 0;
    if (state.sandbox)
      fillSelect(
        $("sb-top-up-key"),
        rows.map((k) => [k.key, k.who]),
      );
  }

  // ---- sandbox controls ----------------------------------------------------------------------

  function say(text, isError = false) {
    const status = $("sandbox-status");
    status.className = isError ? "status error" : "status";
    status.textContent = text;
  }

  async function act(path, body, describe) {
    say("…");
    const { ok, json } = await post(`sandbox/${path}`, body).catch(() => ({
      ok: false,
      json: { error: "no answer" },
    }));
    if (!ok) {
      say(json.error ?? "refused", true);
      return undefined;
    }
    if (json.activation) {
      state.activations.set(json.activation.id, json.activation);
      renderActivations();
    }
    say(describe(json));
    return json;
  }

  const deliverSms = (id) =>
    act("sms", { id, text: $("sb-sms-text").value || undefined }, (j) =>
      `SMS delivered to activation ${id}: ${j.activation?.status ?? ""} ${j.activation?.code ?? ""}`.trim(),
    );
  const expire = (id) =>
    act("expire", { id }, (j) => `Activation ${id} ended now: ${j.activation?.status ?? ""}`);

  function setUpSandbox(presets) {
    document.body.classList.add("has-sandbox");
    $("sandbox-panel").hidden = false;
    $("sb-activation").addEventListener("submit", (e) => {
      e.preventDefault();
      const id = Number($("sb-act-id").value);
      if (id) void deliverSms(id);
      else say("Choose a live activation.", true);
    });
    $("sb-expire").addEventListener("click", () => {
      const id = Number($("sb-act-id").value);
      if (id) void expire(id);
      else say("Choose a live activation.", true);
    });
    $("sb-offer").addEventListener("submit", (e) => {
      e.preventDefault();
      const price = $("sb-offer-price").value.trim();
      const stock = $("sb-offer-stock").value.trim();
      void act(
        "offer",
        {
          service: $("sb-offer-service").value,
          country: $("sb-offer-country").value,
          ...(price && { price }),
          ...(stock && { stock: Number(stock) }),
        },
        (j) =>
          `Offer ${j.offer.serviceCode} in ${j.offer.countryId} ${j.offer.countryIso}: price ${j.offer.price}, stock ${j.offer.stock}`,
      );
    });
    $("sb-top-up").addEventListener("submit", (e) => {
      e.preventDefault();
      void act(
        "top-up",
        { key: $("sb-top-up-key").value, amount: $("sb-top-up-amount").value },
        (j) => `Topped up ${j.who}: balance ${j.balance} ${j.currency}`,
      );
    });
    $("sb-account").addEventListener("submit", async (e) => {
      e.preventDefault();
      const done = await act(
        "account",
        { apiKey: $("sb-account-key").value, balance: $("sb-account-balance").value },
        (j) => `Account ${j.created ? "created" : "reset"}: balance ${j.balance} ${j.currency}`,
      );
      if (done) $("sb-account-key").value = "";
    });
    const box = $("sb-presets");
    for (const p of presets) {
      const button = el(
        "button",
        { type: "button", "aria-pressed": "false", dataset: { preset: p.id } },
        p.label,
      );
      button.addEventListener("click", async () => {
        const done = await act("faults", { preset: p.id }, (j) => `Faults: ${j.label}`);
        if (done) markPreset(done.preset);
      });
      box.append(button);
    }
    fetch("/console/api/sandbox")
      .then((r) => r.json())
      .then((j) => markPreset(j.preset))
      .catch(() => undefined);
  }

  function markPreset(id) {
    for (const b of $("sb-presets").querySelectorAll("button"))
      b.setAttribute("aria-pressed", String(b.dataset.preset === id && id !== "clear"));
    const label = [...$("sb-presets").querySelectorAll("button")].find(
      (b) => b.dataset.preset === id,
    )?.textContent;
    $("sb-faults-now").textContent = id && id !== "clear" ? `(now: ${label})` : "(none)";
  }

  // ---- wiring --------------------------------------------------------------------------------

  function wire() {
    for (const id of ["f-key", "f-action", "f-class"]) $(id).addEventListener("change", renderTraffic);
    $("f-live").addEventListener("change", renderActivations);
    $("pause").addEventListener("click", () => {
      state.paused = !state.paused;
      const button = $("pause");
      button.setAttribute("aria-pressed", String(state.paused));
      button.textContent = state.paused ? "Resume" : "Pause";
      setConnection(state.paused ? "paused" : "live", state.paused ? "paused" : "live");
      if (!state.paused) {
        state.missed = 0;
        $("paused-note").textContent = "";
        renderTraffic();
      }
    });
    const body = $("traffic").tBodies[0];
    body.addEventListener("click", (e) => {
      const tr = e.target.closest("tr");
      if (tr) openDetail(Number(tr.dataset.seq));
    });
    body.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      const tr = e.target.closest("tr");
      if (!tr) return;
      e.preventDefault();
      openDetail(Number(tr.dataset.seq));
    });
    $("activations").tBodies[0].addEventListener("click", (e) => {
      const button = e.target.closest("button[data-act]");
      if (!button) return;
      const id = Number(button.dataset.id);
      void (button.dataset.act === "sms" ? deliverSms(id) : expire(id));
    });
    $("logout").addEventListener("click", async () => {
      await fetch("/console/logout", { method: "POST", headers: { "x-csrf-token": state.csrf ?? "" } }).catch(
        () => undefined,
      );
      location.href = "/console/login";
    });
    setInterval(tickAges, 1000);
  }

  async function start() {
    wire();
    const res = await fetch("/console/api/session");
    if (res.status === 401) {
      location.href = "/console/login";
      return;
    }
    const session = await res.json();
    state.csrf = session.csrf;
    state.sandbox = session.sandbox;
    $("upstream-kind").textContent = session.sandbox ? "upstream: sandbox" : "upstream: real";
    $("logout").hidden = session.auth !== "session";
    if (session.sandbox) setUpSandbox(session.presets);
    connect();
  }

  void start();
})();
