// gateway/admin/metrics.hpp - GET /metrics: every network's counters, the
// resolver's, live captures', lwIP's memory and the process's, in the
// Prometheus text format.
#pragma once

#include <string>

namespace switchyard::gateway {

class network_registry;

/// The Prometheus text exposition (format 0.0.4) of the whole server. Core
/// loop only: it reads live state. Deleted networks (entry.network == nullptr)
/// are left out. Names start with `switchyard_` (the process_* ones are the
/// standard names); per-network series carry the label network="NAME".
std::string render_metrics(const network_registry& networks);

/// The Content-Type of render_metrics()'s text.
inline constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace switchyard::gateway
