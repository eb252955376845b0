// tests/unit/protocols/pcapng_writer_test.cpp - the pcapng block builder: exact
// bytes of each block, and a file tshark reads back (skipped without tshark).
#include "protocols/pcapng/writer.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/frames.hpp"

namespace switchyard::pcapng {
namespace {

using test::bytes_of;
using bytes = std::vector<std::byte>;

std::uint32_t u32_at(const bytes& b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint32_t>(b[at + i]);
  return v;
}

// Both length fields agree with the block's size, which is a multiple of 4.
void expect_framed(const bytes& block) {
  ASSERT_GE(block.size(), 12u);
  EXPECT_EQ(block.size() % 4, 0u);
  EXPECT_EQ(u32_at(block, 4), block.size());
  EXPECT_EQ(u32_at(block, block.size() - 4), block.size());
}

TEST(PcapngWriter, SectionHeaderIsExact) {
  bytes out;
  append_section_header(out, "switchyard");
  // 28 fixed bytes + option (4 + "switchyard" 10 padded to 12) + end of options 4 = 48.
  EXPECT_EQ(out, bytes_of({0x0a, 0x0d, 0x0d, 0x0a, 48,   0,    0,    0,    0x4d, 0x3c, 0x2b, 0x1a,
                           1,    0,    0,    0,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                           4,    0,    10,   0,    's',  'w',  'i',  't',  'c',  'h',  'y',  'a',
                           'r',  'd',  0,    0,    0,    0,    0,    0,    48,   0,    0,    0}));
}

TEST(PcapngWriter, SectionHeaderWithoutApplicationHasNoOptions) {
  bytes out;
  append_section_header(out, "");
  EXPECT_EQ(out.size(), 28u);
  expect_framed(out);
}

TEST(PcapngWriter, InterfaceDescriptionIsExact) {
  bytes out;
  append_interface_description(out, {.name = "lab", .snaplen = 1518});
  EXPECT_EQ(out, bytes_of({1, 0, 0, 0, 40, 0, 0, 0,     // type, length
                           1, 0, 0, 0,                  // LINKTYPE_ETHERNET, reserved
                           0xee, 0x05, 0, 0,            // snaplen 1518
                           2, 0, 3, 0, 'l', 'a', 'b', 0,  // if_name "lab" padded
                           9, 0, 1, 0, 9, 0, 0, 0,      // if_tsresol 9 (ns), padded
                           0, 0, 0, 0,                  // opt_endofopt
                           40, 0, 0, 0}));
}

TEST(PcapngWriter, EnhancedPacketPadsThePayloadTo32Bits) {
  bytes out;
  const std::uint64_t ts = 0x0000000112345678ULL;
  append_enhanced_packet(out, 0, ts, bytes_of({0xaa, 0xbb, 0xcc, 0xdd, 0xee}), 60);
  EXPECT_EQ(out, bytes_of({6, 0, 0, 0, 40, 0, 0, 0,  // type, length 32 + 8
                           0, 0, 0, 0,               // interface 0
                           1, 0, 0, 0,               // timestamp high
                           0x78, 0x56, 0x34, 0x12,   // timestamp low
                           5, 0, 0, 0,               // captured
                           60, 0, 0, 0,              // original
                           0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0, 0, 0, 40, 0, 0, 0}));
  EXPECT_EQ(out.size(), enhanced_packet_size(5));
}

TEST(PcapngWriter, EnhancedPacketOfAlignedPayloadHasNoPadding) {
  bytes out;
  append_enhanced_packet(out, 2, 0, bytes(60, std::byte{0x11}), 60);
  EXPECT_EQ(out.size(), 92u);
  EXPECT_EQ(out.size(), enhanced_packet_size(60));
  EXPECT_EQ(u32_at(out, 8), 2u);
  expect_framed(out);
}

TEST(PcapngWriter, AppendsAfterWhatIsThere) {
  bytes out = bytes_of({1, 2, 3, 4});
  append_enhanced_packet(out, 0, 0, bytes_of({1}), 1);
  ASSERT_EQ(out.size(), 4 + enhanced_packet_size(1));
  EXPECT_EQ(u32_at(out, 8), enhanced_packet_size(1));
  EXPECT_EQ(u32_at(out, out.size() - 4), enhanced_packet_size(1));
}

TEST(PcapngWriter, InterfaceStatisticsIsExact) {
  bytes out;
  append_interface_statistics(out, {.interface_id = 0,
                                    .timestamp_ns = 0x100000002ULL,
                                    .start_ns = std::nullopt,
                                    .end_ns = std::nullopt,
                                    .received = 300,
                                    .dropped = 7});
  EXPECT_EQ(out, bytes_of({5, 0, 0, 0, 52, 0, 0, 0,                   // type, length
                           0, 0, 0, 0,                                // interface
                           1, 0, 0, 0, 2, 0, 0, 0,                    // timestamp high, low
                           4, 0, 8, 0, 0x2c, 1, 0, 0, 0, 0, 0, 0,     // isb_ifrecv 300
                           5, 0, 8, 0, 7, 0, 0, 0, 0, 0, 0, 0,        // isb_ifdrop 7
                           0, 0, 0, 0, 52, 0, 0, 0}));
}

TEST(PcapngWriter, InterfaceStatisticsCarriesStartAndEndTimes) {
  bytes out;
  append_interface_statistics(out, {.interface_id = 0, .timestamp_ns = 5, .start_ns = 1, .end_ns = 5, .received = 0, .dropped = 0});
  expect_framed(out);
  EXPECT_EQ(out.size(), 52u + 24u);
  // isb_starttime follows the fixed part: code 2, length 8, high word, low word.
  EXPECT_EQ(u32_at(out, 20), 0x00080002u);
  EXPECT_EQ(u32_at(out, 28), 1u);
  EXPECT_EQ(u32_at(out, 32), 0x00080003u);
}

TEST(PcapngWriter, TsharkReadsTheFile) {
  if (!std::filesystem::exists("/usr/bin/tshark")) GTEST_SKIP() << "no /usr/bin/tshark";
  bytes out;
  append_section_header(out);
  append_interface_description(out, {.name = "unit", .snaplen = 0});
  const std::uint64_t t0 = 1'700'000'000'000'000'000ULL;
  auto f1 = test::ethernet_frame(test::mac(2), test::mac(1), net::ethertype::ipv4, 60);
  auto f2 = test::ethernet_frame(net::mac_address::broadcast(), test::mac(1), net::ethertype::arp, 42);
  auto f3 = test::ethernet_frame(test::mac(1), test::mac(2), net::ethertype::ipv4, 1514);
  append_enhanced_packet(out, 0, t0, f1, 60);
  append_enhanced_packet(out, 0, t0 + 1000, f2, 42);
  append_enhanced_packet(out, 0, t0 + 2000, std::span(f3).first(100), 1514);  // snapped
  append_interface_statistics(out, {.interface_id = 0, .timestamp_ns = t0 + 3000, .start_ns = t0, .end_ns = t0 + 3000,
                                    .received = 4, .dropped = 1});

  auto dir = std::filesystem::path(::testing::TempDir());
  auto path = dir / ("pcapng_writer_test_" + std::to_string(::getpid()) + ".pcapng");
  {
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
  }
  std::string command = "/usr/bin/tshark -r '" + path.string() + "' -T fields -e frame.len -e frame.cap_len 2>/dev/null";
  std::string text;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[256];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, n);
    EXPECT_EQ(::pclose(pipe), 0) << text;
  }
  std::filesystem::remove(path);
  EXPECT_EQ(text, "60\t60\n42\t42\n1514\t100\n");
}

}  // namespace
}  // namespace switchyard::pcapng
