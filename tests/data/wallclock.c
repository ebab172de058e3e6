/* The wall clock of a process, moved by the number of seconds in the file $WALLCLOCK_FILE
 * (re-read at most every 20 ms), while its monotonic clock stays the real one: a step of the
 * wall clock as NTP or `date -s` makes it, for one process. LD_PRELOAD it.
 *
 * A timed wait on the real-time clock (PortAudio starting its stream thread) whose deadline
 * was computed from the moved clock is moved back, as the kernel knows only the real one.
 *
 * (libfaketime 0.9.10 does the same with DONT_FAKE_MONOTONIC, but makes Python 3.11's
 * time.sleep fail with EINVAL, as it sleeps with clock_nanosleep on the monotonic clock.) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int (*real_clock_gettime)(clockid_t, struct timespec *);
static double offset;
static struct timespec read_at;

static void follow_file(void) {
    struct timespec now;
    real_clock_gettime(CLOCK_MONOTONIC, &now);
    double since = (now.tv_sec - read_at.tv_sec) + (now.tv_nsec - read_at.tv_nsec) / 1e9;
    if (read_at.tv_sec != 0 && since < 0.02) return;
    read_at = now;
    const char *path = getenv("WALLCLOCK_FILE");
    FILE *file = path ? fopen(path, "r") : NULL;
    if (!file) return;
    double value;
    if (fscanf(file, "%lf", &value) == 1) offset = value;
    fclose(file);
}

static void shift_by(struct timespec *ts, double seconds) {
    long long ns = (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec
                   + (long long)(seconds * 1e9);
    ts->tv_sec = ns / 1000000000LL;
    ts->tv_nsec = ns % 1000000000LL;
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
    if (!real_clock_gettime) real_clock_gettime = dlsym(RTLD_NEXT, "clock_gettime");
    int result = real_clock_gettime(clock, ts);
    if (result == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) {
        follow_file();
        shift_by(ts, offset);
    }
    return result;
}

time_t time(time_t *out) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out) *out = ts.tv_sec;
    return ts.tv_sec;
}

int pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                           const struct timespec *deadline) {
    static int (*real_wait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
    if (!real_wait) real_wait = dlvsym(RTLD_NEXT, "pthread_cond_timedwait", "GLIBC_2.3.2");
    if (offset == 0) return real_wait(cond, mutex, deadline);
    struct timespec real_now;
    if (!real_clock_gettime) real_clock_gettime = dlsym(RTLD_NEXT, "clock_gettime");
    real_clock_gettime(CLOCK_REALTIME, &real_now);
    double at = deadline->tv_sec + deadline->tv_nsec / 1e9, now = real_now.tv_sec;
    double from_real = at > now ? at - now : now - at;
    double from_moved = at > now + offset ? at - now - offset : now + offset - at;
    if (from_moved >= from_real) return real_wait(cond, mutex, deadline);  /* another clock */
    struct timespec moved_back = *deadline;
    shift_by(&moved_back, -offset);
    return real_wait(cond, mutex, &moved_back);
}
