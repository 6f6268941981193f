// The device check's client, shared by the staff check page and the resident page: send camera and
// microphone to the server's echo (POST /api/v1/device-check), then read the server's figures once a second.

export class EchoRefused extends Error {
  constructor(status) {
    super(`device check refused: ${status}`);
    this.status = status;
  }
}

// Resolves when ICE gathering is complete, or after 3 s with the candidates there are.
export function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (pc.iceGatheringState === "complete") {
        pc.removeEventListener("icegatheringstatechange", check);
        resolve();
      }
    };
    pc.addEventListener("icegatheringstatechange", check);
    setTimeout(resolve, 3000);
  });
}

// Offer `stream` to the echo over `pc`; onSession(id) hears the session before the answer is applied.
export async function offerEcho(pc, stream, onSession = () => {}) {
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const response = await fetch("/api/v1/device-check", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type: "offer", sdp: pc.localDescription.sdp }),
  });
  if (!response.ok) throw new EchoRefused(response.status);
  const answer = await response.json();
  onSession(answer.session_id);
  await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  return answer.session_id;
}

// Read the session's report once a second, at most `rounds` times, while `current()` holds; stops when
// onReport(report) returns true or the server no longer knows the session.
export async function pollEcho(sessionId, { rounds, current = () => true, onReport }) {
  for (let i = 0; i < rounds && current(); i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const reply = await fetch(`/api/v1/device-check/${sessionId}`);
    if (!reply.ok) return;
    if (onReport(await reply.json())) return;
  }
}

// The worst loss ratio of the report's audio and video, or null before there are figures.
export function worstLoss(report) {
  const losses = [report.audio?.loss_ratio, report.video?.loss_ratio].filter((x) => x != null);
  return losses.length ? Math.max(...losses) : null;
}

export function closeEcho(sessionId) {
  return fetch(`/api/v1/device-check/${sessionId}`, { method: "DELETE" });
}
