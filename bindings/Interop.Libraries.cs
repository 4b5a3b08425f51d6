namespace SlurmNative;

internal static partial class Interop
{
    // Exact sonames, so a missing runtime package fails with the library's real name
    // instead of a guess at an unversioned development symlink.
    internal static class Libraries
    {
        internal const string Krb5 = "libkrb5.so.3";
        // MIT's crypto library on its own (libkrb5 depends on it, it depends only on libkrb5support
        // and libc): sealing replies with it keeps libkrb5 and OpenSSL out of slurmstepd.
        internal const string K5Crypto = "libk5crypto.so.3";
        internal const string Munge = "libmunge.so.2";
        internal const string Libc = "libc.so.6";

        // Statically linked into the plugin (DirectPInvoke); resolved at link time, never dlopen'd.
        internal const string Shim = "slurmnative_shim";
    }
}
