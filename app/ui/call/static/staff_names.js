// Staff consoles: names instead of codes, Japanese first with the English small and secondary (lang="en").
// The reference data (/api/v1/languages, topics, municipalities, sites) carries name_ja and name_en; staff
// accounts have no language preference of their own, so every console writes Japanese with English.
import { getJson } from "/assets/shared/api.js";
import { el } from "/assets/shared/dom.js";

export const CHANNEL_NAMES = {
  counter: ["窓口", "Counter"],
  satellite: ["サテライト", "Satellite"],
  phone: ["電話", "Phone"],
  video: ["ビデオ", "Video"],
};

// The Japanese, then the English in a small span marked lang="en" (both are text: no markup is read).
export function bilingual(ja, en) {
  const node = el("span", { className: "bi" }, el("span", { lang: "ja" }, ja));
  if (en && en !== ja) node.append(" ", el("small", { lang: "en", className: "en" }, en));
  return node;
}

// A reference row's name, or the code itself (marked, so a missing name is visible) when the row is unknown.
export function nameOf(rows, code) {
  const row = (rows || []).find((r) => r.code === code);
  if (!row) return el("span", { className: "bi", dataset: { unnamed: "true" } }, code ?? "—");
  return bilingual(row.name_ja, row.name_en);
}

export function channelName(code) {
  const names = CHANNEL_NAMES[code];
  return names ? bilingual(...names) : el("span", { className: "bi", dataset: { unnamed: "true" } }, code ?? "—");
}

export async function loadReference() {
  const [languages, topics, municipalities, sites] = await Promise.all([
    getJson("/api/v1/languages"),
    getJson("/api/v1/topics"),
    getJson("/api/v1/municipalities"),
    getJson("/api/v1/sites"),
  ]);
  return { languages: languages || [], topics: topics || [], municipalities: municipalities || [], sites: sites || [] };
}
