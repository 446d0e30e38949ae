#include "probes/tcp/tcp_check.hpp"

namespace graced::probes {

void TcpSettings::emit(config::Emitter::Table& table) const {
  table.set("address", address);
}

void TcpCheck::start(Done done) {
  connector_.connect(settings_->target.host, settings_->target.port,
                     [done = std::move(done)](Connection connection) {
                       if (!connection.ok()) {
                         done(CheckResult::fail(std::move(connection.error)));
                         return;
                       }
                       connection.socket.close();
                       done(CheckResult::pass("connected to " + connection.peer));
                     });
}

const config::SectionSpec& TcpCheckKind::spec() const {
  static const auto& spec = config::register_section({
      "checks.tcp",
      "type = \"tcp\": passes when a TCP connection is accepted; it is closed at once.",
      {
          {"address", "string", "",
           "host:port to connect to; IPv6 in brackets (\"[::1]:6379\"). Names are resolved "
           "on every attempt and each address is tried in turn."},
      },
  });
  return spec;
}

std::shared_ptr<const CheckSettings> TcpCheckKind::parse(config::Section& section) const {
  auto address = section.string("address");
  if (!address) {
    if (!section.has("address"))
      section.error("address", "a tcp check needs an address (host:port)");
    return nullptr;
  }
  std::string error;
  auto target = parse_host_port(*address, error);
  if (!target) {
    section.error("address", error);
    return nullptr;
  }
  auto settings = std::make_shared<TcpSettings>();
  settings->address = *address;
  settings->target = std::move(*target);
  return settings;
}

std::unique_ptr<Check> TcpCheckKind::create(std::shared_ptr<const CheckSettings> settings,
                                            const CheckContext& context) const {
  return std::make_unique<TcpCheck>(std::static_pointer_cast<const TcpSettings>(settings), context);
}

namespace {
[[maybe_unused]] const auto& kTcpSpec = TcpCheckKind{}.spec();
}
GRACED_REGISTER_CHECK_KIND(TcpCheckKind)

}  // namespace graced::probes
