// type = "http": passes when a GET (or `method`) on `url` answers with an expected status
// and, if asked, a body containing a given substring. https:// goes through OpenSSL.
#pragma once

#include <memory>
#include <string>

#include "probes/check.hpp"
#include "probes/common/client_stream.hpp"
#include "probes/common/connector.hpp"
#include "probes/common/tls_context.hpp"
#include "probes/http/request.hpp"
#include "probes/http/response_judge.hpp"
#include "probes/http/status_ranges.hpp"
#include "probes/http/url.hpp"

namespace graced::probes {

struct HttpSettings : CheckSettings {
  std::string url_text;  // as written, for check-config (redacted there)
  Url url;
  std::string method = "GET";
  HeaderList headers;
  StatusRanges expect_status;
  std::string expect_body;
  bool tls_verify = true;
  std::string ca_file;
  void emit(config::Emitter::Table& table) const override;
};

class HttpCheck : public Check {
 public:
  HttpCheck(std::shared_ptr<const HttpSettings> settings, const CheckContext& context);
  ~HttpCheck() override { cancel(); }
  void start(Done done) override;
  void cancel() override;

 private:
  void connected(Connection connection);
  void finish(CheckResult result);

  std::shared_ptr<const HttpSettings> settings_;
  std::string request_;
  Connector connector_;
  std::shared_ptr<const TlsContext> tls_;  // built at the first https attempt, then kept
  std::unique_ptr<ClientStream> stream_;
  std::unique_ptr<ResponseJudge> judge_;
  Done done_;
};

class HttpCheckKind : public CheckKind {
 public:
  std::string_view type() const override { return "http"; }
  const config::SectionSpec& spec() const override;
  bool is_dependency() const override { return true; }
  std::shared_ptr<const CheckSettings> parse(config::Section& section) const override;
  std::unique_ptr<Check> create(std::shared_ptr<const CheckSettings> settings,
                                const CheckContext& context) const override;
};

}  // namespace graced::probes
