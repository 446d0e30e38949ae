#include "hooks/output_lines.hpp"

namespace graced::hooks {
namespace {

// Where a cut may fall without splitting a UTF-8 character: before the start of an
// incomplete one at the end.
std::size_t utf8_boundary(std::string_view s) {
  std::size_t i = s.size();
  // A character is at most 4 bytes: look back over at most 3 continuation bytes.
  for (std::size_t back = 0; back < 4 && i > 0; ++back) {
    const auto c = static_cast<unsigned char>(s[i - 1]);
    if ((c & 0xC0) != 0x80) {
      const std::size_t start = i - 1;
      std::size_t length = 1;
      if ((c & 0xE0) == 0xC0) {
        length = 2;
      } else if ((c & 0xF0) == 0xE0) {
        length = 3;
      } else if ((c & 0xF8) == 0xF0) {
        length = 4;
      }
      return s.size() - start >= length ? s.size() : start;
    }
    --i;
  }
  return s.size();
}

}  // namespace

void OutputLines::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const std::size_t newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    if (!dropping_) {
      // A line of exactly kMaxLine bytes waits for its "\n" uncut; one byte more cuts it.
      const std::size_t room = kMaxLine - line_.size();
      if (piece.size() > room) {
        line_.append(piece.substr(0, room));
        line_.resize(utf8_boundary(line_));
        emit(true);
        dropping_ = true;
      } else {
        line_.append(piece);
      }
    }
    if (newline == std::string_view::npos) return;
    if (dropping_) {
      dropping_ = false;
    } else {
      emit(false);
    }
    bytes.remove_prefix(newline + 1);
  }
}

void OutputLines::flush() {
  if (!dropping_) emit(false);
  dropping_ = false;
}

void OutputLines::emit(bool cut) {
  std::string line = std::move(line_);
  line_.clear();
  if (!cut && !line.empty() && line.back() == '\r') line.pop_back();
  if (!line.empty()) sink_(line, cut);
}

}  // namespace graced::hooks
