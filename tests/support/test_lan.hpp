// tests/support/test_lan.hpp - the in-memory LAN of the integration tests: its
// addresses and a VM port that records what the switch delivers to it.
#pragma once

#include <span>
#include <vector>

#include "protocols/net/ethernet.hpp"
#include "protocols/net/ipv4.hpp"
#include "stack/frame_sink.hpp"
#include "tests/support/ip_frames.hpp"

namespace switchyard::test {

inline const net::ipv4_subnet lan_subnet = *net::ipv4_subnet::parse("10.0.2.0/24");
inline const net::ipv4_address lan_gateway = *net::ipv4_address::parse("10.0.2.2");
inline const net::ipv4_address vm_ip = *net::ipv4_address::parse("10.0.2.15");
inline const net::mac_address vm_mac = *net::mac_address::parse("52:54:00:12:34:56");

/// A VM port: keeps every frame the switch delivers.
struct recording_vm : stack::frame_sink {
  std::vector<frame> frames;
  bool deliver(std::span<const std::byte> f) override {
    frames.emplace_back(f.begin(), f.end());
    return true;
  }
  /// The TCP segments among the frames.
  std::vector<tcp_segment> tcp() const {
    std::vector<tcp_segment> out;
    for (auto& f : frames)
      if (auto s = read_tcp(f)) out.push_back(*s);
    return out;
  }
  /// The TCP segments, and forget every frame seen so far.
  std::vector<tcp_segment> take_tcp() {
    auto out = tcp();
    frames.clear();
    return out;
  }
};

}  // namespace switchyard::test
