// The optional handshake token (--ws-token-secret): token = lower-case hex of
// HMAC-SHA256(secret, uid), carried in the query as ?uid=...&token=....
//
// Why an HMAC rather than a lookup: any server process (forked, prefork, reactor worker) can
// check a token with nothing but the secret, with no shared session store.
//
// Thread-safety: pure functions (OpenSSL's one-shot HMAC keeps no shared state).
#pragma once

#include <string>
#include <string_view>

namespace archbench::websocket {

// 64 lower-case hex digits.
std::string compute_token(std::string_view secret, std::string_view uid);

// Whether `token` is the token for uid. Compares in constant time (CRYPTO_memcmp) so the
// time taken does not reveal how many leading characters were right. A token of the wrong
// length, or in upper-case hex, is simply wrong.
bool verify_token(std::string_view secret, std::string_view uid, std::string_view token);

}  // namespace archbench::websocket
