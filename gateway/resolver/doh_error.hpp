// gateway/resolver/doh_error.hpp - errors of a DoH exchange that are not the transport's own.
#pragma once

#include <boost/system/error_code.hpp>
#include <string>
#include <type_traits>

namespace switchyard::gateway {

enum class doh_errc {
  http_status = 1,   ///< the server answered, but not "200 OK"
  bad_content_type,  ///< a body that is not application/dns-message
  queue_full,        ///< too many queries already waiting for this upstream
  shut_down,         ///< the client is going away
};

/// The category of doh_errc. Errors from it come from a server that answered
/// (or from us): the connection itself was fine, so the query is not retried.
inline const boost::system::error_category& doh_category() {
  struct category final : boost::system::error_category {
    const char* name() const noexcept override { return "doh"; }
    std::string message(int e) const override {
      switch (static_cast<doh_errc>(e)) {
        case doh_errc::http_status: return "unexpected HTTP status";
        case doh_errc::bad_content_type: return "not application/dns-message";
        case doh_errc::queue_full: return "too many queries waiting";
        case doh_errc::shut_down: return "shut down";
      }
      return "unknown DoH error";
    }
  };
  static const category instance;
  return instance;
}

inline boost::system::error_code make_error_code(doh_errc e) { return {static_cast<int>(e), doh_category()}; }

}  // namespace switchyard::gateway

template <>
struct boost::system::is_error_code_enum<switchyard::gateway::doh_errc> : std::true_type {};
