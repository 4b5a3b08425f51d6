using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace SlurmNative.Credentials.Ccache;

/// <summary>
/// What the steps of one job on this node share, in root's state directory (tmpfs such as
/// /run/slurmnative): <c>job-J.lock</c>, held while a step installs, refreshes or leaves the job's
/// ccache, so those never overlap; <c>job-J.steps</c>, on which every taking-part step holds a shared
/// lock for its life, so the one that leaves last (or finds it can take it exclusively) knows; and
/// <c>job-J.record</c>, the <see cref="JobCcacheRecord"/>. The kernel drops a dead process's locks,
/// SIGKILL included, so a killed step can neither hold the others up nor count as present.
/// Files are opened as root once, in init_post_opt: later hooks, run as the job user, lock and write
/// through those descriptors.
/// </summary>
internal sealed class JobCcacheState : IDisposable
{
    private const uint RootOnly = 0x180;       // 0600
    private const uint WorldReadable = 0x1A4;  // 0644: the record is read by every step as the job user
    private static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(2);

    private readonly SafeFileHandle directory;
    private readonly uint jobId;
    private SafeFileHandle? installLock;
    private SafeFileHandle? steps;
    private SafeFileHandle? record;

    public string DirectoryPath { get; }

    /// <summary>Whether this process holds the job's lock now.</summary>
    public bool Locked { get; private set; }

    private JobCcacheState(SafeFileHandle directory, string directoryPath, uint jobId)
    {
        this.directory = directory;
        DirectoryPath = directoryPath;
        this.jobId = jobId;
    }

    public static string LockName(uint jobId) => Name(jobId, ".lock");
    public static string StepsName(uint jobId) => Name(jobId, ".steps");
    public static string RecordName(uint jobId) => Name(jobId, Interop.Shim.SLURMNATIVE_JOB_RECORD_SUFFIX);

    private static string Name(uint jobId, string suffix) =>
        string.Create(CultureInfo.InvariantCulture, $"{Interop.Shim.SLURMNATIVE_JOB_FILE_PREFIX}{jobId}{suffix}");

