// Counselor call view: presence, joins the call when routing assigns one, ends it for everyone; live queue.
import { LiveSocket, endCall, joinCall, show } from "/call/static/call.js";

const $ = (id) => document.getElementById(id);
const page = JSON.parse($("page-data").textContent);
const state = { room: null, view: null, consultationId: null };
window.madoguchiCall = {
  state,
  stats: async () => (state.room ? state.room.stats() : {}),
  firstFrames: () => (state.view ? state.view.firstFrames : {}),
};

const socket = new LiveSocket({
  onOpen: () => {
    if ($("available").checked) sendPresence();
    state.room?.rejoin();
    refreshQueue();
  },
  onState: (s) => {
    $("link").dataset.state = s;
    $("link").textContent = s === "open" ? "接続 Online" : "再接続中 Reconnecting…";
  },
  onMessage: (msg) => handle(msg),
});
socket.connect();

function sendPresence() {
  const available = $("available").checked;
  socket.send({ type: "presence", state: available ? "available" : "away" });
  $("presence-state").dataset.state = available ? "available" : "away";
  $("presence-state").textContent = available ? "対応可能 Available" : "離席中 Away";
}
$("available").addEventListener("change", sendPresence);

function handle(msg) {
  if (state.room && state.room.handle(msg)) return;
  if (msg.type === "room.invite" && msg.role === "counselor") startCall(msg);
  else if (msg.type === "queue.changed") refreshQueue();
  else if (msg.type === "error") $("status").textContent = `エラー Error: ${msg.message}`;
}

let queueTimer = null;
function refreshQueue() {
  clearTimeout(queueTimer); // coalesce bursts of queue.changed
  queueTimer = setTimeout(async () => {
    const response = await fetch("/api/v1/queue", { credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    const rows = (data.queue || []).map((entry, i) => {
      const tr = document.createElement("tr");
      const waited = entry.estimated_wait_s != null ? `${Math.round(entry.estimated_wait_s / 60)} 分 min` : "—";
      for (const text of [String(i + 1), entry.language, entry.channel, waited]) {
        const td = document.createElement("td");
        td.textContent = text ?? "";
        tr.append(td);
      }
      return tr;
    });
    $("queue").replaceChildren(...rows);
  }, 200);
}

async function startCall(invite) {
  const joined = await joinCall(state, socket, invite, {
    remotes: $("remotes"),
    preview: $("preview"),
    onClosed: (reason) => finish(`通話終了 Call ended (${reason})`),
    onAudioOnly: () => ($("call-note").textContent = "音声のみ Audio only"),
  });
  if (!joined) return; // a repeated invite for the call we are in or joining
  state.consultationId = invite.consultation_id;
  show($("call"), true);
  $("status").textContent = "通話中 In a call";
}

function finish(note) {
  endCall(state);
  show($("call"), false);
  $("status").textContent = note;
}

$("audio-only").addEventListener("click", () => state.room?.setAudioOnly());
$("leave").addEventListener("click", () => {
  state.room?.leave();
  finish("退出しました You left the call");
});
$("end-call").addEventListener("click", async () => {
  if (!state.consultationId) return;
  const response = await fetch(`/api/v1/consultations/${encodeURIComponent(state.consultationId)}/end`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRF-Token": page.csrf_token },
  });
  if (response.ok) {
    state.consultationId = null;
    finish("通話を終了しました Call ended");
  } else {
    const body = await response.json().catch(() => ({}));
    $("status").textContent = `終了できません Cannot end: ${body.detail || body.message || response.status}`;
  }
});
