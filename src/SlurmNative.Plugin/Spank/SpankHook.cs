namespace SlurmNative.Plugin.Spank;

/// <summary>The hooks the shim forwards; values are the shim's SLURMNATIVE_HOOK_* constants.</summary>
internal enum SpankHook
{
    InitPostOpt = Interop.Shim.SLURMNATIVE_HOOK_INIT_POST_OPT,
    UserInit = Interop.Shim.SLURMNATIVE_HOOK_USER_INIT,
    Exit = Interop.Shim.SLURMNATIVE_HOOK_EXIT,
    LocalUserInit = Interop.Shim.SLURMNATIVE_HOOK_LOCAL_USER_INIT,
}
