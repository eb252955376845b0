// tests/unit/protocols/dns_answer_test.cpp - the DNS server core: query bytes to response bytes against a zone.
#include "protocols/dns/answer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocols/dns/message_writer.hpp"

#include "tests/support/dns_values.hpp"

namespace switchyard::dns {
namespace {

using namespace test_values;

// `dig alice.default.lan` (BIND 9.18), written out from RFC 1035 section 4.1 and
// RFC 6891 section 6.1.2: RD and AD set, EDNS(0) with a 1232-byte UDP size and
// an 8-byte client cookie.
bytes dig_query() {
  return wire({0x1c, 0x2f, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
               5, 'a', 'l', 'i', 'c', 'e', 7, 'd', 'e', 'f', 'a', 'u', 'l', 't', 3, 'l', 'a', 'n', 0,
               0x00, 0x01, 0x00, 0x01,
               0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c,
               0x00, 0x0a, 0x00, 0x08, 0x8f, 0x1e, 0x3a, 0x62, 0x5d, 0x09, 0xc4, 0x71});
}

struct query_options {
  std::optional<edns> opt = std::nullopt;
  std::uint16_t qclass = class_in;
  std::uint8_t opcode = 0;
};

bytes build_query(std::string_view qname, std::uint16_t qtype, query_options o = {}) {
  bytes out(512);
  message_writer w(out, out.size());
  header h;
  h.id = 0xabcd;
  h.rd = true;
  h.opcode = o.opcode;
  w.start(h);
  w.add_question({text(qname), qtype, o.qclass});
  if (o.opt) w.add_opt(*o.opt);
  out.resize(w.finish());
  return out;
}
bytes build_query(std::string_view qname, rr_type qtype, query_options o = {}) {
  return build_query(qname, t(qtype), o);
}

edns with_size(std::uint16_t size) {
  edns e;
  e.udp_payload_size = size;
  return e;
}

class DnsAnswer : public ::testing::Test {
 protected:
  DnsAnswer() : z(text("default.lan"), net::ipv4_subnet::parse("10.0.2.0/24").value()) {
    z.set_host("gateway", ip("10.0.2.2"));
    z.set_host("alice", ip("10.0.2.15"));
    std::string_view txt[] = {"hello world"};
    add("info.default.lan", rr_type::txt, *txt_rdata(txt));
    add("www.default.lan", rr_type::cname, name_rdata(text("alice.default.lan")));
    add("_ssh._tcp.default.lan", rr_type::srv, srv_rdata({0, 5, 22, text("alice.default.lan")}));
  }
  void add(std::string_view owner, rr_type type, std::vector<std::byte> rdata) {
    ASSERT_TRUE(z.add_record({text(owner), t(type), class_in, 300, std::move(rdata)}));
  }
  // Runs answer() and parses the response back (which must parse).
  message ask(const bytes& q, transport tr = transport::udp, std::size_t* size = nullptr) {
    bytes out(max_tcp_message);
    std::size_t n = answer(z, q, tr, out);
    if (size) *size = n;
    EXPECT_GT(n, 0u);
    auto m = parse_message(std::span(out).first(n));
    EXPECT_TRUE(m);
    return m.value_or(message{});
  }
  std::size_t raw(const bytes& q, bytes& out, transport tr = transport::udp) {
    out.assign(max_tcp_message, std::byte{0});
    std::size_t n = answer(z, q, tr, out);
    out.resize(n);
    return n;
  }

