#include "probes/http/http_check.hpp"

#include "config/redact.hpp"
#include "probes/common/openssl_library.hpp"

namespace graced::probes {

void HttpSettings::emit(config::Emitter::Table& table) const {
  table.set("url", config::redact_value(url_text));
  table.set("method", method);
  if (!headers.empty()) table.set_table("headers", headers);
  table.set("expect_status", expect_status.str());
  if (!expect_body.empty()) table.set("expect_body", expect_body);
  if (url.https) {
    table.set("tls_verify", tls_verify);
    if (!ca_file.empty()) table.set("ca_file", ca_file);
  }
}

HttpCheck::HttpCheck(std::shared_ptr<const HttpSettings> settings, const CheckContext& context)
    : settings_(std::move(settings)),
      request_(build_request(settings_->method, settings_->url, settings_->headers)),
      connector_(context.loop) {}

void HttpCheck::start(Done done) {
  cancel();
  if (settings_->url.https && !tls_) {
    std::string error;
    tls_ = TlsContext::create({settings_->tls_verify, settings_->ca_file, {}}, error);
    if (!tls_) {
      done(CheckResult::fail(std::move(error)));
      return;
    }
  }
  done_ = std::move(done);
  judge_ = std::make_unique<ResponseJudge>(settings_->expect_status, settings_->expect_body);
  connector_.connect(settings_->url.host, settings_->url.port,
                     [this](Connection connection) { connected(std::move(connection)); });
}

void HttpCheck::cancel() {
  connector_.cancel();
  stream_.reset();
  done_ = nullptr;
}

void HttpCheck::connected(Connection connection) {
  if (!connection.ok()) {
    finish(CheckResult::fail(std::move(connection.error)));
    return;
  }
  stream_ = std::make_unique<ClientStream>(
      std::move(connection.socket), settings_->url.https ? tls_ : nullptr, settings_->url.host);
  // Each handler ends with its last use of `this`: finish() may destroy the check.
  stream_->start({
      [this] { stream_->write(request_); },
      [this](std::string_view bytes) {
        if (auto verdict = judge_->feed(bytes)) finish(std::move(*verdict));
      },
      [this](std::string error) { finish(judge_->end(error)); },
  });
}

void HttpCheck::finish(CheckResult result) {
  stream_.reset();
  Done callback = std::move(done_);
  done_ = nullptr;
  if (callback) callback(std::move(result));
}

const config::SectionSpec& HttpCheckKind::spec() const {
  static const auto& spec = config::register_section({
      "checks.http",
      "type = \"http\": passes when an HTTP(S) request answers with an expected status (and "
      "body).",
      {
          {"url", "string", "",
           "http:// or https:// URL. Credentials in it (user:pass@) are sent as Basic auth "
           "and never shown."},
          {"method", "string", "\"GET\"", "Request method."},
          {"headers", "table", "{}",
           "Extra request headers, e.g. { Authorization = \"Bearer ${TOKEN}\" }. Host, "
           "User-Agent and Authorization may be replaced; Connection, Content-Length and "
           "Transfer-Encoding may not."},
          {"expect_status", "string", "\"200-399\"",
           "Healthy status codes: a code, a range or a comma-separated list (\"200,204\", "
           "\"200-299,404\")."},
          {"expect_body", "string", "unset",
           "When set, the body (its first 64 KiB) must contain this text."},
          {"tls_verify", "bool", "true",
           "For https://: verify the server's certificate chain and host name."},
          {"ca_file", "string", "unset",
           "For https://: PEM file of the CA certificates to trust instead of the system's."},
      },
  });
  return spec;
}

namespace {

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool valid_header_value(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<const CheckSettings> HttpCheckKind::parse(config::Section& section) const {
  auto settings = std::make_shared<HttpSettings>();
  bool ok = true;

  if (auto url = section.string("url")) {
    std::string error;
    if (auto parsed = parse_url(*url, error)) {
      settings->url = std::move(*parsed);
      settings->url_text = *url;
    } else {
      // The URL may hold a password: show it redacted.
      section.error("url", config::redact_value(error));
      ok = false;
    }
  } else {
    if (!section.has("url")) section.error("url", "an http check needs a url");
    ok = false;
  }

  if (auto method = section.string("method")) {
    if (!is_token(*method)) {
      section.error("method", "\"" + *method + "\" is not an HTTP method");
      ok = false;
    }
    settings->method = *method;
  } else if (section.has("method")) {
    ok = false;
  }

  if (auto headers = section.string_table("headers")) {
    for (const auto& [name, value] : *headers) {
      if (!is_token(name)) {
        section.error("headers", "\"" + name + "\" is not a header name");
        ok = false;
      } else if (is_reserved_header(name)) {
        section.error("headers", name + " is managed by graced and cannot be set");
        ok = false;
      } else if (!valid_header_value(value)) {
        section.error("headers", "the value of " + name + " contains control characters");
        ok = false;
      }
    }
    settings->headers = std::move(*headers);
  } else if (section.has("headers")) {
    ok = false;
  }

  std::string status_text = "200-399";
  if (auto text = section.string("expect_status")) {
    status_text = *text;
  } else if (section.has("expect_status")) {
    ok = false;
  }
  std::string error;
  if (auto ranges = StatusRanges::parse(status_text, error)) {
    settings->expect_status = std::move(*ranges);
  } else {
    section.error("expect_status", error);
    ok = false;
  }

  if (auto body = section.string("expect_body")) {
    if (body->empty()) {
      section.error("expect_body", "must not be empty (leave it out to check the status only)");
      ok = false;
    } else if (settings->method == "HEAD") {
      section.error("expect_body", "a HEAD response has no body");
      ok = false;
    }
    settings->expect_body = std::move(*body);
  } else if (section.has("expect_body")) {
    ok = false;
  }

  if (auto verify = section.boolean("tls_verify")) {
    settings->tls_verify = *verify;
  } else if (section.has("tls_verify")) {
    ok = false;
  }
  if (auto ca_file = section.string("ca_file")) {
    if (ca_file->empty()) {
      section.error("ca_file", "must not be empty");
      ok = false;
    }
    settings->ca_file = std::move(*ca_file);
  } else if (section.has("ca_file")) {
    ok = false;
  }
  if (ok && !settings->url.https) {
    if (section.has("ca_file")) section.warning("ca_file", "ignored: the url is not https://");
    if (section.has("tls_verify"))
      section.warning("tls_verify", "ignored: the url is not https://");
  } else if (ok && !settings->tls_verify && section.has("ca_file")) {
    section.warning("ca_file", "ignored: tls_verify is false");
  }

  // TLS and Basic auth's base64 are OpenSSL's, loaded only for the checks that need them
  // (an Authorization header of the configuration's own replaces the URL's credentials).
  const bool basic_auth =
      settings->url.has_credentials && !has_header(settings->headers, "Authorization");
  std::string why;
  if (ok && (settings->url.https || basic_auth) && !load_openssl(why)) {
    section.error("url", why);
    ok = false;
  }

  if (!ok) return nullptr;
  return settings;
}

std::unique_ptr<Check> HttpCheckKind::create(std::shared_ptr<const CheckSettings> settings,
                                             const CheckContext& context) const {
  return std::make_unique<HttpCheck>(std::static_pointer_cast<const HttpSettings>(settings),
                                     context);
}

namespace {
[[maybe_unused]] const auto& kHttpSpec = HttpCheckKind{}.spec();
}
GRACED_REGISTER_CHECK_KIND(HttpCheckKind)

}  // namespace graced::probes
