/*
 * vsched/types.h - kernel-style fixed-width integer names and tiny helpers.
 *
 * The scheduler code mirrors kernel/sched/fair.c, which is written in terms of
 * u64/s64/u32.  We keep the same names so the two can be read side by side.
 */
#ifndef VSCHED_TYPES_H
#define VSCHED_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t u64;
typedef int64_t s64;
typedef uint32_t u32;
typedef int32_t s32;

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL

/* A bug in the simulator (never bad input): abort loudly with file:line. */
void sim_bug(const char *file, int line, const char *cond) __attribute__((noreturn));
#define SIM_BUG_ON(cond)                                                       \
    do {                                                                       \
        if (__builtin_expect(!!(cond), 0))                                     \
            sim_bug(__FILE__, __LINE__, #cond);                                \
    } while (0)

#ifndef container_of
#define container_of(ptr, type, member)                                        \
    ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#endif

/* Maximum number of host CPUs a scenario may declare (fixed-size cpumask). */
#define VSCHED_MAX_CPUS 256
#define CPUMASK_WORDS (VSCHED_MAX_CPUS / 64)

struct cpumask {
    u64 bits[CPUMASK_WORDS]; /* bit i set = CPU i allowed */
};

static inline void cpumask_clear(struct cpumask *m)
{
    for (int i = 0; i < CPUMASK_WORDS; i++)
        m->bits[i] = 0;
}
static inline void cpumask_set_cpu(unsigned int cpu, struct cpumask *m)
{
    m->bits[cpu / 64] |= 1ULL << (cpu % 64);
}
static inline bool cpumask_test_cpu(unsigned int cpu, const struct cpumask *m)
{
    return (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}
/* Set CPUs [0, nr). */
static inline void cpumask_fill(struct cpumask *m, unsigned int nr)
{
    cpumask_clear(m);
    for (unsigned int i = 0; i < nr; i++)
        cpumask_set_cpu(i, m);
}
static inline unsigned int cpumask_weight(const struct cpumask *m)
{
    unsigned int n = 0;
    for (int i = 0; i < CPUMASK_WORDS; i++)
        n += (unsigned int)__builtin_popcountll(m->bits[i]);
    return n;
}

#endif /* VSCHED_TYPES_H */
