using System.Globalization;

namespace SlurmNative.Daemon.Service;

/// <summary>
/// SIGHUP is how the daemon is told to reload (systemctl reload sends it), so it must reach the
/// daemon however it was started. A parent that ignored it (nohup, a shell's <c>trap '' HUP</c>,
/// some supervisors) passes that on across exec, and the .NET runtime then leaves the signal
/// ignored when a handler is registered for it.
/// </summary>
internal static class HangupSignal
{
    /// <summary>
    /// Gives an inherited-ignored SIGHUP its default action again, so that the handler registered
    /// next receives it; a SIGHUP that is not ignored is left alone. Returns why that failed, or null.
    /// </summary>
    public static string? StopIgnoring()
    {
        if (!IsIgnored(Interop.Libc.SIGHUP) || Interop.Libc.RestoreDefaultAction(Interop.Libc.SIGHUP))
            return null;
        return Interop.Libc.Describe(Interop.Libc.GetLastErrno(), "signal(SIGHUP, SIG_DFL)");
    }

    /// <summary>Whether this process ignores <paramref name="signal"/>, from the SigIgn mask the kernel reports.</summary>
    private static bool IsIgnored(int signal)
    {
        try
        {
            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
            return line is not null
                && ulong.TryParse(line.AsSpan("SigIgn:".Length).Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong mask)
                && (mask & (1UL << (signal - 1))) != 0;
        }
        catch (IOException)
        {
            // Without /proc the disposition is unknown: resetting it is what makes reloads work.
            return true;
        }
    }
}
