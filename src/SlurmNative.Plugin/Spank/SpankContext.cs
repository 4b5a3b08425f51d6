namespace SlurmNative.Plugin.Spank;

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
