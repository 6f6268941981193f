// Counter tablet: language buttons, intake with an Idempotency-Key, the waiting screen with the optional topic
// pictograms, then the call and a thank-you that says how to reach the desk again.
// The device signs in with its bearer token (pasted once by staff, kept in localStorage).
// The case is opened at the language tap, so the resident is in the queue while choosing topics.
import { $ } from "/assets/shared/dom.js";
import { LiveSocket, callControls, endCall, joinCall, personName, show } from "/call/static/call.js";
import { waitMinutes } from "/call/static/counselor_labels.js";
import { pictogram } from "/call/static/pictograms.js";

const TOKEN_KEY = "madoguchi.deviceToken";
// Pairing: the admin screen's QR code opens /tablet#token=mdv_… (a fragment never reaches a server); keep it once.
const paired = new URLSearchParams(location.hash.slice(1)).get("token");
if (paired && paired.startsWith("mdv_")) {
  localStorage.setItem(TOKEN_KEY, paired);
  history.replaceState(null, "", location.pathname + location.search);
}
const state = {
  token: localStorage.getItem(TOKEN_KEY),
  consultationId: null,
  lang: null,
  tr: null,
  room: null,
  view: null,
  intakeKey: null,
  busy: false,
  context: null, // this tablet's site, channel, desk phone and hours (/api/v1/tablet/context)
  topics: [], // topic codes in the reference data's order
  chosen: [], // the resident's picks, in the order tapped (the first is the hint)
  topicsOpen: false,
  truth: null, // what /api/v1/tablet/languages/<lang> said before the case was opened
  fallback: null, // routing's fallback for the watched case: {options, queued}
  accepted: false, // the server took this token once (/api/v1/tablet/context answered)
};
window.madoguchiCall = {
  state,
  stats: async () => (state.room ? state.room.stats() : {}),
  firstFrames: () => (state.view ? state.view.firstFrames : {}),
};

// Resident-facing text: the chosen language's catalogue first, Japanese after it for the counter staff, each in
// a span marked with its own language (screen readers switch voice; Japanese breaks lines the Japanese way).
let ja = null;
// `params` may be a function of the language, for values written per language (the open days).
function say(el, key, count, params) {
  const text = (tr, lang) => {
    const values = typeof params === "function" ? params(lang) : params;
    return tr ? (count === undefined ? tr.t(key, values) : tr.n(key, count, values)) : "";
  };
  both(el, text(state.tr, state.lang || "ja"), state.lang !== "ja" ? text(ja, "ja") : "");
}
const ROLE_KEYS = { counselor: "resident.role_counselor", interpreter: "resident.role_interpreter" };
// A tile's caption: the role in the resident's language (Japanese after it, small, for the counter staff) and
// the staff member's display name when the room gave one.
function tileLabel(role, name) {
  const key = ROLE_KEYS[role];
  if (!key || !state.tr) return role || "";
  const caption = Object.assign(document.createElement("span"), { className: "role" });
  say(caption, key);
  return name ? [caption, personName(name)] : caption;
}
function voiceOnlyNote() {
  const note = Object.assign(document.createElement("span"), { className: "mode" });
  say(note, "resident.voice_only");
  return note;
}
// The call's link dropped (the socket, or a peer connection): a banner in the resident's language until it is back.
function reconnecting(on) {
  $("call").dataset.link = on ? "reconnecting" : "ok";
  show($("reconnecting"), on);
  show($("status"), !on); // "connected" would contradict the banner
  if (on) say($("reconnecting"), "call.reconnecting");
}
callControls(state, { mic: $("mic"), camera: $("camera"), speaker: $("speaker"), preview: $("preview") });
// The desk's open days and hours, written in each language by the server (`_open_days`, `_desk_hours`, and
// `_opening_hours`: the desk calendar's hours per weekday with its holidays and year-end closure).
const deskTimes = {};
async function catalogue(lang) {
  const response = await fetch(`/call/i18n/${encodeURIComponent(lang)}.json`);
  const catalog = await response.json();
  deskTimes[lang] = { days: catalog._open_days || "", hours: catalog._desk_hours || "", opening: catalog._opening_hours || "" };
  return MadoguchiI18n.create(catalog);
}

