// gateway/dns_service.cpp - DNS on a network's gateway, UDP and TCP port 53.
#include "gateway/dns_service.hpp"

#include <boost/asio/post.hpp>
#include <algorithm>
#include <boost/url/ipv6_address.hpp>

#include "gateway/egress/network_egress.hpp"
#include "gateway/logging.hpp"
#include "gateway/resolver/resolver.hpp"
#include "protocols/dns/answer.hpp"
#include "protocols/dns/rdata.hpp"
#include "stack/tcp_ports.hpp"

namespace switchyard::gateway {
namespace {

constexpr std::uint16_t dns_port = 53;

spdlog::logger& log() {
  static const auto logger = get_logger("dns");
  return *logger;
}

// A configured owner name: "@" is the domain, a final '.' is absolute, else relative.
std::optional<dns::name> owner_name(const std::string& text, const dns::name& domain) {
  if (text == "@") return domain;
  if (text.ends_with('.')) return dns::name::from_text(text);
  return dns::name::from_text(text + "." + domain.to_text());
}

dns::resource_record to_record(const dns_record& r, const dns::name& domain, const std::string& network) {
  auto fail = [&](const std::string& why) -> dns::resource_record {
    throw config_error("network " + network + ": record " + r.type + " " + r.name + ": " + why);
  };
  auto owner = owner_name(r.name, domain);
  if (!owner) return fail("not a valid owner name");
  dns::resource_record rr{.owner = *owner, .type = 0, .rclass = dns::class_in, .ttl = r.ttl, .rdata = {}};
  if (r.type == "A") {
    rr.type = static_cast<std::uint16_t>(dns::rr_type::a);
    rr.rdata = dns::a_rdata(*net::ipv4_address::parse(r.value));
  } else if (r.type == "AAAA") {
    rr.type = static_cast<std::uint16_t>(dns::rr_type::aaaa);
    auto v6 = boost::urls::parse_ipv6_address(r.value);
    if (!v6) return fail("not an IPv6 address");
    auto bytes = v6->to_bytes();
    dns::ipv6_bytes address{};
    std::copy(bytes.begin(), bytes.end(), address.begin());
    rr.rdata = dns::aaaa_rdata(address);
  } else if (r.type == "CNAME" || r.type == "PTR" || r.type == "SRV") {
    auto target = owner_name(r.value, domain);
    if (!target) return fail("not a valid target name");
    if (r.type == "SRV") {
      rr.type = static_cast<std::uint16_t>(dns::rr_type::srv);
      rr.rdata = dns::srv_rdata({.priority = r.priority, .weight = r.weight, .port = r.port, .target = *target});
    } else {
      rr.type = static_cast<std::uint16_t>(r.type == "CNAME" ? dns::rr_type::cname : dns::rr_type::ptr);
      rr.rdata = dns::name_rdata(*target);
    }
  } else if (r.type == "TXT") {
    rr.type = static_cast<std::uint16_t>(dns::rr_type::txt);
    std::vector<std::string_view> chunks;  // TXT strings hold 255 bytes each
    for (std::size_t i = 0; i < r.value.size(); i += 255) chunks.push_back(std::string_view(r.value).substr(i, 255));
    auto rdata = dns::txt_rdata(chunks);
    if (!rdata) return fail("text too long");
    rr.rdata = std::move(*rdata);
  } else {
    return fail("unsupported type");
  }
  return rr;
}

dns::zone build_zone(const network_config& c) {
  auto domain = dns::name::from_text(c.domain);
  if (!domain) throw config_error("network " + c.name + ": domain " + c.domain + " is not a DNS name");
  dns::zone z(*domain, c.subnet);
  z.set_host("gateway", c.gateway);
  for (const auto& h : c.hosts)
    if (!h.name.empty()) z.set_host(h.name, h.address);
  for (const auto& r : c.records) {
    dns::zone_error why{};
    if (!z.add_record(to_record(r, *domain, c.name), &why))
      throw config_error("network " + c.name + ": record " + r.type + " " + r.name + " refused by the zone (" +
                         (why == dns::zone_error::outside_zone      ? "outside the domain and reverse zone"
                          : why == dns::zone_error::cname_conflict ? "CNAME beside other data"
                                                                   : "invalid data") +
                         ")");
  }
  return z;
}

}  // namespace

// One DNS-over-TCP connection: length-prefixed queries in, answers out.
class dns_service::tcp_client {
 public:
  tcp_client(dns_service& owner, std::uint64_t id, std::unique_ptr<stack::tcp_connection> c)
      : owner_(owner), id_(id), peer_(c->remote().address), connection_(std::move(c)), idle_(owner.core_) {
    connection_->set_handlers({.on_data = [this](std::span<const std::byte> d) { on_data(d); },
                               .on_peer_closed = [this] { finish(); },
                               .on_sent = {},
                               .on_error = [this] { finish(); }});
    arm_idle();
  }

