#include "protocols/websocket/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace archbench::websocket {

std::string compute_token(std::string_view secret, std::string_view uid) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  // HMAC() with a one-shot call: no context to manage, nothing to free.
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(uid.data()), uid.size(), digest, &digest_len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest_len * 2);
  for (unsigned int i = 0; i < digest_len; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xF]);
  }
  return hex;
}

bool verify_token(std::string_view secret, std::string_view uid, std::string_view token) {
  const std::string expected = compute_token(secret, uid);
  // The length is public (always 64), so checking it first leaks nothing.
  if (token.size() != expected.size()) return false;
  return CRYPTO_memcmp(expected.data(), token.data(), expected.size()) == 0;
}

}  // namespace archbench::websocket
