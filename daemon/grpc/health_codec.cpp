#include "grpc/health_codec.hpp"

#include <vector>

namespace graced::grpc {
namespace {

enum WireType : std::uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

constexpr std::uint32_t kMaxFieldNumber = (1u << 29) - 1;
constexpr std::size_t kMaxGroupDepth = 64;

struct Field {
  std::uint32_t number = 0;
  std::uint32_t wire_type = 0;
  std::uint64_t varint = 0;  // kVarint
  std::string_view bytes;    // kLengthDelimited
};

// Reads one field at a time; groups are skipped whole, since nothing graced reads is one.
class Reader {
 public:
  explicit Reader(std::string_view wire) : rest_(wire) {}

  const std::string& error() const { return error_; }

  // False at the end (error() empty) or on malformed input (error() says why).
  bool next(Field& f) {
    while (!rest_.empty()) {
      std::uint64_t tag = 0;
      if (!varint(tag)) return false;
      if (tag > 0xffffffffu) return fail("tag too large");
      f.number = static_cast<std::uint32_t>(tag >> 3);
      f.wire_type = static_cast<std::uint32_t>(tag & 7);
      if (f.number == 0 || f.number > kMaxFieldNumber) return fail("invalid field number");
      if (f.wire_type == kStartGroup) {
        if (!skip_group(f.number)) return false;
        continue;  // groups are never fields graced reads
      }
      if (f.wire_type == kEndGroup) return fail("end of a group that was not started");
      if (!value(f)) return false;
      return true;
    }
    return false;
  }

 private:
  bool fail(const char* why) {
    error_ = why;
    return false;
  }

  bool varint(std::uint64_t& out) {
    out = 0;
    for (std::size_t i = 0; i < 10; ++i) {
      if (i >= rest_.size()) return fail("truncated varint");
      const auto b = static_cast<unsigned char>(rest_[i]);
      // The tenth byte may only carry the 64th bit.
      if (i == 9 && b > 1) return fail("varint overflows 64 bits");
      out |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        rest_.remove_prefix(i + 1);
        return true;
      }
    }
    return fail("varint longer than 10 bytes");
  }

  bool fixed(std::size_t n) {
    if (rest_.size() < n) return fail("truncated fixed-width field");
    rest_.remove_prefix(n);
    return true;
  }

  bool value(Field& f) {
    switch (f.wire_type) {
      case kVarint:
        return varint(f.varint);
      case kFixed64:
        return fixed(8);
      case kFixed32:
        return fixed(4);
      case kLengthDelimited: {
        std::uint64_t n = 0;
        if (!varint(n)) return false;
        if (n > rest_.size()) return fail("length runs past the end of the message");
        f.bytes = rest_.substr(0, static_cast<std::size_t>(n));
        rest_.remove_prefix(static_cast<std::size_t>(n));
        return true;
      }
      default:
        return fail("invalid wire type");
    }
  }

  bool skip_group(std::uint32_t number) {
    std::vector<std::uint32_t> open{number};
    while (!open.empty()) {
      if (rest_.empty()) return fail("unterminated group");
      std::uint64_t tag = 0;
      if (!varint(tag)) return false;
      if (tag > 0xffffffffu) return fail("tag too large");
      Field f;
      f.number = static_cast<std::uint32_t>(tag >> 3);
      f.wire_type = static_cast<std::uint32_t>(tag & 7);
      if (f.number == 0 || f.number > kMaxFieldNumber) return fail("invalid field number");
      if (f.wire_type == kStartGroup) {
        if (open.size() >= kMaxGroupDepth) return fail("groups nested too deeply");
        open.push_back(f.number);
      } else if (f.wire_type == kEndGroup) {
        if (f.number != open.back()) return fail("mismatched end of group");
        open.pop_back();
      } else if (!value(f)) {
        return false;
      }
    }
    return true;
  }

