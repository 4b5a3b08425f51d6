namespace SlurmNative.Credentials.Configuration;

/// <summary>In which order a client tries the configured daemons.</summary>
public enum ServerOrder
{
    /// <summary>As listed: the first is the primary, the others stand by.</summary>
    Listed,

    /// <summary>A new random order for every request, so that many clients spread over all daemons.</summary>
    Random,
}
