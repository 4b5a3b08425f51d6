/*
 * The .NET runtime's process-wide memory barrier, made cheap to start in a
 * process that already has threads. Linked on x86-64 only (CMakeLists.txt,
 * SlurmNative.Plugin.csproj): the runtime's fallback below is what it uses on
 * x86-64 kernels without membarrier, while on arm64 it is not relied upon, so
 * there the runtime registers as usual.
 *
 * At start the runtime registers with membarrier(2) for private expedited
 * barriers (the GC uses them to suspend threads). In a process with more than
 * one thread the kernel makes that registration wait for an RCU grace period,
 * which in slurmstepd costs far more than the rest of the runtime's start
 * (bench/plugin-startup.sh measures it), and slurmstepd always has its message
 * thread by the time it loads the plugin. (srun and sbatch are still
 * single-threaded there and pay next to nothing.)
 *
 * Declined, the runtime does what it does on kernels without membarrier or
 * under seccomp profiles that block it: it mlock()s one page and flips that
 * page's protection for each barrier, a few microseconds per GC and nothing at
 * start. The plugin's heap sees a handful of GCs in a step's life, so the
 * fallback is taken wherever it can work. It needs mlock to succeed (an
 * RLIMIT_MEMLOCK of one page, or CAP_IPC_LOCK), or the runtime refuses to
 * start; a probe checks that first and otherwise the registration goes ahead.
 * plugstack's membarrier=runtime leaves the registration to the runtime
 * (slurmnative_membarrier_may_decline, set by the shim).
 *
 * The NativeAOT link passes -Wl,--wrap=syscall: every syscall() the runtime's
 * static libraries make lands here, and all but that one registration go on
 * to libc unchanged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/membarrier.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

long __real_syscall(long number, ...);
long __wrap_syscall(long number, ...);

extern int slurmnative_membarrier_may_decline;

static int runtime_fallback_can_lock_a_page(void)
{
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        return 0;
    void *probe = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (probe == MAP_FAILED)
        return 0;
    int locked = mlock(probe, (size_t) page) == 0;
    munmap(probe, (size_t) page);
    return locked;
}

long __wrap_syscall(long number, ...)
{
    va_list ap;
    va_start(ap, number);
    if (number == SYS_membarrier) {
        /* membarrier(int cmd, unsigned int flags, int cpu_id), as the runtime passes them. */
        int cmd = va_arg(ap, int);
        unsigned int flags = va_arg(ap, unsigned int);
        int cpu_id = va_arg(ap, int);
        va_end(ap);
        if (cmd == MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED && slurmnative_membarrier_may_decline
            && runtime_fallback_can_lock_a_page()) {
            errno = EPERM;
            return -1;
        }
        return __real_syscall(number, cmd, flags, cpu_id);
    }
    /*
     * Any other call: the kernel reads as many of six register-sized arguments
     * as that call has, and libc's syscall() itself loads all six; so does this.
     */
    long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
    long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
    va_end(ap);
    return __real_syscall(number, a1, a2, a3, a4, a5, a6);
}
