// The console's chat list reloads when a resident opens a new machine-translated chat (the shared socket:
// heartbeat, back-off, and no reconnecting once the server closed it for a revoked sign-in).
import { LiveSocket } from "/assets/shared/live_socket.js";

const socket = new LiveSocket({
  onOpen: () => {
    document.body.dataset.live = "1";
  },
  onMessage: (frame) => {
    if (frame.type === "chat.opened") location.reload();
  },
  onClose: (event) => {
    if (event.code === 1008) socket.close();
  },
});
socket.connect();
