using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Krb5
    {
        // RFC 3961 encryption (confounder, encrypt, HMAC over both) from libk5crypto. MIT's
        // crypto functions do not use the context; NULL is passed, so no krb5_context (and no
        // libkrb5, krb5.conf or ccache machinery) is needed to seal or open a message.

        [LibraryImport(Libraries.K5Crypto)]
        internal static partial int krb5_c_encrypt_length(nint context, int enctype, nuint inputlen, out nuint length);

        [LibraryImport(Libraries.K5Crypto)]
        internal static partial int krb5_c_encrypt(nint context, in Krb5Keyblock key, int usage, nint cipher_state, in Krb5Data input, ref Krb5EncData output);

        [LibraryImport(Libraries.K5Crypto)]
        internal static partial int krb5_c_decrypt(nint context, in Krb5Keyblock key, int usage, nint cipher_state, in Krb5EncData input, ref Krb5Data output);

        /// <summary>
        /// Maps libk5crypto now, through a call that only computes a length: its loading (two
        /// libraries, mapped and relocated) can then happen while the caller waits anyway.
        /// </summary>
        internal static void LoadCrypto(int enctype) => krb5_c_encrypt_length(0, enctype, 0, out _);

        /// <summary>
        /// krb5_c_encrypt of <paramref name="plaintext"/> under the raw key <paramref name="key"/> of
        /// <paramref name="enctype"/>, with keys derived for <paramref name="usage"/>: the ciphertext bytes only.
        /// </summary>
        /// <exception cref="Krb5Exception">the enctype is unknown or the key has the wrong length.</exception>
        internal static unsafe byte[] Encrypt(int enctype, ReadOnlySpan<byte> key, int usage, ReadOnlySpan<byte> plaintext)
        {
            int error = krb5_c_encrypt_length(0, enctype, (nuint)plaintext.Length, out nuint length);
            if (error != 0)
                throw Krb5Exception.Create(null, error, "krb5_c_encrypt_length");
            var ciphertext = new byte[checked((int)length)];
            fixed (byte* keyBytes = key)
            fixed (byte* input = plaintext)
            fixed (byte* output = ciphertext)
            {
                var keyblock = new Krb5Keyblock { enctype = enctype, length = (uint)key.Length, contents = (nint)keyBytes };
                var inputData = new Krb5Data { length = (uint)plaintext.Length, data = (nint)input };
                var encrypted = new Krb5EncData { ciphertext = new Krb5Data { length = (uint)ciphertext.Length, data = (nint)output } };
                error = krb5_c_encrypt(0, keyblock, usage, 0, inputData, ref encrypted);
                if (error != 0)
                    throw Krb5Exception.Create(null, error, "krb5_c_encrypt");
                return encrypted.ciphertext.length == ciphertext.Length ? ciphertext : ciphertext.AsSpan(0, (int)encrypted.ciphertext.length).ToArray();
            }
        }

        /// <summary>
        /// krb5_c_decrypt, the inverse of <see cref="Encrypt"/>. False when the ciphertext does not
        /// authenticate under this key and usage (tampered, truncated, or another key); the plaintext
        /// is then not returned.
        /// </summary>
        internal static unsafe bool TryDecrypt(int enctype, ReadOnlySpan<byte> key, int usage, ReadOnlySpan<byte> ciphertext, out byte[] plaintext)
        {
            var buffer = new byte[ciphertext.Length];
            fixed (byte* keyBytes = key)
            fixed (byte* input = ciphertext)
            fixed (byte* output = buffer)
            {
                var keyblock = new Krb5Keyblock { enctype = enctype, length = (uint)key.Length, contents = (nint)keyBytes };
                var encrypted = new Krb5EncData { enctype = enctype, ciphertext = new Krb5Data { length = (uint)ciphertext.Length, data = (nint)input } };
                var outputData = new Krb5Data { length = (uint)buffer.Length, data = (nint)output };
                if (krb5_c_decrypt(0, keyblock, usage, 0, encrypted, ref outputData) != 0)
                {
                    Array.Clear(buffer);
                    plaintext = [];
                    return false;
                }
                plaintext = outputData.length == buffer.Length ? buffer : buffer.AsSpan(0, (int)outputData.length).ToArray();
                if (!ReferenceEquals(plaintext, buffer))
                    Array.Clear(buffer);
                return true;
            }
        }
    }
}
