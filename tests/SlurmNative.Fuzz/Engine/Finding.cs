namespace SlurmNative.Fuzz.Engine;

/// <summary>What went wrong with one input, and a signature that groups inputs failing the same way.</summary>
/// <param name="Signature">the kind and where it happened: inputs with one signature are one bug.</param>
public sealed record Finding(string Signature, string Description, byte[] Input)
{
    public override string ToString() => $"{Signature}: {Description} (input of {Input.Length} bytes: {Convert.ToBase64String(Input.AsSpan(0, Math.Min(Input.Length, 512)))}{(Input.Length > 512 ? "..." : "")})";
}