    /// <summary>
    /// As root: takes job <paramref name="jobId"/>'s lock, waiting up to <paramref name="wait"/> for a
    /// step that is installing or leaving, then joins the job (a shared lock on its steps file) and
    /// opens its record. Returns holding the lock: read the record, then <see cref="Unlock"/>.
    /// </summary>
    /// <exception cref="CcacheException">the state directory is unsafe or unusable, or the wait ran out.</exception>
    public static JobCcacheState Join(string stateDirectory, uint jobId, TimeSpan wait)
    {
        var state = new JobCcacheState(OpenStateDirectory(stateDirectory), stateDirectory, jobId);
        try
        {
            state.Lock(wait);
            state.steps = state.OpenFile(StepsName(jobId), RootOnly);
            if (Interop.Libc.flock(state.steps, Interop.Libc.LOCK_SH | Interop.Libc.LOCK_NB) != 0)
                throw new CcacheException(Interop.Libc.Describe(Interop.Libc.GetLastErrno(), "join the job's steps in", state.Path(StepsName(jobId))));
            state.record = state.OpenFile(RecordName(jobId), WorldReadable);
            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes the job's lock, waiting up to <paramref name="wait"/>. The lock file may have been removed by
    /// the last step to leave just before it was locked here: then it is opened again, fresh.
    /// </summary>
    public void Lock(TimeSpan wait)
    {
        if (Locked)
            return;
        long deadline = Environment.TickCount64 + (long)wait.TotalMilliseconds;
        while (true)
        {
            installLock ??= OpenFile(LockName(jobId), RootOnly);
            while (Interop.Libc.flock(installLock, Interop.Libc.LOCK_EX | Interop.Libc.LOCK_NB) != 0)
            {
                int errno = Interop.Libc.GetLastErrno();
                if (errno != Interop.Libc.EWOULDBLOCK && errno != Interop.Libc.EINTR)
                    throw new CcacheException(Interop.Libc.Describe(errno, "lock", Path(LockName(jobId))));
                if (Environment.TickCount64 >= deadline)
                    throw new CcacheException($"another step of job {jobId} held {Path(LockName(jobId))} for more than {wait.TotalSeconds:0.#} s");
                Thread.Sleep(LockRetry);
            }
            if (Interop.Libc.FStat(installLock, out Interop.Libc.Statx status) == 0 && status.stx_nlink > 0)
                break;
            installLock.Dispose();
            installLock = null;
        }
        Locked = true;
    }

    public void Unlock()
    {
        if (!Locked || installLock is null)
            return;
        Interop.Libc.flock(installLock, Interop.Libc.LOCK_UN);
        Locked = false;
    }

    /// <summary>The record as it is now; null if there is none (or it is not whole).</summary>
    public JobCcacheRecord? Read()
    {
        ObjectDisposedException.ThrowIf(record is null, this);
        Span<byte> buffer = stackalloc byte[JobCcacheRecord.MaxBytes + 1];
        int total = 0;
        while (total < buffer.Length)
        {
            int count = Interop.Libc.PRead(record, buffer[total..], total);
            if (count <= 0)
                break;
            total += count;
        }
        return JobCcacheRecord.Decode(buffer[..total]);
    }

    /// <summary>Replaces the record; call with the lock held.</summary>
    public void Write(JobCcacheRecord value)
    {
        ObjectDisposedException.ThrowIf(record is null, this);
        if (Interop.Libc.Overwrite(record, value.Encode()) != 0)
            throw new CcacheException(Interop.Libc.Describe(Interop.Libc.GetLastErrno(), "write", Path(RecordName(jobId))));
    }

    /// <summary>
    /// Leaves the job; call with the lock held. True if no other step remains: then the job's
    /// files here are removed, and the caller removes the ccache the record named.
    /// </summary>
    public bool Leave()
    {
        if (steps is null)
            return false;
        Interop.Libc.flock(steps, Interop.Libc.LOCK_UN);
        bool last = Interop.Libc.flock(steps, Interop.Libc.LOCK_EX | Interop.Libc.LOCK_NB) == 0;
        steps.Dispose();
        steps = null;
        if (last)
        {
            foreach (string name in new[] { RecordName(jobId), StepsName(jobId), LockName(jobId) })
                Interop.Libc.unlinkat(directory, name, 0);
        }
        return last;
    }

    /// <summary>
    /// The sweep's removal of a job's files, done only if no process holds the job's lock or has
    /// joined it: a step starting this very moment keeps them.
    /// </summary>
    /// <returns>The names removed.</returns>
    internal static IReadOnlyList<string> RemoveIfAbandoned(SafeFileHandle directory, uint jobId)
    {
        using SafeFileHandle installLock = Interop.Libc.openat(directory, LockName(jobId), Interop.Libc.O_RDWR | Interop.Libc.O_CREAT | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC, RootOnly);
        if (installLock.IsInvalid || Interop.Libc.flock(installLock, Interop.Libc.LOCK_EX | Interop.Libc.LOCK_NB) != 0)
            return [];
        using SafeFileHandle steps = Interop.Libc.openat(directory, StepsName(jobId), Interop.Libc.O_RDWR | Interop.Libc.O_CREAT | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC, RootOnly);
        if (steps.IsInvalid || Interop.Libc.flock(steps, Interop.Libc.LOCK_EX | Interop.Libc.LOCK_NB) != 0)
            return [];
        var removed = new List<string>();
        foreach (string name in new[] { RecordName(jobId), StepsName(jobId), LockName(jobId) })
        {
            if (Interop.Libc.unlinkat(directory, name, 0) == 0)
                removed.Add(name);
        }
        return removed;
    }

    /// <summary>Closes every file: the locks go with them.</summary>
    public void Dispose()
    {
        record?.Dispose();
        steps?.Dispose();
        installLock?.Dispose();
        Locked = false;
        directory.Dispose();
    }

    private string Path(string name) => System.IO.Path.Combine(DirectoryPath, name);

    private SafeFileHandle OpenFile(string name, uint mode)
    {
        SafeFileHandle file = Interop.Libc.openat(directory, name, Interop.Libc.O_RDWR | Interop.Libc.O_CREAT | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC, mode);
        if (file.IsInvalid)
        {
            int errno = Interop.Libc.GetLastErrno();
            file.Dispose();
            throw new CcacheException(Interop.Libc.Describe(errno, "open", Path(name)) + "; the plugin keeps its job state there as root");
        }
        return file;
    }

    /// <summary>
    /// Root's own directory, made if missing: no other user may create or replace what is in it, or a
    /// planted record could point a job at someone else's file.
    /// </summary>
    internal static SafeFileHandle OpenStateDirectory(string path)
    {
        if (!System.IO.Path.IsPathFullyQualified(path))
            throw new CcacheException($"state directory '{path}' is not an absolute path; set state_dir to one, e.g. /run/slurmnative");
        if (Interop.Libc.mkdir(path, 0x1ED) != 0 && Interop.Libc.GetLastErrno() != Interop.Libc.EEXIST) // 0755
            throw new CcacheException(Interop.Libc.Describe(Interop.Libc.GetLastErrno(), "create the state directory", path) + "; set state_dir to a directory root can create");
        SafeFileHandle directory = Interop.Libc.open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_DIRECTORY | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC, 0);
        if (directory.IsInvalid)
        {
            int errno = Interop.Libc.GetLastErrno();
            directory.Dispose();
            throw new CcacheException(Interop.Libc.Describe(errno, "open the state directory", path));
        }
        if (Interop.Libc.FStat(directory, out Interop.Libc.Statx status) != 0 || status.stx_uid != 0 || (status.Permissions & 0x12) != 0)
        {
            directory.Dispose();
            throw new CcacheException($"state directory {path} must belong to root and be writable by root alone (chown root {path}; chmod 755 {path})");
        }
        return directory;
    }
}
