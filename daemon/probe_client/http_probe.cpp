#include "probe_client/http_probe.hpp"

#include <memory>

#include "loop/handle.hpp"
#include "probes/common/client_stream.hpp"
#include "probes/common/connector.hpp"
#include "probes/common/openssl_library.hpp"
#include "probes/common/tls_context.hpp"
#include "probes/http/request.hpp"

namespace graced::probe_client {
namespace {
// A status line longer than this is not one.
constexpr std::size_t kMaxStatusLine = 8192;
}  // namespace

std::optional<int> parse_status_line(std::string_view line) {
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') return std::nullopt;
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return std::nullopt;
    status = status * 10 + (line[i] - '0');
  }
  if (line.size() > 12 && line[12] != ' ') return std::nullopt;
  return status;
}

ProbeOutcome run_http_probe(const HttpProbeArgs& args) {
  std::shared_ptr<const probes::TlsContext> tls;
  if (args.url.https) {
    std::string error;
    tls = probes::TlsContext::create({true, "", {}}, error);
    if (!tls) return {kConnectFailed, "error: " + error};
  }
  if (args.url.has_credentials) {
    std::string error;  // Basic auth's base64 is OpenSSL's
    if (!probes::load_openssl(error)) return {kConnectFailed, "error: " + error};
  }
  const std::string request = probes::build_request("GET", args.url, {});
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::optional<ProbeOutcome> outcome;
  {
    probes::Connector connector(&loop);
    std::unique_ptr<probes::ClientStream> stream;
    loop::Timer timer(&loop);
    std::string head;
    bool ready = false;
    auto decide = [&](ProbeOutcome o) {
      if (outcome) return;
      outcome = std::move(o);
      connector.cancel();
      stream.reset();  // allowed from the stream's own handlers
      timer.stop();
      uv_stop(&loop);
    };
    timer.start(static_cast<std::uint64_t>(args.timeout.count()), [&] {
      decide({kRpcFailed, "timeout: no response from " + args.url_text + " within " +
                              config::format_duration(args.timeout)});
    });
    connector.connect(args.url.host, args.url.port, [&](probes::Connection connection) {
      if (!connection.ok()) {
        decide({kConnectFailed,
                "error: cannot connect to " + args.url_text + ": " + connection.error});
        return;
      }
      stream =
          std::make_unique<probes::ClientStream>(std::move(connection.socket), tls, args.url.host);
      stream->start({
          [&] {
            ready = true;
            stream->write(request);
          },
          [&](std::string_view data) {
            head.append(
                data.substr(0, kMaxStatusLine + 2 - std::min(head.size(), kMaxStatusLine + 2)));
            const auto eol = head.find("\r\n");
            if (eol == std::string::npos) {
              if (head.size() > kMaxStatusLine) decide({kRpcFailed, "error: not an HTTP response"});
              return;
            }
            auto status = parse_status_line(std::string_view(head).substr(0, eol));
            if (!status) {
              decide({kRpcFailed, "error: not an HTTP response"});
            } else if (*status >= 200 && *status < 400) {
              decide({kServing, "HTTP " + std::to_string(*status)});
            } else {
              decide({kUnhealthy, "unhealthy: HTTP " + std::to_string(*status)});
            }
          },
          [&](std::string error) {
            // Before `ready` the TLS handshake failed: no usable connection.
            if (!ready) {
              decide({kConnectFailed, "error: cannot connect to " + args.url_text + ": " +
                                          (error.empty() ? "connection closed" : error)});
            } else {
              decide({kRpcFailed, "error: connection closed before a response" +
                                      (error.empty() ? std::string() : ": " + error)});
            }
          },
      });
    });
    if (!outcome) uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_NOWAIT);
  uv_loop_close(&loop);
  return outcome.value_or(ProbeOutcome{kRpcFailed, "error: the probe ended without an answer"});
}

}  // namespace graced::probe_client
