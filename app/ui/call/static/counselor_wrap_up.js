// Counselor console, wrap-up: after a call the desk offers this counselor nothing until the case record is
// saved or the desk's wrap-up limit passes. The console says so, with the time left, read from the roster.
import { $ } from "/assets/shared/dom.js";
import { serverNowMs } from "/assets/shared/live_socket.js";
import { state } from "/call/static/counselor_state.js";

let timer = null;

export function showWrapUp(queue) {
  const mine = (queue?.counselors || []).find((c) => `staff-${c.counselor_id}` === state.me);
  const until = mine && mine.state === "wrap_up" && mine.wrap_up_until ? Date.parse(mine.wrap_up_until) : null;
  const box = $("wrap-up");
  clearInterval(timer);
  if (!until) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const tick = () => {
    const left = Math.max(0, Math.round((until - serverNowMs()) / 1000));
    $("wrap-up-left").textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (left === 0) {
      clearInterval(timer);
      box.hidden = true; // the desk offers cases again
    }
  };
  tick();
  timer = setInterval(tick, 1000);
}
