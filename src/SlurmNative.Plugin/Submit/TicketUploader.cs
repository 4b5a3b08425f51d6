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
/// </summary>
internal sealed class TicketUploader(ICredentialBackend backend, IPluginLog log)
{
    /// <summary>
    /// Set in the environment the job inherits once a ticket went up, so the sruns of a
    /// batch script or an allocation do not upload the same ticket again; an explicit
    /// --krb5 (yes) still refreshes it.
    /// </summary>
    public const string ForwardedMarker = "SLURMNATIVE_KRB5_FORWARDED";

    public int Run(ISpankSession session, PluginSettings settings)
    {
        uint uid = session.JobUserId;
        if (uid < settings.MinimumUid)
        {
            log.Debug($"uid {uid} is below min_uid={settings.MinimumUid}; not forwarding");
            return 0;
        }
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
        TicketTimes times = backend.Describe(ticket);
        try
        {
            backend.Upload(ticket);
        }
        catch (Exception e) when (e is DaemonException or DaemonUnreachableException)
        {
            log.User($"cannot forward the Kerberos ticket of {times.Principal} to the job: {e.Message}");
            return -1;
        }
        session.SetEnvironment(ForwardedMarker, $"{times.Principal} until {UtcText.Iso(times.End)}");
        log.Verbose($"forwarded the ticket of {times.Principal}, valid until {UtcText.Readable(times.End)}");
        return 0;
    }
}
