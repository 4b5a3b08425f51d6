using System.Text;

namespace SlurmNative.Plugin.Node;

/// <summary>A program run as a job's user through native/run_as_user.c, so that no .NET code runs in a child of slurmstepd.</summary>
internal static class UserProgram
{
    private const int ErrorBytes = 2048;

    /// <summary>
    /// Runs <paramref name="program"/> (no arguments) as <paramref name="uid"/>/<paramref name="gid"/> with
    /// <paramref name="groups"/> and exactly <paramref name="environment"/> ("NAME=value"), its stdin and stdout
    /// /dev/null, killed after <paramref name="timeout"/>. Returns 0 or a negated errno; <paramref name="status"/>
    /// is the wait status, <paramref name="errors"/> the start of what it wrote to stderr.
    /// </summary>
    internal static int Run(string program, uint uid, uint gid, uint[] groups, IReadOnlyList<string> environment, TimeSpan timeout,
        out int status, out string errors)
    {
        byte[] output = new byte[ErrorBytes];
        int result = Interop.Shim.RunAsUser(program, uid, gid, groups, environment,
            (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue), output, out status);
        int length = Array.IndexOf(output, (byte)0);
        errors = Encoding.UTF8.GetString(output, 0, length < 0 ? output.Length : length);
        return result;
    }
}
