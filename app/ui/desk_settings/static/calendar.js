// Admin page: save a new desk calendar version through the API (session cookie + CSRF header).
import { api, errorDetail } from "/assets/shared/api.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const form = document.getElementById("calendar-form");
const error = document.getElementById("form-error");
const done = document.getElementById("form-done");

function week(prefix) {
  const hours = {};
  for (const day of DAYS) {
    if (!document.getElementById(`${prefix}-${day}-open`).checked) continue;
    hours[day] = {
      opens: document.getElementById(`${prefix}-${day}-opens`).value,
      closes: document.getElementById(`${prefix}-${day}-closes`).value.trim(),
    };
  }
  return hours;
}

function dates(id) {
  return document.getElementById(id).value.split(/\s+/).filter((line) => line !== "");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  done.textContent = "";
  const body = {
    effective_from: document.getElementById("effective-from").value,
    desk: week("desk"),
    vendor_hours: week("vendor"),
    national_holidays: document.getElementById("national-holidays").checked,
    year_end: document.getElementById("year-end").checked,
    closed_dates: dates("closed-dates"),
    open_dates: dates("open-dates"),
  };
  try {
    const response = await api("/api/v1/admin/calendar", { method: "POST", json: body });
    const data = await response.json();
    if (!response.ok) {
      error.textContent = `保存できません Cannot save (${response.status}): ${errorDetail(data)}`;
      return;
    }
    document.getElementById("policy-version").textContent = data.policy_version;
    done.textContent = `保存しました Saved (${body.effective_from})`;
  } catch {
    error.textContent = "通信できません Network error";
  }
});
