/*
 * libFuzzer's side of SharpFuzz's libFuzzer mode: libFuzzer calls LLVMFuzzerTestOneInput in
 * this process, and the .NET fuzz target runs in a child (SlurmNative.Fuzz libfuzzer TARGET,
 * its SlurmNative assemblies instrumented by the sharpfuzz tool). They share one SysV shared
 * memory segment: the first 64 KiB are the edge counters the instrumented code bumps, the rest
 * holds the input. Two pipes carry the handshake: the child reads each input's length on
 * descriptor 198 and answers a 4-byte status on 199 (non-zero: the target failed); SharpFuzz
 * 2.x finds the segment and the descriptors in __LIBFUZZER_SHM_ID, __LIBFUZZER_CONTROL_PIPE_ID
 * and __LIBFUZZER_STATUS_PIPE_ID. The counters
 * are copied into libFuzzer's extra-counters section after every input, so libFuzzer sees the
 * managed code's coverage as its own.
 *
 * SLURMNATIVE_FUZZ_CHILD is the shell command that starts the child. libfuzzer/run.sh builds
 * this file against Debian's libFuzzer.a (libfuzzer-14-dev) and sets everything up.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

enum {
    COVERAGE_BYTES = 1 << 16,
    INPUT_BYTES = 1 << 20,
    CHILD_CONTROL_FD = 198,
    CHILD_STATUS_FD = 199,
};

/* Written only, so "used" keeps the compiler from dropping it; libFuzzer finds it by its section. */
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t coverage[COVERAGE_BYTES];

static uint8_t *shared;
static int shared_id = -1;
static int control_fd = -1;
static int status_fd = -1;

static void fail(const char *what)
{
    fprintf(stderr, "libfuzzer driver: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void remove_shared(void)
{
    if (shared_id >= 0)
        shmctl(shared_id, IPC_RMID, NULL);
}

static int transfer(int fd, void *buffer, int writing)
{
    size_t done = 0;
    while (done < 4) {
        ssize_t n = writing ? write(fd, (char *)buffer + done, 4 - done) : read(fd, (char *)buffer + done, 4 - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *child = getenv("SLURMNATIVE_FUZZ_CHILD");
    if (child == NULL || *child == '\0') {
        fprintf(stderr, "libfuzzer driver: set SLURMNATIVE_FUZZ_CHILD to the command that serves the target (libfuzzer/run.sh does)\n");
        exit(1);
    }
    shared_id = shmget(IPC_PRIVATE, COVERAGE_BYTES + INPUT_BYTES, IPC_CREAT | IPC_EXCL | 0600);
    if (shared_id < 0)
        fail("shmget");
    atexit(remove_shared);
    shared = shmat(shared_id, NULL, 0);
    if (shared == (void *)-1)
        fail("shmat");

    int control[2], status[2];
    if (pipe(control) != 0 || pipe(status) != 0)
        fail("pipe");
    pid_t pid = fork();
    if (pid < 0)
        fail("fork");
    if (pid == 0) {
        char id[16];
        snprintf(id, sizeof id, "%d", shared_id);
        if (dup2(control[0], CHILD_CONTROL_FD) < 0 || dup2(status[1], CHILD_STATUS_FD) < 0 || setenv("__LIBFUZZER_SHM_ID", id, 1) != 0
            || setenv("__LIBFUZZER_CONTROL_PIPE_ID", "198", 1) != 0 || setenv("__LIBFUZZER_STATUS_PIPE_ID", "199", 1) != 0)
            fail("setting up the child");
        close(control[0]);
        close(control[1]);
        close(status[0]);
        close(status[1]);
        execl("/bin/sh", "sh", "-c", child, (char *)NULL);
        fail("exec /bin/sh");
    }
    close(control[0]);
    close(status[1]);
    control_fd = control[1];
    status_fd = status[0];
    uint32_t hello;
    if (transfer(status_fd, &hello, 0) != 0) {
        fprintf(stderr, "libfuzzer driver: the child (%s) did not start serving\n", child);
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > INPUT_BYTES)
        return 0;
    memset(shared, 0, COVERAGE_BYTES);
    memcpy(shared + COVERAGE_BYTES, data, size);
    uint32_t length = (uint32_t)size, result;
    if (transfer(control_fd, &length, 1) != 0 || transfer(status_fd, &result, 0) != 0) {
        /* The child died on this input: native code crashed, or the runtime was killed. */
        fprintf(stderr, "libfuzzer driver: the .NET target died\n");
        abort();
    }
    memcpy(coverage, shared, COVERAGE_BYTES);
    if (result != 0)
        abort();
    return 0;
}
