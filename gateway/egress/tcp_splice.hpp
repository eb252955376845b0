// gateway/egress/tcp_splice.hpp - one VM connection (lwIP) joined to one
// outbound socket (Asio), with backpressure both ways.
//
// Theory of operation
//   VM -> upstream: bytes lwIP delivers are copied to `to_upstream_` and
//   written to the socket; lwIP's receive window is opened (acknowledge) only
//   by what the socket took, so a slow upstream closes the VM's window.
//   Upstream -> VM: the socket is read only while lwIP has send buffer, and
//   never more than it has; when lwIP's buffer is full, reading stops until
//   on_sent reports space. Half-close travels both ways (FIN -> shutdown,
//   EOF -> FIN). An error on either side resets the other at once. When both
//   directions are finished, or on error, the splice tears itself down (posted:
//   lwIP callbacks must not destroy their pcb) and calls `on_closed`.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "stack/tcp_connection.hpp"

namespace switchyard::gateway {

class tcp_splice : public std::enable_shared_from_this<tcp_splice> {
 public:
  tcp_splice(boost::asio::ip::tcp::socket upstream, std::unique_ptr<stack::tcp_connection> vm_side,
             std::function<void(const tcp_splice&)> on_closed);
  ~tcp_splice();
  tcp_splice(const tcp_splice&) = delete;
  tcp_splice& operator=(const tcp_splice&) = delete;

  void start();
  /// Tears both sides down now (RST to the VM, socket closed).
  void abort();
  /// The owner is going away: on_closed will not be called.
  void forget_owner() { on_closed_ = nullptr; }

  std::uint64_t bytes_to_upstream() const { return bytes_to_upstream_; }
  std::uint64_t bytes_to_vm() const { return bytes_to_vm_; }

 private:
  void on_vm_data(std::span<const std::byte> data);
  void on_vm_fin();
  void write_upstream();
  void read_upstream();
  void push_to_vm();
  void maybe_finish();
  void fail();
  void finish();

  boost::asio::ip::tcp::socket upstream_;
  std::unique_ptr<stack::tcp_connection> vm_;
  boost::asio::steady_timer retry_;  // lwIP out of memory with nothing in flight: no on_sent will come
  std::function<void(const tcp_splice&)> on_closed_;

  std::vector<std::byte> to_upstream_;  // received from the VM, not yet handed to the socket
  std::vector<std::byte> writing_;      // being written to the socket
  std::vector<std::byte> from_upstream_;  // read buffer
  std::size_t unsent_offset_ = 0, unsent_size_ = 0;  // part of from_upstream_ lwIP has not taken yet
  bool writing_active_ = false, reading_active_ = false;
  bool vm_fin_ = false, upstream_shut_ = false;     // VM -> upstream direction
  bool upstream_eof_ = false, vm_shut_ = false;     // upstream -> VM direction
  bool finished_ = false;
  std::uint64_t bytes_to_upstream_ = 0, bytes_to_vm_ = 0;
};

}  // namespace switchyard::gateway
