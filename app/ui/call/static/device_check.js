// Device check: send camera and microphone to the server's echo, show the echo and the server's figures.
const $ = (id) => document.getElementById(id);
const state = { sessionId: null, report: null, pc: null };
window.madoguchiCall = { state };
$("link").textContent = "";

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (pc.iceGatheringState === "complete") {
        pc.removeEventListener("icegatheringstatechange", check);
        resolve();
      }
    };
    pc.addEventListener("icegatheringstatechange", check);
    setTimeout(resolve, 3000); // use what we have
  });
}

function mark(el, ok, yes, no) {
  el.dataset.ok = ok ? "true" : "false";
  el.textContent = ok ? yes : no;
}

async function start() {
  $("start-check").disabled = true;
  $("status").textContent = "確認中 Checking…";
  if (state.sessionId) await fetch(`/api/v1/device-check/${state.sessionId}`, { method: "DELETE" });
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
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  pc.ontrack = (event) => {
    if (event.track.kind === "video") $("echo").srcObject = event.streams[0] || new MediaStream([event.track]);
  };
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const response = await fetch("/api/v1/device-check", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type: "offer", sdp: pc.localDescription.sdp }),
  });
  if (!response.ok) {
    $("status").textContent = `サーバーが応答しません The server refused: ${response.status}`;
    $("start-check").disabled = false;
    return;
  }
  const answer = await response.json();
  state.sessionId = answer.session_id;
  await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  poll();
}

async function poll() {
  for (let i = 0; i < 30 && state.sessionId; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const response = await fetch(`/api/v1/device-check/${state.sessionId}`);
    if (!response.ok) break;
    const report = await response.json();
    state.report = report;
    mark($("camera"), report.video_ok, "OK", "映像が届きません No video yet");
    mark($("mic"), report.audio_ok, "OK", "音声が届きません No audio yet");
    const rtt = report.round_trip_time_s;
    $("rtt").textContent = rtt == null ? "…" : `${Math.round(rtt * 1000)} ms`;
    const losses = [report.audio?.loss_ratio, report.video?.loss_ratio].filter((x) => x != null);
    $("loss").textContent = losses.length ? `${(Math.max(...losses) * 100).toFixed(1)} %` : "…";
    if (report.audio_ok && report.video_ok && rtt != null) {
      $("status").textContent = "確認できました All good";
      $("status").dataset.done = "true";
      break;
    }
  }
  $("start-check").disabled = false;
}

$("start-check").addEventListener("click", start);
