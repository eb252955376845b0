// tests/unit/protocols/wisp_packet_test.cpp - Wisp packet parsers and builders: golden bytes and malformed input.
#include "protocols/wisp/packet.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/frames.hpp"

namespace switchyard::wisp {
namespace {

using bytes = std::vector<std::byte>;
using test::bytes_of;

bytes text_bytes(std::string_view s) {
  bytes out;
  for (char c : s) out.push_back(static_cast<std::byte>(c));
  return out;
}

bytes concat(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string text(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

bytes to_vector(std::span<const std::byte> b) { return {b.begin(), b.end()}; }

// ---- builders: golden bytes ---------------------------------------------------

TEST(WispPacket, WritesHeaderLittleEndian) {
  std::array<std::byte, header_size> out{};
  write_header(out, packet_type::data, 0x01020304);
  EXPECT_EQ(to_vector(out), bytes_of({0x02, 0x04, 0x03, 0x02, 0x01}));
}

TEST(WispPacket, BuildsContinue) {
  EXPECT_EQ(to_vector(make_continue(7, 128)), bytes_of({0x03, 0x07, 0, 0, 0, 0x80, 0, 0, 0}));
  EXPECT_EQ(to_vector(make_continue(0, 0x00010203)), bytes_of({0x03, 0, 0, 0, 0, 0x03, 0x02, 0x01, 0x00}));
}

TEST(WispPacket, BuildsClose) {
  EXPECT_EQ(to_vector(make_close(0x01020304, close_reason::throttled)), bytes_of({0x04, 0x04, 0x03, 0x02, 0x01, 0x49}));
  EXPECT_EQ(to_vector(make_close(0, close_reason::credentials_required)), bytes_of({0x04, 0, 0, 0, 0, 0xc2}));
}

TEST(WispPacket, BuildsConnect) {
  auto expected = concat(bytes_of({0x01, 0x01, 0, 0, 0, 0x01, 0xbb, 0x01}), text_bytes("example.com"));
  EXPECT_EQ(make_connect(1, stream_type::tcp, 443, "example.com"), expected);
  EXPECT_EQ(make_connect(0x100, stream_type::udp, 53, "1.1.1.1"),
            concat(bytes_of({0x01, 0x00, 0x01, 0, 0, 0x02, 0x35, 0x00}), text_bytes("1.1.1.1")));
}

TEST(WispPacket, BuildsData) {
  auto payload = bytes_of({0xde, 0xad});
  EXPECT_EQ(make_data(2, payload), bytes_of({0x02, 0x02, 0, 0, 0, 0xde, 0xad}));
  EXPECT_EQ(make_data(3, {}), bytes_of({0x02, 0x03, 0, 0, 0}));
}

TEST(WispPacket, BuildsDefaultServerInfoWithOnlyStreamConfirmation) {
  EXPECT_EQ(make_server_info({}), bytes_of({0x05, 0, 0, 0, 0, 0x02, 0x00, 0x05, 0, 0, 0, 0}));
}

TEST(WispPacket, BuildsServerInfoWithEveryExtension) {
  server_info info;
  info.udp = true;
  info.password_required = true;
  info.motd = "hi";
  auto expected = bytes_of({0x05, 0, 0, 0, 0, 0x02, 0x00,  //
                            0x01, 0, 0, 0, 0,              // UDP
                            0x02, 1, 0, 0, 0, 0x01,        // password, required
                            0x04, 2, 0, 0, 0, 'h', 'i',    // MOTD
                            0x05, 0, 0, 0, 0});            // stream confirmation
  EXPECT_EQ(make_server_info(info), expected);
}

TEST(WispPacket, BuildsClientInfoDraft6Password) {
  client_info info;
  info.udp = true;
  info.motd = true;
  info.stream_confirmation = true;
  info.password = {"ab", "xyz"};
  auto expected = bytes_of({0x05, 0, 0, 0, 0, 0x02, 0x00,                   //
                            0x01, 0, 0, 0, 0,                               // UDP
                            0x02, 6, 0, 0, 0, 2, 'a', 'b', 'x', 'y', 'z',   // password (draft 6)
                            0x04, 0, 0, 0, 0,                               // MOTD
                            0x05, 0, 0, 0, 0});                             // stream confirmation
  EXPECT_EQ(make_client_info(info), expected);
}

TEST(WispPacket, BuildsClientInfoDraft5Password) {
  client_info info;
  info.password = {"ab", "xyz"};
  info.password_draft5 = true;
  auto expected = bytes_of({0x05, 0, 0, 0, 0, 0x02, 0x00,  //
                            0x02, 8, 0, 0, 0, 2, 3, 0, 'a', 'b', 'x', 'y', 'z'});
  EXPECT_EQ(make_client_info(info), expected);
}

TEST(WispPacket, NamesCloseReasons) {
  EXPECT_EQ(to_string(close_reason::throttled), "throttled");
  EXPECT_EQ(to_string(close_reason::credentials_required), "credentials_required");
  EXPECT_EQ(to_string(static_cast<close_reason>(0x99)), "unknown");
}

// ---- parsers: golden bytes ----------------------------------------------------

TEST(WispPacket, ParsesHeaderAndPayload) {
  auto m = bytes_of({0x02, 0x04, 0x03, 0x02, 0x01, 0xaa, 0xbb});
  auto p = parse_packet(m);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, packet_type::data);
  EXPECT_EQ(p->stream_id, 0x01020304u);
  EXPECT_EQ(to_vector(p->payload), bytes_of({0xaa, 0xbb}));
  EXPECT_EQ(p->payload.data(), m.data() + 5);  // a view, not a copy
}

TEST(WispPacket, ParsesEveryPacketType) {
  for (int t = 1; t <= 5; ++t) {
    auto m = bytes_of({t, 9, 0, 0, 0});
    auto p = parse_packet(m);
    ASSERT_TRUE(p) << t;
    EXPECT_EQ(static_cast<int>(p->type), t);
    EXPECT_EQ(p->stream_id, 9u);
    EXPECT_TRUE(p->payload.empty());
  }
}

TEST(WispPacket, ParsesWhatTheBuildersWrite) {
  auto c = make_continue(5, 64);
  auto pc = parse_packet(c);
  ASSERT_TRUE(pc);
  EXPECT_EQ(pc->type, packet_type::continue_);
  EXPECT_EQ(parse_continue(pc->payload), 64u);

  auto cl = make_close(5, close_reason::bad_password);
  auto pcl = parse_packet(cl);
  ASSERT_TRUE(pcl);
  EXPECT_EQ(parse_close(pcl->payload), 0xc0);

  auto cn = make_connect(9, stream_type::udp, 0, "h");
  auto pcn = parse_packet(cn);
  ASSERT_TRUE(pcn);
  auto connect = parse_connect(pcn->payload);
  ASSERT_TRUE(connect);
  EXPECT_EQ(connect->type, stream_type::udp);
  EXPECT_EQ(connect->port, 0);  // parses; the router refuses it
  EXPECT_EQ(connect->host, "h");
}

TEST(WispPacket, ParsesConnectPayload) {
  auto payload = concat(bytes_of({0x01, 0x50, 0x00}), text_bytes("10.0.2.2"));
  auto c = parse_connect(payload);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type, stream_type::tcp);
  EXPECT_EQ(c->port, 80);
  EXPECT_EQ(c->host, "10.0.2.2");
}

TEST(WispPacket, AcceptsUtf8AndLongestHostnames) {
  auto utf8 = concat(bytes_of({0x01, 0x50, 0x00}), text_bytes("b\xc3\xbcro.example"));
  EXPECT_TRUE(parse_connect(utf8));
  auto longest = concat(bytes_of({0x01, 0x50, 0x00}), text_bytes(std::string(max_hostname, 'a')));
  EXPECT_TRUE(parse_connect(longest));
  auto too_long = concat(bytes_of({0x01, 0x50, 0x00}), text_bytes(std::string(max_hostname + 1, 'a')));
  EXPECT_FALSE(parse_connect(too_long));
}

TEST(WispPacket, ParsesInfoRecordsInWireOrder) {
  auto payload = bytes_of({2, 0, 0x05, 0, 0, 0, 0, 0x02, 1, 0, 0, 0, 0x01, 0x04, 2, 0, 0, 0, 'h', 'i'});
  auto info = parse_info(payload);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->major, 2);
  EXPECT_EQ(info->minor, 0);
  ASSERT_EQ(info->extensions.size(), 3u);
  EXPECT_EQ(info->extensions[0].id, 0x05);
  EXPECT_TRUE(info->extensions[0].payload.empty());
  EXPECT_EQ(info->extensions[1].id, 0x02);
  EXPECT_EQ(to_vector(info->extensions[1].payload), bytes_of({0x01}));
  EXPECT_EQ(info->extensions[2].id, 0x04);
  EXPECT_EQ(text(info->extensions[2].payload), "hi");
}

TEST(WispPacket, ParsesVersionOnlyInfo) {
  auto payload = bytes_of({1, 2});
  auto info = parse_info(payload);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->major, 1);
  EXPECT_EQ(info->minor, 2);
  EXPECT_TRUE(info->extensions.empty());
}

