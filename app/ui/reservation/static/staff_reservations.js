// Staff reservation list: cancel, mark no-show, reassign, through the reservations API (session + CSRF header).
(() => {
  const csrf = document.currentScript.dataset.csrf;
  const error = document.getElementById("action-error");
  const table = document.getElementById("reservations");
  if (!table) return;
  table.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const row = button.closest("tr");
    const code = row.dataset.code;
    const action = button.dataset.action;
    const init = { method: "POST", headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" } };
    if (action === "assign") {
      const id = Number(row.querySelector("[data-interpreter]").value);
      init.body = JSON.stringify({ interpreter_id: id });
    }
    button.disabled = true;
    const response = await fetch(`/api/v1/reservations/${encodeURIComponent(code)}/${action}`, init);
    if (response.ok) {
      window.location.reload();
      return;
    }
    const body = await response.json().catch(() => ({}));
    const detail = Array.isArray(body.detail) ? body.detail.map((d) => d.msg).join("; ") : body.detail;
    error.textContent = `エラー Error ${response.status}: ${detail || ""}`;
    error.hidden = false;
    button.disabled = false;
  });
})();
