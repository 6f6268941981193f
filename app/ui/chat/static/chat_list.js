// The console's chat list reloads when a resident opens a new machine-translated chat.
{
  var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
  ws.onopen = function () { document.body.dataset.live = "1"; };
  ws.onmessage = function (ev) {
    var f = JSON.parse(ev.data);
    if (f.type === "chat.opened") location.reload();
  };
}
