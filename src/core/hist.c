/*
 * hist.c - fixed-memory log-linear histogram.
 *
 * Bucket layout: values < 2^SUB map to buckets [0, 2^SUB) exactly.  A value
 * whose highest set bit is e >= SUB falls in "octave" e - SUB + 1, split into
 * 2^SUB linear sub-buckets by the SUB bits below the top bit.
 */
#include <string.h>

#include "vsched/core.h"

#define SUB HIST_SUB_BITS
#define SUB_COUNT (1U << SUB)

void hist_init(struct hist *h)
{
    memset(h, 0, sizeof(*h));
}

unsigned int hist_bucket(u64 v)
{
    unsigned int e;

    if (v < SUB_COUNT)
        return (unsigned int)v;
    e = 63 - (unsigned int)__builtin_clzll(v); /* e >= SUB */
    return ((e - SUB + 1) << SUB) + (unsigned int)((v >> (e - SUB)) & (SUB_COUNT - 1));
}

u64 hist_bucket_low(unsigned int b)
{
    unsigned int octave = b >> SUB, sub = b & (SUB_COUNT - 1);

    if (octave == 0)
        return sub;
    return (u64)(SUB_COUNT + sub) << (octave - 1);
}

void hist_add(struct hist *h, u64 v)
{
    unsigned int b = hist_bucket(v);

    h->count++;
    if (v > h->max)
        h->max = v;
    h->sum = (h->sum + v < h->sum) ? UINT64_MAX : h->sum + v;
    if (h->buckets[b] != UINT32_MAX)
        h->buckets[b]++;
}

u64 hist_quantile(const struct hist *h, double q)
{
    u64 rank, seen = 0;

    if (h->count == 0)
        return 0;
    if (q >= 1.0)
        return h->max;
    if (q <= 0.0)
        q = 0.0;
    rank = (u64)(q * (double)h->count);
    if ((double)rank < q * (double)h->count)
        rank++;
    if (rank == 0)
        rank = 1;
    for (unsigned int b = 0; b < HIST_NR_BUCKETS; b++) {
        seen += h->buckets[b];
        if (seen >= rank) {
            u64 low = hist_bucket_low(b);
            return low > h->max ? h->max : low;
        }
    }
    return h->max;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
    dst->count += src->count;
    if (src->max > dst->max)
        dst->max = src->max;
    dst->sum = (dst->sum + src->sum < dst->sum) ? UINT64_MAX : dst->sum + src->sum;
    for (unsigned int b = 0; b < HIST_NR_BUCKETS; b++) {
        u64 s = (u64)dst->buckets[b] + src->buckets[b];
        dst->buckets[b] = s > UINT32_MAX ? UINT32_MAX : (u32)s;
    }
}
