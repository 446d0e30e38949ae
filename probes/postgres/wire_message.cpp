#include "probes/postgres/wire_message.hpp"

namespace graced::probes::pgwire {
namespace {

constexpr std::uint32_t kProtocol3 = 3u << 16;
constexpr std::uint32_t kSslRequestCode = (1234u << 16) | 5679u;

void put_uint32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((value >> shift) & 0xffu);
}

std::uint32_t get_uint32(std::string_view bytes) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i)
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

// The length word counts itself and the body, not the type byte.
std::string with_length(std::string_view body) {
  std::string out;
  put_uint32(out, static_cast<std::uint32_t>(body.size() + 4));
  out += body;
  return out;
}

}  // namespace

std::string ssl_request() {
  std::string body;
  put_uint32(body, kSslRequestCode);
  return with_length(body);
}

std::string startup_message(const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::string body;
  put_uint32(body, kProtocol3);
  for (const auto& [name, value] : parameters) {
    body += name;
    body += '\0';
    body += value;
    body += '\0';
  }
  body += '\0';
  return with_length(body);
}

std::string terminate() {
  return 'X' + with_length({});
}

std::string password_message(std::string_view body) {
  return 'p' + with_length(body);
}

std::string sasl_initial_response(std::string_view mechanism, std::string_view data) {
  std::string body(mechanism);
  body += '\0';
  put_uint32(body, static_cast<std::uint32_t>(data.size()));
  body += data;
  return password_message(body);
}

std::optional<Message> take_message(std::string& buffer, std::string& error) {
  error.clear();
  if (buffer.size() < 5) return std::nullopt;
  const char type = buffer[0];
  const std::uint32_t length = get_uint32(std::string_view(buffer).substr(1, 4));
  // As libpq tells them apart: a server that fails before it speaks the protocol (it
  // could not fork a backend) sends 'E' and a line of text, no length.
  if (type == kErrorResponse && (length < 8 || length > 30000)) {
    const std::size_t end = buffer.find_first_of(std::string_view("\n\0", 2), 1);
    if (end == std::string::npos) {
      if (buffer.size() > kMaxMessage) error = "not a PostgreSQL server: unexpected answer";
      return std::nullopt;
    }
    Message message{type, buffer.substr(1, end - 1), true};
    buffer.erase(0, end + 1);
    return message;
  }
  if (length < 4 || length > kMaxMessage) {
    error = "not a PostgreSQL server: unexpected answer";
    return std::nullopt;
  }
  if (buffer.size() < 1 + std::size_t{length}) return std::nullopt;
  Message message{type, buffer.substr(5, length - 4), false};
  buffer.erase(0, 1 + std::size_t{length});
  return message;
}

ErrorFields parse_error_fields(std::string_view body) {
  ErrorFields fields;
  std::size_t i = 0;
  while (i < body.size() && body[i] != '\0') {
    const char code = body[i++];
    std::size_t end = body.find('\0', i);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view value = body.substr(i, end - i);
    if (code == 'S') {
      fields.severity = value;
    } else if (code == 'C') {
      fields.sqlstate = value;
    } else if (code == 'M') {
      fields.message = value;
    }
    i = end + 1;
  }
  return fields;
}

std::optional<std::uint32_t> authentication_code(std::string_view body) {
  if (body.size() < 4) return std::nullopt;
  return get_uint32(body);
}

}  // namespace graced::probes::pgwire
