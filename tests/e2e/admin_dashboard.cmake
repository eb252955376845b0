# tests/e2e/admin_dashboard.cmake - the operator dashboard and the v86 demo
# page in headless Chromium (admin_dashboard_test.sh drives
# admin_dashboard.mjs through playwright-core): a DHCP VM and a refused
# connection seen live, a network created through the form, screenshots at
# desktop and phone width; include()d from tests/e2e/CMakeLists.txt. Root only
# (namespaces, /dev/net/tun); skipped (exit 77) otherwise, or without
# /usr/bin/chromium, node, busybox or tests/node/node_modules/playwright-core
# (scripts/install-deps.sh runs `npm ci --prefix tests/node`).
add_test(NAME e2e_admin_dashboard
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/admin_dashboard_test.sh $<TARGET_FILE_DIR:switchyard>)
set_tests_properties(e2e_admin_dashboard PROPERTIES
  LABELS e2e
  RUN_SERIAL TRUE
  TIMEOUT 300
  SKIP_RETURN_CODE 77
  # The relay is built next to the server: ctest does not build it.
  REQUIRED_FILES "$<TARGET_FILE_DIR:switchyard>/sy-tap-relay;$<TARGET_FILE_DIR:switchyard>/sy-ws-probe")
