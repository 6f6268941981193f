// Counselor console, the case record: the form built from reference data, PATCH /record after a call or from
// the own-cases list, FastAPI's field errors shown next to their fields (shared with the phone form).
import { api, getJson } from "/assets/shared/api.js";
import { $, el, show } from "/assets/shared/dom.js";
import { ATTRIBUTES, CHANNEL, FIELD_HELP, OUTCOME, localTime } from "/call/static/counselor_labels.js";
import { refreshOwn } from "/call/static/counselor_own_cases.js";
import { refreshQueue } from "/call/static/counselor_queue.js";
import { languageName, state } from "/call/static/counselor_state.js";

export function fillForm(form) {
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

export function clearErrors(form) {
  for (const p of form.querySelectorAll(".field-error")) p.textContent = "";
  for (const f of form.querySelectorAll("[aria-invalid]")) f.removeAttribute("aria-invalid");
  const result = form.querySelector("[data-result]");
  result.textContent = "";
  delete result.dataset.ok;
}

// FastAPI's 422 shape: {"detail": [{"loc": ["body", field, ...], "msg": ...}]}; a 409 or 403 has a string detail.
export async function showErrors(form, response) {
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

export function formValues(form) {
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

export async function openRecord(caseId) {
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

export function installRecord() {
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
    const response = await api(`/api/v1/consultations/${encodeURIComponent(state.recordCase)}/record`, {
      method: "PATCH",
      json: body,
    });
    if (!response.ok) return showErrors(form, response);
    const result = form.querySelector("[data-result]");
    result.dataset.ok = "true";
    result.textContent = "記録しました Saved";
    refreshOwn();
    refreshQueue(); // saving ends the wrap-up: the roster says so
  });
}
