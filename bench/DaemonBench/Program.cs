using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SlurmNative.Bench;

/// <summary>
/// bench/daemon.sh's measuring tool. One command per run, results as key=value lines
/// on stdout so the script can compute ratios; problems on stderr.
///
///   keygen KEY_FILE
///   free-port
///   load (--server HOST:PORT)... --munge-socket PATH --op get|add --clients N --seconds S
///        (--ticket UID=CCACHE)... | --uids FIRST-LAST   [--watch NAME=PID]...
///   burst (--server HOST:PORT)... --munge-socket PATH --uid N --count N --threads N --timeout S
///   renew --ccache PATH --threads N --seconds S
///   populate --database PATH --key-file PATH --ccache PATH --first-uid N --count N
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
            return Usage("no command");
        try
        {
            var options = Options.Parse(args.AsSpan(1));
            switch (args[0])
            {
                case "keygen":
                    SlurmNative.Store.Keys.Keyring.Generate(options.Positional(0), force: false);
                    return 0;
                case "free-port":
                    Console.WriteLine(FreePort());
                    return 0;
                case "load":
                    return await Load.RunAsync(options).ConfigureAwait(false);
                case "burst":
                    return Burst.Run(options);
                case "renew":
                    return Renewals.Run(options);
                case "populate":
                    return await Populate.RunAsync(options).ConfigureAwait(false);
                default:
                    return Usage($"unknown command '{args[0]}'");
            }
        }
        catch (ArgumentException e)
        {
            return Usage(e.Message);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int Usage(string problem)
    {
        Console.Error.WriteLine($"daemon-bench: {problem}; the commands are listed in bench/DaemonBench/Program.cs");
        return 2;
    }

    /// <summary>Writes one result line: key=value pairs, invariant culture.</summary>
    internal static void Result(params (string Key, double Value)[] values) =>
        Console.WriteLine(string.Join(' ', values.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Key}={v.Value:0.###}"))));
}

/// <summary>--name value options, repeatable, plus positional arguments.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, List<string>> named = new(StringComparer.Ordinal);
    private readonly List<string> positional = [];

    public static Options Parse(ReadOnlySpan<string> args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                if (i + 1 >= args.Length)
                    throw new ArgumentException($"{args[i]} needs a value");
                string name = args[i][2..];
                if (!options.named.TryGetValue(name, out List<string>? values))
                    options.named[name] = values = [];
                values.Add(args[++i]);
            }
            else
            {
                options.positional.Add(args[i]);
            }
        }
        return options;
    }

    public string Positional(int index) =>
        index < positional.Count ? positional[index] : throw new ArgumentException($"missing argument {index + 1}");

    public IReadOnlyList<string> All(string name) => named.TryGetValue(name, out List<string>? values) ? values : [];

    public string? Optional(string name) => All(name) is [.., string last] ? last : null;

    public string Text(string name) => Optional(name) ?? throw new ArgumentException($"--{name} is required");

    public int Number(string name) =>
        int.TryParse(Text(name), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n : throw new ArgumentException($"--{name} must be a positive whole number");
}
