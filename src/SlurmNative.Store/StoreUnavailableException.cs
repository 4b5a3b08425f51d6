namespace SlurmNative.Store;

/// <summary>
/// The database cannot be reached right now (down, restarting, unreachable); nothing was done.
/// Another daemon, or this one a moment later, may succeed: clients are told so and move on.
/// </summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
