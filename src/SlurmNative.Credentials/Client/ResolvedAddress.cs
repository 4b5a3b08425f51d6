namespace SlurmNative.Credentials.Client;

/// <summary>A socket address getaddrinfo resolved, copied out of libc's list: family, raw sockaddr bytes, and how to print it.</summary>
internal sealed record ResolvedAddress(int Family, byte[] SocketAddress, string Text);
