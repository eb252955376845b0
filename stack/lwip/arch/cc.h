/* stack/lwip/arch/cc.h - lwIP's platform glue for Linux/glibc (C and C++). */
#ifndef SWITCHYARD_LWIP_ARCH_CC_H
#define SWITCHYARD_LWIP_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif
/* lwIP asserts only on misuse of its API (our bugs), never on peer input. */
void switchyard_lwip_assert(const char* message, const char* file, int line);
unsigned int switchyard_lwip_rand(void);
#ifdef __cplusplus
}
#endif

#define LWIP_PLATFORM_DIAG(x) \
  do {                        \
    printf x;                 \
  } while (0)
#define LWIP_PLATFORM_ASSERT(x) switchyard_lwip_assert((x), __FILE__, __LINE__)
#define LWIP_RAND() ((u32_t)switchyard_lwip_rand())
#define LWIP_NO_UNISTD_H 0

#endif /* SWITCHYARD_LWIP_ARCH_CC_H */
