// Madoguchi call client: mesh WebRTC rooms over the shared LiveSocket (re-exported here for the pages).
// Mesh convention: the newcomer sends signal.offer to every existing peer, existing peers
// answer; ICE candidates trickle through signal.ice. One RTCPeerConnection per remote participant.

export { LiveSocket, epochMs, learnServerTime, serverNowMs, wsUrl } from "/assets/shared/live_socket.js";
export { show } from "/assets/shared/dom.js";
import { epochMs } from "/assets/shared/live_socket.js";

// Camera and microphone; falls back to audio only when the camera cannot be opened.
export async function openMedia({ video = true } = {}) {
  if (video) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
      return { stream, audioOnly: false };
    } catch (err) {
      console.warn("camera unavailable, continuing with audio only", err);
    }
  }
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  return { stream, audioOnly: true };
}

// One call room over a LiveSocket. Hooks: onRemote(participantId, role, stream), onPeerGone(participantId),
// onClosed(reason), onMode(participantId, mode), onJoined(msg), onAudioOnly().
export class Room {
  constructor(socket, stream, hooks = {}) {
    this.socket = socket;
    this.stream = stream;
    this.hooks = hooks;
    this.roomId = null;
    this.consultationId = null;
    this.participantId = null;
    this.iceServers = [];
    this.peers = new Map(); // participantId -> {pc, role, pending: [], stream}
    this.audioOnly = !stream.getVideoTracks().length;
    this.joinedAt = null;
    for (const track of stream.getVideoTracks()) {
      track.addEventListener("ended", () => this.setAudioOnly());
    }
  }

  join(invite) {
    // a rejoin starts from scratch: connections of an earlier session are closed now, not on room.joined,
    // because a later joiner's signal.offer may overtake our room.joined (the server records the join in
    // the database before it answers, while it relays signals at once)
    for (const old of [...this.peers.keys()]) this.drop(old);
    this.invite = invite;
    this.roomId = invite.room_id;
    this.consultationId = invite.consultation_id;
    this.token = invite.token;
    this.socket.send({ type: "room.join", room_id: invite.room_id, token: invite.token });
  }

  // After the websocket reconnected: the server took us out of the room, so join again (the invitation's token
  // is valid for a couple of minutes; the others drop our old connection on room.peer_joined rejoined=true).
  rejoin() {
    if (this.invite && this.roomId) this.join(this.invite);
  }

  // Returns true when the frame belonged to this room.
  handle(msg) {
    if (!this.roomId || msg.room_id !== this.roomId) return false;
    switch (msg.type) {
      case "room.joined":
        this.onJoined(msg);
        break;
      case "room.peer_joined":
        if (msg.rejoined) this.drop(msg.participant_id);
        this.roles = { ...(this.roles || {}), [msg.participant_id]: msg.role };
        if (msg.display_name) this.names = { ...(this.names || {}), [msg.participant_id]: msg.display_name };
        break;
      case "room.peer_left":
        this.drop(msg.participant_id);
        this.hooks.onPeerGone?.(msg.participant_id, msg.reason);
        break;
      case "room.closed":
        this.shutdown();
        this.hooks.onClosed?.(msg.reason);
        break;
      case "signal.offer":
        this.onOffer(msg).catch((err) => console.error("offer failed", err));
        break;
      case "signal.answer":
        this.onAnswer(msg).catch((err) => console.error("answer failed", err));
        break;
      case "signal.ice":
        this.onIce(msg).catch((err) => console.error("ice failed", err));
        break;
      case "media.mode":
        this.hooks.onMode?.(msg.from, msg.mode);
        break;
      default:
        return false;
    }
    return true;
  }

