#include "lifecycle/connection_watch.hpp"

#include <gtest/gtest.h>

namespace graced {
namespace {

// Lines as the kernel writes them: local 127.0.0.1:8080 (1F90), a listener, two
// connections (one established, one in TIME_WAIT) and one on another port.
const char* kTable =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n"
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        "
    "0 1111 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        "
    "0 2222 1 0000000000000000 20 4 30 10 -1\n"
    "   2: 0100007F:1F90 0100007F:D432 06 00000000:00000000 03:00001770 00000000     0        "
    "0 0 3 0000000000000000\n"
    "   3: 0100007F:0050 0100007F:D433 01 00000000:00000000 00:00000000 00000000     0        "
    "0 3333 1 0000000000000000 20 4 30 10 -1\n";

TEST(ConnectionWatch, CollectsNonListeningTuplesOnWatchedPorts) {
  auto tuples = connection_tuples(kTable, {8080});
  EXPECT_EQ(tuples.size(), 2u);
  EXPECT_TRUE(tuples.count("0100007F:1F90>0100007F:D431"));
  EXPECT_TRUE(tuples.count("0100007F:1F90>0100007F:D432")) << "TIME_WAIT still counts";
}

TEST(ConnectionWatch, OtherPortsAreIgnored) {
  EXPECT_TRUE(connection_tuples(kTable, {9090}).empty());
  EXPECT_EQ(connection_tuples(kTable, {80}).size(), 1u);
}

TEST(ConnectionWatch, MalformedLinesAreSkipped) {
  EXPECT_TRUE(connection_tuples("header\ngarbage\n  1: nocolon x 01\n", {8080}).empty());
}

}  // namespace
}  // namespace graced
