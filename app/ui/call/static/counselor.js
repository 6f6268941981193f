// Counselor console: presence (being available is how a consultation is taken), the call, the live queue and
// availability per language (refreshed on the desk's websocket pushes), reservations starting soon, the case
// record after the call (PATCH /record, field errors next to the fields), phone consultations and own cases.
import { LiveSocket, endCall, joinCall, serverNowMs, show } from "/call/static/call.js";

const $ = (id) => document.getElementById(id);
const page = JSON.parse($("page-data").textContent);
const state = { room: null, view: null, consultationId: null, recordCase: null, queue: [], ref: null };
window.madoguchiCall = {
  state,
  stats: async () => (state.room ? state.room.stats() : {}),
  firstFrames: () => (state.view ? state.view.firstFrames : {}),
};

// --- labels: Japanese first, English after ------------------------------------------------------------------
const CHANNEL = { counter: "窓口 Counter", satellite: "サテライト Satellite", phone: "電話 Phone", video: "ビデオ Video" };
const AVAILABILITY = {
  available_now: "今すぐ Now",
  book_ahead: "予約 Book ahead",
  closed: "時間外 Closed",
};
const QUEUE_STATE = { waiting: "待機中 Waiting", offered: "通訳者呼出中 Ringing interpreter" };
const OUTCOME = {
  "": "未選択 Not set",
  resolved: "解決 Resolved",
  referred: "他機関へ紹介 Referred",
  follow_up: "継続対応 Follow-up",
  abandoned: "中断 Abandoned",
};
const ATTRIBUTES = {
  residence_status_group: {
    label: "在留資格 Residence status",
    values: {
      not_asked: "未確認 Not asked",
      permanent_resident: "永住者 Permanent resident",
      long_term_resident: "定住者 Long-term resident",
      spouse_of_japanese: "日本人の配偶者等 Spouse of a Japanese national",
      special_permanent_resident: "特別永住者 Special permanent resident",
      technical_intern: "技能実習 Technical intern",
      specified_skilled_worker: "特定技能 Specified skilled worker",
      student: "留学 Student",
      dependent: "家族滞在 Dependent",
      engineer_specialist: "技術・人文知識・国際業務 Engineer / specialist",
      other: "その他 Other",
      unknown: "不明 Unknown",
    },
  },
  age_band: {
    label: "年代 Age band",
    values: {
      not_asked: "未確認 Not asked",
      under_20: "20歳未満 Under 20",
      "20s": "20代 20s",
      "30s": "30代 30s",
      "40s": "40代 40s",
      "50s": "50代 50s",
      "60s": "60代 60s",
      "70_plus": "70歳以上 70+",
    },
  },
  gender: {
    label: "性別 Gender",
    values: {
      not_asked: "未確認 Not asked",
      female: "女性 Female",
      male: "男性 Male",
      other: "その他 Other",
      no_answer: "回答なし No answer",
    },
  },
};
// What a field error means, in Japanese; the API's own English message follows it.
const FIELD_HELP = {
  topics: "相談内容を正しく選んでください(1つ以上)",
  outcome: "結果を確認してください",
  referral_to: "紹介先を確認してください(「他機関へ紹介」のときは必須、それ以外は空欄)",
  follow_up: "フォローアップを確認してください",
  notes: "メモを確認してください",
  language: "言語を選んでください",
  resident_municipality: "市町村を確認してください",
  duration_minutes: "通話時間を1〜600分で入力してください",
  nationality: "国籍は2文字の国コードで入力してください(例: BR, VN)",
  residence_status_group: "在留資格を確認してください",
  age_band: "年代を確認してください",
  gender: "性別を確認してください",
};

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function languageName(code) {
  const lang = state.ref?.languages.find((l) => l.code === code);
  return lang ? `${lang.name_ja} ${lang.name_en}` : code;
}
function topicName(code) {
  const topic = state.ref?.topics.find((t) => t.code === code);
  return topic ? `${topic.name_ja} ${topic.name_en}` : code;
}
function minutesSince(iso) {
  const seconds = Math.max(0, (serverNowMs() - Date.parse(iso)) / 1000);
  return `${Math.floor(seconds / 60)}分${String(Math.floor(seconds % 60)).padStart(2, "0")}秒`;
}
function estimate(seconds) {
  return seconds == null ? "—" : `約${Math.max(1, Math.round(seconds / 60))}分 ~${Math.max(1, Math.round(seconds / 60))} min`;
}
function localTime(iso) {
  return new Date(iso).toLocaleString("ja-JP", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

async function getJson(path) {
  const response = await fetch(path, { credentials: "same-origin" });
  return response.ok ? response.json() : null;
}
function send(path, method, body, headers = {}) {
  return fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": page.csrf_token, ...headers },
    body: JSON.stringify(body),
  });
}

