// Interpreter console: presence, the ring (visible, audible, with a countdown), accept/decline, then the call.
import { $ } from "/assets/shared/dom.js";
import { LiveSocket, beep, endCall, epochMs, joinCall, openMedia, serverNowMs, show } from "/call/static/call.js";

const state = { offer: null, room: null, view: null, ringTimer: null, audio: null, acceptedAt: null, media: null };
window.madoguchiCall = {
  state,
  stats: async () => (state.room ? state.room.stats() : {}),
  firstFrames: () => (state.view ? state.view.firstFrames : {}),
};

const socket = new LiveSocket({
  onOpen: () => {
    if ($("available").checked) sendPresence();
    state.room?.rejoin();
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

$("available").addEventListener("change", () => {
  state.audio ??= new AudioContext(); // created on a click so the ring may sound later
  sendPresence();
});

function handle(msg) {
  if (state.room && state.room.handle(msg)) return;
  switch (msg.type) {
    case "offer":
      ring(msg);
      break;
    case "offer.withdrawn":
      if (state.offer && state.offer.offer_id === msg.offer_id) stopRing("呼び出しは終了しました The offer ended");
      break;
    case "room.invite":
      if (msg.role === "interpreter") startCall(msg);
      break;
    case "presence.forced":
      $("available").checked = false;
      sendPresence();
      $("status").textContent = "応答がなかったため離席にしました (set to away: no answer)";
      break;
    case "error":
      $("status").textContent = `エラー Error: ${msg.message}`;
      break;
  }
}

function ring(offer) {
  state.offer = offer;
  $("offer-language").textContent = offer.language;
  $("offer-channel").textContent = offer.channel;
  $("offer-municipality").textContent = offer.municipality;
  $("offer-topic").textContent = offer.topic_hint || "—";
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
}

function finishCall(note) {
  endCall(state);
  show($("call"), false);
  $("status").textContent = note;
}

$("audio-only").addEventListener("click", () => state.room?.setAudioOnly());
$("leave").addEventListener("click", () => {
  state.room?.leave();
  finishCall("退出しました You left the call");
});
