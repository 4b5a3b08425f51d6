using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Krb5
    {
        /// <summary><c>krb5_keytab_entry</c>: one key of one principal; free with krb5_free_keytab_entry_contents.</summary>
        [NativeStruct("krb5_keytab_entry")]
        [StructLayout(LayoutKind.Sequential)]
        internal struct Krb5KeytabEntry
        {
            internal int magic;
            internal nint principal;        // krb5_principal
            internal int timestamp;         // krb5_timestamp
            internal uint vno;              // krb5_kvno
            internal Krb5Keyblock key;
        }

        /// <summary>"TYPE:residual", or a path (FILE). A FILE keytab is not opened here; close with krb5_kt_close.</summary>
        [LibraryImport(Libraries.Krb5, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int krb5_kt_resolve(SafeKrb5ContextHandle context, string name, out nint ktid);

        // Release path: runs from ReleaseHandle with the context kept alive by refcount.
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_kt_close(nint context, nint keytab);

        /// <summary>
        /// The entry for <paramref name="principal"/>; <paramref name="vno"/> 0 is the highest kvno, <paramref name="enctype"/>
        /// 0 any. KRB5_KT_NOTFOUND when the keytab holds no such key, an errno (ENOENT, EACCES) when it cannot be read.
        /// </summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_kt_get_entry(SafeKrb5ContextHandle context, SafeKrb5KeytabHandle keytab, SafeKrb5PrincipalHandle principal,
            uint vno, int enctype, out Krb5KeytabEntry entry);

        /// <summary>Frees what the entry points to (the key is zeroed first), not the struct.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_free_keytab_entry_contents(SafeKrb5ContextHandle context, ref Krb5KeytabEntry entry);

        /// <summary>
        /// The principal <paramref name="sname"/>/<paramref name="hostname"/> (NULL: this host's name, canonicalised as
        /// krb5.conf says) in the realm krb5.conf maps the host to; free with krb5_free_principal.
        /// </summary>
        [LibraryImport(Libraries.Krb5, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int krb5_sname_to_principal(SafeKrb5ContextHandle context, string? hostname, string sname, int type, out nint ret_princ);
    }
}
