/*
 * engine.c - discrete-event engine: an array-based binary min-heap of
 * intrusive events ordered by (time, seq).
 *
 * seq is handed out when an event is armed, so two events armed for the same
 * time fire in arming order.  Together with a single seeded RNG per stream
 * this makes a run a pure function of (scenario, seed).
 */
#include <stdio.h>
#include <stdlib.h>

#include "vsched/core.h"

void sim_bug(const char *file, int line, const char *cond)
{
    fprintf(stderr, "vsched: BUG at %s:%d: %s\n", file, line, cond);
    abort();
}

static inline bool ev_before(const struct sim_event *a, const struct sim_event *b)
{
    if (a->time != b->time)
        return a->time < b->time;
    return a->seq < b->seq;
}

void sim_engine_init(struct sim_engine *eng, void *ctx)
{
    eng->cap = 64;
    eng->heap = malloc(sizeof(*eng->heap) * eng->cap);
    SIM_BUG_ON(!eng->heap);
    eng->nr = 0;
    eng->next_seq = 0;
    eng->now = 0;
    eng->nr_events = 0;
    eng->ctx = ctx;
}

void sim_engine_destroy(struct sim_engine *eng)
{
    for (u32 i = 0; i < eng->nr; i++)
        eng->heap[i]->heap_idx = SIM_EVENT_IDLE;
    free(eng->heap);
    eng->heap = NULL;
    eng->nr = eng->cap = 0;
}

static void sift_up(struct sim_engine *eng, u32 i)
{
    struct sim_event **h = eng->heap;
    struct sim_event *ev = h[i];

    while (i > 0) {
        u32 parent = (i - 1) / 2;
        if (!ev_before(ev, h[parent]))
            break;
        h[i] = h[parent];
        h[i]->heap_idx = i;
        i = parent;
    }
    h[i] = ev;
    ev->heap_idx = i;
}

static void sift_down(struct sim_engine *eng, u32 i)
{
    struct sim_event **h = eng->heap;
    struct sim_event *ev = h[i];
    u32 n = eng->nr;

    for (;;) {
        u32 l = 2 * i + 1, best;
        if (l >= n)
            break;
        best = l;
        if (l + 1 < n && ev_before(h[l + 1], h[l]))
            best = l + 1;
        if (!ev_before(h[best], ev))
            break;
        h[i] = h[best];
        h[i]->heap_idx = i;
        i = best;
    }
    h[i] = ev;
    ev->heap_idx = i;
}

static void heap_remove(struct sim_engine *eng, u32 i)
{
    struct sim_event *last;

    eng->heap[i]->heap_idx = SIM_EVENT_IDLE;
    eng->nr--;
    if (i == eng->nr)
        return;
    last = eng->heap[eng->nr];
    eng->heap[i] = last;
    last->heap_idx = i;
    if (i > 0 && ev_before(last, eng->heap[(i - 1) / 2]))
        sift_up(eng, i);
    else
        sift_down(eng, i);
}

void sim_event_arm(struct sim_engine *eng, struct sim_event *ev, u64 time)
{
    SIM_BUG_ON(time < eng->now);
    if (sim_event_armed(ev))
        heap_remove(eng, ev->heap_idx);
    if (eng->nr == eng->cap) {
        eng->cap *= 2;
        eng->heap = realloc(eng->heap, sizeof(*eng->heap) * eng->cap);
        SIM_BUG_ON(!eng->heap);
    }
    ev->time = time;
    ev->seq = eng->next_seq++;
    eng->heap[eng->nr] = ev;
    ev->heap_idx = eng->nr;
    eng->nr++;
    sift_up(eng, ev->heap_idx);
}

void sim_event_cancel(struct sim_engine *eng, struct sim_event *ev)
{
    if (!sim_event_armed(ev))
        return;
    SIM_BUG_ON(ev->heap_idx >= eng->nr || eng->heap[ev->heap_idx] != ev);
    heap_remove(eng, ev->heap_idx);
}

bool sim_engine_step(struct sim_engine *eng, u64 until)
{
    struct sim_event *ev;

    if (eng->nr == 0 || eng->heap[0]->time > until)
        return false;
    ev = eng->heap[0];
    heap_remove(eng, 0);
    eng->now = ev->time;
    eng->nr_events++;
    ev->fn(eng->ctx, ev);
    return true;
}

void sim_engine_run_until(struct sim_engine *eng, u64 until)
{
    while (sim_engine_step(eng, until))
        ;
    if (eng->now < until)
        eng->now = until;
}

bool sim_engine_sane(const struct sim_engine *eng)
{
    for (u32 i = 0; i < eng->nr; i++) {
        if (eng->heap[i]->heap_idx != i)
            return false;
        if (i > 0 && ev_before(eng->heap[i], eng->heap[(i - 1) / 2]))
            return false;
        if (eng->heap[i]->time < eng->now)
            return false;
    }
    return true;
}
