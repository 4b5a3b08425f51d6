using System.Diagnostics;

namespace SlurmNative.Tests.TestSupport;

public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;

    public CommandResult EnsureSuccess(string what)
    {
        if (ExitCode != 0)
            throw new InvalidOperationException($"{what} failed with exit code {ExitCode}:\n{Stdout}\n{Stderr}");
        return this;
    }
}

/// <summary>Runs a program to completion with a hard time limit, so no test can hang the suite.</summary>
public static class Command
{
    public static CommandResult Run(string program, IEnumerable<string> arguments, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repository.Root,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        TimeSpan limit = timeout ?? TimeSpan.FromMinutes(2);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not finish within {limit.TotalSeconds:0} s");
        }
        process.WaitForExit();
        return new CommandResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Compiles one C file with gcc; the compiler's messages become the exception's.</summary>
    public static string CompileC(string source, string outputName, params string[] extraArguments) =>
        CompileCWith("gcc", source, outputName, extraArguments);

    /// <summary>Compiles one C file with <paramref name="compiler"/> (a gcc, native or cross).</summary>
    public static string CompileCWith(string compiler, string source, string outputName, IEnumerable<string> extraArguments)
    {
        string output = Path.Combine(Path.GetTempPath(), $"slurmnative-{Environment.ProcessId}-{outputName}");
        // The Slurm under test's headers come before the system's (a probe built against 22.05's
        // slurm_version.h would not match the 25.05 plugin it checks).
        string[] slurm = Repository.SlurmPrefix is null ? [] : ["-I", Repository.SlurmIncludeDirectory];
        Run(compiler, ["-Wall", "-Wextra", "-Werror", .. slurm, "-o", output, source, .. extraArguments])
            .EnsureSuccess($"{compiler} {source}");
        // A test run leaves nothing behind in /tmp.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(output);
        return output;
    }
}
