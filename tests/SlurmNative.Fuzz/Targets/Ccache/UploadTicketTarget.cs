using CsCheck;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Ccache;

/// <summary>
/// An uploaded credential as the daemon inspects it: krb5_unmarshal_credentials in libkrb5,
/// then the principal mapped to a local user. Native code reading any user's bytes.
/// </summary>
internal sealed class UploadTicketTarget : FuzzTarget
{
    public override string Name => "upload-ticket";

    public override string Description => "KerberosCredentials.Describe: libkrb5 unmarshals an uploaded credential";

    public override Type? RefusalType => typeof(FormatException);

    public override string AllocationBoundText => "8 times the input, plus 64 KiB (managed; libkrb5's own is outside the GC)";

    public override long AllocationBound(byte[] input) => 8L * input.Length + 65536;

    public override Gen<byte[]> Structured => CcacheGens.Credential;

    public override Outcome Run(byte[] input)
    {
        KerberosCredentials.Describe(input);
        return Outcome.Accepted;
    }
}
