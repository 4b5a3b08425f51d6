namespace SlurmNative;

/// <summary>
/// Marks a struct that mirrors a C struct field for field. The ABI test compiles
/// <c>sizeof</c> and <c>offsetof</c> of every field against the real headers.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
internal sealed class NativeStructAttribute(string cName) : Attribute
{
    /// <summary>The C type as written in a declaration: <c>krb5_creds</c>, <c>struct passwd</c>.</summary>
    public string CName { get; } = cName;
}

/// <summary>
/// Exempts a constant or struct field from the ABI test because it deliberately has no
/// C counterpart. The reason is mandatory: the ABI test never skips anything silently.
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
internal sealed class NotInNativeHeadersAttribute(string reason) : Attribute
{
    public string Reason { get; } = reason;
}
