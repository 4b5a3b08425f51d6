using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Bindings.Abi;

/// <summary>
/// The bindings against the installed headers (krb5, munge, glibc, Slurm's spank.h and the shim's header), for
/// every architecture the build accepts: this machine's natively, the other one cross-compiled and run under qemu.
/// </summary>
public sealed class AbiTests
{
    public static TheoryData<Architecture> Architectures() => [.. SupportedArchitectures.All];

    [Theory]
    [MemberData(nameof(Architectures))]
    public void EveryConstantAndStructMatchesTheHeaders(Architecture architecture)
    {
        AbiTarget target = AbiTarget.For(architecture);
        IReadOnlyList<string> mismatches = NativeAbi.Compare(NativeAbi.ManagedConstants(architecture), NativeAbi.ManagedStructs(), target);
        Assert.True(mismatches.Count == 0,
            $"{mismatches.Count} ABI mismatch(es) between bindings/ and {architecture}'s headers:\n  " + string.Join("\n  ", mismatches));
    }

    [Fact]
    public void TheCheckCoversEveryRuntimeIdentifierTheBuildAccepts()
    {
        // Directory.Build.props's list, as the bindings assembly was built with it.
        string accepted = typeof(Interop).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "SlurmNativeRuntimeIdentifiers").Value!;
        Architecture[] built = [.. accepted.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(rid => rid switch
        {
            "linux-x64" => Architecture.X64,
            "linux-arm64" => Architecture.Arm64,
            _ => throw new Xunit.Sdk.XunitException($"the build accepts {rid}, for which the ABI test has no target"),
        })];
        Assert.Equal(built.Order(), SupportedArchitectures.All.Order());

        // Each has its own class of the values that differ, and each class has the same names.
        var perArchitecture = NativeAbi.NestedTypes()
            .Where(t => t.IsDefined(typeof(NativeArchitectureAttribute), false))
            .ToDictionary(t => NativeAbi.ArchitectureOf(t)!.Value, Names);
        Assert.Equal(SupportedArchitectures.All.Order(), perArchitecture.Keys.Order());
        HashSet<string> first = perArchitecture.Values.First();
        Assert.All(perArchitecture, pair => Assert.True(pair.Value.SetEquals(first),
            $"{pair.Key} declares {string.Join(", ", pair.Value.Order())}; another architecture {string.Join(", ", first.Order())}"));
        Assert.Contains("O_NOFOLLOW", first);
        Assert.Contains("O_DIRECTORY", first);

