// stack/virtual_network.cpp - one virtual LAN: switch, gateway netif, ageing timer.
#include "stack/virtual_network.hpp"

#include "stack/gateway_netif.hpp"
#include "stack/tcp_interceptor.hpp"
#include "stack/tcp_isn.hpp"
#include "stack/tcp_ports.hpp"

namespace switchyard::stack {

constexpr std::chrono::seconds ageing_interval{5};

net::mac_address gateway_mac_for(std::string_view network_name) {
  // 02:xx:... is locally administered unicast; the hash keeps it stable across restarts.
  std::array<std::uint8_t, 16> key{'s', 'w', 'i', 't', 'c', 'h', 'y', 'a', 'r', 'd', '-', 'g', 'w', 'm', 'a', 'c'};
  auto h = siphash24(key, reinterpret_cast<const std::uint8_t*>(network_name.data()), network_name.size());
  return net::mac_address::from_u64((0x02ULL << 40) | (h & 0xff'ffff'ffffULL));
}

virtual_network::virtual_network(boost::asio::io_context& core, network_settings settings)
    : settings_(std::move(settings)),
      gateway_mac_(gateway_mac_for(settings_.name)),
      switch_(switch_settings{.max_frame_size = settings_.max_frame_size(),
                              .max_macs_per_port = settings_.max_macs_per_port,
                              .mac_ageing = settings_.mac_ageing}),
      guard_(settings_.gateway),
      gateway_(std::make_unique<gateway_netif>(switch_, settings_.subnet, settings_.gateway, gateway_mac_,
                                               settings_.mtu)),
      interceptor_(std::make_unique<tcp_interceptor>(*gateway_)),
      ageing_timer_(core) {
  switch_.set_ingress_filter(&guard_);
  schedule_ageing();
}

virtual_network::~virtual_network() { ageing_timer_.cancel(); }

void virtual_network::receive(port_id from, std::span<const std::byte> frame) {
  switch_.receive(from, frame, std::chrono::steady_clock::now());
}

void virtual_network::schedule_ageing() {
  ageing_timer_.expires_after(ageing_interval);
  ageing_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    auto now = std::chrono::steady_clock::now();
    switch_.expire(now);
    gateway_->expire(now);
    interceptor_->expire(now);
    reclaim_idle_tcp_ports();
    schedule_ageing();
  });
}

}  // namespace switchyard::stack
