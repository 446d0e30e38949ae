#include "peers/dns_peer.hpp"

#include <chrono>
#include <stdexcept>

#include "harness/files.hpp"
#include "harness/wait.hpp"

namespace graced::test {
namespace {

// Answers from argv: "name=addr,addr" for records, "silent:name" for no answer.
constexpr const char* kServer = R"PY(
import ipaddress, os, socket, struct, sys

directory = sys.argv[1]
answers, silent = {}, set()
for arg in sys.argv[2:]:
    if arg.startswith("silent:"):
        silent.add(arg[7:].lower())
    else:
        name, addrs = arg.split("=", 1)
        answers[name.lower()] = [ipaddress.ip_address(a) for a in addrs.split(",") if a]

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
with open(os.path.join(directory, "port.tmp"), "w") as f:
    f.write(str(sock.getsockname()[1]))
os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))

while True:
    query, client = sock.recvfrom(4096)
    if len(query) < 12:
        continue
    qid, flags = struct.unpack("!HH", query[:4])
    labels, pos = [], 12
    while pos < len(query) and query[pos] != 0:
        length = query[pos]
        labels.append(query[pos + 1:pos + 1 + length].decode(errors="replace"))
        pos += 1 + length
    pos += 1
    qtype, = struct.unpack("!H", query[pos:pos + 2])
    question = query[12:pos + 4]
    name = ".".join(labels).lower()
    with open(os.path.join(directory, "queries.log"), "a") as log:
        log.write({1: "A", 28: "AAAA"}.get(qtype, str(qtype)) + " " + name + "\n")
    if name in silent:
        continue
    records = []
    if name in answers:
        rcode = 0
        for a in answers[name]:
            if (qtype == 1 and a.version == 4) or (qtype == 28 and a.version == 6):
                records.append(struct.pack("!HHHIH", 0xC00C, qtype, 1, 60, len(a.packed)) + a.packed)
    else:
        rcode = 3
    reply_flags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode
    header = struct.pack("!HHHHHH", qid, reply_flags, 1, len(records), 0, 0)
    sock.sendto(header + question + b"".join(records), client)
)PY";

}  // namespace

DnsPeer::DnsPeer(const std::map<std::string, std::vector<std::string>>& answers,
                 const std::vector<std::string>& silent) {
  const std::string script = dir_.file("dns_peer.py");
  write_file(script, kServer);
  std::vector<std::string> argv = {"/usr/bin/python3", script, dir_.path()};
  for (const auto& [name, addresses] : answers) {
    std::string arg = name + "=";
    for (const auto& a : addresses)
      arg += a + ",";
    argv.push_back(arg);
  }
  for (const auto& name : silent)
    argv.push_back("silent:" + name);
  const std::string log = dir_.file("server.log");
  process_.spawn(argv, log);
  const std::string port_file = dir_.file("port");
  if (!wait_until([&] { return file_exists(port_file) || !process_.running(); },
                  std::chrono::seconds(10)) ||
      !file_exists(port_file)) {
    process_.kill();
    throw std::runtime_error("the DNS peer did not start:\n" + log_tail(log));
  }
  port_ = static_cast<std::uint16_t>(std::stoi(read_file(port_file).value_or("0")));
}

DnsPeer::~DnsPeer() {
  process_.kill();
}

std::string DnsPeer::server() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::string DnsPeer::queries() const {
  return read_file(dir_.file("queries.log")).value_or("");
}

}  // namespace graced::test
