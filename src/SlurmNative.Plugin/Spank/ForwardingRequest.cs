namespace SlurmNative.Plugin.Spank;

/// <summary>What the user asked for with --krb5; Unset when the option was not given.</summary>
internal enum ForwardingRequest
{
    Unset = Interop.Shim.SLURMNATIVE_OPTION_UNSET,
    Yes = Interop.Shim.SLURMNATIVE_OPTION_YES,
    No = Interop.Shim.SLURMNATIVE_OPTION_NO,
    Done = Interop.Shim.SLURMNATIVE_OPTION_DONE,
}