TEST(WispPacket, ParsesServerInfoItBuilt) {
  server_info s;
  s.udp = true;
  s.motd = "welcome";
  auto packet = make_server_info(s);
  auto p = parse_packet(packet);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, packet_type::info);
  auto info = parse_info(p->payload);
  ASSERT_TRUE(info);
  ASSERT_EQ(info->extensions.size(), 3u);
  EXPECT_EQ(text(info->extensions[1].payload), "welcome");
}

TEST(WispPacket, ReadsDraft6Password) {
  auto record = bytes_of({2, 'a', 'b', 'x', 'y', 'z'});
  auto creds = parse_client_password(record);
  // Draft 5 would need a password length of 0x6261 bytes: only draft 6 fits.
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].username, "ab");
  EXPECT_EQ(creds[0].password, "xyz");
}

TEST(WispPacket, ReadsDraft5PasswordFirstAndDraft6AsAlternative) {
  auto record = bytes_of({2, 3, 0, 'a', 'b', 'x', 'y', 'z'});
  auto creds = parse_client_password(record);
  ASSERT_EQ(creds.size(), 2u);
  EXPECT_EQ(creds[0].username, "ab");
  EXPECT_EQ(creds[0].password, "xyz");
  EXPECT_EQ(creds[1].username, std::string("\x03\x00", 2));
  EXPECT_EQ(creds[1].password, "abxyz");
}

