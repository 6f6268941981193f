// Counselor console, the live queue and availability per language (refreshed on the desk's queue.changed).
import { getJson } from "/assets/shared/api.js";
import { $, el, show } from "/assets/shared/dom.js";
import { AVAILABILITY, CHANNEL, QUEUE_STATE, estimate, minutesSince } from "/call/static/counselor_labels.js";
import { languageName, state } from "/call/static/counselor_state.js";
import { showWrapUp } from "/call/static/counselor_wrap_up.js";

let queueTimer = null;
export function refreshQueue() {
  clearTimeout(queueTimer); // coalesce bursts of queue.changed
  queueTimer = setTimeout(async () => {
    const [queue, availability] = await Promise.all([getJson("/api/v1/queue"), getJson("/api/v1/availability")]);
    if (queue) state.queue = queue.queue || [];
    showWrapUp(queue);
    if (availability) state.availability = availability;
    renderQueue();
  }, 150);
}

let rendered = "";
export function renderQueue() {
  // rebuild only when something changed: rows replaced under a reader (or a check) lose their place
  const key = JSON.stringify([state.queue, state.availability, Boolean(state.ref)]);
  if (key === rendered) return;
  rendered = key;
  const rows = state.queue.map((entry, i) =>
    el(
      "tr",
      { dataset: { consultation: entry.request_id, language: entry.language } },
      el("td", {}, String(i + 1)),
      el("td", {}, languageName(entry.language)),
      el("td", {}, CHANNEL[entry.channel] || entry.channel || ""),
      el("td", { className: "waited", dataset: { since: entry.waiting_since } }, minutesSince(entry.waiting_since)),
      el("td", {}, entry.reoffer ? "通話中・通訳待ち In a call, needs an interpreter" : QUEUE_STATE[entry.state] || entry.state),
      el(
        "td",
        {},
        entry.reoffer
          ? ""
          : el("button", { type: "button", className: "remove", dataset: { remove: entry.request_id } }, "待ちから外す Remove"),
      ),
    ),
  );
  $("queue").replaceChildren(...rows);
  show($("queue-empty"), rows.length === 0);
  const waiting = {};
  for (const entry of state.queue) {
    const w = (waiting[entry.language] ||= { count: 0, since: entry.waiting_since });
    w.count += 1;
    if (entry.waiting_since < w.since) w.since = entry.waiting_since;
  }
  const languages = (state.availability || []).map((a) => {
    const w = waiting[a.language];
    return el(
      "tr",
      { dataset: { language: a.language, count: String(w ? w.count : 0) } },
      el("td", {}, languageName(a.language)),
      el("td", { className: "count" }, w ? `${w.count}人` : "0"),
      el("td", { className: "waited", dataset: w ? { since: w.since } : {} }, w ? minutesSince(w.since) : "—"),
      el("td", {}, estimate(a.estimated_wait_s)),
      el("td", { className: "avail", dataset: { status: a.status } }, AVAILABILITY[a.status] || a.status),
    );
  });
  $("languages-live").replaceChildren(...languages);
}

// The waits tick every second; the queue is read again every 30 s since the clock opens and closes languages.
export function installQueue() {
  setInterval(() => {
    for (const cell of document.querySelectorAll("td.waited[data-since]")) {
      const text = minutesSince(cell.dataset.since);
      if (cell.textContent !== text) cell.textContent = text;
    }
  }, 1000);
  setInterval(refreshQueue, 30000); // the clock opens and closes languages too
}
