// Cuts a hook's output into lines as the bytes arrive, so each line can be logged with
// the hook's name. A line longer than kMaxLine is cut there and the rest of it dropped,
// so a hook writing without newlines costs graced neither memory nor a flood of log.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace graced::hooks {

class OutputLines {
 public:
  static constexpr std::size_t kMaxLine = 4096;
  // `cut`: the line was longer than kMaxLine and only its start is given.
  using Sink = std::function<void(std::string_view line, bool cut)>;

  explicit OutputLines(Sink sink) : sink_(std::move(sink)) {}

  // Bytes as they arrive; complete lines go to the sink, without "\n" or "\r\n". Empty
  // lines are skipped.
  void feed(std::string_view bytes);
  // The output ended: a last line without a newline goes to the sink too.
  void flush();

 private:
  void emit(bool cut);

  Sink sink_;
  std::string line_;
  bool dropping_ = false;  // the rest of a line already cut
};

}  // namespace graced::hooks
