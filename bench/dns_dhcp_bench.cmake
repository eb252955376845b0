# bench/dns_dhcp_bench.cmake - answer() and the DHCP server alone (Google Benchmark);
# include()d from bench/CMakeLists.txt. dns_qps.sh runs it when it sits in the bin directory.
find_package(benchmark QUIET)
if(benchmark_FOUND)
  add_executable(dns_dhcp_bench ${CMAKE_CURRENT_LIST_DIR}/dns_dhcp_bench.cpp)
  target_link_libraries(dns_dhcp_bench PRIVATE switchyard_protocols benchmark::benchmark switchyard_warnings)
endif()
