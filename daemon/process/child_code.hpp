// Marks the code a spawned child runs between clone and exec (process/spawner.cpp). That
// child runs in graced's memory on a stack of its own, which AddressSanitizer does not
// know: the sanitizer's poisoning of that stack's frames would stay behind in graced's
// shadow memory once the child execs, so this code is left uninstrumented.
#pragma once

#define GRACED_CHILD_CODE __attribute__((no_sanitize("address")))
