/*
 * The C side of the SlurmNative SPANK plugin.
 *
 * C# cannot export data symbols or call variadic functions portably, and
 * Slurm's plugin loader needs both, so this file holds exactly that: the SPANK
 * data symbols, the hooks (which forward to one managed entry point), the
 * --krb5 option (whose callback must run without the .NET runtime), and plain
 * non-variadic wrappers around the Slurm calls managed code needs.
 *
 * The one decision made here is whether the plugin has anything to do at all:
 * when it has not, the hook returns before the .NET runtime starts, so a
 * disabled plugin costs a few string compares. When it has, the shim makes the
 * runtime's start cheaper in the one way only C can (prefault_runtime_data).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <slurm/slurm.h>
#include <slurm/spank.h>

#include "slurmnative_shim.h"

SPANK_PLUGIN(slurmnative, 1);

/* Defined by the NativeAOT half of the same shared object. */
extern int slurmnative_managed_hook(int hook, spank_t sp, int ac, char **av);

static int option_state = SLURMNATIVE_OPTION_UNSET;

/*
 * Whether native/runtime_membarrier.c may decline the runtime's membarrier
 * registration: plugstack's membarrier=decline (the default) or =runtime, read
 * at the first hook with work, which is before the runtime starts. A site that
 * suspects the runtime's fallback sets membarrier=runtime and has the runtime's
 * own behaviour back. Where the wrapper is not linked (other than x86-64) the
 * runtime always registers and these stay unused.
 */
int slurmnative_membarrier_may_decline = 1;

static int on_krb5_option(int val, const char *optarg, int remote)
{
    (void) val;
    (void) remote;
    if (optarg == NULL || optarg[0] == '\0' || strcmp(optarg, "yes") == 0)
        option_state = SLURMNATIVE_OPTION_YES;
    else if (strcmp(optarg, "no") == 0)
        option_state = SLURMNATIVE_OPTION_NO;
    else if (strcmp(optarg, "done") == 0)
        option_state = SLURMNATIVE_OPTION_DONE;
    else {
        slurm_error("slurmnative: --krb5=%s is not understood; use --krb5, --krb5=yes, --krb5=no or --krb5=done",
                    optarg);
        return -1;
    }
    return 0;
}

static struct spank_option krb5_option = {
    SLURMNATIVE_OPTION_NAME,
    "[yes|no|done]",
    "Forward your Kerberos ticket to the job (yes), do not (no), or reuse the one "
    "already forwarded to this allocation (done). Bare --krb5 means yes.",
    2,
    0,
    on_krb5_option,
};

static int acts_in_context(spank_context_t context)
{
    return context == S_CTX_LOCAL || context == S_CTX_ALLOCATOR || context == S_CTX_REMOTE;
}

/* The value of plugstack argument ARG if it is KEY=value, else NULL. */
static const char *argument_value(const char *arg, const char *key)
{
    size_t length = strlen(key);
    return strncmp(arg, key, length) == 0 && arg[length] == '=' ? arg + length + 1 : NULL;
}

/* The value of the first KEY=value among the plugstack arguments, else FALLBACK. */
static const char *argument(int ac, char **av, const char *key, const char *fallback)
{
    for (int i = 0; i < ac; i++) {
        const char *value = argument_value(av[i], key);
        if (value != NULL)
            return value;
    }
    return fallback;
}

/*
 * Off only when certainly off: the user said --krb5=no, or said nothing and the
 * site's default is absent or exactly "default=off". Anything else, including
 * a malformed default, starts managed code, which validates every argument and
 * names the one that is wrong.
 */
static int is_on(int ac, char **av)
{
    if (option_state == SLURMNATIVE_OPTION_NO)
        return 0;
    if (option_state != SLURMNATIVE_OPTION_UNSET)
        return 1;
    for (int i = 0; i < ac; i++) {
        const char *value = argument_value(av[i], SLURMNATIVE_ARG_DEFAULT);
        if (value != NULL)
            return strcmp(value, SLURMNATIVE_ARG_DEFAULT_OFF) != 0;
    }
    return 0;
}

