#include "protocols/http/ws_demo_page.h"

namespace archbench::http {

std::string_view ws_demo_page() {
  // Text set with textContent only (never innerHTML): chat lines from other clients are not
  // trusted markup.
  static constexpr std::string_view kPage = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>archbench WebSocket demo</title>
<style>
  body { font-family: sans-serif; max-width: 42em; margin: 2em auto; }
  #log { border: 1px solid #bbb; height: 18em; overflow-y: auto; padding: .5em; white-space: pre-wrap; }
  .in { color: #064; } .out { color: #555; } .note { color: #a50; }
</style>
</head>
<body>
<h1>archbench WebSocket chat</h1>
<p id="status">connecting&hellip;</p>
<div id="log"></div>
<form id="form">
  <input id="line" autocomplete="off" placeholder="say something" size="40">
  <button type="submit">Send</button>
</form>
<div id="result"></div>
<script>
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var auto = params.get('auto') === '1';
  var autoText = params.get('text') || 'hello from ws-demo';
  var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  var log = document.getElementById('log');
  var statusLine = document.getElementById('status');
  var result = document.getElementById('result');
  var ws = null;

  function show(text, kind) {
    var line = document.createElement('div');
    line.className = kind;
    line.textContent = text;
    log.appendChild(line);
    log.scrollTop = log.scrollHeight;
  }

  function finish(text) {
    if (auto && result.textContent === '') result.textContent = text;
  }

  function connect(path, fallback) {
    var opened = false;
    try {
      ws = new WebSocket(scheme + location.host + path);
    } catch (e) {
      finish('error: ' + e);
      return;
    }
    ws.onopen = function () {
      opened = true;
      statusLine.textContent = 'connected to ' + path;
      if (auto) {
        ws.send(autoText);
        show('> ' + autoText, 'out');
      }
    };
    ws.onmessage = function (event) {
      var text = typeof event.data === 'string' ? event.data : '[binary message]';
      show('< ' + text, 'in');
      if (text === autoText) finish(text);
    };
    ws.onclose = function (event) {
      if (!opened && fallback) {
        show('(' + path + ' refused; chatting with the echo at ' + fallback + ')', 'note');
        connect(fallback, null);
        return;
      }
      statusLine.textContent = 'closed (code ' + event.code + ')';
      finish('error: closed with code ' + event.code);
    };
  }

  document.getElementById('form').addEventListener('submit', function (event) {
    event.preventDefault();
    var input = document.getElementById('line');
    if (ws && ws.readyState === WebSocket.OPEN && input.value !== '') {
      ws.send(input.value);
      show('> ' + input.value, 'out');
      input.value = '';
    }
  });

  connect('/broadcast', '/ws');
})();
</script>
</body>
</html>
)HTML";
  return kPage;
}

}  // namespace archbench::http
