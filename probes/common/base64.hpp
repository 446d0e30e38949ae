// Base64 (RFC 4648, with padding) through OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock: the
// http check's Basic auth and the postgres check's SCRAM exchange. OpenSSL must have been
// loaded (probes/common/openssl_library.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace graced::probes {

std::string base64_encode(std::string_view data);
// nullopt when `text` is not base64 (or its length not a multiple of 4).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace graced::probes
