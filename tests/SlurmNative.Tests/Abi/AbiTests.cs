using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SlurmNative.Tests.Abi;

/// <summary>The bindings against the installed headers: krb5, munge, glibc, Slurm's spank.h and the shim's header.</summary>
public sealed class AbiTests
{
    // One compile and run for both checks (gcc takes a moment).
    private static readonly Lazy<IReadOnlyList<string>> Mismatches =
        new(() => NativeAbi.Compare(NativeAbi.ManagedConstants(), NativeAbi.ManagedStructs()));

    [Fact]
    public void EveryConstantAndStructMatchesTheHeaders()
    {
        IReadOnlyList<string> mismatches = Mismatches.Value;
        Assert.True(mismatches.Count == 0,
            $"{mismatches.Count} ABI mismatch(es) between bindings/ and the installed headers:\n  " + string.Join("\n  ", mismatches));
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
        Assert.Contains("Interop.Libc.O_NOFOLLOW", constants);
        Assert.Contains("Interop.Libc.ELOOP", constants);
        Assert.Contains("Interop.Shim.SLURMNATIVE_HOOK_USER_INIT", constants);
        Assert.Contains("Interop.Spank.SLURM_BATCH_SCRIPT", constants);
        Assert.Contains("Interop.Spank.ESPANK_NOT_LOCAL", constants);

        var structs = NativeAbi.ManagedStructs().Select(s => s.CType).ToHashSet();
        string[] expected = ["krb5_creds", "krb5_data", "krb5_keyblock", "krb5_ticket_times", "krb5_keytab_entry", "krb5_verify_init_creds_opt", "struct passwd", "struct statx"];
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

        IReadOnlyList<string> mismatches = NativeAbi.Compare(constants, structs);

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
        var error = Assert.Throws<InvalidOperationException>(() => NativeAbi.Compare(constants, []));
        Assert.Contains("SLURMNATIVE_NO_SUCH_CONSTANT", error.Message);
    }
}
