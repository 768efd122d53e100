/*
 * rng.c - xoshiro256** 1.0 (David Blackman and Sebastiano Vigna, 2018,
 * public domain reference at prng.di.unimi.it), seeded through splitmix64.
 *
 * A stream is identified by (seed, stream): the state is filled from
 * splitmix64 started at seed ^ (stream * golden-ratio constant), so that
 * distinct streams of one seed are decorrelated and adding a stream does not
 * change the numbers any other stream draws.
 */
#include "vsched/core.h"

static u64 splitmix64(u64 *x)
{
    u64 z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline u64 rotl(u64 x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void sim_rng_seed(struct sim_rng *r, u64 seed, u64 stream)
{
    u64 x = seed ^ (stream * 0xD1B54A32D192ED03ULL);

    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

u64 sim_rng_next(struct sim_rng *r)
{
    u64 *s = r->s;
    u64 result = rotl(s[1] * 5, 7) * 9;
    u64 t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

u64 sim_rng_below(struct sim_rng *r, u64 bound)
{
    /* Lemire's nearly-divisionless method with rejection: unbiased. */
    unsigned __int128 m = (unsigned __int128)sim_rng_next(r) * bound;
    u64 l = (u64)m;

    SIM_BUG_ON(bound == 0);
    if (l < bound) {
        u64 t = -bound % bound;
        while (l < t) {
            m = (unsigned __int128)sim_rng_next(r) * bound;
            l = (u64)m;
        }
    }
    return (u64)(m >> 64);
}

double sim_rng_double(struct sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}
