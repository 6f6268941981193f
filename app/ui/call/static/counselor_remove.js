// Counselor console, taking a waiting case off the queue: a reason is required (it goes to the audit log), and
// the case counts as abandoned, removed by staff. The API refuses a case already in a call (409).
import { api, errorDetail } from "/assets/shared/api.js";
import { $ } from "/assets/shared/dom.js";
import { refreshQueue } from "/call/static/counselor_queue.js";

let removing = null;

export function installRemove() {
  const dialog = $("remove-dialog");
  $("queue").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-remove]");
    if (!button) return;
    removing = button.dataset.remove;
    $("remove-case").textContent = removing;
    $("remove-error").textContent = "";
    $("remove-form").reset();
    dialog.showModal();
    $("remove-reason").focus();
  });
  $("remove-cancel").addEventListener("click", () => dialog.close());
  $("remove-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!removing) return;
    const reason = $("remove-reason").value.trim();
    if (!reason) {
      $("remove-error").textContent = "理由を入力してください Please give a reason";
      $("remove-reason").setAttribute("aria-invalid", "true");
      return;
    }
    const response = await api(`/api/v1/consultations/${encodeURIComponent(removing)}/remove`, {
      method: "POST",
      json: { reason },
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      $("remove-error").textContent = `外せません Not removed (${response.status}): ${errorDetail(body) || ""}`;
      return;
    }
    dialog.close();
    removing = null;
    refreshQueue();
  });
}
