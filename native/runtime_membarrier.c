/*
 * The .NET runtime's process-wide memory barrier, made cheap to start in a
 * process that already has threads.
 *
 * At start the runtime registers with membarrier(2) for private expedited
 * barriers (the GC uses them to suspend threads). In a process with more than
 * one thread the kernel makes that registration wait for an RCU grace period:
 * 12 ms of slurmstepd's init_post_opt on a 2-vCPU KVM guest, far more than the
 * rest of the runtime's start, and slurmstepd always has its message thread
 * by the time it loads the plugin. (srun and sbatch are still single-threaded
 * there and would pay 0.06 ms.)
 *
 * Declined, the runtime does what it does on kernels without membarrier or
 * under seccomp profiles that block it: it mlock()s one page and flips that
 * page's protection for each barrier, a few microseconds per GC and nothing at
 * start. The plugin's heap sees a handful of GCs in a step's life, so the
 * fallback is taken wherever it can work. It needs mlock to succeed (an
 * RLIMIT_MEMLOCK of one page, or CAP_IPC_LOCK), or the runtime refuses to
 * start; a probe checks that first and otherwise the registration goes ahead.
 *
 * The NativeAOT link passes -Wl,--wrap=syscall (SlurmNative.Plugin.csproj):
 * every syscall() the runtime's static libraries make lands here, and all but
 * that one registration go on to libc unchanged.
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
    /*
     * syscall() takes up to six register-sized arguments and the kernel reads
     * exactly as many as the call needs; like libc's own syscall(), pass all six.
     */
    va_list ap;
    va_start(ap, number);
    long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
    long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
    va_end(ap);

    if (number == SYS_membarrier && a1 == MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED && runtime_fallback_can_lock_a_page()) {
        errno = EPERM;
        return -1;
    }
    return __real_syscall(number, a1, a2, a3, a4, a5, a6);
}
