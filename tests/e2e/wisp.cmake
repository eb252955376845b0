# tests/e2e/wisp.cmake - Wisp v1/v2 and DoH end to end: the real wisp-js client
# (tests/e2e/wisp_client.mjs) against the server in the egress topology's gw
# namespace, streams to the fake internet and into a VM on the virtual LAN,
# policy refusals, password auth, a slow reader, upload floods against an
# upstream that never reads; include()d from
# tests/e2e/CMakeLists.txt. Root only (namespaces, /dev/net/tun); skipped
# (exit 77) otherwise, or without node or tests/node/node_modules
# (scripts/install-deps.sh runs `npm ci --prefix tests/node`).
add_test(NAME e2e_wisp
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/wisp_test.sh $<TARGET_FILE_DIR:switchyard>)
set_tests_properties(e2e_wisp PROPERTIES
  LABELS e2e
  RUN_SERIAL TRUE
  TIMEOUT 600
  SKIP_RETURN_CODE 77
  # The relay is built next to the server: ctest does not build it.
  REQUIRED_FILES "$<TARGET_FILE_DIR:switchyard>/sy-tap-relay;$<TARGET_FILE_DIR:switchyard>/sy-ws-probe")
