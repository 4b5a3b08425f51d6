using CsCheck;
using SlurmNative.Credentials.Ccache;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Fuzz.Targets.Ccache;
using SlurmNative.Fuzz.Targets.Jwt;

namespace SlurmNative.Fuzz.Tests;

/// <summary>
/// The ccache writer against libkrb5: for a sample of generated TGTs that the reader accepts,
/// the FILE ccache FileCcacheFormat writes is read by MIT libkrb5 back to the same credential.
/// </summary>
public sealed class CcacheReadBackTests : IDisposable
{
    private const int Sample = 40;
    private readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("slurmnative-fuzz-readback-");

    public void Dispose() => scratch.Delete(recursive: true);

    [Fact]
    public void Libkrb5_reads_what_the_writer_writes_for_a_sample_of_generated_tickets()
    {
        var pcg = new PCG(3, 20261204);
        var clock = new FixedTime(CcacheGens.Now);
        int checkedTickets = 0;
        for (int drawn = 0; checkedTickets < Sample && drawn < 200_000; drawn++)
        {
            byte[] file = CcacheGens.File.Generate(pcg, null, out _);
            byte[]? tgt;
            try
            {
                tgt = FileCcacheFormat.FindTicketGrantingTicket(file, CcacheGens.Now);
            }
            catch (FormatException)
            {
                continue;
            }
            if (tgt is null)
                continue;

            string path = Path.Combine(scratch.FullName, $"krb5cc_{checkedTickets}");
            File.WriteAllBytes(path, FileCcacheFormat.Encode(tgt));
            byte[] readByLibkrb5 = KerberosTickets.ReadTicketGrantingTicket("FILE:" + path, clock);

            Assert.Equal(Convert.ToHexString(tgt), Convert.ToHexString(readByLibkrb5));
            checkedTickets++;
        }
        Assert.Equal(Sample, checkedTickets);
    }
}
