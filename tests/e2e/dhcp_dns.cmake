# tests/e2e/dhcp_dns.cmake - DHCPv4 and DNS end to end with real clients (busybox
# udhcpc, ISC dhclient, dig) in VM namespaces; include()d from tests/e2e/CMakeLists.txt.
# Root only (namespaces, /dev/net/tun); skipped (exit 77) otherwise or when a
# client program is missing.
add_test(NAME e2e_dhcp_dns
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/dhcp_dns_test.sh $<TARGET_FILE_DIR:switchyard>)
set_tests_properties(e2e_dhcp_dns PROPERTIES
  LABELS e2e
  TIMEOUT 300
  SKIP_RETURN_CODE 77
  # The relay is built next to the server: ctest does not build it.
  REQUIRED_FILES "$<TARGET_FILE_DIR:switchyard>/sy-tap-relay;$<TARGET_FILE_DIR:switchyard>/sy-ws-probe")
