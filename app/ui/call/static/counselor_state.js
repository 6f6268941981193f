// Counselor console: the page's state (the call, the case being logged, the queue, reference data) and names
// from the reference data.
export const state = { me: null, room: null, view: null, consultationId: null, recordCase: null, queue: [], ref: null };

export function languageName(code) {
  const lang = state.ref?.languages.find((l) => l.code === code);
  return lang ? `${lang.name_ja} ${lang.name_en}` : code;
}
export function topicName(code) {
  const topic = state.ref?.topics.find((t) => t.code === code);
  return topic ? `${topic.name_ja} ${topic.name_en}` : code;
}
