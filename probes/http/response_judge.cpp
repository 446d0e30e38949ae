#include "probes/http/response_judge.hpp"

#include <llhttp.h>

namespace graced::probes {

struct ResponseJudge::Parser {
  llhttp_t parser{};
  llhttp_settings_t settings{};
  StatusRanges expect_status;
  std::string expect_body;
  int status = 0;  // of the final (non-1xx) response, once its headers are complete
  std::size_t head_bytes = 0;
  std::string body;
  std::optional<CheckResult> verdict;

  std::string status_text() const { return "HTTP " + std::to_string(status); }

  CheckResult body_missing() const {
    std::string shown = expect_body.size() > 40 ? expect_body.substr(0, 40) + "..." : expect_body;
    return CheckResult::fail("body does not contain \"" + shown + "\"");
  }

  static Parser& of(llhttp_t* p) { return *static_cast<Parser*>(p->data); }

  static int on_headers_complete(llhttp_t* p) {
    Parser& self = of(p);
    const int code = p->status_code;
    // Interim responses (100 Continue, 103 Early Hints) precede the real one.
    if (code >= 100 && code < 200 && code != 101) return 0;
    self.status = code;
    if (!self.expect_status.contains(code)) {
      self.verdict =
          CheckResult::fail(self.status_text() + " (expected " + self.expect_status.str() + ")");
    } else if (self.expect_body.empty()) {
      self.verdict = CheckResult::pass(self.status_text());
    } else {
      return 0;  // read the body
    }
    return HPE_PAUSED;
  }

  static int on_body(llhttp_t* p, const char* at, std::size_t length) {
    Parser& self = of(p);
    if (self.status == 0) return 0;
    const std::size_t before = self.body.size();
    const std::size_t room = kBodyLimit - before;
    self.body.append(at, std::min(length, room));
    // Only where the new bytes could complete a match.
    const std::size_t from =
        before >= self.expect_body.size() ? before - self.expect_body.size() + 1 : 0;
    if (self.body.find(self.expect_body, from) != std::string::npos) {
      self.verdict = CheckResult::pass(self.status_text());
    } else if (self.body.size() >= kBodyLimit) {
      self.verdict = self.body_missing();
    } else {
      return 0;
    }
    return HPE_PAUSED;
  }

  static int on_message_complete(llhttp_t* p) {
    Parser& self = of(p);
    if (self.status == 0) return 0;  // an interim response ended
    if (!self.verdict) self.verdict = self.body_missing();
    return HPE_PAUSED;
  }
};

ResponseJudge::ResponseJudge(StatusRanges expect_status, std::string expect_body)
    : parser_(std::make_unique<Parser>()) {
  parser_->expect_status = std::move(expect_status);
  parser_->expect_body = std::move(expect_body);
  llhttp_settings_init(&parser_->settings);
  parser_->settings.on_headers_complete = &Parser::on_headers_complete;
  parser_->settings.on_body = &Parser::on_body;
  parser_->settings.on_message_complete = &Parser::on_message_complete;
  llhttp_init(&parser_->parser, HTTP_RESPONSE, &parser_->settings);
  parser_->parser.data = parser_.get();
}

ResponseJudge::~ResponseJudge() = default;

std::optional<CheckResult> ResponseJudge::feed(std::string_view bytes) {
  Parser& p = *parser_;
  if (p.verdict) return p.verdict;
  const llhttp_errno_t rc = llhttp_execute(&p.parser, bytes.data(), bytes.size());
  if (p.verdict) return p.verdict;
  if (rc != HPE_OK) {
    p.verdict =
        CheckResult::fail(std::string("bad HTTP response: ") + llhttp_get_error_reason(&p.parser));
    return p.verdict;
  }
  if (p.status == 0) {
    p.head_bytes += bytes.size();
    if (p.head_bytes > kHeadLimit) {
      p.verdict = CheckResult::fail("HTTP response head larger than 64 KiB");
      return p.verdict;
    }
  }
  return std::nullopt;
}

CheckResult ResponseJudge::end(const std::string& error) {
  Parser& p = *parser_;
  if (p.verdict) return *p.verdict;
  // A body delimited by the end of the connection ends here.
  if (error.empty()) llhttp_finish(&p.parser);
  if (p.verdict) return *p.verdict;
  if (p.status == 0) {
    return CheckResult::fail(error.empty() ? "connection closed before the HTTP response" : error);
  }
  if (!error.empty()) return CheckResult::fail(error);
  return p.body_missing();
}

}  // namespace graced::probes