// --- the websocket: presence, room invitations, queue pushes -------------------------------------------------
const socket = new LiveSocket({
  onOpen: () => {
    if ($("available").checked) sendPresence();
    state.room?.rejoin();
    refreshQueue();
  },
  onState: (s) => {
    $("link").dataset.state = s;
    $("link").textContent = s === "open" ? "接続 Online" : "再接続中 Reconnecting…";
  },
  onMessage: (msg) => handle(msg),
});
socket.connect();

function sendPresence() {
  const available = $("available").checked;
  socket.send({ type: "presence", state: available ? "available" : "away" });
  $("presence-state").dataset.state = available ? "available" : "away";
  $("presence-state").textContent = available ? "対応可能 Available" : "離席中 Away";
}
$("available").addEventListener("change", sendPresence);

function handle(msg) {
  if (msg.type === "call.transferred") return handedOver(msg);
  if (state.room && state.room.handle(msg)) return;
  if (msg.type === "room.invite" && msg.role === "counselor") startCall(msg);
  else if (msg.type === "queue.changed") refreshQueue();
  else if (msg.type === "error") $("status").textContent = `エラー Error: ${msg.message}`;
}

// --- live queue and availability per language ----------------------------------------------------------------
let queueTimer = null;
function refreshQueue() {
  clearTimeout(queueTimer); // coalesce bursts of queue.changed
  queueTimer = setTimeout(async () => {
    const [queue, availability] = await Promise.all([getJson("/api/v1/queue"), getJson("/api/v1/availability")]);
    if (queue) state.queue = queue.queue || [];
    if (availability) state.availability = availability;
    renderQueue();
  }, 150);
}

