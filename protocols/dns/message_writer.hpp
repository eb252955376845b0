// protocols/dns/message_writer.hpp - builds one DNS message in a caller's buffer, with name compression and a size limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocols/dns/message.hpp"
#include "protocols/dns/name.hpp"

namespace switchyard::dns {

enum class section : std::uint8_t { answer = 0, authority = 1, additional = 2 };

/// Writes header, question and records into a caller's buffer without
/// allocating. Every add either writes the whole item or nothing (and says
/// false), so a caller can stop at the first record that does not fit, or
/// restore() a mark and answer with TC=1 instead. Sections must be filled in
/// order: question, answer, authority, additional.
class message_writer {
 public:
  /// Writes into `out`, never past min(out.size(), max_size) bytes; max_size is
  /// the transport's limit (512 plain UDP, the EDNS payload size, 65535 TCP).
  message_writer(std::span<std::byte> out, std::size_t max_size);

  /// Begins the message with `h` (counts are ignored: they follow what is added).
  /// False when not even a header fits.
  bool start(const dns::header& h);
  /// The header as it will be written; set flags here until finish().
  dns::header& header() { return header_; }
  /// Sets the rcode: the low 4 bits in the header, the rest in the OPT record
  /// (so rcodes above 15 need add_opt()).
  void set_rcode(rcode code);

  /// The question, its name written in full and exactly as given (case kept).
  bool add_question(const question& q);
  bool add_record(section s, const name& owner, std::uint16_t type, std::uint32_t ttl,
                  std::span<const std::byte> rdata, std::uint16_t rclass = class_in);
  bool add_record(section s, const resource_record& rr) {
    return add_record(s, rr.owner, rr.type, rr.ttl, rr.rdata, rr.rclass);
  }
  /// Our OPT record (in additional, without options). Uses the reserve.
  bool add_opt(const edns& e);
  /// Keeps `n` bytes free for add_opt(): records added meanwhile must leave them.
  void reserve(std::size_t n) { reserved_ = n; }

  struct mark {
    std::size_t pos;
    std::size_t names;
    dns::header header;
    section current;
  };
  mark save() const { return {pos_, names_.mark(), header_, current_}; }
  /// Drops everything added after `m` was saved (flags set since are kept).
  void restore(const mark& m);

  /// Writes the header with the final counts; returns the message size.
  std::size_t finish();
  std::size_t size() const { return pos_; }

 private:
  bool fits(std::size_t n, std::size_t limit) const { return limit >= pos_ && n <= limit - pos_; }
  std::size_t record_limit() const { return reserved_ < limit_ ? limit_ - reserved_ : 0; }
  bool write_rdata(std::span<std::byte> room, std::size_t& p, std::uint16_t type, std::span<const std::byte> rdata);

  std::span<std::byte> out_;
  std::size_t limit_;
  std::size_t pos_ = 0;
  std::size_t reserved_ = 0;
  dns::header header_;
  std::uint8_t extended_rcode_ = 0;
  std::size_t opt_ttl_at_ = 0;  // where the OPT record's TTL is, 0 = none written
  section current_ = section::answer;
  bool started_ = false;
  name_compressor names_;
};

}  // namespace switchyard::dns
