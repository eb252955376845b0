// tests/unit/gateway/doh_message_test.cpp - the DoH query we send and the checks on the answer:
// ID 0, the echoed question, QR, TC, and only the CNAME chain from the question kept.
#include "gateway/resolver/doh_message.hpp"

#include <gtest/gtest.h>

#include <array>

#include "protocols/dns/message_writer.hpp"
#include "tests/support/dns_values.hpp"

namespace switchyard::gateway {
namespace {

using namespace dns::test_values;

const auto a_type = t(dns::rr_type::a);

struct answer_builder {
  dns::header header;
  dns::question question{text("www.example."), a_type, dns::class_in};
  std::vector<dns::resource_record> answers, authority;

  answer_builder() {
    header.qr = true;
    header.rd = true;
    header.ra = true;
  }
  bytes build() const {
    std::array<std::byte, 4096> buffer{};
    dns::message_writer w(buffer, buffer.size());
    w.start(header);
    w.add_question(question);
    for (const auto& rr : answers) w.add_record(dns::section::answer, rr);
    for (const auto& rr : authority) w.add_record(dns::section::authority, rr);
    auto n = w.finish();
    return {buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n)};
  }
};

dns::resource_record a_record(std::string_view owner, std::string_view address) {
  return {text(owner), a_type, dns::class_in, 300, dns::a_rdata(ip(address))};
}
dns::resource_record cname_record(std::string_view owner, std::string_view target) {
  return {text(owner), t(dns::rr_type::cname), dns::class_in, 300, dns::name_rdata(text(target))};
}
dns::resource_record soa_record(std::string_view zone) {
  dns::soa_fields f{text("ns.example."), text("hostmaster.example."), 1, 3600, 600, 86400, 60};
  return {text(zone), t(dns::rr_type::soa), dns::class_in, 300, dns::soa_rdata(f)};
}

TEST(DohMessage, QueryHasIdZeroRecursionDesiredAndOneQuestion) {
  auto q = make_doh_query(text("WWW.example."), a_type);
  auto m = dns::parse_message(q);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.id, 0);
  EXPECT_FALSE(m->header.qr);
  EXPECT_TRUE(m->header.rd);
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_TRUE(m->questions[0].qname.identical(text("WWW.example.")));
  EXPECT_EQ(m->questions[0].qtype, a_type);
  EXPECT_FALSE(m->edns);
}

TEST(DohMessage, KeepsTheChainFromTheQuestionAndDropsOtherRecords) {
  answer_builder b;
  b.answers = {cname_record("www.example.", "web.example."), a_record("web.example.", "192.0.2.1"),
               a_record("evil.example.", "203.0.113.66"), a_record("web.example.", "192.0.2.2")};
  auto a = read_doh_answer(b.build(), text("www.EXAMPLE."), a_type);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->code, dns::rcode::noerror);
  ASSERT_EQ(a->answers.size(), 3u);
  EXPECT_EQ(a->answers[0].type, t(dns::rr_type::cname));
  EXPECT_EQ(a->answers[1].owner, text("web.example."));
  EXPECT_EQ(a->answers[2].owner, text("web.example."));
  EXPECT_FALSE(a->soa);
}

TEST(DohMessage, NxdomainKeepsTheSoaAboveTheName) {
  answer_builder b;
  b.header.rcode = 3;
  b.authority = {soa_record("other.")};
  auto without = read_doh_answer(b.build(), text("www.example."), a_type);
  ASSERT_TRUE(without);
  EXPECT_FALSE(without->soa);  // not above www.example.

  b.authority = {soa_record("example.")};
  auto a = read_doh_answer(b.build(), text("www.example."), a_type);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->code, dns::rcode::nxdomain);
  ASSERT_TRUE(a->soa);
  EXPECT_EQ(a->soa->owner, text("example."));
}

TEST(DohMessage, NodataIsNoerrorWithoutRecordsOfTheType) {
  answer_builder b;
  b.question.qtype = t(dns::rr_type::aaaa);
  b.answers = {a_record("www.example.", "192.0.2.1")};
  b.authority = {soa_record("example.")};
  auto a = read_doh_answer(b.build(), text("www.example."), t(dns::rr_type::aaaa));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->code, dns::rcode::noerror);
  EXPECT_TRUE(a->answers.empty());
  EXPECT_TRUE(a->soa);
}

TEST(DohMessage, PassesOtherRcodesOnWithoutRecords) {
  answer_builder b;
  b.header.rcode = 2;
  auto a = read_doh_answer(b.build(), text("www.example."), a_type);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->code, dns::rcode::servfail);
}

TEST(DohMessage, RejectsWhatIsNotTheAnswerToOurQuery) {
  auto problem_of = [](const answer_builder& b) {
    answer_problem p{};
    EXPECT_FALSE(read_doh_answer(b.build(), text("www.example."), a_type, &p));
    return p;
  };
  answer_builder query;
  query.header.qr = false;
  EXPECT_EQ(problem_of(query), answer_problem::not_a_response);

  answer_builder other_id;
  other_id.header.id = 7;
  EXPECT_EQ(problem_of(other_id), answer_problem::wrong_id);

  answer_builder other_name;
  other_name.question.qname = text("www.example.org.");
  EXPECT_EQ(problem_of(other_name), answer_problem::wrong_question);

  answer_builder other_type;
  other_type.question.qtype = t(dns::rr_type::txt);
  EXPECT_EQ(problem_of(other_type), answer_problem::wrong_question);

  answer_builder truncated;
  truncated.header.tc = true;
  EXPECT_EQ(problem_of(truncated), answer_problem::truncated);

  answer_problem p{};
  EXPECT_FALSE(read_doh_answer(wire({0, 0, 0x81}), text("www.example."), a_type, &p));
  EXPECT_EQ(p, answer_problem::malformed);
}

TEST(DohMessage, StopsALoopingCnameChain) {
  answer_builder b;
  b.answers = {cname_record("www.example.", "loop.example."), cname_record("loop.example.", "www.example.")};
  auto a = read_doh_answer(b.build(), text("www.example."), a_type);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->answers.size(), 2u);  // each link once
}

}  // namespace
}  // namespace switchyard::gateway
