# tests/e2e/admin_capture.cmake - live pcapng capture end to end: a real VM's
# pings and a marked UDP datagram read back by tshark from a port capture and
# a whole-network capture, the 400/404/503 answers, and a reader that never
# reads (bounded server memory, drops in the statistics block); include()d
# from tests/e2e/CMakeLists.txt. Root only (namespaces, /dev/net/tun); skipped
# (exit 77) otherwise or without tshark.
add_test(NAME e2e_admin_capture
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/admin_capture_test.sh $<TARGET_FILE_DIR:switchyard>)
set_tests_properties(e2e_admin_capture PROPERTIES
  LABELS e2e
  RUN_SERIAL TRUE
  TIMEOUT 300
  SKIP_RETURN_CODE 77
  # The relay is built next to the server: ctest does not build it.
  REQUIRED_FILES "$<TARGET_FILE_DIR:switchyard>/sy-tap-relay;$<TARGET_FILE_DIR:switchyard>/sy-ws-probe")
