using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Krb5
    {
        /// <summary>Frees what a krb5_creds points to, not the struct itself.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_free_cred_contents(SafeKrb5ContextHandle context, ref Krb5Creds val);

        /// <summary>Frees the contents and the struct (one the library allocated).</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_free_creds(nint context, nint val);

        /// <summary>Deep copy into library-owned memory; free with krb5_free_creds.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_copy_creds(SafeKrb5ContextHandle context, in Krb5Creds incred, out nint outcred);

        /// <summary>Serialises one credential in the FILE ccache v4 / KCM format; free with krb5_free_data.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_marshal_credentials(SafeKrb5ContextHandle context, SafeKrb5CredsHandle in_creds, out nint data_out);

        /// <summary>The inverse of krb5_marshal_credentials; free with krb5_free_creds.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_unmarshal_credentials(SafeKrb5ContextHandle context, in Krb5Data data, out nint creds_out);

        /// <summary>
        /// A TGS request (or a cache lookup with KRB5_GC_CACHED): <paramref name="in_creds"/> names client and
        /// server; the result is library-owned (krb5_free_creds).
        /// </summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_get_credentials(SafeKrb5ContextHandle context, int options, SafeKrb5CcacheHandle ccache, ref Krb5Creds in_creds, out nint out_creds);

        /// <summary>Renews the TGT for <paramref name="client"/> found in <paramref name="ccache"/>; fills <paramref name="creds"/>.</summary>
        [LibraryImport(Libraries.Krb5, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int krb5_get_renewed_creds(SafeKrb5ContextHandle context, ref Krb5Creds creds, SafeKrb5PrincipalHandle client, SafeKrb5CcacheHandle ccache, string? in_tkt_service);
    }
}
