// Device check panel: send camera and microphone to the server's echo, show the echo and the server's figures.
// One panel, two homes: the device check page (ids as written) and the interpreter console (ids prefixed
// "dc-"), so a staff member can check before going available without leaving the console.
import { $ } from "/assets/shared/dom.js";
import { EchoRefused, closeEcho, offerEcho, pollEcho, worstLoss } from "/assets/shared/device_check.js";

function mark(el, ok, yes, no) {
  el.dataset.ok = ok ? "true" : "false";
  el.textContent = ok ? yes : no;
}

// Wires the panel whose element ids start with `prefix`; returns its state and a stop() that lets the camera go.
export function installDeviceCheck(prefix = "") {
  const q = (id) => $(prefix + id);
  const state = { sessionId: null, report: null, pc: null, stream: null };

  async function start() {
    q("start-check").disabled = true;
    q("status").dataset.done = "";
    q("status").textContent = "確認中 Checking…";
    await stop();
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    } catch (err) {
      q("status").textContent = `カメラ・マイクを開けません Cannot open camera/microphone: ${err.name}`;
      q("start-check").disabled = false;
      return;
    }
    state.stream = stream;
    q("local").srcObject = stream;
    const pc = new RTCPeerConnection({ iceServers: [] });
    state.pc = pc;
    pc.ontrack = (event) => {
      if (event.track.kind === "video") q("echo").srcObject = event.streams[0] || new MediaStream([event.track]);
    };
    try {
      await offerEcho(pc, stream, (id) => (state.sessionId = id));
    } catch (err) {
      if (!(err instanceof EchoRefused)) throw err;
      q("status").textContent = `サーバーが応答しません The server refused: ${err.status}`;
      q("start-check").disabled = false;
      return;
    }
    poll();
  }

  async function poll() {
    const sessionId = state.sessionId;
    await pollEcho(sessionId, {
      rounds: 30,
      current: () => state.sessionId === sessionId,
      onReport: (report) => {
        state.report = report;
        mark(q("camera"), report.video_ok, "OK", "映像が届きません No video yet");
        mark(q("mic"), report.audio_ok, "OK", "音声が届きません No audio yet");
        const rtt = report.round_trip_time_s;
        q("rtt").textContent = rtt == null ? "…" : `${Math.round(rtt * 1000)} ms`;
        const loss = worstLoss(report);
        q("loss").textContent = loss == null ? "…" : `${(loss * 100).toFixed(1)} %`;
        if (report.audio_ok && report.video_ok && rtt != null) {
          q("status").textContent = "確認できました All good";
          q("status").dataset.done = "true";
          return true;
        }
        return false;
      },
    });
    q("start-check").disabled = false;
  }

  async function stop() {
    const sessionId = state.sessionId;
    state.sessionId = null;
    if (sessionId) await closeEcho(sessionId);
    state.pc?.close();
    state.pc = null;
    for (const track of state.stream?.getTracks() || []) track.stop();
    state.stream = null;
  }

  q("start-check").addEventListener("click", start);
  return { state, stop };
}

// The device check page itself (its button has no prefix); on the console the panel is installed by the console.
if ($("start-check")) {
  const { state } = installDeviceCheck();
  window.madoguchiCall = { state };
  $("link").textContent = "";
}
