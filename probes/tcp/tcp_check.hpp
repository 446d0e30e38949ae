// type = "tcp": passes when a TCP connection to `address` is accepted (closed at once).
#pragma once

#include <memory>
#include <string>

#include "probes/check.hpp"
#include "probes/common/address.hpp"
#include "probes/common/connector.hpp"

namespace graced::probes {

struct TcpSettings : CheckSettings {
  std::string address;  // as written: "db:5432"
  HostPort target;
  void emit(config::Emitter::Table& table) const override;
};

class TcpCheck : public Check {
 public:
  TcpCheck(std::shared_ptr<const TcpSettings> settings, const CheckContext& context)
      : settings_(std::move(settings)), connector_(context.loop) {}
  void start(Done done) override;
  void cancel() override { connector_.cancel(); }

 private:
  std::shared_ptr<const TcpSettings> settings_;
  Connector connector_;
};

class TcpCheckKind : public CheckKind {
 public:
  std::string_view type() const override { return "tcp"; }
  const config::SectionSpec& spec() const override;
  bool is_dependency() const override { return true; }
  std::shared_ptr<const CheckSettings> parse(config::Section& section) const override;
  std::unique_ptr<Check> create(std::shared_ptr<const CheckSettings> settings,
                                const CheckContext& context) const override;
};

}  // namespace graced::probes
