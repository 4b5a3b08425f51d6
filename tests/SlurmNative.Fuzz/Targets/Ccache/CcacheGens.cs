using System.Text;
using CsCheck;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Ccache;

/// <summary>
/// Credentials in MIT's ccache encoding (version 4, what krb5_marshal_credentials makes) and
/// whole FILE ccaches, built field by field; every length and count sometimes lies.
/// </summary>
internal static class CcacheGens
{
    /// <summary>The "now" of every ccache target, so an input means the same thing on every run.</summary>
    public static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public const string Realm = "FUZZ.TEST";

    private static readonly uint NowSeconds = (uint)Now.ToUnixTimeSeconds();

    /// <summary>Name type, component count (sometimes wrong), realm, components, each counted.</summary>
    public static Gen<byte[]> Principal(Gen<string[]> components, Gen<string> realm) =>
        Gen.Select(Gen.Frequency((10, Gen.UInt[1, 2]), (1, Gen.UInt)), components.SelectMany(CountedAll), realm.SelectMany(r => Counted(Encoding.UTF8.GetBytes(r))))
            .SelectMany(t => Gens.Length(t.Item2.Count).Select(count =>
            {
                var writer = new WireWriter().UInt32(t.Item1).UInt32(count).Bytes(t.Item3);
                foreach (byte[] part in t.Item2)
                    writer.Bytes(part);
                return writer.ToArray();
            }));

    /// <summary>Each text counted, each length sometimes wrong.</summary>
    private static Gen<List<byte[]>> CountedAll(string[] texts) => Gens.All(texts.Select(text => Counted(Encoding.UTF8.GetBytes(text))));

    /// <summary>A 32-bit length (sometimes wrong) and the bytes.</summary>
    public static Gen<byte[]> Counted(byte[] data) => Gens.Length(data.Length).Select(length => new WireWriter().UInt32(length).Bytes(data).ToArray());

    private static readonly Gen<string> RealmName = Gen.Frequency((10, Gen.Const(Realm)), (1, Gen.Const("OTHER.TEST")), (1, Gen.Const("X-CACHECONF:")), (1, Gen.String[Gen.Char.AlphaNumeric, 0, 12]));

    public static readonly Gen<byte[]> Client = Principal(
        Gen.Frequency((10, Gen.OneOf("alice", "bob", "root").Select(n => new[] { n })), (1, Gens.Name.Array[0, 3]), (1, Gen.Const(new string[70].Select(_ => "x").ToArray()))),
        RealmName);

    public static readonly Gen<byte[]> Server = Principal(
        Gen.Frequency((10, Gen.Const(new[] { "krbtgt", Realm })), (2, Gen.Const(new[] { "host", "node1" })), (1, Gen.Const(new[] { "krb5_ccache_conf_data", "pa_type" })), (1, Gens.Name.Array[0, 3])),
        RealmName);

    private static readonly Gen<uint> Time = Gen.Frequency(
        (6, Gen.UInt[NowSeconds + 60, NowSeconds + 86400 * 7]),
        (2, Gen.UInt[NowSeconds - 86400, NowSeconds]),
        (1, Gen.OneOf(0u, uint.MaxValue)),
        (1, Gen.UInt));

    /// <summary>Addresses or authorization data: a count, then type and counted bytes each.</summary>
    private static readonly Gen<byte[]> CountedList =
        Gen.Select(Gen.UShort, Gens.Bytes(0, 16)).SelectMany(t => Counted(t.Item2).Select(b => new WireWriter().UInt16(t.Item1).Bytes(b).ToArray()))
            .Array[0, 3].SelectMany(items => Gens.Length(items.Length).Select(count =>
            {
                var writer = new WireWriter().UInt32(count);
                foreach (byte[] item in items)
                    writer.Bytes(item);
                return writer.ToArray();
            }));

    /// <summary>One credential: client, server, key, four times, is_skey, flags, addresses, authdata, ticket, second ticket.</summary>
    public static readonly Gen<byte[]> Credential =
        Gen.Select(Client, Server, Gen.Frequency((10, Gen.Const((ushort)18)), (1, Gen.UShort)), Gens.Bytes(32, 32).SelectMany(Counted), Time.Array[4, 4], Gen.Byte[0, 1], Gen.UInt, Gen.Frequency((8, Gen.Const(new byte[4])), (1, CountedList)))
            .SelectMany(t => Gen.Select(Gen.Frequency((8, Gen.Const(new byte[4])), (1, CountedList)), Gens.Bytes(0, 400).SelectMany(Counted), Gen.Frequency((8, Gen.Const(new byte[4])), (1, Gens.Bytes(0, 40).SelectMany(Counted))))
                .Select(rest => (t, rest)))
            .Select(x =>
            {
                var ((client, server, enctype, key, times, isSkey, flags, addresses), (authdata, ticket, second)) = x;
                var writer = new WireWriter().Bytes(client).Bytes(server).UInt16(enctype).Bytes(key);
                foreach (uint time in times)
                    writer.UInt32(time);
                return writer.Byte(isSkey).UInt32(flags).Bytes(addresses).Bytes(authdata).Bytes(ticket).Bytes(second).ToArray();
            });

    /// <summary>A FILE ccache: version, header tags, default principal, credentials.</summary>
    public static readonly Gen<byte[]> File =
        Gen.Select(Gen.Frequency((10, Gen.Const((ushort)0x0504)), (1, Gen.OneOf((ushort)0x0503, (ushort)0x0501)), (1, Gen.UShort)),
                Gen.Frequency((5, Gen.Const(Array.Empty<byte>())), (2, Gen.Const(new byte[] { 0, 1, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0 })), (1, Gens.Bytes(0, 16))),
                Client, Credential.Array[0, 4], Gen.Frequency((10, Gen.Const(Array.Empty<byte>())), (1, Gens.Bytes(1, 8))))
            .SelectMany(t => Gens.Length(t.Item2.Length).Select(headerLength => (t, headerLength)))
            .Select(x =>
            {
                var ((version, header, principal, credentials, trailing), headerLength) = x;
                var writer = new WireWriter().UInt16(version).UInt16((ushort)headerLength).Bytes(header).Bytes(principal);
                foreach (byte[] credential in credentials)
                    writer.Bytes(credential);
                return writer.Bytes(trailing).ToArray();
            });
}
