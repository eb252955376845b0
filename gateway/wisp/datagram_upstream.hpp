// gateway/wisp/datagram_upstream.hpp - Wisp UDP streams: one DATA packet is
// one datagram, both ways, no flow control (a datagram that finds no room is
// dropped, as UDP may).
//
//   socket_datagram_upstream  to the internet: a connected server socket, so
//                             the kernel accepts replies from that peer only.
//   lan_datagram_upstream     into a VM: sent from the gateway's address and an
//                             ephemeral gateway port (gateway_netif), replies
//                             accepted from the VM's address and port only.
#pragma once

#include <boost/asio/ip/udp.hpp>
#include <memory>

#include "gateway/wisp/wisp_upstream.hpp"
#include "stack/gateway_netif.hpp"

namespace switchyard::gateway {

class socket_datagram_upstream final : public wisp_upstream,
                                       public std::enable_shared_from_this<socket_datagram_upstream> {
 public:
  socket_datagram_upstream(boost::asio::io_context& io, owner& o, std::uint32_t id,
                           boost::asio::ip::udp::endpoint target);

  void start() override;
  void send(std::span<const std::byte> data) override;
  void resume() override;
  void stop() override;
  std::size_t pending_bytes() const override { return 0; }

 private:
  void arm_read();
  void on_readable(const boost::system::error_code& ec);
  void fail(wisp::close_reason why);

  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint target_;
  bool open_ = false, stopped_ = false, reading_ = false, waiting_ = false;
};

class lan_datagram_upstream final : public wisp_upstream,
                                    public stack::udp_service,
                                    public std::enable_shared_from_this<lan_datagram_upstream> {
 public:
  lan_datagram_upstream(boost::asio::io_context& io, owner& o, std::uint32_t id, stack::gateway_netif& network,
                        net::ipv4_address vm, std::uint16_t port);
  ~lan_datagram_upstream() override;

  void start() override;
  void send(std::span<const std::byte> data) override;
  void resume() override {}
  void stop() override;
  std::size_t pending_bytes() const override { return 0; }

  void on_datagram(const stack::udp_datagram& datagram) override;

 private:
  boost::asio::io_context& io_;
  stack::gateway_netif& network_;
  net::ipv4_address vm_;
  std::uint16_t port_;
  std::uint16_t local_port_ = 0;
  bool stopped_ = false;
};

}  // namespace switchyard::gateway
