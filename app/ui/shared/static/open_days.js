// The desk's open days in a language, e.g. "Monday – Friday" or "Monday, Tuesday and Saturday": runs of three
// days or more as a range. Names, list and range punctuation are the browser's CLDR data (Babel's on the server,
// app/i18n/runtime.py format_days), never written here.
const ORDER = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export function formatDays(days, lang) {
  const picked = ORDER.flatMap((day, i) => ((days || []).includes(day) ? [i] : []));
  const monday = Date.UTC(2024, 0, 1, 12); // any Monday: only the weekday's name is used
  const at = (i) => new Date(monday + i * 86400000);
  const names = new Intl.DateTimeFormat(lang, { weekday: "long", timeZone: "UTC" });
  const runs = [];
  for (const i of picked) {
    const run = runs[runs.length - 1];
    if (run && i === run[run.length - 1] + 1) run.push(i);
    else runs.push([i]);
  }
  const parts = runs.flatMap((run) =>
    run.length >= 3 ? [names.formatRange(at(run[0]), at(run[run.length - 1]))] : run.map((i) => names.format(at(i))),
  );
  return new Intl.ListFormat(lang, { style: "long", type: "conjunction" }).format(parts);
}
