# tests/e2e/admin_metrics.cmake - GET /metrics end to end: a real VM's pings,
# DHCP, dig (zone and forwarded to a DoH server on the server namespace's
# loopback) and a refused connection move the counters by exactly what was
# sent; every scrape parses; include()d from tests/e2e/CMakeLists.txt. Root
# only (namespaces, /dev/net/tun); skipped (exit 77) otherwise or without
# busybox, dig, curl or openssl.
add_test(NAME e2e_admin_metrics
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/admin_metrics_test.sh $<TARGET_FILE_DIR:switchyard>)
set_tests_properties(e2e_admin_metrics PROPERTIES
  LABELS e2e
  RUN_SERIAL TRUE
  TIMEOUT 300
  SKIP_RETURN_CODE 77
  # The relay is built next to the server: ctest does not build it.
  REQUIRED_FILES "$<TARGET_FILE_DIR:switchyard>/sy-tap-relay;$<TARGET_FILE_DIR:switchyard>/sy-ws-probe")