 private:
  void on_data(std::span<const std::byte> data) {
    // Bounded: one message of at most 65535 bytes plus its prefix is all we hold.
    if (in_.size() + data.size() > 2 + dns::max_tcp_message) return finish();
    in_.insert(in_.end(), data.begin(), data.end());
    connection_->acknowledge(data.size());
    // The deadline moves only when a whole query was answered: trickling a
    // message byte by byte cannot hold a connection open.
    while (in_.size() >= 2) {
      std::size_t length = (std::to_integer<std::size_t>(in_[0]) << 8) | std::to_integer<std::size_t>(in_[1]);
      if (in_.size() < 2 + length) break;
      ++owner_.counters_.tcp_queries;
      std::vector<std::byte> reply(2 + dns::max_tcp_message);
      // A forwarded answer comes later (RFC 7766 allows answers out of order);
      // it finds this client by id, which may have gone meanwhile.
      auto later = [&owner = owner_, id = id_](std::span<const std::byte> message) {
        auto it = owner.tcp_clients_.find(id);
        if (it != owner.tcp_clients_.end()) it->second->send(message);
      };
      std::size_t n = owner_.handle_query(std::span(in_).subspan(2, length), dns::transport::tcp, peer_,
                                          std::span(reply).subspan(2), later);
      in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(2 + length));
      arm_idle();
      if (n == 0) continue;
      if (!send(std::span(reply).subspan(2, n))) return;
    }
  }

 public:
  bool send(std::span<const std::byte> message) {
    if (finishing_) return false;
    std::byte prefix[2] = {std::byte(message.size() >> 8), std::byte(message.size() & 0xff)};
    if (connection_->send_buffer() < 2 + message.size()) {
      finish();  // no room: the client is not reading
      return false;
    }
    // lwIP may still refuse part (segment queue full): a cut answer would
    // corrupt the stream, so the connection ends instead.
    if (connection_->write(prefix) != sizeof prefix || connection_->write(message) != message.size()) {
      finish();
      return false;
    }
    return true;
  }

 private:

  void arm_idle() {
    idle_.expires_after(tcp_idle_timeout);
    idle_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) finish();
    });
  }

  // Teardown is posted: lwIP callbacks must not destroy their connection.
  void finish() {
    if (finishing_) return;
    finishing_ = true;
    idle_.cancel();
    boost::asio::post(owner_.core_, [&owner = owner_, id = id_] { owner.close_client(id); });
  }

  dns_service& owner_;
  std::uint64_t id_;

 public:
  const net::ipv4_address peer_;

 private:
  std::unique_ptr<stack::tcp_connection> connection_;
  boost::asio::steady_timer idle_;
  std::vector<std::byte> in_;
  bool finishing_ = false;
};

dns_service::dns_service(boost::asio::io_context& core, stack::virtual_network& network, const network_config& config,
                         resolver* forwarder, network_egress* egress)
    : core_(core),
      network_(network),
      zone_(build_zone(config)),
      out_(dns::max_tcp_message),
      forwarder_(forwarder),
      egress_(egress) {
  static_names_ = {"gateway", "hostmaster"};
  for (const auto& h : config.hosts) static_names_.insert(h.name);
  for (const auto& r : config.records) static_names_.insert(r.name);
  network_.gateway().bind_udp(dns_port, this);
  log().info("network {}: DNS for {} on {}:53 (UDP, TCP)", config.name, config.domain, config.gateway.to_string());
  stack::listen_tcp(network_.gateway(), dns_port,
                    [this](std::unique_ptr<stack::tcp_connection> c) { accept(std::move(c)); });
}

dns_service::~dns_service() {
  alive_.reset();
  network_.gateway().bind_udp(dns_port, nullptr);
  stack::unlisten_tcp(network_.gateway(), dns_port);
  tcp_clients_.clear();
}

