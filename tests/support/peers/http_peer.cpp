#include "peers/http_peer.hpp"

#include <chrono>
#include <stdexcept>

#include "harness/files.hpp"
#include "harness/wait.hpp"

namespace graced::test {
namespace {

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kOpenssl = "/usr/bin/openssl";

constexpr const char* kServer = R"PY(
import http.server, os, ssl, sys, threading, time, urllib.parse

directory = sys.argv[1]
log_lock = threading.Lock()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.answer
        raise AttributeError(name)

    def log_message(self, format, *args):
        pass

    def answer(self):
        with log_lock, open(os.path.join(directory, "requests.log"), "a") as log:
            log.write(self.requestline + "\n" + str(self.headers).rstrip("\n") + "\n--\n")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        def param(name, default):
            return query[name][0] if name in query else default
        if param("hang", "0") == "1":
            time.sleep(3600)
        if param("close", "0") == "1":
            self.close_connection = True
            return
        time.sleep(int(param("delay_ms", "0")) / 1000)
        body = ("x" * int(param("pad", "0")) + param("body", "ok")).encode()
        self.send_response(int(param("status", "200")))
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler)
server.daemon_threads = True
if len(sys.argv) > 3:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    # The handshake runs in the request's thread, so a stalled client blocks no one.
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
with open(os.path.join(directory, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
server.serve_forever()
)PY";

}  // namespace

TlsFiles make_self_signed_cert(const std::string& dir, const std::string& name,
                               const std::string& subject_alt_names) {
  TlsFiles files{dir + "/" + name + ".pem", dir + "/" + name + ".key"};
  run_peer_tool(
      {kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-days", "2", "-subj", "/CN=" + name, "-addext",
       "subjectAltName=" + subject_alt_names, "-keyout", files.key_file, "-out", files.cert_file},
      dir + "/openssl.log", std::nullopt, std::chrono::seconds(30));
  return files;
}

HttpPeer::HttpPeer() {
  start(nullptr, 0);
}

HttpPeer::HttpPeer(const TlsFiles& tls) {
  start(&tls, 0);
}

HttpPeer::HttpPeer(std::uint16_t port) {
  start(nullptr, port);
}

HttpPeer::~HttpPeer() {
  process_.kill();
}

void HttpPeer::start(const TlsFiles* tls, std::uint16_t port) {
  tls_ = tls != nullptr;
  const std::string script = dir_.file("http_peer.py");
  write_file(script, kServer);
  std::vector<std::string> argv = {kPython, script, dir_.path(), std::to_string(port)};
  if (tls) {
    argv.push_back(tls->cert_file);
    argv.push_back(tls->key_file);
  }
  const std::string log = dir_.file("server.log");
  process_.spawn(argv, log);
  const std::string port_file = dir_.file("port");
  if (!wait_until([&] { return file_exists(port_file) || !process_.running(); },
                  std::chrono::seconds(10)) ||
      !file_exists(port_file)) {
    process_.kill();
    throw std::runtime_error("the HTTP peer did not start:\n" + log_tail(log));
  }
  port_ = static_cast<std::uint16_t>(std::stoi(read_file(port_file).value_or("0")));
}

std::string HttpPeer::url(const std::string& path_and_query) const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
         path_and_query;
}

std::string HttpPeer::requests() const {
  return read_file(dir_.file("requests.log")).value_or("");
}

int HttpPeer::request_count() const {
  const std::string log = requests();
  int count = 0;
  for (std::size_t pos = log.find("\n--\n"); pos != std::string::npos;
       pos = log.find("\n--\n", pos + 1))
    ++count;
  return count;
}

}  // namespace graced::test