function screen(name) {
  for (const id of ["setup", "start", "unavailable", "waiting", "call", "ended"]) show($(id), id === name);
}

function api(path, options = {}) {
  return fetch(path, { ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${state.token}` } });
}

// The server closes with 1008 when the admin revokes this device (app/auth/revocation.py): reconnecting would
// only be refused, so the tablet forgets its token, stops, and says so to the staff at the counter.
const POLICY_CLOSE = 1008;
// A token that never worked (mistyped) is "invalid"; one that worked and stopped was revoked.
function signedOut() {
  const revoked = state.accepted;
  socket?.close();
  if (state.room) endCall(state);
  localStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.consultationId = null;
  document.documentElement.lang = "ja";
  $("link").dataset.state = revoked ? "revoked" : "closed";
  $("link").textContent = revoked ? "取消済 Revoked" : "未登録 Not registered";
  $("setup-error").textContent = revoked ? "" : "トークンが無効です Invalid device token";
  show($("revoked"), revoked);
  screen("setup");
}

let socket = null;
function connect() {
  socket = new LiveSocket({
    onOpen: () => {
      socket.send({ type: "hello", token: state.token });
      state.room?.rejoin();
    },
    onState: (s) => {
      state.view?.setLink(s === "open");
      if ($("link").dataset.state === "revoked") return;
      $("link").dataset.state = s;
      $("link").textContent = s === "open" ? "接続 Online" : "再接続中 Reconnecting…";
    },
    onClose: (event) => {
      if (event.code === POLICY_CLOSE) signedOut(); // the server took this tablet's token away
    },
    onMessage: (msg) => handle(msg),
  });
  socket.connect();
}

const ENDED = ["served", "ended", "cancelled", "abandoned", "closed", "fallback"];
const SERVED = ["served", "ended"]; // a call took place: "thank you for using"; otherwise it was cancelled

function handle(msg) {
  if (state.room && state.room.handle(msg)) return;
  switch (msg.type) {
    case "hello":
      if (msg.role === "device" && state.consultationId) watch();
      break;
    case "watching":
      if (msg.consultation_id !== state.consultationId) break;
      if (ENDED.includes(msg.status)) return finish(SERVED.includes(msg.status));
      waiting(msg.position, msg.estimated_wait_s);
      if (msg.fallback) fallback(msg.fallback); // decided before this socket watched: the choices stand
      break;
    case "queue.update":
      if (msg.consultation_id === state.consultationId) waiting(msg.position, msg.estimated_wait_s);
      break;
    case "fallback.offered":
      if (msg.consultation_id === state.consultationId) fallback(msg);
      break;
    case "status":
      if (msg.consultation_id !== state.consultationId) break;
      if (msg.status === "connecting") say($("status"), "call.connecting");
      else if (msg.status === "connected") say($("status"), "call.connected");
      else if (msg.status === "interpreter_changing") say($("status"), "call.interpreter_changing");
      else if (ENDED.includes(msg.status)) finish(SERVED.includes(msg.status) || Boolean(state.room));
      break;
    case "room.invite":
      if (msg.consultation_id === state.consultationId && msg.role === "counter_tablet") startCall(msg);
      break;
    case "error":
      if (msg.code === "bad_token") signedOut();
      break;
  }
}

function watch() {
  socket.send({ type: "watch", consultation_id: state.consultationId });
}

function waiting(position, waitS) {
  if (!$("call").hidden) return;
  screen("waiting");
  say($("cancel"), "waiting.cancel");
  showTopics(state.topicsOpen);
  if (state.fallback && !state.fallback.queued) return; // not in the queue: no place, no wait, no promise
  // nobody free for the language: the title says so instead of "a counselor will come soon"
  say($("wait-title"), state.fallback ? "resident.fallback_offered" : "waiting.please_wait");
  if (position) say($("wait-position"), "waiting.position", position);
  else $("wait-position").textContent = "";
  // the console's rounding (counselor_labels.waitMinutes) of routing's one estimate, refreshed by queue.update
  $("wait-time").dataset.minutes = waitS != null ? String(waitMinutes(waitS)) : "";
  if (waitS != null) say($("wait-time"), "waiting.minutes", waitMinutes(waitS));
  else say($("wait-time"), "waiting.unknown");
}

// Routing's fallback for the watched case, in the resident's language (Japanese after it for the staff).
// The tablet offers what works at a counter: waiting on (when still queued), the desk's phone, or stopping.
function fallback({ options = [], queued = false }) {
  state.fallback = { options, queued };
  if (!$("call").hidden) return;
  screen("waiting");
  say($("wait-title"), queued ? "resident.fallback_offered" : "waiting.choose_other");
  if (!queued) {
    $("wait-position").textContent = "";
    $("wait-time").textContent = "";
    showTopics(false);
  }
  const phone = state.context?.desk_phone;
  show($("fallback-phone"), Boolean(phone));
  if (phone) say($("fallback-phone"), "alt.call", undefined, { phone });
  show($("fallback"), Boolean(phone));
  $("waiting").dataset.fallback = queued ? "queued" : "pending";
}

// Before a case is opened: the truth about the tapped language (served now, later today at its own opening,
// by reservation, not now) from the server, in the resident's language and Japanese.
async function languageTruth(lang) {
  const response = await api(`/api/v1/tablet/languages/${encodeURIComponent(lang)}`);
  return response.ok ? response.json() : null;
}

// The resident's words first; the Japanese for the counter staff on its own small line under them, never
// repeated after a slash (it is secondary: the resident reads the first line).
function both(el, own, jaText) {
  const parts = [Object.assign(document.createElement("span"), { lang: state.lang || "ja", textContent: own || "" })];
  if (jaText && jaText !== own) {
    parts.push(Object.assign(document.createElement("span"), { lang: "ja", className: "staff-ja", textContent: jaText }));
  }
  el.replaceChildren(...parts);
}

function unavailable(truth) {
  screen("unavailable");
  $("unavailable").dataset.status = truth.status;
  both($("na-title"), truth.own.title, truth.ja.title);
  show($("na-next"), Boolean(truth.own.next_opening));
  both($("na-next"), truth.own.next_opening, truth.ja.next_opening);
  both($("na-hours"), deskTimes[state.lang]?.opening, deskTimes.ja?.opening);
  show($("na-phone"), Boolean(truth.own.phone));
  both($("na-phone"), truth.own.phone, truth.ja.phone);
  show($("na-wait"), truth.can_wait);
  say($("na-wait"), "waiting.keep_waiting");
  say($("na-back"), "resident.back");
}

async function languages() {
  const response = await fetch("/api/v1/languages");
  const list = await response.json();
  const buttons = list.map((lang) => {
    const button = document.createElement("button");
    button.type = "button";
    button.lang = lang.code;
    button.dataset.language = lang.code;
    const name = Object.assign(document.createElement("span"), { className: "name", textContent: lang.native_name });
    const status = Object.assign(document.createElement("span"), { className: "avail" });
    button.append(name, status);
    button.title = `${lang.name_ja} ${lang.name_en}`;
    button.addEventListener("click", () => begin(lang.code));
    return button;
  });
  $("languages").replaceChildren(...buttons);
  await languageStatuses();
}

// Under each button, in that language: available now, today from its own opening, by reservation, not now.
async function languageStatuses() {
  const response = await api("/api/v1/tablet/languages").catch(() => null);
  if (!response?.ok) return;
  for (const row of await response.json()) {
    const button = document.querySelector(`#languages button[data-language="${row.language}"]`);
    if (!button) continue;
    button.dataset.status = row.status;
    button.querySelector(".avail").textContent = row.label;
  }
}

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

async function begin(lang) {
  if (state.busy) return; // a double tap is one case: one key, one request in flight
  state.busy = true;
  state.intakeKey ??= newKey();
  try {
    await state.ready; // the channel (counter or satellite) comes with this tablet's site
    state.lang = lang;
    [state.tr, ja] = await Promise.all([catalogue(lang), ja ? Promise.resolve(ja) : catalogue("ja")]);
    document.documentElement.lang = lang;
    state.truth = await languageTruth(lang);
    if (state.truth && !state.truth.served_now) return unavailable(state.truth); // no case, no promise
    await openCase(lang);
  } finally {
    state.busy = false;
  }
}

async function openCase(lang) {
  state.fallback = null;
  show($("fallback"), false);
  delete $("waiting").dataset.fallback;
  const response = await api("/api/v1/consultations", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Idempotency-Key": state.intakeKey },
    body: JSON.stringify({ channel: state.context?.channel || "counter", language: lang }),
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    $("start-error").textContent = `受付できません Cannot start: ${body.message || body.detail || response.status}`;
    screen("start");
    return;
  }
  const body = await response.json();
  state.consultationId = body.id;
  state.intakeKey = null; // the next resident gets a new key
  openTopics();
  waiting(body.live?.position, body.live?.estimated_wait_s);
  watch();
}

// Nobody can serve the language now but the desk is open: the resident may still queue for whoever comes.
$("na-wait").addEventListener("click", async () => {
  if (state.busy || !state.lang) return;
  state.busy = true;
  state.intakeKey ??= newKey();
  try {
    await openCase(state.lang);
  } finally {
    state.busy = false;
  }
});
$("na-back").addEventListener("click", () => backToStart());

$("cancel").addEventListener("click", async () => {
  if (!state.consultationId) return;
  await api(`/api/v1/consultations/${encodeURIComponent(state.consultationId)}/cancel`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ reason: "cancelled" }),
  });
  finish(false);
});

