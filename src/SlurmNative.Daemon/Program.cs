using System.Runtime.InteropServices;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Daemon.Logging;
using SlurmNative.Daemon.Service;

namespace SlurmNative.Daemon;

/// <summary>
/// slurmnatived [--config PATH] [--debug] [--check]
/// Exit codes: 0 stopped cleanly, 2 configuration problem (the message says what to fix).
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        string configPath = SlurmNativeConfig.DefaultPath;
        bool debug = false, check = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length: configPath = args[++i]; break;
                case "--debug": debug = true; break;
                case "--check": check = true; break;
                default:
                    Console.Error.WriteLine($"slurmnatived: unknown argument '{args[i]}'; usage: slurmnatived [--config PATH] [--debug] [--check]");
                    return 2;
            }
        }

        var log = new StderrLog(debug);
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
                log.Info("configuration, keys and ACL are valid");
                return 0;
            }
            using var stop = new CancellationTokenSource();
            using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            using var onHup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; host.Reload(); });
            await host.RunAsync(stop.Token).ConfigureAwait(false);
            log.Info("slurmnatived stopped");
        }
        return 0;
    }
}
