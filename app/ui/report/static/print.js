// The monthly report's print button (no inline handler: the Content-Security-Policy allows none).
document.getElementById("print").addEventListener("click", () => window.print());