// --- topic pictograms: optional, multi-select, while the resident already waits --------------------------
async function loadTopics() {
  const response = await fetch("/api/v1/topics");
  if (response.ok) state.topics = (await response.json()).map((t) => t.code);
}

function openTopics() {
  state.chosen = [];
  state.topicsOpen = state.topics.length > 0;
  if (!state.topicsOpen) return;
  say($("topics-title"), "topic.title");
  say($("topics-hint"), "tablet.topics_hint");
  say($("topic-skip"), "topic.skip");
  say($("topic-done"), "tablet.topics_done");
  const buttons = state.topics.map((code) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "topic";
    button.dataset.topic = code;
    button.setAttribute("aria-pressed", "false");
    const own = document.createElement("span");
    own.className = "own";
    own.textContent = state.tr.t(`topic.${code}`);
    button.append(pictogram(code), own);
    if (state.lang !== "ja" && ja) {
      const staff = document.createElement("span");
      staff.className = "ja";
      staff.lang = "ja";
      staff.textContent = ja.t(`topic.${code}`);
      button.append(staff);
    }
    button.addEventListener("click", () => toggleTopic(button, code));
    return button;
  });
  $("topic-grid").replaceChildren(...buttons);
}

function toggleTopic(button, code) {
  const on = !state.chosen.includes(code);
  state.chosen = on ? [...state.chosen, code] : state.chosen.filter((c) => c !== code);
  button.setAttribute("aria-pressed", String(on));
}