void dns_service::on_datagram(const stack::udp_datagram& d) {
  if (d.destination != network_.settings().gateway) return;  // no broadcast DNS
  ++counters_.udp_queries;
  auto reply = [this, mac = d.source_mac, client = d.source, port = d.source_port,
                gateway = d.destination](std::span<const std::byte> message) {
    network_.gateway().send_udp(mac, client, port, gateway, dns_port, message);
  };
  std::size_t n = handle_query(d.payload, dns::transport::udp, d.source, out_, reply);
  if (n > 0) reply(std::span(out_).first(n));
}

bool dns_service::answer_https(std::span<const std::byte> query, net::ipv4_address client,
                               std::function<void(std::span<const std::byte>)> reply) {
  ++counters_.https_queries;
  std::vector<std::byte> out(dns::max_tcp_message);
  auto forwarded = counters_.forwarded;
  std::size_t n = handle_query(query, dns::transport::tcp, client, out, reply);
  if (n > 0) {
    reply(std::span(out).first(n));
    return true;
  }
  return counters_.forwarded != forwarded;  // the answer comes later
}

std::size_t dns_service::handle_query(std::span<const std::byte> query, dns::transport t, net::ipv4_address client,
                                      std::span<std::byte> out, reply_fn reply) {
  dns::parsed_query pq = dns::parse_query(query);
  bool outside = pq.ok() && pq.query.question && !zone_.is_authoritative_for(pq.query.question->qname) &&
                 pq.query.question->qclass == dns::class_in;
  if (!outside || !forwarder_ || !egress_) {
    std::size_t n = dns::answer(zone_, query, t, out);  // REFUSED for names outside the zone
    if (n == 0) ++counters_.dropped;
    return n;
  }
  const dns::query& q = pq.query;
  if (q.question->qtype == static_cast<std::uint16_t>(dns::rr_type::aaaa)) {
    ++counters_.aaaa_suppressed;  // no IPv6 egress: NODATA now, the guest uses A
    return dns::answer_forwarded(q, dns::rcode::noerror, {}, nullptr, t, out);
  }
  std::string qname = q.question->qname.to_text();
  if (qname.ends_with('.')) qname.pop_back();
  std::transform(qname.begin(), qname.end(), qname.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!policy::may_resolve(egress_->policy(), qname)) {
    ++counters_.forward_refused;
    return dns::answer_forwarded(q, dns::rcode::refused, {}, nullptr, t, out);
  }
  auto& per_vm = in_flight_per_vm_[client.value()];
  if (in_flight_ >= max_forwarded_in_flight || per_vm >= max_forwarded_per_vm) {
    if (per_vm == 0) in_flight_per_vm_.erase(client.value());
    ++counters_.forward_dropped;  // the client retries; a flood gets nothing
    return 0;
  }
  ++per_vm;
  ++in_flight_;
  ++counters_.forwarded;
  forwarder_->resolve(q.question->qname, q.question->qtype,
                      [this, alive = std::weak_ptr<bool>(alive_), q, t, client, qname,
                       started = std::chrono::steady_clock::now(), reply = std::move(reply)](const resolution& r) {
                        if (alive.expired()) return;
                        bool fresh = r.from_cache && !r.stale;
                        (fresh ? forward_latency_.cache : forward_latency_.upstream)
                            .observe(std::chrono::steady_clock::now() - started);
                        if (fresh) ++counters_.forward_cache_hits;
                        if (r.code == dns::rcode::servfail) ++counters_.forward_failures;
                        --in_flight_;
                        if (auto it = in_flight_per_vm_.find(client.value());
                            it != in_flight_per_vm_.end() && --it->second == 0)
                          in_flight_per_vm_.erase(it);
                        if (r.code == dns::rcode::noerror) remember_addresses(qname, r.answers);
                        std::vector<std::byte> message(dns::max_tcp_message);
                        std::size_t n = dns::answer_forwarded(q, r.code, r.answers, r.soa ? &*r.soa : nullptr, t,
                                                              message);
                        if (n > 0) reply(std::span(message).first(n));
                      });
  return 0;
}

void dns_service::remember_addresses(const std::string& qname, const std::vector<dns::resource_record>& answers) {
  auto now = std::chrono::steady_clock::now();
  auto chain = names_in_answer(qname, answers);  // the name asked, and every CNAME target on the way
  for (const auto& rr : answers) {
    if (rr.type != static_cast<std::uint16_t>(dns::rr_type::a)) continue;
    auto address = dns::read_a(rr.rdata);
    if (!address) continue;
    for (const auto& name : chain) egress_->names().remember(*address, name, std::chrono::seconds(rr.ttl), now);
  }
}