TEST(WispPacket, ReadsEmptyPasswordInBothLayouts) {
  auto d6_record = bytes_of({1, 'u'});
  auto d6 = parse_client_password(d6_record);
  ASSERT_EQ(d6.size(), 1u);
  EXPECT_EQ(d6[0].username, "u");
  EXPECT_EQ(d6[0].password, "");
  auto d5_record = bytes_of({1, 0, 0, 'u'});
  auto d5 = parse_client_password(d5_record);
  ASSERT_FALSE(d5.empty());
  EXPECT_EQ(d5[0].username, "u");
  EXPECT_EQ(d5[0].password, "");
}

// ---- parsers: malformed input -------------------------------------------------

TEST(WispPacket, RejectsMessagesShorterThanAHeader) {
  auto m = bytes_of({0x02, 1, 0, 0, 0});
  for (std::size_t n = 0; n < header_size; ++n)
    EXPECT_FALSE(parse_packet(std::span(m).first(n))) << n;
  EXPECT_TRUE(parse_packet(m));
}

TEST(WispPacket, RejectsUnknownPacketTypes) {
  for (int t : {0x00, 0x06, 0x41, 0xff}) EXPECT_FALSE(parse_packet(bytes_of({t, 1, 0, 0, 0, 0}))) << t;
}

