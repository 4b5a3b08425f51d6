using SlurmNative.Credentials.Kerberos;
using SlurmNative.Daemon.Logging;
using SlurmNative.Daemon.Observability;
using SlurmNative.Daemon.Service;
using SlurmNative.Store;

namespace SlurmNative.Daemon.Renewal;

/// <summary>
/// Keeps stored TGTs alive while their jobs wait in the queue: each pass renews the
/// credentials whose remaining life fell below the threshold, soonest first, with a
/// bounded number of KDC requests in flight; drops what can no longer be renewed and
/// says why. A user's fresh upload during a renewal wins over the renewed copy.
/// A pass claims a few credentials at a time from the store, so daemons sharing one store
/// share the work: each credential is renewed by one of them, and what a daemon that died
/// had claimed is free again for the next pass of another.
/// </summary>
public sealed class CredentialRenewer(
    ICredentialStore store,
    ITicketRenewer kdc,
    ITicketInspector inspector,
    TimeSpan threshold,
    int concurrency,
    IDaemonLog log,
    TimeProvider? clock = null,
    DaemonObserver? observer = null)
{
    private readonly DaemonObserver observe = observer ?? DaemonObserver.None;

    /// <summary>Per pass; the rest wait for the next pass, soonest-ending first.</summary>
    public int BatchSize { get; init; } = 10_000;

    /// <summary>
    /// Claimed at once: enough to keep every KDC slot busy, few enough that another daemon finds
    /// the next ones unclaimed, and that a claim is let go soon after its renewals are written.
    /// </summary>
    private int ClaimSize => Math.Clamp(concurrency * 4, 16, 256);

    private readonly TimeProvider time = clock ?? TimeProvider.System;

    public async Task RunAsync(TimeSpan interval, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            try
            {
                RenewalPass pass = await RunOnceAsync(stop).ConfigureAwait(false);
                if (pass.Due > 0)
                    log.Info($"renewal pass: {pass.Due} due, {pass.Renewed} renewed, {pass.Dropped} dropped, {pass.Deferred} deferred");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.Error($"renewal pass failed: {e.GetType().Name}: {e.Message}");
            }
        }
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
    }

    public async Task<RenewalPass> RunOnceAsync(CancellationToken cancel = default)
    {
        DateTimeOffset now = time.GetUtcNow();
        int due = 0, renewed = 0, dropped = 0, deferred = 0;
        RenewalCursor? cursor = null;
        while (due < BatchSize)
        {
            RenewalClaim claim = await store.ClaimDueAsync(now + threshold, cursor, Math.Min(ClaimSize, BatchSize - due), cancel).ConfigureAwait(false);
            await using (claim.ConfigureAwait(false))
            {
                if (claim.Next is null)
                    break;
                cursor = claim.Next;
                due += claim.Credentials.Count;
                await Parallel.ForEachAsync(claim.Credentials, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancel }, async (credential, token) =>
                {
                    switch (await RenewOneAsync(credential, now, token).ConfigureAwait(false))
                    {
                        case Outcome.Renewed: Interlocked.Increment(ref renewed); observe.Renewed(); break;
                        case Outcome.Dropped: Interlocked.Increment(ref dropped); break;
                        default: Interlocked.Increment(ref deferred); observe.RenewalDeferred(); break;
                    }
                }).ConfigureAwait(false);
            }
        }
        return new RenewalPass(due, renewed, dropped, deferred);
    }

    private enum Outcome { Renewed, Dropped, Deferred }

    private async Task<Outcome> RenewOneAsync(StoredCredential credential, DateTimeOffset now, CancellationToken cancel)
    {
        // Renewing cannot go past renew-till: once the ticket already reaches it, there is nothing to gain.
        if (credential.RenewTill <= now || credential.End >= credential.RenewTill)
        {
            if (credential.End > now)
                return Outcome.Deferred;
            return await DropAsync(credential, $"it expired at {credential.End:u} and was renewable only until {credential.RenewTill:u}", cancel).ConfigureAwait(false);
        }

        byte[] fresh;
        TicketFacts facts;
        try
        {
            fresh = await Task.Run(() => kdc.Renew(credential.Ticket), cancel).ConfigureAwait(false);
            facts = inspector.Inspect(fresh);
        }
        catch (RenewalRefusedException e)
        {
            observe.KdcRefused();
            return await DropAsync(credential, $"the KDC refused to renew it: {e.Message}", cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            observe.KdcUnreachable();
            log.Warning($"could not renew {credential} ({e.GetType().Name}: {e.Message}); will retry");
            return Outcome.Deferred;
        }

        var renewed = credential with { Start = facts.Start, End = facts.End, RenewTill = facts.RenewTill, Flags = facts.Flags, Ticket = fresh };
        if (!await store.ReplaceIfUnchangedAsync(renewed, credential.Version, cancel).ConfigureAwait(false))
        {
            log.Debug($"uid {credential.Uid} uploaded a new ticket during renewal; keeping the upload");
            return Outcome.Deferred;
        }
        log.Debug($"renewed {renewed}");
        return Outcome.Renewed;
    }

    private async Task<Outcome> DropAsync(StoredCredential credential, string why, CancellationToken cancel)
    {
        if (!await store.RemoveIfUnchangedAsync(credential.Uid, credential.Version, cancel).ConfigureAwait(false))
            return Outcome.Deferred;
        log.Warning($"dropped {credential}: {why}; the user must run kinit and upload again");
        observe.Dropped(credential.Uid, "renewer", why);
        return Outcome.Dropped;
    }
}
