// The app websocket, shared by every screen: JSON frames, a heartbeat every 3 s, reconnect with jittered
// exponential back-off, and the server's clock learnt from the hello frame.

const HEARTBEAT_MS = 3000;
const MAX_BACKOFF_MS = 10000;

export function epochMs() {
  return performance.timeOrigin + performance.now();
}

// Times in frames (an offer's deadline, when a resident began waiting) are the server's; this device's own clock
// may be minutes off (or the server's clock set to another day in a demo). The hello frame carries the
// server's time, and countdowns and waits are measured against it.
let serverSkewMs = 0;
export function serverNowMs() {
  return epochMs() - serverSkewMs;
}
export function learnServerTime(iso) {
  const at = Date.parse(iso);
  if (!Number.isNaN(at)) serverSkewMs = epochMs() - at;
}

export function wsUrl(path = "/ws") {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}

// A websocket that reconnects with backoff, sends {"type":"heartbeat"} every 3 s and calls onMessage(obj).
// onClose(event) sees every close before the reconnect; calling close() there (say on 1008, the credential was
// taken away) stops reconnecting.
export class LiveSocket {
  constructor({ url = wsUrl(), onOpen = () => {}, onMessage = () => {}, onState = () => {}, onClose = () => {} } = {}) {
    this.url = url;
    this.onOpen = onOpen;
    this.onClose = onClose;
    this.onMessage = onMessage;
    this.onState = onState;
    this.ws = null;
    this.backoff = 500;
    this.closed = false;
    this.timer = null;
  }

  connect() {
    this.closed = false;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.backoff = 500;
      this.onState("open");
      clearInterval(this.timer);
      this.timer = setInterval(() => this.send({ type: "heartbeat" }), HEARTBEAT_MS);
      this.onOpen();
    };
    ws.onmessage = (event) => {
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (msg && msg.type === "hello" && msg.server_time) learnServerTime(msg.server_time);
      this.onMessage(msg);
    };
    ws.onclose = (event) => {
      clearInterval(this.timer);
      if (this.ws !== ws) return;
      this.onState("closed");
      this.onClose(event);
      if (this.closed) return;
      const wait = this.backoff * (0.75 + Math.random() / 2);
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
      setTimeout(() => {
        if (!this.closed) this.connect();
      }, wait);
    };
  }

  isOpen() {
    return Boolean(this.ws && this.ws.readyState === WebSocket.OPEN);
  }

  send(obj) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }

  close() {
    this.closed = true;
    clearInterval(this.timer);
    if (this.ws) this.ws.close();
  }
}

