using System.Runtime.InteropServices;

namespace SlurmNative;

/// <summary>An owned <c>munge_ctx_t</c>. Not thread-safe: one per request or per thread.</summary>
internal sealed class SafeMungeContextHandle : SafeHandle
{
    public SafeMungeContextHandle() : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>munge_ctx_create; talks to the default munged socket unless <see cref="Socket"/> is set.</summary>
    internal static SafeMungeContextHandle Create()
    {
        var context = new SafeMungeContextHandle();
        nint raw = Interop.Munge.munge_ctx_create();
        if (raw == 0)
        {
            context.SetHandleAsInvalid();
            throw new MungeException(MungeError.NoMemory, Interop.Munge.GetErrorString(Interop.Munge.EMUNGE_NO_MEMORY), "munge_ctx_create");
        }
        context.SetHandle(raw);
        return context;
    }

    /// <summary>MUNGE_OPT_SOCKET: the munged socket path.</summary>
    internal string Socket
    {
        get
        {
            Check(Interop.Munge.munge_ctx_get(this, Interop.Munge.MUNGE_OPT_SOCKET, out nint path), "munge_ctx_get socket");
            return Marshal.PtrToStringUTF8(path) ?? string.Empty;
        }
        set => Check(Interop.Munge.munge_ctx_set(this, Interop.Munge.MUNGE_OPT_SOCKET, value), "munge_ctx_set socket");
    }

    /// <summary>MUNGE_OPT_TTL in seconds (MUNGE_TTL_DEFAULT = 0, MUNGE_TTL_MAXIMUM = -1).</summary>
    internal int TimeToLive
    {
        get
        {
            Check(Interop.Munge.munge_ctx_get(this, Interop.Munge.MUNGE_OPT_TTL, out int ttl), "munge_ctx_get ttl");
            return ttl;
        }
        set => Check(Interop.Munge.munge_ctx_set(this, Interop.Munge.MUNGE_OPT_TTL, value), "munge_ctx_set ttl");
    }

    /// <summary>MUNGE_OPT_UID_RESTRICTION: only this UID may decode (MUNGE_UID_ANY for anyone).</summary>
    internal uint UidRestriction
    {
        get
        {
            Check(Interop.Munge.munge_ctx_get(this, Interop.Munge.MUNGE_OPT_UID_RESTRICTION, out uint uid), "munge_ctx_get uid restriction");
            return uid;
        }
        set => Check(Interop.Munge.munge_ctx_set(this, Interop.Munge.MUNGE_OPT_UID_RESTRICTION, value), "munge_ctx_set uid restriction");
    }

    /// <summary>MUNGE_OPT_GID_RESTRICTION: only members of this GID may decode (MUNGE_GID_ANY for anyone).</summary>
    internal uint GidRestriction
    {
        get
        {
            Check(Interop.Munge.munge_ctx_get(this, Interop.Munge.MUNGE_OPT_GID_RESTRICTION, out uint gid), "munge_ctx_get gid restriction");
            return gid;
        }
        set => Check(Interop.Munge.munge_ctx_set(this, Interop.Munge.MUNGE_OPT_GID_RESTRICTION, value), "munge_ctx_set gid restriction");
    }

    /// <summary>MUNGE_OPT_ENCODE_TIME of the last decoded (or encoded) credential.</summary>
    internal DateTimeOffset EncodeTime => GetTime(Interop.Munge.MUNGE_OPT_ENCODE_TIME, "munge_ctx_get encode time");

    /// <summary>MUNGE_OPT_DECODE_TIME of the last decoded credential.</summary>
    internal DateTimeOffset DecodeTime => GetTime(Interop.Munge.MUNGE_OPT_DECODE_TIME, "munge_ctx_get decode time");

    /// <summary>munge_encode: a credential carrying the caller's UID/GID and <paramref name="payload"/>; needs munged.</summary>
    internal unsafe string Encode(ReadOnlySpan<byte> payload)
    {
        nint credential = 0;
        try
        {
            int error;
            fixed (byte* bytes = payload)
                error = Interop.Munge.munge_encode(out credential, this, payload.IsEmpty ? null : bytes, payload.Length);
            Check(error, "munge_encode");
            return Marshal.PtrToStringUTF8(credential) ?? string.Empty;
        }
        finally
        {
            if (credential != 0)
                Interop.Libc.free(credential);
        }
    }

    /// <summary>munge_decode: the payload and the UID/GID munged vouches for; throws (with the reason) if invalid.</summary>
    internal unsafe MungeCredential Decode(string credential)
    {
        nint buffer = 0;
        int lengthForWipe = 0;
        try
        {
            int error = Interop.Munge.munge_decode(credential, this, out buffer, out int length, out uint uid, out uint gid);
            lengthForWipe = length;
            Check(error, "munge_decode");
            byte[] payload = buffer == 0 || length <= 0 ? [] : new ReadOnlySpan<byte>((void*)buffer, length).ToArray();
            return new MungeCredential(payload, uid, gid);
        }
        finally
        {
            if (buffer != 0)
            {
                // The payload may be a secret: wipe munge's copy before handing it back to malloc.
                int wipe = Math.Max(lengthForWipe, 0);
                new Span<byte>((void*)buffer, wipe).Clear();
                Interop.Libc.free(buffer);
            }
        }
    }

    private DateTimeOffset GetTime(int option, string operation)
    {
        Check(Interop.Munge.munge_ctx_get(this, option, out long seconds), operation);
        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    private void Check(int error, string operation)
    {
        if (error != Interop.Munge.EMUNGE_SUCCESS)
            throw MungeException.Create(this, error, operation);
    }

    protected override bool ReleaseHandle()
    {
        Interop.Munge.munge_ctx_destroy(handle);
        return true;
    }
}
