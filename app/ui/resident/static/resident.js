// The resident's own device: consent, device check against the server's echo, the request (one
// Idempotency-Key per page visit, one request in flight), the waiting room from the watch ticket's pushes,
// then the call as role "resident" through call.js. Every text comes from the server's catalogue.
import { LiveSocket, callControls, endCall, joinCall, openMedia, personName } from "/call/static/call.js";

import { $ } from "/assets/shared/dom.js";
import { alertCallStarting, keepAwake, letSleep, primeSound, restoreTitle } from "/resident-assets/call_alert.js";
import { closeEcho, offerEcho, pollEcho, worstLoss } from "/assets/shared/device_check.js";

const cfg = JSON.parse($("resident-config").textContent);
const tr = MadoguchiI18n.create(cfg.catalog);
const STEPS = ["language", "consent", "declined", "closed", "device", "waiting", "call", "ended"];
const state = {
  intakeKey: newKey(), // once per page visit: a double tap or a retried request is the same case
  busy: false,
  consultationId: null,
  ticket: null,
  audioOnly: false,
  check: { sessionId: null, pc: null, stream: null },
  room: null,
  view: null,
  requests: 0,
};
let socket = null;
window.madoguchiCall = {
  state,
  stats: async () => (state.room ? state.room.stats() : {}),
  firstFrames: () => (state.view ? state.view.firstFrames : {}),
};

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function screen(name) {
  for (const id of STEPS) $(id).hidden = id !== name;
  document.body.dataset.step = name;
  $("change-language").hidden = ["waiting", "call"].includes(name);
  const heading = $(name).querySelector("h1");
  if (heading && name !== "call") {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

function showError(section, text) {
  const el = $(section).querySelector("[data-error]");
  el.textContent = text;
  el.hidden = !text;
}

// --- consent ----------------------------------------------------------------------------------------------
$("agree").addEventListener("click", () => {
  if (cfg.closed) return screen("closed");
  screen("device");
  check();
});
$("decline").addEventListener("click", () => screen("declined"));
// Nobody can serve this language now, but the desk is open: the resident may still queue for whoever comes.
$("closed-wait")?.addEventListener("click", () => {
  cfg.closed = false;
  screen("consent");
});
$("declined-back").addEventListener("click", () => screen("consent"));

// --- device check: camera and microphone to the server's echo ------------------------------------------------
function mark(id, ok, yes, no) {
  const el = $(id);
  el.dataset.ok = ok === null ? "" : String(ok);
  el.textContent = ok === null ? "" : tr.t(ok ? yes : no);
}

async function stopCheck({ keepStream = false } = {}) {
  const { sessionId, pc, stream } = state.check;
  state.check = { sessionId: null, pc: null, stream: keepStream ? stream : null };
  pc?.close();
  if (!keepStream) stream?.getTracks().forEach((t) => t.stop());
  if (sessionId) await closeEcho(sessionId).catch(() => {});
}

async function check() {
  await stopCheck();
  $("start").disabled = true;
  $("audio-only-start").hidden = true;
  $("permission").hidden = true;
  showError("device", "");
  $("camera-result").textContent = tr.t("device.checking");
  mark("mic-result", null);
  mark("net-result", null);
  let media;
  try {
    media = await openMedia();
  } catch (err) {
    console.warn("no microphone", err);
    $("permission").hidden = false;
    mark("camera-result", false, "device.camera_ok", "device.camera_failed");
    mark("mic-result", false, "device.microphone_ok", "device.microphone_failed");
    return;
  }
  state.check.stream = media.stream;
  state.audioOnly = media.audioOnly;
  $("self").srcObject = media.stream;
  if (media.audioOnly) {
    mark("camera-result", false, "device.camera_ok", "device.camera_failed");
    $("audio-only-start").hidden = false;
  } else {
    $("start").disabled = false;
  }
  try {
    await echo(media.stream);
  } catch (err) {
    console.warn("device check echo failed", err);
    mark("net-result", false, "device.connection_good", "device.connection_weak");
  }
}

async function echo(stream) {
  const pc = new RTCPeerConnection({ iceServers: [] });
  state.check.pc = pc;
  const sessionId = await offerEcho(pc, stream, (id) => (state.check.sessionId = id));
  await pollEcho(sessionId, {
    rounds: 20,
    current: () => state.check.sessionId === sessionId,
    onReport: (report) => {
      if (!state.audioOnly) mark("camera-result", report.video_ok, "device.camera_ok", "device.camera_failed");
      mark("mic-result", report.audio_ok, "device.microphone_ok", "device.microphone_failed");
      const rtt = report.round_trip_time_s;
      const loss = Math.max(0, worstLoss(report) ?? 0);
      if (rtt != null) mark("net-result", rtt < 0.4 && loss < 0.05, "device.connection_good", "device.connection_weak");
      if (report.audio_ok && (report.video_ok || state.audioOnly) && rtt != null) {
        $("device").dataset.checked = "true";
        return true;
      }
      return false;
    },
  });
}

$("retry").addEventListener("click", () => check());
$("start").addEventListener("click", () => request("device"));
$("audio-only-start").addEventListener("click", () => {
  state.audioOnly = true;
  request("device");
});

// --- the request: one case per page visit -----------------------------------------------------------------------
async function createCase(section) {
  if (state.consultationId) return true;
  if (state.busy) return false; // a double tap: one request in flight, and the same key anyway
  state.busy = true;
  showError(section, "");
  try {
    state.requests += 1;
    // the signed link decides the municipality and site (and, for a reservation, which booking this is)
    const body = { language: cfg.lang, link: cfg.token };
    const response = await fetch("/api/v1/resident/consultations", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": state.intakeKey, "Accept-Language": cfg.lang },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      // a reservation's join link that is too early or over: the server says so in the resident's language
      const detail = response.status === 409 ? (await response.json().catch(() => ({}))).detail : null;
      const key = response.status === 429 ? "error.rate_limited" : "error.generic";
      showError(section, typeof detail === "string" ? detail : tr.t(key));
      return false;
    }
    const created = await response.json();
    state.consultationId = created.id;
    state.ticket = created.live?.watch_ticket || null;
    state.first = created.live;
    return true;
  } catch (err) {
    console.warn("request failed", err);
    showError(section, tr.t("error.offline"));
    return false;
  } finally {
    state.busy = false;
  }
}

async function request(section) {
  primeSound(); // during the tap, so the call alert may sound later
  if (!(await createCase(section))) return;
  await stopCheck();
  waiting(state.first?.position, state.first?.estimated_wait_s);
  connect();
}

// The desk is closed: machine-translated chat starts as a case too; the chat page offers the choice.
for (const button of document.querySelectorAll("[data-way=chat]")) {
  button.addEventListener("click", async () => {
    if (!(await createCase("closed"))) return;
    location.href = chatUrl();
  });
}

// The ticket goes in the fragment: never sent to the server, so never in an access log or a Referer.
function chatUrl() {
  const q = new URLSearchParams({ lang: cfg.lang });
  const fragment = new URLSearchParams({ ticket: state.ticket });
  return `/chat/${encodeURIComponent(state.consultationId)}?${q}#${fragment}`;
}

// --- waiting room: pushes for our consultation only (the watch ticket) -------------------------------------------
function connect() {
  if (socket) return;
  socket = new LiveSocket({
    onOpen: () => {
      $("offline").hidden = true;
      socket.send({ type: "watch", consultation_id: state.consultationId, ticket: state.ticket });
      state.room?.rejoin();
    },
    onState: (s) => {
      document.body.dataset.socket = s;
      state.view?.setLink(s === "open");
      // in a call the reconnecting banner speaks; after a normal end the socket closes as planned and the ended
      // screen stays calm, with no "offline" banner
      $("offline").hidden = s === "open" || !state.consultationId || Boolean(state.room) || state.finished;
    },
    onMessage: (msg) => handle(msg),
  });
  socket.connect();
}

const ENDED = ["served", "ended", "cancelled", "abandoned", "closed", "fallback"];

function handle(msg) {
  if (state.room && state.room.handle(msg)) return;
  if (msg.consultation_id && msg.consultation_id !== state.consultationId) return;
  switch (msg.type) {
    case "watching":
      if (ENDED.includes(msg.status)) return finish();
      if (msg.status === "connected") return inviteAgain(); // the call began before we were listening
      waiting(msg.position, msg.estimated_wait_s);
      if (msg.fallback) fallback(msg.fallback); // decided before we were listening: the choices stand
      break;
    case "queue.update":
      waiting(msg.position, msg.estimated_wait_s);
      break;
    case "status":
      if (msg.status === "connecting") {
        $("wait-status").textContent = tr.t("call.connecting");
        callStarting();
      }
      else if (msg.status === "connected") $("call-status").textContent = tr.t("call.connected");
      else if (msg.status === "interpreter_changing") $("call-status").textContent = tr.t("call.interpreter_changing");
      else if (ENDED.includes(msg.status)) finish();
      break;
    case "fallback.offered":
      fallback(msg);
      break;
    case "room.invite":
      if (msg.role === "resident") {
        callStarting();
        startCall(msg);
      }
      break;
  }
}

async function inviteAgain() {
  const url = `/api/v1/resident/consultations/${encodeURIComponent(state.consultationId)}/invite`;
  const response = await fetch(url, { headers: { "X-Watch-Ticket": state.ticket } }).catch(() => null);
  if (response?.ok) startCall(await response.json());
}

// Once per call: a tone, a vibration and the tab's title, for a resident who looked away while waiting.
function callStarting() {
  if (state.alerted || state.finished) return;
  state.alerted = true;
  alertCallStarting(tr.t("resident.call_starting_title"));
}

function waiting(position, waitS) {
  if (!$("call").hidden || !$("ended").hidden) return;
  if ($("waiting").hidden) {
    screen("waiting");
    keepAwake(); // the screen stays on while the resident waits (and then talks)
  }
  if (state.fallback && !state.fallback.queued) return; // not in the queue: no place, no wait to show
  $("wait-position").textContent = position ? tr.n("waiting.position", position) : "";
  $("wait-time").textContent =
    waitS != null ? tr.n("waiting.minutes", Math.max(1, Math.round(waitS / 60))) : tr.t("waiting.unknown");
}

// Routing's choices for this case, in the resident's language: chat only where a model reaches Japanese,
// a reservation, the desk's phone; "keep waiting" is the queue itself when the case is still in it.
function fallback({ options = [], queued = false }) {
  state.fallback = { options, queued };
  const chat = $("fallback-chat");
  chat.hidden = !(options.includes("mt_chat") && cfg.mt);
  chat.href = chatUrl();
  $("fallback-note").hidden = chat.hidden;
  $("fallback-reserve").hidden = !options.includes("reservation");
  // nobody free for the language: the title says so instead of "a counselor will come soon"
  $("wait-title").textContent = tr.t(queued ? "resident.fallback_offered" : "waiting.choose_other");
  if (!queued) {
    $("wait-position").textContent = "";
    $("wait-time").textContent = "";
  }
  $("fallback").hidden = false;
  $("waiting").dataset.fallback = queued ? "queued" : "pending";
}

// A reservation instead of waiting: the case ends as such (routing's FallbackAccepted), then the booking page.
$("fallback-reserve").addEventListener("click", async (event) => {
  event.preventDefault();
  const href = $("fallback-reserve").href;
  const url = `/api/v1/consultations/${encodeURIComponent(state.consultationId)}/chat/accept-fallback`;
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Watch-Ticket": state.ticket },
    body: JSON.stringify({ option: "reservation" }),
  }).catch(() => null);
  if (!response?.ok) {
    const el = $("fallback").querySelector("[data-error]");
    el.textContent = tr.t("error.generic");
    el.hidden = false;
    return;
  }
  state.leaving = true;
  location.href = href;
});

