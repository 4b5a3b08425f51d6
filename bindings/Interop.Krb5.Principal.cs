using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Krb5
    {
        [LibraryImport(Libraries.Krb5, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int krb5_parse_name(SafeKrb5ContextHandle context, string name, out nint principal_out);

        /// <summary>Free the name with krb5_free_unparsed_name.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_unparse_name(SafeKrb5ContextHandle context, SafeKrb5PrincipalHandle principal, out nint name);

        /// <summary>Overload for principals the library owns inside a krb5_creds.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_unparse_name(SafeKrb5ContextHandle context, nint principal, out nint name);

        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_free_unparsed_name(SafeKrb5ContextHandle context, nint val);

        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_free_principal(nint context, nint val);

        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_copy_principal(SafeKrb5ContextHandle context, nint inprinc, out nint outprinc);

        /// <summary>Maps a principal to a local account name (auth_to_local rules); KRB5_LNAME_NOTRANS if none.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static unsafe partial int krb5_aname_to_localname(SafeKrb5ContextHandle context, SafeKrb5PrincipalHandle aname, int lnsize_in, byte* lname);

        /// <summary>Returns a krb5_boolean: non-zero when equal.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial uint krb5_principal_compare(SafeKrb5ContextHandle context, SafeKrb5PrincipalHandle princ1, SafeKrb5PrincipalHandle princ2);

        /// <summary>Unparses a principal pointer the library owns (e.g. krb5_creds.client).</summary>
        internal static string UnparseName(SafeKrb5ContextHandle context, nint principal)
        {
            if (principal == 0)
                return string.Empty;
            int error = krb5_unparse_name(context, principal, out nint name);
            Krb5Exception.ThrowIfError(context, error, "krb5_unparse_name");
            try
            {
                return Marshal.PtrToStringUTF8(name) ?? string.Empty;
            }
            finally
            {
                krb5_free_unparsed_name(context, name);
            }
        }

        /// <summary>The realm of a principal pointer the library owns.</summary>
        internal static unsafe string GetRealm(nint principal) =>
            principal == 0 ? string.Empty : ((Krb5PrincipalData*)principal)->realm.ToUtf8String();
    }
}
