using System.Text.RegularExpressions;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Bindings;

/// <summary>
/// Guards the rule that managed code outside bindings/ never touches raw pointers: every pointer walk,
/// string read and struct layout belongs in bindings/, where the ABI test and reviewers look for it.
/// </summary>
public sealed partial class NoRawPointersOutsideBindingsTests
{
    // Pointer types (byte*) need an unsafe context, so catching "unsafe" covers them. "Marshal." after a non-identifier character is System.Runtime.InteropServices.Marshal (ReadIntPtr,
    // PtrToStringUTF8, Copy, SizeOf, …), all of which deal in addresses or native layout. MemoryMarshal is
    // allowed: its span APIs (AsBytes, Read, Write) work on managed memory and cannot reach a native address.
    [GeneratedRegex(@"(?<![A-Za-z0-9_])Marshal\.|\bunsafe\s*[({]|\bunsafe\s+(?:static|internal|private|public|partial|void|class|struct)\b|\bIntPtr\b|\bUIntPtr\b|\bnint\b|\bnuint\b|\bfixed\s*\(")]
    private static partial Regex PointerUse();

    [Fact]
    public void SourceOutsideBindingsUsesNoRawPointers()
    {
        string src = Path.Combine(Repository.Root, "src");
        var found = new List<string>();
        foreach (string file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(Repository.Root, file).Replace('\\', '/');
            if (relative.Split('/').Any(part => part is "bin" or "obj"))
                continue;
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string code = StripComment(lines[i]);
                if (PointerUse().IsMatch(code))
                    found.Add($"{relative}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(found.Count == 0, "raw pointer use outside bindings/:\n" + string.Join('\n', found));
    }

    [Theory]
    [InlineData("nint member = Marshal.ReadIntPtr(list, 0);")]
    [InlineData("string s = Marshal.PtrToStringUTF8(p);")]
    [InlineData("unsafe { }")]
    [InlineData("internal static unsafe void F() { }")]
    [InlineData("fixed (byte* p = buffer)")]
    [InlineData("IntPtr handle;")]
    [InlineData("void Hook(nuint size)")]
    public void PatternCatchesPointerCode(string line) => Assert.Matches(PointerUse(), StripComment(line));

    [Theory]
    [InlineData("MemoryMarshal.AsBytes(secret.AsSpan())")]
    [InlineData("var x = MemoryMarshal.Read<int>(bytes);")]
    [InlineData("Span<byte> buffer = stackalloc byte[16];")]
    [InlineData("// a pointer is never kept: nint would be wrong here")]
    [InlineData("/// a missing or unsafe key file stops the gateway")]
    public void PatternAllowsSafeCode(string line) => Assert.DoesNotMatch(PointerUse(), StripComment(line));

    // Comments may talk about pointers ("unsafe key file"); only code counts.
    private static string StripComment(string line)
    {
        int comment = line.IndexOf("//", StringComparison.Ordinal);
        return comment < 0 ? line : line[..comment];
    }
}
