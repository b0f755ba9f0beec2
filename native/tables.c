#include "common.h"

const int8_t go_fp4_x2[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};
float go_e8m0_half[256];

void go_tables_init(void) {
  /* value = fp4 * 2^(e-127) = (2 * fp4) * 2^(e-128); 2^-128 is an f32 subnormal, still exact. */
  for (int e = 0; e < 255; e++) go_e8m0_half[e] = ldexpf(1.0f, e - 128);
  go_e8m0_half[255] = NAN; /* E8M0 0xFF is NaN (OCP MX spec): a corrupt scale must not pass as 2^127 */
}
