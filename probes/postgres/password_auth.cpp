#include "probes/postgres/password_auth.hpp"

#include <array>
#include <charconv>
#include <random>

#include "probes/common/base64.hpp"
#include "probes/common/openssl_library.hpp"
#include "probes/postgres/wire_message.hpp"

namespace graced::probes::pgwire {
namespace {

constexpr std::string_view kScramSha256 = "SCRAM-SHA-256";

using Digest = std::array<unsigned char, 32>;

std::string_view view_of(const Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

std::string md5_hex(std::string_view data) {
  const OpenSsl& ssl = openssl();
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned length = 0;
  ssl.EVP_Digest(data.data(), data.size(), digest.data(), &length, ssl.EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

Digest sha256(std::string_view data) {
  const OpenSsl& ssl = openssl();
  Digest out{};
  ssl.EVP_Digest(data.data(), data.size(), out.data(), nullptr, ssl.EVP_sha256(), nullptr);
  return out;
}

Digest hmac(std::string_view key, std::string_view message) {
  const OpenSsl& ssl = openssl();
  Digest out{};
  ssl.HMAC(ssl.EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes_of(message),
           message.size(), out.data(), nullptr);
  return out;
}

// The value of attribute `name` in "r=...,s=...,i=...".
std::optional<std::string_view> attribute(std::string_view message, char name) {
  std::size_t start = 0;
  while (start <= message.size()) {
    std::size_t end = message.find(',', start);
    if (end == std::string_view::npos) end = message.size();
    const std::string_view part = message.substr(start, end - start);
    if (part.size() >= 2 && part[0] == name && part[1] == '=') return part.substr(2);
    start = end + 1;
  }
  return std::nullopt;
}

// RFC 5802 saslname: ',' and '=' are escaped.
std::string sasl_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out += c;
    }
  }
  return out;
}

std::string random_nonce() {
  const OpenSsl& ssl = openssl();
  std::array<unsigned char, 18> raw{};
  if (ssl.RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    std::random_device device;
    for (auto& byte : raw)
      byte = static_cast<unsigned char>(device());
  }
  return base64_encode(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
}

}  // namespace

std::string cleartext_password_message(std::string_view password) {
  std::string body(password);
  body += '\0';
  return password_message(body);
}

std::string md5_password_message(std::string_view user, std::string_view password,
                                 std::string_view salt) {
  const std::string inner = md5_hex(std::string(password) + std::string(user));
  std::string body = "md5" + md5_hex(inner + std::string(salt));
  body += '\0';
  return password_message(body);
}

bool offers_scram_sha_256(std::string_view mechanisms) {
  // NUL-terminated names; an empty one ends the list.
  std::size_t start = 0;
  while (start < mechanisms.size()) {
    std::size_t end = mechanisms.find('\0', start);
    if (end == std::string_view::npos) end = mechanisms.size();
    if (end == start) break;
    if (mechanisms.substr(start, end - start) == kScramSha256) return true;
    start = end + 1;
  }
  return false;
}

ScramClient::ScramClient(std::string password, std::string nonce, std::string user)
    : password_(std::move(password)),
      nonce_(nonce.empty() ? random_nonce() : std::move(nonce)),
      user_(std::move(user)) {}

std::string ScramClient::client_first_bare() const {
  return "n=" + sasl_name(user_) + ",r=" + nonce_;
}

std::string ScramClient::initial_response() const {
  // "n": this client does not do channel binding.
  return sasl_initial_response(kScramSha256, "n,," + client_first_bare());
}

std::optional<std::string> ScramClient::final_response(std::string_view server_first,
                                                       std::string& error) const {
  const OpenSsl& ssl = openssl();
  const auto nonce = attribute(server_first, 'r');
  const auto salt_text = attribute(server_first, 's');
  const auto iterations_text = attribute(server_first, 'i');
  if (!nonce || !salt_text || !iterations_text) {
    error = "malformed SCRAM message from the server";
    return std::nullopt;
  }
  if (!nonce->starts_with(nonce_) || nonce->size() == nonce_.size()) {
    error = "invalid SCRAM response (nonce mismatch)";
    return std::nullopt;
  }
  const auto salt = base64_decode(*salt_text);
  int iterations = 0;
  const auto [end, ec] = std::from_chars(
      iterations_text->data(), iterations_text->data() + iterations_text->size(), iterations);
  if (!salt || ec != std::errc{} || end != iterations_text->data() + iterations_text->size() ||
      iterations < 1) {
    error = "malformed SCRAM message from the server";
    return std::nullopt;
  }
  Digest salted{};
  if (ssl.PKCS5_PBKDF2_HMAC(password_.data(), static_cast<int>(password_.size()), bytes_of(*salt),
                            static_cast<int>(salt->size()), iterations, ssl.EVP_sha256(),
                            static_cast<int>(salted.size()), salted.data()) != 1) {
    error = "cannot compute the SCRAM proof";
    return std::nullopt;
  }
  const Digest client_key = hmac(view_of(salted), "Client Key");
  const Digest stored_key = sha256(view_of(client_key));
  const std::string without_proof = "c=biws,r=" + std::string(*nonce);  // biws: "n,,"
  const std::string auth_message =
      client_first_bare() + "," + std::string(server_first) + "," + without_proof;
  const Digest signature = hmac(view_of(stored_key), auth_message);
  Digest proof{};
  for (std::size_t i = 0; i < proof.size(); ++i)
    proof[i] = static_cast<unsigned char>(client_key[i] ^ signature[i]);
  return password_message(without_proof + ",p=" + base64_encode(view_of(proof)));
}

}  // namespace graced::probes::pgwire
