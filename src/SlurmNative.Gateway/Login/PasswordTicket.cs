namespace SlurmNative.Gateway.Login;

/// <summary>A ticket obtained with a password: the marshalled TGT and what it says about itself.</summary>
internal sealed record PasswordTicket(byte[] Credential, string Principal, DateTimeOffset End, DateTimeOffset RenewTill);