TEST(WispPacket, RejectsConnectWithoutHostname) {
  EXPECT_FALSE(parse_connect({}));
  EXPECT_FALSE(parse_connect(bytes_of({0x01})));
  EXPECT_FALSE(parse_connect(bytes_of({0x01, 0x50})));
  EXPECT_FALSE(parse_connect(bytes_of({0x01, 0x50, 0x00})));
}

TEST(WispPacket, RejectsConnectWithBadStreamType) {
  for (int t : {0x00, 0x03, 0xff}) EXPECT_FALSE(parse_connect(bytes_of({t, 0x50, 0x00, 'h'}))) << t;
}

TEST(WispPacket, RejectsConnectWithControlCharactersInHostname) {
  for (int c : {0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x7f}) {
    EXPECT_FALSE(parse_connect(bytes_of({0x01, 0x50, 0x00, 'a', c, 'b'}))) << c;
    EXPECT_FALSE(parse_connect(bytes_of({0x01, 0x50, 0x00, c}))) << c;
  }
  EXPECT_TRUE(parse_connect(bytes_of({0x01, 0x50, 0x00, 'a', 0x20, 'b'})));  // odd, but printable
}

TEST(WispPacket, RejectsContinueOfWrongLength) {
  EXPECT_FALSE(parse_continue({}));
  EXPECT_FALSE(parse_continue(bytes_of({1, 0, 0})));
  EXPECT_FALSE(parse_continue(bytes_of({1, 0, 0, 0, 0})));
  EXPECT_EQ(parse_continue(bytes_of({1, 0, 0, 0})), 1u);
}

TEST(WispPacket, ReadsTheFirstCloseByteAndRejectsEmptyClose) {
  EXPECT_FALSE(parse_close({}));
  EXPECT_EQ(parse_close(bytes_of({0x99})), 0x99);
  EXPECT_EQ(parse_close(bytes_of({0x02, 0xff})), 0x02);
}

TEST(WispPacket, RejectsInfoWithoutVersion) {
  EXPECT_FALSE(parse_info({}));
  EXPECT_FALSE(parse_info(bytes_of({2})));
}

TEST(WispPacket, RejectsTruncatedExtensionRecords) {
  EXPECT_FALSE(parse_info(bytes_of({2, 0, 0x01})));                    // id only
  EXPECT_FALSE(parse_info(bytes_of({2, 0, 0x01, 0, 0, 0})));           // short length
  EXPECT_FALSE(parse_info(bytes_of({2, 0, 0x04, 5, 0, 0, 0, 'h', 'i'})));  // lying length
  EXPECT_FALSE(parse_info(bytes_of({2, 0, 0x04, 0xff, 0xff, 0xff, 0xff, 'h'})));
  EXPECT_FALSE(parse_info(bytes_of({2, 0, 0x05, 0, 0, 0, 0, 0x01})));  // trailing byte after a good record
}

TEST(WispPacket, RejectsTooManyExtensions) {
  bytes payload = bytes_of({2, 0});
  for (std::size_t i = 0; i < max_extensions; ++i) {
    auto record = bytes_of({0x01, 0, 0, 0, 0});
    payload.insert(payload.end(), record.begin(), record.end());
  }
  auto ok = parse_info(payload);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->extensions.size(), max_extensions);
  auto record = bytes_of({0x01, 0, 0, 0, 0});
  payload.insert(payload.end(), record.begin(), record.end());
  EXPECT_FALSE(parse_info(payload));
}

TEST(WispPacket, RejectsPasswordRecordsThatFitNoLayout) {
  EXPECT_TRUE(parse_client_password({}).empty());
  EXPECT_TRUE(parse_client_password(bytes_of({5, 'a', 'b'})).empty());  // username overruns
  // Draft 5 with a lying password length: draft 6 still reads it, as bytes.
  auto record = bytes_of({1, 9, 0, 'u', 'p'});
  auto creds = parse_client_password(record);
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].username, "\x09");
}

}  // namespace
}  // namespace switchyard::wisp
