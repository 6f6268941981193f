// Counselor console, the call panel: joining on a room invitation, the case facts, asking for an interpreter,
// transfer to a colleague, leaving and ending; after the call the case record opens.
import { api, getJson } from "/assets/shared/api.js";
import { $, el, show } from "/assets/shared/dom.js";
import { endCall, joinCall } from "/call/static/call.js";
import { refreshOwn } from "/call/static/counselor_own_cases.js";
import { openRecord } from "/call/static/counselor_record.js";
import { languageName, state, topicName } from "/call/static/counselor_state.js";
import { bilingual, channelName, nameOf } from "/call/static/staff_names.js";

let callSocket = null;

export async function startCall(invite) {
  const joined = await joinCall(state, callSocket, invite, {
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

export async function showCallCase(caseId) {
  const c = await getJson(`/api/v1/consultations/${encodeURIComponent(caseId)}`);
  if (!c) return;
  const facts = [
    [["言語", "Language"], nameOf(state.ref?.languages, c.language)],
    [["経路", "Channel"], channelName(c.channel)],
    [["窓口", "Site"], c.site ? nameOf(state.ref?.sites, c.site) : "—"],
    [["相談内容(本人選択)", "Topics chosen by the resident"], c.topics.length ? c.topics.map(topicName).join("、") : "—"],
  ];
  $("call-case").replaceChildren(...facts.flatMap(([[ja, en], v]) => [el("dt", {}, bilingual(ja, en)), el("dd", { dataset: { fact: en } }, v)]));
}

export function finish(note) {
  const ended = state.consultationId || state.room?.consultationId;
  endCall(state);
  show($("call"), false);
  $("status").textContent = note;
  if (ended) openRecord(ended); // log the case right after the call
  state.consultationId = null;
  refreshOwn();
}

// Transfer: pick a free colleague (the server lists only those who may take this call); they are invited into
// the running call and this console leaves it once the desk confirms the hand-over.
export function closeTransfer() {
  show($("transfer-panel"), false);
  $("transfer").setAttribute("aria-expanded", "false");
}
// The call went to a colleague (this console's click, or the desk's push after an admin moved it): leave it.
export function handedOver(msg) {
  if (!state.consultationId || msg.consultation_id !== state.consultationId) return;
  closeTransfer();
  state.room?.leave();
  endCall(state);
  show($("call"), false);
  $("status").textContent = "通話を転送しました You handed the call over";
  state.consultationId = null;
  refreshOwn();
}

export function installCall(socket) {
  callSocket = socket;
  $("audio-only").addEventListener("click", () => state.room?.setAudioOnly());
  // Ask the pool for an interpreter in the case's language; whoever accepts joins this same call.
  $("request-interpreter").addEventListener("click", async () => {
    if (!state.consultationId) return;
    const button = $("request-interpreter");
    button.disabled = true;
    const response = await api(`/api/v1/consultations/${encodeURIComponent(state.consultationId)}/interpreter-request`, {
      method: "POST",
    });
    if (response.ok) {
      $("call-note").textContent = "通訳者を呼び出しています Ringing interpreters…";
      return;
    }
    button.disabled = false;
    const body = await response.json().catch(() => ({}));
    $("call-note").textContent = `通訳を依頼できません Cannot request an interpreter: ${body.detail || response.status}`;
  });
  $("transfer").addEventListener("click", async () => {
    if (!state.consultationId) return;
    if (!$("transfer-panel").hidden) return closeTransfer();
    const response = await api(`/api/v1/consultations/${encodeURIComponent(state.consultationId)}/transfer-targets`);
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
    const response = await api(`/api/v1/consultations/${encodeURIComponent(caseId)}/transfer`, {
      method: "POST",
      json: { to_counselor_id: Number($("transfer-to").value) },
    });
    confirm.disabled = false;
    if (response.ok) return handedOver({ consultation_id: caseId });
    const body = await response.json().catch(() => ({}));
    const detail = Array.isArray(body.detail) ? body.detail.map((e) => e.msg).join("; ") : body.detail;
    $("call-note").textContent = `転送できません Cannot transfer: ${detail || response.status}`;
  });
  $("leave").addEventListener("click", () => {
    state.room?.leave();
    finish("退出しました You left the call");
  });
  $("end-call").addEventListener("click", async () => {
    if (!state.consultationId) return;
    const response = await api(`/api/v1/consultations/${encodeURIComponent(state.consultationId)}/end`, {
      method: "POST",
    });
    if (response.ok) {
      finish("通話を終了しました Call ended");
    } else {
      const body = await response.json().catch(() => ({}));
      $("status").textContent = `終了できません Cannot end: ${body.detail || body.message || response.status}`;
    }
  });
}