/*
 * srun, sbatch and salloc send nothing when the user reuses the ticket already
 * forwarded (--krb5=done), or says nothing inside a job that already carries
 * one: the marker TicketUploader.ForwardedMarker sets in the job's environment,
 * which every srun of a batch script or an allocation inherits. Those are most
 * sruns, and they start no .NET runtime. slurmstepd always has work: it
 * installs the job's ticket.
 */
static int submit_sends_nothing(void)
{
    if (option_state == SLURMNATIVE_OPTION_DONE)
        return 1;
    const char *forwarded = getenv(SLURMNATIVE_FORWARDED_VARIABLE);
    return option_state == SLURMNATIVE_OPTION_UNSET && forwarded != NULL && forwarded[0] != '\0';
}

static int has_work(int ac, char **av)
{
    spank_context_t context = spank_context();
    if (!acts_in_context(context) || !is_on(ac, av))
        return 0;
    return context == S_CTX_REMOTE || !submit_sends_nothing();
}

/*
 * The steps of a job whose extern step looks after the job's ticket on this
 * node (scope=job, PrologFlags=Contain) have nothing to do but point
 * KRB5CCNAME at it, and do so here without starting the .NET runtime: the
 * extern step wrote a record naming the ccache in root's state directory
 * (JobCcacheRecord.cs: "v1 UID EXTERN_PID FILENAME\n"). The record is used only
 * if root wrote it, the extern step it names is alive, and the ccache is still
 * the job user's own regular file, mode 600; anything else leaves the step to
 * managed code, which installs or adopts the ticket itself.
 */
static char job_ccache[PATH_MAX + 8];


/* Whether PID is the extern step of JOB: slurmstepd titles it "slurmstepd: [JOB.extern]". */
static int is_extern_step(long pid, uint32_t job)
{
    char path[64], title[64], expected[48];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t length = read(fd, title, sizeof title - 1);
    close(fd);
    if (length <= 0)
        return 0;
    title[length] = '\0';
    int wanted = snprintf(expected, sizeof expected, "slurmstepd: [%u.extern]", job);
    return strncmp(title, expected, (size_t) wanted) == 0 && (title[wanted] == '\0' || title[wanted] == ' ');
}

static int is_plain_name(const char *name)
{
    if (strncmp(name, SLURMNATIVE_CCACHE_NAME_PREFIX, strlen(SLURMNATIVE_CCACHE_NAME_PREFIX)) != 0 || strlen(name) >= 200)
        return 0;
    for (const char *c = name; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' || *c == '-'))
            return 0;
    }
    return 1;
}

/* In init_post_opt, as root: fills job_ccache if the extern step already looks after the job's ticket. */
static int find_job_ccache(spank_t sp, int ac, char **av)
{
    uint32_t job, step;
    uid_t uid;
    /* A post_refresh program runs in each step that uses the ticket: managed code does that. */
    if (strcmp(argument(ac, av, SLURMNATIVE_ARG_SCOPE, SLURMNATIVE_ARG_SCOPE_JOB), SLURMNATIVE_ARG_SCOPE_JOB) != 0
        || argument(ac, av, SLURMNATIVE_ARG_POST_REFRESH, NULL) != NULL
        || spank_get_item(sp, S_JOB_ID, &job) != ESPANK_SUCCESS
        || spank_get_item(sp, S_JOB_STEPID, &step) != ESPANK_SUCCESS
        || spank_get_item(sp, S_JOB_UID, &uid) != ESPANK_SUCCESS
        || step == SLURM_EXTERN_CONT)
        return 0;
    char path[PATH_MAX], record[513];
    if (snprintf(path, sizeof path, "%s/" SLURMNATIVE_JOB_FILE_PREFIX "%u" SLURMNATIVE_JOB_RECORD_SUFFIX, argument(ac, av, SLURMNATIVE_ARG_STATE_DIR, SLURMNATIVE_STATE_DIR), job) >= (int) sizeof path)
        return 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat status;
    ssize_t length = -1;
    if (fstat(fd, &status) == 0 && S_ISREG(status.st_mode) && status.st_uid == 0 && (status.st_mode & 022) == 0)
        length = read(fd, record, sizeof record - 1);
    close(fd);
    if (length <= 0 || record[length - 1] != '\n')
        return 0;
    record[length - 1] = '\0';
    unsigned int record_uid;
    long extern_pid;
    char name[256];
    int consumed = 0;
    if (sscanf(record, SLURMNATIVE_JOB_RECORD_MAGIC " %u %ld %255s%n", &record_uid, &extern_pid, name, &consumed) != 3 || record[consumed] != '\0'
        || record_uid != uid || extern_pid <= 0 || !is_plain_name(name) || !is_extern_step(extern_pid, job))
        return 0;
    const char *directory = argument(ac, av, SLURMNATIVE_ARG_CCACHE_DIR, SLURMNATIVE_CCACHE_DIR);
    if (snprintf(path, sizeof path, "%s/%s", directory, name) >= (int) sizeof path)
        return 0;
    if (lstat(path, &status) != 0 || !S_ISREG(status.st_mode) || status.st_uid != uid || (status.st_mode & 07777) != 0600)
        return 0;
    snprintf(job_ccache, sizeof job_ccache, "FILE:%s", path);
    return 1;
}

