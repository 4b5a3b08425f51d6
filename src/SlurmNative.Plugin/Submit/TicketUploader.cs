using SlurmNative.Credentials;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Plugin.Backend;
using SlurmNative.Plugin.Configuration;
using SlurmNative.Plugin.Spank;

namespace SlurmNative.Plugin.Submit;

/// <summary>
/// srun (local) and sbatch/salloc (allocator), running as the submitting user: puts
/// the user's TGT into the credential daemon so the job's nodes can fetch it.
/// srun reads the ticket in init_post_opt and sends it on a thread of its own while it
/// asks slurmctld for the allocation and the step (<see cref="Begin"/>); local_user_init,
/// which srun calls before it launches the step, waits for the daemon's acknowledgement
/// (<see cref="Complete"/>). No slurmstepd can ask for the ticket before it is stored,
/// and srun waits for the daemon and for slurmctld at once rather than one after the other.
/// sbatch and salloc have no hook between option parsing and submission: <see cref="Run"/>.
/// </summary>
/// <param name="commandLine">srun's, sbatch's or salloc's own arguments, where the job's --time may be; /proc/self/cmdline when null.</param>
internal sealed class TicketUploader(ICredentialBackend backend, IPluginLog log, PluginSettings? settings = null,
    Func<IReadOnlyList<string>>? commandLine = null, TimeProvider? clock = null)
{
    /// <summary>
    /// Set in the environment the job inherits once a ticket went up, so the sruns of a
    /// batch script or an allocation do not upload the same ticket again; an explicit
    /// --krb5 (yes) still refreshes it.
    /// </summary>
    public const string ForwardedMarker = Interop.Shim.SLURMNATIVE_FORWARDED_VARIABLE;

    private NativeThread? sender;
    private TicketTimes? sending;
    private Exception? failure;

    private static IReadOnlyList<string> OwnCommandLine()
    {
        try
        {
            return File.ReadAllText("/proc/self/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Upload and wait: sbatch and salloc (allocator context).</summary>
    public int Run(ISpankSession session)
    {
        int started = Begin(session);
        return started != 0 ? started : Complete(session);
    }

    /// <summary>
    /// Decides whether to forward, reads the ticket (so a missing kinit fails the hook at
    /// once, before any allocation is requested) and starts sending it. The shim already
    /// keeps --krb5=done and jobs carrying <see cref="ForwardedMarker"/> from reaching
    /// managed code (submit_sends_nothing); the same rule holds here for any other caller.
    /// </summary>
    public int Begin(ISpankSession session)
    {
        if (session.Request == ForwardingRequest.Done)
        {
            log.Verbose("--krb5=done: the job uses the ticket already forwarded");
            return 0;
        }
        if (session.Request == ForwardingRequest.Unset && session.GetEnvironment(ForwardedMarker) is { Length: > 0 } earlier)
        {
            log.Verbose($"ticket already forwarded ({earlier}); use --krb5 to send a fresh one");
            return 0;
        }

        byte[] ticket;
        try
        {
            ticket = backend.ReadUserTicket();
        }
        catch (KerberosUserException e)
        {
            log.User($"cannot forward a Kerberos ticket to the job: {e.Message}, or submit with --krb5=no");
            return -1;
        }
        sending = backend.Describe(ticket);
        IReadOnlyList<string> arguments = (commandLine ?? OwnCommandLine)();
        TimeSpan? timeLimit = arguments.Count > 0 ? SlurmTimeLimit.Of(arguments[0], arguments, session.GetEnvironment) : null;
        if (TicketLifeCheck.Judge(sending, timeLimit, settings?.MinTicketLife, (clock ?? TimeProvider.System).GetUtcNow()) is { } problem)
        {
            log.User(problem.Message);
            if (problem.Refuse)
                return -1;
        }
        failure = null;
        // A thread of its own, not the thread pool: nothing else of .NET's starts in srun.
        sender = NativeThread.Start(() =>
        {
            try
            {
                backend.Upload(ticket);
            }
            catch (Exception e)
            {
                // Nothing may escape a thread inside srun; Complete reports it.
                failure = e;
            }
        });
        return 0;
    }

    /// <summary>
    /// Waits for the upload <see cref="Begin"/> started (bounded by the client timeout per
    /// daemon) and reports its outcome from the hook's own thread. Nothing to wait for is success.
    /// </summary>
    public int Complete(ISpankSession session)
    {
        if (sender is null || sending is null)
            return 0;
        sender.Join();
        TicketTimes times = sending;
        Exception? error = failure;
        sender = null;
        sending = null;
        if (error is DaemonException or DaemonUnreachableException)
        {
            log.User($"cannot forward the Kerberos ticket of {times.Principal} to the job: {error.Message}");
            return -1;
        }
        if (error is not null)
            throw new InvalidOperationException($"uploading the ticket failed: {error.GetType().Name}: {error.Message}", error);
        session.SetEnvironment(ForwardedMarker, $"{times.Principal} until {UtcText.Iso(times.End)}");
        log.Verbose($"forwarded the ticket of {times.Principal}, valid until {UtcText.Readable(times.End)}");
        return 0;
    }
}