  onJoined(msg) {
    this.participantId = msg.participant_id;
    this.iceServers = msg.ice_servers || [];
    this.joinedAt = epochMs();
    this.hooks.onJoined?.(msg);
    if (this.audioOnly || this.sendOff?.video) this.socket.send({ type: "media.mode", room_id: this.roomId, mode: "audio" });
    for (const peer of msg.peers) {
      if (peer.display_name) this.names = { ...(this.names || {}), [peer.participant_id]: peer.display_name };
      if (peer.mode === "audio") this.hooks.onMode?.(peer.participant_id, "audio");
      const known = this.peers.get(peer.participant_id);
      if (known) {
        known.role ||= peer.role; // they offered first (see join()); their connection is the one
        continue;
      }
      this.call(peer.participant_id, peer.role).catch((err) => console.error("call failed", err));
    }
  }

  peer(participantId, role) {
    let entry = this.peers.get(participantId);
    if (entry) return entry;
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    entry = { pc, role: role || this.roles?.[participantId] || "", pending: [], stream: null };
    this.peers.set(participantId, entry);
    for (const track of this.stream.getTracks()) pc.addTrack(track, this.stream);
    this.applySending(pc); // joined while muted or with the camera off: nothing leaves for the newcomer
    pc.onconnectionstatechange = () => this.hooks.onConnection?.(participantId, pc.connectionState);
    pc.onicecandidate = (event) => {
      if (!event.candidate || !event.candidate.candidate) return;
      const c = event.candidate;
      const frame = { type: "signal.ice", room_id: this.roomId, to: participantId, candidate: c.candidate };
      if (c.sdpMid !== null && c.sdpMid !== undefined) frame.sdpMid = c.sdpMid;
      if (c.sdpMLineIndex !== null && c.sdpMLineIndex !== undefined) frame.sdpMLineIndex = c.sdpMLineIndex;
      this.socket.send(frame);
    };
    pc.ontrack = (event) => {
      const stream = event.streams[0] || new MediaStream([event.track]);
      entry.stream = stream;
      this.hooks.onRemote?.(participantId, entry.role, stream, this.names?.[participantId] || "");
    };
    return entry;
  }

  async call(participantId, role) {
    const { pc } = this.peer(participantId, role);
    // without a camera we still want to see the others: offer to receive video anyway
    if (!this.stream.getVideoTracks().length) pc.addTransceiver("video", { direction: "recvonly" });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.socket.send({ type: "signal.offer", room_id: this.roomId, to: participantId, sdp: pc.localDescription.sdp });
  }

  async onOffer(msg) {
    if (this.peers.has(msg.from)) this.drop(msg.from); // a fresh offer means a fresh connection
    const entry = this.peer(msg.from);
    await entry.pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
    await this.flush(entry);
    const answer = await entry.pc.createAnswer();
    await entry.pc.setLocalDescription(answer);
    this.socket.send({ type: "signal.answer", room_id: this.roomId, to: msg.from, sdp: entry.pc.localDescription.sdp });
  }

  async onAnswer(msg) {
    const entry = this.peers.get(msg.from);
    if (!entry || entry.pc.signalingState !== "have-local-offer") return;
    await entry.pc.setRemoteDescription({ type: "answer", sdp: msg.sdp });
    await this.flush(entry);
  }

  async onIce(msg) {
    const entry = this.peers.get(msg.from);
    if (!entry) return;
    const candidate = { candidate: msg.candidate, sdpMid: msg.sdpMid ?? null, sdpMLineIndex: msg.sdpMLineIndex ?? null };
    if (!entry.pc.remoteDescription) {
      entry.pending.push(candidate);
      return;
    }
    await entry.pc.addIceCandidate(candidate);
  }

  async flush(entry) {
    const pending = entry.pending.splice(0);
    for (const candidate of pending) await entry.pc.addIceCandidate(candidate);
  }

  drop(participantId) {
    const entry = this.peers.get(participantId);
    if (!entry) return;
    entry.pc.close();
    this.peers.delete(participantId);
    this.hooks.onConnection?.(participantId, "closed");
    this.hooks.onPeerGone?.(participantId, "dropped");
  }

