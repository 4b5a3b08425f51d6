using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Store;

/// <summary>
/// One credential per UID. <see cref="Ticket"/> is the plaintext credential (one
/// krb5_creds, MIT ccache encoding) and exists only in memory; at rest it is encrypted.
/// <see cref="Version"/> changes on every write, so the renewer can tell whether a
/// user re-uploaded while a renewal was in flight.
/// </summary>
public sealed record StoredCredential(
    uint Uid,
    string Principal,
    DateTimeOffset Start,
    DateTimeOffset End,
    DateTimeOffset RenewTill,
    uint Flags,
    byte[] Ticket,
    long Version = 0)
{
    /// <summary>Kept whether or not its owner has jobs (<c>slurmnative add --keep</c>).</summary>
    public bool Keep { get; init; }

    /// <summary>When its owner last stored it; the store sets it on <see cref="ICredentialStore.PutAsync"/>, a renewal keeps it.</summary>
    public DateTimeOffset Uploaded { get; init; }

    public CredentialSummary Summary => new(Uid, Principal, Start, End, RenewTill, Flags);

    // Never print ticket bytes, even by accident through a record's generated ToString.
    public override string ToString() => $"credential of uid {Uid} ({Principal}, ends {End:u})";
}
