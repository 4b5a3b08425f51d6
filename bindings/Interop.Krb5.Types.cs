using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Krb5
    {
        // krb5.h typedefs: krb5_magic, krb5_error_code, krb5_flags, krb5_enctype, krb5_timestamp and
        // krb5_deltat are krb5_int32; krb5_boolean is unsigned int. krb5_timestamp is read as unsigned
        // (MIT treats it so since 1.17, for 2038), see ToDateTimeOffset.

        /// <summary><c>krb5_data</c>: a length and a pointer the library owns (or a caller's pinned buffer).</summary>
        [NativeStruct("krb5_data")]
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct Krb5Data
        {
            internal int magic;
            internal uint length;
            internal nint data;

            internal readonly byte[] ToArray() =>
                length == 0 || data == 0 ? [] : new ReadOnlySpan<byte>((void*)data, checked((int)length)).ToArray();

            internal readonly string ToUtf8String() =>
                length == 0 || data == 0 ? string.Empty : Marshal.PtrToStringUTF8(data, checked((int)length));
        }

        /// <summary><c>krb5_keyblock</c>: the session key of a credential.</summary>
        [NativeStruct("krb5_keyblock")]
        [StructLayout(LayoutKind.Sequential)]
        internal struct Krb5Keyblock
        {
            internal int magic;
            internal int enctype;
            internal uint length;
            internal nint contents;
        }

        /// <summary><c>krb5_enc_data</c>: ciphertext of krb5_c_encrypt, with the enctype and key version it claims.</summary>
        [NativeStruct("krb5_enc_data")]
        [StructLayout(LayoutKind.Sequential)]
        internal struct Krb5EncData
        {
            internal int magic;
            internal int enctype;
            internal uint kvno;             // krb5_kvno, unsigned int
            internal Krb5Data ciphertext;
        }

        /// <summary><c>krb5_ticket_times</c>, seconds since the epoch (read them as unsigned).</summary>
        [NativeStruct("krb5_ticket_times")]
        [StructLayout(LayoutKind.Sequential)]
        internal struct Krb5TicketTimes
        {
            internal int authtime;
            internal int starttime;
            internal int endtime;
            internal int renew_till;
        }

        /// <summary><c>krb5_creds</c>: one credential as a ccache stores it.</summary>
        [NativeStruct("krb5_creds")]
        [StructLayout(LayoutKind.Sequential)]
        internal struct Krb5Creds
        {
            internal int magic;
            internal nint client;           // krb5_principal
            internal nint server;           // krb5_principal
            internal Krb5Keyblock keyblock;
            internal Krb5TicketTimes times;
            internal uint is_skey;          // krb5_boolean
            internal int ticket_flags;      // krb5_flags, TKT_FLG_*
            internal nint addresses;        // krb5_address **, NULL-terminated; NULL = addressless
            internal Krb5Data ticket;       // the encoded ticket
            internal Krb5Data second_ticket;
            internal nint authdata;         // krb5_authdata **
        }

        /// <summary><c>krb5_principal_data</c> (a <c>krb5_principal</c> points at one); read for its realm.</summary>
        [NativeStruct("krb5_principal_data")]
        [StructLayout(LayoutKind.Sequential)]
        internal struct Krb5PrincipalData
        {
            internal int magic;
            internal Krb5Data realm;
            internal nint data;             // krb5_data[length]
            internal int length;
            internal int type;
        }

        /// <summary>A <c>krb5_timestamp</c> as a point in time; MIT reads the 32 bits as unsigned.</summary>
        internal static DateTimeOffset ToDateTimeOffset(int timestamp) =>
            DateTimeOffset.FromUnixTimeSeconds((uint)timestamp);

        /// <summary>The inverse of <see cref="ToDateTimeOffset"/>; throws beyond 2106.</summary>
        internal static int ToTimestamp(DateTimeOffset time) =>
            unchecked((int)checked((uint)time.ToUnixTimeSeconds()));
    }
}
