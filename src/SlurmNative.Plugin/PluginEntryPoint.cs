using System.Runtime.InteropServices;
using SlurmNative.Plugin.Spank;

namespace SlurmNative.Plugin;

/// <summary>
/// The one managed entry point the shim calls. An exception escaping an
/// UnmanagedCallersOnly method kills the host process, which inside slurmstepd
/// is the user's job step; so everything is caught, logged and turned into a
/// SPANK error code here, and nothing else lives here.
/// </summary>
internal static class PluginEntryPoint
{
    // Created on first use, never from a static constructor of the library:
    // the runtime must not start before the shim decides there is work.
    private static ForwardingPlugin? plugin;

    [UnmanagedCallersOnly(EntryPoint = "slurmnative_managed_hook")]
    private static int OnHook(int hook, SpankHandle spank, int argumentCount, SpankArguments argumentVector)
    {
        try
        {
            plugin ??= new ForwardingPlugin(SlurmLog.Instance);
            string[] arguments = Interop.Shim.ReadArguments(argumentCount, argumentVector);
            return plugin.Run((SpankHook)hook, new SlurmSpankSession(spank), arguments);
        }
        catch (Exception e)
        {
            try
            {
                // Type and message only: no stack walk inside slurmstepd, and no payload bytes.
                SlurmLog.Instance.Error($"internal error in {(SpankHook)hook}: {e.GetType().Name}: {e.Message}");
            }
            catch
            {
                // Logging itself failed; there is nowhere left to report to.
            }
            return -1;
        }
    }
}
