using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SlurmNative.CommandLine;
using SlurmNative.Credentials.Accounts;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Store.Keys;
using SlurmNative.Store;

namespace SlurmNative.Cli;

internal static class Program
{
    private static readonly Option<string> ConfigOption = new("--config") { Description = "configuration file", HelpName = "PATH", DefaultValueFactory = _ => SlurmNativeConfig.DefaultPath, Recursive = true };
    private static readonly Option<uint?> UidOption = new("--uid") { Description = "whose credential (default: yours)" };
    private static readonly Option<string?> UserOption = new("--user") { Description = "whose credential, by user name" };

    private static int Main(string[] args)
    {
        if (!SupportedArchitectures.IncludesThisMachine)
        {
            Console.Error.WriteLine($"slurmnative: {SupportedArchitectures.Refusal}");
            return (int)ExitCode.Usage;
        }
        var root = new RootCommand("SlurmNative: Kerberos tickets that follow Slurm jobs")
        {
            AddCommand(), GetCommand(), RemoveCommand(), ListCommand(), PingCommand(), KeygenCommand(), RotateKeyCommand(), RenewLoopCommand(), SweepCommand.Create(),
            JwtCommands.Create(),
        };
        root.Options.Add(ConfigOption);
        ParseResult parsed = root.Parse(args);
        if (CommandLineErrors.Report(parsed, "slurmnative"))
            return (int)ExitCode.Usage;
        return parsed.Invoke();
    }

    private static Command AddCommand()
    {
        var ccache = new Option<string?>("--ccache", "-c") { Description = "credential cache to read (default: KRB5CCNAME, else krb5.conf's default)" };
        var keep = new Option<bool>("--keep")
        {
            Description = "keep it stored while you have no jobs (otherwise the daemon drops it keep_after_last_job after your last job ends); later uploads keep it too, until slurmnative remove",
        };
        var command = new Command("add", "store your current Kerberos ticket with the credential daemon") { ccache, keep };
        command.SetAction(r => Run(r, client =>
        {
            byte[] tgt = KerberosTickets.ReadTicketGrantingTicket(r.GetValue(ccache));
            client.Call(Request.Create(r.GetValue(keep) ? Operation.AddAndKeep : Operation.Add, blob: tgt));
            TicketFacts facts = KerberosTickets.Describe(tgt);
            Console.WriteLine($"stored {facts.ClientPrincipal}, valid until {facts.End.ToLocalTime():yyyy-MM-dd HH:mm}, renewable until {facts.RenewTill.ToLocalTime():yyyy-MM-dd HH:mm}");
            return ExitCode.Ok;
        }));
        return command;
    }

    private static Command GetCommand()
    {
        var ccache = new Option<string>("--ccache", "-c") { Description = "credential cache to write, e.g. FILE:/tmp/krb5cc_1001_admin", Required = true };
        var job = new Option<uint?>("--job") { Description = "the job on this host the ticket is for (what a node must name when node_fetch = job_bound)" };
        var command = new Command("get", "fetch a stored ticket into a credential cache (nodes and admins)") { UidOption, UserOption, job, ccache };
        command.SetAction(r => Run(r, client =>
        {
            byte[] ticket = client.Call(Request.Fetch(TargetUid(r), r.GetValue(job)));
            string written = KerberosTickets.WriteToCache(ticket, r.GetValue(ccache)!);
            Console.WriteLine($"wrote {KerberosTickets.Describe(ticket).ClientPrincipal} to {written}");
            return ExitCode.Ok;
        }));
        return command;
    }

    private static Command RemoveCommand()
    {
        var command = new Command("remove", "delete a stored ticket (yours, or any for admins)") { UidOption, UserOption };
        command.SetAction(r => Run(r, client =>
        {
            client.Call(Request.Create(Operation.Remove, targetUid: TargetUid(r)));
            Console.WriteLine("removed");
            return ExitCode.Ok;
        }));
        return command;
    }

    private static Command ListCommand()
    {
        var json = new Option<bool>("--json") { Description = "machine-readable output" };
        var command = new Command("list", "show stored tickets (admins see all, users their own)") { UidOption, UserOption, json };
        command.SetAction(r => Run(r, client =>
        {
            uint? target = r.GetValue(UidOption) is not null || r.GetValue(UserOption) is not null ? TargetUid(r) : null;
            var entries = CredentialSummary.DecodeList(client.Call(Request.Create(Operation.List, targetUid: target)));
            if (r.GetValue(json))
            {
                var rows = entries.Select(e => new ListRow(e.Uid, UserDatabase.PasswdByUid(e.Uid)?.Name, e.Principal, e.Start, e.End, e.RenewTill)).ToList();
                Console.WriteLine(JsonSerializer.Serialize(rows, CliJson.Default.ListListRow));
                return ExitCode.Ok;
            }
            Console.WriteLine($"{"UID",-8} {"USER",-12} {"PRINCIPAL",-32} {"EXPIRES",-17} RENEW UNTIL");
            foreach (CredentialSummary e in entries)
                Console.WriteLine($"{e.Uid,-8} {UserDatabase.PasswdByUid(e.Uid)?.Name ?? "?",-12} {e.Principal,-32} {Local(e.End),-17} {Local(e.RenewTill)}");
            return ExitCode.Ok;
        }));
        return command;
    }

