using System.Runtime.InteropServices;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Bindings.Abi;

/// <summary>
/// Where the ABI probe is compiled and run for one architecture: with this machine's gcc and run
/// directly, or, for the other supported architecture, with Debian's cross gcc and its libc
/// headers and run under qemu-user with the cross libc.
/// </summary>
public sealed class AbiTarget
{
    /// <summary>
    /// The krb5, com_err, MUNGE and Slurm headers, for a cross compiler that looks for libc's only in its own
    /// sysroot. They are the same text on every architecture (libkrb5-dev and comerr-dev are Multi-Arch:
    /// same, which dpkg allows only for identical files; munge.h and slurm/*.h test no architecture), so
    /// this machine's copies serve; libc's headers, which do differ, never come from here.
    /// </summary>
    private static readonly Lazy<string> ForeignHeaders = new(() =>
    {
        string directory = Path.Combine(Path.GetTempPath(), $"slurmnative-abi-headers-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        foreach (string entry in new[] { "krb5", "krb5.h", "et", "munge.h", "slurm" })
        {
            string link = Path.Combine(directory, entry);
            if (!Path.Exists(link))
                File.CreateSymbolicLink(link, Path.Combine(entry == "slurm" ? Repository.SlurmIncludeDirectory : "/usr/include", entry));
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        return directory;
    });

    private AbiTarget(Architecture architecture, string compiler, IReadOnlyList<string> compilerArguments, IReadOnlyList<string> runner)
    {
        Architecture = architecture;
        Compiler = compiler;
        CompilerArguments = compilerArguments;
        Runner = runner;
    }

    public Architecture Architecture { get; }

    public string Compiler { get; }

    public IReadOnlyList<string> CompilerArguments { get; }

    /// <summary>The program (and its arguments) that runs the probe; empty: it runs by itself.</summary>
    public IReadOnlyList<string> Runner { get; }

    public static AbiTarget For(Architecture architecture)
    {
        if (architecture == RuntimeInformation.ProcessArchitecture)
            return new AbiTarget(architecture, "gcc", [], []);
        (string triplet, string qemu, string packages) = architecture switch
        {
            Architecture.Arm64 => ("aarch64-linux-gnu", "qemu-aarch64", "gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"),
            Architecture.X64 => ("x86_64-linux-gnu", "qemu-x86_64", "gcc-x86-64-linux-gnu libc6-dev-amd64-cross qemu-user"),
            _ => throw new NotSupportedException($"no ABI target for {architecture}: add its cross compiler and qemu here"),
        };
        string compiler = $"{triplet}-gcc";
        string sysroot = $"/usr/{triplet}";
        foreach (string tool in new[] { compiler, qemu })
        {
            if (!ExistsOnPath(tool))
                throw new InvalidOperationException(
                    $"the ABI check for {architecture} needs {tool}, which is not installed: apt-get install {packages} (./build.sh deps installs them)");
        }
        return new AbiTarget(architecture, compiler, ["-I", ForeignHeaders.Value], [qemu, "-L", sysroot]);
    }

    /// <summary>Compiles <paramref name="source"/> for this target and runs it; the probe's output.</summary>
    public CommandResult CompileAndRun(string source, params string[] arguments)
    {
        string program = Command.CompileCWith(Compiler, source, $"{Path.GetFileNameWithoutExtension(source)}-{Architecture}".ToLowerInvariant(),
            [.. arguments, .. CompilerArguments]);
        try
        {
            return Runner.Count == 0
                ? Command.Run(program, [])
                : Command.Run(Runner[0], [.. Runner.Skip(1), program]);
        }
        finally
        {
            File.Delete(program);
        }
    }

    private static bool ExistsOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)));
}
