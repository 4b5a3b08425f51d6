namespace SlurmNative.Plugin.Spank;

/// <summary>The live SPANK handle of the current hook, reached through the shim.</summary>
internal sealed class SlurmSpankSession(SpankHandle spank) : ISpankSession
{
    public SpankContext Context { get; } = (SpankContext)Interop.Shim.Context();

    public ForwardingRequest Request { get; } = (ForwardingRequest)Interop.Shim.OptionState();

    public uint JobUserId =>
        // spank_get_item(S_JOB_UID) fails in local context: srun runs as the submitting user.
        Context == SpankContext.Local ? Interop.Libc.getuid() : ItemOrNull(Interop.Spank.S_JOB_UID) ?? Interop.Libc.getuid();

    public uint? JobId => ItemOrNull(Interop.Spank.S_JOB_ID);

    public uint? StepId => ItemOrNull(Interop.Spank.S_JOB_STEPID);

    public uint? JobGroupId => ItemOrNull(Interop.Spank.S_JOB_GID);

    public string? GetEnvironment(string name)
    {
        // spank_getenv/setenv only work in slurmstepd (ESPANK_NOT_REMOTE elsewhere).
        if (Context != SpankContext.Remote)
            return Interop.Libc.GetEnvironmentVariable(name);
        byte[] buffer = new byte[4096];
        if (Interop.Shim.GetEnv(spank, name, buffer, buffer.Length) != Interop.Spank.ESPANK_SUCCESS)
            return null;
        int end = Array.IndexOf(buffer, (byte)0);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }

    public bool SetEnvironment(string name, string value) =>
        Context == SpankContext.Remote
            ? Interop.Shim.SetEnv(spank, name, value, overwrite: 1) == Interop.Spank.ESPANK_SUCCESS
            : Interop.Libc.setenv(name, value, 1) == 0;

    private uint? ItemOrNull(int item) =>
        Interop.Shim.GetItemUInt32(spank, item, out uint value) == Interop.Spank.ESPANK_SUCCESS ? value : null;
}