    private static Command PingCommand()
    {
        var command = new Command("ping", "check that a credential daemon answers");
        command.SetAction(r => Run(r, client =>
        {
            byte[] status = client.Call(Request.Create(Operation.Ping));
            Console.WriteLine(System.Text.Encoding.UTF8.GetString(status));
            return ExitCode.Ok;
        }));
        return command;
    }

    private static Command KeygenCommand()
    {
        var force = new Option<bool>("--force") { Description = "replace an existing key file (stored tickets become unreadable)" };
        var command = new Command("keygen", "create the daemon's key file (32 random bytes, mode 0600)") { force };
        command.SetAction(r => RunLocal(r, config =>
        {
            string id = Keyring.Generate(config.KeyFile, r.GetValue(force));
            Console.WriteLine($"created {config.KeyFile} with key {id}");
            KeyAudit.Record(config, "key_create", id, reencrypted: null);
            return ExitCode.Ok;
        }));
        return command;
    }

    private static Command RotateKeyCommand()
    {
        var command = new Command("rotate-key", "add a new first key and re-encrypt every stored ticket under it (as the daemon's user)");
        command.SetAction(r => RunLocal(r, config =>
        {
            // The store first: one that cannot be reached leaves the key file as it was.
            Keyring keys = Keyring.Load(config.KeyFile);
            using ICredentialStore store = CredentialStores.Open(config, () => keys);
            string id = Keyring.AddNewFirstKey(config.KeyFile);
            keys = Keyring.Load(config.KeyFile);
            int moved = store.ReencryptAllAsync().GetAwaiter().GetResult();
            KeyAudit.Record(config, "key_rotation", id, moved);
            Console.WriteLine($"new first key {id}; re-encrypted {moved} tickets. Copy {config.KeyFile} to every other daemon sharing this store, then send SIGHUP to each slurmnatived (systemctl reload slurmnatived) so new uploads use it; older keys can then be removed from the key files.");
            return ExitCode.Ok;
        }));
        return command;
    }

    private static Command RenewLoopCommand()
    {
        var ccache = new Option<string?>("--ccache", "-c") { Description = "credential cache to keep renewed (default: KRB5CCNAME)" };
        var once = new Option<bool>("--once") { Description = "renew once and exit" };
        var command = new Command("renew-loop", "keep a credential cache renewed against the KDC, for nodes whose daemon is unreachable") { ccache, once };
        command.SetAction(r => RunLocal(r, config =>
        {
            while (true)
            {
                DateTimeOffset end = KerberosTickets.RenewCacheInPlace(r.GetValue(ccache), config.RenewThreshold);
                Console.WriteLine($"ticket valid until {Local(end)}");
                if (r.GetValue(once))
                    return ExitCode.Ok;
                TimeSpan wait = end - DateTimeOffset.UtcNow - config.RenewThreshold;
                Thread.Sleep(wait > TimeSpan.FromSeconds(10) ? wait : TimeSpan.FromSeconds(10));
            }
        }));
        return command;
    }

    private static uint? TargetUid(ParseResult r)
    {
        if (r.GetValue(UserOption) is { } name)
            return UserDatabase.PasswdByName(name)?.Uid ?? throw new ArgumentException($"no such user '{name}'");
        return r.GetValue(UidOption);
    }

    private static string Local(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static int Run(ParseResult r, Func<DaemonClient, ExitCode> action) => RunLocal(r, config =>
        action(DaemonClient.ForConfig(config)));

    /// <summary>Turns every expected failure into one line that says what to do, and an exit code.</summary>
    private static int RunLocal(ParseResult r, Func<SlurmNativeConfig, ExitCode> action)
    {
        try
        {
            return (int)action(SlurmNativeConfig.LoadOrDefault(r.GetValue(ConfigOption)!));
        }
        catch (DaemonException e) when (e.Status == ReplyStatus.StoreUnavailable)
        {
            return Fail($"{e.Message}; check the database the daemons use ('store' in slurmnative.conf)", ExitCode.Unreachable);
        }
        catch (DaemonException e)
        {
            return Fail($"refused ({e.Status}): {e.Message}", ExitCode.Refused);
        }
        catch (DaemonUnreachableException e)
        {
            return Fail(e.Message, ExitCode.Unreachable);
        }
        catch (KerberosUserException e)
        {
            return Fail(e.Message, ExitCode.NoTicket);
        }
        catch (Exception e) when (e is ConfigException or KeyringException or CredentialStoreException or StoreUnavailableException or ArgumentException or IOException or UnauthorizedAccessException or Krb5Exception)
        {
            return Fail(e.Message, ExitCode.Usage);
        }
    }

    private static int Fail(string message, ExitCode code)
    {
        Console.Error.WriteLine($"slurmnative: {message}");
        return (int)code;
    }
}
