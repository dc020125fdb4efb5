/* An IP address as Kizuna passes it between layers (parsed and formatted by
 * codec/routing/ip.h, counted by engine/tally.h). */
#ifndef KZ_MODEL_IP_H
#define KZ_MODEL_IP_H

#include <stdint.h>

typedef struct kz_ip {
    int family;       /* 4 or 6 */
    uint32_t v4;      /* family 4: host order */
    uint8_t v6[16];   /* family 6: network order */
} kz_ip;

#endif
