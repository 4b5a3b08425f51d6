using System.Globalization;
using System.Text;

namespace SlurmNative.Credentials.Audit;

/// <summary>
/// Appends each entry to a file, as "&lt;UTC time&gt; slurmnative-audit[pid]: &lt;line&gt;", one
/// write(2) per line on an O_APPEND descriptor, so lines from several processes sharing the
/// file do not interleave. Created 0600; an existing symbolic link is refused rather than
/// followed. <see cref="Reopen"/> (the daemon's SIGHUP) starts a new file after logrotate moved it.
/// </summary>
public sealed class FileSink : IAuditSink
{
    private static readonly int ProcessId = Environment.ProcessId;

    private readonly Lock gate = new();
    private FileStream stream;

    /// <exception cref="IOException">the file cannot be opened for appending, or is a symbolic link.</exception>
    /// <exception cref="UnauthorizedAccessException">no permission to open it.</exception>
    public FileSink(string path)
    {
        Path = path;
        stream = Open(path);
    }

    public string Path { get; }

    public string Description => $"file {Path}";

    private static FileStream Open(string path)
    {
        if (new FileInfo(path).LinkTarget is not null)
            throw new IOException($"{path} is a symbolic link; the audit file must be a regular file");
        return new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite,
            BufferSize = 0,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
    }

    public bool TryWrite(AuditEntry entry, out string? failure)
    {
        string stamp = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        byte[] line = Encoding.UTF8.GetBytes($"{stamp} {AuditTrail.Identifier}[{ProcessId}]: {entry.Line}\n");
        try
        {
            lock (gate)
                stream.Write(line);
            failure = null;
            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            failure = $"{Path}: {e.Message}";
            return false;
        }
    }

    /// <summary>Opens the path again; keeps the old file if that fails.</summary>
    public void Reopen()
    {
        FileStream fresh = Open(Path);
        lock (gate)
        {
            stream.Dispose();
            stream = fresh;
        }
    }

    public void Dispose()
    {
        lock (gate)
            stream.Dispose();
    }
}
