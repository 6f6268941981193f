// Machine-translated chat: the resident's page (watch ticket) and the counselor's panel (session cookie).
// Every line written by the other side is labelled as machine translated, with its original one click away.
import { $ } from "/assets/shared/dom.js";
import { api } from "/assets/shared/api.js";
import { LiveSocket } from "/assets/shared/live_socket.js";

{
  var root = $("chat-app");
  var S = JSON.parse($("chat-strings").textContent);
  var side = root.dataset.side;
  var id = root.dataset.consultation;
  var ticket = side === "resident" ? residentTicket() : null;
  var base = "/api/v1/consultations/" + encodeURIComponent(id);
  var seen = {};
  var socket = null;
  var statusEl = $("status");
  var errorEl = $("chat-error");

  // The watch ticket comes in the URL fragment (#ticket=...): browsers never send a fragment, so it stays out of
  // the access log and the Referer. It is kept for this tab only (a reload) and removed from the address bar.
  function residentTicket() {
    var key = "madoguchi.watch." + id;
    var given = new URLSearchParams(location.hash.slice(1)).get("ticket");
    if (given) {
      try { sessionStorage.setItem(key, given); } catch (e) { /* private mode: this load only */ }
      history.replaceState(null, "", location.pathname + location.search);
      return given;
    }
    try { return sessionStorage.getItem(key); } catch (e) { return null; }
  }

  function showExpired() {
    $("expired").hidden = false;
    statusEl.hidden = true;
    $("fallback").hidden = true;
    $("chat").hidden = true;
    if (socket) socket.close();
  }

  function headers() {
    return ticket ? { "X-Watch-Ticket": ticket } : {};
  }

  function showError(text) {
    errorEl.textContent = text;
    errorEl.hidden = !text;
  }

  function addLine(m) {
    if (seen[m.id]) return;
    seen[m.id] = true;
    var li = document.createElement("li");
    li.className = "msg" + (m.sender === side ? " mine" : "");
    li.dataset.id = m.id;
    li.dataset.sender = m.sender;
    if (m.machine_translated) {
      li.classList.add("machine-translated");
      var label = document.createElement("span");
      label.className = "mt-label";
      label.textContent = S["chat.machine_translated"] + " (" + m.route.split(">").join(" → ") + ")";
      li.appendChild(label);
    }
    var p = document.createElement("p");
    p.className = "text";
    p.lang = m.language || "";
    p.textContent = m.text;
    li.appendChild(p);
    if (m.machine_translated) {
      var d = document.createElement("details");
      var s = document.createElement("summary");
      s.textContent = S["chat.show_original"];
      var o = document.createElement("p");
      o.className = "original";
      o.lang = m.original_language;
      o.textContent = m.original;
      d.appendChild(s);
      d.appendChild(o);
      li.appendChild(d);
    }
    $("messages").appendChild(li);
    li.scrollIntoView({ block: "end" });
  }

  function fromRest(m) {
    return {
      id: m.id, sender: m.sender, text: m.text, original: m.original,
      original_language: m.original_language,
      language: m.sender === side ? m.original_language : m.target_language,
      machine_translated: m.machine_translated && m.sender !== side, route: m.route
    };
  }

  function openChat() {
    var fb = $("fallback");
    if (fb) fb.hidden = true;
    $("chat").hidden = false;
    statusEl.textContent = "";
    api(base + "/chat", { headers: headers() }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) data.messages.forEach(function (m) { addLine(fromRest(m)); }); });
  }

  function showFallback(status) {
    var fb = $("fallback");
    fb.hidden = false;
    statusEl.textContent = "";
    var options = status.fallback ? status.fallback.options : [];
    ["mt_chat", "callback", "reservation"].forEach(function (o) {
      $("choose-" + o).hidden = options.indexOf(o) < 0;
    });
    if (!status.machine_translation.available) {
      $("mt-unavailable").hidden = false;
      $("choose-mt_chat").disabled = true;
    }
  }

  function refresh() {
    return api(base + "/chat/status", { headers: headers() })
      .then(function (r) {
        if (side === "resident" && (r.status === 401 || r.status === 403 || r.status === 404)) showExpired();
        return r.ok ? r.json() : null;
      })
      .then(function (status) {
        if (!status) return;
        if (status.open) openChat();
        else if (status.fallback && side === "resident") showFallback(status);
      });
  }

  function choose(option) {
    api(base + "/chat/accept-fallback", { method: "POST", headers: headers(), json: { option: option } }).then(function (r) {
      if (r.ok) {
        return r.json().then(function (s) {
          if (s.open) return openChat();
          $("fallback").hidden = true;  // callback or reservation: the desk follows up
          statusEl.textContent = "✓";
        });
      }
      return r.json().then(function (body) {
        if (body.missing_pair) {
          $("mt-unavailable").hidden = false;
          $("choose-mt_chat").disabled = true;
        } else {
          statusEl.textContent = S["error.generic"];
        }
      });
    });
  }

  // The shared socket: heartbeat and back-off; onOpen (re)announces this page after every reconnect.
  function connect() {
    socket = new LiveSocket({
      onOpen: function () {
        if (side === "resident") socket.send({ type: "watch", consultation_id: id, ticket: ticket });
        else socket.send({ type: "chat.join", consultation_id: id });
      },
      onState: function (state) {
        if (state === "closed") statusEl.textContent = S["error.offline"];
      },
      onMessage: handle
    });
    socket.connect();
  }

  function handle(f) {
    if (f.consultation_id && f.consultation_id !== id) return;
    if (f.type === "chat.message" && f.audience === side) addLine(f);
    else if (f.type === "chat.joined") {
      $("resident-lang").textContent = f.language;
      statusEl.textContent = f.open ? "チャット中" : "相談者が機械翻訳チャットを選ぶのを待っています";
      f.messages.forEach(addLine);
    } else if (f.type === "chat.opened") {
      if (side === "resident") openChat(); else statusEl.textContent = "チャット中";
    } else if (f.type === "fallback.offered" && side === "resident") refresh();
    else if (f.type === "watching") refresh();
    else if (f.type === "chat.error") {
      showError(f.missing_pair ? S["alt.mt_unavailable"] + " (" + f.missing_pair.join("→") + ")" : f.detail);
    }
  }

  document.querySelectorAll("[data-option]").forEach(function (b) {
    b.addEventListener("click", function () { choose(b.dataset.option); });
  });
  $("composer").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var box = $("message");
    var text = box.value.trim();
    if (!text || !socket || !socket.isOpen()) return;
    showError("");
    var frame = { type: "chat.send", consultation_id: id, text: text };
    if (ticket) frame.ticket = ticket;
    socket.send(frame);
    box.value = "";
  });
  if (side === "resident" && !ticket) {
    showExpired();
  } else {
    connect();
    refresh();  // do not wait for the socket to show what is already decided
  }
}
