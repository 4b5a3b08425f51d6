using System.CommandLine;
using System.Runtime.InteropServices;
using SlurmNative.CommandLine;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Daemon.Logging;
using SlurmNative.Daemon.Service;

namespace SlurmNative.Daemon;

/// <summary>
/// slurmnatived [--config PATH] [--debug] [--check]
/// Exit codes: 0 stopped cleanly, 2 usage or configuration problem (the message says what to fix).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var config = new Option<string>("--config") { Description = "configuration file", HelpName = "PATH", DefaultValueFactory = _ => SlurmNativeConfig.DefaultPath };
        var debug = new Option<bool>("--debug") { Description = "also log debug messages" };
        var check = new Option<bool>("--check") { Description = "load the configuration, keys, ACL and store, report, and exit" };
        var root = new RootCommand("slurmnatived: the SlurmNative credential daemon") { config, debug, check };
        root.SetAction(r => Serve(r.GetValue(config)!, r.GetValue(debug), r.GetValue(check)));
        ParseResult parsed = root.Parse(args);
        if (CommandLineErrors.Report(parsed, "slurmnatived"))
            return CommandLineErrors.UsageExitCode;
        return parsed.Invoke();
    }

    private static int Serve(string configPath, bool debug, bool check)
    {
        using var log = new JournalLog(debug);
        if (!SupportedArchitectures.IncludesThisMachine)
        {
            log.Error($"slurmnatived cannot start: {SupportedArchitectures.Refusal}");
            return 2;
        }
        DaemonHost host;
        try
        {
            SlurmNativeConfig config = SlurmNativeConfig.LoadOrDefault(configPath);
            host = Wiring.CreateHost(config, log);
            host.Start();
        }
        catch (Exception e) when (e is ConfigException or InvalidOperationException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            log.Error($"slurmnatived cannot start: {e.Message}");
            return 2;
        }

        using (host)
        {
            if (check)
            {
                log.Info($"configuration, keys and ACL are valid; store: {host.StoreDescription}, {host.StoreSummary}");
                return 0;
            }
            using var stop = new CancellationTokenSource();
            using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            if (HangupSignal.StopIgnoring() is { } failure)
                log.Warning($"SIGHUP stays ignored, so reloading needs a restart: {failure}");
            using var onHup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; host.Reload(); });
            host.RunAsync(stop.Token).GetAwaiter().GetResult();
            log.Info("slurmnatived stopped");
        }
        return 0;
    }
}
