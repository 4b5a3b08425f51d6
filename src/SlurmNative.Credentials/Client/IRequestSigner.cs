namespace SlurmNative.Credentials.Client;

/// <summary>Wraps a request's payload in a credential that proves who sent it (MUNGE in production).</summary>
public interface IRequestSigner
{
    byte[] Sign(byte[] payload);
}
