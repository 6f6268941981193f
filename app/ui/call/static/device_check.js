// Device check: send camera and microphone to the server's echo, show the echo and the server's figures.
import { $ } from "/assets/shared/dom.js";
import { EchoRefused, closeEcho, offerEcho, pollEcho, worstLoss } from "/assets/shared/device_check.js";

const state = { sessionId: null, report: null, pc: null };
window.madoguchiCall = { state };
$("link").textContent = "";

function mark(el, ok, yes, no) {
  el.dataset.ok = ok ? "true" : "false";
  el.textContent = ok ? yes : no;
}

async function start() {
  $("start-check").disabled = true;
  $("status").textContent = "確認中 Checking…";
  if (state.sessionId) await closeEcho(state.sessionId);
  state.pc?.close();
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  } catch (err) {
    $("status").textContent = `カメラ・マイクを開けません Cannot open camera/microphone: ${err.name}`;
    $("start-check").disabled = false;
    return;
  }
  $("local").srcObject = stream;
  const pc = new RTCPeerConnection({ iceServers: [] });
  state.pc = pc;
  pc.ontrack = (event) => {
    if (event.track.kind === "video") $("echo").srcObject = event.streams[0] || new MediaStream([event.track]);
  };
  try {
    await offerEcho(pc, stream, (id) => (state.sessionId = id));
  } catch (err) {
    if (!(err instanceof EchoRefused)) throw err;
    $("status").textContent = `サーバーが応答しません The server refused: ${err.status}`;
    $("start-check").disabled = false;
    return;
  }
  poll();
}

async function poll() {
  const sessionId = state.sessionId;
  await pollEcho(sessionId, {
    rounds: 30,
    current: () => Boolean(state.sessionId),
    onReport: (report) => {
      state.report = report;
      mark($("camera"), report.video_ok, "OK", "映像が届きません No video yet");
      mark($("mic"), report.audio_ok, "OK", "音声が届きません No audio yet");
      const rtt = report.round_trip_time_s;
      $("rtt").textContent = rtt == null ? "…" : `${Math.round(rtt * 1000)} ms`;
      const loss = worstLoss(report);
      $("loss").textContent = loss == null ? "…" : `${(loss * 100).toFixed(1)} %`;
      if (report.audio_ok && report.video_ok && rtt != null) {
        $("status").textContent = "確認できました All good";
        $("status").dataset.done = "true";
        return true;
      }
      return false;
    },
  });
  $("start-check").disabled = false;
}

$("start-check").addEventListener("click", start);
