// Counselor console: presence (being available is how a consultation is taken), the call, the live queue and
// availability per language (refreshed on the desk's websocket pushes), reservations starting soon, the case
// record after the call (PATCH /record, field errors next to the fields), phone consultations and own cases.
// Each panel is its own module (counselor_*.js); this one wires the websocket to them and boots the page.
import { $ } from "/assets/shared/dom.js";
import { LiveSocket } from "/call/static/call.js";
import { handedOver, installCall, startCall } from "/call/static/counselor_call.js";
import { refreshOwn } from "/call/static/counselor_own_cases.js";
import { installPhone } from "/call/static/counselor_phone.js";
import { installQueue, refreshQueue } from "/call/static/counselor_queue.js";
import { fillForm, installRecord } from "/call/static/counselor_record.js";
import { installRemove } from "/call/static/counselor_remove.js";
import { installReservations, refreshReservations } from "/call/static/counselor_reservations.js";
import { state } from "/call/static/counselor_state.js";
import { bilingual, loadReference } from "/call/static/staff_names.js";

window.madoguchiCall = {
  state,
  stats: async () => (state.room ? state.room.stats() : {}),
  firstFrames: () => (state.view ? state.view.firstFrames : {}),
};

// --- the websocket: presence, room invitations, queue pushes -------------------------------------------------
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
  $("presence-state").replaceChildren(available ? bilingual("対応可能", "Available") : bilingual("離席中", "Away"));
}
$("available").addEventListener("change", sendPresence);

function handle(msg) {
  if (msg.type === "hello" && msg.participant_id) state.me = msg.participant_id; // whose roster row is ours
  if (msg.type === "call.transferred") return handedOver(msg);
  if (state.room && state.room.handle(msg)) return;
  if (msg.type === "room.invite" && msg.role === "counselor") startCall(msg);
  else if (msg.type === "queue.changed") refreshQueue();
  else if (msg.type === "error") $("status").textContent = `エラー Error: ${msg.message}`;
}


installQueue();
installRemove();
installReservations();
installCall(socket);
installRecord();
installPhone();

async function boot() {
  state.ref = await loadReference(); // languages, topics, municipalities and sites, with their names
  fillForm($("record-form"));
  fillForm($("phone-form"));
  document.body.dataset.ready = "true";
  refreshQueue();
  refreshReservations();
  refreshOwn();
}
boot();