  // Audio only: stop the camera (saves bandwidth and CPU) and tell the others.
  setAudioOnly() {
    if (this.audioOnly && !this.stream.getVideoTracks().some((t) => t.readyState === "live")) return;
    this.audioOnly = true;
    for (const track of this.stream.getVideoTracks()) {
      track.enabled = false;
      track.stop();
    }
    if (this.roomId) this.socket.send({ type: "media.mode", room_id: this.roomId, mode: "audio" });
    this.hooks.onAudioOnly?.();
  }

  // Mute or camera off: the sender sends nothing at all (replaceTrack(null)), not silence or black frames, so the
  // others' inbound bytes stop and the local track stays open for the level meter and for turning back on.
  async setSending(kind, on) {
    this.sendOff = { ...(this.sendOff || {}), [kind]: !on };
    await Promise.all([...this.peers.values()].map((entry) => this.applySending(entry.pc)));
    if (kind === "video" && !this.audioOnly && this.roomId) {
      this.socket.send({ type: "media.mode", room_id: this.roomId, mode: on ? "video" : "audio" });
    }
  }

  applySending(pc) {
    const jobs = pc.getTransceivers().map((t) => {
      const kind = t.receiver.track?.kind;
      const own = this.stream.getTracks().find((track) => track.kind === kind);
      if (!own || t.direction === "recvonly") return null;
      const want = this.sendOff?.[kind] ? null : own;
      return t.sender.track === want ? null : t.sender.replaceTrack(want);
    });
    return Promise.all(jobs.filter(Boolean));
  }

  leave() {
    if (this.roomId) this.socket.send({ type: "room.leave", room_id: this.roomId });
    this.shutdown();
  }

  shutdown() {
    for (const id of [...this.peers.keys()]) this.drop(id);
    this.roomId = null;
    this.invite = null;
  }

  // Per remote participant: inbound-rtp bytes and decoded frames (audio and video), for tests and the UI.
  async stats() {
    const out = {};
    for (const [participantId, entry] of this.peers) {
      const figures = {
        role: entry.role,
        connection: entry.pc.connectionState,
        audioBytes: 0,
        videoBytes: 0,
        framesDecoded: 0,
        packetsLost: 0,
        sentAudioBytes: 0, // outbound-rtp: what this screen sends to them (mute and camera off stop it)
        sentVideoBytes: 0,
        framesSent: 0,
      };
      const report = await entry.pc.getStats();
      report.forEach((s) => {
        if (s.type === "outbound-rtp") {
          if (s.kind === "audio") figures.sentAudioBytes += s.bytesSent || 0;
          if (s.kind === "video") {
            figures.sentVideoBytes += s.bytesSent || 0;
            figures.framesSent += s.framesSent || 0;
          }
        }
        if (s.type !== "inbound-rtp") return;
        if (s.kind === "audio") figures.audioBytes += s.bytesReceived || 0;
        if (s.kind === "video") {
          figures.videoBytes += s.bytesReceived || 0;
          figures.framesDecoded += s.framesDecoded || 0;
        }
        figures.packetsLost += s.packetsLost || 0;
      });
      out[participantId] = figures;
    }
    return out;
  }
}

