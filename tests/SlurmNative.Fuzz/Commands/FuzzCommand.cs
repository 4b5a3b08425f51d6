using System.Diagnostics;
using System.Globalization;
using SlurmNative.Fuzz.Engine;
using SlurmNative.Fuzz.Targets;

namespace SlurmNative.Fuzz.Commands;

/// <summary>
/// <c>./build.sh fuzz [COUNT]</c>: every target for COUNT inputs, each in its own process, so
/// that native code which kills one (libkrb5 reading an upload) loses no other target's
/// results and the input that did it is saved; each process's peak memory is its target's.
/// Prints one table and exits 1 if anything was found.
/// </summary>
internal static class FuzzCommand
{
    public const long DefaultCount = 1_000_000;

    public static int Run(string[] args)
    {
        long count = DefaultCount;
        ulong seed = 20261204;
        int jobs = Environment.ProcessorCount;
        var names = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seed" when i + 1 < args.Length:
                    seed = ulong.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--jobs" when i + 1 < args.Length:
                    jobs = Math.Max(1, int.Parse(args[++i], CultureInfo.InvariantCulture));
                    break;
                case "--target" when i + 1 < args.Length:
                    names.Add(FuzzTargets.Create(args[++i]).Name);
                    break;
                default:
                    if (!long.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out count) || count <= 0)
                    {
                        Console.Error.WriteLine($"'{args[i]}' is not a number of inputs, --seed N, --jobs N or --target NAME");
                        return 2;
                    }
                    break;
            }
        }
        if (names.Count == 0)
            names.AddRange(FuzzTargets.Names);

        Console.WriteLine($"fuzzing {names.Count} targets, {count:N0} inputs each, seed {seed}, {jobs} at a time");
        var started = Stopwatch.StartNew();
        var results = new ResultLine?[names.Count];
        Parallel.For(0, names.Count, new ParallelOptions { MaxDegreeOfParallelism = jobs }, i => results[i] = RunTarget(names[i], count, seed));

        PrintTable(names, results);
        Console.WriteLine($"total time {started.Elapsed.TotalMinutes:0.0} min; findings are saved under {CrashCorpus.Root}/<target>/ and replayed by the tests");
        return results.All(r => r is { Crashes: 0, Hangs: 0 }) ? 0 : 1;
    }

    private static ResultLine? RunTarget(string name, long count, ulong seed)
    {
        string lastInput = Path.Combine(Path.GetTempPath(), $"slurmnative-fuzz-{Environment.ProcessId}-{name}.last");
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        // Under `dotnet SlurmNative.Fuzz.dll` the process is dotnet itself and needs the assembly.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            start.ArgumentList.Add(typeof(FuzzCommand).Assembly.Location);
        foreach (string arg in new[] { "run", name, count.ToString(CultureInfo.InvariantCulture), seed.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(arg);
        start.Environment[RunCommand.LastInputVariable] = lastInput;
        try
        {
            using Process child = Process.Start(start)!;
            Task<string> errors = child.StandardError.ReadToEndAsync();
            ResultLine? result = null;
            while (child.StandardOutput.ReadLine() is { } line)
                result = ResultLine.Parse(line) ?? result;
            child.WaitForExit();
            string stderr = errors.Result;
            if (stderr.Length > 0)
                Console.Error.Write(stderr);
            if (result is null)
            {
                // Killed by native code (or out of memory): what it held is the finding.
                byte[]? input = LastInput.Read(lastInput);
                string saved = input is null ? "no input in hand" : $"its last input saved as {CrashCorpus.Save(FuzzTargets.Create(name), input)}";
                Console.Error.WriteLine($"{name}: the fuzzing process died (exit code {child.ExitCode}); {saved}");
                return new ResultLine(name, 0, 0, 0, 1, 0, 0, 0, 0, 0);
            }
            return result;
        }
        finally
        {
            File.Delete(lastInput);
        }
    }

    private static void PrintTable(List<string> names, ResultLine?[] results)
    {
        Console.WriteLine();
        Console.WriteLine($"{"target",-18} {"inputs",11} {"accepted",10} {"refused",10} {"crashes",7} {"hangs",5} {"slowest",10} {"max alloc/input",15} {"peak RSS",9} {"time",8}");
        for (int i = 0; i < names.Count; i++)
        {
            ResultLine r = results[i] ?? new ResultLine(names[i], 0, 0, 0, 1, 0, 0, 0, 0, 0);
            Console.WriteLine($"{r.Target,-18} {r.Inputs,11:N0} {r.Accepted,10:N0} {r.Refused,10:N0} {r.Crashes,7} {r.Hangs,5} {r.SlowestMs,7:0.00} ms {Size(r.MostAllocated),15} {Size(r.PeakResident),9} {r.Seconds,6:0} s");
        }
    }

    private static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.0} MiB" : $"{bytes / 1024.0:0.0} KiB";
}
