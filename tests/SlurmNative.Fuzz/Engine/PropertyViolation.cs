namespace SlurmNative.Fuzz.Engine;

/// <summary>
/// A target's own check failed on an input the parser accepted: a round trip that did not
/// come back equal, a token that verified without the key. Always a finding.
/// </summary>
public sealed class PropertyViolation(string message) : Exception(message);
