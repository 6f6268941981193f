// The admin area: lists and forms over /api/v1/admin/... (session cookie + CSRF header through api()).
import { api, errorDetail, getJson } from "/assets/shared/api.js";

const root = document.getElementById("admin-app");
const isAdmin = root.dataset.admin === "true";
const status = document.getElementById("status");
const PRESENCE = { available: "対応可 available", away: "離席 away", offline: "オフライン offline" };

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  return td;
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

async function send(path, method, json, errorId) {
  const response = await api(path, { method, json });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const where = document.getElementById(errorId) || status;
    where.textContent = `保存できません Cannot save (${response.status}): ${errorDetail(body)}`;
    return null;
  }
  if (errorId) document.getElementById(errorId).textContent = "";
  status.textContent = "保存しました Saved";
  return body;
}

function formJson(form) {
  const data = new FormData(form);
  const json = {};
  for (const [key, value] of data.entries()) {
    if (key === "languages") continue;
    if (value !== "") json[key] = value;
  }
  return { data, json };
}

async function loadInterpreters() {
  const rows = (await getJson("/api/v1/admin/interpreters")) || [];
  const body = document.getElementById("interpreters");
  body.replaceChildren();
  for (const i of rows) {
    const tr = document.createElement("tr");
    tr.dataset.id = i.id;
    tr.append(
      cell(i.display_name), cell(i.languages.join(", ")), cell(i.vendor), cell(i.gender ?? "—"),
      cell(i.dv_cleared ? "✓" : "—"), cell(i.child_cleared ? "✓" : "—"), cell(i.username ?? "—"),
      cell(PRESENCE[i.presence] ?? i.presence), cell(String(i.minutes_today)),
    );
    const active = cell(i.active ? "有効 active" : "無効 inactive");
    if (isAdmin) {
      active.append(" ", button("言語変更 Languages", async () => {
        const codes = window.prompt("言語コード(カンマ区切り) Language codes, comma separated", i.languages.join(","));
        if (!codes) return;
        const languages = codes.split(",").map((c) => c.trim()).filter(Boolean);
        if (await send(`/api/v1/admin/interpreters/${i.id}`, "PATCH", { languages })) loadInterpreters();
      }));
      active.append(" ", button(i.active ? "無効にする Deactivate" : "有効にする Activate", async () => {
        if (await send(`/api/v1/admin/interpreters/${i.id}`, "PATCH", { active: !i.active })) loadInterpreters();
      }));
    }
    tr.append(active);
    body.append(tr);
  }
}

async function loadVendors() {
  const rows = (await getJson("/api/v1/admin/vendors")) || [];
  const body = document.getElementById("vendor-rows");
  body.replaceChildren();
  const select = document.getElementById("vendor-select");
  select?.replaceChildren();
  for (const v of rows) {
    const tr = document.createElement("tr");
    tr.append(cell(v.name), cell(String(v.interpreters)), cell(v.active ? "有効 active" : "無効 inactive"));
    body.append(tr);
    if (select && v.active) select.append(new Option(v.name, v.name));
  }
}

async function loadStaff() {
  const body = document.getElementById("staff-rows");
  if (!body) return;
  const rows = (await getJson("/api/v1/admin/staff")) || [];
  body.replaceChildren();
  for (const u of rows) {
    const tr = document.createElement("tr");
    tr.append(cell(u.username), cell(u.display_name), cell(u.role), cell(u.municipality ?? "全域 all"),
      cell(u.site ?? "—"), cell(`${u.sessions} / ${u.api_tokens}`));
    const actions = cell("");
    actions.append(button(u.active ? "無効にする Disable" : "有効にする Enable", async () => {
      if (await send(`/api/v1/admin/staff/${u.id}/${u.active ? "disable" : "enable"}`, "POST")) loadStaff();
    }));
    actions.append(" ", button("役割・範囲 Role and scope", async () => {
      const role = window.prompt("役割 Role (counter_staff, counselor, coordinator, admin, interpreter)", u.role);
      if (!role) return;
      const body = { role };
      if (role === "coordinator") {
        const code = window.prompt("市町村コード(空欄は全域) Municipality code (empty: whole area)", u.municipality ?? "");
        if (code) body.municipality = code;
        else body.clear_municipality = true;
      }
      await send(`/api/v1/admin/staff/${u.id}`, "PATCH", body);
      loadStaff();
    }));
    actions.append(" ", button("パスワード再設定 Reset password", async () => {
      const password = window.prompt("新しいパスワード(10文字以上) New password (10+ characters)");
      if (password) await send(`/api/v1/admin/staff/${u.id}/password`, "POST", { password });
      loadStaff();
    }));
    tr.append(actions);
    body.append(tr);
  }
}

async function loadDevices() {
  const rows = (await getJson("/api/v1/admin/devices")) || [];
  const body = document.getElementById("device-rows");
  body.replaceChildren();
  for (const d of rows) {
    const tr = document.createElement("tr");
    tr.append(cell(d.name), cell(`${d.site_name_ja} (${d.site})`),
      cell(d.last_seen_at ? new Date(d.last_seen_at).toLocaleString("ja-JP") : "未接続 never"),
      cell(d.revoked_at ? "取消済 revoked" : "有効 active"));
    if (isAdmin) {
      const actions = cell("");
      if (!d.revoked_at) {
        actions.append(button("名前変更 Rename", async () => {
          const name = window.prompt("新しい名前 New name", d.name);
          if (name) await send(`/api/v1/admin/devices/${d.id}`, "PATCH", { name });
          loadDevices();
        }), " ", button("窓口変更 Move", async () => {
          const site = window.prompt("窓口コード Site code", d.site);
          if (site) await send(`/api/v1/admin/devices/${d.id}`, "PATCH", { site });
          loadDevices();
        }), " ", button("取り消す Revoke", async () => {
          if (window.confirm(`${d.name}: 取り消しますか? Revoke this tablet?`)) {
            await send(`/api/v1/admin/devices/${d.id}/revoke`, "POST");
            loadDevices();
          }
        }));
      }
      tr.append(actions);
    }
    body.append(tr);
  }
}

function onSubmit(id, handler) {
  document.getElementById(id)?.addEventListener("submit", (event) => {
    event.preventDefault();
    handler(event.target);
  });
}

onSubmit("interpreter-form", async (form) => {
  const { data, json } = formJson(form);
  json.languages = data.getAll("languages");
  json.dv_cleared = data.has("dv_cleared");
  json.child_cleared = data.has("child_cleared");
  if (await send("/api/v1/admin/interpreters", "POST", json, "interpreter-error")) {
    form.reset();
    loadInterpreters();
    loadVendors();
  }
});
onSubmit("vendor-form", async (form) => {
  if (await send("/api/v1/admin/vendors", "POST", formJson(form).json, "vendor-error")) {
    form.reset();
    loadVendors();
  }
});
onSubmit("staff-form", async (form) => {
  if (await send("/api/v1/admin/staff", "POST", formJson(form).json, "staff-error")) {
    form.reset();
    loadStaff();
  }
});
onSubmit("device-form", async (form) => {
  const made = await send("/api/v1/admin/devices", "POST", formJson(form).json, "device-error");
  if (!made) return;
  form.reset();
  document.getElementById("pairing-qr").innerHTML = made.qr_svg; // our own SVG from segno
  document.getElementById("pairing-token").textContent = made.token;
  document.getElementById("pairing").hidden = false;
  loadDevices();
});

loadVendors();
loadInterpreters();
loadStaff();
loadDevices();
setInterval(loadInterpreters, 15000); // presence and minutes move on
