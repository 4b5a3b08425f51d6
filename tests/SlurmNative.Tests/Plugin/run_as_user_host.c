/*
 * Calls native/run_as_user.c's slurmnative_run_as_user the way the plugin does, for
 * RunAsUserTests: run_as_user_host PROGRAM UID GID TIMEOUT_MS, printing the result,
 * the wait status and what the program wrote to stderr.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int slurmnative_run_as_user(const char *program, uint32_t uid, uint32_t gid, const uint32_t *groups, int ngroups,
                            char *const envp[], int timeout_ms, char *output, int output_length, int *result);

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s PROGRAM UID GID TIMEOUT_MS\n", argv[0]);
        return 2;
    }
    uint32_t uid = (uint32_t) strtoul(argv[2], NULL, 10), gid = (uint32_t) strtoul(argv[3], NULL, 10);
    uint32_t groups[] = { gid };
    char *envp[] = { "KRB5CCNAME=FILE:/tmp/krb5cc_test", "PATH=/usr/bin:/bin", NULL };
    char output[256];
    int status = -1;
    int result = slurmnative_run_as_user(argv[1], uid, gid, groups, 1, envp, atoi(argv[4]), output, sizeof output, &status);
    printf("result=%d\nstatus=%d\noutput=%s\n", result, status, output);
    return 0;
}
