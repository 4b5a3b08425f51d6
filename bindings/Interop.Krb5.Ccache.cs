using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Krb5
    {
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_cc_default(SafeKrb5ContextHandle context, out nint ccache);

        [LibraryImport(Libraries.Krb5, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int krb5_cc_resolve(SafeKrb5ContextHandle context, string name, out nint cache);

        /// <summary><paramref name="type"/> e.g. "FILE", "MEMORY"; <paramref name="hint"/> is unused by MIT.</summary>
        [LibraryImport(Libraries.Krb5, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int krb5_cc_new_unique(SafeKrb5ContextHandle context, string type, string? hint, out nint id);

        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_cc_initialize(SafeKrb5ContextHandle context, SafeKrb5CcacheHandle cache, SafeKrb5PrincipalHandle principal);

        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_cc_store_cred(SafeKrb5ContextHandle context, SafeKrb5CcacheHandle cache, SafeKrb5CredsHandle creds);

        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_cc_get_principal(SafeKrb5ContextHandle context, SafeKrb5CcacheHandle cache, out nint principal);

        // Release paths take raw pointers: they run from ReleaseHandle, with the context kept alive by refcount.
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_cc_close(nint context, nint cache);

        /// <summary>Destroys the cache and frees the handle, whatever it returns.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_cc_destroy(nint context, nint cache);

        /// <summary>Returns a static string (do not free).</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial nint krb5_cc_get_type(SafeKrb5ContextHandle context, SafeKrb5CcacheHandle cache);

        /// <summary>"TYPE:residual"; free with krb5_free_string.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_cc_get_full_name(SafeKrb5ContextHandle context, SafeKrb5CcacheHandle cache, out nint fullname_out);

        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_cc_start_seq_get(SafeKrb5ContextHandle context, SafeKrb5CcacheHandle cache, out nint cursor);

        /// <summary>Fills <paramref name="creds"/> (free with krb5_free_cred_contents); KRB5_CC_END after the last.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_cc_next_cred(SafeKrb5ContextHandle context, SafeKrb5CcacheHandle cache, ref nint cursor, ref Krb5Creds creds);

        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_cc_end_seq_get(SafeKrb5ContextHandle context, SafeKrb5CcacheHandle cache, ref nint cursor);

        /// <summary>The default ccache name (KRB5CCNAME, krb5.conf, built-in); owned by the context, do not free.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial nint krb5_cc_default_name(SafeKrb5ContextHandle context);
    }
}
