using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Bindings.Abi;

/// <summary>
/// The ABI check, in the manner of Tmds.LibC's tests: read every constant and every mirrored struct from the
/// bindings assembly, generate a C program that prints the C value of each (constants by value, structs by
/// sizeof and offsetof/sizeof of each field), compile it against the installed headers, run it, and diff.
/// A name without a C counterpart does not compile, and the compiler's message is the failure.
/// </summary>
public static class NativeAbi
{
    /// <summary>Every header the bindings mirror; all are included in one translation unit.</summary>
    public static readonly IReadOnlyList<string> Headers =
    [
        "errno.h", "fcntl.h", "signal.h", "sys/file.h", "sys/stat.h", "unistd.h", "pwd.h", "grp.h",
        "sys/socket.h", "sys/un.h", "sys/time.h", "netinet/in.h", "netinet/tcp.h", "netdb.h",
        "krb5/krb5.h",
        "munge.h",
        "slurm/spank.h", "slurm/slurm.h", "slurm/slurm_errno.h",
        "slurmnative_shim.h",
    ];

    /// <summary>
    /// Classes nested in Interop whose constants are not C values. Each entry is a decision, with its reason;
    /// anything else must be in C or carry [NotInNativeHeaders("why")].
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ExcludedClasses = new Dictionary<string, string>
    {
        ["Interop.Libraries"] = "library sonames for LibraryImport, not C values",
    };

    public static Type InteropType => typeof(Interop);

    /// <summary>Every class nested (at any depth) in Interop, compiler-generated ones aside.</summary>
    public static IEnumerable<Type> NestedTypes(Type? type = null)
    {
        foreach (Type nested in (type ?? InteropType).GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (nested.IsDefined(typeof(CompilerGeneratedAttribute), false))
                continue;
            yield return nested;
            foreach (Type deeper in NestedTypes(nested))
                yield return deeper;
        }
    }

    public static string DisplayName(Type type) => type.FullName!.Replace("SlurmNative.", "", StringComparison.Ordinal).Replace('+', '.');

    /// <summary>The architecture a class's constants hold on (its own [NativeArchitecture] or an enclosing class's); null: all.</summary>
    public static Architecture? ArchitectureOf(Type type)
    {
        for (Type? t = type; t is not null; t = t.DeclaringType)
        {
            if (t.GetCustomAttribute<NativeArchitectureAttribute>() is { } attribute)
                return attribute.Architecture;
        }
        return null;
    }

    /// <summary>The constants that hold on <paramref name="architecture"/>: the common ones and its own.</summary>
    public static IReadOnlyList<ConstantSpec> ManagedConstants(Architecture architecture) =>
        ManagedConstants().Where(c => c.Architecture is null || c.Architecture == architecture).ToList();

