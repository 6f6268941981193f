// Staff page: make a resident link through the API (session cookie + CSRF header) and show its QR code.
import { api } from "/assets/shared/api.js";

{
  var form = document.getElementById("link-form");
  var error = document.getElementById("form-error");
  function value(id) {
    var v = document.getElementById(id).value.trim();
    return v === "" ? null : v;
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    error.textContent = "";
    var body = { kind: value("kind"), municipality: value("municipality"), site: value("site"), language: value("language") };
    var days = value("valid-days");
    if (days !== null) body.valid_days = Number(days);
    api("/api/v1/resident/links", { method: "POST", json: body }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
    }).then(function (r) {
      if (!r.ok) {
        var d = r.data.detail;
        error.textContent = "作成できません Cannot create (" + r.status + "): " +
          (Array.isArray(d) ? d.map(function (x) { return x.loc.slice(-1)[0] + ": " + x.msg; }).join("; ") : d);
        return;
      }
      document.getElementById("qr").innerHTML = r.data.qr_svg; // our own SVG from segno
      var link = document.getElementById("url");
      link.href = r.data.url;
      link.textContent = r.data.url;
      document.getElementById("expires").textContent = new Date(r.data.expires_at).toLocaleString("ja-JP");
      document.getElementById("result").hidden = false;
    }).catch(function () { error.textContent = "通信できません Network error"; });
  });
  document.getElementById("print").addEventListener("click", function () { window.print(); });
}
