// Admin page: revoke a resident link through the API, then show its new state.
import { api, errorDetail } from "/assets/shared/api.js";

const error = document.getElementById("links-error");

for (const button of document.querySelectorAll("button.revoke")) {
  button.addEventListener("click", async () => {
    error.textContent = "";
    const id = button.dataset.link;
    if (!window.confirm(`リンク ${id} を取り消しますか? Revoke link ${id}?`)) return;
    try {
      const response = await api(`/api/v1/admin/resident-links/${encodeURIComponent(id)}/revoke`, { method: "POST" });
      const data = await response.json();
      if (!response.ok) {
        error.textContent = `取り消せません Cannot revoke (${response.status}): ${errorDetail(data)}`;
        return;
      }
      const row = button.closest("tr");
      row.cells[5].textContent = "取消済み revoked";
      button.remove();
    } catch {
      error.textContent = "通信できません Network error";
    }
  });
}