void dns_service::set_host(const std::string& label, net::ipv4_address address, bool bound) {
  // A VM calling itself "gateway" (or a configured name) must not take that name over.
  if (label.empty() || static_names_.contains(label)) return;
  if (bound) zone_.set_host(label, address);
  else zone_.remove_host(label);
}

std::vector<dns_service::record_view> dns_service::records() const {
  std::vector<record_view> out;
  auto gateway_name = "gateway." + zone_.domain().to_text();
  for (const auto& r : zone_.list()) {
    record_view v{.name = r.owner.to_text(), .type = dns::type_name(r.type),
                  .value = r.value, .ttl = r.ttl, .source = "config"};
    std::string owner = v.name;
    if (!owner.empty() && owner.back() == '.') owner.pop_back();
    if (r.kind == dns::zone_listing::apex) {
      v.source = "zone";
    } else if (r.kind == dns::zone_listing::host) {
      // set_host() names: the gateway's, a reservation's (config), or a lease's.
      std::string host = r.type == static_cast<std::uint16_t>(dns::rr_type::ptr) ? r.value : v.name;
      if (!host.empty() && host.back() == '.') host.pop_back();
      auto label = host.substr(0, host.find('.'));
      v.source = label == "gateway" ? "gateway" : static_names_.contains(label) ? "config" : "dhcp";
    } else if (api_records_.contains({owner, v.type})) {
      v.source = "api";
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<std::string> dns_service::add_api_record(const dns_record& record, record_view* added) {
  if (api_record_count_ >= max_api_records)
    return "this network already has " + std::to_string(max_api_records) + " records added over the API";
  dns::resource_record rr;
  try {
    rr = to_record(record, zone_.domain(), network_.settings().name);
  } catch (const config_error& e) {
    return e.what();
  }
  dns::zone_error why{};
  if (!zone_.add_record(rr, &why))
    return std::string("refused by the zone: ") + (why == dns::zone_error::outside_zone     ? "outside the domain and reverse zone"
                                                   : why == dns::zone_error::cname_conflict ? "CNAME beside other data"
                                                                                            : "invalid data");
  std::string owner = rr.owner.lowercase().to_text();
  if (!owner.empty() && owner.back() == '.') owner.pop_back();
  api_records_.insert({owner, record.type});
  ++api_record_count_;
  if (added) {
    for (auto& v : records())
      if (v.source == "api" && v.type == record.type && (v.name == owner || v.name == owner + "."))
        *added = std::move(v);
  }
  return std::nullopt;
}

std::optional<std::string> dns_service::absolute_owner(std::string_view name) const {
  auto owner = owner_name(std::string(name), zone_.domain());
  if (!owner) return std::nullopt;
  std::string text = owner->lowercase().to_text();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

std::size_t dns_service::remove_api_records(std::string_view name, std::string_view type) {
  auto text = absolute_owner(name);
  auto rr_type = dns::type_from_name(type);
  if (!text || !rr_type) return 0;
  auto it = api_records_.find({*text, std::string(type)});
  if (it == api_records_.end()) return 0;
  api_records_.erase(it);
  auto removed = zone_.remove_record(*owner_name(std::string(name), zone_.domain()), static_cast<std::uint16_t>(*rr_type));
  api_record_count_ -= std::min(removed, api_record_count_);
  return removed;
}

void dns_service::accept(std::unique_ptr<stack::tcp_connection> connection) {
  auto peer = connection->remote().address;
  auto from_peer = std::count_if(tcp_clients_.begin(), tcp_clients_.end(),
                                 [&](const auto& c) { return c.second->peer_ == peer; });
  // One VM may not take every slot: a cap per client address, then one overall.
  if (tcp_clients_.size() >= max_tcp_clients || static_cast<std::size_t>(from_peer) >= max_tcp_per_client) {
    ++counters_.tcp_refused;
    // Not inside lwIP's accept callback: closing there would free the pcb under it.
    boost::asio::post(core_, [c = std::shared_ptr<stack::tcp_connection>(std::move(connection))] { c->abort(); });
    return;
  }
  ++counters_.tcp_connections;
  auto id = next_client_++;
  tcp_clients_.emplace(id, std::make_unique<tcp_client>(*this, id, std::move(connection)));
}

void dns_service::close_client(std::uint64_t id) { tcp_clients_.erase(id); }

}  // namespace switchyard::gateway
