namespace SlurmNative.Credentials.Kerberos;

/// <summary>A problem with the user's own Kerberos state, phrased as what the user should do.</summary>
public sealed class KerberosUserException(string message, Exception? inner = null) : Exception(message, inner);
