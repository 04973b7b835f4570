// The /ws-demo page: a small chat client in HTML and JavaScript that talks to this server's
// WebSocket side. It connects to ws://<same host>/broadcast (falling back to /ws, a plain echo,
// where the architecture refuses /broadcast with 501), lets the user send lines and shows
// what arrives.
//
// Loaded with ?auto=1 it also tests itself: once connected it sends one message (the `text`
// query parameter, default "hello from ws-demo") and, when that text comes back, writes it
// into <div id="result">. A headless browser can load the page, wait, and read the DOM. On
// failure the div reads "error: ...".
//
// Thread-safety: returns a constant.
#pragma once

#include <string_view>

namespace archbench::http {

std::string_view ws_demo_page();

// The message the page sends with ?auto=1 when no `text` parameter is given.
inline constexpr std::string_view kWsDemoDefaultText = "hello from ws-demo";

}  // namespace archbench::http
