# tests/e2e/admin_api.cmake - the admin REST API end to end: every endpoint of
# README "Admin API" and every refusal (admin_api/validation.py), the admin
# token (admin_api/token.py), the server refusing an exposed API without one,
# and the writes seen by a real VM namespace (DHCP lease, dig, kicks, network
# deletion, a restart on the same state dir); include()d from
# tests/e2e/CMakeLists.txt. Root only (namespaces, /dev/net/tun); skipped
# (exit 77) otherwise or without busybox, dig or python3.
add_test(NAME e2e_admin_api
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/admin_api_test.sh $<TARGET_FILE_DIR:switchyard>)
set_tests_properties(e2e_admin_api PROPERTIES
  LABELS e2e
  RUN_SERIAL TRUE
  TIMEOUT 600
  SKIP_RETURN_CODE 77
  # The relay is built next to the server: ctest does not build it.
  REQUIRED_FILES "$<TARGET_FILE_DIR:switchyard>/sy-tap-relay;$<TARGET_FILE_DIR:switchyard>/sy-ws-probe")
