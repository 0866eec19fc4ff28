// The page of the HTTP output, as a resource string (the hub may have no internet).
#include "http_page.hpp"

namespace ng::sink::http {

namespace {

constexpr const char* kPage = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ngrecv</title>
<style>
body { margin: 0; background: #202020; color: #e0e0e0; font: 14px sans-serif; }
#status { margin: 0; padding: 4px 8px; height: 20px; }
.sender { display: inline-block; vertical-align: top; margin: 0 8px 8px 0; }
.sender img { display: block; max-width: 100vw; }
.sender p { margin: 0; padding: 4px 8px; }
</style>
</head>
<body>
<p id="status">waiting for a sender…</p>
<div id="senders"></div>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token");
const withToken = (url) => token ? url + (url.includes("?") ? "&" : "?") +
    "token=" + encodeURIComponent(token) : url;
const shown = new Map();
// How often the figures changed since the page loaded (data-updates, for scripts).
let lastFrames = null, updates = 0;
function show(name, s) {
  let view = shown.get(name);
  if (!view) {
    const box = document.createElement("div");
    box.className = "sender";
    const img = document.createElement("img");
    img.alt = name;
    img.src = withToken("stream.mjpg?sender=" + encodeURIComponent(name));
    const text = document.createElement("p");
    box.append(img, text);
    document.getElementById("senders").append(box);
    view = { text };
    shown.set(name, view);
  }
  view.text.textContent = name + "  " + s.width + "x" + s.height + "  " +
      (s.fps || 0).toFixed(1) + " fps  " + s.dropped + " dropped  " + s.frames + " frames" +
      (s.terminated ? "  (ended)" : "");
}
async function poll() {
  try {
    const response = await fetch(withToken("stats.json"), { cache: "no-store" });
    const stats = await response.json();
    const senders = stats.senders || {};
    const names = Object.keys(senders);
    const status = document.getElementById("status");
    if (stats.frames !== lastFrames) {
      lastFrames = stats.frames;
      status.dataset.updates = ++updates;
    }
    status.textContent = names.length === 0
        ? "waiting for a sender…"
        : "frames " + stats.frames + "  fps " + (stats.fps || 0).toFixed(1) +
          "  dropped " + stats.dropped;
    for (const name of names) show(name, senders[name]);
  } catch (e) {
    document.getElementById("status").textContent = "ngrecv is not answering";
  }
}
poll();
setInterval(poll, 1000);
</script>
</body>
</html>
)html";

}  // namespace

const std::string& indexPage() {
    static const std::string page = kPage;
    return page;
}

}  // namespace ng::sink::http