    /// <summary>Every constant, each with the architecture it is for (null: all).</summary>
    public static IReadOnlyList<ConstantSpec> ManagedConstants() =>
        NestedTypes()
            .Where(t => t.IsClass && !ExcludedClasses.ContainsKey(DisplayName(t)))
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(f => f.IsLiteral && !f.IsDefined(typeof(NotInNativeHeadersAttribute), false))
                .Select(f => new ConstantSpec(DisplayName(t), f.Name, f.GetRawConstantValue()!, ArchitectureOf(t))))
            .ToList();

    public static IEnumerable<Type> MarkedStructs() =>
        typeof(NativeStructAttribute).Assembly.GetTypes().Where(t => t.IsDefined(typeof(NativeStructAttribute), false));

    public static IReadOnlyList<StructSpec> ManagedStructs() =>
        MarkedStructs().Select(t => new StructSpec(
            DisplayName(t),
            t.GetCustomAttribute<NativeStructAttribute>()!.CName,
            Marshal.SizeOf(t),
            t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
                .Where(f => !f.IsDefined(typeof(NotInNativeHeadersAttribute), false))
                .Select(f => new FieldSpec(f.Name, Marshal.OffsetOf(t, f.Name).ToInt64(), FieldSize(f)))
                .ToList()))
            .ToList();

    private static long FieldSize(FieldInfo field)
    {
        if (field.GetCustomAttribute<FixedBufferAttribute>() is { } buffer)
            return (long)buffer.Length * Marshal.SizeOf(buffer.ElementType);
        return Marshal.SizeOf(field.FieldType);
    }

    /// <summary>
    /// Compiles the C side for <paramref name="target"/> and runs it there; returns every mismatch as one line each.
    /// The managed struct layouts are this process's: .NET lays out blittable sequential structs by the same
    /// natural-alignment rule on every 64-bit Linux it runs on, so they stand for the other architecture's too,
    /// and the C side, compiled for that architecture, is what may differ.
    /// </summary>
    public static IReadOnlyList<string> Compare(IReadOnlyList<ConstantSpec> constants, IReadOnlyList<StructSpec> structs, AbiTarget target)
    {
        string source = Path.Combine(Path.GetTempPath(), $"slurmnative-abi-{Environment.ProcessId}-{Guid.NewGuid():N}.c");
        File.WriteAllText(source, GenerateC(constants, structs));
        CommandResult run;
        try
        {
            run = target.CompileAndRun(source, "-D_GNU_SOURCE", "-I", Path.Combine(Repository.Root, "native"))
                .EnsureSuccess($"ABI probe for {target.Architecture}");
        }
        finally
        {
            File.Delete(source);
        }
        return Diff(constants, structs, ParseOutput(run.Stdout));
    }

    public static string GenerateC(IReadOnlyList<ConstantSpec> constants, IReadOnlyList<StructSpec> structs)
    {
        var c = new StringBuilder();
        c.AppendLine("/* Generated by SlurmNative.Tests.Bindings.Abi.NativeAbi: prints the C side of every binding. */");
        c.AppendLine("#include <stddef.h>");
        c.AppendLine("#include <stdio.h>");
        foreach (string header in Headers)
            c.AppendLine(CultureInfo.InvariantCulture, $"#include <{header}>");
        // "(X) < 0" is the point for unsigned constants too (it tells how to read the value).
        c.AppendLine("#pragma GCC diagnostic ignored \"-Wtype-limits\"");
        c.AppendLine("int main(void)\n{");
        foreach (ConstantSpec constant in constants)
        {
            if (constant.Value is string)
                c.AppendLine(CultureInfo.InvariantCulture, $"    printf(\"S\\t%s\\t%s\\n\", \"{constant.Name}\", {constant.Name});");
            else
                // Sign first, then the value both ways, so any integer (up to 64 bits either signedness) is exact.
                c.AppendLine(CultureInfo.InvariantCulture,
                    $"    printf(\"C\\t%s\\t%d\\t%lld\\t%llu\\n\", \"{constant.Name}\", ({constant.Name}) < 0, (long long)({constant.Name}), (unsigned long long)({constant.Name}));");
        }
        foreach (StructSpec type in structs)
        {
            c.AppendLine(CultureInfo.InvariantCulture, $"    printf(\"Z\\t%s\\t%zu\\n\", \"{type.CType}\", sizeof({type.CType}));");
            foreach (FieldSpec field in type.Fields)
                c.AppendLine(CultureInfo.InvariantCulture,
                    $"    printf(\"F\\t%s\\t%s\\t%zu\\t%zu\\n\", \"{type.CType}\", \"{field.Name}\", offsetof({type.CType}, {field.Name}), sizeof((({type.CType} *)0)->{field.Name}));");
        }
        c.AppendLine("    return 0;\n}");
        return c.ToString();
    }

    private sealed record NativeValues(
        Dictionary<string, Int128> Integers, Dictionary<string, string> Strings,
        Dictionary<string, long> Sizes, Dictionary<(string Type, string Field), (long Offset, long Size)> Fields);

    private static NativeValues ParseOutput(string output)
    {
        var values = new NativeValues([], [], [], []);
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] part = line.Split('\t');
            switch (part[0])
            {
                case "C":
                    values.Integers[part[1]] = part[2] == "1"
                        ? long.Parse(part[3], CultureInfo.InvariantCulture)
                        : ulong.Parse(part[4], CultureInfo.InvariantCulture);
                    break;
                case "S":
                    values.Strings[part[1]] = part[2];
                    break;
                case "Z":
                    values.Sizes[part[1]] = long.Parse(part[2], CultureInfo.InvariantCulture);
                    break;
                case "F":
                    values.Fields[(part[1], part[2])] = (long.Parse(part[3], CultureInfo.InvariantCulture), long.Parse(part[4], CultureInfo.InvariantCulture));
                    break;
                default:
                    throw new InvalidOperationException($"unexpected ABI probe output: {line}");
            }
        }
        return values;
    }

    private static List<string> Diff(IReadOnlyList<ConstantSpec> constants, IReadOnlyList<StructSpec> structs, NativeValues native)
    {
        var mismatches = new List<string>();
        foreach (ConstantSpec constant in constants)
        {
            string where = $"{constant.Owner}.{constant.Name}";
            if (constant.Value is string text)
            {
                string c = native.Strings[constant.Name];
                if (c != text)
                    mismatches.Add($"{where}: C \"{c}\", managed \"{text}\"");
                continue;
            }
            Int128 cValue = native.Integers[constant.Name];
            if (!IntegerMatches(cValue, constant.Value, out string managed))
                mismatches.Add($"{where}: C {cValue} (0x{(ulong)(cValue & ulong.MaxValue):x}), managed {managed} ({constant.Value.GetType().Name})");
        }
        foreach (StructSpec type in structs)
        {
            long cSize = native.Sizes[type.CType];
            if (cSize != type.Size)
                mismatches.Add($"sizeof({type.CType}): C {cSize}, managed {type.Size} ({type.ManagedName})");
            foreach (FieldSpec field in type.Fields)
            {
                (long offset, long size) = native.Fields[(type.CType, field.Name)];
                if (offset != field.Offset)
                    mismatches.Add($"offsetof({type.CType}, {field.Name}): C {offset}, managed {field.Offset}");
                if (size != field.Size)
                    mismatches.Add($"sizeof({type.CType}.{field.Name}): C {size}, managed {field.Size}");
            }
        }
        return mismatches;
    }

    /// <summary>
    /// Equal numerically; or, for an unsigned managed constant, the same bits when C has a small negative value
    /// (<c>MUNGE_UID_ANY</c> is the enum value -1, used as the uid_t 0xffffffff).
    /// </summary>
    private static bool IntegerMatches(Int128 c, object managedValue, out string managed)
    {
        (Int128 value, int bits, bool unsigned) = managedValue switch
        {
            sbyte v => ((Int128)v, 8, false),
            byte v => ((Int128)v, 8, true),
            short v => ((Int128)v, 16, false),
            ushort v => ((Int128)v, 16, true),
            int v => ((Int128)v, 32, false),
            uint v => ((Int128)v, 32, true),
            long v => ((Int128)v, 64, false),
            ulong v => ((Int128)v, 64, true),
            char v => ((Int128)v, 16, true),
            bool v => (v ? Int128.One : Int128.Zero, 8, true),
            _ => throw new NotSupportedException($"constant of type {managedValue.GetType()} (bind integers or strings)"),
        };
        managed = value.ToString(CultureInfo.InvariantCulture);
        if (c == value)
            return true;
        Int128 modulus = Int128.One << bits;
        return unsigned && c < 0 && c >= -(modulus >> 1) && c + modulus == value;
    }
}