  std::string_view rest_;
  std::string error_;
};

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0fu;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_tag(std::string& out, std::uint32_t number, std::uint32_t wire_type) {
  put_varint(out, (static_cast<std::uint64_t>(number) << 3) | wire_type);
}

void put_bytes(std::string& out, std::uint32_t number, std::string_view bytes) {
  put_tag(out, number, kLengthDelimited);
  put_varint(out, bytes.size());
  out.append(bytes);
}

// proto3 enums are int32: negative values travel sign-extended to 64 bits.
void put_enum(std::string& out, std::uint32_t number, std::int32_t value) {
  if (value == 0) return;  // proto3 leaves default values out
  put_tag(out, number, kVarint);
  put_varint(out, static_cast<std::uint64_t>(static_cast<std::int64_t>(value)));
}

std::int32_t as_int32(std::uint64_t v) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(v & 0xffffffffu));
}

}  // namespace

std::string serving_status_name(std::int32_t status) {
  switch (status) {
    case 0:
      return "UNKNOWN";
    case 1:
      return "SERVING";
    case 2:
      return "NOT_SERVING";
    case 3:
      return "SERVICE_UNKNOWN";
    default:
      return std::to_string(status);
  }
}

std::string encode_health_check_request(const HealthCheckRequest& request) {
  std::string out;
  if (!request.service.empty()) put_bytes(out, 1, request.service);
  return out;
}

std::optional<HealthCheckRequest> decode_health_check_request(std::string_view wire,
                                                              std::string& error) {
  HealthCheckRequest out;
  Reader r(wire);
  Field f;
  while (r.next(f)) {
    // Last one wins, as protobuf merges repeated occurrences of a singular field. A known
    // field with another wire type is an unknown field, as protobuf treats it.
    if (f.number == 1 && f.wire_type == kLengthDelimited) out.service.assign(f.bytes);
  }
  if (!r.error().empty()) {
    error = r.error();
    return std::nullopt;
  }
  if (!valid_utf8(out.service)) {
    error = "service is not valid UTF-8";
    return std::nullopt;
  }
  return out;
}

std::string encode_health_check_response(ServingStatus status) {
  std::string out;
  put_enum(out, 1, static_cast<std::int32_t>(status));
  return out;
}

std::optional<std::int32_t> decode_health_check_response(std::string_view wire,
                                                         std::string& error) {
  std::int32_t status = 0;
  Reader r(wire);
  Field f;
  while (r.next(f)) {
    if (f.number == 1 && f.wire_type == kVarint) status = as_int32(f.varint);
  }
  if (!r.error().empty()) {
    error = r.error();
    return std::nullopt;
  }
  return status;
}

bool decode_health_list_request(std::string_view wire, std::string& error) {
  Reader r(wire);
  Field f;
  while (r.next(f)) {
  }
  error = r.error();
  return error.empty();
}

std::string encode_health_list_response(
    const std::vector<std::pair<std::string, ServingStatus>>& statuses) {
  std::string out;
  for (const auto& [name, status] : statuses) {
    std::string entry;
    put_bytes(entry, 1, name);
    put_bytes(entry, 2, encode_health_check_response(status));
    put_bytes(out, 1, entry);
  }
  return out;
}

std::optional<StatusList> decode_health_list_response(std::string_view wire, std::string& error) {
  StatusList out;
  Reader r(wire);
  Field f;
  while (r.next(f)) {
    if (f.number != 1 || f.wire_type != kLengthDelimited) continue;
    std::string key;
    std::int32_t status = 0;
    Reader entry(f.bytes);
    Field ef;
    while (entry.next(ef)) {
      if (ef.number == 1 && ef.wire_type == kLengthDelimited) key.assign(ef.bytes);
      if (ef.number == 2 && ef.wire_type == kLengthDelimited) {
        auto s = decode_health_check_response(ef.bytes, error);
        if (!s) return std::nullopt;
        status = *s;
      }
    }
    if (!entry.error().empty()) {
      error = entry.error();
      return std::nullopt;
    }
    if (!valid_utf8(key)) {
      error = "map key is not valid UTF-8";
      return std::nullopt;
    }
    out.emplace_back(std::move(key), status);
  }
  if (!r.error().empty()) {
    error = r.error();
    return std::nullopt;
  }
  return out;
}

}  // namespace graced::grpc