  zone z;
};

TEST_F(DnsAnswer, AnswersDigsQueryWithTheExactBytesExpected) {
  bytes out;
  raw(dig_query(), out);
  auto expected = wire({
      0x1c, 0x2f,              // ID echoed
      0x85, 0x00,              // QR, AA, RD copied; AD cleared (we validate nothing), NOERROR
      0x00, 0x01, 0x00, 0x01,  // QDCOUNT 1, ANCOUNT 1
      0x00, 0x00, 0x00, 0x01,  // NSCOUNT 0, ARCOUNT 1 (OPT)
      5, 'a', 'l', 'i', 'c', 'e', 7, 'd', 'e', 'f', 'a', 'u', 'l', 't', 3, 'l', 'a', 'n', 0,
      0x00, 0x01, 0x00, 0x01,  // the question as asked
      0xc0, 0x0c,              // owner: pointer to the question's name
      0x00, 0x01, 0x00, 0x01,  // A, IN
      0x00, 0x00, 0x00, 0x3c,  // TTL 60: a DHCP host
      0x00, 0x04, 10, 0, 2, 15,
      0x00,                    // OPT, root owner
      0x00, 0x29, 0x04, 0xd0,  // our UDP size 1232
      0x00, 0x00, 0x00, 0x00,  // extended rcode 0, version 0, DO clear
      0x00, 0x00,              // no options: we do not implement cookies (RFC 7873 lets us ignore it)
  });
  EXPECT_EQ(out, expected);
}

TEST_F(DnsAnswer, EveryTruncatedQueryIsDroppedOrFormerrNeverACrash) {
  auto q = dig_query();
  for (std::size_t n = 0; n < q.size(); ++n) {
    bytes part(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
    bytes out;
    std::size_t size = raw(part, out);
    if (n < header_size) {
      EXPECT_EQ(size, 0u) << n;
      continue;
    }
    auto m = parse_message(out);
    ASSERT_TRUE(m) << n;
    EXPECT_EQ(m->header.id, 0x1c2f) << n;
    EXPECT_TRUE(m->header.qr) << n;
    EXPECT_EQ(m->header.rcode, static_cast<std::uint8_t>(rcode::formerr)) << n;
    EXPECT_TRUE(m->answers.empty()) << n;
  }
}

TEST_F(DnsAnswer, DropsResponsesSoTwoServersCannotPingPong) {
  bytes out;
  raw(dig_query(), out);
  bytes again;
  EXPECT_EQ(raw(out, again), 0u);
}

TEST_F(DnsAnswer, AQueryWithoutOrWithTwoQuestionsIsFormerr) {
  for (int count : {0, 2}) {
    auto q = dig_query();
    q[5] = std::byte(count);
    auto m = ask(q);
    EXPECT_EQ(m.header.rcode, static_cast<std::uint8_t>(rcode::formerr)) << count;
    EXPECT_TRUE(m.questions.empty()) << count;
    EXPECT_FALSE(m.header.aa) << count;
  }
}

TEST_F(DnsAnswer, ACompressionLoopIsFormerr) {
  auto q = wire({0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 12, 0, 1, 0, 1});
  auto m = ask(q);
  EXPECT_EQ(m.header.id, 0x1234);
  EXPECT_EQ(m.header.rcode, static_cast<std::uint8_t>(rcode::formerr));
}

TEST_F(DnsAnswer, OtherOpcodesGetNotimpWithTheQuestionEchoed) {
  auto m = ask(build_query("alice.default.lan", rr_type::a, {.opcode = 2}));
  EXPECT_EQ(m.header.rcode, static_cast<std::uint8_t>(rcode::notimp));
  EXPECT_EQ(m.header.opcode, 2);
  EXPECT_EQ(m.questions.size(), 1u);
  EXPECT_TRUE(m.answers.empty());
}

TEST_F(DnsAnswer, EdnsVersionOneGetsBadversInOpt) {
  edns v1;
  v1.version = 1;
  auto m = ask(build_query("alice.default.lan", rr_type::a, {.opt = v1}));
  EXPECT_EQ(m.header.rcode, 0);
  ASSERT_TRUE(m.edns);
  EXPECT_EQ(m.edns->extended_rcode, 1);  // 16 = BADVERS
  EXPECT_EQ(m.edns->version, 0);
  EXPECT_EQ(m.questions.size(), 1u);
  EXPECT_TRUE(m.answers.empty());
}

TEST_F(DnsAnswer, TheAnswerKeepsTheCaseOfTheQuestion) {
  bytes q = build_query("ALICE.Default.LAN", rr_type::a);
  auto m = ask(q);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_TRUE(m.questions[0].qname.identical(text("ALICE.Default.LAN")));
  EXPECT_TRUE(m.answers[0].owner.identical(text("ALICE.Default.LAN")));
  EXPECT_EQ(read_a(m.answers[0].rdata), ip("10.0.2.15"));
  EXPECT_TRUE(m.header.aa);
  EXPECT_TRUE(m.header.rd);
  EXPECT_FALSE(m.header.ra);
}

TEST_F(DnsAnswer, UnknownTypesAreNodataWithTheSoa) {
  for (std::uint16_t type : {std::uint16_t{13}, std::uint16_t{65280}, t(rr_type::aaaa), t(rr_type::mx)}) {
    auto m = ask(build_query("alice.default.lan", type));
    EXPECT_EQ(m.header.rcode, static_cast<std::uint8_t>(rcode::noerror)) << type;
    EXPECT_TRUE(m.header.aa) << type;
    EXPECT_TRUE(m.answers.empty()) << type;
    ASSERT_EQ(m.authority.size(), 1u) << type;
    EXPECT_EQ(m.authority[0].type, t(rr_type::soa));
    EXPECT_EQ(m.authority[0].owner, text("default.lan"));
    EXPECT_EQ(m.authority[0].ttl, 60u);
  }
}

TEST_F(DnsAnswer, AnUnknownNameIsNxdomainWithTheSoa) {
  auto m = ask(build_query("mallory.default.lan", rr_type::a));
  EXPECT_EQ(m.header.rcode, static_cast<std::uint8_t>(rcode::nxdomain));
  EXPECT_TRUE(m.header.aa);
  ASSERT_EQ(m.authority.size(), 1u);
  auto soa = read_soa(m.authority[0].rdata);
  ASSERT_TRUE(soa);
  EXPECT_EQ(soa->mname, text("gateway.default.lan"));
  EXPECT_EQ(soa->rname, text("hostmaster.default.lan"));
}

TEST_F(DnsAnswer, NamesNotOursAreRefusedWithoutRecords) {
  auto m = ask(build_query("example.com", rr_type::a));
  EXPECT_EQ(m.header.rcode, static_cast<std::uint8_t>(rcode::refused));
  EXPECT_FALSE(m.header.aa);
  EXPECT_EQ(m.questions.size(), 1u);
  EXPECT_TRUE(m.answers.empty() && m.authority.empty());
  auto chaos = ask(build_query("version.bind", rr_type::txt, {.qclass = 3}));
  EXPECT_EQ(chaos.header.rcode, static_cast<std::uint8_t>(rcode::refused));
  auto axfr = ask(build_query("default.lan", rr_type::axfr), transport::tcp);
  EXPECT_EQ(axfr.header.rcode, static_cast<std::uint8_t>(rcode::refused));
  auto opt = ask(build_query("default.lan", rr_type::opt));
  EXPECT_EQ(opt.header.rcode, static_cast<std::uint8_t>(rcode::formerr));
}

TEST_F(DnsAnswer, APtrQueryNamesTheHost) {
  auto m = ask(build_query("15.2.0.10.in-addr.arpa", rr_type::ptr));
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(read_name(m.answers[0].rdata), text("alice.default.lan"));
  auto soa = ask(build_query("99.2.0.10.in-addr.arpa", rr_type::ptr));
  EXPECT_EQ(soa.header.rcode, static_cast<std::uint8_t>(rcode::nxdomain));
  ASSERT_EQ(soa.authority.size(), 1u);
  EXPECT_EQ(soa.authority[0].owner, text("2.0.10.in-addr.arpa"));
}

TEST_F(DnsAnswer, SrvCnameAndTxtAreAnswered) {
  auto srv = ask(build_query("_ssh._tcp.default.lan", rr_type::srv));
  ASSERT_EQ(srv.answers.size(), 1u);
  EXPECT_EQ(read_srv(srv.answers[0].rdata)->port, 22);
  EXPECT_EQ(read_srv(srv.answers[0].rdata)->target, text("alice.default.lan"));

  auto cname = ask(build_query("www.default.lan", rr_type::a));
  ASSERT_EQ(cname.answers.size(), 2u);
  EXPECT_EQ(cname.answers[0].type, t(rr_type::cname));
  EXPECT_EQ(cname.answers[1].owner, text("alice.default.lan"));
  EXPECT_EQ(read_a(cname.answers[1].rdata), ip("10.0.2.15"));

  auto txt = ask(build_query("info.default.lan", rr_type::txt));
  ASSERT_EQ(txt.answers.size(), 1u);
  EXPECT_EQ(read_txt(txt.answers[0].rdata)->at(0), "hello world");
}

TEST_F(DnsAnswer, TooManyRecordsForUdpAreTruncatedToTheQuestion) {
  for (int i = 0; i < 30; ++i) {
    std::string s = "record " + std::to_string(i) + " " + std::string(40, 'x');
    std::string_view parts[] = {s};
    add("many.default.lan", rr_type::txt, *txt_rdata(parts));
  }
  // Plain UDP: 512 bytes at most, so header + question with TC=1.
  std::size_t size = 0;
  auto udp = ask(build_query("many.default.lan", rr_type::txt), transport::udp, &size);
  EXPECT_LE(size, 512u);
  EXPECT_TRUE(udp.header.tc);
  EXPECT_TRUE(udp.header.aa);
  EXPECT_EQ(udp.questions.size(), 1u);
  EXPECT_TRUE(udp.answers.empty());
  EXPECT_FALSE(udp.edns);
  // With EDNS the OPT record still comes back, within 1232 bytes.
  auto big = ask(build_query("many.default.lan", rr_type::txt, {.opt = with_size(4096)}), transport::udp, &size);
  EXPECT_LE(size, 1232u);
  EXPECT_TRUE(big.header.tc);
  EXPECT_TRUE(big.edns);
  // TCP carries them all.
  auto tcp = ask(build_query("many.default.lan", rr_type::txt), transport::tcp, &size);
  EXPECT_FALSE(tcp.header.tc);
  EXPECT_EQ(tcp.answers.size(), 30u);
  EXPECT_GT(size, 1232u);
}

TEST_F(DnsAnswer, TheUdpLimitIsTheClientsEdnsSizeWithinBounds) {
  EXPECT_EQ(response_limit(transport::udp, std::nullopt), 512u);
  EXPECT_EQ(response_limit(transport::udp, with_size(100)), 512u);
  EXPECT_EQ(response_limit(transport::udp, with_size(1000)), 1000u);
  EXPECT_EQ(response_limit(transport::udp, with_size(65535)), 1232u);
  EXPECT_EQ(response_limit(transport::tcp, std::nullopt), 65535u);
  // 10 records of ~62 bytes: too big for 512, fine in 1232.
  for (int i = 0; i < 10; ++i) {
    std::string s = "r" + std::to_string(i) + std::string(40, 'y');
    std::string_view parts[] = {s};
    add("ten.default.lan", rr_type::txt, *txt_rdata(parts));
  }
  EXPECT_TRUE(ask(build_query("ten.default.lan", rr_type::txt)).header.tc);
  auto fits = ask(build_query("ten.default.lan", rr_type::txt, {.opt = with_size(1232)}));
  EXPECT_FALSE(fits.header.tc);
  EXPECT_EQ(fits.answers.size(), 10u);
}

TEST_F(DnsAnswer, TheDoBitIsCopiedAndOurSizeIsOffered) {
  edns e = with_size(4096);
  e.dnssec_ok = true;
  auto m = ask(build_query("alice.default.lan", rr_type::a, {.opt = e}));
  ASSERT_TRUE(m.edns);
  EXPECT_TRUE(m.edns->dnssec_ok);
  EXPECT_EQ(m.edns->udp_payload_size, our_udp_payload_size);
}

TEST_F(DnsAnswer, AnOutputBufferTooSmallForTheQuestionSendsNothing) {
  auto q = dig_query();
  bytes tiny(20);
  EXPECT_EQ(answer(z, q, transport::udp, tiny), 0u);
  bytes enough(62);
  EXPECT_EQ(answer(z, q, transport::udp, enough), 62u);
}

}  // namespace
}  // namespace switchyard::dns

namespace switchyard::dns {
namespace {

using namespace test_values;

// Forwarded answers: records from the resolver under the client's ID, question and EDNS.
TEST(DnsAnswerForwarded, CarriesTheRecordsWithRaSetAndAaClear) {
  parsed_query pq = parse_query(build_query("www.example.test", rr_type::a, {.opt = with_size(1232)}));
  ASSERT_TRUE(pq.ok());
  std::vector<resource_record> answers{
      {.owner = text("www.example.test"), .type = t(rr_type::cname), .rclass = class_in, .ttl = 60,
       .rdata = name_rdata(text("edge.example.test"))},
      {.owner = text("edge.example.test"), .type = t(rr_type::a), .rclass = class_in, .ttl = 30,
       .rdata = a_rdata(ip("198.51.100.10"))}};
  bytes out(our_udp_payload_size);
  std::size_t n = answer_forwarded(pq.query, rcode::noerror, answers, nullptr, transport::udp, out);
  ASSERT_GT(n, 0u);
  auto m = parse_message(std::span(out).first(n));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.id, 0xabcd);
  EXPECT_TRUE(m->header.qr);
  EXPECT_TRUE(m->header.ra);
  EXPECT_FALSE(m->header.aa);
  EXPECT_TRUE(m->header.rd);
  ASSERT_EQ(m->questions.size(), 1u);
  ASSERT_EQ(m->answers.size(), 2u);
  EXPECT_EQ(m->answers[1].ttl, 30u);
  EXPECT_EQ(read_a(m->answers[1].rdata), ip("198.51.100.10"));
  EXPECT_TRUE(m->edns.has_value()) << "a query with OPT gets OPT back";
}

TEST(DnsAnswerForwarded, NegativeAnswersCarryTheSoaInAuthority) {
  parsed_query pq = parse_query(build_query("nope.example.test", rr_type::a));
  resource_record soa{.owner = text("example.test"), .type = t(rr_type::soa), .rclass = class_in, .ttl = 300,
                      .rdata = soa_rdata({.mname = text("ns.example.test"), .rname = text("hostmaster.example.test"),
                                          .serial = 1, .refresh = 2, .retry = 3, .expire = 4, .minimum = 60})};
  bytes out(512);
  std::size_t n = answer_forwarded(pq.query, rcode::nxdomain, {}, &soa, transport::udp, out);
  auto m = parse_message(std::span(out).first(n));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.rcode, static_cast<std::uint8_t>(rcode::nxdomain));
  EXPECT_TRUE(m->answers.empty());
  ASSERT_EQ(m->authority.size(), 1u);
  EXPECT_EQ(m->authority[0].type, t(rr_type::soa));
}

TEST(DnsAnswerForwarded, TooManyRecordsForUdpAreCutToTheQuestionWithTc) {
  parsed_query pq = parse_query(build_query("many.example.test", rr_type::a));  // no EDNS: 512 bytes
  std::vector<resource_record> answers;
  for (int i = 0; i < 60; ++i)
    answers.push_back({.owner = text("many.example.test"), .type = t(rr_type::a), .rclass = class_in, .ttl = 60,
                       .rdata = a_rdata(net::ipv4_address(0xc6336400u + static_cast<std::uint32_t>(i)))});
  bytes out(our_udp_payload_size);
  std::size_t n = answer_forwarded(pq.query, rcode::noerror, answers, nullptr, transport::udp, out);
  ASSERT_LE(n, 512u);
  auto m = parse_message(std::span(out).first(n));
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->header.tc);
  EXPECT_TRUE(m->answers.empty());
  bytes big(max_tcp_message);
  n = answer_forwarded(pq.query, rcode::noerror, answers, nullptr, transport::tcp, big);
  m = parse_message(std::span(big).first(n));
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->header.tc);
  EXPECT_EQ(m->answers.size(), 60u);
}

}  // namespace
}  // namespace switchyard::dns
