// Counselor console, phone consultations: one request makes the case and its record (one Idempotency-Key per
// filled form).
import { api } from "/assets/shared/api.js";
import { $ } from "/assets/shared/dom.js";
import { refreshOwn } from "/call/static/counselor_own_cases.js";
import { clearErrors, formValues, showErrors } from "/call/static/counselor_record.js";

let phoneKey = null; // one key per filled form: a double click or a retry is the same case

export function installPhone() {
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
      const response = await api("/api/v1/console/phone-consultations", {
        method: "POST",
        json: body,
        headers: { "Idempotency-Key": phoneKey },
      });
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
}
