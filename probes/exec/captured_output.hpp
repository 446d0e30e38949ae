// What a command wrote, kept to a bounded size: the first `limit` bytes are stored and
// the rest only counted, so a chatty command costs graced no memory.
#pragma once

#include <cstddef>
#include <string>

namespace graced::probes {

class CapturedOutput {
 public:
  explicit CapturedOutput(std::size_t limit) : limit_(limit) {}

  void append(const char* data, std::size_t size);
  std::size_t total() const { return total_; }  // every byte seen, stored or not
  bool truncated() const { return total_ > stored_.size(); }
  // The stored bytes without surrounding whitespace; when cut at the limit, without the
  // incomplete UTF-8 character the cut may have left at the end.
  std::string text() const;

 private:
  std::size_t limit_;
  std::size_t total_ = 0;
  std::string stored_;
};

}  // namespace graced::probes
