// Staff reservation list: cancel, mark no-show, reassign, through the reservations API (session + CSRF header).
import { api, errorDetail } from "/assets/shared/api.js";

{
  const error = document.getElementById("action-error");
  const table = document.getElementById("reservations");
  const show = (element, response, body) => {
    const detail = errorDetail(body);
    element.textContent = `エラー Error ${response.status}: ${detail || ""}`;
    element.hidden = false;
  };
  const form = document.getElementById("book-form");
  const newKey = () =>
    `staff-${window.crypto && crypto.randomUUID ? crypto.randomUUID() : Date.now() + Math.random().toString(16).slice(2)}`;
  if (form) {
    let key = newKey(); // one booking per filled form, however often the button is pressed
    const result = document.getElementById("book-result");
    const slot = document.getElementById("book-slot");
    document.getElementById("load-slots").addEventListener("click", async () => {
      const day = form.elements.day.value;
      const params = new URLSearchParams({ lang: form.elements.language.value, from: day, to: day });
      const response = await api(`/api/v1/reservation-slots?${params}`);
      const body = await response.json().catch(() => ({}));
      slot.replaceChildren();
      if (!response.ok) return show(result, response, body);
      for (const item of body.days.flatMap((d) => d.slots)) {
        const option = new Option(`${item.time} (空き free: ${item.seats})`, item.starts_at);
        option.disabled = item.seats === 0;
        slot.add(option);
      }
      result.textContent = slot.options.length ? "" : "空きがありません。No free times.";
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const contact = { name: form.elements.name.value, phone: form.elements.phone.value, email: form.elements.email.value };
      const body = {
        language: form.elements.language.value,
        starts_at: slot.value,
        channel: form.elements.channel.value,
        contact,
      };
      const response = await api("/api/v1/reservations", { method: "POST", json: body, headers: { "Idempotency-Key": key } });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) return show(result, response, answer);
      key = newKey();
      result.textContent = `予約番号 Code: ${answer.code}`;
      result.dataset.code = answer.code;
    });
  }
  table?.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const row = button.closest("tr");
    const code = row.dataset.code;
    const action = button.dataset.action;
    const init = { method: "POST", headers: { "Content-Type": "application/json" } };
    if (action === "assign") init.json = { interpreter_id: Number(row.querySelector("[data-interpreter]").value) };
    button.disabled = true;
    const response = await api(`/api/v1/reservations/${encodeURIComponent(code)}/${action}`, init);
    if (response.ok) {
      window.location.reload();
      return;
    }
    show(error, response, await response.json().catch(() => ({})));
    button.disabled = false;
  });
}
