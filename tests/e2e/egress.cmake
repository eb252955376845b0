# tests/e2e/egress.cmake - internet egress under policy end to end: the server in
# its own namespace behind a fake internet (HTTP, iperf3, UDP echo, DoH), VMs
# on networks with egress internet / off / allowlist, SSRF probes and canaries;
# include()d from tests/e2e/CMakeLists.txt. Root only (namespaces,
# /dev/net/tun); skipped (exit 77) otherwise or when a client program is
# missing. Needs tests/tools/doh_server.py and make_test_ca.sh (found from the
# source tree) and python3.
add_test(NAME e2e_egress
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/egress_test.sh $<TARGET_FILE_DIR:switchyard>)
set_tests_properties(e2e_egress PROPERTIES
  LABELS e2e
  RUN_SERIAL TRUE
  TIMEOUT 600
  SKIP_RETURN_CODE 77
  # The relay is built next to the server: ctest does not build it.
  REQUIRED_FILES "$<TARGET_FILE_DIR:switchyard>/sy-tap-relay;$<TARGET_FILE_DIR:switchyard>/sy-ws-probe")
