/*
 * Runs a site's program (plugstack post_refresh=) as the job's user, from
 * slurmstepd, where managed code must not run in a forked child and where
 * slurmstepd itself reaps its children (wait3 on any child while tasks run).
 *
 * So C forks here, and only async-signal-safe calls follow the fork. The
 * program is a grandchild: the child between them waits for it and reports
 * its pid and its exit status through a pipe, so it does not matter whether
 * slurmstepd or this code reaps the child. The program's stderr comes back
 * through a second pipe for the log. Past the timeout it is killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "slurmnative_shim.h"

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int write_all(int fd, const void *data, size_t length)
{
    const char *p = data;
    while (length > 0) {
        ssize_t n = write(fd, p, length);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        length -= (size_t) n;
    }
    return 0;
}

/* In the grandchild: become the user, then the program. Never returns. */
static void become_program(const char *program, uint32_t uid, uint32_t gid, const uint32_t *groups, int ngroups,
                           char *const envp[], int stderr_fd)
{
    /* A group of its own, so that a timeout kills what the program started too. */
    setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(stderr_fd, 2) < 0)
        _exit(126);
    /* As root, take on the user's groups. In user_init slurmstepd already acts as the user, with the
       user's groups, and setgroups would be refused; what is left is to drop root as real and saved id. */
    if (geteuid() == 0) {
        gid_t gids[ngroups > 0 ? ngroups : 1];
        for (int i = 0; i < ngroups; i++)
            gids[i] = (gid_t) groups[i];
        if (setgroups((size_t) ngroups, gids) != 0)
            _exit(126);
    }
    if (setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0 || getuid() != uid || geteuid() != uid || getgid() != gid)
        _exit(126);
    char *const argv[] = { (char *) program, NULL };
    execve(program, argv, envp);
    _exit(127);
}

int slurmnative_run_as_user(const char *program, uint32_t uid, uint32_t gid, const uint32_t *groups, int ngroups,
                            char *const envp[], int timeout_ms, char *output, int output_length, int *result)
{
    if (uid == 0)
        return -EPERM;
    int out[2], report[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return -errno;
    if (pipe2(report, O_CLOEXEC) != 0) {
        int saved = errno;
        close(out[0]);
        close(out[1]);
        return -saved;
    }
    pid_t child = fork();
    if (child < 0) {
        int saved = errno;
        close(out[0]);
        close(out[1]);
        close(report[0]);
        close(report[1]);
        return -saved;
    }
    if (child == 0) {
        close(out[0]);
        close(report[0]);
        pid_t program_pid = fork();
        if (program_pid == 0) {
            close(report[1]);
            become_program(program, uid, gid, groups, ngroups, envp, out[1]);
        }
        close(out[1]);
        int32_t message[2] = { (int32_t) program_pid, -1 };
        if (program_pid < 0 || write_all(report[1], &message[0], sizeof message[0]) != 0)
            _exit(1);
        int status;
        while (waitpid(program_pid, &status, 0) < 0 && errno == EINTR)
            ;
        message[1] = status;
        write_all(report[1], &message[1], sizeof message[1]);
        _exit(0);
    }
    close(out[1]);
    close(report[1]);

    int32_t program_pid = -1, status = -1;
    int got_pid = 0, got_status = 0, output_open = 1, timed_out = 0, used = 0;
    char scratch[256];
    long long deadline = now_ms() + timeout_ms;
    while (!got_status) {
        struct pollfd fds[2] = { { report[0], POLLIN, 0 }, { output_open ? out[0] : -1, POLLIN, 0 } };
        long long left = deadline - now_ms();
        if (left <= 0 && !timed_out) {
            if (got_pid) {
                kill(-program_pid, SIGKILL);
                kill(program_pid, SIGKILL);
            }
            timed_out = 1;
            deadline = now_ms() + 5000; /* for the kill to be reported */
            continue;
        }
        if (left <= 0)
            break;
        int ready = poll(fds, 2, (int) left);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            break;
        if (fds[1].revents) {
            char *into = used < output_length - 1 ? output + used : scratch;
            size_t room = used < output_length - 1 ? (size_t) (output_length - 1 - used) : sizeof scratch;
            ssize_t n = read(out[0], into, room);
            if (n <= 0)
                output_open = 0;
            else if (into != scratch)
                used += (int) n;
        }
        if (fds[0].revents) {
            int32_t value;
            ssize_t n = read(report[0], &value, sizeof value);
            if (n != (ssize_t) sizeof value)
                break; /* the child died before reporting */
            if (!got_pid) {
                program_pid = value;
                got_pid = 1;
            } else {
                status = value;
                got_status = 1;
            }
        }
    }
    if (output_length > 0)
        output[used < output_length ? used : output_length - 1] = '\0';
    close(out[0]);
    close(report[0]);
    /* slurmstepd may have reaped the child already; either way it is gone. */
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
        ;
    if (!got_status)
        return timed_out ? -ETIMEDOUT : -ECHILD;
    *result = status;
    return timed_out ? -ETIMEDOUT : 0;
}