let rendered = "";
function renderQueue() {
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

setInterval(() => {
  for (const cell of document.querySelectorAll("td.waited[data-since]")) {
    const text = minutesSince(cell.dataset.since);
    if (cell.textContent !== text) cell.textContent = text;
  }
}, 1000);
setInterval(refreshQueue, 30000); // the clock opens and closes languages too
setInterval(refreshReservations, 60000);

async function refreshReservations() {
  const response = await fetch("/api/v1/reservations/upcoming?within_minutes=240", { credentials: "same-origin" });
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

// --- the call --------------------------------------------------------------------------------------------------
async function startCall(invite) {
  const joined = await joinCall(state, socket, invite, {
    remotes: $("remotes"),
    preview: $("preview"),
    onClosed: (reason) => finish(`通話終了 Call ended (${reason})`),
    onAudioOnly: () => ($("call-note").textContent = "音声のみ Audio only"),
  });
  if (!joined) return; // a repeated invite for the call we are in or joining
  state.consultationId = invite.consultation_id;
  $("request-interpreter").disabled = false;
  closeTransfer();
  $("call-note").textContent = "";
  show($("call"), true);
  $("status").textContent = "通話中 In a call";
  showCallCase(invite.consultation_id);
}

async function showCallCase(caseId) {
  const c = await getJson(`/api/v1/consultations/${encodeURIComponent(caseId)}`);
  if (!c) return;
  const facts = [
    ["言語 Language", languageName(c.language)],
    ["経路 Channel", CHANNEL[c.channel] || c.channel],
    ["窓口 Site", c.site || "—"],
    ["相談内容(本人選択) Topics chosen by the resident", c.topics.length ? c.topics.map(topicName).join("、") : "—"],
  ];
  $("call-case").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

function finish(note) {
  const ended = state.consultationId || state.room?.consultationId;
  endCall(state);
  show($("call"), false);
  $("status").textContent = note;
  if (ended) openRecord(ended); // log the case right after the call
  state.consultationId = null;
  refreshOwn();
}

$("audio-only").addEventListener("click", () => state.room?.setAudioOnly());
// Ask the pool for an interpreter in the case's language; whoever accepts joins this same call.
$("request-interpreter").addEventListener("click", async () => {
  if (!state.consultationId) return;
  const button = $("request-interpreter");
  button.disabled = true;
  const response = await fetch(
    `/api/v1/consultations/${encodeURIComponent(state.consultationId)}/interpreter-request`,
    { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": page.csrf_token } },
  );
  if (response.ok) {
    $("call-note").textContent = "通訳者を呼び出しています Ringing interpreters…";
    return;
  }
  button.disabled = false;
  const body = await response.json().catch(() => ({}));
  $("call-note").textContent = `通訳を依頼できません Cannot request an interpreter: ${body.detail || response.status}`;
});
// Transfer: pick a free colleague (the server lists only those who may take this call); they are invited into
// the running call and this console leaves it once the desk confirms the hand-over.
function closeTransfer() {
  show($("transfer-panel"), false);
  $("transfer").setAttribute("aria-expanded", "false");
}
$("transfer").addEventListener("click", async () => {
  if (!state.consultationId) return;
  if (!$("transfer-panel").hidden) return closeTransfer();
  const response = await fetch(
    `/api/v1/consultations/${encodeURIComponent(state.consultationId)}/transfer-targets`,
    { credentials: "same-origin" },
  );
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    $("call-note").textContent = `転送できません Cannot transfer: ${body.detail || response.status}`;
    return;
  }
  if (!body.counselors.length) {
    $("call-note").textContent = "転送できる相談員がいません No colleague is free to take this call";
    return;
  }
  $("transfer-to").replaceChildren(
    ...body.counselors.map((c) =>
      el(
        "option",
        { value: String(c.counselor_id) },
        c.display_name + (c.languages.length ? ` (${c.languages.map(languageName).join("、")})` : ""),
      ),
    ),
  );
  $("call-note").textContent = "";
  show($("transfer-panel"), true);
  $("transfer").setAttribute("aria-expanded", "true");
  $("transfer-to").focus();
});
$("transfer-cancel").addEventListener("click", closeTransfer);
$("transfer-panel").addEventListener("submit", async (event) => {
  event.preventDefault();
  const caseId = state.consultationId;
  if (!caseId) return;
  const confirm = $("transfer-confirm");
  confirm.disabled = true;
  const response = await send(`/api/v1/consultations/${encodeURIComponent(caseId)}/transfer`, "POST", {
    to_counselor_id: Number($("transfer-to").value),
  });
  confirm.disabled = false;
  if (response.ok) return handedOver({ consultation_id: caseId });
  const body = await response.json().catch(() => ({}));
  const detail = Array.isArray(body.detail) ? body.detail.map((e) => e.msg).join("; ") : body.detail;
  $("call-note").textContent = `転送できません Cannot transfer: ${detail || response.status}`;
});
// The call went to a colleague (this console's click, or the desk's push after an admin moved it): leave it.
function handedOver(msg) {
  if (!state.consultationId || msg.consultation_id !== state.consultationId) return;
  closeTransfer();
  state.room?.leave();
  endCall(state);
  show($("call"), false);
  $("status").textContent = "通話を転送しました You handed the call over";
  state.consultationId = null;
  refreshOwn();
}
$("leave").addEventListener("click", () => {
  state.room?.leave();
  finish("退出しました You left the call");
});
$("end-call").addEventListener("click", async () => {
  if (!state.consultationId) return;
  const response = await fetch(`/api/v1/consultations/${encodeURIComponent(state.consultationId)}/end`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRF-Token": page.csrf_token },
  });
  if (response.ok) {
    finish("通話を終了しました Call ended");
  } else {
    const body = await response.json().catch(() => ({}));
    $("status").textContent = `終了できません Cannot end: ${body.detail || body.message || response.status}`;
  }
});

// --- forms: reference data, field errors ---------------------------------------------------------------------
function fillForm(form) {
  form.querySelector("[data-topics]")?.replaceChildren(
    ...state.ref.topics.map((t) =>
      el("label", {}, el("input", { type: "checkbox", name: "topics", value: t.code }), `${t.name_ja} ${t.name_en}`),
    ),
  );
  for (const select of form.querySelectorAll("[data-outcomes]")) {
    select.replaceChildren(...Object.entries(OUTCOME).map(([v, label]) => el("option", { value: v }, label)));
  }
  form.querySelector("[data-languages]")?.replaceChildren(
    el("option", { value: "" }, "選択 Choose…"),
    ...state.ref.languages.map((l) => el("option", { value: l.code }, `${l.name_ja} ${l.name_en} (${l.native_name})`)),
  );
  form.querySelector("[data-municipalities]")?.replaceChildren(
    el("option", { value: "" }, "不明 Unknown"),
    ...state.ref.municipalities.map((m) => el("option", { value: m.code }, `${m.name_ja} ${m.name_en}`)),
  );
  const attributes = form.querySelector("[data-attributes]");
  attributes.replaceChildren(
    el("label", {}, "国籍 Nationality (ISO: BR, VN…) ", el("input", { name: "nationality", maxLength: 2, autocomplete: "off" })),
    el("p", { className: "field-error", dataset: { errorFor: "nationality" } }),
    ...Object.entries(ATTRIBUTES).flatMap(([name, spec]) => [
      el(
        "label",
        {},
        `${spec.label} `,
        el("select", { name }, ...Object.entries(spec.values).map(([v, label]) => el("option", { value: v }, label))),
      ),
      el("p", { className: "field-error", dataset: { errorFor: name } }),
    ]),
  );
}

function clearErrors(form) {
  for (const p of form.querySelectorAll(".field-error")) p.textContent = "";
  for (const f of form.querySelectorAll("[aria-invalid]")) f.removeAttribute("aria-invalid");
  const result = form.querySelector("[data-result]");
  result.textContent = "";
  delete result.dataset.ok;
}

// FastAPI's 422 shape: {"detail": [{"loc": ["body", field, ...], "msg": ...}]}; a 409 or 403 has a string detail.
async function showErrors(form, response) {
  const body = await response.json().catch(() => ({}));
  const result = form.querySelector("[data-result]");
  result.dataset.ok = "false";
  if (!Array.isArray(body.detail)) {
    result.textContent = `保存できません Not saved (${response.status}): ${body.detail || ""}`;
    return;
  }
  for (const item of body.detail) {
    const loc = (item.loc || []).filter((part) => part !== "body" && typeof part === "string");
    const field = loc[loc.length - 1] === "topics" || loc[0] === "topics" ? "topics" : loc[loc.length - 1];
    const target = form.querySelector(`[data-error-for="${field}"]`) || result;
    const line = `${FIELD_HELP[field] || "入力を確認してください"} — ${item.msg}`;
    target.textContent = target.textContent ? `${target.textContent} / ${line}` : line;
    const input = form.querySelector(`[name="${field}"]`);
    if (input) input.setAttribute("aria-invalid", "true");
  }
  if (!result.textContent) result.textContent = "入力内容を確認してください Please check the fields marked in red";
}

function formValues(form) {
  const data = new FormData(form);
  const attributes = {
    nationality: (data.get("nationality") || "").trim() || null,
    residence_status_group: data.get("residence_status_group"),
    age_band: data.get("age_band"),
    gender: data.get("gender"),
  };
  return {
    topics: data.getAll("topics"),
    outcome: data.get("outcome") || null,
    referral_to: (data.get("referral_to") || "").trim() || null,
    follow_up: data.get("follow_up") === "on",
    attributes,
  };
}

// --- the case record ------------------------------------------------------------------------------------------
async function openRecord(caseId) {
  const record = await getJson(`/api/v1/consultations/${encodeURIComponent(caseId)}/record`);
  if (!record) return;
  const form = $("record-form");
  state.recordCase = caseId;
  clearErrors(form);
  $("record-case").textContent =
    `${localTime(record.timeline.requested_at)} ${CHANNEL[record.channel] || record.channel} ` +
    `${languageName(record.language)} — ${caseId.slice(0, 8)}`;
  $("record-case").dataset.consultation = caseId;
  for (const box of form.querySelectorAll("input[name=topics]")) box.checked = record.topics.includes(box.value);
  form.elements.resident_municipality.value = record.resident_municipality || "";
  form.elements.outcome.value = record.outcome || "";
  form.elements.referral_to.value = record.referral_to || "";
  form.elements.follow_up.checked = record.follow_up;
  form.elements.nationality.value = record.attributes.nationality || "";
  for (const name of Object.keys(ATTRIBUTES)) form.elements[name].value = record.attributes[name];
  form.elements.notes.value = record.notes || "";
  show(form, true);
  $("record-panel").scrollIntoView({ block: "nearest" });
}

$("record-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  if (!state.recordCase) return;
  clearErrors(form);
  const body = {
    ...formValues(form),
    resident_municipality: form.elements.resident_municipality.value || null,
    notes: form.elements.notes.value,
  };
  const response = await send(`/api/v1/consultations/${encodeURIComponent(state.recordCase)}/record`, "PATCH", body);
  if (!response.ok) return showErrors(form, response);
  const result = form.querySelector("[data-result]");
  result.dataset.ok = "true";
  result.textContent = "記録しました Saved";
  refreshOwn();
});

// --- phone consultations: one request makes the case and its record --------------------------------------------
let phoneKey = null; // one key per filled form: a double click or a retry is the same case
$("phone-form").addEventListener("input", () => (phoneKey = null));
$("phone-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const button = form.querySelector("button[type=submit]");
  if (button.disabled) return;
  clearErrors(form);
  phoneKey ??= crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const values = formValues(form);
  const minutes = form.elements.duration_minutes.value;
  const body = {
    ...values,
    language: form.elements.language.value,
    resident_municipality: form.elements.resident_municipality.value || null,
    duration_minutes: minutes === "" ? null : Number(minutes),
  };
  button.disabled = true;
  try {
    const response = await send("/api/v1/console/phone-consultations", "POST", body, { "Idempotency-Key": phoneKey });
    if (!response.ok) return showErrors(form, response);
    const record = await response.json();
    form.reset();
    phoneKey = null;
    const result = form.querySelector("[data-result]");
    result.dataset.ok = "true";
    result.dataset.consultation = record.id;
    result.textContent = `電話相談を記録しました Logged (${record.id.slice(0, 8)})`;
    refreshOwn();
  } finally {
    button.disabled = false;
  }
});

// --- own recent cases ----------------------------------------------------------------------------------------
async function refreshOwn() {
  const data = await getJson("/api/v1/console/own-cases?limit=20");
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

async function boot() {
  const [languages, topics, municipalities] = await Promise.all([
    getJson("/api/v1/languages"),
    getJson("/api/v1/topics"),
    getJson("/api/v1/municipalities"),
  ]);
  state.ref = { languages: languages || [], topics: topics || [], municipalities: municipalities || [] };
  fillForm($("record-form"));
  fillForm($("phone-form"));
  document.body.dataset.ready = "true";
  refreshQueue();
  refreshReservations();
  refreshOwn();
}
boot();
