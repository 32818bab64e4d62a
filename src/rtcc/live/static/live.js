// OpenRTCC live alert page: sign in, list alerts and camera status from the SSE stream, verify or reject hits.
// Data is only ever inserted with textContent (never as HTML); the page's CSP allows no other script.
"use strict";

(function () {
  const CHECKLIST = [
    ["plate_matches_crop", "Plate characters match the image crop"],
    ["state_confirmed", "State confirmed"],
    ["entry_current", "Hotlist entry still current"],
    ["vehicle_consistent", "Vehicle consistent with the description"],
  ];
  const alerts = new Map(); // alert id -> latest data
  const cameras = new Map(); // camera code -> {code, name, status, at}
  let me = null;
  let source = null;

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function api(method, path, body) {
    const resp = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await resp.json(); } catch (_e) { data = null; }
    if (!resp.ok) {
      const detail = (data && (data.detail || data.title)) || resp.statusText;
      const err = new Error(detail);
      err.status = resp.status;
      throw err;
    }
    return data;
  }

  function can(perm) { return !!me && me.permissions.includes(perm); }

  function time(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString();
  }

  // The listed plate with the positions that differ from the read marked.
  function plateNode(text, diff) {
    const span = el("span", {});
    const marks = new Set(diff || []);
    [...(text || "")].forEach((ch, i) => span.append(marks.has(i) ? el("mark", { text: ch }) : ch));
    return span;
  }

  function setStatus(text) { $("status").textContent = text; }

  // ---------------------------------------------------------------------------------------------- alerts

  function actionsFor(a) {
    if (a.kind !== "hit" || a.state !== "new" || !can("alerts:verify")) return null;
    const boxId = (name) => `chk-${a.id}-${name}`;
    const form = el("form", { "aria-label": "Verify this hit" });
    const fs = el("fieldset", {}, el("legend", { text: "Before verifying, confirm:" }));
    for (const [name, label] of CHECKLIST) {
      fs.append(el("div", {}, el("input", { type: "checkbox", id: boxId(name), name }), " ",
        el("label", { for: boxId(name), text: label, style: "display:inline" })));
    }
    form.append(fs);
    form.append(el("button", { type: "submit", text: "Verify" }), " ",
      el("button", { type: "button", text: "Reject as misread", onclick: () => reject(a.id) }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const checklist = {};
      for (const [name] of CHECKLIST) checklist[name] = form.elements[name].checked;
      act(a.id, "verify", { checklist });
    });
    return form;
  }

  async function act(id, action, body) {
    $("action-error").textContent = "";
    try {
      const updated = await api("POST", `/api/v1/alerts/${encodeURIComponent(id)}/${action}`, body);
      upsertAlert(updated);
    } catch (err) {
      $("action-error").textContent = `Could not ${action} the alert: ${err.message}`;
    }
  }

  function reject(id) { act(id, "reject", { reason: "misread" }); }

  function renderAlert(a) {
    const li = el("li", { id: `alert-${a.id}`, class: `alert p${a.priority} ${a.state}`, tabindex: "-1" });
    const badges = el("div", {},
      el("span", { class: "badge state", text: a.state }), " ",
      a.match_kind ? el("span", { class: a.fuzzy ? "badge fuzzy" : "badge", text: a.fuzzy ? "FUZZY match — check the marked characters" : `${a.match_kind} match` }) : null, " ",
      el("span", { class: "badge", text: `priority ${a.priority}` }));
    li.append(el("h3", { text: a.title }), badges);
    if (a.kind === "hit") {
      const entry = a.entry || {};
      const read = a.read || {};
      li.append(el("div", { class: "plates" },
        el("div", {}, el("small", { text: "Read" }), plateNode(a.plate_read, []), " ", el("small", { text: read.region || "state ?" })),
        el("div", {}, el("small", { text: "Listed" }), plateNode(a.plate_listed, a.diff_positions), " ", el("small", { text: entry.region || "state ?" }))));
      const vehicle = [entry.vehicle_year, entry.vehicle_color, entry.vehicle_make, entry.vehicle_model].filter(Boolean).join(" ");
      const seen = [read.vehicle_color, read.vehicle_make, read.vehicle_model, read.vehicle_type].filter(Boolean).join(" ");
      li.append(el("p", { class: "meta" },
        `${entry.hotlist_name || ""} · ${entry.reason || "no reason given"}`,
        entry.case_number ? ` · case ${entry.case_number}` : "",
        entry.current === false ? " · ENTRY NO LONGER CURRENT" : ""));
      // what the camera saw beside what the list describes: the "vehicle consistent" check needs both
      li.append(el("p", { class: "vehicles" },
        el("strong", { text: "Camera saw: " }), seen || "no vehicle attributes", " · ",
        el("strong", { text: "Listed vehicle: " }), vehicle || "not described",
        read.confidence != null ? ` · read confidence ${Math.round(read.confidence)}%` : ""));
      if (read.crop_ref) li.append(el("p", { class: "meta", text: `Crop: ${read.crop_ref}` }));
    }
    const cam = a.camera || {};
    li.append(el("p", { class: "meta" },
      `Camera ${cam.code || a.camera_id || "?"}${cam.name ? " (" + cam.name + ")" : ""} · last seen ${time(a.last_seen_at)}`,
      a.read_count > 1 ? ` · ${a.read_count} reads` : "",
      a.dispatched_to ? ` · dispatched to ${a.dispatched_to}` : "",
      a.reject_reason ? ` · rejected: ${a.reject_reason}` : ""));
    const actions = actionsFor(a);
    if (actions) li.append(actions);
    return li;
  }

  function upsertAlert(a) {
    const known = alerts.get(a.id);
    if (known && known.updated_at > a.updated_at) return; // an older state arriving late
    alerts.set(a.id, a);
    const node = renderAlert(a);
    const old = document.getElementById(`alert-${a.id}`);
    if (old) {
      const focusedInside = old.contains(document.activeElement);
      old.replaceWith(node);
      if (focusedInside) node.focus();
    } else {
      $("alerts").prepend(node);
    }
  }

  // ---------------------------------------------------------------------------------------------- cameras

  function renderCameras() {
    const list = $("cameras");
    list.replaceChildren();
    for (const c of [...cameras.values()].sort((x, y) => x.code.localeCompare(y.code))) {
      list.append(el("li", { class: `cam ${c.status}` }, `${c.code} — ${c.name || ""}: ${c.status}`,
        c.at ? ` (since ${time(c.at)})` : ""));
    }
  }

  function upsertCamera(c) {
    if (!c || !c.code) return;
    cameras.set(c.code, { ...(cameras.get(c.code) || {}), ...c });
    renderCameras();
  }

  function onCameraEvent(data) {
    if (data.kind === "camera_offline") { // a camera-offline alert: open = offline, closed = back
      const cam = data.camera || {};
      upsertCamera({ code: cam.code || String(data.camera_id), name: cam.name, status: data.state === "closed" ? "online" : "offline", at: data.updated_at });
    } else {
      upsertCamera({ code: data.code, name: data.name, status: data.status, at: data.at || data.last_heartbeat_at });
    }
  }

  // ---------------------------------------------------------------------------------------------- stream

  function handle(ev) {
    let msg;
    try { msg = JSON.parse(ev.data); } catch (_e) { return; }
    if (msg.topic === "alerts") upsertAlert(msg.data);
    else if (msg.topic === "cameras") onCameraEvent(msg.data);
  }

  function connect() {
    if (source) source.close();
    source = new EventSource("/api/v1/live/stream?purpose=hit_verification", { withCredentials: true });
    source.onopen = () => setStatus("Live");
    for (const type of ["alert.created", "alert.updated", "camera.online", "camera.offline", "camera.status"]) source.addEventListener(type, handle);
    source.onmessage = handle;
    source.onerror = async () => {
      if (source.readyState === EventSource.CLOSED) { // refused: the session has probably ended
        setStatus("Disconnected");
        try { await api("GET", "/api/v1/auth/me"); setTimeout(connect, 2000); } catch (_e) { signedOut(); }
      } else {
        setStatus("Reconnecting…"); // the browser resumes after the last event id by itself
      }
    };
  }

  async function loadInitial() {
    try {
      const page = await api("GET", "/api/v1/alerts?limit=50");
      for (const a of page.items.slice().reverse()) upsertAlert(a);
    } catch (err) {
      $("action-error").textContent = `Could not load alerts: ${err.message}`;
    }
    try {
      const list = await api("GET", "/api/v1/cameras");
      const items = Array.isArray(list) ? list : (list && list.items) || [];
      for (const c of items) upsertCamera({ code: c.code, name: c.name, status: c.status, at: c.last_heartbeat_at });
    } catch (_e) { /* the camera list is optional here; status events still arrive */ }
  }

  async function signedIn(who) {
    me = who;
    $("login-section").hidden = true;
    $("alerts-section").hidden = false;
    $("cameras-section").hidden = false;
    $("logout").hidden = false;
    $("who").textContent = `${me.name} (${me.role})`;
    await loadInitial();
    connect();
  }

  function signedOut() {
    if (source) source.close();
    source = null;
    me = null;
    alerts.clear();
    cameras.clear();
    $("alerts").replaceChildren();
    $("cameras").replaceChildren();
    $("login-section").hidden = false;
    $("alerts-section").hidden = true;
    $("cameras-section").hidden = true;
    $("logout").hidden = true;
    $("who").textContent = "";
    setStatus("Not connected");
    $("username").focus();
  }

  async function onLogin(ev) {
    ev.preventDefault();
    $("login-error").textContent = "";
    try {
      await api("POST", "/api/v1/auth/login", { username: $("username").value, password: $("password").value });
      $("password").value = "";
      await signedIn(await api("GET", "/api/v1/auth/me"));
    } catch (err) {
      $("login-error").textContent = `Sign-in failed: ${err.message}`;
    }
  }

  async function onLogout() {
    try { await api("POST", "/api/v1/auth/logout"); } catch (_e) { /* signed out anyway */ }
    signedOut();
  }

  document.addEventListener("DOMContentLoaded", async () => {
    $("login-form").addEventListener("submit", onLogin);
    $("logout").addEventListener("click", onLogout);
    try { await signedIn(await api("GET", "/api/v1/auth/me")); } catch (_e) { signedOut(); }
  });
})();
