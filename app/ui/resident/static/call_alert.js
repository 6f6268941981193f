// Telling a resident who looked away that their call is starting: a short tone, a vibration and the tab's
// title; and the screen kept awake while they wait and talk (a phone that locks itself would miss the call).
// Each piece is used only where the browser has it; none of them is needed for the call itself.
import { beep } from "/call/static/call.js";

let audio = null;
let lock = null;
let asking = null;
let wanted = false;
let savedTitle = null;

// An AudioContext made during a tap may sound later; one made without a tap stays silent on most phones.
export function primeSound() {
  if (audio || typeof AudioContext === "undefined") return;
  try {
    audio = new AudioContext();
  } catch (err) {
    console.warn("no audio for the call alert", err);
  }
}

export function alertCallStarting(title) {
  if (audio) {
    audio.resume?.().catch(() => {});
    beep(audio);
  }
  navigator.vibrate?.([300, 150, 300]);
  if (savedTitle === null) savedTitle = document.title;
  document.title = title;
}

export function restoreTitle() {
  if (savedTitle === null) return;
  document.title = savedTitle;
  savedTitle = null;
}

export async function keepAwake() {
  wanted = true;
  if (lock || asking || !navigator.wakeLock || document.visibilityState !== "visible") return;
  asking = navigator.wakeLock.request("screen");
  try {
    const got = await asking;
    if (!wanted) return void got.release().catch(() => {}); // the call ended while the browser was asked
    lock = got;
    got.addEventListener?.("release", () => {
      if (lock === got) lock = null;
    });
  } catch (err) {
    console.warn("screen wake lock refused", err); // low battery, or a browser policy: the page still works
  } finally {
    asking = null;
  }
}

export function letSleep() {
  wanted = false;
  release();
}

function release() {
  const held = lock;
  lock = null;
  held?.release().catch(() => {});
}

// The browser drops the lock when the page hides; it is asked for again when the resident comes back.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") {
    restoreTitle(); // the resident is looking again: the alert in the title has done its work
    if (wanted) keepAwake();
  } else {
    release();
  }
});
