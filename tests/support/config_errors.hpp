// tests/support/config_errors.hpp - the one-line message a configuration is refused with.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "gateway/config.hpp"

namespace switchyard::test {

/// The message parse_config throws for `text` (read as file `source`), checked
/// to be one line; "" and a test failure if the text is accepted.
inline std::string config_error_of(std::string_view text, std::string_view source) {
  try {
    gateway::parse_config(text, source);
  } catch (const gateway::config_error& e) {
    std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << "accepted:\n" << text;
  return {};
}

}  // namespace switchyard::test