// Shared call view: remote <video> tiles in `grid`, the local preview, and the state hooks for window.madoguchiCall.
// `label(role, name)` names a tile: a string, a node or an array of them (default: Japanese and English, for
// staff). Options: `audioNote()` the words after a tile's label when that person sends voice only, and
// `onReconnecting(bool)` when the link (the socket, or a peer connection) drops and when it is whole again.
// The main picture (`data-main`) is the interpreter, else the counselor, else whoever came first.
const MAIN_ORDER = ["interpreter", "counselor"];
const BROKEN = ["disconnected", "failed"];
export function callView(grid, stream, preview, label = roleLabel, options = {}) {
  if (preview) {
    preview.srcObject = stream;
    preview.muted = true;
  }
  const tiles = new Map();
  const firstFrames = {};
  const modes = {};
  const links = new Map(); // participantId -> RTCPeerConnection.connectionState
  let socketOpen = true;
  let reconnecting = false;
  const audioNote = options.audioNote || (() => Object.assign(document.createElement("span"), { lang: "ja", textContent: " — 音声のみ audio only" }));
  const caption = (tile) => {
    const parts = [].concat(label(tile.dataset.role, tile.dataset.name || ""));
    if (tile.dataset.mode === "audio") parts.push(audioNote());
    tile.querySelector("figcaption").replaceChildren(...parts);
  };
  const pickMain = () => {
    const all = [...tiles.values()];
    const main = MAIN_ORDER.map((role) => all.find((t) => t.dataset.role === role)).find(Boolean) || all[0];
    for (const tile of all) tile.dataset.main = String(tile === main);
    grid.dataset.count = String(all.length);
  };
  const judge = () => {
    const now = !socketOpen || [...links.values()].some((s) => BROKEN.includes(s));
    if (now === reconnecting) return;
    reconnecting = now;
    options.onReconnecting?.(now);
  };
  const view = {
    firstFrames,
    onRemote(participantId, role, remote, name = "") {
      let tile = tiles.get(participantId);
      if (!tile) {
        tile = document.createElement("figure");
        tile.className = "tile";
        tile.dataset.participant = participantId;
        tile.dataset.role = role;
        tile.dataset.mode = modes[participantId] || "video";
        if (name) tile.dataset.name = name;
        const video = document.createElement("video");
        video.autoplay = true;
        video.playsInline = true;
        video.muted = Boolean(view.speakerOff);
        tile.append(video, document.createElement("figcaption"));
        grid.append(tile);
        tiles.set(participantId, tile);
        caption(tile);
        pickMain();
      }
      const video = tile.querySelector("video");
      if (video.srcObject !== remote) {
        video.srcObject = remote;
        // first decoded remote frame per participant (epoch ms, comparable across pages), for the benchmark
        const mark = () => {
          firstFrames[participantId] ??= epochMs();
        };
        video.requestVideoFrameCallback?.(mark);
        video.addEventListener("loadeddata", mark, { once: true });
      }
      video.play().catch(() => {});
    },
    onMode(participantId, mode) {
      modes[participantId] = mode; // may come before their media does
      const tile = tiles.get(participantId);
      if (!tile) return;
      tile.dataset.mode = mode;
      caption(tile);
    },
    onPeerGone(participantId) {
      tiles.get(participantId)?.remove();
      tiles.delete(participantId);
      pickMain();
    },
    onConnection(participantId, connection) {
      if (connection === "closed") links.delete(participantId);
      else links.set(participantId, connection);
      judge();
    },
    setLink(open) {
      socketOpen = open;
      judge();
    },
    // the speaker control: every remote picture's sound on or off (and tiles that come later follow it)
    setSpeaker(on) {
      view.speakerOff = !on;
      for (const tile of tiles.values()) tile.querySelector("video").muted = !on;
    },
    clear() {
      for (const tile of tiles.values()) tile.remove();
      tiles.clear();
      links.clear();
      socketOpen = true;
      judge();
    },
  };
  return view;
}

// A name is written as its owner writes it: marked Japanese when it is, otherwise of no stated language.
export function personName(name) {
  const japanese = /[\u3040-\u30ff\u3400-\u9fff]/.test(name);
  return Object.assign(document.createElement("span"), { className: "name", lang: japanese ? "ja" : "", textContent: name });
}
export function roleLabel(role) {
  return (
    {
      interpreter: "通訳者 Interpreter",
      counselor: "相談員 Counselor",
      counter_tablet: "窓口 Counter",
      resident: "相談者 Resident",
      phone: "電話 Phone",
    }[role] || role || ""
  );
}