$("cancel").addEventListener("click", async () => {
  if (!state.consultationId) return;
  $("cancel").disabled = true;
  const response = await fetch(`/api/v1/resident/consultations/${encodeURIComponent(state.consultationId)}/cancel`, {
    method: "POST",
    headers: { "X-Watch-Ticket": state.ticket },
  }).catch(() => null);
  $("cancel").disabled = false;
  if (response && (response.ok || response.status === 409)) finish(true);
  else $("wait-status").textContent = tr.t("error.generic");
});

// --- the call ------------------------------------------------------------------------------------------------------
const ROLE_KEYS = { counselor: "resident.role_counselor", interpreter: "resident.role_interpreter" };

// A tile's caption in the resident's language: the role, then the staff member's name when the room gave one.
function tileLabel(role, name) {
  const caption = Object.assign(document.createElement("span"), { className: "role" });
  caption.textContent = ROLE_KEYS[role] ? tr.t(ROLE_KEYS[role]) : "";
  return name ? [caption, personName(name)] : caption;
}
const voiceOnlyNote = () => Object.assign(document.createElement("span"), { className: "mode", textContent: tr.t("resident.voice_only") });

// The call's link dropped (the socket, or a peer connection): the banner says so until it is whole again.
function reconnecting(on) {
  $("call").dataset.link = on ? "reconnecting" : "ok";
  $("reconnecting").hidden = !on;
  $("call-status").hidden = on; // "connected" would contradict the banner
}
callControls(state, { mic: $("mic"), camera: $("camera"), speaker: $("speaker"), preview: $("preview") });

async function startCall(invite) {
  const joined = await joinCall(state, socket, invite, {
    remotes: $("remotes"),
    preview: $("preview"),
    onClosed: () => finish(),
    onAudioOnly: () => ($("call-note").textContent = tr.t("call.audio_only")),
    media: state.audioOnly ? openMedia({ video: false }) : undefined,
    label: tileLabel,
    audioNote: voiceOnlyNote,
    onReconnecting: reconnecting,
    level: $("mic-level"),
  });
  if (!joined) return;
  screen("call");
  $("call-status").textContent = tr.t("call.connected");
}

$("voice-only").addEventListener("click", () => state.room?.setAudioOnly());
$("leave").addEventListener("click", () => {
  state.room?.leave();
  finish();
});

function finish(cancelled = false) {
  if (state.leaving) return; // on the way to the booking page
  state.finished = true;
  letSleep();
  restoreTitle();
  endCall(state);
  stopCheck();
  socket?.close();
  $("ended-cancelled").hidden = !cancelled;
  $("offline").hidden = true;
  screen("ended");
}

screen(cfg.step);
