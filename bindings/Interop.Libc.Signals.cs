using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SIGHUP = 1;

        [LibraryImport(Libraries.Libc, EntryPoint = "signal", SetLastError = true)]
        private static partial nint signal_native(int signum, nint handler);

        /// <summary>
        /// Gives <paramref name="signum"/> its default action again. A signal ignored by a parent
        /// stays ignored across exec (nohup, a shell's <c>trap '' HUP</c>, some supervisors), and
        /// the .NET runtime leaves an ignored signal ignored when a handler is registered for it,
        /// so the handler would never run. Returns false if libc refused (errno says why).
        /// </summary>
        internal static bool RestoreDefaultAction(int signum)
        {
            const nint SignalDefault = 0, SignalError = -1; // SIG_DFL and SIG_ERR: pointers in C, so not constants here
            return signal_native(signum, SignalDefault) != SignalError;
        }
    }
}
