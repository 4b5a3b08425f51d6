namespace SlurmNative.Daemon.Service;

/// <summary>
/// What one connection may cost the daemon. <see cref="FrameTimeout"/> bounds how long a
/// connection may take to deliver its request (it is nobody's until then);
/// <see cref="RequestTimeout"/> bounds the work and the reply once the caller is known;
/// <see cref="MaxWaitingPerHost"/> and <see cref="MaxConnections"/> bound what is held open
/// (see <see cref="ConnectionAdmission"/>).
/// </summary>
public sealed record ListenerLimits(TimeSpan FrameTimeout, TimeSpan RequestTimeout, int MaxConnections, int MaxWaitingPerHost);
