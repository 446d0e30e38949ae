// A DNS server on loopback (python3, UDP) for tests of name resolution: it answers the
// names it is given, never answers the silent ones, and says NXDOMAIN to everything else.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/temp_dir.hpp"
#include "peers/peer_process.hpp"

namespace graced::test {

class DnsPeer {
 public:
  // `answers`: name -> addresses (IPv4 answer A queries, IPv6 AAAA queries).
  // `silent`: names whose queries get no answer at all.
  DnsPeer(const std::map<std::string, std::vector<std::string>>& answers,
          const std::vector<std::string>& silent = {});
  ~DnsPeer();
  DnsPeer(const DnsPeer&) = delete;
  DnsPeer& operator=(const DnsPeer&) = delete;

  std::uint16_t port() const { return port_; }
  // "127.0.0.1:<port>": the form a resolver takes as its server list.
  std::string server() const;
  // Names queried so far, one per line ("A db.test").
  std::string queries() const;

 private:
  TempDir dir_;
  PeerProcess process_;
  std::uint16_t port_ = 0;
};

}  // namespace graced::test
