using Microsoft.Win32.SafeHandles;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Bindings;

/// <summary>glibc through the bindings, in a private temporary directory.</summary>
public sealed class LibcBindingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("slurmnative-libc-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void OpenWithNoFollowOnASymlinkFailsWithEloop()
    {
        string target = Path.Combine(_directory, "target");
        string link = Path.Combine(_directory, "link");
        File.WriteAllText(target, "x");
        File.CreateSymbolicLink(link, target);

        using SafeFileHandle handle = Interop.Libc.open(link, Interop.Libc.O_RDONLY | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC, 0);
        int errno = Interop.Libc.GetLastErrno();
        Assert.True(handle.IsInvalid);
        Assert.Equal(Interop.Libc.ELOOP, errno);

        Assert.Equal(0, Interop.Libc.LStat(link, out Interop.Libc.Statx status));
        Assert.Equal(Interop.Libc.S_IFLNK, status.FileType);
    }

    [Fact]
    public void ExclusiveCreateWriteChmodRenameAndUnlink()
    {
        string temporary = Path.Combine(_directory, "ccache.tmp");
        string final = Path.Combine(_directory, "ccache");
        int create = Interop.Libc.O_WRONLY | Interop.Libc.O_CREAT | Interop.Libc.O_EXCL | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC;
        byte[] data = [.. Enumerable.Range(0, 70_000).Select(i => (byte)i)];

        using (SafeFileHandle file = Interop.Libc.open(temporary, create, Interop.Libc.S_IRUSR | Interop.Libc.S_IWUSR))
        {
            Assert.False(file.IsInvalid, Interop.Libc.Describe(Interop.Libc.GetLastErrno(), "open", temporary));
            Assert.Equal(0, Interop.Libc.WriteAll(file, data));
            Assert.Equal(0, Interop.Libc.fchown(file, Interop.Libc.geteuid(), Interop.Libc.getegid()));
            Assert.Equal(0, Interop.Libc.fchmod(file, Interop.Libc.S_IRUSR | Interop.Libc.S_IWUSR));
            Assert.Equal(0, Interop.Libc.fsync(file));

            Assert.Equal(0, Interop.Libc.FStat(file, out Interop.Libc.Statx status));
            Assert.Equal(Interop.Libc.S_IFREG, status.FileType);
            Assert.Equal(0x180u, status.Permissions);   // 0600
            Assert.Equal(Interop.Libc.geteuid(), status.stx_uid);
            Assert.Equal((ulong)data.Length, status.stx_size);
        }

        using (SafeFileHandle again = Interop.Libc.open(temporary, create, Interop.Libc.S_IRUSR | Interop.Libc.S_IWUSR))
        {
            Assert.True(again.IsInvalid);
            Assert.Equal(Interop.Libc.EEXIST, Interop.Libc.GetLastErrno());
        }

        Assert.Equal(0, Interop.Libc.rename(temporary, final));
        using (SafeFileHandle reader = Interop.Libc.open(final, Interop.Libc.O_RDONLY | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC, 0))
        {
            Assert.False(reader.IsInvalid);
            var back = new byte[data.Length + 10];
            int total = 0, count;
            while ((count = Interop.Libc.Read(reader, back.AsSpan(total))) > 0)
                total += count;
            Assert.Equal(0, count);
            Assert.Equal(data, back.AsSpan(0, total).ToArray());
        }

        Assert.Equal(0, Interop.Libc.unlink(final));
        Assert.Equal(-1, Interop.Libc.unlink(final));
        Assert.Equal(Interop.Libc.ENOENT, Interop.Libc.GetLastErrno());
        Assert.Contains("No such file", Interop.Libc.StrError(Interop.Libc.ENOENT));
    }

    [Fact]
    public void OpenDirectoryFlagRefusesAFile()
    {
        string file = Path.Combine(_directory, "plain");
        File.WriteAllText(file, "x");
        using SafeFileHandle handle = Interop.Libc.open(file, Interop.Libc.O_RDONLY | Interop.Libc.O_DIRECTORY | Interop.Libc.O_CLOEXEC, 0);
        Assert.True(handle.IsInvalid);
        Assert.Equal(Interop.Libc.ENOTDIR, Interop.Libc.GetLastErrno());
    }

    [Fact]
    public void IdentityCallsMatchId()
    {
        uint uid = uint.Parse(Command.Run("id", ["-u"]).EnsureSuccess("id -u").Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        uint gid = uint.Parse(Command.Run("id", ["-g"]).EnsureSuccess("id -g").Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(uid, Interop.Libc.getuid());
        Assert.Equal(uid, Interop.Libc.geteuid());
        Assert.Equal(gid, Interop.Libc.getgid());
        Assert.Equal(gid, Interop.Libc.getegid());
    }

    [Fact]
    public void FillRandomFillsLargeAndEmptyBuffersWithoutRepeating()
    {
        var large = new byte[70_000]; // over getrandom's 256-byte single-call guarantee: short reads are looped
        Interop.Libc.FillRandom(large);
        Interop.Libc.FillRandom(Span<byte>.Empty);
        Assert.InRange(large.Count(b => b == 0), 1, 700); // about 1 in 256
        Assert.NotEqual(SlurmNative.Credentials.KernelRandom.Bytes(32), SlurmNative.Credentials.KernelRandom.Bytes(32));
        Assert.All(Enumerable.Range(0, 1000).Select(_ => SlurmNative.Credentials.KernelRandom.Below(36)), n => Assert.InRange(n, 0, 35));
    }
}
