#include "probe_client/probe_args.hpp"

#include <optional>

#include "probe_client/probe_command.hpp"

namespace graced::probe_client {
namespace {

// Walks the words, taking "--flag value" and "--flag=value" alike.
class Words {
 public:
  explicit Words(const std::vector<std::string>& words) : words_(words) {}
  bool done() const { return i_ >= words_.size(); }
  const std::string& peek() const { return words_[i_]; }
  std::string take() { return words_[i_++]; }

  // The flag's value when the current word is that flag; sets `missing` when it has none.
  std::optional<std::string> flag(const std::string& name, bool& missing) {
    const std::string& w = words_[i_];
    if (w.size() > name.size() && w.compare(0, name.size(), name) == 0 && w[name.size()] == '=') {
      ++i_;
      return w.substr(name.size() + 1);
    }
    if (w != name) return std::nullopt;
    if (i_ + 1 >= words_.size()) {
      missing = true;  // left in place, so the error can name it
      return std::nullopt;
    }
    i_ += 2;
    return words_[i_ - 1];
  }

 private:
  const std::vector<std::string>& words_;
  std::size_t i_ = 0;
};

std::optional<std::string> duration_error(const std::string& flag, const std::string& value,
                                          config::Duration& out) {
  auto d = config::parse_duration(value);
  if (!d || d->count() <= 0) return flag + ": \"" + value + "\" is not a duration (e.g. 1s, 500ms)";
  out = *d;
  return std::nullopt;
}

ProbeArgs parse_grpc(Words& w) {
  GrpcProbeArgs out;
  bool have_address = false;
  while (!w.done()) {
    bool missing = false;
    if (w.peek() == "-h" || w.peek() == "--help") return HelpArgs{};
    if (auto v = w.flag("--service", missing)) {
      out.service = *v;
    } else if (auto v2 = w.flag("--authority", missing)) {
      out.authority = *v2;
    } else if (auto v3 = w.flag("--connect-timeout", missing)) {
      if (auto e = duration_error("--connect-timeout", *v3, out.connect_timeout))
        return ArgsError{*e};
    } else if (auto v4 = w.flag("--rpc-timeout", missing)) {
      if (auto e = duration_error("--rpc-timeout", *v4, out.rpc_timeout)) return ArgsError{*e};
    } else if (auto v5 = w.flag("--header", missing)) {
      const auto colon = v5->find(':');
      if (colon == std::string::npos || colon == 0) {
        return ArgsError{"--header: \"" + *v5 + "\" is not \"name: value\""};
      }
      std::string value = v5->substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.erase(0, 1);
      out.headers.emplace_back(v5->substr(0, colon), value);
    } else if (missing) {
      return ArgsError{w.peek() + " needs a value"};
    } else if (!w.peek().empty() && w.peek()[0] == '-') {
      return ArgsError{"unknown option " + w.peek()};
    } else if (have_address) {
      return ArgsError{"unexpected argument \"" + w.peek() + "\""};
    } else {
      out.address = w.take();
      have_address = true;
    }
  }
  if (!have_address) return ArgsError{"graced probe grpc needs an address (host:port)"};
  std::string error;
  auto target = probes::parse_host_port(out.address, error);
  if (!target) return ArgsError{"\"" + out.address + "\": " + error};
  out.target = std::move(*target);
  return out;
}

ProbeArgs parse_http(Words& w) {
  HttpProbeArgs out;
  bool have_url = false;
  while (!w.done()) {
    bool missing = false;
    if (w.peek() == "-h" || w.peek() == "--help") return HelpArgs{};
    if (auto v = w.flag("--timeout", missing)) {
      if (auto e = duration_error("--timeout", *v, out.timeout)) return ArgsError{*e};
    } else if (missing) {
      return ArgsError{w.peek() + " needs a value"};
    } else if (!w.peek().empty() && w.peek()[0] == '-') {
      return ArgsError{"unknown option " + w.peek()};
    } else if (have_url) {
      return ArgsError{"unexpected argument \"" + w.peek() + "\""};
    } else {
      out.url_text = w.take();
      have_url = true;
    }
  }
  if (!have_url) return ArgsError{"graced probe http needs a URL (http://host:port/path)"};
  std::string error;
  auto url = probes::parse_url(out.url_text, error);
  if (!url) return ArgsError{"\"" + out.url_text + "\": " + error};
  out.url = std::move(*url);
  return out;
}

}  // namespace

ProbeArgs parse_probe_args(const std::vector<std::string>& args) {
  if (args.empty()) return ArgsError{"graced probe needs a protocol: grpc or http"};
  Words w(args);
  const std::string protocol = w.take();
  if (protocol == "-h" || protocol == "--help" || protocol == "help") return HelpArgs{};
  if (protocol == "grpc") return parse_grpc(w);
  if (protocol == "http") return parse_http(w);
  return ArgsError{"unknown protocol \"" + protocol + "\" (use grpc or http)"};
}

std::string probe_usage() {
  return R"(Usage: graced probe grpc HOST:PORT [--service NAME] [--connect-timeout 1s]
                        [--rpc-timeout 1s] [--authority HOST] [--header 'name: value']...
       graced probe http URL [--timeout 1s]

Checks one endpoint once and exits; made for exec probes and scripts. No configuration
file is read.

grpc  calls grpc.health.v1.Health/Check over HTTP/2 cleartext (h2c); --service ""
      (the default) asks for the server's overall health. Prints "status: SERVING".
http  sends GET to an http:// or https:// URL; 2xx and 3xx pass.

Exit status (those of grpc_health_probe):
  0  SERVING (http: a 2xx or 3xx status)
  1  bad arguments
  2  the connection failed or timed out (--connect-timeout)
  3  connected, but the call failed or timed out (--rpc-timeout; http: --timeout), or
     the server answered with a gRPC error (e.g. UNIMPLEMENTED, NOT_FOUND)
  4  the server answered, but not SERVING (http: any other status)
)";
}

}  // namespace graced::probe_client