function closeTopics() {
  state.topicsOpen = false;
  showTopics(false);
}

// The grid scrolls; its Skip and Continue sit in the action bar with Cancel, always on screen.
function showTopics(open) {
  show($("topics"), open);
  show($("topic-actions"), open);
}

// Send the picks once (Continue, or the call starting while the resident was still choosing).
async function sendTopics() {
  const caseId = state.consultationId;
  const picked = [...state.chosen];
  state.chosen = [];
  if (!caseId || !picked.length) return;
  const response = await api(`/api/v1/consultations/${encodeURIComponent(caseId)}/resident-topics`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ topics: picked }),
  });
  if (!response.ok) console.warn("topics not saved", response.status); // optional: the counselor asks anyway
}

$("topic-skip").addEventListener("click", () => {
  state.chosen = [];
  closeTopics();
});
$("topic-done").addEventListener("click", () => {
  closeTopics();
  sendTopics();
});

async function startCall(invite) {
  const joined = await joinCall(state, socket, invite, {
    remotes: $("remotes"),
    preview: $("preview"),
    onClosed: () => finish(true),
    onAudioOnly: () => say($("call-note"), "call.audio_only"),
    label: tileLabel,
    audioNote: voiceOnlyNote,
    onReconnecting: reconnecting,
    level: $("mic-level"),
  });
  if (!joined) return; // a repeated invite for the call we are in or joining
  state.topicsOpen = false;
  sendTopics(); // picks made before the call started still reach the counselor
  screen("call");
  say($("status"), "call.connected");
  say($("call-title"), "call.connected");
  say($("audio-only"), "resident.voice_only");
  say($("leave"), "resident.leave");
  say($("mic"), "call.mute");
  say($("camera"), "call.camera_off");
  say($("speaker"), "call.speaker_off");
  say($("self-label"), "call.you");
  $("mic-level").setAttribute("aria-label", state.tr.t("call.mic_level"));
  reconnecting(false);
}

