namespace SlurmNative.Credentials.Ccache;

/// <summary>A ccache could not be created, replaced or checked; the message names the fix.</summary>
public sealed class CcacheException(string message) : Exception(message);
