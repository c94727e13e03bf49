/* Helpers shared by the cmocka unit tests. Include after <cmocka.h>. */
#ifndef VIGIE_TESTUTIL_H
#define VIGIE_TESTUTIL_H

#include <math.h>

/* cmocka 1.1 compares floats only; clinical values need doubles. */
#define assert_near(actual, expected, tolerance)                                                   \
    do {                                                                                           \
        double a_ = (double)(actual), e_ = (double)(expected);                                     \
        if (!(fabs(a_ - e_) <= (double)(tolerance)))                                               \
            fail_msg("%s = %.9g, expected %.9g (+/- %g)", #actual, a_, e_, (double)(tolerance));   \
    } while (0)

#endif