// The thank-you (or "cancelled") screen goes back to the language choice by itself, or at a touch, so the
// next resident at the counter never meets the previous one's language.
const RESET_AFTER_MS = 60000;
let resetTimer = null;
function finish(served) {
  const wasInCall = Boolean(state.room);
  endCall(state);
  state.consultationId = null;
  state.fallback = null;
  state.topicsOpen = false;
  state.chosen = [];
  screen("ended");
  const thanked = served ?? wasInCall;
  $("ended").dataset.outcome = thanked ? "served" : "cancelled";
  say($("ended-text"), thanked ? "ended.thanks" : "resident.cancelled");
  say($("ended-again"), "ended.again");
  const satellite = state.context?.channel === "satellite";
  say($("ended-where"), satellite ? "tablet.ended_here" : "ended.place");
  const phone = state.context?.desk_phone;
  show($("ended-phone"), Boolean(phone));
  if (phone) say($("ended-phone"), "ended.phone", undefined, { phone });
  both($("ended-hours"), deskTimes[state.lang]?.opening, deskTimes.ja?.opening);
  $("status").textContent = "";
  clearTimeout(resetTimer);
  resetTimer = setTimeout(backToStart, RESET_AFTER_MS);
}

// Back to the language choice: the previous resident's language, texts and answers go with it.
function backToStart() {
  clearTimeout(resetTimer);
  resetTimer = null;
  state.lang = null;
  state.tr = null;
  state.truth = null;
  state.fallback = null;
  state.chosen = [];
  document.documentElement.lang = "ja";
  for (const id of ["ended-text", "ended-again", "ended-where", "ended-phone", "ended-hours", "wait-title", "wait-position", "wait-time", "topic-grid"]) {
    $(id).replaceChildren();
  }
  $("start-error").textContent = "";
  screen("start");
  languageStatuses();
}

$("ended").addEventListener("click", () => {
  if (!$("ended").hidden) backToStart();
});
$("audio-only").addEventListener("click", () => state.room?.setAudioOnly());
$("leave").addEventListener("click", () => {
  state.room?.leave();
  finish(true);
});

$("save-token").addEventListener("click", () => {
  const token = $("device-token").value.trim();
  if (!token.startsWith("mdv_")) {
    $("setup-error").textContent = "端末トークンは mdv_ で始まります (a device token starts with mdv_)";
    return;
  }
  localStorage.setItem(TOKEN_KEY, token);
  state.token = token;
  $("device-token").value = "";
  show($("revoked"), false);
  state.accepted = false;
  $("link").dataset.state = "";
  boot();
});

function boot() {
  if (!state.token) {
    screen("setup");
    $("link").textContent = "未登録 Not registered";
    return;
  }
  screen("start");
  languages();
  setInterval(() => {
    if (!$("start").hidden) languageStatuses();
  }, 60000); // the clock opens and closes languages, and staff come and go
  state.ready = Promise.all([loadTopics(), loadContext()]).catch((err) => console.warn("tablet set-up", err));
  connect();
}

async function loadContext() {
  const response = await api("/api/v1/tablet/context");
  if (response.status === 401) {
    signedOut();
    return;
  }
  if (!response.ok) return;
  state.accepted = true;
  state.context = await response.json();
  $("site").textContent = `${state.context.site_name_ja} ${state.context.site_name_en}`;
}
boot();
