// Counter tablet: language buttons, intake with an Idempotency-Key, the waiting screen, then the call.
// The device signs in with its bearer token (pasted once by staff, kept in localStorage).
import { LiveSocket, endCall, joinCall, show } from "/call/static/call.js";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "madoguchi.deviceToken";
const state = { token: localStorage.getItem(TOKEN_KEY), consultationId: null, lang: null, tr: null, room: null, view: null, intakeKey: null, busy: false };
window.madoguchiCall = {
  state,
  stats: async () => (state.room ? state.room.stats() : {}),
  firstFrames: () => (state.view ? state.view.firstFrames : {}),
};

// Resident-facing text: the chosen language's catalogue first, Japanese underneath for the counter staff.
let ja = null;
function say(el, key, count) {
  const text = (tr) => (tr ? (count === undefined ? tr.t(key) : tr.n(key, count)) : "");
  const own = text(state.tr);
  const jaText = state.lang !== "ja" ? text(ja) : "";
  el.textContent = jaText && jaText !== own ? `${own} / ${jaText}` : own;
}
async function catalogue(lang) {
  const response = await fetch(`/call/i18n/${encodeURIComponent(lang)}.json`);
  return MadoguchiI18n.create(await response.json());
}

function screen(name) {
  for (const id of ["setup", "start", "waiting", "call", "ended"]) show($(id), id === name);
}

function api(path, options = {}) {
  return fetch(path, { ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${state.token}` } });
}

let socket = null;
function connect() {
  socket = new LiveSocket({
    onOpen: () => {
      socket.send({ type: "hello", token: state.token });
      state.room?.rejoin();
    },
    onState: (s) => {
      $("link").dataset.state = s;
      $("link").textContent = s === "open" ? "接続 Online" : "再接続中 Reconnecting…";
    },
    onMessage: (msg) => handle(msg),
  });
  socket.connect();
}

function handle(msg) {
  if (state.room && state.room.handle(msg)) return;
  switch (msg.type) {
    case "hello":
      if (msg.role === "device" && state.consultationId) watch();
      break;
    case "watching":
    case "queue.update":
      if (msg.consultation_id === state.consultationId) waiting(msg.position, msg.estimated_wait_s);
      break;
    case "status":
      if (msg.consultation_id !== state.consultationId) break;
      if (msg.status === "connecting") say($("status"), "call.connecting");
      else if (msg.status === "connected") say($("status"), "call.connected");
      else if (msg.status === "interpreter_changing") say($("status"), "call.interpreter_changing");
      else if (["served", "cancelled", "abandoned", "closed"].includes(msg.status)) finish();
      break;
    case "room.invite":
      if (msg.consultation_id === state.consultationId && msg.role === "counter_tablet") startCall(msg);
      break;
    case "error":
      if (msg.code === "bad_token") {
        localStorage.removeItem(TOKEN_KEY);
        $("setup-error").textContent = "トークンが無効です Invalid device token";
        screen("setup");
      }
      break;
  }
}

function watch() {
  socket.send({ type: "watch", consultation_id: state.consultationId });
}

function waiting(position, waitS) {
  if (!$("call").hidden) return;
  screen("waiting");
  say($("wait-title"), "waiting.please_wait");
  if (position) say($("wait-position"), "waiting.position", position);
  else $("wait-position").textContent = "";
  if (waitS != null) say($("wait-time"), "waiting.minutes", Math.max(1, Math.round(waitS / 60)));
  else say($("wait-time"), "waiting.unknown");
  say($("cancel"), "waiting.cancel");
}

async function languages() {
  const response = await fetch("/api/v1/languages");
  const list = await response.json();
  const buttons = list.map((lang) => {
    const button = document.createElement("button");
    button.type = "button";
    button.lang = lang.code;
    button.dataset.language = lang.code;
    button.textContent = lang.native_name;
    button.title = `${lang.name_ja} ${lang.name_en}`;
    button.addEventListener("click", () => begin(lang.code));
    return button;
  });
  $("languages").replaceChildren(...buttons);
}

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

async function begin(lang) {
  if (state.busy) return; // a double tap is one case: one key, one request in flight
  state.busy = true;
  state.intakeKey ??= newKey();
  try {
    state.lang = lang;
    [state.tr, ja] = await Promise.all([catalogue(lang), ja ? Promise.resolve(ja) : catalogue("ja")]);
    document.documentElement.lang = lang;
    const response = await api("/api/v1/consultations", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": state.intakeKey },
      body: JSON.stringify({ channel: "counter", language: lang }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      $("start-error").textContent = `受付できません Cannot start: ${body.message || body.detail || response.status}`;
      return;
    }
    const body = await response.json();
    state.consultationId = body.id;
    state.intakeKey = null; // the next resident gets a new key
    waiting(body.live?.position, body.live?.estimated_wait_s);
    watch();
  } finally {
    state.busy = false;
  }
}

$("cancel").addEventListener("click", async () => {
  if (!state.consultationId) return;
  await api(`/api/v1/consultations/${encodeURIComponent(state.consultationId)}/cancel`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ reason: "cancelled" }),
  });
  finish();
});

async function startCall(invite) {
  const joined = await joinCall(state, socket, invite, {
    remotes: $("remotes"),
    preview: $("preview"),
    onClosed: () => finish(),
    onAudioOnly: () => say($("call-note"), "call.audio_only"),
  });
  if (!joined) return; // a repeated invite for the call we are in or joining
  screen("call");
  say($("status"), "call.connected");
}

function finish() {
  endCall(state);
  state.consultationId = null;
  screen("ended");
  say($("ended-text"), "ended.thanks");
  $("status").textContent = "";
}

$("again").addEventListener("click", () => {
  state.lang = null;
  state.tr = null;
  document.documentElement.lang = "ja";
  screen("start");
});
$("audio-only").addEventListener("click", () => state.room?.setAudioOnly());
$("leave").addEventListener("click", () => {
  state.room?.leave();
  finish();
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
  connect();
}
boot();
