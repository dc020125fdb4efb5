/* Structural invariants of Kizuna's own data structures (buffers, arenas, the indicator
 * set), checked in debug builds (the debugoptimized build every test runs) and compiled
 * out with NDEBUG. A broken one is a bug in Kizuna, never bad input (bad input gets a
 * kz_rc): it aborts naming the condition, file and line. Code that only computes what an
 * invariant checks sits inside #ifndef NDEBUG. */
#ifndef KZ_UTIL_INVARIANT_H
#define KZ_UTIL_INVARIANT_H

#include <assert.h>

#define kz_invariant(cond) assert(cond)

#endif
