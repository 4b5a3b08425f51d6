/*
 * Plays Slurm for the plugin: loads the .so with dlopen(RTLD_LAZY) as Slurm's
 * plugin loader does, provides the SPANK functions the plugin imports, calls the
 * hooks, and prints what happened as "key=value" lines for PluginLoadingTests.
 *
 * usage: fake_slurm_host PLUGIN CONTEXT OPTION [plugstack arguments...]
 *   CONTEXT: local | remote | allocator | slurmd
 *   OPTION:  the --krb5 value, "" for a bare --krb5, or "-" when not given
 *
 * In the remote context a second thread runs before the plugin is loaded, as
 * slurmstepd's message thread does, because the runtime's start differs in a
 * process that already has threads (native/runtime_membarrier.c).
 *
 * With FAKE_HOST_SELFTEST=THREADS,ROUNDS in the environment, the host calls the
 * plugin's runtime self-test after init_post_opt (which started the runtime)
 * and prints what it returned as selftest=N.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <slurm/spank.h>

static spank_context_t current_context = S_CTX_LOCAL;
static struct spank_option registered;
static int registered_count;

spank_context_t spank_context(void) { return current_context; }

int spank_remote(spank_t sp) { (void) sp; return current_context == S_CTX_REMOTE; }

spank_err_t spank_option_register(spank_t sp, struct spank_option *opt)
{
    (void) sp;
    registered = *opt;
    registered_count++;
    return ESPANK_SUCCESS;
}

spank_err_t spank_get_item(spank_t sp, spank_item_t item, ...)
{
    (void) sp;
    va_list ap;
    va_start(ap, item);
    spank_err_t rc = ESPANK_SUCCESS;
    if (current_context != S_CTX_REMOTE)
        rc = ESPANK_NOT_REMOTE;
    else if (item == S_JOB_UID)
        *va_arg(ap, uid_t *) = 4242;
    else if (item == S_JOB_GID)
        *va_arg(ap, gid_t *) = 4343;
    else if (item == S_JOB_ID)
        *va_arg(ap, uint32_t *) = 77;
    else if (item == S_JOB_STEPID)
        *va_arg(ap, uint32_t *) = 3;
    else
        rc = ESPANK_BAD_ARG;
    va_end(ap);
    return rc;
}

spank_err_t spank_getenv(spank_t sp, const char *var, char *buf, int len)
{
    (void) sp; (void) var; (void) buf; (void) len;
    return ESPANK_ENV_NOEXIST;
}

spank_err_t spank_setenv(spank_t sp, const char *var, const char *val, int overwrite)
{
    (void) sp;
    printf("setenv=%s=%s overwrite=%d\n", var, val, overwrite);
    return ESPANK_SUCCESS;
}

spank_err_t spank_unsetenv(spank_t sp, const char *var)
{
    (void) sp;
    printf("unsetenv=%s\n", var);
    return ESPANK_SUCCESS;
}

#define LOGGER(fn, level)                      \
    void fn(const char *format, ...)           \
    {                                          \
        va_list ap;                            \
        va_start(ap, format);                  \
        printf("log." level "=");              \
        vprintf(format, ap);                   \
        printf("\n");                          \
        va_end(ap);                            \
    }
LOGGER(slurm_error, "error")
LOGGER(slurm_info, "info")
LOGGER(slurm_verbose, "verbose")
LOGGER(slurm_debug, "debug")
LOGGER(slurm_debug2, "debug2")
LOGGER(slurm_debug3, "debug3")
LOGGER(slurm_spank_log, "user")

static int count_threads(void)
{
    DIR *dir = opendir("/proc/self/task");
    int n = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        if (entry->d_name[0] != '.')
            n++;
    closedir(dir);
    return n;
}

static void *message_thread(void *unused)
{
    (void) unused;
    for (;;)
        pause();
    return NULL;
}

/* Private expedited barriers are refused with EPERM unless the process registered for them. */
static int registered_for_membarrier(void)
{
    return syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0;
}

typedef int (*hook_fn)(spank_t, int, char **);

static int call_hook(void *plugin, const char *name, int ac, char **av)
{
    hook_fn hook = (hook_fn) dlsym(plugin, name);
    if (hook == NULL) {
        printf("missing=%s\n", name);
        return -100;
    }
    int rc = hook((spank_t) 0x1, ac, av);
    printf("%s=%d\n", name, rc);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s PLUGIN CONTEXT OPTION [args...]\n", argv[0]);
        return 2;
    }
    const char *context = argv[2];
    current_context = strcmp(context, "remote") == 0      ? S_CTX_REMOTE
                      : strcmp(context, "allocator") == 0 ? S_CTX_ALLOCATOR
                      : strcmp(context, "slurmd") == 0    ? S_CTX_SLURMD
                                                          : S_CTX_LOCAL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t thread;
    if (current_context == S_CTX_REMOTE && pthread_create(&thread, NULL, message_thread, NULL) != 0) {
        printf("thread_error=1\n");
        return 1;
    }

    void *plugin = dlopen(argv[1], RTLD_LAZY | RTLD_LOCAL);
    if (plugin == NULL) {
        printf("dlopen_error=%s\n", dlerror());
        return 1;
    }
    const char *name = dlsym(plugin, "plugin_name");
    const char *type = dlsym(plugin, "plugin_type");
    const unsigned int *version = dlsym(plugin, "plugin_version");
    printf("plugin_name=%s\n", name ? name : "(missing)");
    printf("plugin_type=%s\n", type ? type : "(missing)");
    printf("plugin_version_matches=%d\n", version != NULL && *version == SLURM_VERSION_NUMBER);

    int ac = argc - 4;
    char **av = argv + 4;
    int threads_before = count_threads();

    call_hook(plugin, "slurm_spank_init", ac, av);
    printf("options_registered=%d\n", registered_count);
    if (registered_count > 0) {
        printf("option_name=%s\noption_arginfo=%s\noption_has_arg=%d\n",
               registered.name, registered.arginfo, registered.has_arg);
        if (strcmp(argv[3], "-") != 0)
            printf("option_callback=%d\n", registered.cb(registered.val, argv[3], 0));
    }

    call_hook(plugin, "slurm_spank_init_post_opt", ac, av);
    const char *selftest = getenv("FAKE_HOST_SELFTEST");
    if (selftest != NULL) {
        int threads = 0, rounds = 0;
        int (*run)(int, int) = (int (*)(int, int)) dlsym(plugin, "slurmnative_runtime_selftest");
        if (run == NULL || sscanf(selftest, "%d,%d", &threads, &rounds) != 2)
            printf("selftest=missing\n");
        else
            printf("selftest=%d\n", run(threads, rounds));
    }
    if (current_context == S_CTX_LOCAL)
        call_hook(plugin, "slurm_spank_local_user_init", ac, av);
    if (current_context == S_CTX_REMOTE)
        call_hook(plugin, "slurm_spank_user_init", ac, av);
    call_hook(plugin, "slurm_spank_exit", ac, av);

    printf("runtime_started=%d\n", count_threads() > threads_before);
    printf("membarrier_registered=%d\n", registered_for_membarrier());
    dlclose(plugin);
    printf("unloaded=1\n");
    return 0;
}
