using SlurmNative.Credentials.Kerberos;
using System.Globalization;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Daemon.Acl;
using SlurmNative.Daemon.Jobs;
using SlurmNative.Daemon.Logging;
using SlurmNative.Daemon.Retention;
using SlurmNative.Store;

namespace SlurmNative.Daemon.Service;

/// <summary>
/// Answers one authenticated request: checks the ACL, validates uploads, talks to the
/// store. Every refusal is logged with who asked for what; no credential bytes are.
/// </summary>
/// <param name="jobBinding">node_fetch = job_bound: how a node's fetch is checked against where the job runs; null for node_fetch = any.</param>
/// <param name="uploads">told of every upload, so the idle clock of its owner restarts; null where nothing drops idle credentials.</param>
public sealed class CredentialService(ICredentialStore store, Func<AccessPolicy> policy, ITicketInspector inspector, IDaemonLog log, TimeProvider? clock = null,
    NodeFetchGuard? jobBinding = null, IdleCredentialSweeper? uploads = null)
{
    /// <summary>Far above any real TGT (a few KiB with a large PAC), far below the frame limit.</summary>
    public const int MaxTicketBytes = 64 * 1024;

    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly DateTimeOffset started = (clock ?? TimeProvider.System).GetUtcNow();

    public async Task<Reply> HandleAsync(Caller caller, Request request, CancellationToken cancel)
    {
        if (!Enum.IsDefined(request.Operation))
            return Refuse(caller, ReplyStatus.BadRequest, $"unknown operation {(byte)request.Operation}; the client is newer than this daemon");

        uint target = request.TargetUid ?? caller.Uid;
        var (allowed, reason) = policy().Authorize(caller, request.Operation, target);
        if (!allowed)
            return Refuse(caller, ReplyStatus.Forbidden, reason);

        return request.Operation switch
        {
            Operation.Ping => await PingAsync(caller, cancel).ConfigureAwait(false),
            Operation.Add => await AddAsync(caller, target, request.Blob, keep: false, cancel).ConfigureAwait(false),
            Operation.AddAndKeep => await AddAsync(caller, target, request.Blob, keep: true, cancel).ConfigureAwait(false),
            Operation.Get => await GetAsync(caller, target, request, cancel).ConfigureAwait(false),
            Operation.Remove => await RemoveAsync(caller, target, cancel).ConfigureAwait(false),
            Operation.List => await ListAsync(caller, request.TargetUid, cancel).ConfigureAwait(false),
            _ => Reply.Error(ReplyStatus.BadRequest, "unknown operation"),
        };
    }

    /// <summary>
    /// That the daemon is up, to anyone; its version, uptime and how many credentials it holds
    /// only to admins: how many users forward tickets, and when the daemon last restarted, is
    /// nothing an ordinary user needs to know.
    /// </summary>
    private async Task<Reply> PingAsync(Caller caller, CancellationToken cancel)
    {
        if (!policy().RolesOf(caller).HasFlag(Role.Admin))
            return Reply.Ok("slurmnatived is up"u8.ToArray());
        int count = await store.CountAsync(cancel).ConfigureAwait(false);
        TimeSpan up = time.GetUtcNow() - started;
        string status = string.Create(CultureInfo.InvariantCulture, $"slurmnatived {typeof(CredentialService).Assembly.GetName().Version}, up {(long)up.TotalSeconds} s, {count} credentials stored");
        return Reply.Ok(System.Text.Encoding.UTF8.GetBytes(status));
    }

    /// <param name="keep">stored with --keep; an ordinary upload (every srun's) keeps an earlier --keep.</param>
    private async Task<Reply> AddAsync(Caller caller, uint target, byte[] ticket, bool keep, CancellationToken cancel)
    {
        if (ticket.Length == 0)
            return Refuse(caller, ReplyStatus.BadRequest, "add carries no credential");
        if (ticket.Length > MaxTicketBytes)
            return Refuse(caller, ReplyStatus.TooLarge, $"credential of {ticket.Length} bytes exceeds {MaxTicketBytes}");

        TicketFacts facts;
        try
        {
            facts = inspector.Inspect(ticket);
        }
        catch (FormatException e)
        {
            return Refuse(caller, ReplyStatus.CredentialRejected, $"upload is not a Kerberos credential: {e.Message}");
        }

        if (!facts.IsTicketGrantingTicket)
            return Refuse(caller, ReplyStatus.CredentialRejected, $"credential for {facts.ServerPrincipal} is not a ticket-granting ticket; upload the TGT (krbtgt/REALM)");
        if (facts.HasAddresses)
            return Refuse(caller, ReplyStatus.CredentialRejected, $"TGT of {facts.ClientPrincipal} is bound to addresses and would not work on compute nodes; get an addressless one (kinit -A, or noaddresses = true in krb5.conf)");
        if (facts.End <= time.GetUtcNow())
            return Refuse(caller, ReplyStatus.CredentialRejected, $"TGT of {facts.ClientPrincipal} expired at {facts.End:u}; run kinit");
        if (facts.LocalUid != target)
        {
            string mapped = facts.LocalUid is uint uid ? $"uid {uid}" : "no local user";
            return Refuse(caller, ReplyStatus.CredentialRejected, $"principal {facts.ClientPrincipal} maps to {mapped}, not to uid {target}; a user may only store their own ticket");
        }

        // Every srun from a login node uploads the same TGT again; what is already stored
        // is already durable, so it is acknowledged without another synced write.
        StoredCredential? existing = await store.GetAsync(target, cancel).ConfigureAwait(false);
        uploads?.Uploaded(target);
        keep |= existing?.Keep == true;
        if (existing is not null && existing.Keep == keep && existing.Ticket.AsSpan().SequenceEqual(ticket))
        {
            if (log.DebugEnabled)
                log.Debug($"{existing} is already stored for {caller}");
            return Reply.Ok();
        }

        var stored = await store.PutAsync(new StoredCredential(target, facts.ClientPrincipal, facts.Start, facts.End, facts.RenewTill, facts.Flags, ticket) { Keep = keep }, cancel).ConfigureAwait(false);
        log.Info($"stored {stored}{(keep ? ", kept without jobs," : "")} for {caller}");
        return Reply.Ok();
    }

    private async Task<Reply> GetAsync(Caller caller, uint target, Request request, CancellationToken cancel)
    {
        // Only the node role lets one fetch another's ticket without administering: bind it to the job.
        if (jobBinding is not null && target != caller.Uid && !policy().RolesOf(caller).HasFlag(Role.Admin))
        {
            uint? job;
            try
            {
                job = request.FetchedForJob;
            }
            catch (ProtocolException e)
            {
                return Refuse(caller, e.Status, e.Message);
            }
            if (await jobBinding.RefusalAsync(caller, target, job, cancel).ConfigureAwait(false) is { } reason)
                return Refuse(caller, ReplyStatus.Forbidden, reason);
        }
        StoredCredential? credential = await store.GetAsync(target, cancel).ConfigureAwait(false);
        if (credential is null)
            return Refuse(caller, ReplyStatus.NotFound, $"no credential stored for uid {target}; the user should run kinit, then slurmnative add (or submit with --krb5)");
        if (credential.End <= time.GetUtcNow())
        {
            await store.RemoveIfUnchangedAsync(target, credential.Version, cancel).ConfigureAwait(false);
            return Refuse(caller, ReplyStatus.NotFound, $"the credential of uid {target} expired at {credential.End:u} and was dropped; the user should run kinit and upload again");
        }
        // Every get passes here: format the line only when it will be written.
        if (log.DebugEnabled)
            log.Debug($"released {credential} to {caller}");
        return Reply.Ok(credential.Ticket);
    }

    private async Task<Reply> RemoveAsync(Caller caller, uint target, CancellationToken cancel)
    {
        if (!await store.RemoveAsync(target, cancel).ConfigureAwait(false))
            return Reply.Error(ReplyStatus.NotFound, $"no credential stored for uid {target}");
        log.Info($"removed the credential of uid {target} for {caller}");
        return Reply.Ok();
    }

    private async Task<Reply> ListAsync(Caller caller, uint? requestedUid, CancellationToken cancel)
    {
        // Without a target an admin sees everyone and a user sees themselves.
        bool admin = policy().RolesOf(caller).HasFlag(Role.Admin);
        uint? scope = requestedUid ?? (admin ? null : caller.Uid);
        var entries = await store.ListAsync(scope, cancel).ConfigureAwait(false);
        return Reply.Ok(CredentialSummary.EncodeList(entries));
    }

    private Reply Refuse(Caller caller, ReplyStatus status, string reason)
    {
        log.Warning($"refused {caller}: {reason}");
        return Reply.Error(status, reason);
    }
}
