namespace SlurmNative.Plugin.Spank;

/// <summary>The hooks the shim forwards; values are the shim's SLURMNATIVE_HOOK_* constants.</summary>
internal enum SpankHook
{
    InitPostOpt = Interop.Shim.SLURMNATIVE_HOOK_INIT_POST_OPT,
    UserInit = Interop.Shim.SLURMNATIVE_HOOK_USER_INIT,
    Exit = Interop.Shim.SLURMNATIVE_HOOK_EXIT,
    LocalUserInit = Interop.Shim.SLURMNATIVE_HOOK_LOCAL_USER_INIT,
}

/// <summary>Where the plugin is running: srun (local), sbatch/salloc (allocator), slurmstepd (remote).</summary>
internal enum SpankContext
{
    Error = Interop.Spank.S_CTX_ERROR,
    Local = Interop.Spank.S_CTX_LOCAL,
    Remote = Interop.Spank.S_CTX_REMOTE,
    Allocator = Interop.Spank.S_CTX_ALLOCATOR,
    Slurmd = Interop.Spank.S_CTX_SLURMD,
    JobScript = Interop.Spank.S_CTX_JOB_SCRIPT,
}

/// <summary>What the user asked for with --krb5; Unset when the option was not given.</summary>
internal enum ForwardingRequest
{
    Unset = Interop.Shim.SLURMNATIVE_OPTION_UNSET,
    Yes = Interop.Shim.SLURMNATIVE_OPTION_YES,
    No = Interop.Shim.SLURMNATIVE_OPTION_NO,
    Done = Interop.Shim.SLURMNATIVE_OPTION_DONE,
}
