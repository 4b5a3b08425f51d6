using CsCheck;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Ccache;

/// <summary>
/// An uploaded credential as the daemon inspects it: krb5_unmarshal_credentials in libkrb5,
/// then the principal mapped to a local user. Native code reading any user's bytes.
/// </summary>
internal sealed class UploadTicketTarget() : FuzzTarget(
    "upload-ticket",
    "KerberosTickets.Describe: libkrb5 unmarshals an uploaded credential",
    typeof(FormatException),
    new MemoryBound(16, Why: "managed only; libkrb5's own shows in the peak RSS"))
{
    public override Gen<byte[]> Structured => CcacheGens.Credential;

    public override Outcome Run(byte[] input)
    {
        KerberosTickets.Describe(input);
        return Outcome.Accepted;
    }
}
