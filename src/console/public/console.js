// @ts-check
/*
 * The gateway console's page (README "Console"). It reads `GET /console/api/session` once, then
 * follows `GET /console/api/stream` (server-sent events: a snapshot, then what changed). Every
 * value from the server is put into the page as text, never as markup. No key ever reaches it.
 * What the server sends is typed in ../views.ts; `npm run typecheck` checks this file against it.
 */

/** @typedef {import("../views.js").ActivationRow} ActivationRow */
/** @typedef {import("../views.js").KeyRow} KeyRow */
/** @typedef {import("../views.js").PresetChoice} PresetChoice */
/** @typedef {import("../views.js").RequestRow} RequestRow */
/** @typedef {import("../views.js").SandboxAnswers} SandboxAnswers */
/** @typedef {import("../views.js").SandboxFaults} SandboxFaults */
/** @typedef {import("../views.js").SandboxRefusal} SandboxRefusal */
/** @typedef {import("../views.js").SeriesPoint} SeriesPoint */
/** @typedef {import("../views.js").SessionInfo} SessionInfo */
/** @typedef {import("../views.js").StreamEvents} StreamEvents */
/** @typedef {import("../views.js").TokenClass} TokenClass */

(() => {
  const MAX_REQUESTS = 1000;
  const MAX_ROWS = 300;
  const SPAN_MS = 600_000;
  /** @type {Record<TokenClass, string>} */
  const CLASS_NAMES = { success: "success", protocol: "protocol error", upstream: "upstream failure" };

  /**
   * The page's element with this id, of this kind (index.html and this script go together: one
   * missing is a bug, named here rather than as a property of null).
   * @template {HTMLElement} [T=HTMLElement]
   * @param {string} id
   * @param {new () => T} [kind]
   * @returns {T}
   */
  function $(id, kind = /** @type {new () => T} */ (HTMLElement)) {
    const node = document.getElementById(id);
    if (!(node instanceof kind)) throw new Error(`#${id}: no such ${kind.name} in the page`);
    return node;
  }
  /** @param {string} id the body of this table */
  function tbody(id) {
    const body = $(id, HTMLTableElement).tBodies[0];
    if (!body) throw new Error(`#${id}: no tbody`);
    return body;
  }
  /**
   * The element matching `selector` at or around where the event happened.
   * @param {Event} e
   * @param {string} selector
   */
  function around(e, selector) {
    const found = e.target instanceof Element ? e.target.closest(selector) : null;
    return found instanceof HTMLElement ? found : null;
  }

  /**
   * @type {{
   *   csrf: string | null, sandbox: boolean, requests: RequestRow[],
   *   activations: Map<number, ActivationRow>, points: SeriesPoint[], keys: KeyRow[],
   *   paused: boolean, missed: number, whoByKey: Map<string, string>, actions: Set<string>,
   * }}
   */
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

  /**
   * `el("td", {class: "x", label: "Time"}, "text", child)`: an element with text children only.
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {{ class?: string, label?: string, dataset?: Record<string, string | number>, [attribute: string]: unknown }} [props]
   * @param {...(string | Node | null | undefined)} children
   */
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = String(v);
      else if (k === "label") node.dataset.label = String(v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const child of children) if (child !== undefined && child !== null) node.append(child);
    return node;
  }

  const pad = (/** @type {number} */ n, w = 2) => String(n).padStart(w, "0");
  /** @param {number} ms */
  function clock(ms) {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }
  /** @param {number} ms */
  function duration(ms) {
    if (!(ms >= 0)) return "";
    const s = Math.floor(ms / 1000);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
    return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  }
  const fmtMs = (/** @type {number} */ ms) => (ms >= 100 ? String(Math.round(ms)) : ms.toFixed(1));

  /**
   * Re-renders `container` and gives focus back to the element that had it (by its data-focus).
   * @param {HTMLElement} container
   * @param {() => void} render
   */
  function keepingFocus(container, render) {
    const focused = document.activeElement;
    const key =
      focused instanceof HTMLElement && container.contains(focused) ? focused.dataset.focus : undefined;
    render();
    const again = key ? container.querySelector(`[data-focus="${CSS.escape(key)}"]`) : null;
    if (again instanceof HTMLElement) again.focus({ preventScroll: true });
  }

  // ---- the server ----------------------------------------------------------------------------

  /**
   * @param {string} path
   * @param {unknown} body
   * @returns {Promise<{ ok: boolean, status: number, json: unknown }>}
   */
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

  /**
   * @param {"live" | "paused" | "down"} kind
   * @param {string} text
   */
  function setConnection(kind, text) {
    const pill = $("conn");
    pill.className = `pill ${kind}`;
    pill.textContent = text;
  }

  function connect() {
    const source = new EventSource("/console/api/stream");
    /**
     * @template {keyof StreamEvents} E
     * @param {E} event
     * @param {(data: StreamEvents[E]) => void} handle
     */
    const on = (event, handle) => source.addEventListener(event, (e) => handle(JSON.parse(e.data)));
    on("snapshot", (data) => {
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
    on("requests", (rows) => {
      state.requests.push(...rows);
      if (state.requests.length > MAX_REQUESTS)
        state.requests.splice(0, state.requests.length - MAX_REQUESTS);
      learn(rows);
      if (state.paused) {
        state.missed += rows.length;
        $("paused-note").textContent = `${state.missed} new while paused`;
      } else renderTraffic();
    });
    on("activations", (rows) => {
      for (const row of rows) state.activations.set(row.id, row);
      renderActivations();
    });
    on("stats", (data) => {
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

  /**
   * Keys and actions seen, for the filters.
   * @param {RequestRow[]} rows
   */
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

  /**
   * @param {HTMLSelectElement} select
   * @param {[value: string, text: string][]} options
   */
  function fillSelect(select, options) {
    const current = select.value;
    const first = select.options[0];
    select.replaceChildren(...(first && first.value === "" ? [first] : []));
    for (const [value, text] of options) select.append(el("option", { value }, text));
    if ([...select.options].some((o) => o.value === current)) select.value = current;
  }

  function renderFilters() {
    const keys = [...state.whoByKey].sort((a, b) => a[1].localeCompare(b[1]));
    fillSelect($("f-key", HTMLSelectElement), keys);
    fillSelect(
      $("f-action", HTMLSelectElement),
      [...state.actions].sort().map((a) => [a, a]),
    );
  }

  function visibleRequests() {
    const key = $("f-key", HTMLSelectElement).value;
    const action = $("f-action", HTMLSelectElement).value;
    const cls = $("f-class", HTMLSelectElement).value;
    const out = [];
    for (let i = state.requests.length - 1; i >= 0 && out.length < MAX_ROWS; i--) {
      const r = state.requests[i];
      if (!r || (key && r.key !== key) || (action && r.action !== action) || (cls && r.class !== cls))
        continue;
      out.push(r);
    }
    return out;
  }

  /** @param {string} reason */
  const refusedLocally = (reason) => `refused locally: ${reason}`;

  /** @param {RequestRow} r */
  function callsCell(r) {
    const td = el("td", { class: "calls wide", label: "Native calls" });
    if (r.refused) td.append(el("span", { class: "call failed" }, refusedLocally(r.refused)));
    if (r.calls.length === 0) {
      if (!r.refused)
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

  /** @param {RequestRow} r */
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
    const body = tbody("traffic");
    keepingFocus(body, () => body.replaceChildren(...rows.map(requestRow)));
    $("traffic-empty").hidden = rows.length > 0;
    $("traffic-count").textContent = `(${rows.length} shown of ${state.requests.length})`;
  }

  /** @param {number} seq */
  function openDetail(seq) {
    const r = state.requests.find((x) => x.seq === seq);
    if (!r) return;
    const meta = $("detail-meta");
    const item = (/** @type {string} */ term, /** @type {string} */ value) => [
      el("dt", {}, term),
      el("dd", {}, value),
    ];
    const sent = r.calls.map(
      (c) => `${c.method} ${c.route} → ${c.status ?? "no answer"} ${c.outcome}, ${fmtMs(c.ms)} ms`,
    );
    const calls = r.refused
      ? [...sent, refusedLocally(r.refused)].join("\n")
      : sent.length
        ? sent.join("\n")
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
    $("detail", HTMLDialogElement).showModal();
  }

  // ---- activations ---------------------------------------------------------------------------

  function sortedActivations() {
    const all = [...state.activations.values()];
    const live = all.filter((a) => a.live).sort((a, b) => b.id - a.id);
    const ended = all.filter((a) => !a.live).sort((a, b) => b.version - a.version);
    return [...live, ...ended];
  }

  /**
   * @param {ActivationRow} a
   * @param {number} now
   */
  function activationRow(a, now) {
    const created = a.createdAt ? Date.parse(a.createdAt) : Number.NaN;
    const received = a.receivedAt ? Date.parse(a.receivedAt) : Number.NaN;
    const service =
      a.product === "email"
        ? `✉ ${a.service.code ?? ""}`
        : [a.service.code, a.service.name].filter(Boolean).join(" · ");
    const country = [a.country.id, a.country.iso, a.country.name]
      .filter((v) => v !== null && v !== "")
      .join(" ");
    const actions = el("td", { class: "sandbox-only", label: "Sandbox" });
    // the sandbox controls here are an activation's; a mailbox (product "email") has none of them
    if (state.sandbox && a.live && a.product !== "email") {
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
    const liveOnly = $("f-live", HTMLInputElement).checked;
    const all = sortedActivations();
    const rows = all.filter((a) => !liveOnly || a.live).slice(0, MAX_ROWS);
    const body = tbody("activations");
    keepingFocus(body, () => body.replaceChildren(...rows.map((a) => activationRow(a, now))));
    $("activations-empty").hidden = rows.length > 0;
    const live = all.filter((a) => a.live).length;
    $("activations-count").textContent = `(${live} live, ${all.length - live} ended)`;
    if (state.sandbox) {
      fillSelect(
        $("sb-act-id", HTMLSelectElement),
        all
          .filter((a) => a.live && a.product !== "email")
          .map((a) => [String(a.id), `${a.id} · ${a.service.code ?? "?"} · ${a.phone} · ${a.status}`]),
      );
    }
  }

  /** Ages move every second without re-rendering (focus and selection stay where they are). */
  function tickAges() {
    const now = Date.now();
    for (const td of document.querySelectorAll("#activations td.age")) {
      if (td instanceof HTMLElement && td.dataset.live && td.dataset.created)
        td.textContent = duration(now - Number(td.dataset.created));
    }
  }

  // ---- charts and keys -----------------------------------------------------------------------

  function renderCharts() {
    const points = state.points;
    const last = points[points.length - 1];
    if (!last) return;
    const now = last.t + 1000;
    /** @typedef {Exclude<keyof SeriesPoint, "t">} Field */
    /** @returns {ChartLine["values"]} */
    const series = (/** @type {Field} */ field) => points.map((p) => [p.t, p[field]]);
    const draw = (/** @type {string} */ id, /** @type {ChartLine[]} */ lines) => {
      const svg = $(id).querySelector("svg");
      if (!svg) throw new Error(`#${id}: no svg`);
      ConsoleCharts.draw(svg, lines, { now, spanMs: SPAN_MS });
    };
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
    const sum = (/** @type {Field} */ field) => minute.reduce((n, p) => n + (p[field] ?? 0), 0);
    $("chart-requests-now").textContent =
      `Last minute: ${sum("success")} success, ${sum("protocol")} protocol errors, ${sum("upstream")} upstream failures; ` +
      `now ${last.success + last.protocol + last.upstream} req/s`;
    $("chart-calls-now").textContent =
      `Last minute: ${sum("callsOk") + sum("callsFailed")} calls, ${sum("callsFailed")} failed; now ${last.callsOk + last.callsFailed}/s`;
    const timed = [...minute].reverse().find(
      /** @returns {p is SeriesPoint & { p50: number, p99: number }} */
      (p) => p.p50 !== null && p.p99 !== null,
    );
    $("chart-latency-now").textContent = timed
      ? `Latest second with calls: p50 ${fmtMs(timed.p50)} ms, p99 ${fmtMs(timed.p99)} ms`
      : "No upstream calls in the last minute";
  }

  function renderKeys() {
    const rows = [...state.keys].sort((a, b) => a.who.localeCompare(b.who));
    tbody("keys").replaceChildren(
      ...rows.map((k) =>
        el(
          "tr",
          {},
          el("td", { label: "Key" }, k.who),
          el("td", { class: "num", label: "Spend" }, k.spent),
          el("td", { class: "num", label: "Numbers" }, String(k.bought)),
          el("td", { class: "num", label: "Codes" }, String(k.codes)),
          el("td", { class: "num", label: "Upstream calls" }, String(k.calls)),
          el("td", { label: "Limits" }, k.limits ?? "—"),
        ),
      ),
    );
    $("keys-empty").hidden = rows.length > 0;
    if (state.sandbox)
      fillSelect(
        $("sb-top-up-key", HTMLSelectElement),
        rows.map((k) => [k.key, k.who]),
      );
  }

  // ---- sandbox controls ----------------------------------------------------------------------

  /**
   * @param {string} text
   * @param {boolean} [isError]
   */
  function say(text, isError = false) {
    const status = $("sandbox-status");
    status.className = isError ? "status error" : "status";
    status.textContent = text;
  }

  /**
   * `POST /console/api/sandbox/<path>`: says what it did (`describe`) or why not, and answers it.
   * @template {keyof SandboxAnswers} P
   * @param {P} path
   * @param {object} body
   * @param {(answer: SandboxAnswers[P]) => string} describe
   * @returns {Promise<SandboxAnswers[P] | undefined>}
   */
  async function act(path, body, describe) {
    say("…");
    const { ok, json } = await post(`sandbox/${path}`, body).catch(() => ({
      ok: false,
      json: { error: "no answer" },
    }));
    if (!ok) {
      say(/** @type {Partial<SandboxRefusal>} */ (json).error ?? "refused", true);
      return undefined;
    }
    const answer = /** @type {SandboxAnswers[P]} */ (json);
    const { activation } = /** @type {Partial<SandboxAnswers["sms" | "expire"]>} */ (answer);
    if (activation) {
      state.activations.set(activation.id, activation);
      renderActivations();
    }
    say(describe(answer));
    return answer;
  }

  const deliverSms = (/** @type {number} */ id) =>
    act("sms", { id, text: $("sb-sms-text", HTMLInputElement).value || undefined }, (j) =>
      `SMS delivered to activation ${id}: ${j.activation?.status ?? ""} ${j.activation?.code ?? ""}`.trim(),
    );
  const expire = (/** @type {number} */ id) =>
    act("expire", { id }, (j) => `Activation ${id} ended now: ${j.activation?.status ?? ""}`);

  /** @param {PresetChoice[]} presets */
  function setUpSandbox(presets) {
    document.body.classList.add("has-sandbox");
    $("sandbox-panel").hidden = false;
    $("sb-activation").addEventListener("submit", (e) => {
      e.preventDefault();
      const id = Number($("sb-act-id", HTMLSelectElement).value);
      if (id) void deliverSms(id);
      else say("Choose a live activation.", true);
    });
    $("sb-expire").addEventListener("click", () => {
      const id = Number($("sb-act-id", HTMLSelectElement).value);
      if (id) void expire(id);
      else say("Choose a live activation.", true);
    });
    $("sb-offer").addEventListener("submit", (e) => {
      e.preventDefault();
      const price = $("sb-offer-price", HTMLInputElement).value.trim();
      const stock = $("sb-offer-stock", HTMLInputElement).value.trim();
      void act(
        "offer",
        {
          service: $("sb-offer-service", HTMLInputElement).value,
          country: $("sb-offer-country", HTMLInputElement).value,
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
        {
          key: $("sb-top-up-key", HTMLSelectElement).value,
          amount: $("sb-top-up-amount", HTMLInputElement).value,
        },
        (j) => `Topped up ${j.who}: balance ${j.balance} ${j.currency}`,
      );
    });
    $("sb-account").addEventListener("submit", async (e) => {
      e.preventDefault();
      const done = await act(
        "account",
        {
          apiKey: $("sb-account-key", HTMLInputElement).value,
          balance: $("sb-account-balance", HTMLInputElement).value,
        },
        (j) => `Account ${j.created ? "created" : "reset"}: balance ${j.balance} ${j.currency}`,
      );
      if (done) $("sb-account-key", HTMLInputElement).value = "";
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
      .then((/** @type {SandboxFaults} */ j) => markPreset(j.preset))
      .catch(() => undefined);
  }

  /** @param {string} id */
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
    const body = tbody("traffic");
    body.addEventListener("click", (e) => {
      const tr = around(e, "tr");
      if (tr) openDetail(Number(tr.dataset.seq));
    });
    body.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      const tr = around(e, "tr");
      if (!tr) return;
      e.preventDefault();
      openDetail(Number(tr.dataset.seq));
    });
    tbody("activations").addEventListener("click", (e) => {
      const button = around(e, "button[data-act]");
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
    /** @type {SessionInfo} */
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
