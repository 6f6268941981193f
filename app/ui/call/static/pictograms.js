// Topic pictograms for the counter tablet: one hand-drawn inline SVG per topic code of the reference data
// (/api/v1/topics). Line drawings on a 48x48 grid in currentColor, so they follow the button's colour; each
// is decorative (aria-hidden): the topic's name from the catalogue is the button's visible label.

const P = {
  // residence card: a card with a portrait and text lines
  residence:
    '<rect x="5" y="11" width="38" height="26" rx="3"/><circle cx="15" cy="21" r="4"/>' +
    '<path d="M9 32c1-4 4-6 6-6s5 2 6 6M26 19h12M26 25h12M26 31h8"/>',
  // employment: a briefcase
  employment:
    '<rect x="6" y="15" width="36" height="24" rx="3"/><path d="M18 15v-4a2 2 0 0 1 2-2h8a2 2 0 0 1 2 2v4"/>' +
    '<path d="M6 25h36M22 25v4h4v-4"/>',
  // medical: a cross in a rounded square
  medical:
    '<rect x="6" y="6" width="36" height="36" rx="6"/><path d="M20 13h8v7h7v8h-7v7h-8v-7h-7v-8h7z"/>',
  // welfare: a heart held in an open hand
  welfare:
    '<path d="M24 24c-5-4-9-7-9-11a4.5 4.5 0 0 1 9-1 4.5 4.5 0 0 1 9 1c0 4-4 7-9 11z"/>' +
    '<path d="M4 32h8l8 4h10a3 3 0 0 0 0-6h-8M30 30l9-4a3 3 0 0 1 3 5l-12 8H16l-4-2H4"/>',
  // childbirth and childcare: a pram
  childcare:
    '<path d="M8 12h6l4 14h20a12 12 0 0 0-12-12h-2v12"/><path d="M18 26a10 6 0 0 0 20 0"/>' +
    '<circle cx="20" cy="38" r="4"/><circle cx="36" cy="38" r="4"/>',
  // children's education: a school bag
  education:
    '<rect x="10" y="14" width="28" height="28" rx="5"/><path d="M18 14v-3a6 6 0 0 1 12 0v3"/>' +
    '<path d="M10 24h28M20 24v5h8v-5"/>',
  // social insurance and pension: an umbrella
  social_insurance:
    '<path d="M4 24a20 16 0 0 1 40 0c-3-3-7-3-10 0-3-3-7-3-10 0-3-3-7-3-10 0-3-3-7-3-10 0z"/>' +
    '<path d="M24 8v-3M24 24v14a4 4 0 0 1-8 0"/>',
  // tax: a coin with the yen sign
  tax: '<circle cx="24" cy="24" r="18"/><path d="M16 13l8 11 8-11M24 24v12M17 25h14M17 31h14"/>',
  // housing: a house with a door and window
  housing:
    '<path d="M5 23L24 7l19 16"/><path d="M10 19v22h28V19"/><path d="M20 41V29h8v12"/>' +
    '<rect x="29" y="23" width="6" height="5"/>',
  // family and marriage: two adults and a child
  family:
    '<circle cx="14" cy="11" r="4"/><circle cx="34" cy="11" r="4"/><circle cx="24" cy="24" r="3"/>' +
    '<path d="M7 40V24a7 7 0 0 1 14 0v16M27 40V24a7 7 0 0 1 14 0v16M20 40v-6a4 4 0 0 1 8 0v6"/>',
  // learning Japanese: an open book with a pencil
  japanese_learning:
    '<path d="M24 14c-5-4-12-4-18-3v26c6-1 13-1 18 3 5-4 12-4 18-3V11c-6-1-13-1-18 3z"/>' +
    '<path d="M24 14v26"/><path d="M11 19h8M11 25h8M29 19h8M29 25h8"/>',
  // disaster prevention: a warning triangle
  disaster:
    '<path d="M24 5L44 41H4z"/><path d="M24 17v12"/><circle cx="24" cy="35" r="1.5" fill="currentColor"/>',
  // transport and driving licence: a car
  transport:
    '<path d="M6 32v-7l5-10h26l5 10v7z"/><path d="M6 25h36"/><circle cx="14" cy="34" r="4"/>' +
    '<circle cx="34" cy="34" r="4"/><path d="M14 15l-2 10M34 15l2 10"/>',
  // interpretation and translation: two speech bubbles
  interpretation:
    '<path d="M4 8h22v14H14l-6 5v-5H4z"/><path d="M22 26h22v14h-4v5l-6-5H22z"/>' +
    '<path d="M9 13h12M9 17h8M27 31h12M27 35h8"/>',
  // general administrative procedures: a form with a tick
  general_admin:
    '<path d="M11 5h18l8 8v30H11z"/><path d="M29 5v8h8"/><path d="M16 20h16M16 26h16"/>' +
    '<path d="M17 34l4 4 8-8"/>',
  // other: three dots in a speech bubble
  other:
    '<path d="M6 10h36v24H20l-8 7v-7H6z"/><circle cx="16" cy="22" r="2" fill="currentColor"/>' +
    '<circle cx="24" cy="22" r="2" fill="currentColor"/><circle cx="32" cy="22" r="2" fill="currentColor"/>',
};

/** The SVG element for a topic code (the "other" drawing for a code added to the data later). */
export function pictogram(code) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 48 48");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "2.5");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  svg.classList.add("pictogram");
  svg.dataset.topic = code in P ? code : "other";
  svg.innerHTML = P[code] || P.other;
  return svg;
}

export const PICTOGRAM_TOPICS = Object.keys(P);
