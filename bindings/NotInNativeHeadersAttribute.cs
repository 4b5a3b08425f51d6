namespace SlurmNative;

/// <summary>
/// Exempts a constant or struct field from the ABI test because it deliberately has no
/// C counterpart. The reason is mandatory: the ABI test never skips anything silently.
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
internal sealed class NotInNativeHeadersAttribute(string reason) : Attribute
{
    public string Reason { get; } = reason;
}
