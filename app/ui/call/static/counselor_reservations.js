// Counselor console, reservations starting within four hours (hidden where there is no reservations service).
import { api } from "/assets/shared/api.js";
import { $, el, show } from "/assets/shared/dom.js";
import { CHANNEL, localTime } from "/call/static/counselor_labels.js";
import { languageName } from "/call/static/counselor_state.js";

export async function refreshReservations() {
  const response = await api("/api/v1/reservations/upcoming?within_minutes=240");
  if (!response.ok) return show($("reservations-panel"), false); // no reservations service here
  const items = await response.json();
  show($("reservations-panel"), true);
  const rows = items.map((r) =>
    el(
      "li",
      { dataset: { reservation: r.code } },
      `${localTime(r.starts_at)} ${languageName(r.language)} — ${CHANNEL[r.channel] || r.channel}` +
        (r.interpreter_name ? ` (${r.interpreter_name})` : "") +
        (r.joined ? " ✓ 入室済 joined" : ` あと${r.minutes_to_start}分 in ${r.minutes_to_start} min`),
    ),
  );
  $("reservations").replaceChildren(...(rows.length ? rows : [el("li", { className: "note" }, "予約なし None")]));
}

export function installReservations() {
  setInterval(refreshReservations, 60000);
}