        static HashSet<string> Names(Type type) =>
            type.GetFields(BindingFlags.NonPublic | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => f.Name).ToHashSet();
    }

    [Theory]
    [InlineData("linux-arm", false)]        // 32-bit: other struct layouts, other open(2) flags
    [InlineData("linux-musl-x64", false)]   // another libc than the libc.so.6 bindings/ names
    [InlineData("linux-arm64", true)]
    public void TheBuildRefusesARuntimeIdentifierTheCheckDoesNotCover(string rid, bool accepted)
    {
        CommandResult msbuild = Command.Run("dotnet",
            ["msbuild", Path.Combine(Repository.Root, "bindings", "SlurmNative.Bindings.csproj"), "-t:RefuseUncheckedRuntimeIdentifier",
             $"-p:RuntimeIdentifier={rid}", "-nr:false", "-nologo", "-v:m"]);

        Assert.True(accepted == (msbuild.ExitCode == 0), msbuild.Output);
        if (!accepted)
            Assert.Contains($"SlurmNative builds for linux-x64;linux-arm64 only, not {rid}", msbuild.Output);
    }

    [Theory]
    [InlineData(Architecture.X64, true)]
    [InlineData(Architecture.Arm64, true)]
    [InlineData(Architecture.X86, false)]
    [InlineData(Architecture.Arm, false)]
    [InlineData(Architecture.Ppc64le, false)]
    [InlineData(Architecture.S390x, false)]
    [InlineData(Architecture.RiscV64, false)]
    public void TheProgramsRefuseArchitecturesNothingWasCheckedFor(Architecture architecture, bool supported)
    {
        Assert.Equal(supported, SupportedArchitectures.IsSupported(architecture));
        Assert.Equal(supported, SupportedArchitectures.All.Contains(architecture));
    }

    [Fact]
    public void EachArchitectureDependentValueIsThisMachinesOwn()
    {
        Type own = NativeAbi.NestedTypes().Single(t => NativeAbi.ArchitectureOf(t) == RuntimeInformation.ProcessArchitecture
            && t.IsDefined(typeof(NativeArchitectureAttribute), false));
        foreach (FieldInfo constant in own.GetFields(BindingFlags.NonPublic | BindingFlags.Static).Where(f => f.IsLiteral))
        {
            // The property of the same name on the enclosing class is what the rest of the code reads.
            PropertyInfo? selected = own.DeclaringType!.GetProperty(constant.Name, BindingFlags.NonPublic | BindingFlags.Static);
            Assert.True(selected is not null, $"{NativeAbi.DisplayName(own.DeclaringType)} has no property {constant.Name} choosing this machine's value");
            Assert.Equal(constant.GetRawConstantValue(), selected.GetValue(null));
        }
        Assert.False(NativeAbi.ManagedConstants().Any(c => c.Architecture is null && c.Name is "O_NOFOLLOW" or "O_DIRECTORY"),
            "O_NOFOLLOW and O_DIRECTORY differ between x86-64 and aarch64: declare them per architecture");
    }

    [Fact]
    public void TheCheckCoversTheBindingsThatMatter()
    {
        // Guards against the reflection silently finding nothing (a renamed class, a moved attribute).
        var constants = NativeAbi.ManagedConstants().Select(c => $"{c.Owner}.{c.Name}").ToHashSet();
        Assert.Contains("Interop.Krb5.KRB5_GC_CACHED", constants);
        Assert.Contains("Interop.Krb5.TKT_FLG_FORWARDABLE", constants);
        Assert.Contains("Interop.Krb5.KRB5_VERIFY_INIT_CREDS_OPT_AP_REQ_NOFAIL", constants);
        Assert.Contains("Interop.Munge.MUNGE_OPT_UID_RESTRICTION", constants);
        Assert.Contains("Interop.Munge.EMUNGE_CRED_REPLAYED", constants);
        Assert.Contains("Interop.Libc.X64.O_NOFOLLOW", constants);
        Assert.Contains("Interop.Libc.Arm64.O_NOFOLLOW", constants);
        Assert.Contains("Interop.Libc.SO_RCVTIMEO", constants);
        Assert.Contains("Interop.Libc.ELOOP", constants);
        Assert.Contains("Interop.Shim.SLURMNATIVE_HOOK_USER_INIT", constants);
        Assert.Contains("Interop.Spank.SLURM_BATCH_SCRIPT", constants);
        Assert.Contains("Interop.Spank.ESPANK_NOT_LOCAL", constants);

        var structs = NativeAbi.ManagedStructs().Select(s => s.CType).ToHashSet();
        string[] expected = ["krb5_creds", "krb5_data", "krb5_keyblock", "krb5_ticket_times", "krb5_keytab_entry", "krb5_verify_init_creds_opt", "struct passwd", "struct statx", "struct timeval"];
        Assert.All(expected, name => Assert.Contains(name, structs));
    }

    [Fact]
    public void EveryStructInInteropIsMirroredOrExplicitlyExcluded()
    {
        var unchecked_ = NativeAbi.NestedTypes()
            .Where(t => t.IsValueType && !t.IsEnum)
            .Where(t => !t.IsDefined(typeof(NativeStructAttribute), false))
            .Select(NativeAbi.DisplayName)
            .ToList();
        Assert.True(unchecked_.Count == 0, "structs in Interop without [NativeStruct(\"c type\")]: " + string.Join(", ", unchecked_));

        var enums = NativeAbi.NestedTypes().Where(t => t.IsEnum).Select(NativeAbi.DisplayName).ToList();
        Assert.True(enums.Count == 0, "enums in Interop are not ABI-checked; declare the C names as constants: " + string.Join(", ", enums));
    }

    [Fact]
    public void MirroredStructsAreBlittableAndSequential()
    {
        foreach (Type type in NativeAbi.MarkedStructs())
        {
            Assert.True(type.IsValueType, $"{type} is marked [NativeStruct] but is not a struct");
            Assert.True(type.IsLayoutSequential || type.IsExplicitLayout, $"{type}: use [StructLayout(LayoutKind.Sequential)]");
            bool containsReferences = (bool)typeof(RuntimeHelpers).GetMethod(nameof(RuntimeHelpers.IsReferenceOrContainsReferences))!
                .MakeGenericMethod(type).Invoke(null, null)!;
            Assert.False(containsReferences, $"{type} holds managed references; a mirrored struct must be blittable");
            // Managed size (what a pointer cast reads) equals the marshalled size the check compares.
            int unmanagedSize = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
            Assert.Equal(Marshal.SizeOf(type), unmanagedSize);
        }
    }

    [Fact]
    public void ExclusionsGiveAReason()
    {
        var fields = typeof(NativeStructAttribute).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(f => (Field: f, Attribute: f.GetCustomAttribute<NotInNativeHeadersAttribute>()))
            .Where(x => x.Attribute is not null);
        foreach (var (field, attribute) in fields)
            Assert.False(string.IsNullOrWhiteSpace(attribute!.Reason), $"{field.DeclaringType}.{field.Name}: [NotInNativeHeaders] needs a reason");
    }

    [Fact]
    public void TheCheckCatchesWrongValuesAndLayouts()
    {
        // The checker itself, fed deliberately wrong managed values for real C names.
        ConstantSpec[] constants =
        [
            new("Fake", "O_NOFOLLOW", 0x1234),              // wrong value
            new("Fake", "KRB5_GC_CACHED", 2),               // right
            new("Fake", "SLURM_BATCH_SCRIPT", 0xfffffffbu), // right, unsigned
            new("Fake", "SLURM_EXTERN_CONT", -4),           // C is 0xfffffffc (unsigned): a signed int here is wrong
            new("Fake", "MUNGE_UID_ANY", uint.MaxValue),    // right: the enum value -1 as a uid_t
            new("Fake", "KRB5_CC_END", 2528639054u),        // same low 32 bits as C's -1765328242, but positive: wrong
        ];
        StructSpec[] structs =
        [
            new("Fake", "krb5_ticket_times", 12, [new("authtime", 0, 4), new("endtime", 4, 4), new("renew_till", 12, 8)]),
        ];

        IReadOnlyList<string> mismatches = NativeAbi.Compare(constants, structs, AbiTarget.For(RuntimeInformation.ProcessArchitecture));

        Assert.Contains(mismatches, m => m.StartsWith("Fake.O_NOFOLLOW:", StringComparison.Ordinal));
        Assert.Contains(mismatches, m => m.StartsWith("Fake.SLURM_EXTERN_CONT:", StringComparison.Ordinal));
        Assert.Contains(mismatches, m => m.StartsWith("Fake.KRB5_CC_END:", StringComparison.Ordinal));
        Assert.Contains(mismatches, m => m.StartsWith("sizeof(krb5_ticket_times): C 16, managed 12", StringComparison.Ordinal));
        Assert.Contains(mismatches, m => m.StartsWith("offsetof(krb5_ticket_times, endtime): C 8, managed 4", StringComparison.Ordinal));
        Assert.Contains(mismatches, m => m.StartsWith("sizeof(krb5_ticket_times.renew_till): C 4, managed 8", StringComparison.Ordinal));
        Assert.Equal(6, mismatches.Count);
    }

    [Fact]
    public void AConstantWithoutACCounterpartFailsToCompile()
    {
        ConstantSpec[] constants = [new("Fake", "SLURMNATIVE_NO_SUCH_CONSTANT", 1)];
        var error = Assert.Throws<InvalidOperationException>(() => NativeAbi.Compare(constants, [], AbiTarget.For(RuntimeInformation.ProcessArchitecture)));
        Assert.Contains("SLURMNATIVE_NO_SUCH_CONSTANT", error.Message);
    }

    [Fact]
    public void X64OpenFlagsDeclaredForBothArchitecturesFailOnArm64()
    {
        // x86-64's numbers, as if one declaration held for both: the arm64 probe must refuse them.
        ConstantSpec[] x64Values = [new("Fake", "O_DIRECTORY", 0x10000), new("Fake", "O_NOFOLLOW", 0x20000), new("Fake", "O_CREAT", 0x40)];

        IReadOnlyList<string> onArm64 = NativeAbi.Compare(x64Values, [], AbiTarget.For(Architecture.Arm64));
        IReadOnlyList<string> onX64 = NativeAbi.Compare(x64Values, [], AbiTarget.For(Architecture.X64));

        Assert.Equal(["Fake.O_DIRECTORY: C 16384 (0x4000), managed 65536 (Int32)", "Fake.O_NOFOLLOW: C 32768 (0x8000), managed 131072 (Int32)"], onArm64);
        Assert.Empty(onX64);
    }
}