/* The remote hooks of a step whose job's ticket the extern step looks after: no .NET runtime. */
static int use_job_ccache(int hook, spank_t sp)
{
    if (hook != SLURMNATIVE_HOOK_USER_INIT)
        return 0;
    if (spank_setenv(sp, SLURMNATIVE_CCACHE_VARIABLE, job_ccache, 1) != ESPANK_SUCCESS) {
        slurm_error("slurmnative: Slurm refused to set KRB5CCNAME in the job's environment");
        return -1;
    }
    slurm_verbose("slurmnative: uses the job's ticket in %s, which its extern step keeps fresh", job_ccache + 5);
    return 0;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static int find_own_writable_tail(struct dl_phdr_info *info, size_t size, void *base)
{
    (void) size;
    if ((void *) info->dlpi_addr != base)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        if (segment->p_type != PT_LOAD || !(segment->p_flags & PF_W) || segment->p_memsz <= segment->p_filesz)
            continue;
        uintptr_t start = (info->dlpi_addr + segment->p_vaddr + segment->p_filesz + 4095) & ~(uintptr_t) 4095;
        uintptr_t end = (info->dlpi_addr + segment->p_vaddr + segment->p_memsz + 4095) & ~(uintptr_t) 4095;
        if (end > start)
            (void) madvise((void *) start, end - start, MADV_POPULATE_WRITE);
    }
    return 1;
}

/*
 * The runtime's first act is to unpack its type data into the .so's zeroed
 * tail (.bss and .hydrated, some hundreds of KiB), one page fault per 4 KiB
 * page, and faults are dear in a virtual machine; one madvise that maps the
 * whole tail at once spares each srun and slurmstepd most of them. Kernels
 * before 5.14 refuse the advice and nothing changes.
 */
static void prefault_runtime_data(void)
{
    static int done;
    Dl_info self;
    if (done)
        return;
    done = 1;
    if (dladdr((void *) &prefault_runtime_data, &self) != 0)
        dl_iterate_phdr(find_own_writable_tail, self.dli_fbase);
}

static int forward(int hook, spank_t sp, int ac, char **av)
{
    if (!has_work(ac, av))
        return 0;
    if (spank_context() == S_CTX_REMOTE) {
        if (hook == SLURMNATIVE_HOOK_INIT_POST_OPT && job_ccache[0] == '\0')
            find_job_ccache(sp, ac, av);
        if (job_ccache[0] != '\0')
            return use_job_ccache(hook, sp);
    }
    slurmnative_membarrier_may_decline = strcmp(argument(ac, av, SLURMNATIVE_ARG_MEMBARRIER, SLURMNATIVE_ARG_MEMBARRIER_DECLINE), SLURMNATIVE_ARG_MEMBARRIER_RUNTIME) != 0;
    prefault_runtime_data();
    return slurmnative_managed_hook(hook, sp, ac, av);
}