// A short two-tone ring on the WebAudio API (no audio file).
export function beep(ctx) {
  const now = ctx.currentTime;
  for (const [i, freq] of [880, 660].entries()) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(0.2, now + i * 0.25 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.25 + 0.22);
    osc.connect(gain).connect(ctx.destination);
    osc.start(now + i * 0.25);
    osc.stop(now + i * 0.25 + 0.24);
  }
}

/**
 * Join the call of a room invitation on one screen: media, tiles and the mesh Room, kept on `state`
 * (`state.room`, `state.view`, `state.callRoomId`) so every console tears calls down the same way.
 * Returns false for a repeated invitation to the call already joined.
 */
export async function joinCall(
  state,
  socket,
  invite,
  { remotes, preview, onClosed, onAudioOnly, media, label, audioNote, onReconnecting, level },
) {
  state.invites = (state.invites || 0) + 1;
  if (state.callRoomId === invite.room_id) return false;
  if (state.room) leaveCall(state);
  state.callRoomId = invite.room_id;
  const { stream, audioOnly } = await (media || openMedia());
  state.view = callView(remotes, stream, preview, label, { audioNote, onReconnecting });
  state.room = new Room(socket, stream, {
    onRemote: state.view.onRemote,
    onPeerGone: state.view.onPeerGone,
    onMode: state.view.onMode,
    onConnection: state.view.onConnection,
    onClosed,
    onAudioOnly,
  });
  state.controls?.reset();
  if (level) state.stopLevel = levelMeter(stream, level);
  if (audioOnly) onAudioOnly();
  state.room.join(invite);
  return true;
}

/** Close this screen's side of the call: peer connections, camera and microphone, tiles. */
export function leaveCall(state) {
  if (state.room) {
    state.room.shutdown();
    for (const t of state.room.stream.getTracks()) t.stop();
  }
  state.view?.clear();
  state.stopLevel?.();
  state.stopLevel = null;
  state.room = null;
}

/** The call is over for this screen: a later invitation to the same room is a new call. */
export function endCall(state) {
  state.callRoomId = null;
  leaveCall(state);
}

/**
 * The resident's call controls, bound once per page: mute, camera and speaker are toggle buttons
 * (aria-pressed="true" = muted / camera off / speaker off) acting on whatever call `state` holds when tapped.
 * Returns {reset}: every new call starts with the microphone, camera and speaker on.
 */
export function callControls(state, { mic, camera, speaker, preview }) {
  const toggle = (button, act) => {
    button.addEventListener("click", () => {
      if (!state.room) return;
      const off = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", String(off));
      act(off);
    });
  };
  toggle(mic, (off) => state.room.setSending("audio", !off));
  toggle(camera, (off) => {
    state.room.setSending("video", !off);
    if (preview) preview.dataset.camera = off ? "off" : "on";
  });
  toggle(speaker, (off) => state.view?.setSpeaker(!off));
  const controls = {
    reset() {
      for (const button of [mic, camera, speaker]) button.setAttribute("aria-pressed", "false");
      if (preview) preview.dataset.camera = "on";
    },
  };
  state.controls = controls;
  return controls;
}

/**
 * A microphone level on a <meter> (0..1): an AnalyserNode on the local stream, read ten times a second, so the
 * resident sees that the microphone hears them. A <meter> needs no inline style (the CSP forbids those).
 * Returns the function that stops it.
 */
export function levelMeter(stream, meter) {
  const track = stream.getAudioTracks()[0];
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!track || !Context) return () => {};
  const ctx = new Context();
  ctx.resume().catch(() => {});
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const v of samples) sum += v * v;
    const rms = Math.sqrt(sum / samples.length);
    meter.value = Math.min(1, rms * 4); // speech at a normal distance sits around 0.05..0.2 rms
  }, 100);
  return () => {
    clearInterval(timer);
    meter.value = 0;
    ctx.close().catch(() => {});
  };
}
