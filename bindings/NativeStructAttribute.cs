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
