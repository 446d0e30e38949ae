#include "probes/common/base64.hpp"

#include "probes/common/openssl_library.hpp"

namespace graced::probes {
std::string base64_encode(std::string_view data) {
  const OpenSsl& ssl = openssl();
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  const int length = ssl.EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                         bytes_of(data), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  const OpenSsl& ssl = openssl();
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int length = ssl.EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                         bytes_of(text), static_cast<int>(text.size()));
  if (length < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as decoded bytes.
  const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

}  // namespace graced::probes
