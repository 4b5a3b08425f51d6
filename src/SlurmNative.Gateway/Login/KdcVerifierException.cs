namespace SlurmNative.Gateway.Login;

/// <summary>The gateway's keytab cannot prove KDC replies genuine; the message names the fix.</summary>
internal sealed class KdcVerifierException(string message) : Exception(message);
