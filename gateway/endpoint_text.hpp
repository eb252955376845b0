// gateway/endpoint_text.hpp - "address:port" (IPv6 in brackets) for log lines.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <fmt/format.h>
#include <string>

namespace switchyard::gateway {

inline std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep) {
  if (ep.address().is_v6()) return fmt::format("[{}]:{}", ep.address().to_string(), ep.port());
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

}  // namespace switchyard::gateway
