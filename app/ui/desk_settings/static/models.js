// Admin page: fetch and install a translation pair from the package index through the API.
import { api, errorDetail } from "/assets/shared/api.js";

const form = document.getElementById("model-form");
const status = document.getElementById("model-status");
const error = document.getElementById("model-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const pair = document.getElementById("pair").value.trim();
  status.textContent = `ダウンロードして確認しています… Downloading and checking ${pair}…`;
  try {
    const response = await api("/api/v1/admin/models/install", { method: "POST", json: { pair } });
    const data = await response.json();
    status.textContent = "";
    if (!response.ok) {
      error.textContent = `インストールできません Cannot install (${response.status}): ${errorDetail(data)}`;
      return;
    }
    const check = data.sha256_checked ? "SHA-256 OK" : "SHA-256なし no SHA-256 in the index";
    status.textContent = `インストールしました Installed ${data.from_code}-${data.to_code} ${data.package_version} (${check})`;
    window.setTimeout(() => window.location.reload(), 1500);
  } catch {
    status.textContent = "";
    error.textContent = "通信できません Network error";
  }
});
