// bench/wisp_load/targets.hpp - the loopback TCP targets every setup of wisp_bench.sh reaches (`--serve echo|download`).
//
//   `--serve echo|download --listen 127.0.0.1:0` prints "listening on HOST:PORT"
//   and serves until killed.
//     echo      writes back what it reads (two 256 KiB buffers: one read and
//               one write in flight at a time).
//     download  reads a u64 LE byte count, writes that many bytes from one
//               constant 1 MiB buffer, closes.
#pragma once

#include "bench/wisp_load/options.hpp"

namespace switchyard::bench::wisp_load {

/// Runs the target `o.serve` names on `o.listen`; returns only if the
/// io_context runs out of work. Throws when it cannot listen.
int serve(const options& o);

}  // namespace switchyard::bench::wisp_load
