// Counselor console, own recent cases: what this counselor handled, and whether it is logged yet.
import { latestReader } from "/assets/shared/api.js";
import { $, el, show } from "/assets/shared/dom.js";
import { CHANNEL, OUTCOME, localTime } from "/call/static/counselor_labels.js";
import { languageName, state } from "/call/static/counselor_state.js";
import { openRecord } from "/call/static/counselor_record.js";

const readOwn = latestReader("/api/v1/console/own-cases?limit=20");
export async function refreshOwn() {
  const data = await readOwn();
  if (!data) return;
  const rows = data.items.map((c) =>
    el(
      "tr",
      { dataset: { consultation: c.id, recorded: String(c.recorded) } },
      el("td", {}, localTime(c.requested_at)),
      el("td", {}, CHANNEL[c.channel] || c.channel),
      el("td", {}, languageName(c.language)),
      el("td", { className: "topics" }, c.topics.map((t) => state.ref.topics.find((x) => x.code === t)?.name_ja || t).join("、") || "—"),
      el("td", { className: "outcome" }, c.outcome ? OUTCOME[c.outcome] : "未記録 Not logged"),
      el("td", {}, el("button", { type: "button", className: "log", onclick: () => openRecord(c.id) }, "記録 Log")),
    ),
  );
  $("recent").replaceChildren(...rows);
  show($("recent-empty"), rows.length === 0);
}
