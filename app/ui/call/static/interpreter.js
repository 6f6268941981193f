// Interpreter console: presence, the ring (visible, audible, with a countdown; names, not codes),
// accept/decline, then the call; beside it whether a counselor is free, today's calls and minutes, and the
// console's own camera and microphone check.
import { latestReader } from "/assets/shared/api.js";
import { $ } from "/assets/shared/dom.js";
import { LiveSocket, beep, endCall, epochMs, joinCall, openMedia, serverNowMs, show } from "/call/static/call.js";
import { installDeviceCheck } from "/call/static/device_check_panel.js";
import { bilingual, channelName, loadReference, nameOf } from "/call/static/staff_names.js";

const state = {
  offer: null,
  room: null,
  view: null,
  ringTimer: null,
  audio: null,
  acceptedAt: null,
  media: null,
  ref: null,
  desk: null,
};
const deviceCheck = installDeviceCheck("dc-");
window.madoguchiCall = {
  state,
  stats: async () => (state.room ? state.room.stats() : {}),
  firstFrames: () => (state.view ? state.view.firstFrames : {}),
};

const socket = new LiveSocket({
  onOpen: () => {
    if ($("available").checked) sendPresence();
    state.room?.rejoin();
    refreshDesk();
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
  refreshDesk();
}

$("available").addEventListener("change", () => {
  state.audio ??= new AudioContext(); // created on a click so the ring may sound later
  if ($("available").checked) deviceCheck.stop(); // the check lets the camera go before a call needs it
  sendPresence();
});

// The desk beside the ring: an interpreted call needs a free counselor before anyone is rung, so say so when
// none is free; and this interpreter's calls and minutes today (the desk's day). Read on connect, on every
// change of presence or call, and every 15 s (counselors come and go on their own consoles).
const readDesk = latestReader("/api/v1/interpreter/console");
async function refreshDesk() {
  const desk = await readDesk();
  if (!desk) return;
  state.desk = desk;
  const none = desk.counselors_free === 0 && !state.room; // in a call, its counselor is busy with us
  $("desk-note").dataset.counselors = String(desk.counselors_free);
  show($("desk-note"), none);
  show($("counselors-free"), desk.counselors_free > 0);
  if (desk.counselors_free > 0) {
    $("counselors-free").replaceChildren(
      bilingual(`対応できる相談員 ${desk.counselors_free}人`, `${desk.counselors_free} counselor(s) free`),
    );
  }
  const today = desk.today;
  $("today").dataset.calls = String(today.calls);
  $("today").dataset.minutes = String(today.minutes);
  $("today").dataset.date = today.date;
  $("today-calls").replaceChildren(bilingual(`${today.calls}件`, `${today.calls} call${today.calls === 1 ? "" : "s"}`));
  $("today-minutes").replaceChildren(bilingual(`${today.minutes}分`, `${today.minutes} min`));
}
setInterval(refreshDesk, 15000);

// Why routing set this console away: the interpreter goes available again when ready for the next call.
const FORCED_AWAY = {
  missed_offers: "応答がなかったため離席にしました (set to away: calls went unanswered)",
  left_call: "通話を抜けたため離席にしました (set to away: you left the call)",
  other: "離席にしました (set to away)",
};

function handle(msg) {
  if (state.room && state.room.handle(msg)) return;
  switch (msg.type) {
    case "offer":
      ring(msg);
      break;
    case "offer.withdrawn":
      if (state.offer && state.offer.offer_id === msg.offer_id) stopRing("呼び出しは終了しました The offer ended");
      refreshDesk();
      break;
    case "room.invite":
      if (msg.role === "interpreter") startCall(msg);
      break;
    case "presence.forced":
      $("available").checked = false;
      sendPresence();
      $("status").dataset.reason = msg.reason;
      $("status").textContent = FORCED_AWAY[msg.reason] ?? FORCED_AWAY.other;
      break;
    case "error":
      $("status").textContent = `エラー Error: ${msg.message}`;
      break;
  }
}

function ring(offer) {
  state.offer = offer;
  const ref = state.ref || {};
  const fill = (id, code, node) => {
    $(id).dataset.code = code || "";
    $(id).replaceChildren(node);
  };
  fill("offer-language", offer.language, nameOf(ref.languages, offer.language));
  fill("offer-channel", offer.channel, channelName(offer.channel));
  // a counter case knows the resident's municipality only once the counselor asks: say so, not "unknown"
  const municipality =
    offer.municipality === "unknown" ? bilingual("未確認", "Not yet known") : nameOf(ref.municipalities, offer.municipality);
  fill("offer-municipality", offer.municipality, municipality);
  fill("offer-topic", offer.topic_hint, offer.topic_hint ? nameOf(ref.topics, offer.topic_hint) : bilingual("—", ""));
  show($("ring"), true);
  const deadline = Date.parse(offer.expires_at);
  const tick = () => {
    const left = Math.max(0, Math.round((deadline - serverNowMs()) / 1000));
    $("offer-countdown").textContent = String(left);
    if (left <= 0) stopRing("時間切れ Expired");
    else if (state.audio && left % 2 === 0) beep(state.audio);
  };
  clearInterval(state.ringTimer);
  tick();
  state.ringTimer = setInterval(tick, 1000);
}

function stopRing(note) {
  clearInterval(state.ringTimer);
  state.offer = null;
  show($("ring"), false);
  if (note) $("status").textContent = note;
}

$("accept").addEventListener("click", () => {
  if (!state.offer) return;
  state.acceptedAt = epochMs();
  state.media = openMedia(); // open the camera while routing sends the room invitation
  socket.send({ type: "offer.accept", offer_id: state.offer.offer_id });
  stopRing("接続中 Connecting…");
});
$("decline").addEventListener("click", () => {
  if (!state.offer) return;
  socket.send({ type: "offer.decline", offer_id: state.offer.offer_id });
  stopRing("辞退しました Declined");
});

async function startCall(invite) {
  // the camera was opened as soon as Accept was clicked, to save time; a repeated invite leaves it be
  const media = state.callRoomId === invite.room_id ? undefined : state.media;
  if (media) state.media = null;
  const joined = await joinCall(state, socket, invite, {
    remotes: $("remotes"),
    preview: $("preview"),
    onClosed: (reason) => finishCall(`通話終了 Call ended (${reason})`),
    onAudioOnly: () => ($("call-note").textContent = "音声のみ Audio only"),
    media,
  });
  if (!joined) return; // a repeated invite for the call we are in or joining
  show($("call"), true);
  $("status").textContent = "通話中 In a call";
  refreshDesk();
  setTimeout(refreshDesk, 2000); // the desk records this call's leg as the room hears the join
}

function finishCall(note) {
  endCall(state);
  show($("call"), false);
  $("status").textContent = note;
  refreshDesk(); // the call's minutes are in today's figures now
}

$("audio-only").addEventListener("click", () => state.room?.setAudioOnly());
$("leave").addEventListener("click", () => {
  state.room?.leave();
  finishCall("退出しました You left the call");
});

// Names for the ring come from the reference data, read once; an offer that comes first is named again.
loadReference().then((ref) => {
  state.ref = ref;
  if (state.offer) ring(state.offer);
  document.body.dataset.ready = "true";
});