/* Every context, as root (or the submitting user for srun/sbatch/salloc). */
int slurm_spank_init(spank_t sp, int ac, char **av)
{
    (void) ac;
    (void) av;
    /* spank_options[] would not reach sbatch/salloc; registration does. */
    if (spank_option_register(sp, &krb5_option) != ESPANK_SUCCESS) {
        slurm_error("slurmnative: could not register the --krb5 option");
        return -1;
    }
    return 0;
}

/* After options are parsed: local/allocator as the user, remote as root. */
int slurm_spank_init_post_opt(spank_t sp, int ac, char **av)
{
    return forward(SLURMNATIVE_HOOK_INIT_POST_OPT, sp, ac, av);
}

/* Local only: srun, as the user, once the step exists and just before it is launched. */
int slurm_spank_local_user_init(spank_t sp, int ac, char **av)
{
    return forward(SLURMNATIVE_HOOK_LOCAL_USER_INIT, sp, ac, av);
}

/* Remote only, in slurmstepd with euid = job user, before tasks fork. */
int slurm_spank_user_init(spank_t sp, int ac, char **av)
{
    return forward(SLURMNATIVE_HOOK_USER_INIT, sp, ac, av);
}

/* Every context at teardown; in slurmstepd as root. */
int slurm_spank_exit(spank_t sp, int ac, char **av)
{
    return forward(SLURMNATIVE_HOOK_EXIT, sp, ac, av);
}

/* ---- wrappers called from managed code ---- */

int slurmnative_option_state(void)
{
    return option_state;
}

int slurmnative_context(void)
{
    return (int) spank_context();
}

int slurmnative_get_item_u32(spank_t sp, int item, uint32_t *value)
{
    /* Only items whose single out-argument is a 32-bit unsigned integer. */
    switch (item) {
    case S_JOB_UID: {
        uid_t uid;
        spank_err_t rc = spank_get_item(sp, S_JOB_UID, &uid);
        if (rc == ESPANK_SUCCESS)
            *value = (uint32_t) uid;
        return rc;
    }
    case S_JOB_GID: {
        gid_t gid;
        spank_err_t rc = spank_get_item(sp, S_JOB_GID, &gid);
        if (rc == ESPANK_SUCCESS)
            *value = (uint32_t) gid;
        return rc;
    }
    case S_JOB_ID:
    case S_JOB_STEPID:
    case S_JOB_NNODES:
    case S_JOB_NODEID:
    case S_JOB_LOCAL_TASK_COUNT:
    case S_JOB_TOTAL_TASK_COUNT:
    case S_JOB_ARRAY_ID:
    case S_JOB_ARRAY_TASK_ID:
        return spank_get_item(sp, (spank_item_t) item, value);
    default:
        return ESPANK_BAD_ARG;
    }
}

int slurmnative_getenv(spank_t sp, const char *name, char *buffer, int length)
{
    return spank_getenv(sp, name, buffer, length);
}

int slurmnative_setenv(spank_t sp, const char *name, const char *value, int overwrite)
{
    return spank_setenv(sp, name, value, overwrite);
}

typedef void (*spank_log_fn)(const char *format, ...);

/* slurm_spank_log is newer than some Slurm releases; look it up rather than link it. */
static spank_log_fn find_spank_log(void)
{
    static int looked_up;
    static spank_log_fn fn;
    if (!looked_up) {
        fn = (spank_log_fn) dlsym(RTLD_DEFAULT, "slurm_spank_log");
        looked_up = 1;
    }
    return fn;
}

void slurmnative_log(int level, const char *message)
{
    switch (level) {
    case SLURMNATIVE_LOG_ERROR:
        slurm_error("slurmnative: %s", message);
        break;
    case SLURMNATIVE_LOG_USER: {
        /* Shown on the user's terminal without "error:"; falls back to error. */
        spank_log_fn spank_log = find_spank_log();
        if (spank_log != NULL)
            spank_log("slurmnative: %s", message);
        else
            slurm_error("slurmnative: %s", message);
        break;
    }
    case SLURMNATIVE_LOG_INFO:
        slurm_info("slurmnative: %s", message);
        break;
    case SLURMNATIVE_LOG_VERBOSE:
        slurm_verbose("slurmnative: %s", message);
        break;
    default:
        slurm_debug("slurmnative: %s", message);
        break;
    }
}
