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

let shownInterpreters = null; // the last rows drawn: the 15 s refresh redraws only when something moved

async function loadInterpreters() {
  const rows = (await getJson("/api/v1/admin/interpreters")) || [];
  const fresh = JSON.stringify(rows);
  if (fresh === shownInterpreters) return;
  shownInterpreters = fresh;
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
      active.append(" ", button("編集 Edit", () => openInterpreterEdit(i)));
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
  const selects = [document.getElementById("vendor-select"), ...document.querySelectorAll(".vendor-choices")];
  const chosen = selects.map((select) => select?.value);
  for (const select of selects) select?.replaceChildren();
  for (const v of rows) {
    const tr = document.createElement("tr");
    tr.append(cell(v.name), cell(String(v.interpreters)), cell(v.active ? "有効 active" : "無効 inactive"));
    body.append(tr);
    if (v.active) for (const select of selects) select?.append(new Option(v.name, v.name));
  }
  selects.forEach((select, n) => {
    if (select && chosen[n]) select.value = chosen[n];
  });
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
    actions.append(" ", button("役割・範囲 Role and scope", () => openStaffEdit(u)));
    actions.append(" ", button("パスワード再設定 Reset password", () => openPasswordEdit(u)));
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
        actions.append(button("名前・窓口 Rename or move", () => openDeviceEdit(d)), " ", button("取り消す Revoke", async () => {
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

// Editing in place: one form per section under its table, filled from the row whose Edit was pressed (no
// window.prompt: every field labelled, Japanese first, the API's 422 shown next to the form).
const editing = { interpreter: null, staff: null, password: null, device: null };

function openEdit(form, name) {
  form.querySelector(".edit-name").textContent = name;
  form.querySelector("p.error").textContent = "";
  form.hidden = false;
  form.scrollIntoView({ block: "nearest" });
  form.elements[0].focus();
}

function closeEdit(form, kind) {
  form.hidden = true;
  editing[kind] = null;
}

function openInterpreterEdit(i) {
  const form = document.getElementById("interpreter-edit");
  editing.interpreter = i;
  form.elements.display_name.value = i.display_name;
  const vendor = form.elements.vendor;
  if (![...vendor.options].some((o) => o.value === i.vendor)) vendor.append(new Option(i.vendor, i.vendor));
  vendor.value = i.vendor;
  for (const box of form.querySelectorAll("input[name=languages]")) box.checked = i.languages.includes(box.value);
  form.elements.gender.value = i.gender ?? "";
  form.elements.dv_cleared.checked = i.dv_cleared;
  form.elements.child_cleared.checked = i.child_cleared;
  form.elements.username.value = i.username ?? "";
  openEdit(form, i.display_name);
}

// Only what changed is sent: relinking the same account or re-sending a name is not a change to audit.
function interpreterChanges(form, i) {
  const data = new FormData(form);
  const changes = {};
  const name = String(data.get("display_name")).trim();
  if (name !== i.display_name) changes.display_name = name;
  if (data.get("vendor") !== i.vendor) changes.vendor = data.get("vendor");
  const languages = data.getAll("languages");
  if (languages.join(",") !== [...i.languages].sort().join(",")) changes.languages = languages;
  const gender = data.get("gender") || null;
  if (gender !== i.gender) {
    if (gender) changes.gender = gender;
    else changes.clear_gender = true;
  }
  if (data.has("dv_cleared") !== i.dv_cleared) changes.dv_cleared = data.has("dv_cleared");
  if (data.has("child_cleared") !== i.child_cleared) changes.child_cleared = data.has("child_cleared");
  const username = String(data.get("username")).trim() || null;
  if (username !== i.username) {
    if (username) changes.username = username;
    else changes.unlink = true;
  }
  return changes;
}

function openStaffEdit(u) {
  const form = document.getElementById("staff-edit");
  editing.staff = u;
  form.elements.display_name.value = u.display_name;
  form.elements.role.value = u.role;
  form.elements.municipality.value = u.municipality ?? "";
  form.elements.site.value = u.site ?? "";
  openEdit(form, u.username);
}

function staffChanges(form, u) {
  const data = new FormData(form);
  const changes = { role: data.get("role") };
  const name = String(data.get("display_name")).trim();
  if (name !== u.display_name) changes.display_name = name;
  const municipality = data.get("municipality");
  if (municipality) changes.municipality = municipality;
  else changes.clear_municipality = true;
  const site = data.get("site");
  if (site) changes.site = site;
  else changes.clear_site = true;
  return changes;
}

function openPasswordEdit(u) {
  const form = document.getElementById("password-edit");
  editing.password = u;
  form.reset();
  openEdit(form, u.username);
}

function openDeviceEdit(d) {
  const form = document.getElementById("device-edit");
  editing.device = d;
  form.elements.name.value = d.name;
  form.elements.site.value = d.site;
  openEdit(form, d.name);
}

const EDIT_FORMS = [
  ["interpreter-edit", "interpreter"],
  ["staff-edit", "staff"],
  ["password-edit", "password"],
  ["device-edit", "device"],
];
for (const [id, kind] of EDIT_FORMS) {
  const form = document.getElementById(id);
  form?.querySelector(".cancel").addEventListener("click", () => closeEdit(form, kind));
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
onSubmit("interpreter-edit", async (form) => {
  const i = editing.interpreter;
  if (!i) return;
  const changes = interpreterChanges(form, i);
  if (!Object.keys(changes).length) return closeEdit(form, "interpreter");
  if (await send(`/api/v1/admin/interpreters/${i.id}`, "PATCH", changes, "interpreter-edit-error")) {
    closeEdit(form, "interpreter");
    loadInterpreters();
    loadVendors();
  }
});
onSubmit("staff-edit", async (form) => {
  const u = editing.staff;
  if (!u) return;
  if (await send(`/api/v1/admin/staff/${u.id}`, "PATCH", staffChanges(form, u), "staff-edit-error")) {
    closeEdit(form, "staff");
    loadStaff();
  }
});
onSubmit("password-edit", async (form) => {
  const u = editing.password;
  if (!u) return;
  const password = form.elements.password.value;
  if (await send(`/api/v1/admin/staff/${u.id}/password`, "POST", { password }, "password-edit-error")) {
    form.reset();
    closeEdit(form, "password");
    loadStaff();
  }
});
onSubmit("device-edit", async (form) => {
  const d = editing.device;
  if (!d) return;
  const changes = {};
  const name = form.elements.name.value.trim();
  if (name !== d.name) changes.name = name;
  if (form.elements.site.value !== d.site) changes.site = form.elements.site.value;
  if (!Object.keys(changes).length) return closeEdit(form, "device");
  if (await send(`/api/v1/admin/devices/${d.id}`, "PATCH", changes, "device-edit-error")) {
    closeEdit(form, "device");
    loadDevices();
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
